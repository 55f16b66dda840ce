package inbox

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/meta"
)

// A reply to a Facebook comment and a Messenger answer reach the Graph API
// endpoints Meta documents (POST /{comment-id}/comments, POST /me/messages).
func TestMetaConnectorRoutes(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/C1/comments" {
			if v, _ := url.ParseQuery(string(body)); v.Get("message") != "Thanks!" {
				t.Errorf("comment reply body %q, want message=Thanks!", body)
			}
		}
		io.WriteString(w, `{"id":"R1","recipient_id":"PSID1","message_id":"mid.1"}`)
	}))
	defer srv.Close()
	g, err := meta.NewGraphClient(meta.GraphConfig{BaseURL: srv.URL, PageToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewMetaConnector(rapport.NetworkFacebook, g)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if ref, err := c.Publish(ctx, rapport.Post{Text: "Thanks!", InReplyTo: "C1"}); err != nil || ref.NetworkID != "R1" {
		t.Errorf("Publish = %+v, %v; want R1", ref, err)
	}
	if _, err := c.Publish(ctx, rapport.Post{Text: "new post"}); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("Publish without InReplyTo = %v, want EINVALID", err)
	}
	if _, err := c.SendDM(ctx, "PSID1", "Hello"); err != nil {
		t.Errorf("SendDM: %v", err)
	}
	ig, _ := NewMetaConnector(rapport.NetworkInstagram, g)
	if _, err := ig.Publish(ctx, rapport.Post{Text: "Thanks!", InReplyTo: "IGC1"}); err != nil {
		t.Errorf("Instagram Publish: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"POST /C1/comments", "POST /me/messages", "POST /IGC1/replies"}
	if len(got) != len(want) {
		t.Fatalf("Graph calls %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Graph call %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := NewMetaConnector(rapport.NetworkMastodon, g); err == nil {
		t.Error("NewMetaConnector(mastodon) succeeded")
	}
}
