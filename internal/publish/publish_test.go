package publish_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/mastodon"
	"github.com/rapport-health/rapport/internal/mastodon/mastodontest"
	"github.com/rapport-health/rapport/internal/postgres"
	"github.com/rapport-health/rapport/internal/postgres/pgtest"
	"github.com/rapport-health/rapport/internal/publish"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/phi"
)

// clock is a test clock that tests move forward, e.g. past a lease.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

type backend struct {
	name string
	open func(t *testing.T, now func() time.Time) *sqlstore.Store
}

// storeB is the store the benchmarks open.
type storeB = *sqlstore.Store

func sqliteAt(t testing.TB, path string, now func() time.Time) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlstore.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func backends(t *testing.T) []backend {
	out := []backend{{"sqlite", func(t *testing.T, now func() time.Time) *sqlstore.Store {
		return sqliteAt(t, filepath.Join(t.TempDir(), "rapport.db"), now)
	}}}
	if testing.Short() {
		return out
	}
	return append(out, backend{"postgres", func(t *testing.T, now func() time.Time) *sqlstore.Store {
		return postgresAt(t, now)
	}})
}

func postgresAt(t testing.TB, now ...func() time.Time) *sqlstore.Store {
	t.Helper()
	cfg := sqlstore.Config{}
	if len(now) > 0 {
		cfg.Now = now[0]
	}
	s, err := postgres.Open(context.Background(), pgtest.URL(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// world is an organisation with an author, a reviewer and one Mastodon
// account on the stand-in server.
type world struct {
	store    *sqlstore.Store
	author   rapport.Actor
	reviewer rapport.Actor
	masto    *mastodontest.Server
	acct     mastodon.Account
	token    string
}

func newWorld(t *testing.T, s *sqlstore.Store, masto *mastodontest.Server) *world {
	t.Helper()
	org := &rapport.Organisation{Slug: "general", Name: "General Hospital"}
	if err := s.CreateOrg(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	w := &world{store: s, masto: masto,
		author:   rapport.Actor{OrgID: org.ID, Role: rapport.RoleAgent, UserID: "u1", Name: "author@general"},
		reviewer: rapport.Actor{OrgID: org.ID, Role: rapport.RoleAdmin, UserID: "u2", Name: "reviewer@general"}}
	w.acct, w.token = masto.CreateAccount("generalhospital", "General Hospital")
	return w
}

// connectors resolves "masto" to a client of the stand-in account.
func (w *world) connectors(key bool) publish.Connectors {
	return func(ctx context.Context, orgID, accountID string) (rapport.Connector, error) {
		if accountID != "masto" {
			return nil, rapport.Errorf(rapport.ENOTFOUND, "account not found")
		}
		c, err := mastodon.New(mastodon.Config{Server: w.masto.URL, Token: w.token})
		if err != nil || key {
			return c, err
		}
		return dropKey{c}, nil
	}
}

// dropKey is a connector that loses the idempotency key, to show that the
// crash test notices a double post.
type dropKey struct{ rapport.Connector }

func (d dropKey) Publish(ctx context.Context, p rapport.Post) (rapport.PostRef, error) {
	p.IdempotencyKey = ""
	return d.Connector.Publish(ctx, p)
}

// approved creates, submits and approves a post to "masto".
func (w *world) approved(t *testing.T, text string) *rapport.ScheduledPost {
	t.Helper()
	ctx := context.Background()
	p := &rapport.ScheduledPost{Text: text, AccountIDs: []string{"masto"}}
	if err := w.store.CreatePost(ctx, w.author, p); err != nil {
		t.Fatal(err)
	}
	svc := publish.NewService(w.store, nil, nil)
	if _, err := svc.Submit(ctx, w.author, p.ID, p.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, w.reviewer, p.ID, p.Version, ""); err != nil {
		t.Fatal(err)
	}
	return p
}

var errCrash = errors.New("simulated crash")

// crashThenRestart publishes p with a worker that dies between the network
// call and the database write, then restarts a worker after the lease, and
// returns how many statuses the account has.
func crashThenRestart(t *testing.T, w *world, clk *clock, key bool) int {
	t.Helper()
	ctx := context.Background()
	p := w.approved(t, "Our flu clinic is open Saturday 9am-1pm.")
	crashing := publish.NewPublisher(publish.Config{Jobs: w.store, Connectors: w.connectors(key), Lease: time.Minute,
		AfterPublish: func(context.Context, *rapport.PublishJob, rapport.PostRef) error { return errCrash }})
	if did, err := crashing.RunOnce(ctx); !did || !errors.Is(err, publish.ErrAbandoned) {
		t.Fatalf("crashing worker: %v, %v; want an abandoned job", did, err)
	}
	if n := len(w.masto.StatusesBy(w.acct.ID)); n != 1 {
		t.Fatalf("statuses after the crash = %d, want 1 (the network call happened)", n)
	}
	// Within the lease nobody takes the job over.
	restarted := publish.NewPublisher(publish.Config{Jobs: w.store, Connectors: w.connectors(key), Lease: time.Minute})
	if did, err := restarted.RunOnce(ctx); did || err != nil {
		t.Fatalf("worker within the lease: %v, %v; want nothing due", did, err)
	}
	clk.advance(2 * time.Minute)
	if did, err := restarted.RunOnce(ctx); !did || err != nil {
		t.Fatalf("worker after the lease: %v, %v", did, err)
	}
	got, err := w.store.ScheduledPost(ctx, w.author, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	statuses := w.masto.StatusesBy(w.acct.ID)
	last := statuses[len(statuses)-1].ID
	if got.Status != rapport.PostPublished || len(got.Targets) != 1 || got.Targets[0].NetworkID != last {
		t.Errorf("post after restart = %s %+v, want published as status %s", got.Status, got.Targets, last)
	}
	if did, _ := restarted.RunOnce(ctx); did {
		t.Errorf("a job is still due after publishing")
	}
	return len(statuses)
}

func TestExactlyOnceAfterCrash(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			masto := mastodontest.NewServer()
			defer masto.Close()
			clk := &clock{}
			w := newWorld(t, be.open(t, clk.now), masto)
			if n := crashThenRestart(t, w, clk, true); n != 1 {
				t.Errorf("statuses on the network = %d, want exactly 1", n)
			}
		})
	}
}

// TestCrashWithoutKeyPostsTwice is the control: with the idempotency key
// dropped, the same crash posts twice, so the test above can fail.
func TestCrashWithoutKeyPostsTwice(t *testing.T) {
	masto := mastodontest.NewServer()
	defer masto.Close()
	clk := &clock{}
	w := newWorld(t, sqliteAt(t, filepath.Join(t.TempDir(), "r.db"), clk.now), masto)
	if n := crashThenRestart(t, w, clk, false); n != 2 {
		t.Errorf("statuses without idempotency = %d, want 2 (the control must see the double post)", n)
	}
}

// TestExactlyOnceAfterSIGKILL runs the worker in a child process, kills it
// with SIGKILL right after the network accepted the post, and restarts a
// worker on the same SQLite file.
func TestExactlyOnceAfterSIGKILL(t *testing.T) {
	masto := mastodontest.NewServer()
	defer masto.Close()
	clk := &clock{}
	path := filepath.Join(t.TempDir(), "rapport.db")
	s := sqliteAt(t, path, clk.now)
	w := newWorld(t, s, masto)
	p := w.approved(t, "Visiting hours change on Monday.")

	cmd := exec.Command(os.Args[0], "-test.run=^TestChildWorker$")
	cmd.Env = append(os.Environ(), "PUBLISH_CHILD_DB="+path, "PUBLISH_CHILD_MASTODON="+masto.URL, "PUBLISH_CHILD_TOKEN="+w.token)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	posted := ""
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "POSTED "); ok {
			posted = id
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if posted == "" {
		t.Fatal("child worker never reached the network")
	}
	if n := len(masto.StatusesBy(w.acct.ID)); n != 1 {
		t.Fatalf("statuses after the kill = %d, want 1", n)
	}
	clk.advance(2 * time.Minute)
	restarted := publish.NewPublisher(publish.Config{Jobs: s, Connectors: w.connectors(true), Lease: time.Minute})
	if did, err := restarted.RunOnce(context.Background()); !did || err != nil {
		t.Fatalf("restarted worker: %v, %v", did, err)
	}
	statuses := masto.StatusesBy(w.acct.ID)
	if len(statuses) != 1 || statuses[0].ID != posted {
		t.Fatalf("statuses after restart = %d (first %v), want exactly the one the killed worker posted (%s)", len(statuses), statuses, posted)
	}
	got, err := s.ScheduledPost(context.Background(), w.author, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != rapport.PostPublished || got.Targets[0].NetworkID != posted {
		t.Errorf("post = %s %+v, want published as %s", got.Status, got.Targets, posted)
	}
}

// TestChildWorker is the child process of TestExactlyOnceAfterSIGKILL; it
// does nothing in a normal run.
func TestChildWorker(t *testing.T) {
	path := os.Getenv("PUBLISH_CHILD_DB")
	if path == "" {
		t.Skip("only runs as the child of TestExactlyOnceAfterSIGKILL")
	}
	s := sqliteAt(t, path, nil)
	c, err := mastodon.New(mastodon.Config{Server: os.Getenv("PUBLISH_CHILD_MASTODON"), Token: os.Getenv("PUBLISH_CHILD_TOKEN")})
	if err != nil {
		t.Fatal(err)
	}
	pub := publish.NewPublisher(publish.Config{Jobs: s, Lease: time.Minute,
		Connectors: func(context.Context, string, string) (rapport.Connector, error) { return c, nil },
		AfterPublish: func(_ context.Context, _ *rapport.PublishJob, ref rapport.PostRef) error {
			fmt.Printf("POSTED %s\n", ref.NetworkID)
			time.Sleep(time.Minute) // killed here
			return errCrash
		}})
	_, _ = pub.RunOnce(context.Background())
}

func TestPublisherRetriesAndGivesUp(t *testing.T) {
	masto := mastodontest.NewServer()
	defer masto.Close()
	clk := &clock{}
	w := newWorld(t, sqliteAt(t, filepath.Join(t.TempDir(), "r.db"), clk.now), masto)
	ctx := context.Background()
	p := &rapport.ScheduledPost{Text: "Hello", AccountIDs: []string{"gone"}}
	if err := w.store.CreatePost(ctx, w.author, p); err != nil {
		t.Fatal(err)
	}
	_ = w.store.SubmitPost(ctx, w.author, p.ID, 1)
	if err := w.store.ReviewPost(ctx, w.reviewer, p.ID, 1, true, ""); err != nil {
		t.Fatal(err)
	}
	pub := publish.NewPublisher(publish.Config{Jobs: w.store, Connectors: w.connectors(true), Now: clk.now})
	if did, err := pub.RunOnce(ctx); !did || err != nil {
		t.Fatalf("RunOnce: %v, %v", did, err)
	}
	got, _ := w.store.ScheduledPost(ctx, w.author, p.ID)
	if got.Status != rapport.PostFailed || got.Targets[0].State != rapport.JobFailed || got.Targets[0].LastError != "account not found" {
		t.Errorf("post to an unknown account = %s %+v, want failed", got.Status, got.Targets)
	}

	// A text the network refuses (over Mastodon's 500 characters) gives
	// up at once: retrying cannot help.
	q := w.approved(t, strings.Repeat("a", 501))
	if did, err := pub.RunOnce(ctx); !did || err != nil {
		t.Fatalf("RunOnce: %v, %v", did, err)
	}
	got, _ = w.store.ScheduledPost(ctx, w.author, q.ID)
	if got.Status != rapport.PostFailed || got.Targets[0].Attempts != 1 {
		t.Errorf("post the network refuses = %s %+v, want failed after 1 attempt", got.Status, got.Targets)
	}

	// A transient failure is retried after the backoff, not before, with
	// the same key; here the second attempt succeeds.
	var calls atomic.Int32
	conns := func(ctx context.Context, orgID, accountID string) (rapport.Connector, error) {
		c, err := w.connectors(true)(ctx, orgID, accountID)
		return flaky{c, &calls}, err
	}
	pub = publish.NewPublisher(publish.Config{Jobs: w.store, Connectors: conns, Now: clk.now, MaxAttempts: 3,
		Backoff: func(int) time.Duration { return time.Minute }})
	r := w.approved(t, "Parking is free this week.")
	if did, err := pub.RunOnce(ctx); !did || err != nil {
		t.Fatalf("first attempt: %v, %v", did, err)
	}
	if did, _ := pub.RunOnce(ctx); did {
		t.Errorf("the retry ran before its backoff")
	}
	clk.advance(2 * time.Minute)
	if did, err := pub.RunOnce(ctx); !did || err != nil {
		t.Fatalf("second attempt: %v, %v", did, err)
	}
	got, _ = w.store.ScheduledPost(ctx, w.author, r.ID)
	if got.Status != rapport.PostPublished || got.Targets[0].Attempts != 2 {
		t.Errorf("post after a transient failure = %s %+v, want published on attempt 2", got.Status, got.Targets)
	}
	if n := len(masto.StatusesBy(w.acct.ID)); n != 1 {
		t.Errorf("statuses = %d, want 1", n)
	}
}

// flaky fails its first Publish with an internal (transient) error.
type flaky struct {
	rapport.Connector
	calls *atomic.Int32
}

func (f flaky) Publish(ctx context.Context, p rapport.Post) (rapport.PostRef, error) {
	if f.calls.Add(1) == 1 {
		return rapport.PostRef{}, &rapport.Error{Code: rapport.EINTERNAL, Message: "server error"}
	}
	return f.Connector.Publish(ctx, p)
}

func TestServiceBlocksBeforeApproval(t *testing.T) {
	masto := mastodontest.NewServer()
	defer masto.Close()
	w := newWorld(t, sqliteAt(t, filepath.Join(t.TempDir(), "r.db"), nil), masto)
	ctx := context.Background()
	identity := func(orgID string) *phi.Org {
		if orgID == w.author.OrgID {
			return &phi.Org{Names: []string{"General Hospital"}, Phones: []string{"555-0100"}}
		}
		return nil
	}
	svc := publish.NewService(w.store, phi.NewGuard(phi.NewDetector(phi.Config{}), phi.Org{}), identity)
	if err := w.store.SetPhraseRules(ctx, w.reviewer, rapport.PhraseRules{Banned: []string{"miracle cure"}, Required: []string{"#GeneralHealth"}}); err != nil {
		t.Fatal(err)
	}
	p := &rapport.ScheduledPost{Text: "Try our miracle cure today!", AccountIDs: []string{"masto"}}
	if err := w.store.CreatePost(ctx, w.author, p); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Submit(ctx, w.author, p.ID, p.Version)
	if rapport.ErrorCode(err) != rapport.EINVALID || !c.Blocked {
		t.Fatalf("Submit(banned) = %+v, %v; want blocked", c, err)
	}
	if got := c.Summary(); got != "BANNED_PHRASE, MISSING_REQUIRED_PHRASE" {
		t.Errorf("reasons = %q, want BANNED_PHRASE, MISSING_REQUIRED_PHRASE", got)
	}
	if cur, _ := w.store.ScheduledPost(ctx, w.author, p.ID); cur.Status != rapport.PostDraft {
		t.Errorf("blocked post is %s, want still draft", cur.Status)
	}
	// A reply-style disclosure of a patient's care is blocked by the PHI
	// guard, with its safe rewrite.
	p.Text = "Great to see John Smith recovering after his knee surgery here last week #GeneralHealth"
	if err := w.store.UpdatePost(ctx, w.author, p); err != nil {
		t.Fatal(err)
	}
	c, err = svc.Submit(ctx, w.author, p.ID, p.Version)
	if rapport.ErrorCode(err) != rapport.EINVALID || !c.Blocked || c.Suggestion == "" {
		t.Errorf("Submit(PHI) = %+v, %v; want blocked with a suggestion", c, err)
	}
	// The organisation's own phone number is not a patient identifier.
	p.Text = "Flu shots are free this Saturday at the main campus. Questions? Call General Hospital at 555-0100. #GeneralHealth"
	if err := w.store.UpdatePost(ctx, w.author, p); err != nil {
		t.Fatal(err)
	}
	if c, err := svc.Submit(ctx, w.author, p.ID, p.Version); err != nil || c.Blocked {
		t.Fatalf("Submit(clean) = %+v, %v", c, err)
	}
	// The rules change while it waits: approval checks again.
	if err := w.store.SetPhraseRules(ctx, w.reviewer, rapport.PhraseRules{Banned: []string{"free"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, w.reviewer, p.ID, p.Version, ""); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("Approve after a new banned phrase: %v, want invalid", err)
	}
	if _, err := svc.Approve(ctx, w.reviewer, p.ID, p.Version-1, ""); rapport.ErrorCode(err) != rapport.ECONFLICT {
		t.Errorf("Approve an old version: %v, want conflict", err)
	}
}
