package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rapport-health/rapport"
)

// publishActors returns an author (social agent), a reviewer (admin) and a
// second author in f's organisation.
func publishActors(f *fixture) (author, reviewer, author2 rapport.Actor) {
	return rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAgent, UserID: "u-author", Name: "author@general"},
		rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAdmin, UserID: "u-reviewer", Name: "reviewer@general"},
		rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleMarket, UserID: "u-author2", Name: "author2@general"}
}

func newPost(t *testing.T, f *fixture, a rapport.Actor, text string, at time.Time, accounts ...string) *rapport.ScheduledPost {
	t.Helper()
	p := &rapport.ScheduledPost{Text: text, AccountIDs: accounts, ScheduledAt: at}
	if err := f.s.CreatePost(context.Background(), a, p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	return p
}

func testPublishWorkflow(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	author, reviewer, _ := publishActors(f)
	p := newPost(t, f, author, "Flu shots this Saturday", epoch.Add(24*time.Hour), "acct-a", "acct-b")
	if p.Status != rapport.PostDraft || p.Version != 1 || p.AuthorID != "u-author" {
		t.Fatalf("new post = %s v%d by %s, want draft v1 by u-author", p.Status, p.Version, p.AuthorID)
	}
	// Reviewing a draft, approving without the permission, approving
	// one's own post, or an old version all fail.
	wantCode(t, "review a draft", f.s.ReviewPost(ctx, reviewer, p.ID, 1, true, ""), rapport.ECONFLICT)
	wantCode(t, "submit an old version", f.s.SubmitPost(ctx, author, p.ID, 0), rapport.ECONFLICT)
	if err := f.s.SubmitPost(ctx, author, p.ID, 1); err != nil {
		t.Fatalf("SubmitPost: %v", err)
	}
	wantCode(t, "agent approves", f.s.ReviewPost(ctx, author, p.ID, 1, true, ""), rapport.EFORBIDDEN)
	self := reviewer
	self.UserID = "u-author"
	wantCode(t, "reviewer approves own post", f.s.ReviewPost(ctx, self, p.ID, 1, true, ""), rapport.EFORBIDDEN)
	// Reject, edit, resubmit, approve.
	if err := f.s.ReviewPost(ctx, reviewer, p.ID, 1, false, "add the clinic hours"); err != nil {
		t.Fatalf("reject: %v", err)
	}
	p.Text += " 9am-1pm"
	if err := f.s.UpdatePost(ctx, author, p); err != nil {
		t.Fatalf("UpdatePost: %v", err)
	}
	if p.Version != 2 || p.Status != rapport.PostDraft {
		t.Errorf("after edit: %s v%d, want draft v2", p.Status, p.Version)
	}
	if err := f.s.SubmitPost(ctx, author, p.ID, 2); err != nil {
		t.Fatalf("resubmit: %v", err)
	}
	wantCode(t, "approve the version before the edit", f.s.ReviewPost(ctx, reviewer, p.ID, 1, true, ""), rapport.ECONFLICT)
	if err := f.s.ReviewPost(ctx, reviewer, p.ID, 2, true, "ok"); err != nil {
		t.Fatalf("approve: %v", err)
	}
	wantCode(t, "edit an approved post", f.s.UpdatePost(ctx, author, p), rapport.ECONFLICT)
	got, err := f.s.ScheduledPost(ctx, author, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != rapport.PostApproved || got.ReviewerName != "reviewer@general" || got.Text != "Flu shots this Saturday 9am-1pm" {
		t.Errorf("approved post = %+v", got)
	}
	var accts []string
	for _, tg := range got.Targets {
		accts = append(accts, tg.AccountID+":"+string(tg.State))
	}
	if diff := cmp.Diff([]string{"acct-a:pending", "acct-b:pending"}, accts); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	// Not due yet: the post is scheduled a day after the (test) clock.
	if j, err := f.s.ClaimPublishJob(ctx, time.Minute); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("ClaimPublishJob before the schedule = %+v, %v; want not found", j, err)
	}
}

func testPublishJobs(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	author, reviewer, _ := publishActors(f)
	p := newPost(t, f, author, "Now open: the new wing", time.Time{}, "acct-a", "acct-b")
	if err := f.s.SubmitPost(ctx, author, p.ID, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ReviewPost(ctx, reviewer, p.ID, 1, true, ""); err != nil {
		t.Fatal(err)
	}
	// Claim both jobs; the lease of the first (1µs) runs out at once, so
	// the next claim takes it back as reclaimed with the same key.
	j1, err := f.s.ClaimPublishJob(ctx, time.Microsecond)
	if err != nil {
		t.Fatalf("claim 1: %v", err)
	}
	if j1.Reclaimed || j1.Attempts != 1 || j1.Text != p.Text || j1.IdempotencyKey == "" {
		t.Errorf("first claim = %+v", j1)
	}
	j1b, err := f.s.ClaimPublishJob(ctx, time.Hour)
	if err != nil {
		t.Fatalf("claim 2: %v", err)
	}
	if j1b.ID != j1.ID || !j1b.Reclaimed || j1b.Attempts != 2 || j1b.IdempotencyKey != j1.IdempotencyKey || j1b.Claim == j1.Claim {
		t.Errorf("reclaim = %+v, want job %s reclaimed with key %s", j1b, j1.ID, j1.IdempotencyKey)
	}
	// The stale claim may no longer finish the job.
	wantCode(t, "complete with a stale claim", f.s.CompletePublishJob(ctx, j1.ID, j1.Claim, rapport.PostRef{NetworkID: "x"}), rapport.ECONFLICT)
	wantCode(t, "complete without an id", f.s.CompletePublishJob(ctx, j1b.ID, j1b.Claim, rapport.PostRef{}), rapport.EINVALID)
	if err := f.s.CompletePublishJob(ctx, j1b.ID, j1b.Claim, rapport.PostRef{NetworkID: "net-1", URL: "https://example.org/1"}); err != nil {
		t.Fatalf("complete: %v", err)
	}
	wantCode(t, "complete twice", f.s.CompletePublishJob(ctx, j1b.ID, j1b.Claim, rapport.PostRef{NetworkID: "net-1"}), rapport.ECONFLICT)
	j2, err := f.s.ClaimPublishJob(ctx, time.Hour)
	if err != nil || j2.ID == j1.ID {
		t.Fatalf("claim the second job = %+v, %v", j2, err)
	}
	if _, err := f.s.ClaimPublishJob(ctx, time.Hour); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("claim with every job leased: %v, want not found", err)
	}
	// A failure with a retry time puts it back; the retry completes it.
	if err := f.s.FailPublishJob(ctx, j2.ID, j2.Claim, "HTTP 503", epoch); err != nil {
		t.Fatalf("fail: %v", err)
	}
	if got, _ := f.s.ScheduledPost(ctx, author, p.ID); got.Status != rapport.PostApproved {
		t.Errorf("post after one target published and one retrying = %s, want approved", got.Status)
	}
	j2b, err := f.s.ClaimPublishJob(ctx, time.Hour)
	if err != nil || j2b.ID != j2.ID || j2b.Reclaimed {
		t.Fatalf("claim the retry = %+v, %v; want job %s not reclaimed", j2b, err, j2.ID)
	}
	if err := f.s.CompletePublishJob(ctx, j2b.ID, j2b.Claim, rapport.PostRef{NetworkID: "net-2"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.ScheduledPost(ctx, author, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != rapport.PostPublished {
		t.Errorf("post after both targets = %s, want published", got.Status)
	}
	ids := map[string]string{}
	for _, tg := range got.Targets {
		ids[tg.AccountID] = tg.NetworkID
	}
	if diff := cmp.Diff(map[string]string{j1.AccountID: "net-1", j2.AccountID: "net-2"}, ids); diff != "" {
		t.Errorf("network ids (-want +got):\n%s", diff)
	}

	// A job that gives up fails the post.
	q := newPost(t, f, author, "Second post", time.Time{}, "acct-a")
	_ = f.s.SubmitPost(ctx, author, q.ID, 1)
	_ = f.s.ReviewPost(ctx, reviewer, q.ID, 1, true, "")
	j3, err := f.s.ClaimPublishJob(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.FailPublishJob(ctx, j3.ID, j3.Claim, "account suspended", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.ScheduledPost(ctx, author, q.ID); got.Status != rapport.PostFailed || got.Targets[0].LastError != "account suspended" {
		t.Errorf("post after giving up = %s %+v, want failed", got.Status, got.Targets)
	}
}

func testPublishCalendarAndRules(t *testing.T, open Opener) {
	f := setup(t, open)
	ctx := context.Background()
	author, reviewer, author2 := publishActors(f)
	day := epoch.Add(48 * time.Hour)
	newPost(t, f, author, "B", day.Add(3*time.Hour), "acct-a")
	newPost(t, f, author2, "A", day.Add(time.Hour), "acct-a")
	newPost(t, f, author, "next week", day.Add(7*24*time.Hour), "acct-a")
	newPost(t, f, author, "unscheduled", time.Time{}, "acct-a")
	cal, err := f.s.ScheduledPosts(ctx, reviewer, rapport.PostFilter{From: day, To: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range cal {
		texts = append(texts, p.Text)
	}
	if diff := cmp.Diff([]string{"A", "B"}, texts); diff != "" {
		t.Errorf("calendar of the day (-want +got):\n%s", diff)
	}
	all, _ := f.s.ScheduledPosts(ctx, author, rapport.PostFilter{Status: rapport.PostDraft})
	if len(all) != 4 {
		t.Errorf("drafts = %d, want 4", len(all))
	}

	// Validation names the field.
	for _, tc := range []struct {
		name string
		p    rapport.ScheduledPost
	}{
		{"no text", rapport.ScheduledPost{Text: "  ", AccountIDs: []string{"a"}}},
		{"no account", rapport.ScheduledPost{Text: "x"}},
		{"account twice", rapport.ScheduledPost{Text: "x", AccountIDs: []string{"a", "a"}}},
	} {
		wantCode(t, "CreatePost "+tc.name, f.s.CreatePost(ctx, author, &tc.p), rapport.EINVALID)
	}

	// Rules: authors read them, reviewers set them, normalised.
	wantCode(t, "agent sets rules", f.s.SetPhraseRules(ctx, author, rapport.PhraseRules{Banned: []string{"cure"}}), rapport.EFORBIDDEN)
	wantCode(t, "empty phrase", f.s.SetPhraseRules(ctx, reviewer, rapport.PhraseRules{Banned: []string{" "}}), rapport.EINVALID)
	if err := f.s.SetPhraseRules(ctx, reviewer, rapport.PhraseRules{Banned: []string{"miracle  cure", "guaranteed"}, Required: []string{"#HealthTips"}}); err != nil {
		t.Fatal(err)
	}
	r, err := f.s.PhraseRules(ctx, author)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rapport.PhraseRules{Banned: []string{"miracle cure", "guaranteed"}, Required: []string{"#HealthTips"}}, r); diff != "" {
		t.Errorf("PhraseRules (-want +got):\n%s", diff)
	}

	// Another organisation sees none of it.
	_, other := f.newOrg(t, "other")
	other.Role = rapport.RoleAgent
	if got, err := f.s.ScheduledPosts(ctx, other, rapport.PostFilter{}); err != nil || len(got) != 0 {
		t.Errorf("other org lists %d posts, %v", len(got), err)
	}
	if _, err := f.s.ScheduledPost(ctx, other, cal[0].ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("other org reads a post: %v, want not found", err)
	}
	wantCode(t, "other org submits a post", f.s.SubmitPost(ctx, other, cal[0].ID, 1), rapport.ENOTFOUND)
	if r, _ := f.s.PhraseRules(ctx, other); len(r.Banned)+len(r.Required) != 0 {
		t.Errorf("other org's rules = %+v, want none", r)
	}
	analyst := rapport.Actor{OrgID: f.org.ID, Role: rapport.RoleAnalyst, Name: "analyst"}
	if _, err := f.s.ScheduledPosts(ctx, analyst, rapport.PostFilter{}); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
		t.Errorf("analyst lists posts: %v, want forbidden", err)
	}
}
