package importer_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/importer"
)

// readAll reads every record, collecting record errors.
func readAll(t testing.TB, name, content string, opts importer.Options) (*importer.Reader, []rapport.ImportRecord, []*rapport.RecordError) {
	t.Helper()
	r, err := importer.Open(name, strings.NewReader(content), opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	var recs []rapport.ImportRecord
	var errs []*rapport.RecordError
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("Next does not end")
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *rapport.RecordError
		if errors.As(err, &re) {
			errs = append(errs, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		recs = append(recs, rec)
	}
	return r, recs, errs
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

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

func TestCSVFixture(t *testing.T) {
	_, recs, errs := readAll(t, "patients.csv", fixture(t, "patients.csv"), importer.Options{})
	if len(errs) != 0 {
		t.Fatalf("record errors: %v", errs)
	}
	jan15 := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	dec1 := time.Date(2025, 12, 1, 15, 30, 0, 0, time.UTC)
	want := []rapport.ImportRecord{
		{Where: "patients.csv:2", Patient: &rapport.Patient{
			Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "M001", Type: "MR"}, {System: "http://hl7.org/fhir/sid/us-ssn", Value: "999-00-0001"}},
			Family:      "Rivera", Given: "Ana Lucía", BirthDate: "1980-02-29", Gender: "female",
			Email: "ana.rivera@example.org", Phone: "+17875550123", Language: "es-PR", TimeZone: "America/Puerto_Rico",
			Address: rapport.Address{Lines: []string{"1 Calle Luna", "Apt 2"}, City: "San Juan", State: "PR", PostalCode: "00901", Country: "PR"},
			Tags:    []string{"vip", "diabetes-program"},
		}, Consents: []rapport.ConsentEvent{
			{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeCare, Status: rapport.ConsentGranted, At: jan15, Source: "registration-form", Evidence: "form-0001"},
			{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare, Status: rapport.ConsentGranted, At: jan15, Source: "registration-form", Evidence: "form-0001"},
			{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeMarketing, Status: rapport.ConsentRevoked, At: jan15, Source: "registration-form", Evidence: "form-0001"},
		}},
		{Where: "patients.csv:3", Patient: &rapport.Patient{
			Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "M002", Type: "MR"}},
			Family:      "Okafor", Given: "Chidi", BirthDate: "1975-07-04", Gender: "male",
			Phone: "+442079460000", Language: "en", TimeZone: "Europe/London",
			Address: rapport.Address{City: "London", Country: "GB"},
		}},
		{Where: "patients.csv:4", Patient: &rapport.Patient{
			Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "M003", Type: "MR"}},
			Family:      "O'Brien, Jr.", Given: "Mary\nKate", BirthDate: "1990", Gender: "female",
			Email: "mk@example.net", Phone: "+13125550100", Language: "en-US", TimeZone: "America/Chicago",
			Address: rapport.Address{Lines: []string{"12 Oak Ave, Unit 3"}, City: "Chicago", State: "IL", PostalCode: "60601", Country: "US"},
		}, Consents: []rapport.ConsentEvent{
			{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare, Status: rapport.ConsentGranted, At: dec1, Source: "import:csv"},
			{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeMarketing, Status: rapport.ConsentRevoked, At: dec1, Source: "import:csv"},
		}},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestCSVRecordErrors(t *testing.T) {
	const header = "mrn,birth_date,gender,email,phone,time_zone,consent_sms_care,consent_at\n"
	tests := []struct {
		name, row, field string
		msg              string
	}{
		{"bad date", "M1,02/03/1980,,,,,,", "birth_date", "not a date (want YYYY-MM-DD)"},
		{"impossible date", "M1,1981-02-29,,,,,,", "birth_date", "not a date"},
		{"bad gender", "M1,,x,,,,,", "gender", "not a gender"},
		{"bad email", "M1,,,jane doe@example.org,,,,", "email", "not allowed before"},
		{"bad phone", "M1,,,,555-0100,,,", "phone", "10 digits"},
		{"phone extension", "M1,,,,312-555-0100 x7,,,", "phone", "extension"},
		{"bad zone", "M1,,,,,Mars/Olympus_Mons,,", "time_zone", "IANA"},
		{"bad consent", "M1,,,,,,maybe,2026-01-01", "consent_sms_care", "not a consent value"},
		{"consent without time", "M1,,,,,,yes,", "consent_at", "required"},
		{"bad consent time", "M1,,,,,,yes,yesterday", "consent_at", "not a time"},
		{"no identifier", ",1980-01-01,,,,,,", "mrn", "missing"},
		{"field count", "M1,1980-01-01", "", "row has 2 fields, the header has 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The bad row sits between two good ones: Next must report it
			// with its line and then carry on.
			content := header + "G1,,,,,,,\n" + tt.row + "\nG2,,,,,,,\n"
			_, recs, errs := readAll(t, "p.csv", content, importer.Options{})
			if len(errs) != 1 || len(recs) != 2 {
				t.Fatalf("got %d records and errors %v; want 2 records and 1 error", len(recs), errs)
			}
			e := errs[0]
			if e.Where != "p.csv:3" || e.Field != tt.field || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("error = %q (where %q field %q), want at p.csv:3 field %q mentioning %q", e, e.Where, e.Field, tt.field, tt.msg)
			}
			if rapport.ErrorCode(e) != rapport.EINVALID {
				t.Errorf("error code = %q, want %q", rapport.ErrorCode(e), rapport.EINVALID)
			}
			for _, v := range strings.Split(tt.row, ",") {
				if len(v) >= 5 && strings.Contains(e.Error(), v) {
					t.Errorf("error %q repeats the value %q", e, v)
				}
			}
		})
	}
}

func TestCSVExactMessage(t *testing.T) {
	content := "mrn,birth_date\n" + strings.Repeat("M1,1980-01-01\n", 10) + "M12,31/12/1980\n"
	_, _, errs := readAll(t, "patients.csv", content, importer.Options{})
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", errs)
	}
	if got, want := errs[0].Error(), "patients.csv:12: field birth_date: not a date (want YYYY-MM-DD)"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestCSVHeaderAndSyntax(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"unknown column", "mrn,emial\n", "p.csv:1: field column 2: unknown column name"},
		{"unknown consent column", "mrn,consent_fax_care\n", "p.csv:1: field column 2: unknown consent column"},
		{"no identifier column", "family,given\n", "p.csv:1: field mrn: missing"},
		{"duplicate column", "mrn,email,Email\n", "p.csv:1: field column 3: column appears twice"},
		{"empty", "", "p.csv:1: empty file"},
		{"data as header", "Jane Doe,1980-01-01\n", "p.csv:1: field column 1: unknown column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importer.Open("dir/p.csv", strings.NewReader(tt.content), importer.Options{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Open error = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
	// A syntax error in a row is a record error at its line; reading
	// continues after it.
	_, recs, errs := readAll(t, "p.csv", "mrn,family\nM1,a\nM2,b\"c\nM3,d\n", importer.Options{})
	if len(recs) != 2 || len(errs) != 1 || errs[0].Where != "p.csv:3" || !strings.Contains(errs[0].Error(), "CSV syntax") {
		t.Errorf("records %d, errors %v; want 2 records and a CSV syntax error at p.csv:3", len(recs), errs)
	}
}

func TestCSVOptions(t *testing.T) {
	_, recs, errs := readAll(t, "p.csv", "\xef\xbb\xbfMRN,Phone,x_other\nM1,06 12 34 56 78,z\nM2,+31 6 12345678,\n", importer.Options{DefaultCountry: "NL"})
	if len(recs) != 1 || len(errs) != 1 || errs[0].Field != "phone" || recs[0].Patient.Phone != "+31612345678" {
		t.Errorf("records %v errors %v; want the national NL number rejected and the +31 one kept", recs, errs)
	}
}

func TestBundleFixture(t *testing.T) {
	r, recs, errs := readAll(t, "bundle.json", fixture(t, "bundle.json"), importer.Options{})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	c, p := recs[0], recs[1]
	if c.Where != "bundle.json:7" || p.Where != "bundle.json:24" {
		t.Errorf("Where = %q, %q; want bundle.json:7 and bundle.json:24", c.Where, p.Where)
	}
	if c.PatientRef != (rapport.Identifier{System: rapport.SystemFHIRID, Value: "bp1"}) {
		t.Errorf("consent ref = %+v, want the FHIR id of the urn:uuid patient", c.PatientRef)
	}
	if len(c.Consents) != 1 || c.Consents[0].Channel != rapport.ChannelSMS || c.Consents[0].Purpose != rapport.PurposeCare {
		t.Errorf("consents = %+v", c.Consents)
	}
	if p.Patient.Phone != "+16125550147" || p.Patient.TimeZone != "America/Chicago" || p.Patient.Identifier(rapport.SystemFHIRID) != "bp1" {
		t.Errorf("patient = %+v", p.Patient)
	}
	if got := r.Ignored(); got["Encounter"] != 1 || len(got) != 1 {
		t.Errorf("Ignored = %v, want Encounter:1", got)
	}
	if r.Format() != importer.FormatJSON {
		t.Errorf("Format = %q", r.Format())
	}
}

func TestNDJSONFixture(t *testing.T) {
	r, recs, errs := readAll(t, "patients.ndjson", fixture(t, "patients.ndjson"), importer.Options{})
	if len(errs) != 0 || len(recs) != 2 {
		t.Fatalf("records %d errors %v", len(recs), errs)
	}
	if recs[0].Where != "patients.ndjson:1" || recs[1].Where != "patients.ndjson:4" {
		t.Errorf("Where = %q, %q", recs[0].Where, recs[1].Where)
	}
	want := []rapport.ConsentEvent{{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing, Status: rapport.ConsentRevoked,
		At: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), Source: "import:fhir", Evidence: "Consent/c9"}}
	if diff := cmp.Diff(want, recs[1].Consents); diff != "" || recs[1].PatientRef.Value != "n1" {
		t.Errorf("consent (-want +got):\n%s ref %+v", diff, recs[1].PatientRef)
	}
	if got := r.Ignored(); got["Observation"] != 1 {
		t.Errorf("Ignored = %v", got)
	}
}

func TestFHIRErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		where, field, msg   string
		records             int
	}{
		{"ndjson syntax", "x.ndjson", `{"resourceType":"Patient","id":"1"}` + "\n" + `{"resourceType":"Patient",` + "\n" + `{"resourceType":"Patient","id":"3"}`,
			"x.ndjson:2", "", "not valid JSON", 2},
		{"ndjson bad field", "x.ndjson", `{"resourceType":"Patient","id":"1"}` + "\n\n" + `{"resourceType":"Patient","id":"2","birthDate":"13/13/1999"}`,
			"x.ndjson:3", "birthDate", "not a FHIR date", 1},
		{"ndjson wrong json type", "x.ndjson", `{"resourceType":"Patient","id":"2","gender":1}`,
			"x.ndjson:1", "", "field gender: JSON number", 0},
		{"bundle bad entry", "b.json", "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[\n{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"1\"}},\n{\"resource\":{\"resourceType\":\"Consent\",\"status\":\"active\",\"category\":[{\"coding\":[{\"system\":\"https://rapport-health.github.io/fhir/CodeSystem/consent-category\",\"code\":\"communication\"}]}],\"patient\":{\"reference\":\"Patient/1\"}}}\n]}",
			"b.json:3", "dateTime", "missing", 1},
		{"bundle truncated", "b.json", "{\"resourceType\":\"Bundle\",\"entry\":[\n{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"1\"}},\n{\"resource\":{\"resourceType\":\"Pat",
			"b.json:3", "", "not valid JSON", 1},
		{"bundle syntax", "b.json", "{\"resourceType\":\"Bundle\",\"entry\":[\n{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"1\"}},\n\n{\"resource\": x}]}",
			"b.json:4", "", "not valid JSON", 1},
		{"single resource", "Patient-x.json", "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"x\",\n  \"gender\": \"f\"\n}",
			"Patient-x.json:1", "gender", "administrative gender", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, recs, errs := readAll(t, tt.file, tt.content, importer.Options{})
			if len(errs) != 1 || len(recs) != tt.records {
				t.Fatalf("records %d errors %v; want %d records, 1 error", len(recs), errs, tt.records)
			}
			e := errs[0]
			if e.Where != tt.where || e.Field != tt.field || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("error %q (where %q field %q); want where %q field %q containing %q", e, e.Where, e.Field, tt.where, tt.field, tt.msg)
			}
		})
	}
}

func TestSyntheaNDJSON(t *testing.T) {
	dir := sharedData(t, "synthea-10")
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if len(files) != 14 {
		t.Fatalf("found %d NDJSON files, want 14", len(files))
	}
	patients := 0
	ignored := map[string]int{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := importer.Open(f, fh, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", filepath.Base(f), err)
			}
			if rec.Patient != nil {
				patients++
			}
		}
		fh.Close()
		for k, v := range r.Ignored() {
			ignored[k] += v
		}
	}
	want := map[string]int{
		"AllergyIntolerance": 11, "Condition": 555, "Device": 16, "DocumentReference": 1215, "Encounter": 1215,
		"Immunization": 161, "Location": 44, "MedicationRequest": 1745, "Organization": 43,
		"Practitioner": 43, "PractitionerRole": 43, "Procedure": 2056, "(no resourceType)": 4,
		"Patient phone (not usable)": 1,
	}
	if patients != 13 {
		t.Errorf("patients = %d, want 13", patients)
	}
	if diff := cmp.Diff(want, ignored); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
}

func TestOfficialExamples(t *testing.T) {
	dir := sharedData(t, "r4-examples")
	var files []string
	for _, pat := range []string{"Patient-*.json", "Consent-*.json"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	patients, ignored := 0, map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, recs, errs := readAll(t, f, string(b), importer.Options{})
		if len(errs) != 0 {
			t.Errorf("%s: %v", filepath.Base(f), errs)
		}
		for _, rec := range recs {
			if rec.Patient == nil {
				t.Errorf("%s: unexpected non-patient record", filepath.Base(f))
			}
			patients++
		}
		for k, v := range r.Ignored() {
			ignored[k] += v
		}
	}
	if patients != 22 || ignored["Consent (not about communication)"] != 12 {
		t.Errorf("patients %d, ignored %v; want 22 patients and 12 consents not about communication", patients, ignored)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, content string
		want          importer.Format
	}{
		{"a.csv", "mrn\nM1\n", importer.FormatCSV},
		{"a.ndjson", `{"resourceType":"Patient","id":"1"}`, importer.FormatNDJSON},
		{"export", `{"resourceType":"Patient","id":"1"}` + "\n" + `{"resourceType":"Patient","id":"2"}` + "\n", importer.FormatNDJSON},
		{"upload", "{\n \"resourceType\": \"Bundle\",\n \"type\": \"collection\"\n}", importer.FormatJSON},
		{"a.json", `{"resourceType":"Bundle","type":"collection"}`, importer.FormatJSON},
		{"noext", "mrn,family\nM1,X\n", importer.FormatCSV},
	}
	for _, tt := range tests {
		r, err := importer.Open(tt.name, strings.NewReader(tt.content), importer.Options{})
		if err != nil {
			t.Errorf("Open(%s): %v", tt.name, err)
			continue
		}
		if r.Format() != tt.want {
			t.Errorf("Open(%s).Format() = %q, want %q", tt.name, r.Format(), tt.want)
		}
	}
}

func TestWriteSyntheticCSV(t *testing.T) {
	var a, b strings.Builder
	if err := importer.WriteSyntheticCSV(&a, 3000, 7); err != nil {
		t.Fatal(err)
	}
	if err := importer.WriteSyntheticCSV(&b, 3000, 7); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("WriteSyntheticCSV is not deterministic for one seed")
	}
	var c strings.Builder
	importer.WriteSyntheticCSV(&c, 3000, 8)
	if a.String() == c.String() {
		t.Error("WriteSyntheticCSV ignores the seed")
	}
	_, recs, errs := readAll(t, "synthetic.csv", a.String(), importer.Options{})
	if len(errs) != 0 || len(recs) != 3000 {
		t.Fatalf("records %d, errors %v; want 3000 and none", len(recs), errs[:min(len(errs), 5)])
	}
	mrns := map[string]bool{}
	consents, phones, emails := 0, 0, 0
	for _, rec := range recs {
		mrns[rec.Patient.Identifier(rapport.SystemMRN)] = true
		consents += len(rec.Consents)
		if rec.Patient.Phone != "" {
			phones++
		}
		if rec.Patient.Email != "" {
			emails++
		}
	}
	if len(mrns) != 3000 || consents < 3000 || phones < 2400 || emails < 2000 {
		t.Errorf("unique MRNs %d, consent events %d, phones %d, emails %d: not a realistic file", len(mrns), consents, phones, emails)
	}
}
