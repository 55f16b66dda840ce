package fhir

import "encoding/json"

// Patient is the FHIR R4 Patient resource (the elements Rapport uses).
type Patient struct {
	ResourceType         string                 `json:"resourceType"`
	ID                   string                 `json:"id,omitempty"`
	Meta                 *Meta                  `json:"meta,omitempty"`
	Text                 *Narrative             `json:"text,omitempty"`
	Extension            []Extension            `json:"extension,omitempty"`
	Identifier           []Identifier           `json:"identifier,omitempty"`
	Active               *bool                  `json:"active,omitempty"`
	Name                 []HumanName            `json:"name,omitempty"`
	Telecom              []ContactPoint         `json:"telecom,omitempty"`
	Gender               string                 `json:"gender,omitempty"`
	BirthDate            string                 `json:"birthDate,omitempty"`
	DeceasedBoolean      *bool                  `json:"deceasedBoolean,omitempty"`
	DeceasedDateTime     string                 `json:"deceasedDateTime,omitempty"`
	Address              []Address              `json:"address,omitempty"`
	MaritalStatus        *CodeableConcept       `json:"maritalStatus,omitempty"`
	MultipleBirthBoolean *bool                  `json:"multipleBirthBoolean,omitempty"`
	MultipleBirthInteger *int                   `json:"multipleBirthInteger,omitempty"`
	Communication        []PatientCommunication `json:"communication,omitempty"`
	GeneralPractitioner  []Reference            `json:"generalPractitioner,omitempty"`
	ManagingOrganization *Reference             `json:"managingOrganization,omitempty"`
	Link                 []PatientLink          `json:"link,omitempty"`
}

// PatientCommunication is a language the patient can use.
type PatientCommunication struct {
	Language  CodeableConcept `json:"language"`
	Preferred *bool           `json:"preferred,omitempty"`
}

// PatientLink links to another Patient or RelatedPerson for the same person.
type PatientLink struct {
	Other Reference `json:"other"`
	Type  string    `json:"type"` // replaced-by | replaces | refer | seealso
}

// Consent is the FHIR R4 Consent resource.
type Consent struct {
	ResourceType     string            `json:"resourceType"`
	ID               string            `json:"id,omitempty"`
	Meta             *Meta             `json:"meta,omitempty"`
	Text             *Narrative        `json:"text,omitempty"`
	Extension        []Extension       `json:"extension,omitempty"`
	Identifier       []Identifier      `json:"identifier,omitempty"`
	Status           string            `json:"status"` // draft | proposed | active | rejected | inactive | entered-in-error
	Scope            CodeableConcept   `json:"scope"`
	Category         []CodeableConcept `json:"category"`
	Patient          *Reference        `json:"patient,omitempty"`
	DateTime         string            `json:"dateTime,omitempty"`
	Performer        []Reference       `json:"performer,omitempty"`
	Organization     []Reference       `json:"organization,omitempty"`
	SourceAttachment *Attachment       `json:"sourceAttachment,omitempty"`
	SourceReference  *Reference        `json:"sourceReference,omitempty"`
	Policy           []ConsentPolicy   `json:"policy,omitempty"`
	PolicyRule       *CodeableConcept  `json:"policyRule,omitempty"`
	Verification     []ConsentVerify   `json:"verification,omitempty"`
	Provision        *Provision        `json:"provision,omitempty"`
}

// ConsentPolicy is a policy a Consent refers to.
type ConsentPolicy struct {
	Authority string `json:"authority,omitempty"`
	URI       string `json:"uri,omitempty"`
}

// ConsentVerify records a verification of a Consent (R4
// Consent.verification).
type ConsentVerify struct {
	Verified         bool       `json:"verified"`
	VerifiedWith     *Reference `json:"verifiedWith,omitempty"`
	VerificationDate string     `json:"verificationDate,omitempty"`
}

// Provision is a Consent rule, with nested exceptions.
type Provision struct {
	Type          string            `json:"type,omitempty"` // deny | permit
	Period        *Period           `json:"period,omitempty"`
	Actor         []ProvisionActor  `json:"actor,omitempty"`
	Action        []CodeableConcept `json:"action,omitempty"`
	SecurityLabel []Coding          `json:"securityLabel,omitempty"`
	Purpose       []Coding          `json:"purpose,omitempty"`
	Class         []Coding          `json:"class,omitempty"`
	Code          []CodeableConcept `json:"code,omitempty"`
	DataPeriod    *Period           `json:"dataPeriod,omitempty"`
	Data          []ProvisionData   `json:"data,omitempty"`
	Provision     []Provision       `json:"provision,omitempty"`
}

// ProvisionActor is who a provision applies to.
type ProvisionActor struct {
	Role      CodeableConcept `json:"role"`
	Reference Reference       `json:"reference"`
}

// ProvisionData is a resource a provision controls.
type ProvisionData struct {
	Meaning   string    `json:"meaning"` // instance | related | dependents | authoredby
	Reference Reference `json:"reference"`
}

// Bundle is the FHIR R4 Bundle resource. Entry resources stay raw JSON;
// Decode dispatches them by resourceType.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Meta         *Meta         `json:"meta,omitempty"`
	Identifier   *Identifier   `json:"identifier,omitempty"`
	Type         string        `json:"type"` // searchset | collection | transaction | batch | …
	Timestamp    string        `json:"timestamp,omitempty"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a link about a Bundle (self, next…).
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one entry of a Bundle.
type BundleEntry struct {
	Link     []BundleLink    `json:"link,omitempty"`
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Search   *BundleSearch   `json:"search,omitempty"`
	Request  *BundleRequest  `json:"request,omitempty"`
	Response *BundleResponse `json:"response,omitempty"`
}

// BundleSearch says why an entry is in a searchset.
type BundleSearch struct {
	Mode  string   `json:"mode,omitempty"` // match | include | outcome
	Score *float64 `json:"score,omitempty"`
}

// BundleRequest is the request of a transaction or batch entry.
type BundleRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// BundleResponse is the outcome of a transaction or batch entry.
type BundleResponse struct {
	Status       string `json:"status"`
	Location     string `json:"location,omitempty"`
	Etag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
}

// OperationOutcome is the FHIR R4 OperationOutcome resource.
type OperationOutcome struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty"`
	Issue        []OutcomeIssue `json:"issue"`
}

// OutcomeIssue is one issue of an OperationOutcome.
type OutcomeIssue struct {
	Severity    string           `json:"severity"` // fatal | error | warning | information
	Code        string           `json:"code"`     // invalid | not-found | forbidden | …
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
	Expression  []string         `json:"expression,omitempty"`
}
