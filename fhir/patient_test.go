package fhir_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/fhir"
)

// sharedData returns the path of a shared data file, skipping the test when
// it is absent, except in CI where that is a failure.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", "fhir", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data %s missing: %v", rel, err)
		}
		t.Skipf("shared data %s missing", rel)
	}
	return p
}

func decodeFile[T any](t *testing.T, path string) *T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

var ignoreStored = cmpopts.IgnoreFields(rapport.Patient{}, "ID", "OrgID", "CreatedAt", "UpdatedAt")

func TestPatientRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   rapport.Patient
	}{
		{"full", rapport.Patient{
			ID: "p1", OrgID: "o1",
			Identifiers: []rapport.Identifier{
				{System: rapport.SystemMRN, Value: "M000123", Type: "MR"},
				{System: "http://hl7.org/fhir/sid/us-ssn", Value: "999-00-1234", Type: "SS"},
				{System: rapport.SystemFHIRID, Value: "abc-1"},
			},
			Family: "Rivera", Given: "Ana Lucía", BirthDate: "1980-02-29", Gender: "female",
			Email: "ana.rivera@example.org", Phone: "+17875550123", Language: "es-PR",
			TimeZone:  "America/Puerto_Rico",
			Address:   rapport.Address{Lines: []string{"1 Calle Luna", "Apt 2"}, City: "San Juan", State: "PR", PostalCode: "00901", Country: "US"},
			Tags:      []string{"vip", fhir.TagDeceased},
			UpdatedAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
		}},
		{"minimal", rapport.Patient{Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "7"}}}},
		{"partial birth date", rapport.Patient{
			Identifiers: []rapport.Identifier{{System: "urn:oid:1.2.3", Value: "x"}, {System: rapport.SystemFHIRID, Value: "x"}},
			BirthDate:   "1957", Phone: "+31612345678",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(fhir.PatientFromDomain(&tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var back fhir.Patient
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			got, err := fhir.PatientToDomain(&back)
			if err != nil {
				t.Fatalf("PatientToDomain(our output): %v\n%s", err, b)
			}
			if diff := cmp.Diff(&tt.in, got, ignoreStored, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPatientRoundTripAddsFHIRID(t *testing.T) {
	in := &rapport.Patient{ID: "r-42", Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "M1"}}}
	got, err := fhir.PatientToDomain(fhir.PatientFromDomain(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []rapport.Identifier{{System: rapport.SystemMRN, Value: "M1"}, {System: rapport.SystemFHIRID, Value: "r-42"}}
	if diff := cmp.Diff(want, got.Identifiers); diff != "" {
		t.Errorf("identifiers (-want +got):\n%s", diff)
	}
}

func TestPatientToDomainOfficialExamples(t *testing.T) {
	dir := sharedData(t, "r4-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "Patient-*.json"))
	if len(files) != 22 {
		t.Fatalf("found %d Patient examples, want 22", len(files))
	}
	got := map[string]*rapport.Patient{}
	for _, f := range files {
		p := decodeFile[fhir.Patient](t, f)
		dp, err := fhir.PatientToDomain(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if dp.Identifier(rapport.SystemFHIRID) != p.ID {
			t.Errorf("%s: FHIR id identifier = %q, want %q", filepath.Base(f), dp.Identifier(rapport.SystemFHIRID), p.ID)
		}
		got[p.ID] = dp
	}
	checks := []struct {
		id, field, got, want string
	}{
		{"example", "Family", got["example"].Family, "Chalmers"},
		{"example", "Given", got["example"].Given, "Peter James"},
		{"example", "Phone", got["example"].Phone, ""}, // Australian national numbers, no +61
		{"f001", "Email", got["f001"].Email, "p.heuvel@gmail.com"},
		{"f001", "Language", got["f001"].Language, "nl"},
		{"f001", "Family", got["f001"].Family, "van de Heuvel"},
		{"f201", "Phone", got["f201"].Phone, "+31612345678"},
		{"f201", "Language", got["f201"].Language, "nl-NL"},
		{"f201", "Country", got["f201"].Address.Country, "NLD"},
		{"ch-example", "Phone", got["ch-example"].Phone, "+18337177888"},
		{"mom", "Phone", got["mom"].Phone, "+15555552003"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Patient/%s %s = %q, want %q", c.id, c.field, c.got, c.want)
		}
	}
	if n := len(got["f201"].Identifiers); n != 2 {
		t.Errorf("Patient/f201 has %d identifiers, want 2 (the repeated one kept once, plus the FHIR id)", n)
	}
}

func TestPatientToDomainSynthea(t *testing.T) {
	path := sharedData(t, "synthea-10/Patient.000.ndjson")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, deceased, phones := 0, 0, 0
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var p fhir.Patient
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		dp, err := fhir.PatientToDomain(&p)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		n++
		if dp.Family == "" || dp.BirthDate == "" || dp.Language != "en-US" {
			t.Errorf("line %d: family set %v, birth date %q, language %q", i+1, dp.Family != "", dp.BirthDate, dp.Language)
		}
		if dp.Phone != "" {
			phones++
		}
		if dp.Identifier("http://hospital.smarthealthit.org") == "" {
			t.Errorf("line %d: MRN identifier missing", i+1)
		}
		for _, tag := range dp.Tags {
			if tag == fhir.TagDeceased {
				deceased++
			}
		}
	}
	// Line 8's only phone, 555-199-5195, has an exchange code starting
	// with 1, which NANP does not allow: it is skipped.
	if n != 13 || deceased != 3 || phones != 12 {
		t.Errorf("synthea-10: %d patients, %d deceased, %d with a phone; want 13, 3 and 12", n, deceased, phones)
	}
}

func TestPatientToDomainInvalid(t *testing.T) {
	tests := []struct {
		name, json, field string
	}{
		{"no identifier", `{"resourceType":"Patient"}`, "identifier"},
		{"bad birth date", `{"resourceType":"Patient","id":"1","birthDate":"1980-02-30"}`, "birthDate"},
		{"bad birth date format", `{"resourceType":"Patient","id":"1","birthDate":"02/03/1980"}`, "birthDate"},
		{"bad gender", `{"resourceType":"Patient","id":"1","gender":"F"}`, "gender"},
		{"bad language", `{"resourceType":"Patient","id":"1","communication":[{"language":{"coding":[{"code":"english language"}]}}]}`, "communication.language"},
		{"bad time zone", `{"resourceType":"Patient","id":"1","extension":[{"url":"` + fhir.ExtTimeZone + `","valueCode":"../etc/passwd"}]}`, "extension"},
		{"wrong type", `{"resourceType":"Consent","id":"1"}`, "resourceType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p fhir.Patient
			if err := json.Unmarshal([]byte(tt.json), &p); err != nil {
				t.Fatal(err)
			}
			_, err := fhir.PatientToDomain(&p)
			var re *rapport.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("PatientToDomain error = %v, want a *rapport.RecordError", err)
			}
			if re.Field != tt.field || rapport.ErrorCode(err) != rapport.EINVALID {
				t.Errorf("error field %q code %q, want field %q code %q", re.Field, rapport.ErrorCode(err), tt.field, rapport.EINVALID)
			}
		})
	}
}

func TestPatientPhonePreference(t *testing.T) {
	p := &fhir.Patient{ID: "1", Telecom: []fhir.ContactPoint{
		{System: "phone", Value: "312-555-0100", Use: "home", Rank: 1},
		{System: "phone", Value: "312-555-0199", Use: "old"},
		{System: "phone", Value: "not a phone", Use: "mobile"},
		{System: "phone", Value: "(312) 555-0142", Use: "mobile", Rank: 2},
		{System: "email", Value: "bad address", Rank: 1},
		{System: "email", Value: "Ann@Example.org", Rank: 2},
	}}
	got, err := fhir.PatientToDomain(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Phone != "+13125550142" || got.Email != "ann@example.org" {
		t.Errorf("phone, email = %q, %q; want the usable mobile +13125550142 and ann@example.org", got.Phone, got.Email)
	}
}
