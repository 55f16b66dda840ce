package meta

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/rapport-health/rapport"
)

// graphStandIn is a stand-in for the two Graph API calls Rapport makes,
// written from Meta's Graph API reference (Comment /comments edge, IG
// Comment /replies edge, Send API /me/messages) and its documented error
// body {"error":{"message","type","code","fbtrace_id"}}. It is not Meta's
// server: it checks the bearer token and appsecret_proof and records calls.
type graphStandIn struct {
	mu     sync.Mutex
	token  string
	proof  string
	calls  []string
	bodies []map[string]any
}

func newGraphStandIn(t *testing.T, token, secret string) (*graphStandIn, *httptest.Server) {
	g := &graphStandIn{token: token}
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(token))
		g.proof = hex.EncodeToString(mac.Sum(nil))
	}
	fail := func(w http.ResponseWriter, status, code int, typ, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": "Atrace"}})
	}
	mux := http.NewServeMux()
	auth := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+g.token {
				fail(w, 400, 190, "OAuthException", "Invalid OAuth access token.")
				return
			}
			if g.proof != "" && r.URL.Query().Get("appsecret_proof") != g.proof {
				fail(w, 400, 100, "GraphMethodException", "Invalid appsecret_proof provided in the API argument")
				return
			}
			g.mu.Lock()
			g.calls = append(g.calls, r.Method+" "+r.URL.Path)
			g.mu.Unlock()
			next(w, r)
		}
	}
	mux.HandleFunc("POST /{id}/comments", auth(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "gone" {
			fail(w, 400, 100, "GraphMethodException", "Unsupported post request. Object does not exist")
			return
		}
		if r.PathValue("id") == "busy" {
			fail(w, 400, 32, "OAuthException", "Page request limit reached")
			return
		}
		r.ParseForm()
		g.mu.Lock()
		g.bodies = append(g.bodies, map[string]any{"message": r.PostForm.Get("message")})
		g.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id") + "_reply1"})
	}))
	mux.HandleFunc("POST /{id}/replies", auth(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		json.NewEncoder(w).Encode(map[string]string{"id": "ig_" + r.PathValue("id")})
	}))
	mux.HandleFunc("POST /me/messages", auth(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(w, 400, 100, "OAuthException", "(#100) malformed")
			return
		}
		g.mu.Lock()
		g.bodies = append(g.bodies, body)
		g.mu.Unlock()
		rcpt, _ := body["recipient"].(map[string]any)
		if rcpt["id"] == "stale" {
			fail(w, 400, 10, "OAuthException", "(#10) This message is sent outside of allowed window.")
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"recipient_id": rcpt["id"].(string), "message_id": "m_sent1"})
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return g, srv
}

func TestGraphClient(t *testing.T) {
	g, srv := newGraphStandIn(t, "page-token", "app-secret")
	c, err := NewGraphClient(GraphConfig{BaseURL: srv.URL, PageToken: "page-token", AppSecret: "app-secret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := c.ReplyToComment(ctx, "POST1_C1", "Sorry for the wait; please DM us.")
	if err != nil || ref.NetworkID != "POST1_C1_reply1" {
		t.Errorf("ReplyToComment = %+v, %v; want id POST1_C1_reply1", ref, err)
	}
	ref, err = c.ReplyToInstagramComment(ctx, "IGC1", "Thank you!")
	if err != nil || ref.NetworkID != "ig_IGC1" {
		t.Errorf("ReplyToInstagramComment = %+v, %v; want id ig_IGC1", ref, err)
	}
	ref, err = c.SendMessage(ctx, "PSID1", "Our scheduling team will call you.")
	if err != nil || ref.NetworkID != "m_sent1" {
		t.Errorf("SendMessage = %+v, %v; want m_sent1", ref, err)
	}
	last := g.bodies[len(g.bodies)-1]
	if last["messaging_type"] != "RESPONSE" || last["message"].(map[string]any)["text"] != "Our scheduling team will call you." {
		t.Errorf("Send API body = %v", last)
	}
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"missing comment", func() error { _, err := c.ReplyToComment(ctx, "gone", "x"); return err }, rapport.ENOTFOUND},
		{"outside window", func() error { _, err := c.SendMessage(ctx, "stale", "x"); return err }, rapport.EFORBIDDEN},
		{"empty text", func() error { _, err := c.SendMessage(ctx, "PSID1", " "); return err }, rapport.EINVALID},
		{"path injection", func() error { _, err := c.ReplyToComment(ctx, "a/b", "x"); return err }, rapport.EINVALID},
	} {
		if err := tc.call(); rapport.ErrorCode(err) != tc.code {
			t.Errorf("%s: error %v, want code %q", tc.name, err, tc.code)
		}
	}
	if _, err := c.ReplyToComment(ctx, "busy", "x"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("rate-limited reply error = %v, want ErrRateLimited", err)
	}
	bad, _ := NewGraphClient(GraphConfig{BaseURL: srv.URL, PageToken: "expired"})
	if _, err := bad.ReplyToComment(ctx, "POST1_C1", "x"); rapport.ErrorCode(err) != rapport.EUNAUTHORIZED {
		t.Errorf("expired token error = %v, want EUNAUTHORIZED", err)
	}
}
