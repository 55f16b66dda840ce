package bluesky

// These tests use small httptest servers to produce answers a real PDS
// cannot be made to give on demand (rate limits, a broken refresh). The
// answers follow the documented XRPC error shape and Bluesky's rate-limit
// headers; everything else is tested against the real PDS in e2e_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
)

var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func TestRateLimits(t *testing.T) {
	reset := strconv.FormatInt(epoch.Add(5*time.Second).Unix(), 10)
	farReset := strconv.FormatInt(epoch.Add(time.Hour).Unix(), 10)
	tests := []struct {
		name string
		// answers are given in turn: status and headers.
		answers   []func(w http.ResponseWriter)
		calls     int // calls to do
		wantErr   string
		wantSleep []time.Duration
		wantReqs  int
	}{
		{
			name: "429 then ok waits for the reset",
			answers: []func(http.ResponseWriter){
				func(w http.ResponseWriter) {
					w.Header().Set("RateLimit-Remaining", "0")
					w.Header().Set("RateLimit-Reset", reset)
					w.WriteHeader(429)
					fmt.Fprint(w, `{"error":"RateLimitExceeded","message":"slow down"}`)
				},
				ok,
			},
			calls: 1, wantSleep: []time.Duration{5 * time.Second}, wantReqs: 2,
		},
		{
			name: "429 with Retry-After seconds",
			answers: []func(http.ResponseWriter){
				func(w http.ResponseWriter) { w.Header().Set("Retry-After", "7"); w.WriteHeader(429) },
				ok,
			},
			calls: 1, wantSleep: []time.Duration{7 * time.Second}, wantReqs: 2,
		},
		{
			name: "429 beyond the longest wait fails at once",
			answers: []func(http.ResponseWriter){
				func(w http.ResponseWriter) { w.Header().Set("RateLimit-Reset", farReset); w.WriteHeader(429) },
			},
			calls: 1, wantErr: ERATELIMITED, wantReqs: 1,
		},
		{
			name: "no budget left waits before the next call",
			answers: []func(http.ResponseWriter){
				func(w http.ResponseWriter) {
					w.Header().Set("RateLimit-Remaining", "0")
					w.Header().Set("RateLimit-Reset", reset)
					ok(w)
				},
				ok,
			},
			calls: 2, wantSleep: []time.Duration{5 * time.Second}, wantReqs: 2,
		},
		{
			name: "no budget until far away fails without a request",
			answers: []func(http.ResponseWriter){
				func(w http.ResponseWriter) {
					w.Header().Set("RateLimit-Remaining", "0")
					w.Header().Set("RateLimit-Reset", farReset)
					ok(w)
				},
			},
			calls: 2, wantErr: ERATELIMITED, wantReqs: 1,
		},
		{
			name:    "malformed headers are ignored",
			answers: []func(http.ResponseWriter){func(w http.ResponseWriter) { w.Header().Set("RateLimit-Remaining", "x"); ok(w) }, ok},
			calls:   2, wantReqs: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reqs atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(reqs.Add(1)) - 1
				if i >= len(tt.answers) {
					t.Errorf("unexpected request %d", i+1)
					w.WriteHeader(500)
					return
				}
				tt.answers[i](w)
			}))
			defer srv.Close()
			var slept []time.Duration
			c := newXRPC(srv.URL, srv.Client(), func() time.Time { return epoch }, time.Minute)
			c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
			var err error
			for range tt.calls {
				if err = c.do(context.Background(), request{method: http.MethodGet, nsid: "app.bsky.actor.getProfile"}, nil); err != nil {
					break
				}
			}
			if code := rapport.ErrorCode(appError("test", err)); code != tt.wantErr {
				t.Errorf("error code = %q (%v), want %q", code, err, tt.wantErr)
			}
			if fmt.Sprint(slept) != fmt.Sprint(tt.wantSleep) {
				t.Errorf("slept %v, want %v", slept, tt.wantSleep)
			}
			if got := int(reqs.Load()); got != tt.wantReqs {
				t.Errorf("requests = %d, want %d", got, tt.wantReqs)
			}
		})
	}
}

func ok(w http.ResponseWriter) { fmt.Fprint(w, `{}`) }

// store is a SessionStore that remembers every save.
type store struct {
	mu    sync.Mutex
	saved []Session
}

func (s *store) LoadSession(context.Context, string) (Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.saved) == 0 {
		return Session{}, rapport.Errorf(rapport.ENOTFOUND, "none")
	}
	return s.saved[len(s.saved)-1], nil
}

func (s *store) SaveSession(_ context.Context, _ string, v Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, v)
	return nil
}

// TestRefreshKeepsTokens: a refresh answer without tokens is an error and
// the stored session is not replaced.
func TestRefreshKeepsTokens(t *testing.T) {
	tests := []struct {
		name    string
		refresh string // refreshSession's answer body
	}{
		{"empty access token", `{"did":"did:plc:h","accessJwt":"","refreshJwt":"r2"}`},
		{"empty refresh token", `{"did":"did:plc:h","accessJwt":"a2","refreshJwt":""}`},
		{"no tokens at all", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"did":"did:plc:h","handle":"h.test","accessJwt":"a1","refreshJwt":"r1"}`)
			})
			mux.HandleFunc("GET /xrpc/app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"error":"ExpiredToken","message":"Token has expired"}`)
			})
			mux.HandleFunc("POST /xrpc/com.atproto.server.refreshSession", func(w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("Authorization"); got != "Bearer r1" {
					t.Errorf("refreshSession Authorization = %q, want the refresh token", got)
				}
				fmt.Fprint(w, tt.refresh)
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			st := &store{}
			c, err := New(Config{Service: srv.URL, Identifier: "h.test", AppPassword: "pw", AccountID: "a", Sessions: st, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Fetch(context.Background(), "")
			if err == nil {
				t.Fatal("Fetch succeeded with a broken refresh")
			}
			want := Session{DID: "did:plc:h", Handle: "h.test", AccessJWT: "a1", RefreshJWT: "r1"}
			if len(st.saved) != 1 || st.saved[0] != want {
				t.Errorf("saved sessions = %d (%v), want only the login's", len(st.saved), st.saved)
			}
			if s, _ := c.Session(context.Background()); s != want {
				t.Errorf("current session changed to %v after a broken refresh", s)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	good := Config{Service: "https://bsky.social", Identifier: "h.bsky.social", AppPassword: "xxxx-xxxx-xxxx-xxxx"}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"good", func(*Config) {}, ""},
		{"no scheme", func(c *Config) { c.Service = "bsky.social" }, rapport.EINVALID},
		{"ftp", func(c *Config) { c.Service = "ftp://bsky.social" }, rapport.EINVALID},
		{"no identifier", func(c *Config) { c.Identifier = " " }, rapport.EINVALID},
		{"no password", func(c *Config) { c.AppPassword = "" }, rapport.EINVALID},
		{"page too big", func(c *Config) { c.PageSize = 101 }, rapport.EINVALID},
		{"negative pages", func(c *Config) { c.MaxPages = -1 }, rapport.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			_, err := New(cfg)
			if got := rapport.ErrorCode(err); got != tt.want {
				t.Errorf("New(%s) code = %q (%v), want %q", tt.name, got, err, tt.want)
			}
		})
	}
}

func TestPublishValidates(t *testing.T) {
	c, err := New(Config{Service: "http://127.0.0.1:1", Identifier: "h.test", AppPassword: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	long := make([]rune, maxPostRunes+1)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		name string
		post rapport.Post
	}{
		{"empty", rapport.Post{Text: "  "}},
		{"too long", rapport.Post{Text: string(long)}},
		{"invalid utf-8", rapport.Post{Text: "bad \xff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No server listens: validation must fail before any I/O.
			_, err := c.Publish(context.Background(), tt.post)
			if got := rapport.ErrorCode(err); got != rapport.EINVALID {
				t.Errorf("Publish(%s) code = %q (%v), want %q", tt.name, got, err, rapport.EINVALID)
			}
		})
	}
}
