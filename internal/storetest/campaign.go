package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rapport-health/rapport"
)

// audienceFixture imports patients with varied attributes, consents and
// segments, and returns their ids by MRN.
func audienceFixture(t *testing.T, f *fixture, actor rapport.Actor) map[string]string {
	t.Helper()
	ctx := context.Background()
	granted := func(ch rapport.Channel, pu rapport.Purpose) rapport.ConsentEvent {
		return consent(ch, pu, rapport.ConsentGranted, epoch.Add(-time.Hour))
	}
	type row struct {
		mrn, birth, lang, zip string
		tags                  []string
		consents              []rapport.ConsentEvent
		seg                   string
		prob                  float64
	}
	rows := []row{
		{"MRN001", "1950-05-01", "en", "62701", []string{"diabetes"}, []rapport.ConsentEvent{granted("email", "marketing"), granted("sms", "care"),
			granted("email", "tracking")}, "planner", 0.9},
		{"MRN002", "1980-05-01", "es-PR", "00901", nil, []rapport.ConsentEvent{granted("email", "marketing")}, "planner", 0.5},
		{"MRN003", "2000-05-01", "en", "02101", []string{"diabetes", "vip"}, []rapport.ConsentEvent{granted("email", "marketing"),
			consent("email", "marketing", rapport.ConsentRevoked, epoch)}, "caregiver", 0.8},
		{"MRN004", "1990-05-01", "es", "62702", []string{"vip"}, []rapport.ConsentEvent{granted("email", "care"), granted("email", "marketing")}, "caregiver", 0.7},
		{"MRN005", "", "vi", "62703", nil, []rapport.ConsentEvent{granted("email", "marketing")}, "", 0},
	}
	var recs []rapport.ImportRecord
	for _, r := range rows {
		p := patient(r.mrn, "Fam"+r.mrn, "Giv")
		p.BirthDate, p.Language, p.Address.PostalCode, p.Tags = r.birth, r.lang, r.zip, r.tags
		recs = append(recs, rapport.ImportRecord{Patient: p, Consents: r.consents})
	}
	f.importRecs(t, actor, recs...)
	ids := map[string]string{}
	ps, _, err := f.s.FindPatients(ctx, actor, rapport.PatientFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		ids[p.Identifier(rapport.SystemMRN)] = p.ID
	}
	seg := rapport.Actor{OrgID: actor.OrgID, Role: rapport.RoleMarket, Name: "m"}
	for _, r := range rows {
		if r.seg == "" {
			continue
		}
		a := &rapport.Assessment{PatientID: ids[r.mrn], ModelID: "m1", ModelVersion: "1", Form: "full", Segment: r.seg,
			Probability: r.prob, Probabilities: map[string]float64{r.seg: r.prob}, At: epoch, Source: "test"}
		if err := f.s.RecordAssessment(ctx, seg, a); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func testAudience(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	ids := audienceFixture(t, f, f.admin)
	marketer := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	em := func(af rapport.AudienceFilter) rapport.AudienceFilter {
		if af.Channel == "" {
			af.Channel = rapport.ChannelEmail
		}
		if af.Purpose == "" {
			af.Purpose = rapport.PurposeMarketing
		}
		return af
	}
	// epoch is 2026-03-01: MRN001 is 75, MRN002 45, MRN003 25, MRN004 35.
	tests := []struct {
		name string
		f    rapport.AudienceFilter
		want rapport.AudienceCount
	}{
		{"email marketing consent", em(rapport.AudienceFilter{}), rapport.AudienceCount{Total: 4, BySegment: map[string]int{}}},
		{"care consent is separate", em(rapport.AudienceFilter{Purpose: rapport.PurposeCare}), rapport.AudienceCount{Total: 1, BySegment: map[string]int{}}},
		{"sms care", rapport.AudienceFilter{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare}, rapport.AudienceCount{Total: 1, BySegment: map[string]int{}}},
		{"by model", em(rapport.AudienceFilter{ModelID: "m1"}), rapport.AudienceCount{Total: 3, BySegment: map[string]int{"planner": 2, "caregiver": 1}}},
		{"segments, one named twice", em(rapport.AudienceFilter{ModelID: "m1", Segments: []string{"planner", "caregiver", "planner"}}),
			rapport.AudienceCount{Total: 3, BySegment: map[string]int{"planner": 2, "caregiver": 1}}},
		{"unknown model", em(rapport.AudienceFilter{ModelID: "m9"}), rapport.AudienceCount{Total: 0, BySegment: map[string]int{}}},
		{"segment and probability", em(rapport.AudienceFilter{ModelID: "m1", Segments: []string{"planner"}, MinProbability: 0.6}),
			rapport.AudienceCount{Total: 1, BySegment: map[string]int{"planner": 1}}},
		{"age 40 to 80", em(rapport.AudienceFilter{MinAge: 40, MaxAge: 80}), rapport.AudienceCount{Total: 2, BySegment: map[string]int{}}},
		{"age up to 35", em(rapport.AudienceFilter{MaxAge: 35}), rapport.AudienceCount{Total: 1, BySegment: map[string]int{}}},
		{"language es covers es-PR", em(rapport.AudienceFilter{Languages: []string{"es"}}), rapport.AudienceCount{Total: 2, BySegment: map[string]int{}}},
		{"zip prefix", em(rapport.AudienceFilter{ZIPPrefixes: []string{"627"}}), rapport.AudienceCount{Total: 3, BySegment: map[string]int{}}},
		{"zip prefixes", em(rapport.AudienceFilter{ZIPPrefixes: []string{"009", "021"}}), rapport.AudienceCount{Total: 1, BySegment: map[string]int{}}},
		{"tags all of", em(rapport.AudienceFilter{Tags: []string{"vip"}}), rapport.AudienceCount{Total: 1, BySegment: map[string]int{}}},
		{"tag no match", em(rapport.AudienceFilter{Tags: []string{"vi"}}), rapport.AudienceCount{Total: 0, BySegment: map[string]int{}}},
	}
	for _, tt := range tests {
		got, err := f.s.CountAudience(ctx, marketer, tt.f)
		if err != nil {
			t.Errorf("%s: CountAudience: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: CountAudience (-want +got):\n%s", tt.name, diff)
		}
	}
	bad := []rapport.AudienceFilter{
		{Channel: "fax", Purpose: rapport.PurposeCare},
		em(rapport.AudienceFilter{MinProbability: 2}),
		em(rapport.AudienceFilter{ZIPPrefixes: []string{"62%"}}),
		em(rapport.AudienceFilter{Segments: []string{"planner"}}),
		em(rapport.AudienceFilter{MinAge: 50, MaxAge: 20}),
	}
	for _, af := range bad {
		if _, err := f.s.CountAudience(ctx, marketer, af); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("CountAudience(%+v) = %v, want invalid", af, err)
		}
	}
	// Tenants: another organisation sees none of these patients.
	_, other := f.newOrg(t, "other")
	other.Role = rapport.RoleMarket
	if got, err := f.s.CountAudience(ctx, other, em(rapport.AudienceFilter{})); err != nil || got.Total != 0 {
		t.Errorf("other org's audience = %+v, %v; want 0", got, err)
	}
	agent := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAgent, Name: "a"}
	if _, err := f.s.CountAudience(ctx, agent, em(rapport.AudienceFilter{})); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
		t.Errorf("agent counts an audience: %v, want forbidden", err)
	}
	// A suppressed address leaves the audience.
	p1, err := f.s.Patient(ctx, f.admin, ids["MRN001"])
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Suppress(ctx, f.org.ID, rapport.ChannelEmail, p1.Email, "bounce"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.CountAudience(ctx, marketer, em(rapport.AudienceFilter{})); got.Total != 3 {
		t.Errorf("after suppression: %d, want 3", got.Total)
	}
}

func newCampaign(org string) *rapport.Campaign {
	return &rapport.Campaign{Name: "Flu shots", Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing,
		Audience: rapport.AudienceFilter{ModelID: "m1"}, HoldoutPercent: 10,
		Variants: []rapport.Variant{
			{Segment: "planner", Subject: "Plan", Text: "Hi {{first_name|there}} {{unsubscribe_url}}"},
			{Segment: "caregiver", Subject: "Quick", Text: "Quick {{unsubscribe_url}}"},
		}}
}

func testCampaignLaunch(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	ids := audienceFixture(t, f, f.admin)
	marketer := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	c := newCampaign(f.org.ID)
	if err := f.s.CreateCampaign(ctx, marketer, c); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Campaign(ctx, marketer, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != rapport.CampaignDraft || len(got.Variants) != 2 || got.Variants[0].Arm != "A" || got.Audience.Channel != rapport.ChannelEmail {
		t.Errorf("stored campaign = %+v", got)
	}
	_, other := f.newOrg(t, "other")
	other.Role = rapport.RoleMarket
	if _, err := f.s.Campaign(ctx, other, c.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("other org reads the campaign: %v, want not found", err)
	}
	// Lists: this organisation sees its campaign, another sees none.
	if cs, err := f.s.Campaigns(ctx, marketer, 0); err != nil || len(cs) != 1 || cs[0].ID != c.ID || cs[0].Name != c.Name {
		t.Errorf("Campaigns = %d, %v; want the one campaign", len(cs), err)
	}
	if cs, err := f.s.Campaigns(ctx, other, 0); err != nil || len(cs) != 0 {
		t.Errorf("another organisation's Campaigns = %d, %v; want none", len(cs), err)
	}
	if ec, err := f.s.EngagementCounts(ctx, other, c.ID); err != nil || len(ec) != 0 {
		t.Errorf("another organisation's EngagementCounts = %v, %v; want none", ec, err)
	}
	if _, err := f.s.LaunchCampaign(ctx, other, c.ID, nil); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("other org launches the campaign: %v, want not found", err)
	}
	held := ids["MRN002"]
	assign := func(cid, pid, seg string) (string, bool, bool) {
		if seg != "planner" && seg != "caregiver" {
			return "", false, false
		}
		return "A", pid == held, true
	}
	res, err := f.s.LaunchCampaign(ctx, marketer, c.ID, assign)
	if err != nil {
		t.Fatal(err)
	}
	// Audience: MRN001, MRN002 (planner), MRN004 (caregiver); MRN003
	// revoked, MRN005 has no segment.
	if want := (rapport.LaunchResult{Deliveries: 2, Holdout: 1}); res != want {
		t.Errorf("launch = %+v, want %+v", res, want)
	}
	if _, err := f.s.LaunchCampaign(ctx, marketer, c.ID, assign); rapport.ErrorCode(err) != rapport.ECONFLICT {
		t.Errorf("second launch: %v, want conflict", err)
	}
	c.Name = "changed"
	if err := f.s.UpdateCampaign(ctx, marketer, c); rapport.ErrorCode(err) != rapport.ECONFLICT {
		t.Errorf("update after launch: %v, want conflict", err)
	}
	counts, err := f.s.DeliveryCounts(ctx, marketer, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[rapport.DeliveryState]int{rapport.DeliveryPending: 2, rapport.DeliveryHoldout: 1}, counts); diff != "" {
		t.Errorf("delivery counts (-want +got):\n%s", diff)
	}
	// The unique key: a duplicate row for (campaign, patient, channel) is refused.
	_, err = f.raw.ExecContext(ctx, rebind(f.s, `INSERT INTO deliveries (id, org_id, campaign_id, patient_id, channel, purpose, segment, arm, state, updated_at)
		VALUES ('dup', ?, ?, ?, 'email', 'marketing', 'planner', 'A', 'pending', 0)`), f.org.ID, c.ID, ids["MRN001"])
	if err == nil {
		t.Errorf("a second delivery row for the same campaign, patient and channel was accepted")
	}
}

func testDeliveryQueue(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	ids := audienceFixture(t, f, f.admin)
	marketer := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	c := newCampaign(f.org.ID)
	c.HoldoutPercent = 0
	if err := f.s.CreateCampaign(ctx, marketer, c); err != nil {
		t.Fatal(err)
	}
	all := func(cid, pid, seg string) (string, bool, bool) { return "A", false, seg != "" }
	if _, err := f.s.LaunchCampaign(ctx, marketer, c.ID, all); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.s.ClaimDeliveries(ctx, "w1", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("claimed %d, want 3", len(jobs))
	}
	for _, j := range jobs {
		if j.State != rapport.DeliveryInflight || j.MessageID != j.ID || j.Attempts != 1 || j.Recovered {
			t.Errorf("claimed job = %+v", j.Delivery)
		}
		if j.Recipient.Consent != rapport.ConsentGranted || j.Recipient.Email == "" || j.Recipient.TimeZone != "America/Chicago" || j.Recipient.State != "IL" {
			t.Errorf("recipient = %+v", j.Recipient)
		}
	}
	// MRN001, who alone granted email tracking, is the one sent below.
	for i := range jobs {
		if jobs[i].PatientID == ids["MRN001"] {
			jobs[0], jobs[i] = jobs[i], jobs[0]
		}
	}
	for _, j := range jobs {
		if want := j.PatientID == ids["MRN001"]; j.Recipient.TrackOpens != want {
			t.Errorf("recipient %s: TrackOpens = %v, want %v", j.PatientID, j.Recipient.TrackOpens, want)
		}
	}
	if again, err := f.s.ClaimDeliveries(ctx, "w2", 10, time.Minute); err != nil || len(again) != 0 {
		t.Errorf("second worker claimed %d, %v; want 0", len(again), err)
	}
	// A patient opts out after launch: the claim sees the new state.
	now := epoch.Add(time.Hour)
	outs := []rapport.DeliveryOutcome{
		{ID: jobs[0].ID, Attempts: 1, State: rapport.DeliverySent, ProviderID: "p-1", SentAt: now, Event: rapport.EventSent},
		{ID: jobs[1].ID, Attempts: 1, State: rapport.DeliveryPending, NotBefore: epoch, Reason: "quiet_hours", Event: rapport.EventDeferred},
		{ID: jobs[2].ID, Attempts: 1, State: rapport.DeliverySkipped, Reason: "revoked", Event: rapport.EventSkipped},
	}
	// w2 holds nothing: its outcomes are ignored.
	if err := f.s.CompleteDeliveries(ctx, "w2", outs); err != nil {
		t.Fatal(err)
	}
	if counts, _ := f.s.DeliveryCounts(ctx, marketer, c.ID); counts[rapport.DeliveryInflight] != 3 {
		t.Errorf("outcomes of a worker without the lease were applied: %v", counts)
	}
	if err := f.s.CompleteDeliveries(ctx, "w1", outs); err != nil {
		t.Fatal(err)
	}
	counts, _ := f.s.DeliveryCounts(ctx, marketer, c.ID)
	if diff := cmp.Diff(map[rapport.DeliveryState]int{rapport.DeliverySent: 1, rapport.DeliveryPending: 1, rapport.DeliverySkipped: 1}, counts); diff != "" {
		t.Errorf("after outcomes (-want +got):\n%s", diff)
	}
	if err := f.s.CompleteDeliveries(ctx, "w1", outs); err != nil {
		t.Fatal(err)
	}
	var events int
	if err := f.raw.QueryRowContext(ctx, rebind(f.s, `SELECT COUNT(*) FROM engagement_events WHERE campaign_id = ?`), c.ID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 3 {
		t.Errorf("%d engagement events, want 3 (one per outcome, none twice)", events)
	}
	// Opens: recorded once, for a sent email whose patient consents to
	// tracking; never for the unsent; an unknown delivery is not found.
	for _, tc := range []struct {
		id   string
		want bool
	}{{jobs[0].ID, true}, {jobs[0].ID, false}, {jobs[1].ID, false}, {jobs[2].ID, false}} {
		if added, err := f.s.RecordOpen(ctx, tc.id, now); err != nil || added != tc.want {
			t.Errorf("RecordOpen(%s) = %v, %v; want %v", tc.id, added, err, tc.want)
		}
	}
	if _, err := f.s.RecordOpen(ctx, "nope", now); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("RecordOpen(unknown) = %v, want not found", err)
	}
	// The deferred one comes back once due, with the earlier send of
	// another campaign counted for caps.
	c2 := newCampaign(f.org.ID)
	c2.HoldoutPercent = 0
	if err := f.s.CreateCampaign(ctx, marketer, c2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.LaunchCampaign(ctx, marketer, c2.ID, all); err != nil {
		t.Fatal(err)
	}
	jobs2, err := f.s.ClaimDeliveries(ctx, "w1", 10, -time.Second) // an already expired lease
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs2) != 4 {
		t.Fatalf("claimed %d, want 4 (1 deferred + 3 of the second campaign)", len(jobs2))
	}
	for _, j := range jobs2 {
		if j.CampaignID == c2.ID && j.ID != "" && j.PatientID == jobs[0].PatientID && len(j.Recipient.Sent) != 1 {
			t.Errorf("send history of the patient sent to = %v, want one send", j.Recipient.Sent)
		}
	}
	// w1 began the network call of one job (twice: the first time
	// counts); a worker without the lease cannot mark it.
	if err := f.s.StartSend(ctx, "w2", jobs2[0].ID); rapport.ErrorCode(err) != rapport.ECONFLICT {
		t.Errorf("StartSend by a worker without the lease = %v, want conflict", err)
	}
	startedAt := func() (v int64) {
		t.Helper()
		if err := f.raw.QueryRowContext(ctx, rebind(f.s, `SELECT send_started_at FROM deliveries WHERE id = ?`), jobs2[0].ID).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := f.s.StartSend(ctx, "w1", jobs2[0].ID); err != nil {
		t.Fatal(err)
	}
	first := startedAt()
	if err := f.s.StartSend(ctx, "w1", jobs2[0].ID); err != nil {
		t.Fatal(err)
	}
	if again := startedAt(); first == 0 || again != first {
		t.Errorf("send_started_at = %d after the first StartSend, %d after the second; want set once", first, again)
	}
	// w1 "crashed": another worker recovers the expired leases.
	rec, err := f.s.ClaimDeliveries(ctx, "w3", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 4 {
		t.Errorf("recovered %d jobs, want 4", len(rec))
	}
	for _, j := range rec {
		if !j.Recovered {
			t.Errorf("job %s not marked recovered", j.ID)
		}
		if started := !j.SendStarted.IsZero(); started != (j.ID == jobs2[0].ID) {
			t.Errorf("job %s: SendStarted = %v; want set only for the job whose call began", j.ID, j.SendStarted)
		}
	}

	// An SMS STOP revokes per the scope, once.
	scope := []rapport.ChannelPurpose{{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare}, {Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}}
	changed, matched, err := f.s.RecordOptOut(ctx, f.org.ID, rapport.ChannelSMS, "+15550100001", scope, "sms:stop", "SM1", now)
	if err != nil || !matched || len(changed) != 1 || changed[0] != ids["MRN001"] {
		t.Fatalf("RecordOptOut = %v, %v, %v", changed, matched, err)
	}
	changed, _, err = f.s.RecordOptOut(ctx, f.org.ID, rapport.ChannelSMS, "+15550100001", scope, "sms:stop", "SM2", now.Add(time.Minute))
	if err != nil || len(changed) != 0 {
		t.Errorf("second STOP changed %v, %v; want nothing", changed, err)
	}
	if out, _ := f.s.OptedOut(ctx, f.org.ID, rapport.ChannelSMS, "+15550100001"); !out {
		t.Errorf("OptedOut after STOP = false")
	}
	if n, _ := f.s.CountAudience(ctx, marketer, rapport.AudienceFilter{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}); n.Total != 3 {
		t.Errorf("email marketing audience after SMS STOP = %d, want 3 (4 less MRN001)", n.Total)
	}
	_, other := f.newOrg(t, "other")
	if _, matched, _ := f.s.RecordOptOut(ctx, other.OrgID, rapport.ChannelSMS, "+15550100002", scope, "sms:stop", "SM3", now); matched {
		t.Errorf("a STOP to another organisation matched this one's patient")
	}
	// A bounce report suppresses the address the delivery went to, once.
	for i, want := range []bool{true, false} {
		if added, err := f.s.SuppressDeliveryAddress(ctx, jobs[0].ID, "hard_bounce"); err != nil || added != want {
			t.Errorf("SuppressDeliveryAddress #%d = %v, %v; want %v", i+1, added, err, want)
		}
	}
	if _, err := f.s.SuppressDeliveryAddress(ctx, "nope", "hard_bounce"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("SuppressDeliveryAddress(unknown) = %v, want not found", err)
	}
	var suppressed string
	if err := f.raw.QueryRowContext(ctx, rebind(f.s, `SELECT address FROM suppressions WHERE org_id = ? AND channel = 'email'`), f.org.ID).Scan(&suppressed); err != nil ||
		suppressed != jobs[0].Recipient.Email {
		t.Errorf("suppressed %q, %v; want the delivery's address", suppressed, err)
	}
}

// testConcurrentClaims runs several workers claiming from one queue at
// once (on PostgreSQL with SKIP LOCKED, on SQLite through its single
// writer): every delivery is claimed by exactly one of them.
func testConcurrentClaims(t *testing.T, open Opener) {
	// The suite's clock is not safe for concurrent use; this test's is.
	cfg := newConfig()
	var clockMu sync.Mutex
	now := epoch
	cfg.Now = func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	s, raw := open(t, cfg)
	f := &fixture{s: s, raw: raw}
	f.org, f.admin = f.newOrg(t, "general")
	ctx := context.Background()
	var recs []rapport.ImportRecord
	for i := range 60 {
		p := patient(fmt.Sprintf("MRN%03d", i), fmt.Sprintf("F%d", i), "G")
		recs = append(recs, rapport.ImportRecord{Patient: p, Consents: []rapport.ConsentEvent{
			consent(rapport.ChannelEmail, rapport.PurposeMarketing, rapport.ConsentGranted, epoch.Add(-time.Hour))}})
	}
	f.importRecs(t, f.admin, recs...)
	marketer := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	c := &rapport.Campaign{Name: "c", Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing,
		Variants: []rapport.Variant{{Text: "x"}}}
	if err := f.s.CreateCampaign(ctx, marketer, c); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.LaunchCampaign(ctx, marketer, c.ID, func(_, _, _ string) (string, bool, bool) { return "A", false, true }); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for w := range 3 {
		owner := fmt.Sprintf("w%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				jobs, err := f.s.ClaimDeliveries(ctx, owner, 7, time.Minute)
				if err != nil {
					errs <- err
					return
				}
				if len(jobs) == 0 {
					return
				}
				var outs []rapport.DeliveryOutcome
				mu.Lock()
				for _, j := range jobs {
					if prev, ok := claimed[j.ID]; ok {
						errs <- fmt.Errorf("delivery claimed by %s and %s", prev, owner)
					}
					claimed[j.ID] = owner
					outs = append(outs, rapport.DeliveryOutcome{ID: j.ID, Attempts: j.Attempts, State: rapport.DeliverySent,
						SentAt: epoch, Event: rapport.EventSent})
				}
				mu.Unlock()
				if err := f.s.CompleteDeliveries(ctx, owner, outs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(claimed) != 60 {
		t.Errorf("claimed %d deliveries, want 60", len(claimed))
	}
	if counts, _ := f.s.DeliveryCounts(ctx, marketer, c.ID); counts[rapport.DeliverySent] != 60 {
		t.Errorf("sent = %v, want 60", counts)
	}
}

// testSenderProfiles: an organisation's admin alone sets its sender
// profile, which is validated, audited and invisible to other
// organisations.
func testSenderProfiles(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	if _, err := f.s.SenderProfile(ctx, f.org.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Fatalf("SenderProfile before any = %v, want not found", err)
	}
	p := &rapport.SenderProfile{OrgName: "Mercy General", PostalAddress: "2 Elm St, Springfield, IL 62704",
		MailFrom: "Mercy General <news@mercy.example>", SMSFrom: "+15005550006", HelpContact: "555-0100"}
	marketer := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	if err := f.s.SetSenderProfile(ctx, marketer, p); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
		t.Errorf("marketer sets the sender profile: %v, want forbidden", err)
	}
	for _, bad := range []rapport.SenderProfile{{MailFrom: "not an address"}, {SMSFrom: "555-0100"}, {PostalAddress: "1 Main St\r\nBcc: x@example.org"}} {
		if err := f.s.SetSenderProfile(ctx, f.admin, &bad); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("SetSenderProfile(%+v) = %v, want invalid", bad, err)
		}
	}
	if err := f.s.SetSenderProfile(ctx, f.admin, p); err != nil {
		t.Fatal(err)
	}
	p2 := *p
	p2.HelpContact = "https://mercy.example/help"
	if err := f.s.SetSenderProfile(ctx, f.admin, &p2); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.SenderProfile(ctx, f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OrgName != p.OrgName || got.PostalAddress != p.PostalAddress || got.MailFrom != p.MailFrom || got.SMSFrom != p.SMSFrom ||
		got.HelpContact != p2.HelpContact || got.UpdatedAt.IsZero() {
		t.Errorf("SenderProfile = %+v, want %+v", got, p2)
	}
	other, _ := f.newOrg(t, "other")
	if _, err := f.s.SenderProfile(ctx, other.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("another organisation's profile = %v, want not found", err)
	}
	var audited int
	if err := f.raw.QueryRowContext(ctx, rebind(f.s, `SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND entity = 'SenderProfile'`), f.org.ID).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 2 {
		t.Errorf("%d audit entries for sender profile changes, want 2", audited)
	}
}

// testRateSlots: reservations of one account follow each other, those of
// concurrent workers never overlap, and accounts are independent.
func testRateSlots(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	every := 100 * time.Millisecond
	first, err := f.s.ReserveSlots(ctx, "sms:AC1", epoch, 10, every)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.s.ReserveSlots(ctx, "sms:AC1", epoch, 10, every)
	if err != nil || !first.Equal(epoch) || !second.Equal(first.Add(time.Second)) {
		t.Errorf("second reservation starts at %v, %v; want %v (after the first second of slots)", second, err, first.Add(time.Second))
	}
	if other, err := f.s.ReserveSlots(ctx, "sms:AC2", epoch, 10, every); err != nil || !other.Before(second) {
		t.Errorf("another account's reservation = %v, %v; want one not behind AC1's", other, err)
	}
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := f.s.ReserveSlots(ctx, "email:smtp", epoch, 5, every)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			starts = append(starts, s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(starts); i++ {
		if starts[i].Sub(starts[i-1]) < 5*every {
			t.Errorf("concurrent reservations overlap: %v then %v", starts[i-1], starts[i])
		}
	}
	for _, bad := range []struct {
		key   string
		n     int
		every time.Duration
	}{{"", 1, every}, {"k", 0, every}, {"k", 1, 0}} {
		if _, err := f.s.ReserveSlots(ctx, bad.key, epoch, bad.n, bad.every); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("ReserveSlots(%q, %d, %v) = %v, want invalid", bad.key, bad.n, bad.every, err)
		}
	}
}
