package fhir_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/fhir"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in, wantType, wantCode, wantMsg string
	}{
		{"patient", `{"resourceType":"Patient","id":"1"}`, "*fhir.Patient", "", ""},
		{"consent", `{"resourceType":"Consent","id":"1","status":"active"}`, "*fhir.Consent", "", ""},
		{"bundle", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}}]}`, "*fhir.Bundle", "", ""},
		{"outcome", `{"resourceType":"OperationOutcome","issue":[]}`, "*fhir.OperationOutcome", "", ""},
		{"other type", `{"resourceType":"Encounter","id":"1"}`, "", rapport.ENOTFOUND, "resource type Encounter"},
		{"no resource type", `{"id":"1"}`, "", rapport.EINVALID, "no resourceType"},
		{"syntax", `{"resourceType":"Patient","id":"Jane Doe" x}`, "", rapport.EINVALID, "not valid JSON (at byte"},
		{"truncated", `{"resourceType":"Patient","name":[{"family":"Doe"`, "", rapport.EINVALID, "not valid JSON"},
		{"wrong json type", `{"resourceType":"Patient","birthDate":19800101}`, "", rapport.EINVALID, "field birthDate: JSON number where a string is expected"},
		{"array", `[1,2]`, "", rapport.EINVALID, "JSON array where an object is expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := fhir.Decode([]byte(tt.in))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if got := typeName(v); got != tt.wantType {
					t.Errorf("Decode type = %s, want %s", got, tt.wantType)
				}
				return
			}
			if rapport.ErrorCode(err) != tt.wantCode || !strings.Contains(rapport.ErrorMessage(err), tt.wantMsg) {
				t.Errorf("Decode error = %v (code %s), want code %s containing %q", err, rapport.ErrorCode(err), tt.wantCode, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "Jane") || strings.Contains(err.Error(), "Doe") || strings.Contains(err.Error(), "19800101") {
				t.Errorf("Decode error %q repeats input", err)
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *fhir.Patient:
		return "*fhir.Patient"
	case *fhir.Consent:
		return "*fhir.Consent"
	case *fhir.Bundle:
		return "*fhir.Bundle"
	case *fhir.OperationOutcome:
		return "*fhir.OperationOutcome"
	}
	return "?"
}

func TestNewOperationOutcome(t *testing.T) {
	tests := []struct {
		err            error
		severity, code string
		diagnostics    string
	}{
		{rapport.Errorf(rapport.EINVALID, "bad _count"), "error", "invalid", "bad _count"},
		{rapport.Errorf(rapport.ENOTFOUND, "patient not found"), "error", "not-found", "patient not found"},
		{rapport.Errorf(rapport.EFORBIDDEN, "no"), "error", "forbidden", "no"},
		{rapport.Errorf(rapport.EUNAUTHORIZED, "token needed"), "error", "login", "token needed"},
		{&rapport.Error{Code: rapport.EINTERNAL, Message: "internal error", Err: errFake("db: row Jane Doe")}, "fatal", "exception", "internal error"},
	}
	for _, tt := range tests {
		oo := fhir.NewOperationOutcome(tt.err)
		b, _ := json.Marshal(oo)
		if len(oo.Issue) != 1 || oo.Issue[0].Severity != tt.severity || oo.Issue[0].Code != tt.code || oo.Issue[0].Diagnostics != tt.diagnostics {
			t.Errorf("NewOperationOutcome(%v) = %s, want %s/%s %q", tt.err, b, tt.severity, tt.code, tt.diagnostics)
		}
		if strings.Contains(string(b), "Jane") {
			t.Errorf("OperationOutcome %s leaks the cause", b)
		}
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }

func TestNewSearchBundleCount(t *testing.T) {
	b, err := json.Marshal(fhir.NewSearchBundle(13))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"resourceType":"Bundle","type":"searchset","total":13}`; got != want {
		t.Errorf("NewSearchBundle(13) = %s, want %s", got, want)
	}
	p := fhir.PatientFromDomain(&rapport.Patient{ID: "p1", Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "1"}}})
	e, err := fhir.NewMatchEntry("https://x.example/fhir", p)
	if err != nil || e.FullURL != "https://x.example/fhir/Patient/p1" || e.Search.Mode != "match" {
		t.Errorf("NewMatchEntry = %+v, %v", e, err)
	}
	if _, err := fhir.NewMatchEntry("https://x.example/fhir", "text"); err == nil {
		t.Error("NewMatchEntry(string) succeeded, want an error")
	}
}
