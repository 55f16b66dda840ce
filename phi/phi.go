package phi

// Type is a HIPAA Safe Harbor identifier category, as named in the
// `rapport phi scan` contract.
type Type string

// The identifier categories of the scan contract.
const (
	Name       Type = "NAME"
	Location   Type = "LOCATION"
	Date       Type = "DATE"
	Age        Type = "AGE"
	Phone      Type = "PHONE"
	Fax        Type = "FAX"
	Email      Type = "EMAIL"
	SSN        Type = "SSN"
	MRN        Type = "MRN"
	HealthPlan Type = "HEALTH_PLAN"
	Account    Type = "ACCOUNT"
	License    Type = "LICENSE"
	Vehicle    Type = "VEHICLE"
	Device     Type = "DEVICE"
	URL        Type = "URL"
	IP         Type = "IP"
	Biometric  Type = "BIOMETRIC"
	ID         Type = "ID"
)

// Span is one finding in a text. Start and End are offsets in Unicode code
// points (End exclusive), so that they agree with the JSONL contract and with
// the development sets.
type Span struct {
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Type       Type    `json:"type"`
	Confidence float64 `json:"confidence,omitempty"`
}

// Config is what the detector must know of the organisation it works for:
// names that are public and therefore never PHI.
type Config struct {
	// OrgNames are the organisation's own names and handles.
	OrgNames []string
	// StaffNames are staff whose names are public (listed in configuration).
	StaffNames []string
	// PublicFigures are other names never treated as PHI.
	PublicFigures []string
	// OrgPhones, OrgEmails and OrgURLs are the organisation's public contacts.
	OrgPhones []string
	OrgEmails []string
	OrgURLs   []string
}

// Detector finds Safe Harbor identifiers. A Detector is safe for concurrent use.
type Detector struct {
	cfg Config
}

// NewDetector returns a detector for cfg.
func NewDetector(cfg Config) *Detector { return &Detector{cfg: cfg} }

// Scan returns the identifiers found in text, sorted by Start and not
// overlapping.
func (d *Detector) Scan(text string) []Span {
	return nil // replaced by the detector implementation
}
