package importer_test

import (
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/importer"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// checkReader drains r and asserts the properties every import must have:
// Next ends, errors are record errors with a position inside the input
// (or internal I/O errors, which strings.Reader never gives), and records
// hold normalised, identified data.
func checkReader(t *testing.T, name, content string, r *importer.Reader) {
	t.Helper()
	lines := strings.Count(content, "\n") + 1
	for i := 0; ; i++ {
		if i > len(content)+2 {
			t.Fatalf("Next returned more results than the input has bytes")
		}
		rec, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var re *rapport.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("Next error %v is not a *rapport.RecordError", err)
			}
			checkWhere(t, name, re.Where, lines)
			if rapport.ErrorCode(err) != rapport.EINVALID {
				t.Fatalf("record error %v has code %q", err, rapport.ErrorCode(err))
			}
			continue
		}
		checkWhere(t, name, rec.Where, lines)
		if rec.Patient == nil {
			if rec.PatientRef.Value == "" || len(rec.Consents) == 0 {
				t.Fatalf("record %s has neither patient nor a referenced patient's consents", rec.Where)
			}
		} else {
			p := rec.Patient
			if len(p.Identifiers) == 0 {
				t.Fatalf("patient at %s has no identifier", rec.Where)
			}
			if p.Phone != "" && !e164.MatchString(p.Phone) {
				t.Fatalf("patient at %s: phone %q is not E.164", rec.Where, p.Phone)
			}
			if p.Email != "" {
				if again, err := rapport.NormalizeEmail(p.Email); err != nil || again != p.Email {
					t.Fatalf("patient at %s: e-mail %q is not normalised", rec.Where, p.Email)
				}
			}
		}
		for _, e := range rec.Consents {
			if _, err := rapport.ParseChannel(string(e.Channel)); err != nil {
				t.Fatalf("consent at %s: %v", rec.Where, err)
			}
			if _, err := rapport.ParsePurpose(string(e.Purpose)); err != nil {
				t.Fatalf("consent at %s: %v", rec.Where, err)
			}
			if _, err := rapport.ParseConsentStatus(string(e.Status)); err != nil {
				t.Fatalf("consent at %s: %v", rec.Where, err)
			}
			if e.At.IsZero() {
				t.Fatalf("consent at %s has no time", rec.Where)
			}
		}
	}
}

func checkWhere(t *testing.T, name, where string, lines int) {
	t.Helper()
	rest, ok := strings.CutPrefix(where, name+":")
	n, err := strconv.Atoi(rest)
	if !ok || err != nil || n < 1 || n > lines {
		t.Fatalf("Where %q is not %s:<line 1..%d>", where, name, lines)
	}
}

func FuzzCSV(f *testing.F) {
	f.Add(fixture(f, "patients.csv"))
	f.Add("mrn,birth_date\nM1,1980-01-01\nM2,1980-13-01\n")
	f.Add("mrn,consent_sms_care,consent_at\nM1,yes,2026-01-01\nM2,no,\n\"M3,\n")
	f.Add("identifier:urn:x,phone,email,country\n1,+1 312 555 0100,A@B.CO,US\n2,\"3125550100\",x,CA\n")
	f.Fuzz(func(t *testing.T, content string) {
		r, err := importer.Open("f.csv", strings.NewReader(content), importer.Options{Format: importer.FormatCSV})
		if err != nil {
			var re *rapport.RecordError
			if !errors.As(err, &re) || rapport.ErrorCode(err) != rapport.EINVALID {
				t.Fatalf("Open error %v: want an EINVALID record error", err)
			}
			checkWhere(t, "f.csv", re.Where, strings.Count(content, "\n")+1)
			return
		}
		checkReader(t, "f.csv", content, r)
	})
}

func FuzzFHIR(f *testing.F) {
	f.Add(fixture(f, "bundle.json"), false)
	f.Add(fixture(f, "patients.ndjson"), true)
	f.Add(`{"resourceType":"Patient","id":"1","telecom":[{"system":"phone","value":"312-555-0100"}]}`, true)
	f.Add(`{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient"}},{"resource":7}]}`, false)
	f.Add("{\"resourceType\":\"Consent\",\"status\":\"active\",\"patient\":{\"reference\":\"Patient/1\"},\"dateTime\":\"2020\",\"provision\":{\"type\":\"deny\",\"code\":[{\"coding\":[{\"system\":\"https://rapport-health.github.io/fhir/CodeSystem/contact-channel\",\"code\":\"sms\"}]}]}}\n", true)
	f.Fuzz(func(t *testing.T, content string, ndjson bool) {
		format := importer.FormatJSON
		if ndjson {
			format = importer.FormatNDJSON
		}
		r, err := importer.Open("f.json", strings.NewReader(content), importer.Options{Format: format})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		checkReader(t, "f.json", content, r)
	})
}
