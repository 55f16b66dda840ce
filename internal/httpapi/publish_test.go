package httpapi_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rapport-health/rapport/internal/httpapi"
	"github.com/rapport-health/rapport/internal/publish"
	"github.com/rapport-health/rapport/phi"
)

func TestPublishAPI(t *testing.T) {
	f := setup(t)
	svc := publish.NewService(f.store, phi.NewGuard(phi.NewDetector(phi.Config{}), phi.Org{}), nil)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Store: f.store, Publish: svc}))
	t.Cleanup(srv.Close)
	f.srv = srv
	author, acsrf, _ := f.login(t, "mark@general.org", "a long enough password")
	admin, rcsrf, _ := f.login(t, "admin@general.org", "a long enough password")
	u := srv.URL

	if code, _ := do(t, admin, "PUT", u+"/api/v1/publish/rules", rcsrf, `{"banned":["miracle cure"],"required":["#GeneralHealth"]}`); code != 200 {
		t.Fatalf("set rules = %d", code)
	}
	if code, _ := do(t, author, "PUT", u+"/api/v1/publish/rules", acsrf, `{"banned":[],"required":[]}`); code != 403 {
		t.Errorf("author sets rules = %d, want 403", code)
	}
	at := time.Date(2030, 5, 6, 15, 0, 0, 0, time.UTC)
	code, p := do(t, author, "POST", u+"/api/v1/posts", acsrf,
		fmt.Sprintf(`{"text":"Our miracle cure for waiting rooms","account_ids":["masto"],"scheduled_at":%q}`, at.Format(time.RFC3339)))
	if code != 201 || p["status"] != "draft" {
		t.Fatalf("create = %d %v", code, p)
	}
	id := p["id"].(string)
	if code, _ := do(t, author, "POST", u+"/api/v1/posts/"+id+"/submit", "", `{"version":1}`); code != 403 {
		t.Errorf("submit without CSRF = %d, want 403", code)
	}
	code, out := do(t, author, "POST", u+"/api/v1/posts/"+id+"/submit", acsrf, `{"version":1}`)
	check, _ := out["check"].(map[string]any)
	if code != 400 || check == nil || check["blocked"] != true || len(check["reasons"].([]any)) != 2 {
		t.Fatalf("submit a banned phrase = %d %v, want 400 with 2 reasons", code, out)
	}
	code, out = do(t, author, "POST", u+"/api/v1/posts/check", acsrf, `{"text":"Shorter waits this spring #GeneralHealth"}`)
	if code != 200 || out["blocked"] != false {
		t.Errorf("check a clean text = %d %v", code, out)
	}
	code, p = do(t, author, "PUT", u+"/api/v1/posts/"+id, acsrf,
		fmt.Sprintf(`{"text":"Shorter waits this spring #GeneralHealth","account_ids":["masto"],"scheduled_at":%q,"version":1}`, at.Format(time.RFC3339)))
	if code != 200 || p["version"] != float64(2) {
		t.Fatalf("edit = %d %v", code, p)
	}
	if code, out := do(t, author, "POST", u+"/api/v1/posts/"+id+"/submit", acsrf, `{"version":2}`); code != 200 {
		t.Fatalf("submit = %d %v", code, out)
	}
	if code, _ := do(t, author, "POST", u+"/api/v1/posts/"+id+"/approve", acsrf, `{"version":2}`); code != 403 {
		t.Errorf("author approves = %d, want 403", code)
	}
	code, out = do(t, admin, "POST", u+"/api/v1/posts/"+id+"/approve", rcsrf, `{"version":2,"note":"ok"}`)
	post, _ := out["post"].(map[string]any)
	if code != 200 || post["status"] != "approved" || len(post["targets"].([]any)) != 1 {
		t.Fatalf("approve = %d %v", code, out)
	}
	tests := []struct {
		query string
		code  int
		posts int
	}{
		{"?from=2030-05-06&to=2030-05-07", 200, 1},
		{"?from=2030-05-07", 200, 0},
		{"?from=2030-05-01T00:00:00Z", 200, 1},
		{"?from=yesterday", 400, 0},
		{"?from=2030-05-07&to=2030-05-06", 400, 0},
	}
	for _, tt := range tests {
		code, out := do(t, author, "GET", u+"/api/v1/publish/calendar"+tt.query, "", "")
		posts, _ := out["posts"].([]any)
		if code != tt.code || len(posts) != tt.posts {
			t.Errorf("calendar%s = %d with %d posts, want %d with %d", tt.query, code, len(posts), tt.code, tt.posts)
		}
	}
}

func TestCalendarRange(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) // a Saturday
	from, to, err := httpapi.CalendarRange("", "", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC); !from.Equal(want) || !to.Equal(want.AddDate(0, 0, 35)) {
		t.Errorf("CalendarRange default = %v..%v, want from Monday %v for 35 days", from, to, want)
	}
}
