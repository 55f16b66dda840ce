package inbox

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/bluesky"
	"github.com/rapport-health/rapport/internal/bluesky/pdstest"
	"github.com/rapport-health/rapport/phi"
)

// End to end against a real local AT Protocol network (PLC, PDS, AppView):
// a patient mentions the hospital, the poller brings the mention into the
// inbox, an unsafe reply is blocked and never reaches the PDS, and the
// fixed reply is published there as a reply to the mention. Skipped with
// -short; without node/PostgreSQL/Redis it skips, or fails when CI=true.
func TestBlueskyEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local PDS")
	}
	n := pdstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	hospital, err := n.CreateAccount(ctx, "inboxhosp")
	if err != nil {
		t.Fatal(err)
	}
	patient, err := n.CreateAccount(ctx, "inboxpat")
	if err != nil {
		t.Fatal(err)
	}
	hospPW, err := n.AppPassword(ctx, hospital, "rapport")
	if err != nil {
		t.Fatal(err)
	}
	patPW, err := n.AppPassword(ctx, patient, "phone")
	if err != nil {
		t.Fatal(err)
	}
	hosp, err := bluesky.New(bluesky.Config{Service: n.PDSURL, Identifier: hospital.Handle, AppPassword: hospPW, AccountID: "bsky-main"})
	if err != nil {
		t.Fatal(err)
	}
	pat, err := bluesky.New(bluesky.Config{Service: n.PDSURL, Identifier: patient.Handle, AppPassword: patPW, AccountID: "patient"})
	if err != nil {
		t.Fatal(err)
	}
	mention, err := pat.Publish(ctx, rapport.Post{Text: "@" + hospital.Handle + " I waited three hours in your ER. Terrible."})
	if err != nil {
		t.Fatalf("patient Publish: %v", err)
	}
	if err := n.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, OrgConfig{Identity: phi.Org{Names: []string{"Riverside Health"}, Phones: []string{"555-0100"}}})
	acct := Account{OrgID: e.org.ID, AccountID: "bsky-main", Conn: hosp}
	e.reg.Add(acct)
	events, stop, _ := e.svc.Subscribe(e.agent)
	defer stop()
	p := NewPoller(e.svc, e.reg, 0)
	if got, err := p.Poll(ctx, acct); err != nil || got != 1 {
		t.Fatalf("Poll = %d, %v; want the mention", got, err)
	}
	ev := <-events
	if ev.Type != "item.new" || ev.Network != rapport.NetworkBluesky || ev.Intent != "complaint" {
		t.Errorf("event %+v, want a new Bluesky complaint", ev)
	}
	d, err := e.store.Conversation(ctx, e.agent, ev.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Items[0].NetworkID != mention.NetworkID {
		t.Fatalf("item %s, want the mention %s", d.Items[0].NetworkID, mention.NetworkID)
	}
	if _, err := e.svc.Reply(ctx, e.agent, d.ID, "", "We reviewed your chart and your visit was handled correctly."); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Fatalf("unsafe reply = %v, want blocked", err)
	}
	posts := func() []pdstest.Record {
		recs, err := n.ListRecords(ctx, hospital.DID, "app.bsky.feed.post")
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	if got := posts(); len(got) != 0 {
		t.Fatalf("a blocked reply reached the PDS: %d posts", len(got))
	}
	out, err := e.svc.Reply(ctx, e.agent, d.ID, "", "We're sorry to hear this. Please call our Patient Relations team at 555-0100.")
	if err != nil {
		t.Fatalf("Reply: %v", err)
	}
	got := posts()
	if len(got) != 1 || got[0].URI != out.Reply.NetworkID {
		t.Fatalf("PDS posts %+v, want the reply %s", got, out.Reply.NetworkID)
	}
	var rec struct {
		Text  string `json:"text"`
		Reply struct {
			Parent struct {
				URI string `json:"uri"`
			} `json:"parent"`
		} `json:"reply"`
	}
	if err := json.Unmarshal(got[0].Value, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Reply.Parent.URI != mention.NetworkID || !strings.Contains(rec.Text, "Patient Relations") {
		t.Errorf("PDS reply %+v, want the safe text answering %s", rec, mention.NetworkID)
	}
}
