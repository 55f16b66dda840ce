package mastodontest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, s *Server, path, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// The stand-in follows the documented wire format: newest first, Link
// next/prev with max_id/min_id, rate-limit headers, 401 error body.
func TestNotificationsWireFormat(t *testing.T) {
	s := NewServer()
	defer s.Close()
	clinic, ct := s.CreateAccount("clinic", "Clinic")
	_, pt := s.CreateAccount("pat", "Pat")
	var ids []string
	for i := range 5 {
		st, err := s.Post(pt, "@clinic hi "+strconv.Itoa(i), "public", "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, st.ID)
	}
	s.AddNotification(clinic.ID, "follow", clinic.ID)

	resp := get(t, s, "/api/v1/notifications?types[]=mention&limit=2", ct)
	var page []struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Status struct {
			ID      string `json:"id"`
			Content string `json:"content"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].Status.ID != ids[4] || page[1].Status.ID != ids[3] {
		t.Fatalf("first page = %+v, want the two newest mentions, newest first", page)
	}
	if !strings.Contains(page[0].Status.Content, `class="u-url mention"`) {
		t.Errorf("content %q lacks Mastodon's mention markup", page[0].Status.Content)
	}
	link := resp.Header.Get("Link")
	parts := strings.Split(link, ", ")
	if len(parts) != 2 || !strings.HasSuffix(parts[0], `>; rel="next"`) || !strings.HasSuffix(parts[1], `>; rel="prev"`) {
		t.Fatalf("Link = %q, want next and prev", link)
	}
	for i, want := range []string{"max_id=" + page[1].ID, "min_id=" + page[0].ID} {
		u, err := url.Parse(strings.TrimPrefix(strings.SplitN(parts[i], ">", 2)[0], "<"))
		if err != nil || !strings.Contains(u.RawQuery, want) || u.Query().Get("types[]") != "mention" {
			t.Errorf("Link part %q lacks %q or keeps no types[] filter", parts[i], want)
		}
	}
	if resp.Header.Get("X-RateLimit-Limit") != "300" || resp.Header.Get("X-RateLimit-Remaining") != "299" {
		t.Errorf("rate-limit headers = %q/%q, want 300/299", resp.Header.Get("X-RateLimit-Limit"), resp.Header.Get("X-RateLimit-Remaining"))
	}
	if _, err := time.Parse(time.RFC3339Nano, resp.Header.Get("X-RateLimit-Reset")); err != nil {
		t.Errorf("X-RateLimit-Reset %q is not ISO 8601: %v", resp.Header.Get("X-RateLimit-Reset"), err)
	}
	if r := get(t, s, "/api/v1/notifications", "nope"); r.StatusCode != 401 {
		t.Errorf("bad token status = %d, want 401", r.StatusCode)
	}
	s.Force429(1)
	if r := get(t, s, "/api/v1/notifications", ct); r.StatusCode != 429 || r.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("forced 429 = %d remaining %q, want 429 remaining 0", r.StatusCode, r.Header.Get("X-RateLimit-Remaining"))
	}
	s.SetRateLimit(1, time.Hour)
	get(t, s, "/api/v1/accounts/verify_credentials", ct)
	if r := get(t, s, "/api/v1/accounts/verify_credentials", ct); r.StatusCode != 429 {
		t.Errorf("over budget = %d, want 429", r.StatusCode)
	}
}
