package inbox

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/phi"
	"github.com/rapport-health/rapport/triage"
)

// fakeConn is a connector that records what it was asked to send. The
// connectors themselves are tested against their stand-in servers in
// their own packages; here only the inbox's use of them is under test.
type fakeConn struct {
	network rapport.Network
	mu      sync.Mutex
	posts   []rapport.Post
	dms     []string
	fail    error
	items   [][]rapport.SocialItem // returned by successive Fetch calls
	cursors []string               // cursors Fetch was called with
}

func (c *fakeConn) Network() rapport.Network { return c.network }
func (c *fakeConn) Fetch(_ context.Context, cur string) ([]rapport.SocialItem, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cursors = append(c.cursors, cur)
	if len(c.items) == 0 {
		return nil, cur, nil
	}
	out := c.items[0]
	c.items = c.items[1:]
	return out, fmt.Sprintf("cursor-%d", len(c.cursors)), nil
}
func (c *fakeConn) Publish(_ context.Context, p rapport.Post) (rapport.PostRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return rapport.PostRef{}, c.fail
	}
	c.posts = append(c.posts, p)
	return rapport.PostRef{NetworkID: fmt.Sprintf("sent-%d", len(c.posts))}, nil
}
func (c *fakeConn) SendDM(_ context.Context, author, text string) (rapport.PostRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dms = append(c.dms, author)
	return rapport.PostRef{NetworkID: "dm-1"}, nil
}
func (c *fakeConn) Metrics(context.Context) (rapport.AccountMetrics, error) {
	return rapport.AccountMetrics{}, nil
}

type env struct {
	svc   *Service
	store *sqlstore.Store
	org   *rapport.Organisation
	agent rapport.Actor
	conn  *fakeConn
	reg   *Registry
	clock *time.Time
}

var testIdentity = phi.Org{Names: []string{"Riverside Health"}, Phones: []string{"555-0100"},
	Emails: []string{"patientrelations@riversidehealth.org"}, URLs: []string{"riversidehealth.org"}}

func newEnv(t testing.TB, oc OrgConfig) *env {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "inbox.db"), sqlstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return newEnvOn(t, s, oc)
}

func newEnvOn(t testing.TB, s *sqlstore.Store, oc OrgConfig) *env {
	t.Helper()
	ctx := context.Background()
	o := &rapport.Organisation{Slug: "riverside", Name: "Riverside"}
	if err := s.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	u := &rapport.User{OrgID: o.ID, Email: "agent@riverside.org", Role: rapport.RoleAgent, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tr, err := triage.New()
	if err != nil {
		t.Fatal(err)
	}
	conn := &fakeConn{network: rapport.NetworkMastodon}
	reg := &Registry{}
	reg.Add(Account{OrgID: o.ID, AccountID: "acct-1", Conn: conn})
	clock := time.Date(2026, 11, 16, 15, 0, 0, 0, time.UTC)
	oc.Slug = o.Slug
	if oc.Identity.Names == nil {
		oc.Identity = testIdentity
	}
	svc, err := New(Config{Store: s, Triager: tr, Connectors: reg, Orgs: map[string]OrgConfig{o.ID: oc},
		Now: func() time.Time { return clock }, OptOuts: s})
	if err != nil {
		t.Fatal(err)
	}
	return &env{svc: svc, store: s, org: o, conn: conn, reg: reg, clock: &clock,
		agent: rapport.Actor{OrgID: o.ID, Role: rapport.RoleAgent, UserID: u.ID, Name: u.Email, Addr: "test"}}
}

func item(id, text string) rapport.SocialItem {
	return rapport.SocialItem{Network: rapport.NetworkMastodon, AccountID: "acct-1", NetworkID: id, Kind: rapport.KindMention,
		AuthorID: "author-" + id, AuthorHandle: "someone", Text: text, CreatedAt: time.Date(2026, 11, 16, 14, 0, 0, 0, time.UTC)}
}

// readLabelled reads a category<TAB>text file of the triage package.
func readLabelled(t testing.TB, path string) [][2]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("labelled set: %v", err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cat, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: want category<TAB>text", path, n)
		}
		out = append(out, [2]string{cat, text})
	}
	return out
}

// Every crisis phrasing of triage's labelled set is escalated through
// Ingest: stored in the on-call queue, flagged critical, and announced to
// agents as a crisis event carrying the public guidance.
func TestIngestEscalatesEveryCrisis(t *testing.T) {
	e := newEnv(t, OrgConfig{CrisisQueue: "on-call", Rules: []triage.Rule{{Name: "complaints", Queue: "care", Intents: []triage.Intent{triage.IntentComplaint}}}})
	events, cancel, err := e.svc.Subscribe(e.agent)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	set := readLabelled(t, "../../triage/testdata/crisis.txt")
	if len(set) < 20 {
		t.Fatalf("crisis set has %d phrasings, want the full labelled set", len(set))
	}
	var items []rapport.SocialItem
	for i, c := range set {
		items = append(items, item(fmt.Sprint("crisis-", i), c[1]))
	}
	res, err := e.svc.Ingest(context.Background(), e.org.ID, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !r.New {
			t.Fatalf("crisis %d not stored as new", i)
		}
		ev := <-events
		if ev.Type != "crisis" || !ev.Crisis || ev.Queue != "on-call" || ev.Guidance != triage.CrisisGuidance ||
			ev.Urgency != int(triage.UrgencyCritical) || ev.ItemID != r.ItemID {
			t.Errorf("crisis line %d (%s): event %+v, want a critical crisis event in on-call with the guidance", i+1, set[i][0], ev)
		}
	}
	convs, err := e.store.Conversations(context.Background(), e.agent, rapport.ConversationFilter{Queue: "on-call", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != len(set) {
		t.Errorf("on-call queue holds %d conversations, want %d", len(convs), len(set))
	}
	for _, c := range convs {
		if !c.Crisis {
			t.Errorf("conversation %s in on-call is not flagged crisis", c.ID)
		}
	}
}

func TestIngestRoutesAndDedupes(t *testing.T) {
	e := newEnv(t, OrgConfig{Rules: []triage.Rule{
		{Name: "billing", Queue: "billing", Intents: []triage.Intent{triage.IntentBillingRequest}},
		{Name: "press", Queue: "comms", Keywords: []string{"reporter"}},
		{Name: "vip", Queue: "vip", Accounts: []string{"@mayor"}},
	}})
	ctx := context.Background()
	vip := item("v", "hello there")
	vip.AuthorHandle = "Mayor"
	in := []rapport.SocialItem{
		item("b", "Why was I charged twice on my bill?"),
		item("p", "I'm a reporter writing about wait times"),
		vip,
		item("o", "nice weather"),
		item("b", "Why was I charged twice on my bill?"), // a duplicate in the same delivery
	}
	res, err := e.svc.Ingest(ctx, e.org.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if res[4].New || res[4].ItemID != res[0].ItemID {
		t.Errorf("duplicate = %+v, want the first item, not new", res[4])
	}
	for i, want := range []string{"billing", "comms", "vip", "general"} {
		d, err := e.store.Conversation(ctx, e.agent, res[i].ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Queue != want {
			t.Errorf("item %q routed to %q, want %q", in[i].NetworkID, d.Queue, want)
		}
	}
	// A post that discloses the poster's health is flagged for the composer.
	r, err := e.svc.Ingest(ctx, e.org.ID, []rapport.SocialItem{item("d", "My knee replacement surgery at your hospital last week went great, thanks to the nurses")})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := e.store.Conversation(ctx, e.agent, r[0].ConversationID)
	if tr := d.Items[0].Triage; !tr.Discloses || tr.DisclosureSubject != "self" {
		t.Errorf("disclosing post triage = %+v, want a self disclosure", tr)
	}
}

func TestReplyGuardBlocksThenAllows(t *testing.T) {
	e := newEnv(t, OrgConfig{})
	ctx := context.Background()
	res, err := e.svc.Ingest(ctx, e.org.ID, []rapport.SocialItem{item("m1", "Waited three hours in your ER. Terrible.")})
	if err != nil {
		t.Fatal(err)
	}
	conv := res[0].ConversationID
	out, err := e.svc.Reply(ctx, e.agent, conv, "", "We reviewed your chart and everything was handled correctly.")
	if rapport.ErrorCode(err) != rapport.EINVALID || out.Verdict == nil || out.Verdict.Action != phi.Block ||
		len(out.Verdict.Reasons) == 0 || out.Verdict.Suggestion == "" {
		t.Fatalf("Reply(unsafe) = %+v, %v; want EINVALID with a block verdict, reasons and a suggestion", out, err)
	}
	if len(e.conn.posts) != 0 {
		t.Fatalf("a blocked reply reached the network: %d posts", len(e.conn.posts))
	}
	out, err = e.svc.Reply(ctx, e.agent, conv, "", "We're sorry to hear this. Please call our Patient Relations team at 555-0100.")
	if err != nil {
		t.Fatalf("Reply(safe) = %+v, %v", out, err)
	}
	if out.Reply.State != rapport.ReplySent || out.Reply.NetworkID != "sent-1" {
		t.Errorf("sent reply = %+v, want sent with the network id", out.Reply)
	}
	if len(e.conn.posts) != 1 || e.conn.posts[0].InReplyTo != "m1" || e.conn.posts[0].IdempotencyKey != out.Reply.ID {
		t.Errorf("posts = %+v, want one answering m1 keyed by the reply id", e.conn.posts)
	}
	d, err := e.store.Conversation(ctx, e.agent, conv)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Replies) != 2 || d.Replies[0].State != rapport.ReplyBlocked || d.FirstResponseAt.IsZero() {
		t.Errorf("conversation replies %+v first response %v; want blocked then sent, first response set", d.Replies, d.FirstResponseAt)
	}
	// A network failure is recorded and reported, not hidden.
	e.conn.fail = fmt.Errorf("503 from network")
	if _, err := e.svc.Reply(ctx, e.agent, conv, "", "Thank you for the kind words!"); rapport.ErrorCode(err) != rapport.EINTERNAL {
		t.Errorf("Reply with the network down = %v, want EINTERNAL", err)
	}
}

func TestTakePrivate(t *testing.T) {
	e := newEnv(t, OrgConfig{PrivateChannel: "We'd like to help privately. Please call Patient Relations at 555-0100."})
	ctx := context.Background()
	review := rapport.SocialItem{Network: rapport.NetworkWebhook, AccountID: "reviews", NetworkID: "g:1", Kind: rapport.KindReview,
		Text: "Awful billing department", Rating: 1}
	masto := item("m1", "My mom was in your ICU and nobody called us")
	res, err := e.svc.Ingest(ctx, e.org.ID, []rapport.SocialItem{masto, review})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.TakePrivate(ctx, e.agent, res[0].ConversationID, "Hello, this is Riverside Health. How can we help?")
	if err != nil || !out.Reply.Private || len(e.conn.dms) != 1 || e.conn.dms[0] != "author-m1" {
		t.Errorf("TakePrivate on Mastodon = %+v, %v (dms %v); want a DM to the author", out, err, e.conn.dms)
	}
	// The review site has no DMs and no connector: the templated public
	// message is guarded and then fails for want of a connector.
	_, err = e.svc.TakePrivate(ctx, e.agent, res[1].ConversationID, "")
	if rapport.ErrorCode(err) != rapport.EINVALID || !strings.Contains(rapport.ErrorMessage(err), "no connector") {
		t.Errorf("TakePrivate on a review = %v, want EINVALID: no connector", err)
	}
	web := &fakeConn{network: rapport.NetworkWebhook}
	e.reg.Add(Account{OrgID: e.org.ID, AccountID: "reviews", Conn: web})
	if _, err := e.svc.TakePrivate(ctx, e.agent, res[1].ConversationID, ""); err != nil || len(web.posts) != 1 ||
		!strings.Contains(web.posts[0].Text, "help privately") {
		t.Errorf("TakePrivate on a review = %v, posts %+v; want the templated public message", err, web.posts)
	}
}

func TestSLABreachAlerts(t *testing.T) {
	e := newEnv(t, OrgConfig{Targets: Targets{FirstResponseMinutes: 60}})
	ctx := context.Background()
	events, cancel, _ := e.svc.Subscribe(e.agent)
	defer cancel()
	res, err := e.svc.Ingest(ctx, e.org.ID, []rapport.SocialItem{item("s1", "Is the pharmacy open today?")})
	if err != nil {
		t.Fatal(err)
	}
	<-events // item.new
	alerted := map[string]bool{}
	if n, err := e.svc.CheckSLAs(ctx, alerted); err != nil || n != 0 {
		t.Errorf("CheckSLAs at once = %d, %v; want 0", n, err)
	}
	*e.clock = e.clock.Add(61 * time.Minute)
	if n, err := e.svc.CheckSLAs(ctx, alerted); err != nil || n != 1 {
		t.Fatalf("CheckSLAs after 61 minutes = %d, %v; want 1 breach", n, err)
	}
	if ev := <-events; ev.Type != "sla.breach" || ev.Breach != "first_response" || ev.ConversationID != res[0].ConversationID {
		t.Errorf("event = %+v, want a first_response breach", ev)
	}
	if n, _ := e.svc.CheckSLAs(ctx, alerted); n != 0 {
		t.Errorf("second CheckSLAs = %d, want 0 (already alerted)", n)
	}
}

func TestPollerKeepsCursor(t *testing.T) {
	e := newEnv(t, OrgConfig{})
	ctx := context.Background()
	e.conn.items = [][]rapport.SocialItem{{item("p1", "hi"), item("p2", "hello")}, {item("p2", "hello"), item("p3", "again")}}
	p := NewPoller(e.svc, e.reg, time.Minute)
	a := e.reg.Accounts()[0]
	for i, want := range []int{2, 1, 0} {
		n, err := p.Poll(ctx, a)
		if err != nil || n != want {
			t.Errorf("Poll %d = %d, %v; want %d new items", i, n, err, want)
		}
	}
	if got := strings.Join(e.conn.cursors, ","); got != ",cursor-1,cursor-2" {
		t.Errorf("Fetch cursors = %q, want the saved cursor each time", got)
	}
	// A new poller (a restart) resumes from the database.
	n, err := NewPoller(e.svc, e.reg, time.Minute).Poll(ctx, a)
	if err != nil || n != 0 || e.conn.cursors[3] != "cursor-2" {
		t.Errorf("Poll after restart = %d, %v, cursor %q; want resume from cursor-2", n, err, e.conn.cursors[3])
	}
	// Run stops when its context ends.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.Run(runCtx); close(done) }()
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Poller.Run did not stop")
	}
}

func TestBrokerIsolatesOrgs(t *testing.T) {
	b := NewBroker()
	a, cancelA := b.Subscribe("org-a")
	other, cancelB := b.Subscribe("org-b")
	b.Publish("org-a", rapport.InboxEvent{Type: "item.new", ItemID: "1"})
	if ev := <-a; ev.ItemID != "1" {
		t.Errorf("org-a got %+v", ev)
	}
	select {
	case ev := <-other:
		t.Errorf("org-b received org-a's event %+v", ev)
	default:
	}
	cancelA()
	cancelA() // idempotent
	if _, ok := <-a; ok {
		t.Error("channel still open after cancel")
	}
	if n := b.Subscribers("org-a"); n != 0 {
		t.Errorf("Subscribers(org-a) = %d after cancel, want 0", n)
	}
	for range SubscriberBuffer + 5 {
		b.Publish("org-b", rapport.InboxEvent{})
	}
	if b.Dropped() != 5 {
		t.Errorf("Dropped = %d, want 5 for a subscriber that does not read", b.Dropped())
	}
	cancelB()
	mark := rapport.Actor{OrgID: "org-a", Role: rapport.RoleMarket}
	svc := &Service{broker: b}
	if _, _, err := svc.Subscribe(mark); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
		t.Errorf("marketer Subscribe = %v, want EFORBIDDEN", err)
	}
}

func TestBrokerClose(t *testing.T) {
	b := NewBroker()
	ch, cancel := b.Subscribe("org")
	b.Close()
	if _, ok := <-ch; ok {
		t.Error("subscription open after Close")
	}
	cancel() // safe after Close
	late, _ := b.Subscribe("org")
	if _, ok := <-late; ok {
		t.Error("Subscribe after Close returned an open channel")
	}
	b.Publish("org", rapport.InboxEvent{}) // no panic on closed subscriptions
}

// Concurrent single-item deliveries share transactions (group commit) and
// every caller still gets its own results: duplicates across callers are
// one item, and a bad item fails only its own call.
func TestIngestGroupCommit(t *testing.T) {
	e := newEnv(t, OrgConfig{})
	ctx := context.Background()
	const callers = 60
	var wg sync.WaitGroup
	results := make([]rapport.IngestResult, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it := item(fmt.Sprint("g", i%30), "hello")
			if i == 7 {
				it.NetworkID = ""
			}
			res, err := e.svc.Ingest(ctx, e.org.ID, []rapport.SocialItem{it})
			errs[i] = err
			if err == nil {
				results[i] = res[0]
			}
		}()
	}
	wg.Wait()
	byID := map[string]string{}
	news := 0
	for i := range callers {
		if i == 7 {
			if rapport.ErrorCode(errs[i]) != rapport.EINVALID {
				t.Errorf("bad item: %v, want EINVALID", errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		key := fmt.Sprint("g", i%30)
		if prev, ok := byID[key]; ok && prev != results[i].ItemID {
			t.Errorf("%s stored as %s and %s", key, prev, results[i].ItemID)
		}
		byID[key] = results[i].ItemID
		if results[i].New {
			news++
		}
	}
	if news != 30 {
		t.Errorf("%d callers of 30 distinct items: %d new, want 30", callers-1, news)
	}
}

// A new crisis is assigned at once to the on-call staff, in turn.
func TestCrisisAssignedToOnCall(t *testing.T) {
	e := newEnv(t, OrgConfig{})
	ctx := context.Background()
	u2 := &rapport.User{OrgID: e.org.ID, Email: "oncall@riverside.org", Role: rapport.RoleAgent, PasswordHash: "x"}
	if err := e.store.CreateUser(ctx, u2); err != nil {
		t.Fatal(err)
	}
	tr, _ := triage.New()
	svc, err := New(Config{Store: e.store, Triager: tr, Orgs: map[string]OrgConfig{e.org.ID: {OnCall: []string{e.agent.UserID, u2.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Ingest(ctx, e.org.ID, []rapport.SocialItem{item("c1", "I want to kill myself"), item("c2", "I'm going to kill myself tonight"),
		item("n1", "What are your visiting hours?")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		d, err := e.store.Conversation(ctx, e.agent, r.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Assignee)
	}
	if got[0] == "" || got[1] == "" || got[0] == got[1] || got[2] != "" {
		t.Errorf("assignees %q, want the two crises with the two on-call staff and the question unassigned", got)
	}
}

// TestDMStopRevokesConsent: a patient who answers a direct message with
// STOP (in any wording compliance.Classify knows) is opted out of social
// DMs and of marketing everywhere before Ingest returns, when the
// conversation is linked to the patient; an unlinked conversation and an
// ordinary DM change nothing.
func TestDMStopRevokesConsent(t *testing.T) {
	e := newEnv(t, OrgConfig{})
	ctx := context.Background()
	admin := rapport.Actor{OrgID: e.org.ID, Role: rapport.RoleAdmin, Name: "admin", Addr: "test"}
	tx, err := e.store.BeginImport(ctx, admin, "test")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	granted := func(ch rapport.Channel, pu rapport.Purpose) rapport.ConsentEvent {
		return rapport.ConsentEvent{Channel: ch, Purpose: pu, Status: rapport.ConsentGranted, At: at, Source: "import:test"}
	}
	if _, err := tx.Write(ctx, []rapport.ImportRecord{{Patient: &rapport.Patient{Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "D1"}},
		Family: "Doe", Given: "Dee"}, Consents: []rapport.ConsentEvent{granted(rapport.ChannelSocialDM, rapport.PurposeCare),
		granted(rapport.ChannelEmail, rapport.PurposeMarketing), granted(rapport.ChannelEmail, rapport.PurposeCare)}}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ps, _, err := e.store.FindPatients(ctx, admin, rapport.PatientFilter{Limit: 1})
	if err != nil || len(ps) != 1 {
		t.Fatalf("patients = %v, %v", ps, err)
	}
	dm := func(id, author, text string) rapport.IngestResult {
		t.Helper()
		it := item(id, text)
		it.Kind, it.Private, it.AuthorID = rapport.KindDM, true, author
		res, err := e.svc.Ingest(ctx, e.org.ID, []rapport.SocialItem{it})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	first := dm("dm-1", "pat-1", "Thanks for the reminder about the flu clinic.")
	if _, err := e.store.LinkPatient(ctx, e.agent, first.ConversationID, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	status := func() map[rapport.ChannelPurpose]rapport.ConsentStatus {
		hist, err := e.store.ConsentHistory(ctx, admin, ps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[rapport.ChannelPurpose]rapport.ConsentStatus{}
		for _, h := range hist { // oldest first: the last word wins
			out[rapport.ChannelPurpose{Channel: h.Channel, Purpose: h.Purpose}] = h.Status
		}
		return out
	}
	dm("dm-2", "pat-1", "ok see you there") // an ordinary reply
	dm("dm-3", "other-person", "STOP")      // another conversation, not linked
	if st := status(); st[rapport.ChannelPurpose{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare}] != rapport.ConsentGranted {
		t.Fatalf("consent changed without an opt-out from the linked patient: %v", st)
	}
	dm("dm-4", "pat-1", "Please stop messaging me.")
	st := status()
	for cp, want := range map[rapport.ChannelPurpose]rapport.ConsentStatus{
		{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare}:   rapport.ConsentRevoked,
		{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}: rapport.ConsentRevoked,
		{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeCare}:      rapport.ConsentGranted,
	} {
		if st[cp] != want {
			t.Errorf("after STOP by DM: %s/%s = %s, want %s", cp.Channel, cp.Purpose, st[cp], want)
		}
	}
}
