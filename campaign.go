package rapport

import (
	"context"
	"log/slog"
	"net/mail"
	"strings"
	"time"
)

// AudienceFilter selects the patients a campaign may reach: a segment of a
// segmentation model, patient attributes, and consent for the campaign's
// channel and purpose. Empty fields match everything except Channel and
// Purpose, which are required: an audience is always the patients who may
// be contacted on that channel for that purpose.
type AudienceFilter struct {
	ModelID string `json:"model_id,omitempty"`
	// Segments are segment ids of ModelID; a patient's current segment
	// must be one of them. Empty means any segment (or none when ModelID
	// is empty too).
	Segments []string `json:"segments,omitempty"`
	// MinProbability is the least posterior probability of the current
	// segment.
	MinProbability float64 `json:"min_probability,omitempty"`
	// MinAge and MaxAge bound the age in whole years on the day the
	// audience is built (0: no bound). Patients without a birth date never
	// match an age bound.
	MinAge int `json:"min_age,omitempty"`
	MaxAge int `json:"max_age,omitempty"`
	// Languages are primary language subtags ("en", "es"); "es" matches
	// "es" and "es-PR".
	Languages []string `json:"languages,omitempty"`
	// ZIPPrefixes are leading digits of the postal code ("627", "021").
	ZIPPrefixes []string `json:"zip_prefixes,omitempty"`
	// Tags must all be present on the patient.
	Tags []string `json:"tags,omitempty"`
	// NotContactedDays excludes patients sent any campaign message on
	// any channel within this many days (0: no bound).
	NotContactedDays int     `json:"not_contacted_days,omitempty"`
	Channel          Channel `json:"channel"`
	Purpose          Purpose `json:"purpose"`
}

// Validate reports the first problem with f, naming the field.
func (f AudienceFilter) Validate() error {
	if _, err := ParseChannel(string(f.Channel)); err != nil {
		return Errorf(EINVALID, "audience field channel: %s", ErrorMessage(err))
	}
	if _, err := ParsePurpose(string(f.Purpose)); err != nil {
		return Errorf(EINVALID, "audience field purpose: %s", ErrorMessage(err))
	}
	if !f.Purpose.Messaging() {
		return Errorf(EINVALID, "audience field purpose: %s is consent to measurement; no message is sent for it", f.Purpose)
	}
	if f.MinProbability < 0 || f.MinProbability > 1 {
		return Errorf(EINVALID, "audience field min_probability must be within 0..1")
	}
	if len(f.Segments) > 0 && f.ModelID == "" {
		return Errorf(EINVALID, "audience field segments needs model_id")
	}
	if f.MinAge < 0 || f.MaxAge < 0 || f.MinAge > 150 || f.MaxAge > 150 || (f.MaxAge > 0 && f.MaxAge < f.MinAge) {
		return Errorf(EINVALID, "audience fields min_age/max_age must be 0..150 with min_age <= max_age")
	}
	if f.NotContactedDays < 0 || f.NotContactedDays > 3650 {
		return Errorf(EINVALID, "audience field not_contacted_days must be 0..3650")
	}
	for _, z := range f.ZIPPrefixes {
		if z == "" || len(z) > 10 || !allDigits(z) {
			return Errorf(EINVALID, "audience field zip_prefixes: each must be 1 to 10 digits")
		}
	}
	for _, l := range f.Languages {
		if l == "" || len(l) > 8 || !allLetters(l) {
			return Errorf(EINVALID, "audience field languages: each must be a primary language subtag such as \"en\"")
		}
	}
	for _, t := range f.Tags {
		if t == "" || len(t) > 64 {
			return Errorf(EINVALID, "audience field tags: each must be 1 to 64 characters")
		}
	}
	if len(f.Segments)+len(f.Languages)+len(f.ZIPPrefixes)+len(f.Tags) > 200 {
		return Errorf(EINVALID, "audience has too many filter values (at most 200)")
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// AudienceCount is the size of an audience, by current segment.
type AudienceCount struct {
	Total     int            `json:"total"`
	BySegment map[string]int `json:"by_segment,omitempty"`
}

// CampaignStatus is where a campaign is in its life.
type CampaignStatus string

// Campaign statuses. A launched campaign's content and audience are frozen.
const (
	CampaignDraft    CampaignStatus = "draft"
	CampaignLaunched CampaignStatus = "launched"
)

// Campaign is one message to an audience, with a variant per segment (and
// A/B arms within a segment) and a random holdout group that receives
// nothing, so that lift can be measured against it.
type Campaign struct {
	ID      string
	OrgID   string
	Name    string
	Channel Channel
	Purpose Purpose
	// Audience selects the recipients; its Channel and Purpose are the
	// campaign's.
	Audience AudienceFilter
	// Variants hold the content. Each recipient gets the variant of its
	// current segment (Segment ""  is the fallback for everyone else),
	// and within a segment an arm chosen by a deterministic hash weighted
	// by Weight.
	Variants []Variant
	// HoldoutPercent of the audience (0..50) is held out: each gets a
	// delivery row marked holdout and is never sent anything.
	HoldoutPercent float64
	Status         CampaignStatus
	CreatedAt      time.Time
	LaunchedAt     time.Time
	CreatedBy      string
}

// Variant is the content for one segment (or one A/B arm of it). Subject,
// Text and HTML are the email; SMS is the text message. They are templates
// of package message.
type Variant struct {
	Segment string `json:"segment"`
	Arm     string `json:"arm"`    // "A", "B"…; "" is "A"
	Weight  int    `json:"weight"` // relative share within the segment; 0 means 1
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`
	SMS     string `json:"sms,omitempty"`
	// Link is the https destination of the variant's {{link_url}}: the
	// recipient gets a tracked redirect that records a click.
	Link string `json:"link,omitempty"`
}

// DeliveryState is where one delivery is in the state machine
// (docs/campaigns.md): pending → inflight → sent → delivered | bounced, or
// pending → skipped | failed, and holdout from the start.
type DeliveryState string

// Delivery states.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryInflight  DeliveryState = "inflight"
	DeliverySent      DeliveryState = "sent"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryBounced   DeliveryState = "bounced"
	DeliverySkipped   DeliveryState = "skipped"
	DeliveryFailed    DeliveryState = "failed"
	DeliveryHoldout   DeliveryState = "holdout"
)

// Delivery is one (campaign, patient, channel): the durable unit of work.
type Delivery struct {
	ID         string
	OrgID      string
	CampaignID string
	PatientID  string
	Channel    Channel
	Purpose    Purpose
	Segment    string
	Arm        string
	State      DeliveryState
	// Reason says why a delivery was skipped, failed or deferred
	// (compliance reason codes, "quiet_hours", "cap", "missing_field"…).
	Reason     string
	Attempts   int
	NotBefore  time.Time
	MessageID  string // the deterministic Message-ID or the provider's id
	ProviderID string
	SentAt     time.Time
	UpdatedAt  time.Time
}

// Event types of the engagement log.
const (
	EventSent      = "sent"
	EventDelivered = "delivered"
	EventBounced   = "bounced"
	EventComplaint = "complaint"
	EventOpened    = "opened"
	EventClicked   = "clicked"
	EventReplied   = "replied"
	EventOptedOut  = "opted_out"
	EventSkipped   = "skipped"
	EventDeferred  = "deferred"
	EventFailed    = "failed"
)

// EngagementEvent is one thing that happened to a delivery. The log is
// append-only; (Source, SourceID) dedupes events a provider reports twice.
type EngagementEvent struct {
	ID         string
	OrgID      string
	CampaignID string
	DeliveryID string
	PatientID  string
	Channel    Channel
	Type       string
	At         time.Time
	Source     string // "worker", "twilio", "smtp", "web"…
	SourceID   string // the provider's event id; "" for events Rapport makes once
	Detail     string // a code, never patient data
}

// CampaignPreview is what a marketer sees before launch: each variant
// rendered for a sample recipient, the findings of the pre-launch checks
// and the segment's playbook beside it.
type CampaignPreview struct {
	Campaign  *Campaign        `json:"-"`
	Audience  AudienceCount    `json:"audience"`
	Variants  []VariantPreview `json:"variants"`
	Blocked   bool             `json:"blocked"`
	Generated time.Time        `json:"generated"`
}

// VariantPreview is one variant rendered with sample values.
type VariantPreview struct {
	Segment  string           `json:"segment"`
	Arm      string           `json:"arm"`
	Subject  string           `json:"subject,omitempty"`
	Text     string           `json:"text,omitempty"`
	HTML     string           `json:"html,omitempty"`
	SMS      string           `json:"sms,omitempty"`
	Findings []PreviewFinding `json:"findings"`
	Playbook any              `json:"playbook,omitempty"`
	Count    int              `json:"audience"`
}

// PreviewFinding is one result of the pre-launch checks.
type PreviewFinding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"` // blocker or warning
	Message  string `json:"message"`
}

// LaunchResult counts what a launch materialised.
type LaunchResult struct {
	Deliveries int `json:"deliveries"`
	Holdout    int `json:"holdout"`
	NoVariant  int `json:"no_variant"`
}

// CampaignStore keeps audiences, campaigns, the delivery queue and the
// engagement log. Every method scopes itself to actor.OrgID.
type CampaignStore interface {
	// CountAudience counts the patients f selects, by current segment.
	// It needs PermAggregateRead and returns counts only.
	CountAudience(ctx context.Context, actor Actor, f AudienceFilter) (AudienceCount, error)
	// CreateCampaign stores a draft.
	CreateCampaign(ctx context.Context, actor Actor, c *Campaign) error
	// UpdateCampaign replaces a draft's content and audience.
	UpdateCampaign(ctx context.Context, actor Actor, c *Campaign) error
	// Campaign returns one campaign.
	Campaign(ctx context.Context, actor Actor, id string) (*Campaign, error)
	// LaunchCampaign freezes a draft and materialises one delivery row per
	// recipient (holdout members included, marked holdout). assign picks
	// the variant arm and holdout membership of each recipient; it must be
	// deterministic. Launching twice is a conflict.
	LaunchCampaign(ctx context.Context, actor Actor, id string, assign Assigner) (LaunchResult, error)
	// DeliveryCounts counts a campaign's deliveries by state.
	DeliveryCounts(ctx context.Context, actor Actor, campaignID string) (map[DeliveryState]int, error)
	// Campaigns lists the organisation's campaigns, newest first.
	Campaigns(ctx context.Context, actor Actor, limit int) ([]Campaign, error)
	// EngagementCounts counts a campaign's engagement events by type.
	EngagementCounts(ctx context.Context, actor Actor, campaignID string) (map[string]int, error)
}

// Assigner decides, at launch, a recipient's arm within its segment's
// variants and whether it is held out.
type Assigner func(campaignID, patientID, segment string) (arm string, holdout bool, ok bool)

// Recipient is what a delivery worker knows about one patient at send
// time. It is PHI: it logs as the patient id only.
type Recipient struct {
	PatientID string
	Given     string
	Family    string
	Email     string
	Phone     string
	Language  string
	TimeZone  string
	State     string // USPS state code of the postal address, for state rules
	// Consent is the current consent for the delivery's channel and
	// purpose ("" when none was ever recorded).
	Consent ConsentStatus
	// Suppressed is set when the address bounced or complained.
	Suppressed bool
	// TrackOpens is set when the patient granted email tracking consent
	// (PurposeTracking): only then may an email carry an open pixel.
	TrackOpens bool
	// Sent are the times of this patient's earlier sends on the same
	// channel and purpose within the last eight days, for frequency caps.
	Sent []time.Time
}

// LogValue makes a Recipient log as its patient id only.
func (r Recipient) LogValue() slog.Value {
	return slog.GroupValue(slog.String("patient_id", r.PatientID))
}

// DeliveryJob is a claimed delivery: the row, leased to one worker, and the
// recipient as the database knows it now.
type DeliveryJob struct {
	Delivery
	Recipient Recipient
	// Recovered is set when the delivery was in flight under an expired
	// lease: a worker crashed after claiming it, possibly after sending.
	Recovered bool
	// SendStarted is when a worker first began the network call of this
	// delivery (zero: no worker ever did, so nothing was sent). Only
	// channels whose worker calls StartSend (social DMs) record it.
	SendStarted time.Time
}

// DeliveryOutcome is what a worker decided for one claimed delivery.
type DeliveryOutcome struct {
	ID       string
	Attempts int
	// State is sent, skipped, failed, or pending (deferred to NotBefore,
	// or retried then after a transient error).
	State      DeliveryState
	Reason     string
	NotBefore  time.Time
	ProviderID string
	SentAt     time.Time
	// Event is the engagement event to append (sent, skipped, deferred,
	// failed), once per delivery attempt.
	Event string
}

// ChannelPurpose names one (channel, purpose) consent.
type ChannelPurpose struct {
	Channel Channel
	Purpose Purpose
}

// DMTarget is where a social_dm delivery goes: the patient's author id on
// an organisation's connected account, taken from a conversation that
// staff (or a verified identifier) linked to the patient and in which the
// patient sent a direct message first.
type DMTarget struct {
	ConversationID string
	Network        Network
	AccountID      string
	AuthorID       string
	// WroteAt is when the patient sent that direct message (Meta allows a
	// page to answer only within 24 hours of it).
	WroteAt time.Time
}

// SenderProfile is how one organisation appears in what it sends: the
// name in messages and HELP answers, the postal address every marketing
// email must carry (CAN-SPAM), the From address, the SMS sender and the
// HELP contact. Its admin sets it; an empty field falls back to the
// server's default (the serve flags), so a single-tenant server needs no
// profile at all.
type SenderProfile struct {
	OrgName       string    `json:"org_name,omitempty"`
	PostalAddress string    `json:"postal_address,omitempty"`
	MailFrom      string    `json:"mail_from,omitempty"` // "Name <address>" or an address
	SMSFrom       string    `json:"sms_from,omitempty"`  // E.164 number or messaging service SID (MG…)
	HelpContact   string    `json:"help_contact,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Validate reports the first problem with p, naming the field.
func (p SenderProfile) Validate() error {
	for _, f := range []struct{ name, v string }{{"org_name", p.OrgName}, {"postal_address", p.PostalAddress},
		{"mail_from", p.MailFrom}, {"sms_from", p.SMSFrom}, {"help_contact", p.HelpContact}} {
		if len(f.v) > 300 || strings.ContainsAny(f.v, "\r\n\x00") {
			return Errorf(EINVALID, "sender field %s must be one line of at most 300 characters", f.name)
		}
	}
	if p.MailFrom != "" {
		if _, err := mail.ParseAddress(p.MailFrom); err != nil {
			return Errorf(EINVALID, "sender field mail_from is not an email address")
		}
	}
	if p.SMSFrom != "" && !strings.HasPrefix(p.SMSFrom, "MG") {
		if n, err := NormalizePhone(p.SMSFrom, ""); err != nil || n != p.SMSFrom {
			return Errorf(EINVALID, "sender field sms_from is neither an E.164 number nor a messaging service SID")
		}
	}
	return nil
}
