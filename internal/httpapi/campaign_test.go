package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/auth"
	"github.com/rapport-health/rapport/internal/campaign"
	"github.com/rapport-health/rapport/internal/httpapi"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/twilio"
	"github.com/rapport-health/rapport/segment"
)

// public is the server's public URL, as behind a TLS-terminating proxy.
const public = "https://rapport.test"

// campaignSetup is a server with the campaign routes, a marketer, and
// patients with email marketing consent in two segments.
func campaignSetup(t *testing.T) (*fixture, campaign.Identity) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), sqlstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	org := &rapport.Organisation{Slug: "general", Name: "General"}
	if err := s.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	h, _ := auth.HashPassword("a long enough password")
	if err := s.CreateUser(ctx, &rapport.User{OrgID: org.ID, Email: "mark@general.org", Role: rapport.RoleMarket, PasswordHash: h}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, &rapport.User{OrgID: org.ID, Email: "ada@general.org", Role: rapport.RoleAdmin, PasswordHash: h}); err != nil {
		t.Fatal(err)
	}
	admin := rapport.Actor{OrgID: org.ID, Role: rapport.RoleAdmin, Name: "t"}
	market := rapport.Actor{OrgID: org.ID, Role: rapport.RoleMarket, Name: "t"}
	tx, _ := s.BeginImport(ctx, admin, "t")
	var recs []rapport.ImportRecord
	for i := range 6 {
		recs = append(recs, rapport.ImportRecord{Patient: &rapport.Patient{
			Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: fmt.Sprint(i)}}, Family: "F", Given: "G",
			Email: fmt.Sprintf("p%d@example.org", i), Phone: fmt.Sprintf("+1555010000%d", i), TimeZone: "America/Chicago"},
			Consents: []rapport.ConsentEvent{
				{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing, Status: rapport.ConsentGranted, At: time.Now().Add(-time.Hour), Source: "t"},
				{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare, Status: rapport.ConsentGranted, At: time.Now().Add(-time.Hour), Source: "t"}}})
	}
	if _, err := tx.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	tx.Commit(ctx)
	ps, _, _ := s.FindPatients(ctx, admin, rapport.PatientFilter{Limit: 10})
	for i, p := range ps {
		seg := []string{"planner", "caregiver"}[i%2]
		if err := s.RecordAssessment(ctx, market, &rapport.Assessment{PatientID: p.ID, ModelID: "rapport-default", ModelVersion: "1",
			Form: "full", Segment: seg, Probability: 0.9, Source: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := segment.DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{Store: s, Model: m})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	id := campaign.Identity{OrgName: "General", PostalAddress: "1 Main St, Springfield, IL 62701", BaseURL: public,
		Secret: []byte("k"), MessageDomain: "general.example"}
	api.CampaignRoutes(httpapi.CampaignDeps{
		Store:    s,
		Launcher: campaign.Launcher{Store: s, Previewer: campaign.Previewer{Identity: id, Model: m}},
		Inbound:  &campaign.Inbound{Store: s, Identity: id},
		Twilio:   twilio.Webhook{AuthToken: "tok", BaseURL: public},
		OrgID:    s.OrgIDBySlug,
		Senders:  s,
	})
	return &fixture{srv: srv, store: s, org: org, pid: ps[0].ID}, id
}

func TestCampaignAPI(t *testing.T) {
	f, id := campaignSetup(t)
	c, csrf, code := f.login(t, "mark@general.org", "a long enough password")
	if code != 200 {
		t.Fatalf("login = %d", code)
	}
	u := f.srv.URL
	code, body := do(t, c, "POST", u+"/api/v1/audiences/count", csrf, `{"model_id":"rapport-default","channel":"email","purpose":"marketing"}`)
	if code != 200 || body["total"] != 6.0 {
		t.Errorf("count = %d %v, want 6", code, body)
	}
	code, body = do(t, c, "POST", u+"/api/v1/audiences/count", csrf, `{"channel":"email","purpose":"marketing","zip_prefixes":["6x"]}`)
	if code != 400 || !strings.Contains(fmt.Sprint(body), "zip_prefixes") {
		t.Errorf("bad filter = %d %v, want 400 naming zip_prefixes", code, body)
	}
	blocked := `{"name":"Screening","channel":"email","purpose":"marketing","audience":{"model_id":"rapport-default"},"holdout_percent":0,
		"variants":[{"segment":"planner","subject":"Plan","text":"Hi {{first_name|there}}"}]}`
	code, body = do(t, c, "POST", u+"/api/v1/campaigns", csrf, blocked)
	if code != 201 {
		t.Fatalf("create = %d %v", code, body)
	}
	cid := body["id"].(string)
	if code, body := do(t, c, "POST", u+"/api/v1/campaigns/"+cid+"/launch", csrf, ""); code != 400 {
		t.Errorf("launch without unsubscribe text = %d %v, want 400", code, body)
	}
	good := `{"name":"Screening","channel":"email","purpose":"marketing","audience":{"model_id":"rapport-default"},"holdout_percent":20,
		"variants":[{"segment":"planner","subject":"Plan ahead","text":"Hi {{first_name|there}}. Book a visit. {{postal_address}} {{unsubscribe_url}}"},
		{"segment":"caregiver","subject":"Ten minutes","text":"Hi {{first_name|there}}. It is quick. {{postal_address}} {{unsubscribe_url}}"}]}`
	if code, body := do(t, c, "PUT", u+"/api/v1/campaigns/"+cid, csrf, good); code != 200 || body["holdout_percent"] != 20.0 {
		t.Fatalf("update = %d %v", code, body)
	}
	code, body = do(t, c, "GET", u+"/api/v1/campaigns/"+cid+"/preview", "", "")
	if code != 200 || body["blocked"] != false {
		t.Fatalf("preview = %d %v", code, body)
	}
	vs := body["variants"].([]any)
	v0 := vs[0].(map[string]any)
	if v0["playbook"] == nil || !strings.Contains(v0["text"].(string), "Hi Alex") || v0["audience"] != 3.0 {
		t.Errorf("preview variant = %v", v0)
	}
	code, body = do(t, c, "POST", u+"/api/v1/campaigns/"+cid+"/launch", csrf, "")
	if code != 200 || body["deliveries"].(float64)+body["holdout"].(float64) != 6 {
		t.Fatalf("launch = %d %v", code, body)
	}
	if code, _ := do(t, c, "POST", u+"/api/v1/campaigns/"+cid+"/launch", csrf, ""); code != 409 {
		t.Errorf("second launch = %d, want 409", code)
	}
	code, body = do(t, c, "GET", u+"/api/v1/campaigns", csrf, "")
	if list, _ := body["campaigns"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != cid ||
		list[0].(map[string]any)["deliveries"] == nil {
		t.Errorf("campaign list = %d %v, want the launched campaign with its delivery counts", code, body)
	}

	// One-click unsubscribe: GET changes nothing, POST unsubscribes.
	var did string
	ctx := context.Background()
	jobs, err := f.store.ClaimDeliveries(ctx, "t", 1, time.Minute)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim = %v, %v", jobs, err)
	}
	did = jobs[0].ID
	// The STOP below comes from another patient than the one who
	// unsubscribes here (which one is claimed first is not fixed).
	stopFrom := "+15550100003"
	if jobs[0].Recipient.Phone == stopFrom {
		stopFrom = "+15550100004"
	}
	tok := id.UnsubscribeToken(did)
	resp, err := http.Get(u + "/u/" + tok)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET unsubscribe = %v %v", resp, err)
	}
	resp.Body.Close()
	aud := func() float64 {
		_, b := do(t, c, "POST", u+"/api/v1/audiences/count", csrf, `{"channel":"email","purpose":"marketing"}`)
		return b["total"].(float64)
	}
	if n := aud(); n != 6 {
		t.Errorf("after GET: audience %v, want 6", n)
	}
	resp, err = http.Post(u+"/u/"+tok, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST unsubscribe = %v %v", resp, err)
	}
	resp.Body.Close()
	if n := aud(); n != 5 {
		t.Errorf("after one-click: audience %v, want 5", n)
	}
	if resp, _ := http.Post(u+"/u/"+did+".AAAA", "application/x-www-form-urlencoded", nil); resp.StatusCode != 404 {
		t.Errorf("forged token = %d, want 404", resp.StatusCode)
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noRedirect.Get(u + "/r/" + id.ClickToken(did)); err != nil || resp.StatusCode != 404 {
		t.Errorf("click on a variant without a link = %v %v, want 404", resp, err)
	}
	if resp, err := noRedirect.Get(u + "/r/" + tok); err != nil || resp.StatusCode != 404 {
		t.Errorf("an unsubscribe token used as a click token = %v %v, want 404", resp, err)
	}

	// The open pixel: the same image whatever the token (it tells a client
	// or scanner nothing), never cached; the delivery was not sent, so no
	// open is recorded.
	for _, tk := range []string{id.OpenToken(did), tok, "forged.AAAA"} {
		resp, err := http.Get(u + "/o/" + tk)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/gif" || !strings.HasPrefix(string(body), "GIF89a") ||
			!strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("GET /o/%s = %d %q %q (%d bytes), want a no-store GIF", tk, resp.StatusCode, resp.Header.Get("Content-Type"),
				resp.Header.Get("Cache-Control"), len(body))
		}
	}

	// Twilio inbound STOP: unsigned is refused, signed revokes.
	hook := u + "/hooks/twilio/general/inbound"
	form := url.Values{"MessageSid": {"SM" + strings.Repeat("ab", 16)}, "AccountSid": {"AC" + strings.Repeat("cd", 16)}, "From": {stopFrom}, "To": {"+15005550006"}, "Body": {"stop"}, "NumMedia": {"0"}}
	resp, _ = http.PostForm(hook, form)
	if resp.StatusCode != 401 {
		t.Errorf("unsigned inbound = %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", hook, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Signature("tok", public+"/hooks/twilio/general/inbound", form))
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("signed inbound = %v %v", resp, err)
	}
	if n := aud(); n != 4 {
		t.Errorf("after SMS STOP: email marketing audience %v, want 4", n)
	}
	_, body = do(t, c, "POST", u+"/api/v1/audiences/count", csrf, `{"channel":"sms","purpose":"care"}`)
	if body["total"] != 5.0 {
		t.Errorf("after SMS STOP: sms care audience %v, want 5", body["total"])
	}
}

// TestSenderProfileAPI: campaign writers read the organisation's sender
// profile; only its admin changes it; bad fields are named.
func TestSenderProfileAPI(t *testing.T) {
	f, _ := campaignSetup(t)
	u := f.srv.URL + "/api/v1/sender"
	mark, mcsrf, code := f.login(t, "mark@general.org", "a long enough password")
	if code != 200 {
		t.Fatalf("login = %d", code)
	}
	if code, body := do(t, mark, "GET", u, mcsrf, ""); code != 200 || body["org_name"] != nil {
		t.Errorf("GET before any = %d %v, want 200 and no fields", code, body)
	}
	profile := `{"org_name":"Mercy General","postal_address":"2 Elm St, Springfield, IL 62704","mail_from":"Mercy <news@mercy.example>"}`
	if code, _ := do(t, mark, "PUT", u, mcsrf, profile); code != 403 {
		t.Errorf("marketer PUT = %d, want 403", code)
	}
	ada, acsrf, _ := f.login(t, "ada@general.org", "a long enough password")
	if code, body := do(t, ada, "PUT", u, acsrf, `{"mail_from":"nobody"}`); code != 400 || !strings.Contains(fmt.Sprint(body), "mail_from") {
		t.Errorf("bad PUT = %d %v, want 400 naming mail_from", code, body)
	}
	if code, body := do(t, ada, "PUT", u, acsrf, profile); code != 200 {
		t.Fatalf("admin PUT = %d %v", code, body)
	}
	if code, body := do(t, mark, "GET", u, mcsrf, ""); code != 200 || body["postal_address"] != "2 Elm St, Springfield, IL 62704" {
		t.Errorf("GET = %d %v", code, body)
	}
}
