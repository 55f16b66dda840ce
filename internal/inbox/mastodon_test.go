package inbox

import (
	"context"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/mastodon"
	"github.com/rapport-health/rapport/internal/mastodon/mastodontest"
	"github.com/rapport-health/rapport/phi"
)

// With the real Mastodon client against the stand-in server: a mention is
// polled into the inbox, an unsafe reply is blocked and never reaches the
// server, and the fixed reply is posted in reply to the mention.
func TestMastodonPollAndGuardedReply(t *testing.T) {
	srv := mastodontest.NewServer()
	defer srv.Close()
	hosp, hospTok := srv.CreateAccount("riverside", "Riverside Health")
	_, annTok := srv.CreateAccount("ann", "Ann")
	mention, err := srv.Post(annTok, "@riverside I waited three hours in your ER. Terrible.", "public", "")
	if err != nil {
		t.Fatal(err)
	}
	client, err := mastodon.New(mastodon.Config{Server: srv.URL, Token: hospTok})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, OrgConfig{Identity: phi.Org{Names: []string{"Riverside Health"}, Phones: []string{"555-0100"}}})
	acct := Account{OrgID: e.org.ID, AccountID: "masto-main", Conn: client}
	e.reg.Add(acct)
	ctx := context.Background()
	p := NewPoller(e.svc, e.reg, 0)
	if n, err := p.Poll(ctx, acct); err != nil || n != 1 {
		t.Fatalf("Poll = %d, %v; want 1 new item", n, err)
	}
	convs, err := e.store.Conversations(ctx, e.agent, fullFilter())
	if err != nil || len(convs) != 1 {
		t.Fatalf("Conversations = %v, %v", convs, err)
	}
	if _, err := e.svc.Reply(ctx, e.agent, convs[0].ID, "", "Ann, we reviewed your chart and your visit was handled correctly."); err == nil {
		t.Fatal("unsafe reply was not blocked")
	}
	if got := srv.StatusesBy(hosp.ID); len(got) != 0 {
		t.Fatalf("a blocked reply reached the server: %d statuses", len(got))
	}
	out, err := e.svc.Reply(ctx, e.agent, convs[0].ID, "", "We're sorry to hear this. Please call our Patient Relations team at 555-0100.")
	if err != nil {
		t.Fatalf("Reply: %v", err)
	}
	got := srv.StatusesBy(hosp.ID)
	if len(got) != 1 || got[0].InReplyToID == nil || *got[0].InReplyToID != mention.ID || got[0].ID != out.Reply.NetworkID {
		t.Fatalf("server statuses %+v, want one reply to %s recorded as %s", got, mention.ID, out.Reply.NetworkID)
	}
	// The next poll brings nothing new: the cursor moved past the mention.
	if n, err := p.Poll(ctx, acct); err != nil || n != 0 {
		t.Errorf("second Poll = %d, %v; want 0", n, err)
	}
}

func fullFilter() rapport.ConversationFilter { return rapport.ConversationFilter{Limit: 1000} }
