package rapport

import (
	"log/slog"
	"time"
)

// Identifier systems Rapport knows by name. Any other system URI is kept as
// given.
const (
	// SystemMRN is the default system for medical record numbers given
	// without one (a CSV's mrn column).
	SystemMRN = "urn:rapport:mrn"
	// SystemFHIRID records the logical id a patient had in the FHIR source
	// it was imported from, so that Consent references can be resolved and a
	// re-import matches the same patient.
	SystemFHIRID = "urn:rapport:fhir-id"
)

// Identifier is a patient identifier: a medical record number, a FHIR
// source id, an insurance member number… (System, Value) is unique within an
// organisation.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
	// Type is an HL7 v2 identifier type code ("MR", "SS", "DL"…), if known.
	Type string `json:"type,omitempty"`
}

// Address is a postal address.
type Address struct {
	Lines      []string `json:"lines,omitempty"`
	City       string   `json:"city,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postal_code,omitempty"`
	Country    string   `json:"country,omitempty"`
}

// IsZero reports whether a holds nothing.
func (a Address) IsZero() bool {
	return len(a.Lines) == 0 && a.City == "" && a.State == "" && a.PostalCode == "" && a.Country == ""
}

// Patient is a person in an organisation's registry. Its fields are PHI: a
// Patient never reaches a log line (see LogValue) or an error message.
type Patient struct {
	ID          string
	OrgID       string
	Identifiers []Identifier
	Family      string
	Given       string
	BirthDate   string // YYYY-MM-DD, or YYYY-MM, or YYYY, as known
	Gender      string // FHIR administrative gender: male, female, other, unknown
	Email       string // lower-cased
	Phone       string // E.164
	Language    string // BCP 47 tag, e.g. "en", "es-PR"
	TimeZone    string // IANA name, e.g. "America/Chicago"
	Address     Address
	Tags        []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// LogValue makes a Patient log as its internal id only.
func (p Patient) LogValue() slog.Value {
	return slog.GroupValue(slog.String("patient_id", p.ID))
}

// Identifier returns the value of p's identifier in system, or "".
func (p Patient) Identifier(system string) string {
	for _, id := range p.Identifiers {
		if id.System == system {
			return id.Value
		}
	}
	return ""
}

// Channel is a way of reaching a patient.
type Channel string

// The channels consent is recorded for.
const (
	ChannelEmail    Channel = "email"
	ChannelSMS      Channel = "sms"
	ChannelVoice    Channel = "voice"
	ChannelSocialDM Channel = "social_dm"
	ChannelMail     Channel = "mail"
)

// Channels lists every channel, in a stable order.
func Channels() []Channel {
	return []Channel{ChannelEmail, ChannelSMS, ChannelVoice, ChannelSocialDM, ChannelMail}
}

// Purpose is why an organisation contacts a patient. HIPAA treats treatment
// and operations differently from marketing, and TCPA's healthcare exemption
// covers only some purposes, so consent is recorded per purpose.
type Purpose string

// The purposes consent is recorded for.
const (
	PurposeCare       Purpose = "care"       // treatment and care: reminders, follow-up
	PurposeOperations Purpose = "operations" // health-care operations: surveys, billing notices
	PurposeMarketing  Purpose = "marketing"  // marketing and fund-raising
	// PurposeTracking is consent to measurement, not to messages: whether
	// the opening of an email may be recorded (a one-pixel image). Nothing
	// is ever sent for this purpose; it only lets a message sent for
	// another purpose carry the pixel.
	PurposeTracking Purpose = "tracking"
)

// Purposes lists every purpose, in a stable order.
func Purposes() []Purpose {
	return []Purpose{PurposeCare, PurposeOperations, PurposeMarketing, PurposeTracking}
}

// Messaging reports whether messages may be sent for p (every purpose but
// tracking).
func (p Purpose) Messaging() bool { return p != PurposeTracking }

// ConsentStatus is the state a consent event puts a (channel, purpose) in.
type ConsentStatus string

// Consent statuses. With no event at all a (channel, purpose) is unknown,
// which senders treat as not granted.
const (
	ConsentGranted ConsentStatus = "granted"
	ConsentRevoked ConsentStatus = "revoked"
)

// ParseChannel, ParsePurpose and ParseConsentStatus validate names.
func ParseChannel(s string) (Channel, error) {
	for _, c := range Channels() {
		if string(c) == s {
			return c, nil
		}
	}
	return "", Errorf(EINVALID, "unknown channel %q (want email, sms, voice, social_dm or mail)", s)
}

// ParsePurpose returns the purpose named s.
func ParsePurpose(s string) (Purpose, error) {
	for _, p := range Purposes() {
		if string(p) == s {
			return p, nil
		}
	}
	return "", Errorf(EINVALID, "unknown purpose %q (want care, operations, marketing or tracking)", s)
}

// ParseConsentStatus returns the status named s.
func ParseConsentStatus(s string) (ConsentStatus, error) {
	switch ConsentStatus(s) {
	case ConsentGranted, ConsentRevoked:
		return ConsentStatus(s), nil
	}
	return "", Errorf(EINVALID, "unknown consent status %q (want granted or revoked)", s)
}

// ConsentEvent is one change of consent for one channel and purpose. Consent
// is a history: an opt-out is a new event, never an overwrite, and the
// current state of a (channel, purpose) is its latest event.
type ConsentEvent struct {
	ID        string
	OrgID     string
	PatientID string
	Channel   Channel
	Purpose   Purpose
	Status    ConsentStatus
	At        time.Time // when the patient gave or withdrew consent
	// Source says how it was captured: "import:csv", "import:fhir",
	// "sms:stop", "email:unsubscribe", "staff", "web"…
	Source string
	// Evidence points at proof: a FHIR Consent reference, a message id, a
	// signed form's reference. Never free text about the patient's health.
	Evidence   string
	RecordedAt time.Time
	RecordedBy string // actor name
}

// Consent is the current state of one (channel, purpose) for a patient.
type Consent struct {
	Channel Channel
	Purpose Purpose
	Status  ConsentStatus
	At      time.Time
	Source  string
}
