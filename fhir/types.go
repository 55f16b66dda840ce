package fhir

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rapport-health/rapport"
)

// Coding is a code from a code system.
type Coding struct {
	System       string `json:"system,omitempty"`
	Version      string `json:"version,omitempty"`
	Code         string `json:"code,omitempty"`
	Display      string `json:"display,omitempty"`
	UserSelected *bool  `json:"userSelected,omitempty"`
}

// CodeableConcept is a concept given by codings and/or text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// HasCode reports whether c holds the code in system.
func (c *CodeableConcept) HasCode(system, code string) bool {
	if c == nil {
		return false
	}
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code == code {
			return true
		}
	}
	return false
}

// Code returns the first code c holds in system, or "".
func (c *CodeableConcept) Code(system string) string {
	if c == nil {
		return ""
	}
	for _, cd := range c.Coding {
		if cd.System == system {
			return cd.Code
		}
	}
	return ""
}

// Period is a time range; either end may be open. Values are FHIR dateTimes.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Reference points at another resource, by literal reference
// ("Patient/123"), by identifier, or both.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	Use      string           `json:"use,omitempty"`
	Type     *CodeableConcept `json:"type,omitempty"`
	System   string           `json:"system,omitempty"`
	Value    string           `json:"value,omitempty"`
	Period   *Period          `json:"period,omitempty"`
	Assigner *Reference       `json:"assigner,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
	Period *Period  `json:"period,omitempty"`
}

// ContactPoint is a phone number, e-mail address or other telecom.
type ContactPoint struct {
	System string  `json:"system,omitempty"` // phone | fax | email | pager | url | sms | other
	Value  string  `json:"value,omitempty"`
	Use    string  `json:"use,omitempty"` // home | work | temp | old | mobile
	Rank   int     `json:"rank,omitempty"`
	Period *Period `json:"period,omitempty"`
}

// Address is a postal address.
type Address struct {
	Use        string   `json:"use,omitempty"`
	Type       string   `json:"type,omitempty"`
	Text       string   `json:"text,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	District   string   `json:"district,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
	Period     *Period  `json:"period,omitempty"`
}

// Extension is a FHIR extension. Only the value types Rapport reads are
// kept; an extension with another value[x] decodes with its URL alone.
type Extension struct {
	URL                  string           `json:"url"`
	ValueString          string           `json:"valueString,omitempty"`
	ValueCode            string           `json:"valueCode,omitempty"`
	ValueURI             string           `json:"valueUri,omitempty"`
	ValueBoolean         *bool            `json:"valueBoolean,omitempty"`
	ValueCoding          *Coding          `json:"valueCoding,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueReference       *Reference       `json:"valueReference,omitempty"`
	Extension            []Extension      `json:"extension,omitempty"`
}

// Meta is resource metadata.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Source      string   `json:"source,omitempty"`
	Profile     []string `json:"profile,omitempty"`
	Tag         []Coding `json:"tag,omitempty"`
}

// Narrative is a resource's human-readable summary.
type Narrative struct {
	Status string `json:"status"`
	Div    string `json:"div"`
}

// Attachment is content given inline or by URL.
type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	Language    string `json:"language,omitempty"`
	Data        string `json:"data,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        int    `json:"size,omitempty"`
	Hash        string `json:"hash,omitempty"`
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

// extensionString returns the first string-like value of the extension
// with url, or "".
func extensionString(exts []Extension, url string) string {
	for _, e := range exts {
		if e.URL != url {
			continue
		}
		switch {
		case e.ValueCode != "":
			return e.ValueCode
		case e.ValueString != "":
			return e.ValueString
		case e.ValueURI != "":
			return e.ValueURI
		}
	}
	return ""
}

// ResourceType returns the resourceType of a JSON resource, or "" when the
// object has none. It fails only when raw is not a JSON object.
func ResourceType(raw []byte) (string, error) {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return "", jsonError(err)
	}
	return head.ResourceType, nil
}

// Decode decodes one JSON resource and returns *Patient, *Consent, *Bundle
// or *OperationOutcome, chosen by its resourceType. Any other resource type
// is an ENOTFOUND *rapport.Error naming the type, which callers that import
// files count rather than fail on.
func Decode(raw []byte) (any, error) {
	rt, err := ResourceType(raw)
	if err != nil {
		return nil, err
	}
	var v any
	switch rt {
	case "Patient":
		v = new(Patient)
	case "Consent":
		v = new(Consent)
	case "Bundle":
		v = new(Bundle)
	case "OperationOutcome":
		v = new(OperationOutcome)
	case "":
		return nil, rapport.Errorf(rapport.EINVALID, "JSON object has no resourceType")
	default:
		return nil, &rapport.Error{Code: rapport.ENOTFOUND, Message: fmt.Sprintf("resource type %s is not one Rapport reads", safeToken(rt))}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, jsonError(err)
	}
	return v, nil
}

// jsonError turns an encoding/json error into an EINVALID *rapport.Error
// whose message names the field and never quotes the input.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return rapport.Errorf(rapport.EINVALID, "not valid JSON (at byte %d)", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return rapport.Errorf(rapport.EINVALID, "field %s: JSON %s where %s is expected", safeToken(te.Field), te.Value, jsonKind(te.Type.String()))
		}
		return rapport.Errorf(rapport.EINVALID, "JSON %s where an object is expected", te.Value)
	case err.Error() == "unexpected end of JSON input":
		return rapport.Errorf(rapport.EINVALID, "not valid JSON (unexpected end)")
	}
	return rapport.Errorf(rapport.EINVALID, "not valid FHIR JSON")
}

// jsonKind names a Go type in JSON terms.
func jsonKind(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "a boolean"
	case goType == "int" || goType == "float64" || goType == "*int" || goType == "*float64":
		return "a number"
	case len(goType) > 2 && goType[:2] == "[]":
		return "an array"
	}
	return "an object"
}

// safeToken returns s if it looks like a FHIR name or path (letters,
// digits, dots, brackets), so that it can appear in a message; otherwise
// a placeholder, since an unexpected token might be patient data.
func safeToken(s string) string {
	if s == "" || len(s) > 64 {
		return "(unnamed)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '[' || c == ']') {
			return "(unnamed)"
		}
	}
	return s
}
