package campaign

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/compliance"
	"github.com/rapport-health/rapport/internal/email"
	"github.com/rapport-health/rapport/internal/twilio"
)

// StopScope is what an SMS opt-out revokes (docs/campaigns.md, "Opt-out
// policy"): SMS for every purpose, since the FCC's 2024 revocation rule
// makes a STOP cover every text from the sender; and, by Rapport's policy,
// marketing and operations on every other channel, since a patient who
// says stop on one channel does not expect promotions on another. Care
// messages by email, voice and mail stay: they carry treatment
// information the patient may need, and staff can revoke them on request.
func StopScope() []rapport.ChannelPurpose {
	out := []rapport.ChannelPurpose{
		{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare},
		{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeOperations},
		{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeMarketing},
	}
	for _, ch := range rapport.Channels() {
		if ch == rapport.ChannelSMS {
			continue
		}
		out = append(out, rapport.ChannelPurpose{Channel: ch, Purpose: rapport.PurposeMarketing},
			rapport.ChannelPurpose{Channel: ch, Purpose: rapport.PurposeOperations})
	}
	return out
}

// UnsubscribeScope is what a one-click email unsubscribe revokes: email
// marketing (CAN-SPAM covers commercial email), at once.
func UnsubscribeScope() []rapport.ChannelPurpose {
	return []rapport.ChannelPurpose{{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}}
}

// OptOutStore is what inbound handling needs of the store.
type OptOutStore interface {
	RecordOptOut(ctx context.Context, orgID string, channel rapport.Channel, address string, scope []rapport.ChannelPurpose,
		source, evidence string, at time.Time) ([]string, bool, error)
	RevokeConsents(ctx context.Context, orgID, patientID string, scope []rapport.ChannelPurpose, source, evidence string, at time.Time) (bool, error)
	RecordOptIn(ctx context.Context, orgID string, channel rapport.Channel, address string, scope []rapport.ChannelPurpose,
		source, evidence string, at time.Time) ([]string, error)
	OptedOut(ctx context.Context, orgID string, channel rapport.Channel, address string) (bool, error)
	DeliveryByID(ctx context.Context, id string) (*rapport.Delivery, error)
	RecordEngagement(ctx context.Context, e *rapport.EngagementEvent) (bool, error)
	RecordOpen(ctx context.Context, deliveryID string, at time.Time) (bool, error)
	LaunchedCampaign(ctx context.Context, orgID, id string) (*rapport.Campaign, error)
	LatestSentTo(ctx context.Context, orgID string, channel rapport.Channel, address string) (*rapport.Delivery, error)
	ApplyProviderStatus(ctx context.Context, providerID string, state rapport.DeliveryState, source, sourceID, detail string) (*rapport.Delivery, error)
	Suppress(ctx context.Context, orgID string, channel rapport.Channel, address, reason string) error
	SuppressDeliveryAddress(ctx context.Context, deliveryID, reason string) (bool, error)
}

// Inbound applies what patients and providers send back.
type Inbound struct {
	Store    OptOutStore
	SMS      SMSSender // for confirmations and HELP answers; nil sends none
	Identity Identity
	// Senders, when set, answers each organisation's texts with its own
	// name, HELP contact and sending number.
	Senders *Senders
	Now     func() time.Time
	Logger  *slog.Logger
}

func (in *Inbound) now() time.Time {
	if in.Now != nil {
		return in.Now().UTC()
	}
	return time.Now().UTC()
}

func (in *Inbound) logger() *slog.Logger {
	if in.Logger != nil {
		return in.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// HandleSMS applies one inbound text to orgID: an opt-out (any keyword or
// phrase compliance.Classify recognises) revokes StopScope for every
// patient at that number before it returns, and one confirmation is sent
// (none when the number had already opted out); HELP is answered; START
// re-grants SMS care messages only. It returns the intent it acted on.
func (in *Inbound) HandleSMS(ctx context.Context, orgID string, m twilio.Inbound) (compliance.Intent, error) {
	if m.From == "" {
		return compliance.IntentNone, rapport.Errorf(rapport.EINVALID, "inbound message field From is empty")
	}
	optedOut, err := in.Store.OptedOut(ctx, orgID, rapport.ChannelSMS, m.From)
	if err != nil {
		return compliance.IntentNone, err
	}
	id, err := identityFor(ctx, in.Senders, in.Identity, orgID)
	if err != nil {
		return compliance.IntentNone, err
	}
	resp := compliance.Responder{Sender: id.OrgName, Contact: id.HelpContact}
	rep := resp.Respond(m.Body, optedOut)
	// Twilio's Advanced Opt-Out has already acted on its own keywords:
	// honour its verdict even if our parser disagreed.
	if rep.Intent == compliance.IntentNone && strings.EqualFold(m.OptOutType, "STOP") {
		rep = resp.Respond("STOP", optedOut)
	}
	now := in.now()
	switch rep.Intent {
	case compliance.IntentOptOut:
		changed, _, err := in.Store.RecordOptOut(ctx, orgID, rapport.ChannelSMS, m.From, StopScope(), "sms:stop", m.MessageSID, now)
		if err != nil {
			return rep.Intent, err
		}
		for _, pid := range changed {
			if _, err := in.Store.RecordEngagement(ctx, &rapport.EngagementEvent{OrgID: orgID, PatientID: pid, Channel: rapport.ChannelSMS,
				Type: rapport.EventOptedOut, At: now, Source: "twilio", SourceID: m.MessageSID + ":" + pid, Detail: "sms_stop"}); err != nil {
				return rep.Intent, err
			}
		}
	case compliance.IntentNone:
		// An ordinary reply answers the last campaign text to that number.
		d, err := in.Store.LatestSentTo(ctx, orgID, rapport.ChannelSMS, m.From)
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			break
		}
		if err != nil {
			return rep.Intent, err
		}
		if _, err := in.Store.RecordEngagement(ctx, &rapport.EngagementEvent{OrgID: orgID, CampaignID: d.CampaignID, DeliveryID: d.ID,
			PatientID: d.PatientID, Channel: rapport.ChannelSMS, Type: rapport.EventReplied, At: now, Source: "twilio",
			SourceID: m.MessageSID}); err != nil {
			return rep.Intent, err
		}
	case compliance.IntentOptIn:
		// START re-grants only what the carrier blocked for treatment
		// messages; marketing needs new written consent.
		care := []rapport.ChannelPurpose{{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare}}
		if _, err := in.Store.RecordOptIn(ctx, orgID, rapport.ChannelSMS, m.From, care, "sms:start", m.MessageSID, now); err != nil {
			return rep.Intent, err
		}
	}
	if rep.Text != "" && in.SMS != nil {
		p := twilio.SendParams{To: m.From, Body: rep.Text}
		if strings.HasPrefix(id.SMSFrom, "MG") {
			p.MessagingServiceSID = id.SMSFrom
		} else {
			p.From = id.SMSFrom
		}
		if _, err := in.SMS.Send(ctx, p); err != nil {
			// The opt-out is recorded; a failed confirmation must not undo
			// or repeat it.
			in.logger().Warn("sms confirmation not sent", "intent", rep.Intent.String(), "cause", safeCause(err))
		}
	}
	return rep.Intent, nil
}

// Unsubscribe applies a one-click unsubscribe (RFC 8058) for the delivery
// a signed token names: email marketing is revoked for its patient at once.
func (in *Inbound) Unsubscribe(ctx context.Context, token string) error {
	did, err := in.Identity.VerifyToken(token)
	if err != nil {
		return err
	}
	d, err := in.Store.DeliveryByID(ctx, did)
	if err != nil {
		return rapport.Errorf(rapport.ENOTFOUND, "unknown or invalid unsubscribe link")
	}
	now := in.now()
	changed, err := in.Store.RevokeConsents(ctx, d.OrgID, d.PatientID, UnsubscribeScope(), "email:unsubscribe", did, now)
	if err != nil {
		return err
	}
	if changed {
		_, err = in.Store.RecordEngagement(ctx, &rapport.EngagementEvent{OrgID: d.OrgID, CampaignID: d.CampaignID, DeliveryID: d.ID,
			PatientID: d.PatientID, Channel: rapport.ChannelEmail, Type: rapport.EventOptedOut, At: now, Source: "web",
			SourceID: did, Detail: "one_click"})
	}
	return err
}

// HandleStatus applies a Twilio status callback: delivered, or
// undelivered/failed as a bounce (a carrier 21610 also suppresses).
func (in *Inbound) HandleStatus(ctx context.Context, cb twilio.StatusCallback) error {
	var state rapport.DeliveryState
	switch cb.Status {
	case twilio.StatusDelivered:
		state = rapport.DeliveryDelivered
	case twilio.StatusUndelivered, twilio.StatusFailed:
		state = rapport.DeliveryBounced
	default:
		return nil // queued, sent…: the worker recorded the send
	}
	detail := ""
	if cb.ErrorCode != 0 {
		detail = fmt.Sprintf("twilio_%d", cb.ErrorCode)
	}
	d, err := in.Store.ApplyProviderStatus(ctx, cb.MessageSID, state, "twilio", cb.MessageSID+":"+string(cb.Status), detail)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		return nil // not a campaign message (a confirmation, a reply)
	}
	if err == nil && cb.ErrorCode == 21610 && cb.To != "" {
		err = in.Store.Suppress(ctx, d.OrgID, rapport.ChannelSMS, cb.To, "carrier_unsubscribed")
	}
	return err
}

// Click records a click on a delivery's tracked link (once per delivery:
// the event's source id is the delivery) and returns where to redirect.
func (in *Inbound) Click(ctx context.Context, token string) (string, error) {
	did, err := in.Identity.VerifyClickToken(token)
	if err != nil {
		return "", err
	}
	d, err := in.Store.DeliveryByID(ctx, did)
	if err != nil {
		return "", rapport.Errorf(rapport.ENOTFOUND, "unknown or invalid link")
	}
	c, err := in.Store.LaunchedCampaign(ctx, d.OrgID, d.CampaignID)
	if err != nil {
		return "", err
	}
	v, ok := variantFor(c, d.Segment, d.Arm)
	if !ok || v.Link == "" {
		return "", rapport.Errorf(rapport.ENOTFOUND, "this link has no destination")
	}
	if _, err := in.Store.RecordEngagement(ctx, &rapport.EngagementEvent{OrgID: d.OrgID, CampaignID: d.CampaignID, DeliveryID: d.ID,
		PatientID: d.PatientID, Channel: d.Channel, Type: rapport.EventClicked, At: in.now(), Source: "web", SourceID: d.ID}); err != nil {
		return "", err
	}
	return v.Link, nil
}

// Open records that a delivery's email was opened (its pixel fetched):
// once per delivery, and only while the patient's email tracking consent
// stands (the store checks it at the moment of the open).
func (in *Inbound) Open(ctx context.Context, token string) error {
	did, err := in.Identity.VerifyOpenToken(token)
	if err != nil {
		return err
	}
	if _, err := in.Store.RecordOpen(ctx, did, in.now()); rapport.ErrorCode(err) == rapport.ENOTFOUND {
		return rapport.Errorf(rapport.ENOTFOUND, "unknown or invalid link")
	} else if err != nil {
		return err
	}
	return nil
}

// ReportResult counts what HandleReports did.
type ReportResult struct {
	Bounced, Complained, Delayed, NotOurs int
}

// HandleReports applies delivery status notifications and abuse feedback
// reports (email.ParseReport) about campaign email: a permanent bounce
// marks the delivery bounced (once per report) and suppresses the address;
// a complaint suppresses the address and revokes email marketing at once,
// as an unsubscribe does (a complaint is the strongest opt-out there is);
// a delay changes nothing. A report is matched to its delivery by the
// original Message-ID, which Rapport makes "<delivery id>@messageDomain";
// reports about other mail are counted as not ours. Applying the same
// report twice changes nothing more.
func (in *Inbound) HandleReports(ctx context.Context, reports []email.Report, messageDomain string) (ReportResult, error) {
	var res ReportResult
	for _, r := range reports {
		local, domain, ok := strings.Cut(r.MessageID, "@")
		if !ok || local == "" || !strings.EqualFold(domain, messageDomain) {
			res.NotOurs++
			continue
		}
		d, err := in.Store.DeliveryByID(ctx, local)
		if rapport.ErrorCode(err) == rapport.ENOTFOUND || err == nil && d.Channel != rapport.ChannelEmail {
			res.NotOurs++
			continue
		}
		if err != nil {
			return res, err
		}
		switch r.Kind {
		case email.ReportDelay:
			res.Delayed++
		case email.ReportBounce:
			if _, err := in.Store.ApplyProviderStatus(ctx, r.MessageID, rapport.DeliveryBounced, "dsn", r.MessageID+":"+r.Status, "dsn_"+r.Status); err != nil &&
				rapport.ErrorCode(err) != rapport.ENOTFOUND {
				return res, err
			}
			if _, err := in.Store.SuppressDeliveryAddress(ctx, d.ID, "hard_bounce"); err != nil {
				return res, err
			}
			res.Bounced++
		case email.ReportComplaint:
			if _, err := in.Store.SuppressDeliveryAddress(ctx, d.ID, "complaint"); err != nil {
				return res, err
			}
			now := in.now()
			changed, err := in.Store.RevokeConsents(ctx, d.OrgID, d.PatientID, UnsubscribeScope(), "email:complaint", d.ID, now)
			if err != nil {
				return res, err
			}
			if changed {
				if _, err := in.Store.RecordEngagement(ctx, &rapport.EngagementEvent{OrgID: d.OrgID, CampaignID: d.CampaignID, DeliveryID: d.ID,
					PatientID: d.PatientID, Channel: rapport.ChannelEmail, Type: rapport.EventOptedOut, At: now, Source: "arf",
					SourceID: d.ID, Detail: "complaint_" + r.FeedbackType}); err != nil {
					return res, err
				}
			}
			res.Complained++
		}
	}
	return res, nil
}
