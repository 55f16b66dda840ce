package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport/internal/mastodon/mastodontest"
)

// TestPublishingEndToEnd runs serve on each database: an agent drafts a
// scheduled post, an admin approves it, the publisher posts it to the
// Mastodon stand-in once, and the calendar shows it.
func TestPublishingEndToEnd(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			masto := mastodontest.NewServer()
			defer masto.Close()
			hosp, token := masto.CreateAccount("generalhospital", "General Hospital")
			const password = "a long enough password"
			for _, u := range []struct{ email, role string }{{"agent@general.org", "social_agent"}, {"admin@general.org", "admin"}} {
				var out, errb syncBuffer
				e := &env{stdin: strings.NewReader(password + "\n"), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
				args := append(append([]string{"admin", "user"}, be.flags...), "--org", "general", "--email", u.email, "--role", u.role, "create")
				if err := run(context.Background(), e, args); err != nil {
					t.Fatalf("admin user create: %v\n%s", err, errb.String())
				}
			}
			cfgPath := filepath.Join(t.TempDir(), "inbox.json")
			cfg := fmt.Sprintf(`{"orgs":{"general":{"identity":{"names":["General Hospital"],"phones":["555-0100"]},
				"mastodon":[{"account_id":"masto","server":%q,"token_env":"MASTO_TOKEN"}]}}}`, masto.URL)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			base := startDashboard(t, func(k string) string { return map[string]string{"MASTO_TOKEN": token}[k] },
				append(append([]string{}, be.flags...), "--inbox-config", cfgPath, "--publish-poll", "100ms"))

			login := func(email string) (*http.Client, string) {
				jar, _ := cookiejar.New(nil)
				c := &http.Client{Jar: jar}
				body, _ := json.Marshal(map[string]string{"org": "general", "email": email, "password": password})
				resp, err := c.Post(base+"/api/v1/login", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]string
				json.NewDecoder(resp.Body).Decode(&out)
				return c, out["csrf_token"]
			}
			call := func(c *http.Client, csrf, method, path, body string) (int, map[string]any) {
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", csrf)
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]any
				json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out
			}
			agent, acsrf := login("agent@general.org")
			admin, rcsrf := login("admin@general.org")
			at := time.Now().UTC().Add(time.Second).Truncate(time.Second)
			text := "Flu shots are free this Saturday. Questions? Call General Hospital at 555-0100."
			code, p := call(agent, acsrf, "POST", "/api/v1/posts", fmt.Sprintf(`{"text":%q,"account_ids":["masto"],"scheduled_at":%q}`, text, at.Format(time.RFC3339)))
			if code != 201 {
				t.Fatalf("create = %d %v", code, p)
			}
			id := p["id"].(string)
			if code, out := call(agent, acsrf, "POST", "/api/v1/posts/"+id+"/submit", `{"version":1}`); code != 200 {
				t.Fatalf("submit = %d %v", code, out)
			}
			if code, out := call(admin, rcsrf, "POST", "/api/v1/posts/"+id+"/approve", `{"version":1}`); code != 200 {
				t.Fatalf("approve = %d %v", code, out)
			}
			day := at.Format(time.DateOnly)
			if code, out := call(agent, acsrf, "GET", "/api/v1/publish/calendar?from="+day, ""); code != 200 || len(out["posts"].([]any)) != 1 {
				t.Errorf("calendar from %s = %d %v, want the post", day, code, out)
			}
			var post map[string]any
			for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				_, post = call(agent, acsrf, "GET", "/api/v1/posts/"+id, "")
				if post["status"] == "published" {
					break
				}
			}
			statuses := masto.StatusesBy(hosp.ID)
			if post["status"] != "published" || len(statuses) != 1 {
				t.Fatalf("post = %v; statuses = %d, want published once", post, len(statuses))
			}
			target := post["targets"].([]any)[0].(map[string]any)
			if target["network_id"] != statuses[0].ID || !statuses[0].CreatedAt.After(at.Add(-time.Second)) {
				t.Errorf("target %v, status %s at %v; want the status id, not before the schedule %v", target, statuses[0].ID, statuses[0].CreatedAt, at)
			}
			resp, err := agent.Get(base + "/app/publish/calendar?from=" + day)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(page), `data-post-id="`+id+`"`) {
				t.Errorf("calendar page = %d, lacks the post", resp.StatusCode)
			}
		})
	}
}
