package mastodon_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/mastodon"
	"github.com/rapport-health/rapport/internal/mastodon/mastodontest"
)

type fixture struct {
	srv                   *mastodontest.Server
	clinic, patient       mastodon.Account
	clinicTok, patientTok string
	client                *mastodon.Client
	sleeps                *[]time.Duration
}

func newFixture(t *testing.T, mod func(*mastodon.Config)) fixture {
	t.Helper()
	srv := mastodontest.NewServer()
	t.Cleanup(srv.Close)
	clinic, ct := srv.CreateAccount("clinic", "Riverside Clinic")
	patient, pt := srv.CreateAccount("pat", "Pat Doe")
	var mu sync.Mutex
	sleeps := &[]time.Duration{}
	cfg := mastodon.Config{Server: srv.URL, Token: ct, Sleep: func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*sleeps = append(*sleeps, d)
		mu.Unlock()
		return ctx.Err()
	}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := mastodon.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fixture{srv, clinic, patient, ct, pt, c, sleeps}
}

func (f fixture) post(t *testing.T, text, visibility, inReplyTo string) mastodon.Status {
	t.Helper()
	st, err := f.srv.Post(f.patientTok, text, visibility, inReplyTo)
	if err != nil {
		t.Fatalf("Post(%q): %v", text, err)
	}
	return st
}

func TestFetchMentionsAndDMs(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	pub := f.post(t, "@clinic the parking <lot> & lifts are broken\nagain", "public", "")
	f.srv.AddNotification(f.clinic.ID, "follow", f.patient.ID)
	dm := f.post(t, "@clinic can I book a flu shot?", "direct", "")
	f.post(t, "no mention here", "public", "")

	items, cursor, err := f.client.Fetch(ctx, "")
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(items) != 2 {
		t.Fatalf("Fetch returned %d items, want 2 (mentions only): %+v", len(items), items)
	}
	want := []rapport.SocialItem{
		{Network: rapport.NetworkMastodon, AccountID: f.clinic.ID, NetworkID: pub.ID, Kind: rapport.KindMention,
			AuthorID: f.patient.ID, AuthorHandle: "pat", AuthorName: "Pat Doe",
			Text: "@clinic the parking <lot> & lifts are broken\nagain", URL: pub.URL, CreatedAt: pub.CreatedAt},
		{Network: rapport.NetworkMastodon, AccountID: f.clinic.ID, NetworkID: dm.ID, Kind: rapport.KindDM,
			AuthorID: f.patient.ID, AuthorHandle: "pat", AuthorName: "Pat Doe",
			Text: "@clinic can I book a flu shot?", URL: dm.URL, CreatedAt: dm.CreatedAt, Private: true},
	}
	for i := range want {
		if !items[i].CreatedAt.Equal(want[i].CreatedAt) {
			t.Errorf("item %d CreatedAt = %v, want %v", i, items[i].CreatedAt, want[i].CreatedAt)
		}
		items[i].CreatedAt = want[i].CreatedAt
		if items[i] != want[i] {
			t.Errorf("item %d = %+v\nwant %+v", i, items[i], want[i])
		}
	}
	// Nothing new: same cursor, no items.
	again, cursor2, err := f.client.Fetch(ctx, cursor)
	if err != nil || len(again) != 0 || cursor2 != cursor {
		t.Errorf("Fetch(cursor) = %d items, %q, %v; want 0 items, %q, nil", len(again), cursor2, err, cursor)
	}
	// A reply arrives after the cursor.
	reply := f.post(t, "@clinic thanks!", "public", pub.ID)
	items, _, err = f.client.Fetch(ctx, cursor)
	if err != nil || len(items) != 1 || items[0].NetworkID != reply.ID || items[0].ParentID != pub.ID || items[0].Kind != rapport.KindReply {
		t.Errorf("Fetch after reply = %+v, %v; want the reply with parent %s", items, err, pub.ID)
	}
}

// Paging forward from a cursor walks every page with min_id and Link
// headers and never skips or repeats an item.
func TestFetchPaginatesWithoutGaps(t *testing.T) {
	f := newFixture(t, func(c *mastodon.Config) { c.PageSize = 3; c.MaxPages = 100 })
	ctx := context.Background()
	f.post(t, "@clinic first", "public", "")
	_, cursor, err := f.client.Fetch(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 10 {
		want = append(want, f.post(t, fmt.Sprintf("@clinic number %d", i), "public", "").ID)
	}
	items, next, err := f.client.Fetch(ctx, cursor)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.NetworkID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("paged ids = %v, want %v", got, want)
	}
	if next == cursor {
		t.Errorf("cursor did not advance")
	}
	var minIDPages int
	for _, r := range f.srv.Requests() {
		if strings.Contains(r, "min_id=") {
			minIDPages++
		}
	}
	if minIDPages != 4 { // 3+3+3+1
		t.Errorf("made %d min_id requests, want 4", minIDPages)
	}
}

func TestFetchStopsAtMaxPages(t *testing.T) {
	f := newFixture(t, func(c *mastodon.Config) { c.PageSize = 2; c.MaxPages = 2 })
	ctx := context.Background()
	_, cursor, _ := f.client.Fetch(ctx, "")
	for i := range 7 {
		f.post(t, fmt.Sprintf("@clinic %d", i), "public", "")
	}
	first, cursor, err := f.client.Fetch(ctx, cursor)
	if err != nil || len(first) != 4 {
		t.Fatalf("Fetch = %d items, %v; want 4 (2 pages of 2)", len(first), err)
	}
	rest, _, err := f.client.Fetch(ctx, cursor)
	if err != nil || len(rest) != 3 {
		t.Fatalf("second Fetch = %d items, %v; want the remaining 3", len(rest), err)
	}
}

func TestPublishReplyWithIdempotencyKey(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	m := f.post(t, "@clinic hello", "public", "")
	p := rapport.Post{Text: "@pat Hi! Please send us a DM.", InReplyTo: m.ID, IdempotencyKey: "reply-1"}
	ref, err := f.client.Publish(ctx, p)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	ref2, err := f.client.Publish(ctx, p)
	if err != nil || ref2 != ref {
		t.Errorf("Publish retry = %+v, %v; want the same %+v", ref2, err, ref)
	}
	posted := f.srv.StatusesBy(f.clinic.ID)
	if len(posted) != 1 {
		t.Fatalf("clinic posted %d statuses, want 1", len(posted))
	}
	if got := posted[0]; got.ID != ref.NetworkID || got.InReplyToID == nil || *got.InReplyToID != m.ID || got.Visibility != "public" {
		t.Errorf("posted %+v, want a public reply to %s with id %s", got, m.ID, ref.NetworkID)
	}
	if _, err := f.client.Publish(ctx, rapport.Post{Text: "x", InReplyTo: "999"}); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("Publish(reply to missing) code = %q, want %q", rapport.ErrorCode(err), rapport.ENOTFOUND)
	}
	if _, err := f.client.Publish(ctx, rapport.Post{Text: strings.Repeat("a", 501)}); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("Publish(501 chars) code = %q, want %q", rapport.ErrorCode(err), rapport.EINVALID)
	}
	if _, err := f.client.Publish(ctx, rapport.Post{Text: "  "}); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("Publish(blank) code = %q, want %q", rapport.ErrorCode(err), rapport.EINVALID)
	}
}

func TestSendDM(t *testing.T) {
	f := newFixture(t, nil)
	ref, err := f.client.SendDM(context.Background(), f.patient.ID, "We have your message; please call us.")
	if err != nil {
		t.Fatalf("SendDM: %v", err)
	}
	posted := f.srv.StatusesBy(f.clinic.ID)
	if len(posted) != 1 || posted[0].ID != ref.NetworkID || posted[0].Visibility != "direct" ||
		len(posted[0].Mentions) != 1 || posted[0].Mentions[0].ID != f.patient.ID {
		t.Fatalf("posted %+v, want one direct status mentioning %s", posted, f.patient.ID)
	}
	if got := mastodon.PlainText(posted[0].Content); got != "@pat We have your message; please call us." {
		t.Errorf("DM text = %q", got)
	}
	if _, err := f.client.SendDM(context.Background(), "404", "hi"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("SendDM(unknown) code = %q, want %q", rapport.ErrorCode(err), rapport.ENOTFOUND)
	}
}

func TestMetrics(t *testing.T) {
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, func(c *mastodon.Config) { c.Now = func() time.Time { return at } })
	f.srv.SetFollowers(f.clinic.ID, 1200, 35)
	if _, err := f.client.Publish(context.Background(), rapport.Post{Text: "Flu clinics open Saturday."}); err != nil {
		t.Fatal(err)
	}
	got, err := f.client.Metrics(context.Background())
	want := rapport.AccountMetrics{Followers: 1200, Following: 35, Posts: 1, At: at}
	if err != nil || got != want {
		t.Errorf("Metrics() = %+v, %v; want %+v", got, err, want)
	}
}

func TestBadToken(t *testing.T) {
	f := newFixture(t, func(c *mastodon.Config) { c.Token = "stolen" })
	_, _, err := f.client.Fetch(context.Background(), "")
	var e *rapport.Error
	if !errors.As(err, &e) || e.Code != rapport.EUNAUTHORIZED || strings.Contains(e.Message, "stolen") {
		t.Errorf("Fetch with a bad token = %v, want EUNAUTHORIZED without the token", err)
	}
}

func TestRateLimit429BacksOffAndRetries(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.Force429(2)
	if _, err := f.client.Metrics(context.Background()); err != nil {
		t.Fatalf("Metrics after two 429s: %v", err)
	}
	if len(*f.sleeps) != 2 {
		t.Fatalf("slept %d times, want 2 (one per 429): %v", len(*f.sleeps), *f.sleeps)
	}
	for _, d := range *f.sleeps {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("backoff %v, want until the reset (0 < d <= 5m)", d)
		}
	}
}

func TestRateLimitGivesUp(t *testing.T) {
	f := newFixture(t, func(c *mastodon.Config) { c.MaxRetries = 2 })
	f.srv.Force429(10)
	_, err := f.client.Metrics(context.Background())
	if !errors.Is(err, mastodon.ErrRateLimited) {
		t.Errorf("Metrics after persistent 429 = %v, want ErrRateLimited", err)
	}
	if n := len(f.srv.Requests()); n != 3 {
		t.Errorf("sent %d requests, want 3 (1 + 2 retries)", n)
	}
}

// When X-RateLimit-Remaining reaches 0 the client waits for the reset
// before the next request instead of spending it on a 429.
func TestRateLimitWaitsForReset(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.SetRateLimit(2, time.Minute)
	ctx := context.Background()
	for range 2 {
		if _, err := f.client.Metrics(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(*f.sleeps) != 0 {
		t.Fatalf("slept before the budget ran out: %v", *f.sleeps)
	}
	f.srv.SetRateLimit(2, time.Minute) // the window resets while we "sleep"
	if _, err := f.client.Metrics(ctx); err != nil {
		t.Fatalf("third Metrics: %v", err)
	}
	if len(*f.sleeps) != 1 || (*f.sleeps)[0] <= 0 || (*f.sleeps)[0] > time.Minute {
		t.Errorf("sleeps = %v, want one wait of up to a minute before the third request", *f.sleeps)
	}
}

func TestStream(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan rapport.SocialItem, 4)
	done := make(chan error, 1)
	go func() {
		done <- f.client.Stream(ctx, func(_ context.Context, it rapport.SocialItem) error {
			got <- it
			return nil
		})
	}()
	for f.srv.Subscribers(f.clinic.ID) == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("stream never connected")
		case <-time.After(5 * time.Millisecond):
		}
	}
	// The clinic's own post (an update event on its stream) is not an item.
	if _, err := f.client.Publish(ctx, rapport.Post{Text: "Open day Saturday"}); err != nil {
		t.Fatal(err)
	}
	st := f.post(t, "@clinic my appointment letter never came", "public", "")
	select {
	case it := <-got:
		if it.NetworkID != st.ID || it.Text != "@clinic my appointment letter never came" || it.AuthorID != f.patient.ID {
			t.Errorf("streamed %+v, want status %s", it, st.ID)
		}
	case <-ctx.Done():
		t.Fatal("no item streamed")
	}
	// The same mention via Fetch has the same network id, so the inbox
	// sees one item.
	items, _, err := f.client.Fetch(ctx, "")
	if err != nil || len(items) != 1 || items[0].NetworkID != st.ID {
		t.Errorf("Fetch after stream = %+v, %v; want the same id %s", items, err, st.ID)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Stream after cancel = %v, want context.Canceled", err)
	}
	select {
	case it := <-got:
		t.Errorf("unexpected extra item %+v", it)
	default:
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  mastodon.Config
	}{
		{"no server", mastodon.Config{Token: "t"}},
		{"bad scheme", mastodon.Config{Server: "ftp://x", Token: "t"}},
		{"no token", mastodon.Config{Server: "https://mastodon.social"}},
		{"direct visibility", mastodon.Config{Server: "https://mastodon.social", Token: "t", Visibility: "direct"}},
	} {
		if _, err := mastodon.New(tc.cfg); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("%s: New error code = %q, want %q", tc.name, rapport.ErrorCode(err), rapport.EINVALID)
		}
	}
}
