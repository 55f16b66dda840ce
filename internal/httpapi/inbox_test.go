package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/auth"
	"github.com/rapport-health/rapport/internal/httpapi"
	"github.com/rapport-health/rapport/internal/inbox"
	"github.com/rapport-health/rapport/internal/meta"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/webhook"
	"github.com/rapport-health/rapport/phi"
	"github.com/rapport-health/rapport/triage"
)

const (
	metaSecret    = "meta-app-secret-for-tests"
	webhookSecret = "generic-webhook-secret-0123456789"
)

// recorder is a Facebook connector that records what it publishes; the
// Graph client itself is tested in internal/meta.
type recorder struct {
	mu    sync.Mutex
	posts []rapport.Post
}

func (c *recorder) Network() rapport.Network { return rapport.NetworkFacebook }
func (c *recorder) Fetch(context.Context, string) ([]rapport.SocialItem, string, error) {
	return nil, "", nil
}
func (c *recorder) Publish(_ context.Context, p rapport.Post) (rapport.PostRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts = append(c.posts, p)
	return rapport.PostRef{NetworkID: fmt.Sprint("fb-reply-", len(c.posts))}, nil
}
func (c *recorder) SendDM(context.Context, string, string) (rapport.PostRef, error) {
	return rapport.PostRef{NetworkID: "dm"}, nil
}
func (c *recorder) Metrics(context.Context) (rapport.AccountMetrics, error) {
	return rapport.AccountMetrics{}, nil
}

type inboxFixture struct {
	srv   *httptest.Server
	store *sqlstore.Store
	orgs  []*rapport.Organisation
	conn  *recorder
}

// setupInbox serves two organisations, each with an agent whose password
// is "a long enough password" and Meta and generic webhooks.
func setupInbox(t *testing.T) *inboxFixture {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), sqlstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &inboxFixture{store: s, conn: &recorder{}}
	reg := &inbox.Registry{}
	orgs := map[string]inbox.OrgConfig{}
	for _, slug := range []string{"general", "other"} {
		org := &rapport.Organisation{Slug: slug, Name: slug}
		if err := s.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		h, _ := auth.HashPassword("a long enough password")
		if err := s.CreateUser(ctx, &rapport.User{OrgID: org.ID, Email: "agent@" + slug + ".org", Role: rapport.RoleAgent, PasswordHash: h}); err != nil {
			t.Fatal(err)
		}
		f.orgs = append(f.orgs, org)
		orgs[org.ID] = inbox.OrgConfig{Slug: slug,
			Identity: phi.Org{Names: []string{"General Hospital"}, Phones: []string{"555-0100"}},
			Meta:     &inbox.MetaHook{AppSecret: metaSecret, VerifyToken: "verify-me"},
			Webhook:  &inbox.GenericHook{Secrets: []string{webhookSecret}, AccountID: "reviews"}}
		reg.Add(inbox.Account{OrgID: org.ID, AccountID: "PAGE1", Conn: f.conn})
	}
	tr, err := triage.New()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := inbox.New(inbox.Config{Store: s, Triager: tr, Connectors: reg, Orgs: orgs})
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := svc.Hooks()
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(httpapi.New(httpapi.Config{Store: s, Inbox: svc, Hooks: hooks, InboxHeartbeat: 50 * time.Millisecond}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *inboxFixture) login(t *testing.T, slug string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"org": slug, "email": "agent@" + slug + ".org", "password": "a long enough password"})
	resp, err := c.Post(f.srv.URL+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		t.Fatalf("login %s = %d", slug, resp.StatusCode)
	}
	return c, out["csrf_token"]
}

const metaComment = `{"object":"page","entry":[{"id":"PAGE1","time":1732190000,"changes":[
 {"field":"feed","value":{"from":{"id":"U1","name":"Ann Lee"},"item":"comment","comment_id":"POST1_C1","post_id":"PAGE1_POST1","parent_id":"PAGE1_POST1","message":"The ER wait was 5 hours! Terrible.","created_time":1732190001,"verb":"add"}}
]}]}`

func postMeta(t *testing.T, url, body, sig string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set(meta.SignatureHeader, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func countItems(t *testing.T, s *sqlstore.Store, orgID string) int {
	t.Helper()
	a := rapport.Actor{OrgID: orgID, Role: rapport.RoleAgent, Name: "t"}
	convs, err := s.Conversations(context.Background(), a, rapport.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range convs {
		d, err := s.Conversation(context.Background(), a, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		n += len(d.Items)
	}
	return n
}

// The same signed webhook delivered 100 times makes one item; so does the
// generic webhook. A bad signature is refused and stores nothing.
func TestWebhookDelivered100TimesMakesOneItem(t *testing.T) {
	f := setupInbox(t)
	url := f.srv.URL + "/hooks/meta/general"
	if code := postMeta(t, url, metaComment, "sha256=00"); code != 403 {
		t.Errorf("bad signature = %d, want 403", code)
	}
	if n := countItems(t, f.store, f.orgs[0].ID); n != 0 {
		t.Fatalf("a refused delivery stored %d items", n)
	}
	sig := meta.Sign(metaSecret, []byte(metaComment))
	for i := range 100 {
		if code := postMeta(t, url, metaComment, sig); code != 200 {
			t.Fatalf("delivery %d = %d, want 200", i, code)
		}
	}
	if n := countItems(t, f.store, f.orgs[0].ID); n != 1 {
		t.Errorf("100 deliveries stored %d items, want 1", n)
	}
	// The handshake echoes the challenge for the right token only.
	resp, err := http.Get(url + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || b.String() != "42" {
		t.Errorf("handshake = %d %q, want 200 42", resp.StatusCode, b.String())
	}
	// The generic webhook, signed with t=,v1=.
	body := `{"items":[{"source":"google-reviews","id":"r-1","kind":"review","text":"Kind nurses","rating":5,"created_at":"2026-11-21T10:00:00Z"}]}`
	for i := range 100 {
		req, _ := http.NewRequest("POST", f.srv.URL+"/hooks/webhook/general", strings.NewReader(body))
		req.Header.Set("X-Rapport-Signature", webhook.Sign(webhookSecret, time.Now(), []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("generic delivery %d = %d", i, resp.StatusCode)
		}
	}
	if n := countItems(t, f.store, f.orgs[0].ID); n != 2 {
		t.Errorf("after 100 generic deliveries the inbox has %d items, want 2", n)
	}
	if n := countItems(t, f.store, f.orgs[1].ID); n != 0 {
		t.Errorf("the other organisation has %d items, want 0", n)
	}
	if code := postMeta(t, f.srv.URL+"/hooks/meta/nobody", metaComment, sig); code != 404 {
		t.Errorf("unknown organisation = %d, want 404", code)
	}
}

// sse reads events from an open stream.
func sse(t *testing.T, c *http.Client, url string) (<-chan map[string]any, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET events = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan map[string]any, 16)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev map[string]any
				if err := json.Unmarshal([]byte(data), &ev); err == nil {
					out <- ev
				}
			}
		}
	}()
	return out, cancel
}

func next(t *testing.T, ch <-chan map[string]any) map[string]any {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return nil
}

// An agent's open event stream receives a new item as it arrives, with ids
// and triage only; the other organisation's agent receives nothing.
// Then the agent replies: the guard blocks an unsafe reply (not sent, with
// reasons and a rewrite), and the fixed reply is sent.
func TestInboxLiveItemAndGuardedReply(t *testing.T) {
	f := setupInbox(t)
	if resp, err := http.Get(f.srv.URL + "/api/v1/inbox/events"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("events without a session = %v %v, want 401", resp.StatusCode, err)
	}
	c, csrf := f.login(t, "general")
	events, stop := sse(t, c, f.srv.URL+"/api/v1/inbox/events")
	defer stop()
	oc, _ := f.login(t, "other")
	otherEvents, stopOther := sse(t, oc, f.srv.URL+"/api/v1/inbox/events")
	defer stopOther()

	if code := postMeta(t, f.srv.URL+"/hooks/meta/general", metaComment, meta.Sign(metaSecret, []byte(metaComment))); code != 200 {
		t.Fatalf("delivery = %d", code)
	}
	ev := next(t, events)
	if ev["type"] != "item.new" || ev["conversation_id"] == "" || ev["network"] != "facebook" || ev["intent"] != "complaint" {
		t.Errorf("event = %v, want item.new for a facebook complaint", ev)
	}
	raw, _ := json.Marshal(ev)
	if strings.Contains(string(raw), "Ann") || strings.Contains(string(raw), "ER wait") {
		t.Errorf("event carries the author or text: %s", raw)
	}
	select {
	case ev := <-otherEvents:
		t.Errorf("the other organisation received %v", ev)
	case <-time.After(200 * time.Millisecond):
	}
	conv := ev["conversation_id"].(string)
	if code, _ := do(t, oc, "GET", f.srv.URL+"/api/v1/inbox/conversations/"+conv, "", ""); code != 404 {
		t.Errorf("the other organisation reads the conversation = %d, want 404", code)
	}

	code, out := do(t, c, "GET", f.srv.URL+"/api/v1/inbox/conversations/"+conv, "", "")
	if code != 200 || len(out["items"].([]any)) != 1 {
		t.Fatalf("GET conversation = %d %v", code, out)
	}
	code, out = do(t, c, "POST", f.srv.URL+"/api/v1/inbox/conversations/"+conv+"/replies", csrf,
		`{"text":"Ann, we reviewed your chart and your visit was handled correctly."}`)
	guard, _ := out["guard"].(map[string]any)
	if code != 400 || guard["verdict"] != "block" || len(guard["reasons"].([]any)) == 0 || guard["suggestion"] == "" {
		t.Fatalf("unsafe reply = %d %v, want 400 with the block verdict, reasons and suggestion", code, out)
	}
	if len(f.conn.posts) != 0 {
		t.Fatalf("a blocked reply was published: %v", f.conn.posts)
	}
	code, out = do(t, c, "POST", f.srv.URL+"/api/v1/inbox/conversations/"+conv+"/replies", csrf,
		`{"text":"We're sorry to hear this. Please call our Patient Relations team at 555-0100."}`)
	if code != 201 || out["reply"].(map[string]any)["state"] != "sent" {
		t.Fatalf("safe reply = %d %v, want 201 sent", code, out)
	}
	if len(f.conn.posts) != 1 || f.conn.posts[0].InReplyTo != "POST1_C1" {
		t.Errorf("published %v, want one reply to POST1_C1", f.conn.posts)
	}
	if ev := next(t, events); ev["type"] != "conversation.updated" {
		t.Errorf("after the reply: event %v, want conversation.updated", ev)
	}
	code, out = do(t, c, "GET", f.srv.URL+"/api/v1/inbox/conversations/"+conv, "", "")
	cv := out["conversation"].(map[string]any)
	if code != 200 || cv["first_response_at"] == nil || len(out["replies"].([]any)) != 2 || cv["sla"] == nil {
		t.Errorf("conversation after reply = %d %v", code, out)
	}
}

func TestInboxWorkOverHTTP(t *testing.T) {
	f := setupInbox(t)
	c, csrf := f.login(t, "general")
	if code := postMeta(t, f.srv.URL+"/hooks/meta/general", metaComment, meta.Sign(metaSecret, []byte(metaComment))); code != 200 {
		t.Fatalf("delivery = %d", code)
	}
	code, out := do(t, c, "GET", f.srv.URL+"/api/v1/inbox/conversations?status=new&assignee=none", "", "")
	list := out["conversations"].([]any)
	if code != 200 || len(list) != 1 {
		t.Fatalf("list = %d %v", code, out)
	}
	conv := list[0].(map[string]any)["id"].(string)
	base := f.srv.URL + "/api/v1/inbox/conversations/" + conv
	for _, tc := range []struct {
		name, method, url, body string
		want                    int
	}{
		{"claim", "POST", base + "/claim", "", 200},
		{"status", "POST", base + "/status", `{"status":"waiting"}`, 200},
		{"bad status", "POST", base + "/status", `{"status":"closed"}`, 400},
		{"tags", "POST", base + "/tags", `{"add":["wait-times"]}`, 200},
		{"note", "POST", base + "/notes", `{"text":"escalated to ER manager"}`, 201},
		{"empty note", "POST", base + "/notes", `{"text":""}`, 400},
		{"canned create", "POST", f.srv.URL + "/api/v1/inbox/canned", `{"title":"Sorry","text":"We're sorry to hear this."}`, 201},
		{"unknown conversation", "POST", f.srv.URL + "/api/v1/inbox/conversations/nope/claim", "", 404},
		{"bad filter", "GET", f.srv.URL + "/api/v1/inbox/conversations?status=gone", "", 400},
	} {
		if code, out := do(t, c, tc.method, tc.url, csrf, tc.body); code != tc.want {
			t.Errorf("%s = %d %v, want %d", tc.name, code, out, tc.want)
		}
	}
	code, out = do(t, c, "GET", f.srv.URL+"/api/v1/inbox/conversations?assignee=me&status=waiting", "", "")
	if list := out["conversations"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["tags"].([]any)[0] != "wait-times" {
		t.Errorf("my waiting conversations = %d %v", code, out)
	}
	code, out = do(t, c, "GET", f.srv.URL+"/api/v1/inbox/canned", "", "")
	if list := out["canned_replies"].([]any); code != 200 || len(list) != 1 {
		t.Fatalf("canned = %d %v", code, out)
	}
}

// An open event stream ends once its session is logged out.
func TestInboxEventsEndAtLogout(t *testing.T) {
	f := setupInbox(t)
	c, csrf := f.login(t, "general")
	events, stop := sse(t, c, f.srv.URL+"/api/v1/inbox/events")
	defer stop()
	if code, _ := do(t, c, "POST", f.srv.URL+"/api/v1/logout", csrf, ""); code != 204 {
		t.Fatalf("logout = %d", code)
	}
	select {
	case _, ok := <-events:
		if ok {
			t.Error("an event arrived after logout")
		}
	case <-time.After(5 * time.Second):
		t.Error("the stream is still open 5 s after logout")
	}
}
