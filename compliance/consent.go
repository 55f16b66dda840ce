package compliance

import "github.com/rapport-health/rapport"

// Reasons a send is refused. They are stable codes for logs and reports.
const (
	ReasonOK               = ""
	ReasonNoConsent        = "no_consent"        // no granted consent for this channel and purpose
	ReasonRevoked          = "revoked"           // consent for this channel and purpose was revoked
	ReasonOptedOut         = "opted_out"         // the patient opted out of the whole channel (STOP, unsubscribe)
	ReasonSuppressed       = "suppressed"        // the address bounced hard or complained
	ReasonChannelForbidden = "channel_forbidden" // the purpose may never use this channel
	ReasonNotFirst         = "patient_not_first" // social DM without the patient writing first
)

// ConsentState is what the sender knows about one patient on one channel.
type ConsentState struct {
	// Status is the current consent for the (channel, purpose) asked about;
	// "" when no event exists, which counts as not granted.
	Status rapport.ConsentStatus
	// OptedOut is set when the patient opted out of the channel as a whole
	// (a STOP reply, a List-Unsubscribe click). The FCC's 2024 revocation
	// rule and CAN-SPAM both make such an opt-out cover every purpose.
	OptedOut bool
	// Suppressed is set when the address or number is unusable: a hard
	// bounce, a spam complaint, a carrier "unsubscribed recipient" error.
	Suppressed bool
	// PatientWroteFirst is set when the patient opened the conversation on
	// a social platform; platforms forbid unsolicited direct messages.
	PatientWroteFirst bool
}

// ConsentDecision is the outcome of MaySend.
type ConsentDecision struct {
	Allowed bool
	Reason  string
}

// MaySend decides whether a message for purpose may be sent on channel to
// a patient in state st. The rules, strictest first:
//
//   - a suppressed address or number is never used;
//   - a channel-wide opt-out blocks every purpose on that channel;
//   - a social DM needs the patient to have written first;
//   - voice is never used for marketing (prerecorded marketing calls need
//     written consent that Rapport does not collect);
//   - otherwise the (channel, purpose) consent must be granted: marketing
//     needs marketing consent (HIPAA 45 CFR 164.508(a)(3), TCPA prior
//     express written consent), care and operations need their own.
//
// Unknown consent is treated as not granted.
func MaySend(purpose rapport.Purpose, channel rapport.Channel, st ConsentState) ConsentDecision {
	switch {
	case st.Suppressed:
		return ConsentDecision{Reason: ReasonSuppressed}
	case st.OptedOut:
		return ConsentDecision{Reason: ReasonOptedOut}
	case channel == rapport.ChannelSocialDM && !st.PatientWroteFirst:
		return ConsentDecision{Reason: ReasonNotFirst}
	case channel == rapport.ChannelVoice && purpose == rapport.PurposeMarketing:
		return ConsentDecision{Reason: ReasonChannelForbidden}
	case st.Status == rapport.ConsentRevoked:
		return ConsentDecision{Reason: ReasonRevoked}
	case st.Status != rapport.ConsentGranted:
		return ConsentDecision{Reason: ReasonNoConsent}
	}
	return ConsentDecision{Allowed: true}
}

// QuietHoursApply reports whether the calling window applies to channel:
// it does to SMS and voice (TCPA), not to email, mail or a reply in a
// conversation the patient started.
func QuietHoursApply(channel rapport.Channel) bool {
	return channel == rapport.ChannelSMS || channel == rapport.ChannelVoice
}

// CapsFor returns the frequency caps for messages of purpose on channel:
// the healthcare-exemption caps for care messages by SMS or voice (the
// messages that rely on the exemption), else the organisation's caps
// other (which may be nil for none).
func CapsFor(purpose rapport.Purpose, channel rapport.Channel, other Caps) Caps {
	if purpose == rapport.PurposeCare && QuietHoursApply(channel) {
		return HealthcareCaps()
	}
	return other
}
