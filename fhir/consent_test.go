package fhir_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/fhir"
)

func TestConsentOfficialExamplesAreIgnored(t *testing.T) {
	dir := sharedData(t, "r4-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "Consent-*.json"))
	if len(files) != 12 {
		t.Fatalf("found %d Consent examples, want 12", len(files))
	}
	wantRef := map[string]string{"consent-example-pkb": "example", "consent-example-signature": "72", "consent-example-smartonfhir": "xcda"}
	for _, f := range files {
		c := decodeFile[fhir.Consent](t, f)
		ref, events, err := fhir.ConsentToDomain(c)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if len(events) != 0 {
			t.Errorf("%s: %d events, want none (a privacy consent, not about communication)", filepath.Base(f), len(events))
		}
		if r := fhir.IgnoreReason(c); r != "not about communication" {
			t.Errorf("%s: IgnoreReason = %q", filepath.Base(f), r)
		}
		want := wantRef[c.ID]
		if want == "" {
			want = "f001"
		}
		if ref != (rapport.Identifier{System: rapport.SystemFHIRID, Value: want}) {
			t.Errorf("%s: patient ref = %+v, want Patient/%s", filepath.Base(f), ref, want)
		}
	}
}

// ev is a compact expected event.
type ev struct {
	ch     rapport.Channel
	pu     rapport.Purpose
	status rapport.ConsentStatus
}

func consentJSON(provision string, extra string) string {
	return `{"resourceType":"Consent","id":"c1","status":"active",
	"scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
	"category":[{"coding":[{"system":"` + fhir.SystemConsentCategory + `","code":"communication"}]}],
	"patient":{"reference":"Patient/123"},"dateTime":"2026-03-01T09:30:00-05:00"` + extra + `,
	"provision":` + provision + `}`
}

func code(system, c string) string { return `{"system":"` + system + `","code":"` + c + `"}` }

func channel(c string) string { return `{"coding":[` + code(fhir.SystemChannel, c) + `]}` }

func TestConsentToDomain(t *testing.T) {
	all := func(status rapport.ConsentStatus, purposes ...rapport.Purpose) []ev {
		var out []ev
		for _, ch := range rapport.Channels() {
			for _, pu := range purposes {
				out = append(out, ev{ch, pu, status})
			}
		}
		return out
	}
	tests := []struct {
		name string
		json string
		want []ev
	}{
		{"sms marketing permit",
			consentJSON(`{"type":"permit","code":[`+channel("sms")+`],"purpose":[`+code(fhir.SystemActReason, "HMARKT")+`]}`, ""),
			[]ev{{rapport.ChannelSMS, rapport.PurposeMarketing, rapport.ConsentGranted}}},
		{"deny without channel or purpose revokes everything",
			consentJSON(`{"type":"deny"}`, ""),
			all(rapport.ConsentRevoked, rapport.Purposes()...)},
		{"permit without purpose grants care only",
			consentJSON(`{"type":"permit"}`, ""),
			all(rapport.ConsentGranted, rapport.PurposeCare)},
		{"type from policyRule OPTOUT",
			consentJSON(`{"code":[`+channel("email")+`],"purpose":[`+code(fhir.SystemPurpose, "operations")+`]}`,
				`,"policyRule":{"coding":[`+code(fhir.SystemActCode, "OPTOUT")+`]}`),
			[]ev{{rapport.ChannelEmail, rapport.PurposeOperations, rapport.ConsentRevoked}}},
		{"nested deny overrides parent",
			consentJSON(`{"type":"permit","code":[`+channel("email")+`,`+channel("mail")+`],
				"purpose":[`+code(fhir.SystemActReason, "TREAT")+`,`+code(fhir.SystemActReason, "HOPERAT")+`,`+code(fhir.SystemActReason, "HMARKT")+`],
				"provision":[{"type":"deny","code":[`+channel("email")+`],"purpose":[`+code(fhir.SystemActReason, "HMARKT")+`]}]}`, ""),
			[]ev{
				{rapport.ChannelEmail, rapport.PurposeCare, rapport.ConsentGranted},
				{rapport.ChannelEmail, rapport.PurposeOperations, rapport.ConsentGranted},
				{rapport.ChannelEmail, rapport.PurposeMarketing, rapport.ConsentRevoked},
				{rapport.ChannelMail, rapport.PurposeCare, rapport.ConsentGranted},
				{rapport.ChannelMail, rapport.PurposeOperations, rapport.ConsentGranted},
				{rapport.ChannelMail, rapport.PurposeMarketing, rapport.ConsentGranted},
			}},
		{"nested provision inherits channel, names purpose",
			consentJSON(`{"type":"deny","code":[`+channel("voice")+`],"purpose":[`+code(fhir.SystemActReason, "HRESCH")+`],
				"provision":[{"type":"permit","purpose":[`+code(fhir.SystemActReason, "ETREAT")+`]}]}`, ""),
			[]ev{{rapport.ChannelVoice, rapport.PurposeCare, rapport.ConsentGranted}}},
		{"only purposes rapport does not serve",
			consentJSON(`{"type":"permit","code":[`+channel("sms")+`],"purpose":[`+code(fhir.SystemActReason, "HRESCH")+`]}`, ""),
			nil},
		{"channel code without category",
			strings.Replace(consentJSON(`{"type":"permit","code":[`+channel("social_dm")+`],"purpose":[`+code(fhir.SystemPurpose, "care")+`]}`, ""),
				fhir.SystemConsentCategory, "http://loinc.org", 1),
			[]ev{{rapport.ChannelSocialDM, rapport.PurposeCare, rapport.ConsentGranted}}},
		{"inactive is ignored",
			strings.Replace(consentJSON(`{"type":"permit"}`, ""), `"active"`, `"inactive"`, 1), nil},
		{"entered in error is ignored",
			strings.Replace(consentJSON(`{"type":"deny"}`, ""), `"active"`, `"entered-in-error"`, 1), nil},
	}
	at := time.Date(2026, 3, 1, 14, 30, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c fhir.Consent
			if err := json.Unmarshal([]byte(tt.json), &c); err != nil {
				t.Fatal(err)
			}
			ref, events, err := fhir.ConsentToDomain(&c)
			if err != nil {
				t.Fatalf("ConsentToDomain: %v", err)
			}
			if ref != (rapport.Identifier{System: rapport.SystemFHIRID, Value: "123"}) {
				t.Errorf("ref = %+v", ref)
			}
			var got []ev
			for _, e := range events {
				got = append(got, ev{e.Channel, e.Purpose, e.Status})
				if !e.At.Equal(at) || e.Source != "import:fhir" || e.Evidence != "Consent/c1" {
					t.Errorf("event at %v source %q evidence %q; want %v, import:fhir, Consent/c1", e.At, e.Source, e.Evidence, at)
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(ev{})); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConsentToDomainInvalid(t *testing.T) {
	tests := []struct {
		name, json, field string
	}{
		{"no patient", strings.Replace(consentJSON(`{"type":"deny"}`, ""), `"patient":{"reference":"Patient/123"},`, "", 1), "patient"},
		{"patient is a group", strings.Replace(consentJSON(`{"type":"deny"}`, ""), "Patient/123", "Group/9", 1), "patient.reference"},
		{"contained patient", strings.Replace(consentJSON(`{"type":"deny"}`, ""), "Patient/123", "#p1", 1), "patient.reference"},
		{"no status", strings.Replace(consentJSON(`{"type":"deny"}`, ""), `"status":"active",`, "", 1), "status"},
		{"bad status", strings.Replace(consentJSON(`{"type":"deny"}`, ""), `"active"`, `"on"`, 1), "status"},
		{"no date", strings.Replace(consentJSON(`{"type":"deny"}`, ""), `"dateTime":"2026-03-01T09:30:00-05:00"`, `"id2":"x"`, 1), "dateTime"},
		{"bad date", strings.Replace(consentJSON(`{"type":"deny"}`, ""), `2026-03-01T09:30:00-05:00`, `01/03/2026`, 1), "dateTime"},
		{"bad period start", strings.Replace(consentJSON(`{"type":"deny","period":{"start":"soon"}}`, ""), `"dateTime":"2026-03-01T09:30:00-05:00"`, `"id2":"x"`, 1), "provision.period.start"},
		{"no type and no policy rule", consentJSON(`{}`, ""), "provision.type"},
		{"bad type", consentJSON(`{"type":"maybe"}`, ""), "provision.type"},
		{"unknown channel", consentJSON(`{"type":"permit","code":[`+channel("fax")+`]}`, ""), "provision.code"},
		{"unknown rapport purpose", consentJSON(`{"type":"permit","purpose":[`+code(fhir.SystemPurpose, "fundraising")+`]}`, ""), "provision.purpose"},
		{"bad nested type", consentJSON(`{"type":"permit","provision":[{"type":"x"}]}`, ""), "provision.provision[0].type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c fhir.Consent
			if err := json.Unmarshal([]byte(tt.json), &c); err != nil {
				t.Fatal(err)
			}
			_, _, err := fhir.ConsentToDomain(&c)
			var re *rapport.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("ConsentToDomain error = %v, want a *rapport.RecordError", err)
			}
			if re.Field != tt.field {
				t.Errorf("error field = %q (%v), want %q", re.Field, err, tt.field)
			}
		})
	}
}

func TestPatientRef(t *testing.T) {
	tests := []struct {
		name string
		ref  fhir.Reference
		want rapport.Identifier
	}{
		{"relative", fhir.Reference{Reference: "Patient/123"}, rapport.Identifier{System: rapport.SystemFHIRID, Value: "123"}},
		{"absolute with history", fhir.Reference{Reference: "https://ehr.example.org/fhir/Patient/abc/_history/3"}, rapport.Identifier{System: rapport.SystemFHIRID, Value: "abc"}},
		{"urn uuid", fhir.Reference{Reference: "urn:uuid:0b6f"}, rapport.Identifier{System: rapport.SystemFHIRID, Value: "urn:uuid:0b6f"}},
		{"identifier", fhir.Reference{Identifier: &fhir.Identifier{System: "urn:mrn", Value: "M1"}}, rapport.Identifier{System: "urn:mrn", Value: "M1"}},
	}
	for _, tt := range tests {
		got, err := fhir.PatientRef(&tt.ref)
		if err != nil || got != tt.want {
			t.Errorf("%s: PatientRef = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestConsentsRoundTrip(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	if ny == nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	history := []rapport.ConsentEvent{
		{ID: "e1", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare, Status: rapport.ConsentGranted,
			At: time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC), Source: "import:csv", Evidence: "form-17"},
		{ID: "e2", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeMarketing, Status: rapport.ConsentGranted,
			At: time.Date(2025, 6, 1, 12, 0, 0, 0, ny), Source: "web"},
		{ID: "e3", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeMarketing, Status: rapport.ConsentRevoked,
			At: time.Date(2025, 7, 1, 12, 0, 0, 0, ny), Source: "sms:stop", Evidence: "msg-991"},
		{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeOperations, Status: rapport.ConsentRevoked,
			At: time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC), Source: "staff", Evidence: "Consent/x"},
	}
	consents := fhir.ConsentsFromDomain("p-9", history)
	if len(consents) != len(history) {
		t.Fatalf("ConsentsFromDomain gave %d consents, want %d", len(consents), len(history))
	}
	b, err := json.Marshal(fhir.NewSearchBundle(len(consents)))
	if err != nil {
		t.Fatal(err)
	}
	var bundle fhir.Bundle
	if err := json.Unmarshal(b, &bundle); err != nil || bundle.Total == nil || *bundle.Total != 4 || bundle.Type != "searchset" {
		t.Fatalf("search bundle %s: %v", b, err)
	}
	var got []rapport.ConsentEvent
	for i := range consents {
		entry, err := fhir.NewMatchEntry("https://rapport.example.org/fhir/", &consents[i])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(entry.FullURL, "https://rapport.example.org/fhir/Consent/") {
			t.Errorf("fullUrl = %q", entry.FullURL)
		}
		v, err := fhir.Decode(entry.Resource)
		if err != nil {
			t.Fatal(err)
		}
		ref, events, err := fhir.ConsentToDomain(v.(*fhir.Consent))
		if err != nil {
			t.Fatalf("ConsentToDomain(our output): %v", err)
		}
		if ref != (rapport.Identifier{System: rapport.SystemFHIRID, Value: "p-9"}) {
			t.Errorf("ref = %+v", ref)
		}
		got = append(got, events...)
	}
	want := make([]rapport.ConsentEvent, len(history))
	copy(want, history)
	for i := range want {
		want[i].ID = ""
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
