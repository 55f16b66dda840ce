package campaign

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/compliance"
	"github.com/rapport-health/rapport/internal/email"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/twilio"
	"github.com/rapport-health/rapport/internal/twilio/twiliotest"
)

func TestAssigner(t *testing.T) {
	c := &rapport.Campaign{ID: "c1", HoldoutPercent: 10, Variants: []rapport.Variant{
		{Segment: "planner", Arm: "A", Weight: 3}, {Segment: "planner", Arm: "B", Weight: 1}, {Segment: "", Arm: "A"}}}
	assign := Assigner(c)
	const n = 20000
	held, arms := 0, map[string]int{}
	for i := range n {
		pid := fmt.Sprintf("p%d", i)
		arm, h, ok := assign("c1", pid, "planner")
		if !ok {
			t.Fatalf("planner recipient got no variant")
		}
		if a2, h2, _ := assign("c1", pid, "planner"); a2 != arm || h2 != h {
			t.Fatalf("assignment of %s is not deterministic", pid)
		}
		if h {
			held++
		} else {
			arms[arm]++
		}
	}
	if got := float64(held) / n; math.Abs(got-0.10) > 0.01 {
		t.Errorf("holdout share = %.3f, want 0.10 ± 0.01", got)
	}
	if got := float64(arms["A"]) / float64(arms["A"]+arms["B"]); math.Abs(got-0.75) > 0.02 {
		t.Errorf("arm A share = %.3f, want 0.75 ± 0.02", got)
	}
	if _, _, ok := assign("c1", "p1", "caregiver"); !ok {
		t.Errorf("a segment without a variant did not fall back to the default variant")
	}
	noFallback := Assigner(&rapport.Campaign{Variants: []rapport.Variant{{Segment: "planner"}}})
	if _, _, ok := noFallback("c1", "p1", "caregiver"); ok {
		t.Errorf("a segment without a variant or fallback got one")
	}
	// Another campaign draws a different holdout.
	same := 0
	for i := range 1000 {
		_, h1, _ := assign("c1", fmt.Sprint(i), "planner")
		_, h2, _ := assign("c2", fmt.Sprint(i), "planner")
		if h1 && h2 {
			same++
		}
	}
	if same > 30 {
		t.Errorf("%d of 1000 held out in both campaigns: holdouts are not independent", same)
	}
}

func TestUnsubscribeToken(t *testing.T) {
	id := Identity{Secret: []byte("k1"), BaseURL: "https://r.example.org/"}
	tok := id.UnsubscribeToken("d1")
	if got, err := id.VerifyToken(tok); err != nil || got != "d1" {
		t.Errorf("VerifyToken(own token) = %q, %v", got, err)
	}
	bad := []string{"", "d1", "d2." + strings.SplitN(tok, ".", 2)[1], tok + "x", "." + strings.SplitN(tok, ".", 2)[1]}
	for _, b := range bad {
		if _, err := id.VerifyToken(b); err == nil {
			t.Errorf("VerifyToken(%q) accepted a forged token", b)
		}
	}
	if _, err := (Identity{Secret: []byte("k2")}).VerifyToken(tok); err == nil {
		t.Errorf("a token verified under another key")
	}
	if got := id.UnsubscribeURL("d1"); got != "https://r.example.org/u/"+tok {
		t.Errorf("UnsubscribeURL = %q", got)
	}
}

// env is a real SQLite store with one organisation, its patients, a
// campaign and senders that record what they were given.
type env struct {
	s      *sqlstore.Store
	raw    *sql.DB
	now    time.Time
	admin  rapport.Actor
	market rapport.Actor
	ids    map[string]string // by MRN
	mails  *mailbox
	twilio *twiliotest.Server
	sms    *twilio.Client
	ident  Identity
}

// mailbox records emails: the SMTP path itself is tested in
// internal/email and end to end against maildev in cmd/rapport.
type mailbox struct {
	mu   sync.Mutex
	msgs []*email.Message
	fail map[string]error
}

func (m *mailbox) Send(ctx context.Context, msg *email.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail[msg.To.Address]; err != nil {
		return err
	}
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *mailbox) to() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, x := range m.msgs {
		out = append(out, x.To.Address)
	}
	slices.Sort(out)
	return out
}

type person struct {
	mrn, tz, seg string
	consents     []rapport.ChannelPurpose
}

func newEnv(t *testing.T, now time.Time, people []person) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{now: now, ids: map[string]string{}, mails: &mailbox{fail: map[string]error{}}}
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := sqlite.Open(ctx, path, sqlstore.Config{Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if e.raw, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.raw.Close() })
	e.s = s
	o := &rapport.Organisation{Slug: "general", Name: "General"}
	if err := s.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	e.admin = rapport.Actor{OrgID: o.ID, Role: rapport.RoleAdmin, Name: "admin", Addr: "test"}
	e.market = rapport.Actor{OrgID: o.ID, Role: rapport.RoleMarket, Name: "marketer", Addr: "test"}
	tx, err := s.BeginImport(ctx, e.admin, "test")
	if err != nil {
		t.Fatal(err)
	}
	var recs []rapport.ImportRecord
	for i, p := range people {
		pt := &rapport.Patient{Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: p.mrn}},
			Family: "Fam" + p.mrn, Given: "Giv" + p.mrn, Email: strings.ToLower(p.mrn) + "@example.org",
			Phone: fmt.Sprintf("+1555010%04d", i), Language: "en", TimeZone: p.tz, Address: rapport.Address{State: "IL"}}
		var evs []rapport.ConsentEvent
		for _, c := range p.consents {
			evs = append(evs, rapport.ConsentEvent{Channel: c.Channel, Purpose: c.Purpose, Status: rapport.ConsentGranted,
				At: now.Add(-24 * time.Hour), Source: "import:test"})
		}
		recs = append(recs, rapport.ImportRecord{Patient: pt, Consents: evs})
	}
	if _, err := tx.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ps, _, err := s.FindPatients(ctx, e.admin, rapport.PatientFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		e.ids[p.Identifier(rapport.SystemMRN)] = p.ID
	}
	for _, p := range people {
		if p.seg == "" {
			continue
		}
		if err := s.RecordAssessment(ctx, e.market, &rapport.Assessment{PatientID: e.ids[p.mrn], ModelID: "m1", ModelVersion: "1",
			Form: "full", Segment: p.seg, Probability: 0.9, At: now.Add(-time.Hour), Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	e.twilio = twiliotest.New(t, "ACtest", "token")
	e.sms = twilio.NewClient(e.twilio.URL, "ACtest", "token", nil)
	e.ident = Identity{OrgName: "General", PostalAddress: "1 Main St, Springfield, IL 62701", From: mail.Address{Name: "General", Address: "news@general.example"},
		MessageDomain: "general.example", BaseURL: "https://r.example.org", Secret: []byte("secret"), SMSFrom: "+15005550006", HelpContact: "555-0100"}
	return e
}

func (e *env) launch(t *testing.T, c *rapport.Campaign) rapport.LaunchResult {
	t.Helper()
	ctx := context.Background()
	if err := e.s.CreateCampaign(ctx, e.market, c); err != nil {
		t.Fatal(err)
	}
	l := Launcher{Store: e.s, Previewer: Previewer{Identity: e.ident}, Now: func() time.Time { return e.now }}
	res, err := l.Launch(ctx, e.market, c.ID)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	return res
}

func (e *env) worker() *Worker {
	return NewWorker(WorkerConfig{Queue: e.s, Email: e.mails, SMS: e.sms, Identity: e.ident, Owner: "w1",
		Now: func() time.Time { return e.now }, Poll: time.Millisecond})
}

func (e *env) drain(t *testing.T, w *Worker) {
	t.Helper()
	for range 100 {
		n, err := w.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("queue never drained")
}

var (
	emailMkt = rapport.ChannelPurpose{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}
	smsCare  = rapport.ChannelPurpose{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare}
)

func emailCampaign() *rapport.Campaign {
	return &rapport.Campaign{Name: "Screening", Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing,
		Audience: rapport.AudienceFilter{ModelID: "m1"},
		Variants: []rapport.Variant{
			{Segment: "planner", Subject: "Your screening plan", Text: "Hi {{first_name|there}}, plan ahead. {{postal_address}} Unsubscribe: {{unsubscribe_url}}"},
			{Segment: "caregiver", Subject: "Ten minutes", Text: "Hi {{first_name|there}}, it takes ten minutes. {{postal_address}} Unsubscribe: {{unsubscribe_url}}"},
		}}
}

func TestWorkerEmail(t *testing.T) {
	// 15:00 UTC on a Tuesday: daytime in every US zone.
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	e := newEnv(t, now, []person{
		{"A1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}},
		{"A2", "America/New_York", "caregiver", []rapport.ChannelPurpose{emailMkt}},
		{"A3", "America/Chicago", "caregiver", []rapport.ChannelPurpose{emailMkt}}, // opts out after launch
		{"A4", "America/Chicago", "planner", []rapport.ChannelPurpose{smsCare}},    // no email consent
		{"A5", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}},   // bounces
		{"A6", "America/Chicago", "", []rapport.ChannelPurpose{emailMkt}},          // no segment
	})
	res := e.launch(t, emailCampaign())
	if res.Deliveries != 4 || res.Holdout != 0 {
		t.Fatalf("launch = %+v, want 4 deliveries", res)
	}
	ctx := context.Background()
	if _, err := e.s.RevokeConsents(ctx, e.admin.OrgID, e.ids["A3"], UnsubscribeScope(), "staff", "", now); err != nil {
		t.Fatal(err)
	}
	e.mails.fail["a5@example.org"] = &email.SMTPError{Command: "RCPT", Code: 550, Enhanced: "5.1.1", Message: "no such user"}
	e.drain(t, e.worker())
	if got, want := e.mails.to(), []string{"a1@example.org", "a2@example.org"}; !slices.Equal(got, want) {
		t.Errorf("emails to %v, want %v", got, want)
	}
	for _, m := range e.mails.msgs {
		if !strings.HasPrefix(m.UnsubscribeURL, "https://r.example.org/u/") || !strings.HasSuffix(m.MessageID, "@general.example") {
			t.Errorf("message headers: unsubscribe %q, id %q", m.UnsubscribeURL, m.MessageID)
		}
		want := "Your screening plan"
		if m.To.Address == "a2@example.org" {
			want = "Ten minutes"
		}
		if m.Subject != want || !strings.Contains(m.Text, "Hi GivA") || !strings.Contains(m.Text, "1 Main St") {
			t.Errorf("message to %s: subject %q text %q", m.To.Address, m.Subject, m.Text)
		}
	}
	counts, _ := e.s.DeliveryCounts(ctx, e.market, firstCampaign(t, e))
	want := map[rapport.DeliveryState]int{rapport.DeliverySent: 2, rapport.DeliverySkipped: 1, rapport.DeliveryBounced: 1}
	if !mapsEqual(counts, want) {
		t.Errorf("delivery states = %v, want %v", counts, want)
	}
	// The bounce suppressed the address: a later campaign leaves it out.
	if n, _ := e.s.CountAudience(ctx, e.market, rapport.AudienceFilter{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}); n.Total != 3 {
		t.Errorf("audience after a bounce = %d, want 3 (A1, A2, A6)", n.Total)
	}
}

func firstCampaign(t *testing.T, e *env) string {
	t.Helper()
	var id string
	if err := rawRow(e, `SELECT id FROM campaigns ORDER BY created_at LIMIT 1`, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func mapsEqual[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestWorkerSMSQuietHoursAndCaps(t *testing.T) {
	// 03:30 UTC: 21:30 in Chicago (quiet), 19:30 in Los Angeles (open).
	now := time.Date(2026, 11, 18, 3, 30, 0, 0, time.UTC)
	e := newEnv(t, now, []person{
		{"B1", "America/Chicago", "planner", []rapport.ChannelPurpose{smsCare}},
		{"B2", "America/Los_Angeles", "planner", []rapport.ChannelPurpose{smsCare}},
	})
	c := &rapport.Campaign{Name: "Flu", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare,
		Audience: rapport.AudienceFilter{ModelID: "m1"},
		Variants: []rapport.Variant{{Segment: "", SMS: "{{clinic_name}}: flu shots are in. Reply STOP to opt out."}}}
	e.launch(t, c)
	w := e.worker()
	e.drain(t, w)
	counts, _ := e.s.DeliveryCounts(context.Background(), e.market, c.ID)
	if counts[rapport.DeliverySent] != 1 || counts[rapport.DeliveryPending] != 1 {
		t.Fatalf("after the first run: %v, want 1 sent (Los Angeles), 1 deferred (Chicago)", counts)
	}
	var nb int64
	if err := rawRow(e, `SELECT not_before FROM deliveries WHERE state = 'pending'`, &nb); err != nil {
		t.Fatal(err)
	}
	chicago, _ := time.LoadLocation("America/Chicago")
	if got := time.UnixMicro(nb).In(chicago); got.Hour() != 8 || got.Minute() != 0 || got.Day() != 18 {
		t.Errorf("deferred to %v, want 08:00 the next morning in Chicago", got)
	}
	// At 08:00 Chicago it goes out.
	e.now = time.UnixMicro(nb).UTC()
	e.drain(t, w)
	counts, _ = e.s.DeliveryCounts(context.Background(), e.market, c.ID)
	if counts[rapport.DeliverySent] != 2 {
		t.Errorf("after the window opened: %v, want 2 sent", counts)
	}
	// A second care SMS the same day waits for the daily cap.
	c2 := &rapport.Campaign{Name: "Flu 2", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare,
		Audience: rapport.AudienceFilter{ModelID: "m1"}, Variants: c.Variants}
	e.launch(t, c2)
	e.drain(t, w)
	counts, _ = e.s.DeliveryCounts(context.Background(), e.market, c2.ID)
	if counts[rapport.DeliveryPending] != 2 {
		t.Errorf("second care SMS on the same day: %v, want both deferred by the 1/day cap", counts)
	}
}

func rawRow(e *env, q string, dst ...any) error {
	return e.raw.QueryRowContext(context.Background(), q).Scan(dst...)
}

func TestStopOverSMSStopsNextEmail(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	e := newEnv(t, now, []person{
		{"C1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt, smsCare}},
		{"C2", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt, smsCare}},
	})
	e.launch(t, emailCampaign())
	in := &Inbound{Store: e.s, SMS: e.sms, Identity: e.ident, Now: func() time.Time { return e.now }}
	ctx := context.Background()
	tests := []struct {
		body string
		want compliance.Intent
	}{
		{"Stop please", compliance.IntentOptOut},
		{" S T O P ", compliance.IntentOptOut}, // a second STOP: no second confirmation
		{"HELP", compliance.IntentHelp},
	}
	for i, tt := range tests {
		got, err := in.HandleSMS(ctx, e.admin.OrgID, twilio.Inbound{MessageSID: fmt.Sprintf("SM%d", i), From: "+15550100000", Body: tt.body})
		if err != nil || got != tt.want {
			t.Errorf("HandleSMS(%q) = %v, %v; want %v", tt.body, got, err, tt.want)
		}
	}
	e.drain(t, e.worker())
	if got := e.mails.to(); !slices.Equal(got, []string{"c2@example.org"}) {
		t.Errorf("emails after C1 texted STOP: %v, want only c2", got)
	}
	// One confirmation and one HELP answer went back to C1.
	msgs := e.twilio.Messages()
	var bodies []string
	for _, m := range msgs {
		if m.To == "+15550100000" {
			bodies = append(bodies, m.Body)
		}
	}
	if len(bodies) != 2 || !strings.Contains(bodies[0], "unsubscribed") || !strings.Contains(bodies[1], "555-0100") {
		t.Errorf("replies to C1 = %q, want one confirmation and one HELP answer", bodies)
	}
	hist, err := e.s.ConsentHistory(ctx, e.admin, e.ids["C1"])
	if err != nil {
		t.Fatal(err)
	}
	revoked := map[rapport.ChannelPurpose]bool{}
	for _, h := range hist {
		if h.Status == rapport.ConsentRevoked {
			revoked[rapport.ChannelPurpose{Channel: h.Channel, Purpose: h.Purpose}] = true
			if h.Source != "sms:stop" || h.Evidence != "SM0" {
				t.Errorf("revocation source %q evidence %q, want sms:stop SM0", h.Source, h.Evidence)
			}
		}
	}
	if len(revoked) != len(StopScope()) {
		t.Errorf("revoked %d (channel, purpose) pairs, want %d", len(revoked), len(StopScope()))
	}
}

func TestUnsubscribeRevokesEmailMarketing(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	e := newEnv(t, now, []person{{"D1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}}})
	e.launch(t, emailCampaign())
	e.drain(t, e.worker())
	if len(e.mails.msgs) != 1 {
		t.Fatalf("sent %d, want 1", len(e.mails.msgs))
	}
	u := e.mails.msgs[0].UnsubscribeURL
	tok := u[strings.LastIndex(u, "/")+1:]
	in := &Inbound{Store: e.s, Identity: e.ident, Now: func() time.Time { return e.now }}
	ctx := context.Background()
	if err := in.Unsubscribe(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := in.Unsubscribe(ctx, tok); err != nil {
		t.Errorf("a second click: %v", err)
	}
	if err := in.Unsubscribe(ctx, tok[:len(tok)-2]+"xx"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("forged token: %v, want not found", err)
	}
	if n, _ := e.s.CountAudience(ctx, e.market, rapport.AudienceFilter{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}); n.Total != 0 {
		t.Errorf("audience after unsubscribe = %d, want 0", n.Total)
	}
	var events int
	if err := rawRow(e, `SELECT COUNT(*) FROM engagement_events WHERE type = 'opted_out'`, &events); err != nil || events != 1 {
		t.Errorf("opted_out events = %d, %v; want 1", events, err)
	}
}

func TestStatusCallbacks(t *testing.T) {
	now := time.Date(2026, 11, 17, 18, 0, 0, 0, time.UTC) // noon in Chicago
	e := newEnv(t, now, []person{
		{"S1", "America/Chicago", "planner", []rapport.ChannelPurpose{smsCare}},
		{"S2", "America/Chicago", "planner", []rapport.ChannelPurpose{smsCare}},
	})
	c := &rapport.Campaign{Name: "Flu", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare,
		Variants: []rapport.Variant{{SMS: "{{clinic_name}}: flu shots are in. Reply STOP to opt out."}}}
	e.launch(t, c)
	e.drain(t, e.worker())
	msgs := e.twilio.Messages()
	if len(msgs) != 2 {
		t.Fatalf("sent %d SMS, want 2", len(msgs))
	}
	in := &Inbound{Store: e.s, Identity: e.ident, Now: func() time.Time { return e.now }}
	ctx := context.Background()
	cbs := []twilio.StatusCallback{
		{MessageSID: msgs[0].SID, Status: twilio.StatusSent},
		{MessageSID: msgs[0].SID, Status: twilio.StatusDelivered},
		{MessageSID: msgs[0].SID, Status: twilio.StatusDelivered}, // reported twice
		{MessageSID: msgs[1].SID, Status: twilio.StatusUndelivered, ErrorCode: 21610, To: msgs[1].To},
		{MessageSID: "SM" + strings.Repeat("9", 32), Status: twilio.StatusDelivered}, // not a campaign message
	}
	for _, cb := range cbs {
		if err := in.HandleStatus(ctx, cb); err != nil {
			t.Errorf("HandleStatus(%s %s): %v", cb.MessageSID, cb.Status, err)
		}
	}
	counts, _ := e.s.DeliveryCounts(ctx, e.market, c.ID)
	if !mapsEqual(counts, map[rapport.DeliveryState]int{rapport.DeliveryDelivered: 1, rapport.DeliveryBounced: 1}) {
		t.Errorf("states after callbacks = %v, want 1 delivered, 1 bounced", counts)
	}
	// An ordinary reply is linked to the text it answers, once.
	for range 2 {
		if _, err := in.HandleSMS(ctx, e.admin.OrgID, twilio.Inbound{MessageSID: "SMreply1", From: msgs[0].To, Body: "Can I come Friday?"}); err != nil {
			t.Fatal(err)
		}
	}
	var replied int
	rawRow(e, `SELECT COUNT(*) FROM engagement_events WHERE type = 'replied'`, &replied)
	if replied != 1 {
		t.Errorf("replied events = %d, want 1", replied)
	}
	var delivered, bounced int
	rawRow(e, `SELECT COUNT(*) FROM engagement_events WHERE type = 'delivered'`, &delivered)
	rawRow(e, `SELECT COUNT(*) FROM engagement_events WHERE type = 'bounced'`, &bounced)
	if delivered != 1 || bounced != 1 {
		t.Errorf("events: %d delivered, %d bounced; want 1 and 1 (a repeated callback is recorded once)", delivered, bounced)
	}
	if n, _ := e.s.CountAudience(ctx, e.market, rapport.AudienceFilter{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare}); n.Total != 1 {
		t.Errorf("sms audience after a 21610 = %d, want 1 (the number is suppressed)", n.Total)
	}
}

func TestClickRedirect(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	e := newEnv(t, now, []person{{"L1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}}})
	c := emailCampaign()
	c.Variants[0].Text = "Book here: {{link_url}} {{postal_address}} {{unsubscribe_url}}"
	c.Variants[0].Link = "https://general.example/book"
	c.Variants[1].Text = "No link {{postal_address}} {{unsubscribe_url}}"
	e.launch(t, c)
	e.drain(t, e.worker())
	if len(e.mails.msgs) != 1 {
		t.Fatalf("sent %d, want 1", len(e.mails.msgs))
	}
	text := e.mails.msgs[0].Text
	i := strings.Index(text, "https://r.example.org/r/")
	if i < 0 {
		t.Fatalf("no tracked link in %q", text)
	}
	tok := strings.Fields(text[i+len("https://r.example.org/r/"):])[0]
	in := &Inbound{Store: e.s, Identity: e.ident, Now: func() time.Time { return e.now }}
	ctx := context.Background()
	for range 2 {
		to, err := in.Click(ctx, tok)
		if err != nil || to != "https://general.example/book" {
			t.Errorf("Click = %q, %v", to, err)
		}
	}
	var clicks int
	if err := rawRow(e, `SELECT COUNT(*) FROM engagement_events WHERE type = 'clicked'`, &clicks); err != nil || clicks != 1 {
		t.Errorf("clicked events = %d, %v; want 1 (one per delivery)", clicks, err)
	}
	did, _, _ := strings.Cut(tok, ".")
	for _, bad := range []string{e.ident.UnsubscribeToken(did), did + ".xx", ""} {
		if _, err := in.Click(ctx, bad); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("Click(%q) = %v, want not found", bad, err)
		}
	}
	// A variant using {{link_url}} without a destination cannot launch.
	c2 := emailCampaign()
	c2.Variants[0].Text = "Book: {{link_url}} {{postal_address}} {{unsubscribe_url}}"
	if err := e.s.CreateCampaign(ctx, e.market, c2); err != nil {
		t.Fatal(err)
	}
	l := Launcher{Store: e.s, Previewer: Previewer{Identity: e.ident}}
	if _, err := l.Launch(ctx, e.market, c2.ID); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("launch with a link and no destination: %v, want invalid", err)
	}
	c3 := emailCampaign()
	c3.Variants[0].Link = "http://insecure.example"
	if err := e.s.CreateCampaign(ctx, e.market, c3); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("create with an http link: %v, want invalid", err)
	}
}

// TestOpenPixel: only a patient who granted email tracking consent gets
// an open pixel, only in the HTML part; an open is recorded once, and not
// at all once the consent is revoked.
func TestOpenPixel(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	track := rapport.ChannelPurpose{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeTracking}
	e := newEnv(t, now, []person{
		{"O1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt, track}},
		{"O2", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}},
		{"O3", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt, track}},
	})
	c := emailCampaign()
	c.Variants[0].HTML = "<html><body><p>Hi {{first_name|there}}</p><p>{{postal_address}} <a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>"
	e.launch(t, c)
	e.drain(t, e.worker())
	ctx := context.Background()
	pixels := map[string]string{} // by recipient: the open token in the HTML
	for _, m := range e.mails.msgs {
		if strings.Contains(m.Text, "/o/") {
			t.Errorf("%s: text part carries a pixel", m.To.Address)
		}
		const at = `<img src="https://r.example.org/o/`
		i := strings.Index(m.HTML, at)
		if i < 0 {
			continue
		}
		tok, _, _ := strings.Cut(m.HTML[i+len(at):], `"`)
		pixels[m.To.Address] = tok
		if !strings.HasSuffix(m.HTML, "</body></html>") {
			t.Errorf("%s: pixel not placed inside the body: %q", m.To.Address, m.HTML)
		}
	}
	if len(e.mails.msgs) != 3 || len(pixels) != 2 || pixels["o1@example.org"] == "" || pixels["o3@example.org"] == "" {
		t.Fatalf("sent %d emails, pixels for %v; want 3 emails and pixels for o1 and o3 only", len(e.mails.msgs), slices.Sorted(maps.Keys(pixels)))
	}
	in := &Inbound{Store: e.s, Identity: e.ident, Now: func() time.Time { return e.now }}
	for range 2 {
		if err := in.Open(ctx, pixels["o1@example.org"]); err != nil {
			t.Fatalf("Open: %v", err)
		}
	}
	// O3 withdraws tracking consent after the send and before opening.
	if _, err := e.s.RevokeConsents(ctx, e.admin.OrgID, e.ids["O3"], []rapport.ChannelPurpose{track}, "staff", "", now); err != nil {
		t.Fatal(err)
	}
	if err := in.Open(ctx, pixels["o3@example.org"]); err != nil {
		t.Fatalf("Open after revocation: %v", err)
	}
	// A pixel token forged for O2 (the secret is ours) records nothing: no
	// consent.
	var o2 string
	if err := e.raw.QueryRow(`SELECT id FROM deliveries WHERE patient_id = ?`, e.ids["O2"]).Scan(&o2); err != nil {
		t.Fatal(err)
	}
	if err := in.Open(ctx, e.ident.OpenToken(o2)); err != nil {
		t.Fatalf("Open for O2: %v", err)
	}
	var opens []string
	rows, err := e.raw.Query(`SELECT patient_id FROM engagement_events WHERE type = 'opened'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var pid string
		rows.Scan(&pid)
		opens = append(opens, pid)
	}
	rows.Close()
	if len(opens) != 1 || opens[0] != e.ids["O1"] {
		t.Errorf("opened events for %v, want one, for O1 (%s)", opens, e.ids["O1"])
	}
	did, _, _ := strings.Cut(pixels["o1@example.org"], ".")
	for _, bad := range []string{e.ident.ClickToken(did), e.ident.UnsubscribeToken(did), did + ".xx", ""} {
		if err := in.Open(ctx, bad); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("Open(%q) = %v, want not found", bad, err)
		}
	}
}

// TestSenderProfile: an organisation's own sender profile, not the
// server's defaults, is what its campaign email (From, postal address),
// its pre-launch check and its HELP answers carry; without a profile the
// defaults apply.
func TestSenderProfile(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	e := newEnv(t, now, []person{{"S1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt, smsCare}}})
	ctx := context.Background()
	// The server's defaults lack a postal address: a marketing email
	// cannot launch on them alone.
	base := e.ident
	base.PostalAddress = ""
	c := emailCampaign()
	if err := e.s.CreateCampaign(ctx, e.market, c); err != nil {
		t.Fatal(err)
	}
	senders := &Senders{Base: base, Store: e.s}
	l := Launcher{Store: e.s, Previewer: Previewer{Identity: base}, Senders: senders, Now: func() time.Time { return e.now }}
	if _, err := l.Launch(ctx, e.market, c.ID); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Fatalf("launch without any postal address = %v, want invalid", err)
	}
	if err := e.s.SetSenderProfile(ctx, e.admin, &rapport.SenderProfile{OrgName: "Mercy General", PostalAddress: "2 Elm St, Springfield, IL 62704",
		MailFrom: "Mercy General <news@mercy.example>", HelpContact: "555-0199"}); err != nil {
		t.Fatal(err)
	}
	senders.Forget(e.admin.OrgID)
	if _, err := l.Launch(ctx, e.market, c.ID); err != nil {
		t.Fatalf("launch with the organisation's postal address: %v", err)
	}
	w := NewWorker(WorkerConfig{Queue: e.s, Email: e.mails, Identity: base, Senders: senders, Owner: "w1",
		Now: func() time.Time { return e.now }, Poll: time.Millisecond})
	e.drain(t, w)
	if len(e.mails.msgs) != 1 {
		t.Fatalf("sent %d emails, want 1", len(e.mails.msgs))
	}
	m := e.mails.msgs[0]
	if m.From.Address != "news@mercy.example" || m.From.Name != "Mercy General" || !strings.Contains(m.Text, "2 Elm St, Springfield") {
		t.Errorf("email from %v with text %q; want the organisation's From and postal address", m.From, m.Text)
	}
	in := &Inbound{Store: e.s, SMS: e.sms, Identity: base, Senders: senders, Now: func() time.Time { return e.now }}
	if _, err := in.HandleSMS(ctx, e.admin.OrgID, twilio.Inbound{MessageSID: "SM1", From: "+15550100000", Body: "help"}); err != nil {
		t.Fatal(err)
	}
	msgs := e.twilio.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "Mercy General") || !strings.Contains(msgs[0].Body, "555-0199") {
		t.Errorf("HELP answer = %+v, want the organisation's name and contact", msgs)
	}
	// Another organisation without a profile gets the defaults.
	o := &rapport.Organisation{Slug: "other", Name: "Other"}
	if err := e.s.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	if id, err := senders.For(ctx, o.ID); err != nil || id.OrgName != base.OrgName || id.From != base.From {
		t.Errorf("identity of an organisation without a profile = %+v, %v; want the defaults", id, err)
	}
}

// TestWorkerSMSAfterCrash: Twilio takes no idempotency key, so a text
// whose call a crashed worker had begun is not sent again (failed
// uncertain_after_crash); one whose call never began is sent once.
func TestWorkerSMSAfterCrash(t *testing.T) {
	for _, started := range []bool{true, false} {
		t.Run(fmt.Sprintf("started=%v", started), func(t *testing.T) {
			now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
			e := newEnv(t, now, []person{{"T1", "America/Chicago", "planner", []rapport.ChannelPurpose{smsCare}}})
			ctx := context.Background()
			e.launch(t, &rapport.Campaign{Name: "Flu", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare,
				Audience: rapport.AudienceFilter{ModelID: "m1"},
				Variants: []rapport.Variant{{Segment: "", SMS: "{{clinic_name}}: flu shots are in. Reply STOP to opt out."}}})
			jobs, err := e.s.ClaimDeliveries(ctx, "dead", 10, -time.Second)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("claim = %d, %v", len(jobs), err)
			}
			if started {
				if err := e.s.StartSend(ctx, "dead", jobs[0].ID); err != nil {
					t.Fatal(err)
				}
				if _, err := e.sms.Send(ctx, twilio.SendParams{To: jobs[0].Recipient.Phone, From: e.ident.SMSFrom, Body: "General: flu shots are in. Reply STOP to opt out."}); err != nil {
					t.Fatal(err)
				}
			}
			e.drain(t, e.worker())
			var state, reason string
			if err := rawRow(e, `SELECT state, reason FROM deliveries`, &state, &reason); err != nil {
				t.Fatal(err)
			}
			want := [2]string{string(rapport.DeliverySent), ""}
			if started {
				want = [2]string{string(rapport.DeliveryFailed), "uncertain_after_crash"}
			}
			if got := [2]string{state, reason}; got != want || len(e.twilio.Messages()) != 1 {
				t.Errorf("delivery %v with %d texts at Twilio, want %v and 1", got, len(e.twilio.Messages()), want)
			}
		})
	}
}

// TestBounceAndComplaintReports: a DSN's permanent failure marks the
// delivery bounced and suppresses the address; an ARF complaint suppresses
// the address and revokes email marketing; a delay and mail about other
// messages change nothing; applying the reports again changes nothing.
func TestBounceAndComplaintReports(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	e := newEnv(t, now, []person{
		{"R1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}},
		{"R2", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}},
		{"R3", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}},
	})
	ctx := context.Background()
	e.launch(t, emailCampaign())
	e.drain(t, e.worker())
	mid := map[string]string{} // Message-ID (no brackets) by address
	for _, m := range e.mails.msgs {
		mid[m.To.Address] = m.MessageID
	}
	if len(mid) != 3 {
		t.Fatalf("sent %d, want 3", len(mid))
	}
	reports := []email.Report{
		{Kind: email.ReportBounce, MessageID: mid["r1@example.org"], Recipient: "r1@example.org", Status: "5.1.1"},
		{Kind: email.ReportComplaint, MessageID: mid["r2@example.org"], FeedbackType: "abuse"}, // no recipient: found by the delivery
		{Kind: email.ReportDelay, MessageID: mid["r3@example.org"], Status: "4.4.1"},
		{Kind: email.ReportBounce, MessageID: "someone-else@other.example", Status: "5.1.1"},
		{Kind: email.ReportBounce, MessageID: "nodelivery@general.example", Status: "5.1.1"},
	}
	in := &Inbound{Store: e.s, Identity: e.ident, Now: func() time.Time { return e.now }}
	res, err := in.HandleReports(ctx, reports, "general.example")
	if err != nil {
		t.Fatal(err)
	}
	if want := (ReportResult{Bounced: 1, Complained: 1, Delayed: 1, NotOurs: 2}); res != want {
		t.Errorf("HandleReports = %+v, want %+v", res, want)
	}
	events := func() (n int) {
		rawRow(e, `SELECT COUNT(*) FROM engagement_events`, &n)
		return n
	}
	before := events()
	if _, err := in.HandleReports(ctx, reports, "general.example"); err != nil {
		t.Fatal(err)
	}
	if after := events(); after != before {
		t.Errorf("engagement events %d after the reports came again, want %d", after, before)
	}
	state := func(mrn string) (st, reason string) {
		e.raw.QueryRow(`SELECT state, reason FROM deliveries WHERE patient_id = ?`, e.ids[mrn]).Scan(&st, &reason)
		return
	}
	if st, reason := state("R1"); st != string(rapport.DeliveryBounced) || reason != "dsn_5.1.1" {
		t.Errorf("R1 delivery = %s/%s, want bounced/dsn_5.1.1", st, reason)
	}
	if st, _ := state("R3"); st != string(rapport.DeliverySent) {
		t.Errorf("R3 delivery = %s after a delay report, want sent", st)
	}
	var sup []string
	rows, _ := e.raw.Query(`SELECT address || ':' || reason FROM suppressions ORDER BY address`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		sup = append(sup, s)
	}
	rows.Close()
	if want := []string{"r1@example.org:hard_bounce", "r2@example.org:complaint"}; !slices.Equal(sup, want) {
		t.Errorf("suppressions %v, want %v", sup, want)
	}
	hist, _ := e.s.ConsentHistory(ctx, e.admin, e.ids["R2"])
	if last := hist[len(hist)-1]; last.Status != rapport.ConsentRevoked || last.Source != "email:complaint" {
		t.Errorf("R2's last consent event = %+v, want revoked by email:complaint", last)
	}
	if n, _ := e.s.CountAudience(ctx, e.market, rapport.AudienceFilter{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}); n.Total != 1 {
		t.Errorf("email marketing audience = %d, want 1 (R3)", n.Total)
	}
}

// timedSMS records when each text was handed to Twilio.
type timedSMS struct {
	SMSSender
	mu    sync.Mutex
	times []time.Time
}

func (s *timedSMS) Send(ctx context.Context, p twilio.SendParams) (*twilio.Message, error) {
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	return s.SMSSender.Send(ctx, p)
}

// TestSharedRateLimit: two workers (as two processes would) draining one
// SMS campaign through one Twilio account at 20 texts/s together: no second
// holds more than 20 sends, bar a few late ones (an upper bound, so a slow
// machine passes too).
func TestSharedRateLimit(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	var people []person
	for i := range 45 {
		people = append(people, person{fmt.Sprintf("Q%02d", i), "America/Chicago", "planner", []rapport.ChannelPurpose{smsCare}})
	}
	e := newEnv(t, now, people)
	e.launch(t, &rapport.Campaign{Name: "Flu", Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare,
		Audience: rapport.AudienceFilter{ModelID: "m1"},
		Variants: []rapport.Variant{{Segment: "", SMS: "{{clinic_name}}: flu shots are in. Reply STOP to opt out."}}})
	sms := &timedSMS{SMSSender: e.sms}
	const rate = 20
	var wg sync.WaitGroup
	for i := range 2 {
		w := NewWorker(WorkerConfig{Queue: e.s, SMS: sms, Identity: e.ident, Owner: fmt.Sprintf("w%d", i), Batch: 10,
			SMSRate: rate, Rates: e.s, SMSAccount: "ACtest", Now: func() time.Time { return e.now }})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := w.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	times := sms.times
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	if len(times) != 45 {
		t.Fatalf("%d texts sent, want 45", len(times))
	}
	// Slots are 50 ms apart on one shared schedule. A send that leaves
	// late (the machine is busy) shortens the window after it, so allow
	// three slots of lateness: unshared, the two workers send 23 texts in
	// about 0.6 s and this fails.
	const most = rate + 3
	for i := most; i < len(times); i++ {
		if d := times[i].Sub(times[i-most]); d < time.Second {
			t.Fatalf("texts %d and %d went %v apart: more than %d in a second", i-most, i, d, most)
		}
	}
}

// TestReconcileAfterCrash: an email a crashed worker had in flight is
// asked about: accepted → marked sent (reconciled) without sending, with
// its Message-ID as provider id so that a later bounce still finds it; not
// accepted or unknown → sent once.
func TestReconcileAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name        string
		sent, known bool
		wantMails   int
		wantReason  string
	}{
		{"accepted", true, true, 0, "reconciled"},
		{"not accepted", false, true, 1, ""},
		{"unknown", false, false, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
			e := newEnv(t, now, []person{{"C1", "America/Chicago", "planner", []rapport.ChannelPurpose{emailMkt}}})
			ctx := context.Background()
			e.launch(t, emailCampaign())
			if _, err := e.s.ClaimDeliveries(ctx, "dead", 10, -time.Second); err != nil {
				t.Fatal(err)
			}
			var asked int
			w := NewWorker(WorkerConfig{Queue: e.s, Email: e.mails, Identity: e.ident, Owner: "w2", Now: func() time.Time { return e.now },
				Reconcile: func(_ context.Context, j rapport.DeliveryJob) (bool, bool) {
					if !j.Recovered {
						t.Errorf("asked about a delivery that was not recovered")
					}
					asked++
					return tc.sent, tc.known
				}})
			e.drain(t, w)
			var reason, provider string
			if err := rawRow(e, `SELECT reason, provider_id FROM deliveries`, &reason, &provider); err != nil {
				t.Fatal(err)
			}
			if asked != 1 || len(e.mails.msgs) != tc.wantMails || reason != tc.wantReason || provider == "" {
				t.Fatalf("asked %d, sent %d, reason %q, provider id %q; want 1, %d, %q and an id", asked, len(e.mails.msgs), reason, provider, tc.wantMails, tc.wantReason)
			}
			in := &Inbound{Store: e.s, Identity: e.ident}
			res, err := in.HandleReports(ctx, []email.Report{{Kind: email.ReportBounce, MessageID: provider, Status: "5.1.1"}}, "general.example")
			var state string
			rawRow(e, `SELECT state FROM deliveries`, &state)
			if err != nil || res.Bounced != 1 || state != string(rapport.DeliveryBounced) {
				t.Errorf("bounce after the crash: %+v, %v, state %s; want bounced", res, err, state)
			}
		})
	}
}

func TestSafeCauseHasNoAddress(t *testing.T) {
	errs := []error{
		&email.SMTPError{Command: "RCPT", Code: 550, Enhanced: "5.1.1", Message: "<pat.doe@example.org>: no such user"},
		fmt.Errorf("send: %w", &twilio.APIError{Status: 400, Code: 21211, Message: "The 'To' number +15550100 is not a valid phone number."}),
		fmt.Errorf("dial: %w", fmt.Errorf("pat.doe@example.org")),
	}
	for _, err := range errs {
		if got := safeCause(err); strings.Contains(got, "pat.doe") || strings.Contains(got, "5550100") {
			t.Errorf("safeCause(%v) = %q carries the address", err, got)
		}
	}
}

func TestLaunchOnlyEmailOrSMS(t *testing.T) {
	e := newEnv(t, time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC), nil)
	ctx := context.Background()
	c := &rapport.Campaign{Name: "Call", Channel: rapport.ChannelVoice, Purpose: rapport.PurposeCare,
		Variants: []rapport.Variant{{SMS: "hello"}}}
	if err := e.s.CreateCampaign(ctx, e.market, c); err != nil {
		t.Fatal(err)
	}
	l := Launcher{Store: e.s, Previewer: Previewer{Identity: e.ident}}
	if _, err := l.Launch(ctx, e.market, c.ID); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("launch of a voice campaign: %v, want invalid", err)
	}
}
