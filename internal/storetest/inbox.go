package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/sqlstore"
)

// agentActor creates a social agent in org and returns its actor.
func (f *fixture) agent(t *testing.T, orgID, email string) rapport.Actor {
	t.Helper()
	u := &rapport.User{OrgID: orgID, Email: email, Role: rapport.RoleAgent, PasswordHash: "$argon2id$test"}
	if err := f.s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return rapport.Actor{OrgID: orgID, Role: rapport.RoleAgent, UserID: u.ID, Name: email, Addr: "test"}
}

func inboxItem(networkID, parent, root, text string) *rapport.InboxItem {
	return &rapport.InboxItem{
		SocialItem: rapport.SocialItem{Network: rapport.NetworkMastodon, AccountID: "acct-1", NetworkID: networkID,
			ParentID: parent, RootID: root, Kind: rapport.KindMention, AuthorID: "a-" + networkID, AuthorHandle: "someone",
			Text: text, CreatedAt: epoch},
		Triage: rapport.ItemTriage{Intent: "question", Urgency: 2},
		Queue:  "general",
	}
}

func (f *fixture) store(t *testing.T, actor rapport.Actor, items ...*rapport.InboxItem) []rapport.IngestResult {
	t.Helper()
	res, err := f.s.StoreItems(context.Background(), actor, items)
	if err != nil {
		t.Fatalf("StoreItems: %v", err)
	}
	return res
}

func testInboxDedupe(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	ag := f.agent(t, f.org.ID, "agent@general.org")
	first := f.store(t, ag, inboxItem("100", "", "", "hello"))
	if !first[0].New || !first[0].NewConversation {
		t.Fatalf("first delivery = %+v, want a new item in a new conversation", first[0])
	}
	// The same delivery 100 times, one by one and within one batch.
	var batch []*rapport.InboxItem
	for range 100 {
		res := f.store(t, ag, inboxItem("100", "", "", "hello"))
		if res[0].New || res[0].ItemID != first[0].ItemID {
			t.Fatalf("duplicate delivery = %+v, want the first item %s, not new", res[0], first[0].ItemID)
		}
		batch = append(batch, inboxItem("101", "", "", "again"))
	}
	res := f.store(t, ag, batch...)
	newCount := 0
	for _, r := range res {
		if r.New {
			newCount++
		}
		if r.ItemID != res[0].ItemID {
			t.Fatalf("duplicates within a batch got different ids %s and %s", r.ItemID, res[0].ItemID)
		}
	}
	if newCount != 1 {
		t.Errorf("a batch of 100 copies stored %d new items, want 1", newCount)
	}
	var n int
	if err := f.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_items`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("inbox_items has %d rows, want 2", n)
	}
	convs, err := f.s.Conversations(ctx, ag, rapport.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 {
		t.Errorf("Conversations = %d, want 2", len(convs))
	}
	// Validation names the field.
	bad := inboxItem("", "", "", "x")
	if _, err := f.s.StoreItems(ctx, ag, []*rapport.InboxItem{inboxItem("1", "", "", ""), bad}); rapport.ErrorCode(err) != rapport.EINVALID ||
		rapport.ErrorMessage(err) != "items[1].network_id: required" {
		t.Errorf("StoreItems(missing network id) = %v, want EINVALID naming items[1].network_id", err)
	}
}

func testInboxThreading(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	ag := f.agent(t, f.org.ID, "agent@general.org")
	root := f.store(t, ag, inboxItem("r1", "", "", "root"))[0]
	reply := f.store(t, ag, inboxItem("r2", "r1", "r1", "reply"))[0]
	deep := f.store(t, ag, inboxItem("r3", "r2", "r1", "reply to reply"))[0]
	other := f.store(t, ag, inboxItem("o1", "", "", "unrelated"))[0]
	for _, tc := range []struct {
		name string
		got  rapport.IngestResult
		want string
		new  bool
	}{
		{"reply to root", reply, root.ConversationID, false},
		{"reply to reply", deep, root.ConversationID, false},
		{"unrelated post", other, "", true},
	} {
		if tc.new {
			if !tc.got.NewConversation || tc.got.ConversationID == root.ConversationID {
				t.Errorf("%s: conversation %s (new %v), want a new conversation", tc.name, tc.got.ConversationID, tc.got.NewConversation)
			}
			continue
		}
		if tc.got.ConversationID != tc.want || tc.got.NewConversation {
			t.Errorf("%s: conversation %s (new %v), want %s", tc.name, tc.got.ConversationID, tc.got.NewConversation, tc.want)
		}
	}
	// A reply that arrives before the post it answers starts the thread;
	// the post then joins it.
	early := f.store(t, ag, inboxItem("late-2", "late-1", "late-1", "early reply"))[0]
	late := f.store(t, ag, inboxItem("late-1", "", "", "late root"))[0]
	if late.ConversationID != early.ConversationID || late.NewConversation {
		t.Errorf("late root joined %s (new %v), want %s", late.ConversationID, late.NewConversation, early.ConversationID)
	}
	// Direct messages without parent ids thread by author and account.
	dm := func(id, author string) *rapport.InboxItem {
		it := inboxItem(id, "", "", "private")
		it.Kind, it.Private, it.AuthorID = rapport.KindDM, true, author
		return it
	}
	dms := f.store(t, ag, dm("dm1", "ann"), dm("dm2", "ann"), dm("dm3", "bo"))
	if dms[1].ConversationID != dms[0].ConversationID || dms[2].ConversationID == dms[0].ConversationID {
		t.Errorf("DM conversations %s %s %s, want Ann's two together and Bo's apart", dms[0].ConversationID, dms[1].ConversationID, dms[2].ConversationID)
	}
	if r := f.store(t, ag, dm("dm4", "ann"))[0]; r.ConversationID != dms[0].ConversationID {
		t.Errorf("Ann's later DM joined %s, want %s", r.ConversationID, dms[0].ConversationID)
	}
	// The same network id on another network is another item.
	bs := inboxItem("r1", "", "", "bluesky")
	bs.Network = rapport.NetworkBluesky
	if r := f.store(t, ag, bs)[0]; !r.New || r.ConversationID == root.ConversationID {
		t.Errorf("same id on another network = %+v, want a new item in a new conversation", r)
	}
	// A new item reopens a resolved conversation; a crisis escalates it.
	if _, err := f.s.SetStatus(ctx, ag, root.ConversationID, rapport.StatusResolved); err != nil {
		t.Fatal(err)
	}
	crisis := inboxItem("r4", "r1", "r1", "crisis")
	crisis.Triage = rapport.ItemTriage{Intent: "crisis", Urgency: 4, Crisis: true}
	crisis.Queue = "on-call"
	f.store(t, ag, crisis)
	d, err := f.s.Conversation(ctx, ag, root.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != rapport.StatusOpen || !d.ResolvedAt.IsZero() || d.Queue != "on-call" || !d.Crisis || d.Urgency != 4 {
		t.Errorf("after a crisis reply: status %s resolved %v queue %s crisis %v urgency %d; want open, zero, on-call, true, 4",
			d.Status, d.ResolvedAt, d.Queue, d.Crisis, d.Urgency)
	}
	var ids []string
	for _, it := range d.Items {
		ids = append(ids, it.NetworkID)
	}
	if diff := cmp.Diff([]string{"r1", "r2", "r3", "r4"}, ids); diff != "" {
		t.Errorf("thread items (-want +got):\n%s", diff)
	}
	if d.Items[3].Triage.Intent != "crisis" || !d.Items[3].Triage.Crisis {
		t.Errorf("stored triage = %+v, want the crisis triage back", d.Items[3].Triage)
	}
}

func testInboxWork(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	a1 := f.agent(t, f.org.ID, "one@general.org")
	a2 := f.agent(t, f.org.ID, "two@general.org")
	var convs []string
	for i := range 4 {
		convs = append(convs, f.store(t, a1, inboxItem(fmt.Sprint("w", i), "", "", "hi"))[0].ConversationID)
	}
	// Claim, and a second claim by someone else conflicts.
	c, err := f.s.Claim(ctx, a1, convs[0])
	if err != nil || c.Assignee != a1.UserID || c.Status != rapport.StatusOpen {
		t.Fatalf("Claim = %+v, %v; want assigned to one, open", c, err)
	}
	if _, err := f.s.Claim(ctx, a2, convs[0]); rapport.ErrorCode(err) != rapport.ECONFLICT {
		t.Errorf("second Claim = %v, want ECONFLICT", err)
	}
	// Round-robin with capacity 2: one holds one, so two gets the next,
	// then one (least recently assigned), then nobody is free.
	agents := []rapport.Agent{{UserID: a1.UserID, Capacity: 2}, {UserID: a2.UserID, Capacity: 1}}
	var got []string
	for _, id := range convs[1:3] {
		c, err := f.s.AssignRoundRobin(ctx, a1, id, agents)
		if err != nil {
			t.Fatalf("AssignRoundRobin: %v", err)
		}
		got = append(got, c.Assignee)
	}
	if diff := cmp.Diff([]string{a2.UserID, a1.UserID}, got); diff != "" {
		t.Errorf("round-robin assignees (-want +got):\n%s", diff)
	}
	if _, err := f.s.AssignRoundRobin(ctx, a1, convs[3], agents); rapport.ErrorCode(err) != rapport.ECONFLICT {
		t.Errorf("AssignRoundRobin with everyone at capacity = %v, want ECONFLICT", err)
	}
	// Resolving frees capacity.
	if c, err := f.s.SetStatus(ctx, a1, convs[1], rapport.StatusResolved); err != nil || c.ResolvedAt.IsZero() {
		t.Fatalf("SetStatus(resolved) = %+v, %v", c, err)
	}
	if c, err := f.s.AssignRoundRobin(ctx, a1, convs[3], agents); err != nil || c.Assignee != a2.UserID {
		t.Errorf("AssignRoundRobin after resolving = %+v, %v; want two", c, err)
	}
	if _, err := f.s.SetStatus(ctx, a1, convs[1], "closed"); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("SetStatus(closed) = %v, want EINVALID", err)
	}
	if _, err := f.s.Assign(ctx, a1, convs[1], "nobody"); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("Assign(unknown user) = %v, want EINVALID", err)
	}
	// Filters.
	mine, err := f.s.Conversations(ctx, a1, rapport.ConversationFilter{Assignee: a2.UserID, Open: true})
	if err != nil || len(mine) != 1 || mine[0].ID != convs[3] {
		t.Errorf("Conversations(assignee two, open) = %v, %v; want [%s]", mine, err, convs[3])
	}
	// Tags, notes, patient link.
	c, err = f.s.Tag(ctx, a1, convs[0], []string{"Billing ", "vip"}, nil)
	if err == nil {
		c, err = f.s.Tag(ctx, a1, convs[0], []string{"billing"}, []string{"vip"})
	}
	if err != nil || !cmp.Equal(c.Tags, []string{"billing"}) {
		t.Errorf("Tag = %v, %v; want [billing]", c, err)
	}
	if err := f.s.AddNote(ctx, a1, &rapport.Note{ConversationID: convs[0], Text: "called back"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.LinkPatient(ctx, a1, convs[0], "no-such-patient"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("LinkPatient(unknown) = %v, want ENOTFOUND", err)
	}
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "Doe", "Jane")})
	ps, _, _ := f.s.FindPatients(ctx, f.admin, rapport.PatientFilter{})
	if c, err := f.s.LinkPatient(ctx, a1, convs[0], ps[0].ID); err != nil || c.PatientID != ps[0].ID {
		t.Errorf("LinkPatient = %+v, %v", c, err)
	}
	// Replies: blocked ones are recorded; the first sent one sets the
	// first response time, later ones do not move it.
	blocked := &rapport.Reply{ConversationID: convs[0], Text: "bad", Verdict: "block", State: rapport.ReplyBlocked}
	if err := f.s.RecordReply(ctx, a1, blocked); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.FinishReply(ctx, a1, blocked.ID, rapport.ReplySent, "x"); rapport.ErrorCode(err) != rapport.ECONFLICT {
		t.Errorf("FinishReply(blocked) = %v, want ECONFLICT", err)
	}
	var firsts []time.Time
	for range 2 {
		r := &rapport.Reply{ConversationID: convs[0], Text: "ok", Verdict: "allow", State: rapport.ReplyPending}
		if err := f.s.RecordReply(ctx, a1, r); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.FinishReply(ctx, a1, r.ID, rapport.ReplySent, "net-"+r.ID); err != nil {
			t.Fatal(err)
		}
		d, err := f.s.Conversation(ctx, a1, convs[0])
		if err != nil {
			t.Fatal(err)
		}
		firsts = append(firsts, d.FirstResponseAt)
	}
	if firsts[0].IsZero() || !firsts[0].Equal(firsts[1]) {
		t.Errorf("first response times %v, want set once and kept", firsts)
	}
	d, err := f.s.Conversation(ctx, a1, convs[0])
	if err != nil {
		t.Fatal(err)
	}
	states := []string{}
	for _, r := range d.Replies {
		states = append(states, r.State)
	}
	if diff := cmp.Diff([]string{"blocked", "sent", "sent"}, states); diff != "" || len(d.Notes) != 1 {
		t.Errorf("replies (-want +got):\n%s notes %d, want 1", diff, len(d.Notes))
	}
	// Canned replies and cursors.
	cr := &rapport.CannedReply{Title: "Thanks", Text: "Thank you for reaching out."}
	if err := f.s.SaveCannedReply(ctx, a1, cr); err != nil {
		t.Fatal(err)
	}
	cr.Text = "Thanks!"
	if err := f.s.SaveCannedReply(ctx, a1, cr); err != nil {
		t.Fatal(err)
	}
	list, err := f.s.CannedReplies(ctx, a1)
	if err != nil || len(list) != 1 || list[0].Text != "Thanks!" {
		t.Errorf("CannedReplies = %+v, %v", list, err)
	}
	if err := f.s.DeleteCannedReply(ctx, a1, cr.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteCannedReply(ctx, a1, cr.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("second DeleteCannedReply = %v, want ENOTFOUND", err)
	}
	for _, cur := range []string{"c1", "", "c2"} {
		if err := f.s.SetCursor(ctx, a1, rapport.NetworkMastodon, "acct-1", cur); err != nil {
			t.Fatal(err)
		}
	}
	if cur, err := f.s.Cursor(ctx, a1, rapport.NetworkMastodon, "acct-1"); err != nil || cur != "c2" {
		t.Errorf("Cursor = %q, %v; want c2", cur, err)
	}
}

func testInboxTenantIsolation(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	orgB, _ := f.newOrg(t, "other")
	a := f.agent(t, f.org.ID, "a@general.org")
	b := f.agent(t, orgB.ID, "b@other.org")
	ra := f.store(t, a, inboxItem("same", "", "", "for A"))[0]
	rb := f.store(t, b, inboxItem("same", "", "", "for B"))[0]
	if !rb.New || rb.ItemID == ra.ItemID {
		t.Fatalf("the same network id in another organisation = %+v, want its own new item", rb)
	}
	// B's reply to A's thread does not join A's conversation.
	if r := f.store(t, b, inboxItem("b-reply", "same", "same", "x"))[0]; r.ConversationID != rb.ConversationID {
		t.Errorf("B's reply joined %s, want B's conversation %s", r.ConversationID, rb.ConversationID)
	}
	if _, err := f.s.Conversation(ctx, b, ra.ConversationID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("B reads A's conversation: %v, want ENOTFOUND", err)
	}
	for name, call := range map[string]func() error{
		"Claim":     func() error { _, err := f.s.Claim(ctx, b, ra.ConversationID); return err },
		"SetStatus": func() error { _, err := f.s.SetStatus(ctx, b, ra.ConversationID, rapport.StatusResolved); return err },
		"Tag":       func() error { _, err := f.s.Tag(ctx, b, ra.ConversationID, []string{"x"}, nil); return err },
		"AddNote":   func() error { return f.s.AddNote(ctx, b, &rapport.Note{ConversationID: ra.ConversationID, Text: "x"}) },
		"RecordReply": func() error {
			return f.s.RecordReply(ctx, b, &rapport.Reply{ConversationID: ra.ConversationID, Text: "x", State: rapport.ReplyPending})
		},
		"Assign": func() error { _, err := f.s.Assign(ctx, a, ra.ConversationID, b.UserID); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s across organisations succeeded, want an error", name)
		}
	}
	list, err := f.s.Conversations(ctx, b, rapport.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.OrgID != orgB.ID {
			t.Errorf("B lists conversation %s of organisation %s", c.ID, c.OrgID)
		}
	}
	if cr := (&rapport.CannedReply{Title: "t", Text: "x"}); f.s.SaveCannedReply(ctx, a, cr) == nil {
		if l, _ := f.s.CannedReplies(ctx, b); len(l) != 0 {
			t.Errorf("B sees %d canned replies of A", len(l))
		}
		if err := f.s.DeleteCannedReply(ctx, b, cr.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("B deletes A's canned reply: %v, want ENOTFOUND", err)
		}
	}
	// Roles without inbox:work see nothing.
	mark := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	if _, err := f.s.Conversations(ctx, mark, rapport.ConversationFilter{}); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
		t.Errorf("marketer lists the inbox: %v, want EFORBIDDEN", err)
	}
}

// Concurrent deliveries of the same items (a webhook retried while a poll
// runs) store each item once and leave no empty conversation.
func testInboxConcurrentDedupe(t *testing.T, open Opener) {
	// The suite's stepping clock is not safe for concurrent use: this
	// test runs on the real clock.
	s, raw := open(t, sqlstore.Config{})
	f := &fixture{s: s, raw: raw}
	org, _ := f.newOrg(t, "general")
	ctx := context.Background()
	ag := f.agent(t, org.ID, "agent@general.org")
	const workers = 8
	var wg sync.WaitGroup
	news := make(chan int, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var batch []*rapport.InboxItem
			for i := range 20 {
				batch = append(batch, inboxItem(fmt.Sprint("c", i), "", "", "same"))
			}
			res, err := f.s.StoreItems(ctx, ag, batch)
			if err != nil {
				t.Errorf("StoreItems: %v", err)
				return
			}
			n := 0
			for _, r := range res {
				if r.New {
					n++
				}
			}
			news <- n
		}()
	}
	wg.Wait()
	close(news)
	total := 0
	for n := range news {
		total += n
	}
	var items, convs int
	if err := f.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_items`).Scan(&items); err != nil {
		t.Fatal(err)
	}
	if err := f.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_conversations`).Scan(&convs); err != nil {
		t.Fatal(err)
	}
	if total != 20 || items != 20 || convs != 20 {
		t.Errorf("%d workers x 20 items: %d reported new, %d items, %d conversations; want 20 each", workers, total, items, convs)
	}
}
