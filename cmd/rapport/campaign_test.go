package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/compliance"
	"github.com/rapport-health/rapport/internal/campaign"
	"github.com/rapport-health/rapport/internal/email/maildev"
	"github.com/rapport-health/rapport/internal/twilio"
	"github.com/rapport-health/rapport/internal/twilio/twiliotest"
	"github.com/rapport-health/rapport/segment"
)

// startServerEnv runs `rapport serve` with environment variables vars on a
// free port until the test ends.
func startServerEnv(t *testing.T, public string, flags []string, vars map[string]string) (base string, logs *syncBuffer) {
	t.Helper()
	base, logs, _ = startServer(t, func(k string) string { return vars[k] }, append([]string{"--base-url", public}, flags...)...)
	return base, logs
}

// modalAnswers returns, for each segment of m, the answers most typical of
// it: the most likely answer to every item.
func modalAnswers(m *segment.Model) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, s := range m.Segments {
		a := map[string]int{}
		for j, item := range m.Items {
			best := 0
			for c := range s.Probabilities[j] {
				if s.Probabilities[j][c] > s.Probabilities[j][best] {
					best = c
				}
			}
			a[item] = best + 1
		}
		out[s.ID] = a
	}
	return out
}

// zones returns a time zone where SMS quiet hours hold for the next 15
// minutes and one where they do not.
func zones(t *testing.T, now time.Time) (quiet, open string) {
	t.Helper()
	w := compliance.DefaultWindow()
	for _, z := range []string{"America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Europe/London", "Asia/Kolkata",
		"Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo", "Asia/Dubai"} {
		loc, err := time.LoadLocation(z)
		if err != nil {
			continue
		}
		a, b := w.Allowed(now, loc), w.Allowed(now.Add(15*time.Minute), loc)
		switch {
		case !a && !b && quiet == "":
			quiet = z
		case a && b && open == "":
			open = z
		}
	}
	if quiet == "" || open == "" {
		t.Fatalf("no quiet/open zone pair at %v", now)
	}
	return quiet, open
}

// TestCampaignEndToEnd imports patients, classifies them from their
// answers over the API, runs a three-variant email campaign with a holdout
// to maildev and an SMS care campaign to the Twilio stand-in, and checks
// who got which message and who got none; then an SMS STOP over the signed
// webhook keeps the next email from that patient.
func TestCampaignEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts maildev")
	}
	md := maildev.Start(t, maildev.Options{})
	const sid, token = "AC0123456789abcdef0123456789abcdef", "twilio-auth-token"
	tw := twiliotest.New(t, sid, token)
	model, err := segment.DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	answers := modalAnswers(model)
	quietZone, openZone := zones(t, time.Now())

	be := backends(t)[0] // SQLite; the store paths are run on PostgreSQL by the conformance suite
	// 4 patients per segment; E09..E12 (present) never get email:
	// E12 revoked email marketing; X01 was never classified.
	type pt struct {
		mrn, seg, zone, emailMkt string
	}
	var people []pt
	segs := []string{"planner", "caregiver", "present"}
	for i := range 12 {
		p := pt{mrn: fmt.Sprintf("E%02d", i+1), seg: segs[i/4], zone: openZone, emailMkt: "granted"}
		if i == 1 || i == 5 {
			p.zone = quietZone
		}
		if i == 11 {
			p.emailMkt = "revoked"
		}
		people = append(people, p)
	}
	people = append(people, pt{mrn: "X01", zone: openZone, emailMkt: "granted"})
	var csv strings.Builder
	csv.WriteString("mrn,family,given,birth_date,email,phone,language,time_zone,consent_email_marketing,consent_sms_care,consent_at,consent_source\n")
	for i, p := range people {
		fmt.Fprintf(&csv, "%s,Fam%s,Giv%s,1970-01-01,%s@example.org,(217) 555-01%02d,en,%s,%s,granted,2025-01-01,form\n",
			p.mrn, p.mrn, p.mrn, strings.ToLower(p.mrn), i, p.zone, p.emailMkt)
	}
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "patients.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, append([]string{"import", "--progress", "never"}, append(be.flags, csvPath)...)...)
	admin := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "ehr", "--role", "admin"}, be.flags...)...))
	marketer := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "mk", "--role", "marketer"}, be.flags...)...))

	// The public URL is https, as behind a TLS-terminating proxy; the test
	// talks to the listener directly.
	const public = "https://rapport.test"
	base, logs := startServerEnv(t, public, append(be.flags, "--deliver", "--smtp-addr", md.SMTPAddr, "--smtp-no-tls",
		"--twilio-url", tw.URL, "--twilio-sid", sid, "--sms-from", "+15005550006", "--mail-from", "General <news@general.example>",
		"--postal-address", "1 Main St, Springfield, IL 62701", "--org-name", "General", "--help-contact", "555-0100"),
		map[string]string{"RAPPORT_TWILIO_TOKEN": token, "RAPPORT_CAMPAIGN_SECRET": "e2e-secret"})
	call := func(method, path, tok string, body any) (int, map[string]any) {
		t.Helper()
		return apiCall(t, base, tok, method, path, body)
	}

	// Classify from answers over the API.
	ids := map[string]string{}
	for _, p := range people {
		code, b := call("GET", "/fhir/Patient?identifier="+url.QueryEscape(rapport.SystemMRN+"|"+p.mrn), admin, nil)
		if code != 200 || len(b["entry"].([]any)) != 1 {
			t.Fatalf("find %s = %d %v", p.mrn, code, b)
		}
		ids[p.mrn] = b["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
		if p.seg == "" {
			continue
		}
		code, b = call("POST", "/api/v1/patients/"+ids[p.mrn]+"/assessments", admin, map[string]any{"answers": answers[p.seg]})
		if code != 201 && code != 200 {
			t.Fatalf("assess %s = %d %v", p.mrn, code, b)
		}
		if got := fmt.Sprint(b["segment"]); got != p.seg {
			t.Fatalf("%s classified as %v, want %s (%v)", p.mrn, got, p.seg, b)
		}
	}

	// The email campaign: three segment variants and a holdout.
	variant := func(seg, subject string) rapport.Variant {
		return rapport.Variant{Segment: seg, Subject: subject,
			Text: "Hi {{first_name|there}}, " + subject + ".\n{{postal_address}}\nUnsubscribe: {{unsubscribe_url}}"}
	}
	subjects := map[string]string{"planner": "Plan your screening", "caregiver": "Ten minutes for you", "present": "Today is a good day"}
	body := map[string]any{"name": "Screening", "channel": "email", "purpose": "marketing", "holdout_percent": 30,
		"audience": map[string]any{"model_id": model.ID},
		"variants": []rapport.Variant{variant("planner", subjects["planner"]), variant("caregiver", subjects["caregiver"]), variant("present", subjects["present"])}}
	code, b := call("POST", "/api/v1/audiences/count", marketer, body["audience"].(map[string]any))
	_ = b
	if code != 400 {
		t.Errorf("count without channel = %d, want 400", code)
	}
	code, b = call("POST", "/api/v1/audiences/count", marketer, map[string]any{"model_id": model.ID, "channel": "email", "purpose": "marketing"})
	if code != 200 || b["total"] != 11.0 {
		t.Errorf("audience count = %d %v, want 11 (12 classified, 1 revoked)", code, b)
	}
	code, b = call("POST", "/api/v1/campaigns", marketer, body)
	if code != 201 {
		t.Fatalf("create campaign = %d %v", code, b)
	}
	cid := b["id"].(string)
	code, b = call("GET", "/api/v1/campaigns/"+cid+"/preview", marketer, nil)
	if code != 200 || b["blocked"] != false || len(b["variants"].([]any)) != 3 {
		t.Fatalf("preview = %d %v", code, b)
	}
	for _, v := range b["variants"].([]any) {
		if v.(map[string]any)["playbook"] == nil {
			t.Errorf("variant %v has no playbook beside it", v.(map[string]any)["segment"])
		}
	}
	code, b = call("POST", "/api/v1/campaigns/"+cid+"/launch", marketer, nil)
	if code != 200 {
		t.Fatalf("launch = %d %v", code, b)
	}
	// Who should get what: the holdout is a hash of campaign and patient,
	// recomputed here independently of the server.
	assign := campaign.Assigner(&rapport.Campaign{HoldoutPercent: 30, Variants: body["variants"].([]rapport.Variant)})
	want := map[string]string{} // email address → subject
	var heldOut []string
	for _, p := range people {
		if p.seg == "" || p.emailMkt != "granted" {
			continue
		}
		if _, held, _ := assign(cid, ids[p.mrn], p.seg); held {
			heldOut = append(heldOut, p.mrn)
			continue
		}
		want[strings.ToLower(p.mrn)+"@example.org"] = subjects[p.seg]
	}
	if got := int(b["holdout"].(float64)); got != len(heldOut) || int(b["deliveries"].(float64)) != len(want) {
		t.Errorf("launch = %v, want %d deliveries and %d held out (%v)", b, len(want), len(heldOut), heldOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got, err := md.WaitFor(ctx, len(want))
	if err != nil {
		t.Fatalf("maildev: %v (log: %s)", err, logs.String())
	}
	time.Sleep(1500 * time.Millisecond) // nothing more may arrive
	got, _ = md.Emails(ctx)
	gotMap := map[string]string{}
	for _, m := range got {
		to := m.To[0].Address
		if _, dup := gotMap[to]; dup {
			t.Errorf("%s got two emails", to)
		}
		gotMap[to] = m.Subject
		if m.Header("list-unsubscribe-post") != "List-Unsubscribe=One-Click" || !strings.Contains(m.Header("list-unsubscribe"), public+"/u/") {
			t.Errorf("email to %s lacks one-click unsubscribe headers: %v", to, m.Headers)
		}
		if !strings.Contains(m.Text, "1 Main St") {
			t.Errorf("email to %s lacks the postal address", to)
		}
	}
	for addr, subj := range want {
		if gotMap[addr] != subj {
			t.Errorf("%s got %q, want %q", addr, gotMap[addr], subj)
		}
	}
	for addr := range gotMap {
		if _, ok := want[addr]; !ok {
			t.Errorf("%s got an email and should not have (holdout %v, E12 revoked, X01 unclassified)", addr, heldOut)
		}
	}
	t.Logf("email: %d sent, %d held out: %v", len(gotMap), len(heldOut), heldOut)

	// The SMS care campaign: the patients in the quiet zone are deferred.
	sms := map[string]any{"name": "Flu", "channel": "sms", "purpose": "care", "holdout_percent": 0,
		"audience": map[string]any{}, "variants": []rapport.Variant{{SMS: "{{clinic_name}}: flu shots are in. Reply STOP to opt out."}}}
	code, b = call("POST", "/api/v1/campaigns", marketer, sms)
	if code != 201 {
		t.Fatalf("create sms campaign = %d %v", code, b)
	}
	sid2 := b["id"].(string)
	if code, b := call("POST", "/api/v1/campaigns/"+sid2+"/launch", marketer, nil); code != 200 || b["deliveries"] != 13.0 {
		t.Fatalf("launch sms = %d %v", code, b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, b = call("GET", "/api/v1/campaigns/"+sid2, marketer, nil)
		d := b["deliveries"].(map[string]any)
		if d["sent"] == 11.0 && d["pending"] == 2.0 || d["delivered"] != nil && d["pending"] == 2.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sms deliveries = %v, want 11 sent and 2 deferred", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var smsTo []string
	for _, m := range tw.Messages() {
		smsTo = append(smsTo, m.To)
	}
	for _, i := range []int{1, 5} {
		if num := fmt.Sprintf("+1217555%04d", 100+i); slices.Contains(smsTo, num) {
			t.Errorf("%s (in %s, quiet hours) got an SMS", num, quietZone)
		}
	}

	// STOP over the signed Twilio webhook keeps the next email away.
	hook := base + "/hooks/twilio/default/inbound"
	form := url.Values{"MessageSid": {"SM" + strings.Repeat("0f", 16)}, "AccountSid": {sid}, "From": {"+12175550100"},
		"To": {"+15005550006"}, "Body": {"Stop texting me please"}, "NumMedia": {"0"}}
	req, _ := http.NewRequest("POST", hook, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Signature(token, public+"/hooks/twilio/default/inbound", form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("inbound STOP = %v %v", resp, err)
	}
	resp.Body.Close()
	body["name"], body["holdout_percent"] = "Screening 2", 0
	code, b = call("POST", "/api/v1/campaigns", marketer, body)
	if code != 201 {
		t.Fatalf("create campaign 2 = %d %v", code, b)
	}
	if code, b := call("POST", "/api/v1/campaigns/"+b["id"].(string)+"/launch", marketer, nil); code != 200 || b["deliveries"] != 10.0 {
		t.Errorf("launch after E01's STOP = %d %v, want 10 deliveries", code, b)
	}
	if _, err := md.WaitFor(ctx, len(gotMap)+10); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	all, _ := md.Emails(ctx)
	n := 0
	for _, m := range all {
		if m.To[0].Address == "e01@example.org" {
			n++
		}
	}
	if first := gotMap["e01@example.org"] != ""; n != map[bool]int{true: 1, false: 0}[first] {
		t.Errorf("e01 got %d emails after texting STOP", n)
	}
	var confirmations int
	for _, m := range tw.Messages() {
		if m.To == "+12175550100" && strings.Contains(m.Body, "unsubscribed") {
			confirmations++
		}
	}
	if confirmations != 1 {
		t.Errorf("%d STOP confirmations, want 1", confirmations)
	}
	for _, canary := range []string{"FamE01", "GivE01", "e01@example.org", "5550100"} {
		if strings.Contains(logs.String(), canary) {
			t.Errorf("server log contains patient data %q", canary)
		}
	}
}

func TestLoadDKIM(t *testing.T) {
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(nil)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	good := filepath.Join(dir, "k.pem")
	os.WriteFile(good, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not pem"), 0o600)
	if d, err := loadDKIM(good, "s1", "example.org"); err != nil || d.Selector != "s1" || d.Domain != "example.org" {
		t.Errorf("loadDKIM(good) = %+v, %v", d, err)
	}
	for _, tt := range []struct{ path, sel, dom string }{{bad, "s1", "example.org"}, {good, "", "example.org"}, {filepath.Join(dir, "none"), "s", "d"}} {
		if _, err := loadDKIM(tt.path, tt.sel, tt.dom); err == nil {
			t.Errorf("loadDKIM(%q, %q, %q) accepted it", filepath.Base(tt.path), tt.sel, tt.dom)
		}
	}
}
