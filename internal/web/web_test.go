package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/auth"
	"github.com/rapport-health/rapport/internal/httpapi"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/web"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type fixture struct {
	srv   *httptest.Server
	store *sqlstore.Store
	orgs  map[string]*rapport.Organisation
	conv  string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), sqlstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &fixture{store: s, orgs: map[string]*rapport.Organisation{}}
	h, _ := auth.HashPassword("a long enough password") // argon2id is slow on purpose: hash once
	for _, slug := range []string{"general", "other"} {
		org := &rapport.Organisation{Slug: slug, Name: slug}
		if err := s.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		f.orgs[slug] = org
		for _, u := range []struct {
			email string
			role  rapport.Role
		}{{"agent@" + slug + ".org", rapport.RoleAgent}, {"admin@" + slug + ".org", rapport.RoleAdmin}, {"marketer@" + slug + ".org", rapport.RoleMarket}} {
			if err := s.CreateUser(ctx, &rapport.User{OrgID: org.ID, Email: u.email, Role: u.role, PasswordHash: h}); err != nil {
				t.Fatal(err)
			}
		}
	}
	agent := rapport.Actor{OrgID: f.orgs["general"].ID, Role: rapport.RoleAgent, Name: "t"}
	items := []*rapport.InboxItem{{SocialItem: rapport.SocialItem{Network: rapport.NetworkMastodon, AccountID: "masto", NetworkID: "n1",
		Kind: rapport.KindMention, AuthorID: "a1", AuthorHandle: "pat", Text: "<script>alert(1)</script> waited 3 hours", CreatedAt: time.Now()},
		Queue: "general"}}
	res, err := s.StoreItems(ctx, agent, items)
	if err != nil {
		t.Fatal(err)
	}
	f.conv = res[0].ConversationID
	author := rapport.Actor{OrgID: f.orgs["general"].ID, Role: rapport.RoleAgent, UserID: "x", Name: "author"}
	if err := s.CreatePost(ctx, author, &rapport.ScheduledPost{Text: "Flu clinic Saturday", AccountIDs: []string{"masto"},
		ScheduledAt: time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	d, err := web.New(web.Config{Store: s, Now: func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(httpapi.New(httpapi.Config{Store: s, Pages: d}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) login(t *testing.T, slug, who string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, _ := json.Marshal(map[string]string{"org": slug, "email": who + "@" + slug + ".org", "password": "a long enough password"})
	resp, err := c.Post(f.srv.URL+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login = %d", resp.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var (
	inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`)
	inlineAttr   = regexp.MustCompile(`\s(?:on[a-z]+|style)=`)
	csrfMeta     = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)
)

func TestPages(t *testing.T) {
	f := setup(t)
	agent := f.login(t, "general", "agent")
	admin := f.login(t, "general", "admin")
	marketer := f.login(t, "general", "marketer")
	tests := []struct {
		name   string
		c      *http.Client
		path   string
		status int
		want   []string
	}{
		{"inbox lists the open conversation", agent, "/app/inbox", 200, []string{`data-conversation-id="` + f.conv + `"`, "mastodon"}},
		{"conversation escapes item text", agent, "/app/inbox/" + f.conv, 200, []string{"&lt;script&gt;alert(1)&lt;/script&gt; waited 3 hours", `id="composer"`}},
		{"agent sees submit, not approve", agent, "/app/publish", 200, []string{"Flu clinic Saturday", `data-action="submit"`}},
		{"calendar places the post on its day", admin, "/app/publish/calendar", 200, []string{"Nov 28", "09:30", "Flu clinic Saturday"}},
		{"campaign editor for a role that may write campaigns", marketer, "/app/campaigns/new", 200, []string{`id="campaign-form"`, `id="audience-count"`}},
		{"campaign list offers a new campaign to a writer", marketer, "/app/campaigns", 200, []string{`id="campaign-list"`, "No campaigns yet.", `id="new-campaign"`}},
		{"campaign list for an agent (no aggregate permission)", agent, "/app/campaigns", 403, nil},
		{"campaign editor refuses an admin (no campaign permission)", admin, "/app/campaigns/new", 200, []string{"Your role cannot create campaigns."}},
		{"login page", http.DefaultClient, "/login", 200, []string{`id="login-form"`, `data-next="/app/inbox"`}},
		{"login refuses an open redirect", http.DefaultClient, "/login?next=//evil.example/x", 200, []string{`data-next="/app/inbox"`}},
		{"admin without inbox permission", admin, "/app/inbox", 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, tt.c, f.srv.URL+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d, want %d\n%s", tt.path, resp.StatusCode, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", tt.path, w)
				}
			}
			if tt.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != web.CSP || strings.Contains(got, "unsafe-inline") {
				t.Errorf("GET %s: CSP %q, want %q", tt.path, got, web.CSP)
			}
			if m := inlineScript.FindString(body); m != "" {
				t.Errorf("GET %s: inline script %q", tt.path, m)
			}
			if m := inlineAttr.FindString(body); m != "" {
				t.Errorf("GET %s: inline handler or style %q", tt.path, m)
			}
			m := csrfMeta.FindStringSubmatch(body)
			if m == nil || (tt.path != "/login" && !strings.HasPrefix(tt.path, "/login") && m[1] == "") {
				t.Errorf("GET %s: csrf meta %v, want the session's token", tt.path, m)
			}
		})
	}
}

func TestPagesNeedASession(t *testing.T) {
	f := setup(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := get(t, c, f.srv.URL+"/app/publish?x=1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fapp%2Fpublish%3Fx%3D1" {
		t.Errorf("GET /app/publish without a session = %d to %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Another organisation's agent cannot open the conversation.
	other := f.login(t, "other", "agent")
	if resp, _ := get(t, other, f.srv.URL+"/app/inbox/"+f.conv); resp.StatusCode != 404 {
		t.Errorf("other organisation opens the conversation = %d, want 404", resp.StatusCode)
	}
	if resp, body := get(t, other, f.srv.URL+"/app/publish"); strings.Contains(body, "Flu clinic") || resp.StatusCode != 200 {
		t.Errorf("other organisation's queue = %d, shows the first's post: %v", resp.StatusCode, strings.Contains(body, "Flu clinic"))
	}
	if resp, body := get(t, c, f.srv.URL+"/static/app.js"); resp.StatusCode != 200 || !strings.Contains(body, "EventSource") {
		t.Errorf("GET /static/app.js = %d", resp.StatusCode)
	}
}

// TestLoginGolden compares the login page with testdata/login.golden.html.
func TestLoginGolden(t *testing.T) {
	f := setup(t)
	_, body := get(t, http.DefaultClient, f.srv.URL+"/login?org=general")
	path := filepath.Join("testdata", "login.golden.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if body != string(want) {
		t.Errorf("login page differs from %s (run with -update after checking the change):\n%s", path, body)
	}
}

func TestWeeks(t *testing.T) {
	from := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	posts := []rapport.ScheduledPost{{ID: "a", ScheduledAt: time.Date(2026, 11, 18, 23, 59, 0, 0, time.UTC)}}
	weeks := web.Weeks(from, from.AddDate(0, 0, 14), time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), posts)
	if len(weeks) != 2 || len(weeks[0]) != 7 || len(weeks[1]) != 7 {
		t.Fatalf("Weeks = %d weeks, want 2 of 7 days", len(weeks))
	}
	if got := weeks[0][2].Posts; len(got) != 1 || got[0].ID != "a" {
		t.Errorf("Wednesday's posts = %v, want post a", got)
	}
	if !weeks[0][5].Today || weeks[0][4].Today {
		t.Errorf("today is not Saturday 21st")
	}
}
