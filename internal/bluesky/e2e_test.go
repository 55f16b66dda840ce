package bluesky_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/bluesky"
	"github.com/rapport-health/rapport/internal/bluesky/pdstest"
)

// memSessions is a SessionStore in memory that counts saves.
type memSessions struct {
	mu    sync.Mutex
	m     map[string]bluesky.Session
	saves int
}

func (s *memSessions) LoadSession(_ context.Context, id string) (bluesky.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[id]; ok {
		return v, nil
	}
	return bluesky.Session{}, rapport.Errorf(rapport.ENOTFOUND, "no session")
}

func (s *memSessions) SaveSession(_ context.Context, id string, v bluesky.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]bluesky.Session{}
	}
	s.m[id] = v
	s.saves++
	return nil
}

func (s *memSessions) get(id string) bluesky.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

// postView is the part of a post record the test checks on the PDS.
type postView struct {
	Text  string `json:"text"`
	Reply *struct {
		Root   struct{ URI, CID string } `json:"root"`
		Parent struct{ URI, CID string } `json:"parent"`
	} `json:"reply"`
	Facets []struct {
		Index struct {
			ByteStart int `json:"byteStart"`
			ByteEnd   int `json:"byteEnd"`
		} `json:"index"`
		Features []struct {
			Type string `json:"$type"`
			DID  string `json:"did"`
			URI  string `json:"uri"`
		} `json:"features"`
	} `json:"facets"`
}

func rkeyOf(t *testing.T, uri string) (repo, rkey string) {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(uri, "at://"), "/")
	if len(parts) != 3 || parts[1] != "app.bsky.feed.post" {
		t.Fatalf("%q is not a post URI", uri)
	}
	return parts[0], parts[2]
}

func readPost(t *testing.T, ctx context.Context, n *pdstest.Network, uri string) (pdstest.Record, postView) {
	t.Helper()
	repo, rkey := rkeyOf(t, uri)
	rec, err := n.GetRecord(ctx, repo, "app.bsky.feed.post", rkey)
	if err != nil {
		t.Fatalf("GetRecord(%s): %v", uri, err)
	}
	var v postView
	if err := json.Unmarshal(rec.Value, &v); err != nil {
		t.Fatalf("decode %s: %v", uri, err)
	}
	return rec, v
}

// TestEndToEnd runs the connector against a real local PDS and AppView: a
// patient mentions the hospital, the hospital's connector fetches the
// mention and replies, and the reply is read back from the PDS.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local PDS")
	}
	n := pdstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	hospital, err := n.CreateAccount(ctx, "hospital")
	if err != nil {
		t.Fatal(err)
	}
	patient, err := n.CreateAccount(ctx, "patient")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.CreateRecord(ctx, patient, "app.bsky.actor.profile", map[string]any{
		"$type": "app.bsky.actor.profile", "displayName": "Pat Example",
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.CreateRecord(ctx, patient, "app.bsky.graph.follow", map[string]any{
		"$type": "app.bsky.graph.follow", "subject": hospital.DID, "createdAt": time.Now().UTC().Format(time.RFC3339),
	}); err != nil {
		t.Fatal(err)
	}
	hospitalPW, err := n.AppPassword(ctx, hospital, "rapport")
	if err != nil {
		t.Fatal(err)
	}
	patientPW, err := n.AppPassword(ctx, patient, "phone")
	if err != nil {
		t.Fatal(err)
	}
	store := &memSessions{}
	newHospital := func(t *testing.T, pw string, mod func(*bluesky.Config)) *bluesky.Connector {
		t.Helper()
		cfg := bluesky.Config{Service: n.PDSURL, Identifier: hospital.Handle, AppPassword: pw,
			AccountID: "acct-hospital", Sessions: store}
		if mod != nil {
			mod(&cfg)
		}
		c, err := bluesky.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	hosp := newHospital(t, hospitalPW, nil)
	pat, err := bluesky.New(bluesky.Config{Service: n.PDSURL, Identifier: patient.Handle, AppPassword: patientPW, AccountID: "acct-patient"})
	if err != nil {
		t.Fatal(err)
	}
	sync := func(t *testing.T) {
		t.Helper()
		if err := n.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// The patient mentions the hospital, from their own client.
	const mentionText = "Hi @hospital.test my appointment was moved, can you help? https://example.org/appt"
	mention, err := pat.Publish(ctx, rapport.Post{Text: mentionText})
	if err != nil {
		t.Fatalf("patient Publish: %v", err)
	}
	mentionRec, mentionView := readPost(t, ctx, n, mention.NetworkID)
	t.Run("mention facets", func(t *testing.T) {
		if len(mentionView.Facets) != 2 {
			t.Fatalf("facets = %+v, want a mention and a link", mentionView.Facets)
		}
		m, l := mentionView.Facets[0], mentionView.Facets[1]
		if got := mentionText[m.Index.ByteStart:m.Index.ByteEnd]; got != "@hospital.test" || m.Features[0].DID != hospital.DID {
			t.Errorf("mention facet covers %q with DID %q, want @hospital.test with %q", got, m.Features[0].DID, hospital.DID)
		}
		if got := mentionText[l.Index.ByteStart:l.Index.ByteEnd]; got != "https://example.org/appt" || l.Features[0].URI != got {
			t.Errorf("link facet covers %q with URI %q, want the link", got, l.Features[0].URI)
		}
	})
	sync(t)

	// The hospital's inbox fetches it.
	items, cur1, err := hosp.Fetch(ctx, "")
	if err != nil {
		t.Fatalf("Fetch(\"\"): %v", err)
	}
	if len(items) != 1 {
		t.Fatalf("Fetch(\"\") = %d items, want 1: %+v", len(items), items)
	}
	got := items[0]
	want := rapport.SocialItem{
		Network: rapport.NetworkBluesky, AccountID: "acct-hospital", NetworkID: mention.NetworkID,
		Kind: rapport.KindMention, AuthorID: patient.DID, AuthorHandle: "patient.test", AuthorName: "Pat Example",
		Text: mentionText, URL: mention.URL,
	}
	got.CreatedAt = time.Time{}
	if got != want {
		t.Errorf("Fetch item =\n%+v\nwant\n%+v", got, want)
	}
	if age := time.Since(items[0].CreatedAt); age < 0 || age > time.Minute {
		t.Errorf("item CreatedAt = %v, want within the last minute", items[0].CreatedAt)
	}
	if cur1 == "" {
		t.Fatal("Fetch returned an empty cursor after an item")
	}

	// The hospital replies; the reply is on the PDS with strong refs.
	reply, err := hosp.Publish(ctx, rapport.Post{Text: "We're sorry about that. Please send us a direct message and we'll sort it out.",
		InReplyTo: got.NetworkID, IdempotencyKey: "reply-1"})
	if err != nil {
		t.Fatalf("hospital Publish reply: %v", err)
	}
	if !strings.HasPrefix(reply.NetworkID, "at://"+hospital.DID+"/app.bsky.feed.post/") {
		t.Fatalf("reply NetworkID = %q, want a post in the hospital's repo", reply.NetworkID)
	}
	_, replyView := readPost(t, ctx, n, reply.NetworkID)
	if replyView.Reply == nil {
		t.Fatal("reply record has no reply refs")
	}
	if r := replyView.Reply; r.Root.URI != mention.NetworkID || r.Root.CID != mentionRec.CID ||
		r.Parent.URI != mention.NetworkID || r.Parent.CID != mentionRec.CID {
		t.Errorf("reply refs = %+v, want root and parent %s (cid %s)", *r, mention.NetworkID, mentionRec.CID)
	}

	t.Run("publish is idempotent", func(t *testing.T) {
		again, err := hosp.Publish(ctx, rapport.Post{Text: "a retry of the same job", InReplyTo: got.NetworkID, IdempotencyKey: "reply-1"})
		if err != nil {
			t.Fatal(err)
		}
		if again.NetworkID != reply.NetworkID {
			t.Errorf("Publish retry = %s, want the first post %s", again.NetworkID, reply.NetworkID)
		}
		recs, err := n.ListRecords(ctx, hospital.DID, "app.bsky.feed.post")
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 {
			t.Errorf("hospital has %d posts after a retried publish, want 1", len(recs))
		}
	})
	sync(t)

	t.Run("cursor returns nothing new", func(t *testing.T) {
		items, cur, err := hosp.Fetch(ctx, cur1)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 0 || cur != cur1 {
			t.Errorf("Fetch(cur1) = %d items, cursor %q; want 0 and the same cursor %q", len(items), cur, cur1)
		}
	})

	// The patient answers the hospital's reply: a reply in the same thread.
	back, err := pat.Publish(ctx, rapport.Post{Text: "Thanks, sending a message now.", InReplyTo: reply.NetworkID})
	if err != nil {
		t.Fatal(err)
	}
	_, backView := readPost(t, ctx, n, back.NetworkID)
	if backView.Reply == nil || backView.Reply.Root.URI != mention.NetworkID || backView.Reply.Parent.URI != reply.NetworkID {
		t.Fatalf("patient reply refs = %+v, want root %s parent %s", backView.Reply, mention.NetworkID, reply.NetworkID)
	}
	sync(t)
	items, cur2, err := hosp.Fetch(ctx, cur1)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("Fetch(cur1) after a reply = %d items, want 1: %+v", len(items), items)
	}
	if it := items[0]; it.Kind != rapport.KindReply || it.NetworkID != back.NetworkID || it.ParentID != reply.NetworkID || it.RootID != mention.NetworkID || it.AuthorID != patient.DID {
		t.Errorf("reply item = %+v, want kind reply %s with parent %s and root %s by %s", it, back.NetworkID, reply.NetworkID, mention.NetworkID, patient.DID)
	}
	if items, _, err := hosp.Fetch(ctx, cur2); err != nil || len(items) != 0 {
		t.Errorf("Fetch(cur2) = %d items, %v; want 0, nil", len(items), err)
	}

	t.Run("pages", func(t *testing.T) {
		const count = 7
		for i := range count {
			if _, err := pat.Publish(ctx, rapport.Post{Text: fmt.Sprintf("@hospital.test question %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		sync(t)
		small := newHospital(t, hospitalPW, func(c *bluesky.Config) { c.PageSize = 3 })
		items, cur, err := small.Fetch(ctx, cur2)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != count {
			t.Fatalf("Fetch over pages of 3 = %d items, want %d", len(items), count)
		}
		for i, it := range items {
			if want := fmt.Sprintf("@hospital.test question %d", i); it.Text != want {
				t.Errorf("item %d text = %q, want %q (oldest first)", i, it.Text, want)
			}
		}
		if items, _, err := small.Fetch(ctx, cur); err != nil || len(items) != 0 {
			t.Errorf("Fetch(after pages) = %d items, %v; want 0, nil", len(items), err)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		m, err := hosp.Metrics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Followers != 1 || m.Following != 0 || m.Posts != 1 {
			t.Errorf("Metrics = %+v, want 1 follower, 0 following, 1 post", m)
		}
	})

	t.Run("stored session is reused and refreshed", func(t *testing.T) {
		s := store.get("acct-hospital")
		if s.DID != hospital.DID || s.AccessJWT == "" || s.RefreshJWT == "" {
			t.Fatalf("stored session = %v with tokens %t/%t, want the hospital's full session", s, s.AccessJWT != "", s.RefreshJWT != "")
		}
		// A wrong app password proves the stored session is what is used;
		// a broken access token forces a real refreshSession on the PDS.
		broken := s
		broken.AccessJWT = "not-a-jwt"
		if err := store.SaveSession(ctx, "acct-hospital", broken); err != nil {
			t.Fatal(err)
		}
		c := newHospital(t, "wrong-app-password", nil)
		if _, _, err := c.Fetch(ctx, cur2); err != nil {
			t.Fatalf("Fetch with a stored session and a broken access token: %v", err)
		}
		after := store.get("acct-hospital")
		if after.AccessJWT == "" || after.AccessJWT == "not-a-jwt" || after.RefreshJWT == "" || after.RefreshJWT == s.RefreshJWT {
			t.Errorf("after refresh the stored tokens were not replaced by fresh ones")
		}
	})

	t.Run("wrong app password", func(t *testing.T) {
		c, err := bluesky.New(bluesky.Config{Service: n.PDSURL, Identifier: hospital.Handle, AppPassword: "wrong", AccountID: "x"})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Fetch(ctx, "")
		if code := rapport.ErrorCode(err); code != rapport.EUNAUTHORIZED {
			t.Errorf("Fetch with a wrong app password: code %q (%v), want %q", code, err, rapport.EUNAUTHORIZED)
		}
	})

	t.Run("reply to a missing post", func(t *testing.T) {
		_, err := hosp.Publish(ctx, rapport.Post{Text: "hello", InReplyTo: "at://" + patient.DID + "/app.bsky.feed.post/3zzzzzzzzzzzz"})
		if code := rapport.ErrorCode(err); code != rapport.ENOTFOUND {
			t.Errorf("Publish reply to a missing post: code %q (%v), want %q", code, err, rapport.ENOTFOUND)
		}
	})

	t.Run("direct messages", func(t *testing.T) {
		_, err := hosp.SendDM(ctx, patient.DID, "hello")
		if code := rapport.ErrorCode(err); code != bluesky.EUNSUPPORTED {
			t.Errorf("SendDM without a chat service: code %q (%v), want %q", code, err, bluesky.EUNSUPPORTED)
		}
		// dev-env runs no chat service: the PDS cannot route the proxy, and
		// the connector must report that as an error, not succeed or panic.
		c := newHospital(t, hospitalPW, func(c *bluesky.Config) { c.ChatProxy = n.AppViewDID + "#bsky_chat" })
		ref, err := c.SendDM(ctx, patient.DID, "hello")
		if err == nil {
			t.Fatalf("SendDM through a service that does not exist = %+v, want an error", ref)
		}
		t.Logf("SendDM with no chat service behind the proxy: %s: %v", rapport.ErrorCode(err), err)
	})
}
