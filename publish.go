package rapport

import (
	"context"
	"time"
)

// PostStatus is where a scheduled post is in the approval workflow:
// draft → in_review → approved → published, or back to rejected (which the
// author may edit and submit again).
type PostStatus string

// The workflow states.
const (
	PostDraft     PostStatus = "draft"
	PostInReview  PostStatus = "in_review"
	PostRejected  PostStatus = "rejected"
	PostApproved  PostStatus = "approved"  // publish jobs exist and wait for the schedule
	PostPublished PostStatus = "published" // every target account has the post
	PostFailed    PostStatus = "failed"    // a target gave up after its retries
)

// ScheduledPost is an outbound post the organisation plans: one text for one
// or several connected accounts, at a time, once a reviewer approves it.
// Post texts are public-facing copy, not patient data; the PHI guard checks
// them before approval all the same.
type ScheduledPost struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"-"`
	Text       string     `json:"text"`
	AccountIDs []string   `json:"account_ids"`
	Status     PostStatus `json:"status"`
	// ScheduledAt is when to publish; zero means as soon as approved.
	ScheduledAt time.Time `json:"scheduled_at"`
	// Version grows with every edit, so that an approval applies to the
	// text the reviewer (and the checks) saw.
	Version      int       `json:"version"`
	AuthorID     string    `json:"author_id"`
	AuthorName   string    `json:"author_name"`
	ReviewerID   string    `json:"reviewer_id,omitempty"`
	ReviewerName string    `json:"reviewer_name,omitempty"`
	ReviewNote   string    `json:"review_note,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Targets is the publishing state per account, once approved.
	Targets []PublishTarget `json:"targets,omitempty"`
}

// JobState is the state of one publish job.
type JobState string

// Publish job states.
const (
	JobPending  JobState = "pending"
	JobInFlight JobState = "in_flight" // claimed; the network may or may not have the post
	JobDone     JobState = "done"      // the network's post id is recorded
	JobFailed   JobState = "failed"    // gave up
)

// PublishTarget is the publishing state of a post on one account.
type PublishTarget struct {
	AccountID   string    `json:"account_id"`
	State       JobState  `json:"state"`
	NetworkID   string    `json:"network_id,omitempty"`
	URL         string    `json:"url,omitempty"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
}

// PublishJob is the unit of exactly-once publishing: one approved post on
// one account. IdempotencyKey is fixed when the job is created and sent with
// every attempt, so the network recognises a retry of a post it already
// has.
type PublishJob struct {
	ID             string
	OrgID          string
	PostID         string
	AccountID      string
	Text           string
	IdempotencyKey string
	Due            time.Time
	Attempts       int // including this one
	// Claim fences the job: only the worker holding the latest claim may
	// complete or fail it.
	Claim      string
	LeaseUntil time.Time
	// Reclaimed is true when an earlier attempt claimed the job and never
	// recorded an outcome (it crashed, or its lease ran out): the network
	// may already have the post, and the retry must reconcile rather than
	// post again.
	Reclaimed bool
}

// PhraseRules are an organisation's house rules for public posts: phrases a
// post must not contain and phrases it must contain (a disclaimer, a
// hashtag). Matching ignores case and runs of spaces.
type PhraseRules struct {
	Banned   []string `json:"banned"`
	Required []string `json:"required"`
}

// PostFilter selects scheduled posts. Empty fields match everything.
type PostFilter struct {
	Status PostStatus
	// From and To bound ScheduledAt (From inclusive, To exclusive); posts
	// without a schedule are outside any bounded range.
	From, To time.Time
	Limit    int
}

// PublishStore keeps scheduled posts, their approval and their publish
// jobs. Every method scopes itself to actor.OrgID and checks permissions:
// PermPublishWrite to draft and submit, PermPublishReview to approve or
// reject, and never the author's own post. The job methods are for the
// publishing worker and act for the system.
type PublishStore interface {
	CreatePost(ctx context.Context, actor Actor, p *ScheduledPost) error
	// UpdatePost edits the text, accounts and schedule of a draft or
	// rejected post whose Version is p.Version (else ECONFLICT); it
	// returns to draft with the next version.
	UpdatePost(ctx context.Context, actor Actor, p *ScheduledPost) error
	ScheduledPost(ctx context.Context, actor Actor, id string) (*ScheduledPost, error)
	ScheduledPosts(ctx context.Context, actor Actor, f PostFilter) ([]ScheduledPost, error)
	// SubmitPost moves a draft or rejected post at version to in_review.
	SubmitPost(ctx context.Context, actor Actor, id string, version int) error
	// ReviewPost approves (creating one publish job per account, due at
	// the schedule) or rejects a post in review at version.
	ReviewPost(ctx context.Context, actor Actor, id string, version int, approve bool, note string) error
	PhraseRules(ctx context.Context, actor Actor) (PhraseRules, error)
	SetPhraseRules(ctx context.Context, actor Actor, r PhraseRules) error

	// ClaimPublishJob leases the next due job for lease: a pending job due
	// by now, or an in-flight one whose lease has run out. It returns
	// ENOTFOUND when there is none.
	ClaimPublishJob(ctx context.Context, lease time.Duration) (*PublishJob, error)
	// CompletePublishJob records the network's post and finishes the job in
	// one transaction. It fails with ECONFLICT when claim is no longer the
	// job's claim.
	CompletePublishJob(ctx context.Context, jobID, claim string, ref PostRef) error
	// FailPublishJob records a failed attempt: the job waits until retryAt,
	// or gives up when retryAt is zero (the post then fails). A retry
	// sends the same idempotency key, so a failure whose outcome is
	// unknown (a timeout after the network took the post) never doubles it.
	FailPublishJob(ctx context.Context, jobID, claim, reason string, retryAt time.Time) error
}
