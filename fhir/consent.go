package fhir

import (
	"fmt"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// actReasonPurpose maps an HL7 v3 ActReason purpose-of-use code to a
// Rapport purpose. Codes not listed (research, public health, legal…) are
// not a reason Rapport contacts patients for, and a provision naming only
// such purposes yields no consent event.
func actReasonPurpose(code string) (rapport.Purpose, bool) {
	switch code {
	case "TREAT", "ETREAT", "CAREMGT", "PATRQT":
		return rapport.PurposeCare, true
	case "HOPERAT", "HPAYMT", "PATADMIN", "HQUALIMP":
		return rapport.PurposeOperations, true
	case "HMARKT":
		return rapport.PurposeMarketing, true
	}
	return "", false
}

// purposeActReason is the code ConsentsFromDomain writes for each purpose.
func purposeActReason(p rapport.Purpose) string {
	switch p {
	case rapport.PurposeCare:
		return "TREAT"
	case rapport.PurposeOperations:
		return "HOPERAT"
	case rapport.PurposeMarketing:
		return "HMARKT"
	}
	return ""
}

// IgnoreReason says why Rapport takes no consent events from c, or returns
// "" when it does. Rapport reads a Consent only when it is active and about
// contacting the patient: its category holds SystemConsentCategory
// "communication", or a provision names a channel in SystemChannel.
// Privacy, research, advance-directive and treatment consents (every
// official R4 example) are about something else; importers count them.
func IgnoreReason(c *Consent) string {
	if !IsCommunication(c) {
		return "not about communication"
	}
	switch c.Status {
	case "active":
		return ""
	case "draft", "proposed", "rejected", "inactive", "entered-in-error":
		return "status " + c.Status
	}
	return ""
}

// IsCommunication reports whether c is about contacting the patient.
func IsCommunication(c *Consent) bool {
	for i := range c.Category {
		if c.Category[i].HasCode(SystemConsentCategory, CodeCommunication) {
			return true
		}
	}
	return c.Provision != nil && namesChannel(c.Provision)
}

func namesChannel(p *Provision) bool {
	for i := range p.Code {
		for _, cd := range p.Code[i].Coding {
			if cd.System == SystemChannel {
				return true
			}
		}
	}
	for i := range p.Provision {
		if namesChannel(&p.Provision[i]) {
			return true
		}
	}
	return false
}

// ConsentToDomain maps a FHIR Consent to consent events for the patient
// that ref identifies. A Consent Rapport does not read (see IgnoreReason)
// gives ref, no events and no error.
//
// The mapping, documented in docs/import.md:
//   - ref: patient.reference "Patient/123" (relative or absolute, or a
//     urn:uuid: full URL) → {rapport.SystemFHIRID, "123"}, else
//     patient.identifier as given;
//   - status active → events; any other status → ignored;
//   - each provision permit → granted, deny → revoked; a provision without
//     type inherits its parent's, and the root's defaults to the
//     policyRule (OPTIN, OPTINR → permit; OPTOUT, OPTOUTE → deny);
//   - channels: provision.code codings in SystemChannel, inherited by
//     nested provisions; none named anywhere → every channel;
//   - purposes: provision.purpose in v3 ActReason (TREAT, ETREAT, CAREMGT,
//     PATRQT → care; HOPERAT, HPAYMT, PATADMIN, HQUALIMP → operations;
//     HMARKT → marketing) or SystemPurpose, inherited by nested
//     provisions; none named → a permit grants care only (marketing needs
//     an explicit authorisation) and a deny revokes every purpose;
//   - nested provisions override their parent for the channels and
//     purposes they name; the result is one event per (channel, purpose);
//   - At: dateTime, else provision.period.start; provision periods are not
//     otherwise enforced (an expiry must arrive as a later deny);
//   - Source: ExtConsentSource, else "import:fhir"; Evidence:
//     ExtConsentEvidence, else (for a Consent without ExtConsentSource,
//     i.e. not written by Rapport) "Consent/<id>".
//
// Errors are *rapport.RecordError with Where "Consent" and the field.
func ConsentToDomain(c *Consent) (ref rapport.Identifier, events []rapport.ConsentEvent, err error) {
	if c == nil {
		return ref, nil, consentErr("", "no Consent resource")
	}
	if c.ResourceType != "" && c.ResourceType != "Consent" {
		return ref, nil, consentErr("resourceType", "not Consent")
	}
	switch c.Status {
	case "draft", "proposed", "active", "rejected", "inactive", "entered-in-error":
	case "":
		return ref, nil, consentErr("status", "missing")
	default:
		return ref, nil, consentErr("status", "not a Consent status (want active, inactive, draft, proposed, rejected or entered-in-error)")
	}
	ref, err = PatientRef(c.Patient)
	if err != nil {
		return ref, nil, err
	}
	if IgnoreReason(c) != "" {
		return ref, nil, nil
	}

	at, err := consentTime(c)
	if err != nil {
		return ref, nil, err
	}
	root := c.Provision
	if root == nil {
		root = &Provision{}
	}
	rootType := root.Type
	if rootType == "" {
		switch {
		case c.PolicyRule.HasCode(SystemActCode, "OPTIN"), c.PolicyRule.HasCode(SystemActCode, "OPTINR"):
			rootType = "permit"
		case c.PolicyRule.HasCode(SystemActCode, "OPTOUT"), c.PolicyRule.HasCode(SystemActCode, "OPTOUTE"):
			rootType = "deny"
		default:
			return ref, nil, consentErr("provision.type", "missing, and policyRule is not OPTIN or OPTOUT")
		}
	}

	state := make(map[consentKey]string)
	if err := walkProvision(root, "provision", provisionScope{typ: rootType}, state); err != nil {
		return ref, nil, err
	}
	source := extensionString(c.Extension, ExtConsentSource)
	if source == "" {
		source = "import:fhir"
	}
	evidence := extensionString(c.Extension, ExtConsentEvidence)
	// A Consent Rapport wrote (it carries ExtConsentSource) says all there
	// is: no evidence extension means the event had none.
	if evidence == "" && c.ID != "" && extensionString(c.Extension, ExtConsentSource) == "" {
		evidence = "Consent/" + c.ID
	}
	for _, ch := range rapport.Channels() {
		for _, pu := range rapport.Purposes() {
			typ, ok := state[consentKey{ch, pu}]
			if !ok {
				continue
			}
			status := rapport.ConsentGranted
			if typ == "deny" {
				status = rapport.ConsentRevoked
			}
			events = append(events, rapport.ConsentEvent{
				Channel: ch, Purpose: pu, Status: status, At: at, Source: source, Evidence: evidence,
			})
		}
	}
	return ref, events, nil
}

type consentKey struct {
	ch rapport.Channel
	pu rapport.Purpose
}

// provisionScope is what a provision inherits from its parent. Nil
// channels mean every channel; nil purposes mean the default for the type;
// noPurpose means the parent named only purposes Rapport does not serve.
type provisionScope struct {
	typ       string
	channels  []rapport.Channel
	purposes  []rapport.Purpose
	noPurpose bool
}

func walkProvision(p *Provision, path string, in provisionScope, state map[consentKey]string) error {
	sc := in
	switch p.Type {
	case "":
	case "permit", "deny":
		sc.typ = p.Type
	default:
		return consentErr(path+".type", "not permit or deny")
	}
	var chans []rapport.Channel
	for i := range p.Code {
		for _, cd := range p.Code[i].Coding {
			if cd.System != SystemChannel {
				continue
			}
			ch, err := rapport.ParseChannel(cd.Code)
			if err != nil {
				return consentErr(path+".code", "unknown channel code (want email, sms, voice, social_dm or mail)")
			}
			chans = append(chans, ch)
		}
	}
	if len(chans) > 0 {
		sc.channels = chans
	}
	if len(p.Purpose) > 0 {
		var purposes []rapport.Purpose
		for _, cd := range p.Purpose {
			switch cd.System {
			case SystemActReason:
				if pu, ok := actReasonPurpose(cd.Code); ok {
					purposes = append(purposes, pu)
				}
			case SystemPurpose:
				pu, err := rapport.ParsePurpose(cd.Code)
				if err != nil {
					return consentErr(path+".purpose", "unknown purpose code (want care, operations, marketing or tracking)")
				}
				purposes = append(purposes, pu)
			}
		}
		sc.purposes, sc.noPurpose = purposes, len(purposes) == 0
	}

	if !sc.noPurpose {
		chans := sc.channels
		if chans == nil {
			chans = rapport.Channels()
		}
		purposes := sc.purposes
		if purposes == nil {
			purposes = rapport.Purposes()
			if sc.typ == "permit" {
				purposes = []rapport.Purpose{rapport.PurposeCare}
			}
		}
		for _, ch := range chans {
			for _, pu := range purposes {
				state[consentKey{ch, pu}] = sc.typ
			}
		}
	}
	for i := range p.Provision {
		if err := walkProvision(&p.Provision[i], fmt.Sprintf("%s.provision[%d]", path, i), sc, state); err != nil {
			return err
		}
	}
	return nil
}

func consentTime(c *Consent) (time.Time, error) {
	field, s := "dateTime", c.DateTime
	if s == "" && c.Provision != nil && c.Provision.Period != nil {
		field, s = "provision.period.start", c.Provision.Period.Start
	}
	if s == "" {
		return time.Time{}, consentErr("dateTime", "missing (needed to order consent history)")
	}
	t, ok := ParseDateTime(s)
	if !ok {
		return time.Time{}, consentErr(field, "not a FHIR dateTime")
	}
	return t, nil
}

func consentErr(field, msg string) error {
	return &rapport.RecordError{Where: "Consent", Field: field, Err: rapport.Errorf(rapport.EINVALID, "%s", msg)}
}

// PatientRef returns the identifier of the patient r points at:
// {rapport.SystemFHIRID, id} for a literal reference "Patient/id" (also
// absolute or with _history) or a "urn:uuid:" reference (the URN is the
// id), else r.identifier.
func PatientRef(r *Reference) (rapport.Identifier, error) {
	if r == nil {
		return rapport.Identifier{}, consentErr("patient", "missing")
	}
	if ref := r.Reference; ref != "" {
		if strings.HasPrefix(ref, "urn:uuid:") || strings.HasPrefix(ref, "urn:oid:") {
			return rapport.Identifier{System: rapport.SystemFHIRID, Value: ref}, nil
		}
		if strings.HasPrefix(ref, "#") {
			return rapport.Identifier{}, consentErr("patient.reference", "contained patients are not supported")
		}
		if i := strings.Index(ref, "/_history/"); i >= 0 {
			ref = ref[:i]
		}
		parts := strings.Split(ref, "/")
		if len(parts) >= 2 && parts[len(parts)-2] == "Patient" && parts[len(parts)-1] != "" {
			return rapport.Identifier{System: rapport.SystemFHIRID, Value: parts[len(parts)-1]}, nil
		}
		return rapport.Identifier{}, consentErr("patient.reference", "not a reference to a Patient")
	}
	if r.Identifier != nil && r.Identifier.Value != "" {
		return rapport.Identifier{System: r.Identifier.System, Value: r.Identifier.Value}, nil
	}
	return rapport.Identifier{}, consentErr("patient", "has neither reference nor identifier")
}

// ParseDateTime parses a FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD (read as
// midnight UTC), or a date and time with a zone offset.
func ParseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ConsentsFromDomain maps a patient's consent history to FHIR Consents,
// one per event, in the order given. patientID is the Rapport id the
// Patient is served under. Every Consent is active: each records one
// decision at its dateTime, and the latest per (channel, purpose) is the
// current state. ConsentToDomain of each returns its event.
func ConsentsFromDomain(patientID string, history []rapport.ConsentEvent) []Consent {
	out := make([]Consent, 0, len(history))
	for i, e := range history {
		id := e.ID
		if id == "" {
			id = fmt.Sprintf("%s-%d", patientID, i+1)
		}
		typ, rule := "permit", "OPTIN"
		if e.Status == rapport.ConsentRevoked {
			typ, rule = "deny", "OPTOUT"
		}
		c := Consent{
			ResourceType: "Consent",
			ID:           id,
			Status:       "active",
			Scope:        CodeableConcept{Coding: []Coding{{System: SystemConsentScope, Code: "patient-privacy"}}},
			Category: []CodeableConcept{
				{Coding: []Coding{{System: SystemConsentCategory, Code: CodeCommunication}}},
				{Coding: []Coding{{System: SystemLOINC, Code: "59284-0", Display: "Patient Consent"}}},
			},
			Patient:    &Reference{Reference: "Patient/" + patientID},
			DateTime:   e.At.Format(time.RFC3339Nano),
			PolicyRule: &CodeableConcept{Coding: []Coding{{System: SystemActCode, Code: rule}}},
			Provision: &Provision{
				Type:    typ,
				Purpose: []Coding{{System: SystemActReason, Code: purposeActReason(e.Purpose)}},
				Code:    []CodeableConcept{{Coding: []Coding{{System: SystemChannel, Code: string(e.Channel)}}}},
			},
		}
		if e.Source != "" {
			c.Extension = append(c.Extension, Extension{URL: ExtConsentSource, ValueString: e.Source})
		}
		if e.Evidence != "" {
			c.Extension = append(c.Extension, Extension{URL: ExtConsentEvidence, ValueString: e.Evidence})
		}
		out = append(out, c)
	}
	return out
}
