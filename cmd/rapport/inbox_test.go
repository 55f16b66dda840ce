package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport/internal/webhook"
)

// The real serve command, configured from an inbox config file with its
// webhook secret in the environment: a signed review delivered three
// times is one conversation, an agent's event stream sees it arrive, and
// another organisation's token sees nothing. On SQLite and PostgreSQL.
func TestServeInboxEndToEnd(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			agent := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "desk", "--role", "social_agent", "--org", "general"}, be.flags...)...))
			other := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "desk", "--role", "social_agent", "--org", "other"}, be.flags...)...))
			cfg := filepath.Join(t.TempDir(), "inbox.json")
			if err := os.WriteFile(cfg, []byte(`{"orgs": {"general": {
				"identity": {"names": ["General Hospital"]},
				"sla": {"first_response_minutes": 60},
				"calendar": {"time_zone": "America/Chicago", "hours": {"mon": ["08:00-17:00"]}},
				"webhook": {"secrets_env": "TEST_WEBHOOK_SECRETS", "account_id": "reviews"}}}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			secret := "a-webhook-secret-of-some-length"
			getenv := func(k string) string {
				if k == "TEST_WEBHOOK_SECRETS" {
					return "old-secret-of-enough-length," + secret
				}
				return ""
			}
			base, stop := startInboxServer(t, getenv, append([]string{"--inbox-config", cfg}, be.flags...))

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/inbox/events", nil)
			req.Header.Set("Authorization", "Bearer "+agent)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("events = %v %v", resp, err)
			}
			defer resp.Body.Close()
			events := make(chan string, 8)
			go func() {
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
						events <- d
					}
				}
			}()

			body := `{"items":[{"source":"reviews-site","id":"r-9","kind":"review","text":"The night nurses were wonderful","rating":5,"created_at":"2026-11-21T10:00:00Z"}]}`
			for i := range 3 {
				req, _ := http.NewRequest("POST", base+"/hooks/webhook/general", strings.NewReader(body))
				req.Header.Set("X-Rapport-Signature", webhook.Sign(secret, time.Now(), []byte(body)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					t.Fatalf("delivery %d = %d", i, resp.StatusCode)
				}
			}
			select {
			case d := <-events:
				var ev map[string]any
				json.Unmarshal([]byte(d), &ev)
				if ev["type"] != "item.new" || ev["network"] != "webhook" || strings.Contains(d, "nurses") {
					t.Errorf("event %s, want item.new for the review without its text", d)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no event within 10 s")
			}
			list := func(token string) []any {
				req, _ := http.NewRequest("GET", base+"/api/v1/inbox/conversations", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string][]any
				json.NewDecoder(resp.Body).Decode(&out)
				return out["conversations"]
			}
			if got := list(agent); len(got) != 1 || got[0].(map[string]any)["sla"] == nil {
				t.Errorf("agent's conversations = %v, want one with SLA timers", got)
			}
			if got := list(other); len(got) != 0 {
				t.Errorf("the other organisation sees %d conversations, want 0", len(got))
			}
			// The server shuts down promptly with the event stream open.
			start := time.Now()
			stop()
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("shutdown with an open event stream took %v", d)
			}
		})
	}
}

// startInboxServer runs serve with getenv and returns its URL and a stop
// function that also checks that no item text reached the logs.
func startInboxServer(t *testing.T, getenv func(string) string, flags []string) (string, func()) {
	t.Helper()
	base, logs, stop := startServer(t, getenv, flags...)
	return base, func() {
		stop()
		if strings.Contains(logs.String(), "nurses") {
			t.Error("an item's text reached the logs")
		}
	}
}
