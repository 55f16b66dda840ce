// Package storetest is the conformance suite every Rapport store adapter
// must pass. Each adapter's tests call Run with a function that opens a
// fresh, empty store; the suite exercises the contracts in package rapport
// through it, on the real database.
package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/audit"
	"github.com/rapport-health/rapport/internal/sqlstore"
)

// Opener opens a fresh empty store with cfg and returns it with a raw
// connection to the same database, which the suite uses to tamper with rows
// the way an attacker with database access could.
type Opener func(t *testing.T, cfg sqlstore.Config) (*sqlstore.Store, *sql.DB)

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Orgs", testOrgs},
		{"Credentials", testCredentials},
		{"ImportCreatesAndDedupes", testImportDedupe},
		{"ImportMerges", testImportMerge},
		{"ImportRollback", testImportRollback},
		{"ImportRecordErrors", testImportRecordErrors},
		{"ConsentHistory", testConsentHistory},
		{"FindPatients", testFindPatients},
		{"TenantIsolation", testTenantIsolation},
		{"Permissions", testPermissions},
		{"AuditChain", testAuditChain},
		{"AuditTamper", testAuditTamper},
		{"Assessments", testAssessments},
		{"Audience", testAudience},
		{"CampaignLaunch", testCampaignLaunch},
		{"DeliveryQueue", testDeliveryQueue},
		{"ConcurrentClaims", testConcurrentClaims},
		{"SocialDM", testSocialDM},
		{"SenderProfiles", testSenderProfiles},
		{"RateSlots", testRateSlots},
		{"InboxDedupe", testInboxDedupe},
		{"InboxThreading", testInboxThreading},
		{"InboxWork", testInboxWork},
		{"InboxTenantIsolation", testInboxTenantIsolation},
		{"InboxConcurrentDedupe", testInboxConcurrentDedupe},
		{"PublishWorkflow", testPublishWorkflow},
		{"PublishJobs", testPublishJobs},
		{"PublishCalendarAndRules", testPublishCalendarAndRules},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newConfig() sqlstore.Config {
	seed := sha256.Sum256([]byte("storetest audit key"))
	var mu sync.Mutex
	now := epoch
	return sqlstore.Config{
		Signer: audit.NewSigner(ed25519.NewKeyFromSeed(seed[:])),
		// A clock that moves 1 ms per reading, safe for stores used from
		// several goroutines.
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Millisecond)
			return now
		},
	}
}

// fixture is a store with one organisation and an admin actor.
type fixture struct {
	s     *sqlstore.Store
	raw   *sql.DB
	org   *rapport.Organisation
	admin rapport.Actor
}

func setup(t *testing.T, open Opener) *fixture {
	t.Helper()
	s, raw := open(t, newConfig())
	f := &fixture{s: s, raw: raw}
	f.org, f.admin = f.newOrg(t, "general")
	return f
}

func (f *fixture) newOrg(t *testing.T, slug string) (*rapport.Organisation, rapport.Actor) {
	t.Helper()
	o := &rapport.Organisation{Slug: slug, Name: "Hospital " + slug}
	if err := f.s.CreateOrg(context.Background(), o); err != nil {
		t.Fatalf("CreateOrg(%s): %v", slug, err)
	}
	return o, rapport.Actor{OrgID: o.ID, Role: rapport.RoleAdmin, Name: "admin@" + slug, Addr: "test"}
}

func patient(mrn, family, given string) *rapport.Patient {
	return &rapport.Patient{
		Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: mrn, Type: "MR"}},
		Family:      family, Given: given, BirthDate: "1970-01-02", Gender: "female",
		Email: family + "@example.org", Phone: "+15550100" + mrn[len(mrn)-3:], Language: "en",
		TimeZone: "America/Chicago", Address: rapport.Address{Lines: []string{"1 Main St"}, City: "Springfield", State: "IL", PostalCode: "62701"},
	}
}

func consent(ch rapport.Channel, pu rapport.Purpose, st rapport.ConsentStatus, at time.Time) rapport.ConsentEvent {
	return rapport.ConsentEvent{Channel: ch, Purpose: pu, Status: st, At: at, Source: "import:test", Evidence: "form-1"}
}

func (f *fixture) importRecs(t *testing.T, actor rapport.Actor, recs ...rapport.ImportRecord) rapport.ImportStats {
	t.Helper()
	ctx := context.Background()
	tx, err := f.s.BeginImport(ctx, actor, "test")
	if err != nil {
		t.Fatalf("BeginImport: %v", err)
	}
	if n, err := tx.Write(ctx, recs); err != nil || n != len(recs) {
		tx.Rollback()
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(recs))
	}
	st := tx.Stats()
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return st
}

func count(t *testing.T, f *fixture, actor rapport.Actor) int {
	t.Helper()
	_, n, err := f.s.FindPatients(context.Background(), actor, rapport.PatientFilter{CountOnly: true})
	if err != nil {
		t.Fatalf("FindPatients(count): %v", err)
	}
	return n
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := rapport.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func testOrgs(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	got, err := f.s.OrgBySlug(ctx, "general")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != f.org.ID || got.Name != f.org.Name {
		t.Errorf("OrgBySlug = %+v, want %+v", got, f.org)
	}
	err = f.s.CreateOrg(ctx, &rapport.Organisation{Slug: "general", Name: "Again"})
	wantCode(t, "CreateOrg(duplicate)", err, rapport.ECONFLICT)
	_, err = f.s.OrgBySlug(ctx, "nowhere")
	wantCode(t, "OrgBySlug(missing)", err, rapport.ENOTFOUND)
}

func testCredentials(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	u := &rapport.User{OrgID: f.org.ID, Email: " Ana@Example.org ", Name: "Ana", Role: rapport.RoleAgent, PasswordHash: "$argon2id$x"}
	if err := f.s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.UserByEmail(ctx, f.org.ID, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Role != rapport.RoleAgent || got.Email != "ana@example.org" {
		t.Errorf("UserByEmail = %+v", got)
	}
	wantCode(t, "CreateUser(duplicate)", f.s.CreateUser(ctx, &rapport.User{OrgID: f.org.ID, Email: "ana@example.org", Role: rapport.RoleAgent, PasswordHash: "x"}), rapport.ECONFLICT)
	wantCode(t, "CreateUser(bad role)", f.s.CreateUser(ctx, &rapport.User{OrgID: f.org.ID, Email: "b@example.org", Role: "root", PasswordHash: "x"}), rapport.EINVALID)

	h := sha256.Sum256([]byte("secret"))
	tok := &rapport.Token{OrgID: f.org.ID, Name: "ci", Role: rapport.RoleAuditor, Hash: h[:]}
	if err := f.s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	gt, err := f.s.TokenByHash(ctx, h[:])
	if err != nil {
		t.Fatal(err)
	}
	if gt.ID != tok.ID || gt.Role != rapport.RoleAuditor || gt.OrgID != f.org.ID {
		t.Errorf("TokenByHash = %+v", gt)
	}
	other := sha256.Sum256([]byte("other"))
	_, err = f.s.TokenByHash(ctx, other[:])
	wantCode(t, "TokenByHash(unknown)", err, rapport.ENOTFOUND)

	sh := sha256.Sum256([]byte("cookie"))
	ss := &rapport.Session{Hash: sh[:], UserID: u.ID, OrgID: f.org.ID, CSRF: "c", ExpiresAt: epoch.Add(time.Hour)}
	if err := f.s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	gs, err := f.s.SessionByHash(ctx, sh[:])
	if err != nil || gs.UserID != u.ID || !gs.ExpiresAt.Equal(ss.ExpiresAt) {
		t.Errorf("SessionByHash = %+v, %v", gs, err)
	}
	if err := f.s.DeleteSession(ctx, sh[:]); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.SessionByHash(ctx, sh[:])
	wantCode(t, "SessionByHash(deleted)", err, rapport.ENOTFOUND)
}

func testImportDedupe(t *testing.T, open Opener) {
	f := setup(t, open)
	recs := []rapport.ImportRecord{
		{Patient: patient("MRN001", "Rivera", "Ana"), Consents: []rapport.ConsentEvent{consent(rapport.ChannelEmail, rapport.PurposeMarketing, rapport.ConsentGranted, epoch)}, Where: "a.csv:2"},
		{Patient: patient("MRN002", "Chen", "Li"), Where: "a.csv:3"},
		{Patient: patient("MRN003", "Okafor", "Ngozi"), Where: "a.csv:4"},
	}
	st := f.importRecs(t, f.admin, recs...)
	if want := (rapport.ImportStats{Created: 3, ConsentsAdded: 1}); st != want {
		t.Errorf("first import stats = %+v, want %+v", st, want)
	}
	st = f.importRecs(t, f.admin, recs...)
	if want := (rapport.ImportStats{Unchanged: 3}); st != want {
		t.Errorf("re-import stats = %+v, want %+v", st, want)
	}
	if n := count(t, f, f.admin); n != 3 {
		t.Errorf("count after re-import = %d, want 3", n)
	}
	// The same identifier twice in one batch is one patient.
	st = f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN004", "Diaz", "Eva")}, rapport.ImportRecord{Patient: patient("MRN004", "Diaz", "Eva")})
	if st.Created != 1 || st.Unchanged != 1 {
		t.Errorf("duplicate in batch stats = %+v, want 1 created, 1 unchanged", st)
	}
	ps, _, err := f.s.FindPatients(context.Background(), f.admin, rapport.PatientFilter{Identifier: rapport.Identifier{System: rapport.SystemMRN, Value: "MRN001"}})
	if err != nil || len(ps) != 1 {
		t.Fatalf("FindPatients(MRN001) = %d, %v", len(ps), err)
	}
	want := patient("MRN001", "Rivera", "Ana")
	want.ID, want.OrgID = ps[0].ID, f.org.ID
	if diff := cmp.Diff(want, ps[0], cmpopts.IgnoreFields(rapport.Patient{}, "CreatedAt", "UpdatedAt"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("stored patient differs (-want +got):\n%s", diff)
	}
	hist, err := f.s.ConsentHistory(context.Background(), f.admin, ps[0].ID)
	if err != nil || len(hist) != 1 {
		t.Errorf("ConsentHistory after re-import = %d events, %v; want 1", len(hist), err)
	}
}

func testImportMerge(t *testing.T, open Opener) {
	f := setup(t, open)
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "Rivera", "Ana")})
	upd := &rapport.Patient{
		Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: "MRN001"}, {System: rapport.SystemFHIRID, Value: "fhir-1"}},
		Phone:       "+15550100999", Tags: []string{"diabetes-program"},
	}
	st := f.importRecs(t, f.admin, rapport.ImportRecord{Patient: upd})
	if st.Updated != 1 || st.Created != 0 {
		t.Fatalf("merge stats = %+v, want 1 updated", st)
	}
	ps, _, err := f.s.FindPatients(context.Background(), f.admin, rapport.PatientFilter{Identifier: rapport.Identifier{System: rapport.SystemFHIRID, Value: "fhir-1"}})
	if err != nil || len(ps) != 1 {
		t.Fatalf("find by new identifier = %d, %v", len(ps), err)
	}
	p := ps[0]
	if p.Phone != "+15550100999" || p.Family != "Rivera" || p.Email != "Rivera@example.org" || len(p.Identifiers) != 2 || len(p.Tags) != 1 {
		t.Errorf("merged patient = %+v; want new phone, kept name and email, 2 identifiers, 1 tag", p)
	}
	// Identifiers of two different patients in one record is a conflict.
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN002", "Chen", "Li")})
	tx, err := f.s.BeginImport(context.Background(), f.admin, "t")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	bad := patient("MRN002", "X", "Y")
	bad.Identifiers = append(bad.Identifiers, rapport.Identifier{System: rapport.SystemFHIRID, Value: "fhir-1"})
	_, err = tx.Write(context.Background(), []rapport.ImportRecord{{Patient: bad, Where: "b.csv:9"}})
	var re *rapport.RecordError
	if !errors.As(err, &re) || re.Where != "b.csv:9" || re.Field != "identifier" {
		t.Errorf("conflicting identifiers: err = %v, want a RecordError at b.csv:9 field identifier", err)
	}
}

func testImportRollback(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	tx, err := f.s.BeginImport(ctx, f.admin, "t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, []rapport.ImportRecord{{Patient: patient("MRN001", "A", "B")}, {Patient: patient("MRN002", "C", "D")}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f, f.admin); n != 0 {
		t.Errorf("count after rollback = %d, want 0", n)
	}
	rep, err := f.s.VerifyAudit(ctx)
	if err != nil || !rep.OK() {
		t.Errorf("VerifyAudit after rollback = %+v, %v", rep, err)
	}
}

func testImportRecordErrors(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	tx, err := f.s.BeginImport(ctx, f.admin, "t")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	recs := []rapport.ImportRecord{
		{Patient: patient("MRN001", "A", "B"), Where: "x.ndjson:1"},
		{PatientRef: rapport.Identifier{System: rapport.SystemFHIRID, Value: "nobody"}, Where: "x.ndjson:2",
			Consents: []rapport.ConsentEvent{consent(rapport.ChannelSMS, rapport.PurposeCare, rapport.ConsentGranted, epoch)}},
		{Patient: patient("MRN003", "E", "F"), Where: "x.ndjson:3"},
	}
	n, err := tx.Write(ctx, recs)
	var re *rapport.RecordError
	if n != 1 || !errors.As(err, &re) || re.Where != "x.ndjson:2" || re.Field != "patient" {
		t.Fatalf("Write = %d, %v; want 1 and a RecordError at x.ndjson:2 field patient", n, err)
	}
	// The transaction stays usable: skip the bad record and go on.
	if n, err := tx.Write(ctx, recs[2:]); n != 1 || err != nil {
		t.Fatalf("Write(rest) = %d, %v", n, err)
	}
	// A consent for a patient of this import resolves.
	ref := []rapport.ImportRecord{{PatientRef: rapport.Identifier{System: rapport.SystemMRN, Value: "MRN003"},
		Consents: []rapport.ConsentEvent{consent(rapport.ChannelSMS, rapport.PurposeCare, rapport.ConsentGranted, epoch)}}}
	if n, err := tx.Write(ctx, ref); n != 1 || err != nil {
		t.Fatalf("Write(consent by reference) = %d, %v", n, err)
	}
	// An invalid consent names the record.
	badc := []rapport.ImportRecord{{Patient: patient("MRN004", "G", "H"), Where: "x.ndjson:7",
		Consents: []rapport.ConsentEvent{{Channel: "pigeon", Purpose: rapport.PurposeCare, Status: rapport.ConsentGranted, At: epoch, Source: "s"}}}}
	if _, err := tx.Write(ctx, badc); !errors.As(err, &re) || re.Field != "consent" {
		t.Errorf("invalid consent: %v, want a RecordError on field consent", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if st := tx.Stats(); st.Created != 3 || st.ConsentsAdded != 1 {
		t.Errorf("stats = %+v, want 3 created (one without its bad consent), 1 consent", st)
	}
}

func testConsentHistory(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "A", "B"),
		Consents: []rapport.ConsentEvent{consent(rapport.ChannelSMS, rapport.PurposeCare, rapport.ConsentGranted, epoch)}})
	ps, _, _ := f.s.FindPatients(ctx, f.admin, rapport.PatientFilter{})
	id := ps[0].ID
	stop := &rapport.ConsentEvent{PatientID: id, Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare, Status: rapport.ConsentRevoked,
		At: epoch.Add(24 * time.Hour), Source: "sms:stop", Evidence: "SM123"}
	if err := f.s.RecordConsent(ctx, f.admin, stop); err != nil {
		t.Fatal(err)
	}
	// An older event arriving late is history, not the current state.
	late := &rapport.ConsentEvent{PatientID: id, Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare, Status: rapport.ConsentGranted,
		At: epoch.Add(time.Hour), Source: "staff"}
	if err := f.s.RecordConsent(ctx, f.admin, late); err != nil {
		t.Fatal(err)
	}
	hist, err := f.s.ConsentHistory(ctx, f.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hist {
		got = append(got, fmt.Sprintf("%s/%s %s %s", h.Channel, h.Purpose, h.Status, h.Source))
	}
	want := []string{"sms/care granted import:test", "sms/care granted staff", "sms/care revoked sms:stop"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	var status string
	if err := f.raw.QueryRow(rebind(f.s, `SELECT status FROM consents WHERE patient_id = ? AND channel = 'sms' AND purpose = 'care'`), id).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "revoked" {
		t.Errorf("current sms/care = %s, want revoked (the newest event)", status)
	}
	wantCode(t, "RecordConsent(unknown patient)", f.s.RecordConsent(ctx, f.admin, &rapport.ConsentEvent{PatientID: "nope", Channel: rapport.ChannelSMS,
		Purpose: rapport.PurposeCare, Status: rapport.ConsentRevoked, At: epoch, Source: "staff"}), rapport.ENOTFOUND)
	wantCode(t, "RecordConsent(no time)", f.s.RecordConsent(ctx, f.admin, &rapport.ConsentEvent{PatientID: id, Channel: rapport.ChannelSMS,
		Purpose: rapport.PurposeCare, Status: rapport.ConsentRevoked, Source: "staff"}), rapport.EINVALID)
}

func rebind(s *sqlstore.Store, q string) string { return s.Dialect().Rebind(q) }

func testFindPatients(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	f.importRecs(t, f.admin,
		rapport.ImportRecord{Patient: patient("MRN001", "Rivera", "Ana")},
		rapport.ImportRecord{Patient: patient("MRN002", "Rivas", "Luis")},
		rapport.ImportRecord{Patient: patient("MRN003", "Chen", "Rita")},
		rapport.ImportRecord{Patient: patient("MRN004", "100%_Real", "X")},
	)
	cases := []struct {
		name string
		f    rapport.PatientFilter
		want int
	}{
		{"all", rapport.PatientFilter{}, 4},
		{"family prefix, any case", rapport.PatientFilter{Name: "riv"}, 2},
		{"given prefix", rapport.PatientFilter{Name: "Rita"}, 1},
		{"like wildcards are literal", rapport.PatientFilter{Name: "100%_"}, 1},
		{"wildcard does not match all", rapport.PatientFilter{Name: "%"}, 0},
		{"identifier with system", rapport.PatientFilter{Identifier: rapport.Identifier{System: rapport.SystemMRN, Value: "MRN002"}}, 1},
		{"identifier any system", rapport.PatientFilter{Identifier: rapport.Identifier{Value: "MRN003"}}, 1},
		{"identifier other system", rapport.PatientFilter{Identifier: rapport.Identifier{System: "urn:x", Value: "MRN003"}}, 0},
	}
	for _, c := range cases {
		ps, total, err := f.s.FindPatients(ctx, f.admin, c.f)
		if err != nil || total != c.want || len(ps) != c.want {
			t.Errorf("%s: FindPatients = %d records, total %d, %v; want %d", c.name, len(ps), total, err, c.want)
		}
	}
	ps, total, err := f.s.FindPatients(ctx, f.admin, rapport.PatientFilter{Limit: 2, Offset: 1})
	if err != nil || len(ps) != 2 || total != 4 {
		t.Errorf("paged FindPatients = %d records, total %d, %v; want 2 of 4", len(ps), total, err)
	}
	if _, err := f.s.Patient(ctx, f.admin, "does-not-exist"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("Patient(missing) = %v, want not found", err)
	}
	p, err := f.s.Patient(ctx, f.admin, ps[0].ID)
	if err != nil || p.ID != ps[0].ID {
		t.Errorf("Patient(%s) = %v, %v", ps[0].ID, p, err)
	}
}

func testTenantIsolation(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	_, other := f.newOrg(t, "other")
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "Rivera", "Ana"),
		Consents: []rapport.ConsentEvent{consent(rapport.ChannelEmail, rapport.PurposeCare, rapport.ConsentGranted, epoch)}})
	ps, _, _ := f.s.FindPatients(ctx, f.admin, rapport.PatientFilter{})
	id := ps[0].ID

	if n := count(t, f, other); n != 0 {
		t.Errorf("other org counts %d patients, want 0", n)
	}
	if got, n, err := f.s.FindPatients(ctx, other, rapport.PatientFilter{Identifier: rapport.Identifier{Value: "MRN001"}}); err != nil || n != 0 || len(got) != 0 {
		t.Errorf("other org finds MRN001: %d, %v", n, err)
	}
	if _, err := f.s.Patient(ctx, other, id); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("other org reads patient: %v, want not found", err)
	}
	if h, err := f.s.ConsentHistory(ctx, other, id); err != nil || len(h) != 0 {
		t.Errorf("other org reads consent history: %d events, %v", len(h), err)
	}
	wantCode(t, "other org records consent", f.s.RecordConsent(ctx, other, &rapport.ConsentEvent{PatientID: id, Channel: rapport.ChannelEmail,
		Purpose: rapport.PurposeCare, Status: rapport.ConsentRevoked, At: epoch.Add(time.Hour), Source: "staff"}), rapport.ENOTFOUND)
	// The same MRN in another organisation is another patient.
	st := f.importRecs(t, other, rapport.ImportRecord{Patient: patient("MRN001", "Someone", "Else")})
	if st.Created != 1 {
		t.Errorf("other org importing MRN001: %+v, want created", st)
	}
	if n := count(t, f, f.admin); n != 1 {
		t.Errorf("first org count = %d after other org's import, want 1", n)
	}
	// Audit entries stay in their organisation.
	aud := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAuditor, Name: "auditor"}
	entries, err := f.s.AuditEntries(ctx, aud, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.OrgID != f.org.ID {
			t.Errorf("audit entry of org %s visible to %s", e.OrgID, f.org.ID)
		}
	}
}

func testPermissions(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "A", "B")})
	as := func(r rapport.Role) rapport.Actor { return rapport.Actor{OrgID: f.org.ID, Role: r, Name: string(r)} }
	for _, r := range []rapport.Role{rapport.RoleMarket, rapport.RoleAnalyst, rapport.RoleAuditor, rapport.RoleAgent} {
		if _, _, err := f.s.FindPatients(ctx, as(r), rapport.PatientFilter{}); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
			t.Errorf("%s lists patient records: %v, want forbidden", r, err)
		}
		if _, err := f.s.BeginImport(ctx, as(r), "x"); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
			t.Errorf("%s imports: %v, want forbidden", r, err)
		}
	}
	if n := count(t, f, as(rapport.RoleAnalyst)); n != 1 {
		t.Errorf("analyst count = %d, want 1", n)
	}
	if _, err := f.s.AuditEntries(ctx, f.admin, 0, 10); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
		t.Errorf("admin reads audit log: %v, want forbidden (separation of duties)", err)
	}
	if _, _, err := f.s.FindPatients(ctx, rapport.Actor{}, rapport.PatientFilter{}); rapport.ErrorCode(err) != rapport.EUNAUTHORIZED {
		t.Errorf("anonymous actor: %v, want unauthorized", err)
	}
}

func testAuditChain(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "A", "B")})
	ps, _, _ := f.s.FindPatients(ctx, f.admin, rapport.PatientFilter{Name: "a"})
	if _, err := f.s.Patient(ctx, f.admin, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordAudit(ctx, rapport.AuditEntry{OrgID: f.org.ID, ActorName: "x@example.org", Action: rapport.AuditLogin, Entity: "Session", Outcome: rapport.OutcomeDenied}); err != nil {
		t.Fatal(err)
	}
	aud := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAuditor, Name: "auditor"}
	entries, err := f.s.AuditEntries(ctx, aud, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+" "+e.Entity+" "+e.Outcome)
	}
	want := []string{"import Patient success", "search Patient success", "read Patient success", "login Session denied"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
	if entries[2].EntityIDs[0] != ps[0].ID || entries[1].Detail != "search by name: 1 of 1" {
		t.Errorf("read entry ids %v, search detail %q", entries[2].EntityIDs, entries[1].Detail)
	}
	if err := f.s.CheckpointAudit(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := f.s.VerifyAudit(ctx)
	if err != nil || !rep.OK() || rep.Checkpoints != 1 || rep.Entries < 5 {
		t.Errorf("VerifyAudit = %+v, %v; want OK with 1 checkpoint and >= 5 entries", rep, err)
	}
}

func testAuditTamper(t *testing.T, open Opener) {
	cases := []struct {
		name   string
		tamper string
	}{
		{"edit an entry", `UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 2`},
		{"edit the entity ids", `UPDATE audit_log SET entity_ids = '[]' WHERE seq = 1`},
		{"delete an entry in the middle", `DELETE FROM audit_log WHERE seq = 2`},
		{"delete the last entry", `DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`},
		{"delete the tail and rewind the head", `DELETE FROM audit_log WHERE seq > 2; UPDATE audit_heads SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t, open)
			ctx := context.Background()
			for i := range 3 {
				f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient(fmt.Sprintf("MRN00%d", i), "A", "B")})
			}
			if err := f.s.CheckpointAudit(ctx); err != nil {
				t.Fatal(err)
			}
			if rep, err := f.s.VerifyAudit(ctx); err != nil || !rep.OK() {
				t.Fatalf("VerifyAudit before tampering = %+v, %v", rep, err)
			}
			if _, err := f.raw.ExecContext(ctx, c.tamper); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			rep, err := f.s.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Errorf("VerifyAudit after %s = OK, want problems", c.name)
			}
		})
	}
	t.Run("rewrite the whole chain", func(t *testing.T) {
		// An attacker who edits an entry and recomputes every hash (but
		// lacks the signing key) is caught by the signed checkpoint.
		f := setup(t, open)
		ctx := context.Background()
		f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "A", "B")})
		f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN002", "A", "B")})
		if err := f.s.CheckpointAudit(ctx); err != nil {
			t.Fatal(err)
		}
		aud := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAuditor, Name: "auditor"}
		entries, err := f.s.AuditEntries(ctx, aud, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var prev []byte
		for _, e := range entries {
			if e.Seq == 1 {
				e.ActorName = "forged"
			}
			audit.Seal(prev, &e)
			if _, err := f.raw.ExecContext(ctx, rebind(f.s, `UPDATE audit_log SET actor_name = ?, prev_hash = ?, hash = ? WHERE org_id = ? AND seq = ?`),
				e.ActorName, nonNil(e.PrevHash), e.Hash, e.OrgID, e.Seq); err != nil {
				t.Fatal(err)
			}
			prev = e.Hash
		}
		if _, err := f.raw.ExecContext(ctx, rebind(f.s, `UPDATE audit_heads SET hash = ? WHERE org_id = ?`), prev, f.org.ID); err != nil {
			t.Fatal(err)
		}
		rep, err := f.s.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() {
			t.Errorf("VerifyAudit after rewriting the chain = OK, want the checkpoint to disagree")
		}
	})
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func testAssessments(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	f.importRecs(t, f.admin, rapport.ImportRecord{Patient: patient("MRN001", "A", "B")}, rapport.ImportRecord{Patient: patient("MRN002", "C", "D")})
	ps, _, _ := f.s.FindPatients(ctx, f.admin, rapport.PatientFilter{})
	marketer := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, Name: "m"}
	rec := func(pid, seg string, p float64, at time.Time) {
		t.Helper()
		a := &rapport.Assessment{PatientID: pid, ModelID: "m1", ModelVersion: "1", Form: "full", Segment: seg, Probability: p,
			Probabilities: map[string]float64{seg: p, "other": 1 - p}, Answered: 30, Channels: []string{"sms"}, At: at, Source: "api"}
		if err := f.s.RecordAssessment(ctx, marketer, a); err != nil {
			t.Fatalf("RecordAssessment: %v", err)
		}
	}
	rec(ps[0].ID, "planner", 0.9, epoch)
	rec(ps[0].ID, "caregiver", 0.8, epoch.Add(48*time.Hour)) // re-assessment: history, and the new current
	rec(ps[0].ID, "present", 0.7, epoch.Add(time.Hour))      // an older one arriving late is history only
	rec(ps[1].ID, "caregiver", 0.6, epoch)
	hist, err := f.s.Assessments(ctx, f.admin, ps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var segs []string
	for _, a := range hist {
		segs = append(segs, a.Segment)
	}
	if diff := cmp.Diff([]string{"caregiver", "present", "planner"}, segs); diff != "" {
		t.Errorf("history newest first (-want +got):\n%s", diff)
	}
	if hist[0].Probabilities["caregiver"] != 0.8 || hist[0].Channels[0] != "sms" || hist[0].ModelVersion != "1" {
		t.Errorf("stored assessment = %+v", hist[0])
	}
	counts, err := f.s.SegmentCounts(ctx, marketer, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"caregiver": 2}, counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if _, err := f.s.Assessments(ctx, marketer, ps[0].ID); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
		t.Errorf("marketer reads a patient's assessments: %v, want forbidden", err)
	}
	_, other := f.newOrg(t, "other2")
	other.Role = rapport.RoleMarket
	wantCode(t, "other org assesses a patient", f.s.RecordAssessment(ctx, other, &rapport.Assessment{PatientID: ps[0].ID, ModelID: "m1",
		Segment: "x", Probability: 0.5}), rapport.ENOTFOUND)
	if c, err := f.s.SegmentCounts(ctx, other, "m1"); err != nil || len(c) != 0 {
		t.Errorf("other org counts %v, %v", c, err)
	}
}
