package campaign

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/inbox"
	"github.com/rapport-health/rapport/internal/mastodon"
	"github.com/rapport-health/rapport/internal/mastodon/mastodontest"
)

var dmCare = rapport.ChannelPurpose{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare}

// A social_dm campaign sent with the real Mastodon client against the
// stand-in server: only a patient linked to a conversation in which the
// patient sent a direct message first gets one, exactly once; the others
// are skipped with a recorded reason, re-checked at send time.
func TestWorkerSocialDM(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	e := newEnv(t, now, []person{
		{"A", "America/Chicago", "", []rapport.ChannelPurpose{dmCare}}, // linked, wrote first: one DM
		{"B", "America/Chicago", "", []rapport.ChannelPurpose{dmCare}}, // linked to a public mention only by send time
		{"C", "America/Chicago", "", []rapport.ChannelPurpose{dmCare}}, // DM unlinked by send time
		{"D", "America/Chicago", "", []rapport.ChannelPurpose{dmCare}}, // consent revoked by send time
		{"E", "America/Chicago", "", []rapport.ChannelPurpose{dmCare}}, // never wrote: not in the audience
	})
	ctx := context.Background()
	srv := mastodontest.NewServer()
	defer srv.Close()
	hosp, hospTok := srv.CreateAccount("riverside", "Riverside Health")
	acct := map[string]string{} // Mastodon account id by MRN
	for _, mrn := range []string{"A", "B", "C", "D", "E"} {
		a, _ := srv.CreateAccount("pat"+strings.ToLower(mrn), "Patient "+mrn)
		acct[mrn] = a.ID
	}
	client, err := mastodon.New(mastodon.Config{Server: srv.URL, Token: hospTok})
	if err != nil {
		t.Fatal(err)
	}
	u := &rapport.User{OrgID: e.admin.OrgID, Email: "agent@general.example", Role: rapport.RoleAgent, PasswordHash: "$argon2id$test"}
	if err := e.s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	agent := rapport.Actor{OrgID: u.OrgID, Role: rapport.RoleAgent, UserID: u.ID, Name: u.Email, Addr: "test"}
	reg := &inbox.Registry{}
	reg.Add(inbox.Account{OrgID: e.admin.OrgID, AccountID: "masto-main", Conn: client})

	item := func(id, mrn string, kind rapport.ItemKind) string {
		t.Helper()
		it := &rapport.InboxItem{SocialItem: rapport.SocialItem{Network: rapport.NetworkMastodon, AccountID: "masto-main", NetworkID: id,
			Kind: kind, Private: kind == rapport.KindDM, AuthorID: acct[mrn], AuthorHandle: "pat" + mrn, Text: "hello", CreatedAt: now.Add(-time.Hour)},
			Triage: rapport.ItemTriage{Intent: "question", Urgency: 1}, Queue: "general"}
		res, err := e.s.StoreItems(ctx, agent, []*rapport.InboxItem{it})
		if err != nil {
			t.Fatalf("StoreItems: %v", err)
		}
		return res[0].ConversationID
	}
	link := func(conv, mrn string) {
		t.Helper()
		pid := ""
		if mrn != "" {
			pid = e.ids[mrn]
		}
		if _, err := e.s.LinkPatient(ctx, agent, conv, pid); err != nil {
			t.Fatalf("LinkPatient: %v", err)
		}
	}
	convs := map[string]string{}
	for _, mrn := range []string{"A", "B", "C", "D"} {
		convs[mrn] = item("dm-"+mrn, mrn, rapport.KindDM)
		link(convs[mrn], mrn)
	}
	item("dm-E", "E", rapport.KindDM) // E wrote, but nobody linked the conversation

	c := &rapport.Campaign{Name: "Flu clinic", Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare,
		Variants: []rapport.Variant{{Text: "Hi {{first_name|there}}, the flu clinic is open this week."}}}
	if res := e.launch(t, c); res.Deliveries != 4 {
		t.Fatalf("launch = %+v, want 4 deliveries (A-D, not E)", res)
	}
	// Between launch and send: B's DM conversation is unlinked and a public
	// mention linked instead, C's is unlinked, D revokes consent.
	link(convs["B"], "")
	link(item("mention-B", "B", rapport.KindMention), "B")
	link(convs["C"], "")
	if _, err := e.s.RevokeConsents(ctx, e.admin.OrgID, e.ids["D"], []rapport.ChannelPurpose{dmCare}, "test", "", now); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(WorkerConfig{Queue: e.s, DMTargets: e.s, Connectors: reg, Identity: e.ident, Owner: "w1",
		Now: func() time.Time { return e.now }, Poll: time.Millisecond})
	e.drain(t, w)
	e.drain(t, w) // nothing is sent twice

	sent := srv.StatusesBy(hosp.ID)
	if len(sent) != 1 {
		t.Fatalf("the hospital account posted %d statuses, want 1 DM to A", len(sent))
	}
	dm := sent[0]
	if dm.Visibility != "direct" || len(dm.Mentions) != 1 || dm.Mentions[0].ID != acct["A"] || !strings.Contains(dm.Content, "GivA, the flu clinic is open") {
		t.Errorf("DM = visibility %q, mentions %+v, content %q; want a direct message to A", dm.Visibility, dm.Mentions, dm.Content)
	}
	want := map[string][3]string{
		"A": {string(rapport.DeliverySent), "", dm.ID},
		"B": {string(rapport.DeliverySkipped), "patient_not_first", ""},
		"C": {string(rapport.DeliverySkipped), "patient_not_first", ""},
		"D": {string(rapport.DeliverySkipped), "revoked", ""},
	}
	for mrn, w := range want {
		var got [3]string
		if err := e.raw.QueryRow(`SELECT state, reason, provider_id FROM deliveries WHERE patient_id = ?`, e.ids[mrn]).Scan(&got[0], &got[1], &got[2]); err != nil {
			t.Fatalf("delivery of %s: %v", mrn, err)
		}
		if got != w {
			t.Errorf("delivery of %s = %q, want %q", mrn, got, w)
		}
	}
}

// Without connectors a social_dm delivery fails rather than vanishing.
func TestWorkerSocialDMNoSender(t *testing.T) {
	w := NewWorker(WorkerConfig{})
	out := w.deliver(context.Background(), &rapport.DeliveryJob{Delivery: rapport.Delivery{ID: "d1", Channel: rapport.ChannelSocialDM,
		Purpose: rapport.PurposeCare}}, func(time.Time) {})
	if out.State != rapport.DeliveryFailed || out.Reason != "no_sender" {
		t.Errorf("deliver without connectors = %s/%s, want failed/no_sender", out.State, out.Reason)
	}
}

// dmQueue serves one launched social_dm campaign; deliver needs nothing
// else of the queue.
type dmQueue struct{ Queue }

func (dmQueue) StartSend(context.Context, string, string) error { return nil }

func (dmQueue) LaunchedCampaign(_ context.Context, orgID, id string) (*rapport.Campaign, error) {
	return &rapport.Campaign{ID: id, OrgID: orgID, Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare,
		Variants: []rapport.Variant{{Arm: "A", Text: "Hi {{first_name|there}}"}}}, nil
}

type fixedTarget rapport.DMTarget

func (f fixedTarget) SocialDMTarget(context.Context, string, string) (rapport.DMTarget, error) {
	return rapport.DMTarget(f), nil
}

// dmConn records direct messages; the other Connector methods are unused.
type dmConn struct {
	rapport.Connector
	sent []string
}

func (c *dmConn) SendDM(_ context.Context, author, text string) (rapport.PostRef, error) {
	c.sent = append(c.sent, author+": "+text)
	return rapport.PostRef{NetworkID: "mid.1"}, nil
}

type oneConn struct{ c *dmConn }

func (o oneConn) Connector(context.Context, string, rapport.Network, string) (rapport.Connector, error) {
	return o.c, nil
}

// Facebook and Instagram allow a page to message someone only within 24
// hours of their last message; Mastodon has no such window.
func TestWorkerSocialDMMessagingWindow(t *testing.T) {
	now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		network   rapport.Network
		ago       time.Duration
		wantState rapport.DeliveryState
		wantWhy   string
	}{
		{"facebook within 24 h", rapport.NetworkFacebook, 23 * time.Hour, rapport.DeliverySent, ""},
		{"facebook after 24 h", rapport.NetworkFacebook, 25 * time.Hour, rapport.DeliverySkipped, "outside_messaging_window"},
		{"instagram after 24 h", rapport.NetworkInstagram, 25 * time.Hour, rapport.DeliverySkipped, "outside_messaging_window"},
		{"mastodon after a week", rapport.NetworkMastodon, 7 * 24 * time.Hour, rapport.DeliverySent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &dmConn{}
			w := NewWorker(WorkerConfig{Queue: dmQueue{}, Connectors: oneConn{conn}, Now: func() time.Time { return now },
				DMTargets: fixedTarget{Network: tt.network, AccountID: "page", AuthorID: "psid-1", WroteAt: now.Add(-tt.ago)}})
			j := &rapport.DeliveryJob{Delivery: rapport.Delivery{ID: "d1", OrgID: "o1", CampaignID: "c1", PatientID: "p1",
				Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare, Arm: "A"},
				Recipient: rapport.Recipient{Given: "Ann", Consent: rapport.ConsentGranted}}
			out := w.deliver(context.Background(), j, func(time.Time) {})
			if out.State != tt.wantState || out.Reason != tt.wantWhy {
				t.Fatalf("deliver = %s/%q, want %s/%q", out.State, out.Reason, tt.wantState, tt.wantWhy)
			}
			wantSent := 0
			if tt.wantState == rapport.DeliverySent {
				wantSent = 1
				if out.ProviderID != "mid.1" {
					t.Errorf("provider id = %q, want the network's mid.1", out.ProviderID)
				}
			}
			if len(conn.sent) != wantSent {
				t.Errorf("sent %q, want %d DM", conn.sent, wantSent)
			}
			if wantSent == 1 && conn.sent[0] != "psid-1: Hi Ann" {
				t.Errorf("sent %q, want %q", conn.sent[0], "psid-1: Hi Ann")
			}
		})
	}
}

// plainConnector hides a connector's idempotency key support, as a
// network without one (Bluesky chat, Meta) behaves.
type plainConnector struct{ rapport.Connector }

// TestWorkerSocialDMAfterCrash: a worker dies after starting a DM's
// network call and before recording the outcome. On Mastodon the resend
// carries the same Idempotency-Key, so the patient gets one message; on a
// network without keys the delivery is not sent again (at most once); a
// delivery whose call never started is sent normally.
func TestWorkerSocialDMAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name       string
		keyed      bool
		started    bool // the dead worker began the call
		sentBefore bool // … and the network accepted it
		wantState  rapport.DeliveryState
		wantReason string
		wantPosts  int
	}{
		{"keyed, sent before the crash", true, true, true, rapport.DeliverySent, "", 1},
		{"keyed, started but not accepted", true, true, false, rapport.DeliverySent, "", 1},
		{"unkeyed, started", false, true, true, rapport.DeliveryFailed, "uncertain_after_crash", 1},
		{"unkeyed, never started", false, false, false, rapport.DeliverySent, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
			e := newEnv(t, now, []person{{"A", "America/Chicago", "", []rapport.ChannelPurpose{dmCare}}})
			ctx := context.Background()
			srv := mastodontest.NewServer()
			defer srv.Close()
			hosp, hospTok := srv.CreateAccount("riverside", "Riverside Health")
			pat, _ := srv.CreateAccount("pata", "Patient A")
			client, err := mastodon.New(mastodon.Config{Server: srv.URL, Token: hospTok})
			if err != nil {
				t.Fatal(err)
			}
			var conn rapport.Connector = client
			if !tc.keyed {
				conn = plainConnector{client}
			}
			u := &rapport.User{OrgID: e.admin.OrgID, Email: "agent@general.example", Role: rapport.RoleAgent, PasswordHash: "$argon2id$test"}
			if err := e.s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			agent := rapport.Actor{OrgID: u.OrgID, Role: rapport.RoleAgent, UserID: u.ID, Name: u.Email, Addr: "test"}
			res, err := e.s.StoreItems(ctx, agent, []*rapport.InboxItem{{SocialItem: rapport.SocialItem{Network: rapport.NetworkMastodon,
				AccountID: "masto-main", NetworkID: "dm-A", Kind: rapport.KindDM, Private: true, AuthorID: pat.ID, AuthorHandle: "pata",
				Text: "hello", CreatedAt: now.Add(-time.Hour)}, Triage: rapport.ItemTriage{Intent: "question", Urgency: 1}, Queue: "general"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.LinkPatient(ctx, agent, res[0].ConversationID, e.ids["A"]); err != nil {
				t.Fatal(err)
			}
			reg := &inbox.Registry{}
			reg.Add(inbox.Account{OrgID: e.admin.OrgID, AccountID: "masto-main", Conn: conn})
			e.launch(t, &rapport.Campaign{Name: "Flu clinic", Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare,
				Variants: []rapport.Variant{{Text: "Hi {{first_name|there}}, the flu clinic is open this week."}}})

			// The worker that dies: claims with a lease that has already
			// run out, perhaps starts the call, perhaps gets it accepted.
			jobs, err := e.s.ClaimDeliveries(ctx, "dead", 10, -time.Second)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("claim = %d, %v", len(jobs), err)
			}
			if tc.started {
				if err := e.s.StartSend(ctx, "dead", jobs[0].ID); err != nil {
					t.Fatal(err)
				}
			}
			if tc.sentBefore {
				if _, err := client.SendDMOnce(ctx, pat.ID, "Hi GivA, the flu clinic is open this week.", jobs[0].MessageID); err != nil {
					t.Fatal(err)
				}
			}
			w := NewWorker(WorkerConfig{Queue: e.s, DMTargets: e.s, Connectors: reg, Identity: e.ident, Owner: "w2",
				Now: func() time.Time { return e.now }, Poll: time.Millisecond})
			e.drain(t, w)
			if got := len(srv.StatusesBy(hosp.ID)); got != tc.wantPosts {
				t.Errorf("the hospital posted %d DMs, want %d", got, tc.wantPosts)
			}
			var state, reason string
			if err := e.raw.QueryRow(`SELECT state, reason FROM deliveries`).Scan(&state, &reason); err != nil {
				t.Fatal(err)
			}
			if state != string(tc.wantState) || reason != tc.wantReason {
				t.Errorf("delivery = %s/%q, want %s/%q", state, reason, tc.wantState, tc.wantReason)
			}
		})
	}
}

// TestPreviewSocialDMLength: a DM too long for Bluesky chat blocks the
// launch; one that may not fit a Mastodon status with the @handle warns.
func TestPreviewSocialDMLength(t *testing.T) {
	p := Previewer{Identity: Identity{OrgName: "General", BaseURL: "https://r.example.org"}}
	for _, tc := range []struct {
		n        int
		severity string // "" for no finding
	}{{100, ""}, {600, "warning"}, {1200, "blocker"}} {
		c := &rapport.Campaign{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare,
			Variants: []rapport.Variant{{Text: strings.Repeat("a", tc.n)}}}
		pv := p.Preview(c, rapport.AudienceCount{}, time.Now())
		var got string
		for _, f := range pv.Variants[0].Findings {
			if f.Code == "dm_too_long" {
				got = f.Severity
			}
		}
		if got != tc.severity || (tc.severity == "blocker") != pv.Blocked {
			t.Errorf("%d characters: finding %q, blocked %v; want %q", tc.n, got, pv.Blocked, tc.severity)
		}
	}
}
