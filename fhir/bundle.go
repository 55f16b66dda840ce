package fhir

import (
	"encoding/json"
	"strings"

	"github.com/rapport-health/rapport"
)

// NewSearchBundle returns a searchset Bundle holding entries, whose total
// is the number of matches in all (entries may be one page of them). With
// no entries it answers _summary=count.
func NewSearchBundle(total int, entries ...BundleEntry) *Bundle {
	return &Bundle{ResourceType: "Bundle", Type: "searchset", Total: &total, Entry: entries}
}

// NewMatchEntry returns a searchset entry (mode match) for a *Patient or
// *Consent, with fullUrl baseURL/Type/id (baseURL is the FHIR base, e.g.
// "https://rapport.example.org/fhir").
func NewMatchEntry(baseURL string, resource any) (BundleEntry, error) {
	var typ, id string
	switch r := resource.(type) {
	case *Patient:
		typ, id = "Patient", r.ID
	case *Consent:
		typ, id = "Consent", r.ID
	case *OperationOutcome:
		typ, id = "OperationOutcome", r.ID
	default:
		return BundleEntry{}, rapport.Errorf(rapport.EINTERNAL, "fhir: %T is not a resource this package writes", resource)
	}
	raw, err := json.Marshal(resource)
	if err != nil {
		return BundleEntry{}, &rapport.Error{Code: rapport.EINTERNAL, Message: "fhir: cannot encode resource", Err: err}
	}
	e := BundleEntry{Resource: raw, Search: &BundleSearch{Mode: "match"}}
	if id != "" {
		e.FullURL = strings.TrimSuffix(baseURL, "/") + "/" + typ + "/" + id
	}
	if typ == "OperationOutcome" {
		e.Search.Mode = "outcome"
	}
	return e, nil
}

// NewOperationOutcome returns an OperationOutcome for err. Its diagnostics
// are rapport.ErrorMessage(err), which is safe to show and never holds
// PHI; the issue code follows rapport.ErrorCode(err).
func NewOperationOutcome(err error) *OperationOutcome {
	code := "exception"
	severity := "error"
	switch rapport.ErrorCode(err) {
	case rapport.EINVALID:
		code = "invalid"
	case rapport.ENOTFOUND:
		code = "not-found"
	case rapport.EFORBIDDEN:
		code = "forbidden"
	case rapport.EUNAUTHORIZED:
		code = "login"
	case rapport.ECONFLICT:
		code = "conflict"
	case rapport.EINTERNAL:
		severity = "fatal"
	}
	return &OperationOutcome{
		ResourceType: "OperationOutcome",
		Issue:        []OutcomeIssue{{Severity: severity, Code: code, Diagnostics: rapport.ErrorMessage(err)}},
	}
}
