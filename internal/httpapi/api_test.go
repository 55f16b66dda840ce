package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/auth"
	"github.com/rapport-health/rapport/internal/httpapi"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/segment"
)

type fixture struct {
	srv   *httptest.Server
	store *sqlstore.Store
	org   *rapport.Organisation
	pid   string
}

func setup(t *testing.T) *fixture {
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
	for _, u := range []struct {
		email string
		role  rapport.Role
	}{{"admin@general.org", rapport.RoleAdmin}, {"mark@general.org", rapport.RoleMarket}} {
		h, _ := auth.HashPassword("a long enough password")
		if err := s.CreateUser(ctx, &rapport.User{OrgID: org.ID, Email: u.email, Role: u.role, PasswordHash: h}); err != nil {
			t.Fatal(err)
		}
	}
	admin := rapport.Actor{OrgID: org.ID, Role: rapport.RoleAdmin, Name: "t"}
	tx, _ := s.BeginImport(ctx, admin, "t")
	tx.Write(ctx, []rapport.ImportRecord{{Patient: &rapport.Patient{Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "1"}}, Family: "A"}}})
	tx.Commit(ctx)
	ps, _, _ := s.FindPatients(ctx, admin, rapport.PatientFilter{})
	m, err := segment.DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{Store: s, Model: m})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, store: s, org: org, pid: ps[0].ID}
}

// login signs in and returns a client with the session cookie and the
// CSRF token.
func (f *fixture) login(t *testing.T, email, password string) (*http.Client, string, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"org": "general", "email": email, "password": password})
	resp, err := c.Post(f.srv.URL+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	for _, ck := range resp.Cookies() {
		if ck.Name == httpapi.SessionCookie && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie %+v, want HttpOnly and SameSite=Lax", ck)
		}
	}
	return c, out["csrf_token"], resp.StatusCode
}

func do(t *testing.T, c *http.Client, method, url, csrf, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestSessionsAndCSRF(t *testing.T) {
	f := setup(t)
	if _, _, code := f.login(t, "admin@general.org", "wrong password here"); code != 401 {
		t.Errorf("login with a wrong password = %d, want 401", code)
	}
	if _, _, code := f.login(t, "nobody@general.org", "a long enough password"); code != 401 {
		t.Errorf("login of an unknown user = %d, want 401", code)
	}
	c, csrf, code := f.login(t, "admin@general.org", "a long enough password")
	if code != 200 || csrf == "" {
		t.Fatalf("login = %d, csrf %q", code, csrf)
	}
	if code, body := do(t, c, "GET", f.srv.URL+"/api/v1/me", "", ""); code != 200 || body["role"] != "admin" {
		t.Errorf("GET /me = %d %v", code, body)
	}
	consent := `{"channel":"sms","purpose":"marketing","status":"revoked"}`
	if code, _ := do(t, c, "POST", f.srv.URL+"/api/v1/patients/"+f.pid+"/consents", "", consent); code != 403 {
		t.Errorf("POST without CSRF token = %d, want 403", code)
	}
	if code, _ := do(t, c, "POST", f.srv.URL+"/api/v1/patients/"+f.pid+"/consents", "wrong", consent); code != 403 {
		t.Errorf("POST with a wrong CSRF token = %d, want 403", code)
	}
	if code, body := do(t, c, "POST", f.srv.URL+"/api/v1/patients/"+f.pid+"/consents", csrf, consent); code != 201 {
		t.Errorf("POST with CSRF token = %d %v, want 201", code, body)
	}
	if code, _ := do(t, c, "POST", f.srv.URL+"/api/v1/patients/"+f.pid+"/consents", csrf, `{"channel":"pigeon","purpose":"care","status":"revoked"}`); code != 400 {
		t.Errorf("POST of a bad channel = %d, want 400", code)
	}
	if code, _ := do(t, c, "POST", f.srv.URL+"/api/v1/logout", csrf, ""); code != 204 {
		t.Errorf("logout = %d", code)
	}
	if code, _ := do(t, c, "GET", f.srv.URL+"/api/v1/me", "", ""); code != 401 {
		t.Errorf("GET /me after logout = %d, want 401", code)
	}
	// Logins, failed and successful, are audited.
	aud := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAuditor, Name: "a"}
	entries, _ := f.store.AuditEntries(context.Background(), aud, 0, 100)
	var logins []string
	for _, e := range entries {
		if e.Action == rapport.AuditLogin {
			logins = append(logins, e.Outcome)
		}
	}
	if strings.Join(logins, ",") != "denied,denied,success" {
		t.Errorf("audited logins = %v, want denied, denied, success", logins)
	}
}

func TestAssessments(t *testing.T) {
	f := setup(t)
	mc, mcsrf, _ := f.login(t, "mark@general.org", "a long enough password")
	ac, _, _ := f.login(t, "admin@general.org", "a long enough password")
	m, _ := segment.DefaultModel()
	answers := map[string]int{}
	for _, item := range m.Items {
		answers[item] = 3
	}
	// A planner-like pattern: strong sense of control and wish for data.
	for _, item := range m.Items {
		if strings.HasPrefix(item, "own-") || strings.HasPrefix(item, "data-") || strings.HasPrefix(item, "fut-") {
			answers[item] = 5
		}
	}
	body, _ := json.Marshal(map[string]any{"answers": answers})
	code, out := do(t, mc, "POST", f.srv.URL+"/api/v1/patients/"+f.pid+"/assessments", mcsrf, string(body))
	if code != 201 || out["model_id"] != m.ID || out["segment"] == "" {
		t.Fatalf("POST assessment = %d %v", code, out)
	}
	if p, _ := out["probability"].(float64); p <= 0 || p > 1 {
		t.Errorf("probability %v", out["probability"])
	}
	if code, _ := do(t, mc, "POST", f.srv.URL+"/api/v1/patients/"+f.pid+"/assessments", mcsrf, `{"answers":{"own-1":9}}`); code != 400 {
		t.Errorf("out-of-range answer = %d, want 400", code)
	}
	if code, _ := do(t, mc, "POST", f.srv.URL+"/api/v1/patients/nobody/assessments", mcsrf, string(body)); code != 404 {
		t.Errorf("assessment of an unknown patient = %d, want 404", code)
	}
	// The marketer sees counts, not the patient's own segment.
	code, segs := do(t, mc, "GET", f.srv.URL+"/api/v1/segments", "", "")
	if code != 200 {
		t.Fatalf("GET segments = %d", code)
	}
	total := 0
	for _, s := range segs["segments"].([]any) {
		total += int(s.(map[string]any)["patients"].(float64))
	}
	total += int(segs["unclassified"].(float64))
	if total != 1 {
		t.Errorf("segment counts add up to %d, want 1", total)
	}
	if code, _ := do(t, mc, "GET", f.srv.URL+"/api/v1/patients/"+f.pid+"/segment", "", ""); code != 403 {
		t.Errorf("marketer reads a patient's segment = %d, want 403", code)
	}
	code, seg := do(t, ac, "GET", f.srv.URL+"/api/v1/patients/"+f.pid+"/segment", "", "")
	if code != 200 || seg["current"].(map[string]any)["segment"] != out["segment"] || len(seg["history"].([]any)) != 1 {
		t.Errorf("GET patient segment = %d %v", code, seg)
	}
}
