package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-health/rapport"
)

var _ rapport.PublishStore = (*Store)(nil)

// Limits on a scheduled post. The networks have their own, lower ones
// (Bluesky 300 graphemes, Mastodon 500 characters by default); the
// connector reports those when it publishes.
const (
	maxPostText     = 5000
	maxPostAccounts = 20
	maxPhraseRules  = 200
	maxPhraseLen    = 200
)

const postColumns = `id, org_id, text, account_ids, status, scheduled_at, version, author_id, author_name,
	reviewer_id, reviewer_name, review_note, created_at, updated_at`

// staffID names who acts: the user, or the token for API clients.
func staffID(a rapport.Actor) string {
	if a.UserID != "" {
		return a.UserID
	}
	if a.TokenID != "" {
		return "token:" + a.TokenID
	}
	return "name:" + a.Name
}

func validatePost(p *rapport.ScheduledPost) error {
	if strings.TrimSpace(p.Text) == "" {
		return rapport.Errorf(rapport.EINVALID, "post text: required")
	}
	if !utf8.ValidString(p.Text) {
		return rapport.Errorf(rapport.EINVALID, "post text: not valid UTF-8")
	}
	if n := utf8.RuneCountInString(p.Text); n > maxPostText {
		return rapport.Errorf(rapport.EINVALID, "post text: %d characters, at most %d", n, maxPostText)
	}
	if len(p.AccountIDs) == 0 {
		return rapport.Errorf(rapport.EINVALID, "account_ids: at least one account")
	}
	if len(p.AccountIDs) > maxPostAccounts {
		return rapport.Errorf(rapport.EINVALID, "account_ids: at most %d accounts", maxPostAccounts)
	}
	for i, id := range p.AccountIDs {
		if strings.TrimSpace(id) == "" || len(id) > 200 {
			return rapport.Errorf(rapport.EINVALID, "account_ids[%d]: empty or too long", i)
		}
		if slices.Contains(p.AccountIDs[:i], id) {
			return rapport.Errorf(rapport.EINVALID, "account_ids[%d]: listed twice", i)
		}
	}
	return nil
}

// CreatePost stores a new draft written by actor.
func (s *Store) CreatePost(ctx context.Context, actor rapport.Actor, p *rapport.ScheduledPost) error {
	if err := actor.Require(rapport.PermPublishWrite); err != nil {
		return err
	}
	if err := validatePost(p); err != nil {
		return err
	}
	now := s.clock()
	p.ID, p.OrgID, p.Status, p.Version = newID(), actor.OrgID, rapport.PostDraft, 1
	p.AuthorID, p.AuthorName = staffID(actor), actor.Name
	p.ReviewerID, p.ReviewerName, p.ReviewNote = "", "", ""
	p.CreatedAt, p.UpdatedAt, p.Targets = now, now, nil
	ids, _ := json.Marshal(p.AccountIDs)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO scheduled_posts (`+postColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			p.ID, p.OrgID, p.Text, string(ids), string(p.Status), micros(p.ScheduledAt), p.Version, p.AuthorID, p.AuthorName,
			"", "", "", micros(now), micros(now)); err != nil {
			return internal("insert post", err)
		}
		return s.auditPost(ctx, tx, actor, rapport.AuditCreate, p.ID, "draft")
	})
}

func (s *Store) auditPost(ctx context.Context, tx *sql.Tx, actor rapport.Actor, action, id, detail string) error {
	e := rapport.AuditEntryFor(actor, action, "ScheduledPost")
	e.EntityIDs = []string{id}
	e.Detail = detail
	return s.appendAudit(ctx, tx, &e)
}

// lockPost reads a post of the actor's organisation inside tx, locking it.
func (s *Store) lockPost(ctx context.Context, tx *sql.Tx, orgID, id string) (*rapport.ScheduledPost, error) {
	row := tx.QueryRowContext(ctx, s.q(`SELECT `+postColumns+` FROM scheduled_posts WHERE org_id = ? AND id = ?`+s.d.ForUpdate), orgID, id)
	return scanPost(row.Scan, "post")
}

func scanPost(scan func(...any) error, what string) (*rapport.ScheduledPost, error) {
	var p rapport.ScheduledPost
	var ids, status string
	var sched, created, updated int64
	if err := scan(&p.ID, &p.OrgID, &p.Text, &ids, &status, &sched, &p.Version, &p.AuthorID, &p.AuthorName,
		&p.ReviewerID, &p.ReviewerName, &p.ReviewNote, &created, &updated); err != nil {
		return nil, notFound(what, err)
	}
	if err := json.Unmarshal([]byte(ids), &p.AccountIDs); err != nil {
		return nil, internal("post accounts", err)
	}
	p.Status = rapport.PostStatus(status)
	p.ScheduledAt, p.CreatedAt, p.UpdatedAt = fromMicros(sched), fromMicros(created), fromMicros(updated)
	return &p, nil
}

func wantVersion(p *rapport.ScheduledPost, version int) error {
	if p.Version != version {
		return rapport.Errorf(rapport.ECONFLICT, "the post changed (version %d, not %d); reload it", p.Version, version)
	}
	return nil
}

// UpdatePost edits a post that is not yet approved; it returns to draft.
func (s *Store) UpdatePost(ctx context.Context, actor rapport.Actor, p *rapport.ScheduledPost) error {
	if err := actor.Require(rapport.PermPublishWrite); err != nil {
		return err
	}
	if err := validatePost(p); err != nil {
		return err
	}
	ids, _ := json.Marshal(p.AccountIDs)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lockPost(ctx, tx, actor.OrgID, p.ID)
		if err != nil {
			return err
		}
		if err := wantVersion(cur, p.Version); err != nil {
			return err
		}
		switch cur.Status {
		case rapport.PostDraft, rapport.PostRejected, rapport.PostInReview:
		default:
			return rapport.Errorf(rapport.ECONFLICT, "a post that is %s can no longer be edited", cur.Status)
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE scheduled_posts SET text = ?, account_ids = ?, scheduled_at = ?, status = ?,
			version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`),
			p.Text, string(ids), micros(p.ScheduledAt), string(rapport.PostDraft), micros(now), actor.OrgID, p.ID); err != nil {
			return internal("update post", err)
		}
		cur.Text, cur.AccountIDs, cur.ScheduledAt = p.Text, p.AccountIDs, p.ScheduledAt
		cur.Status, cur.Version, cur.UpdatedAt = rapport.PostDraft, cur.Version+1, now
		*p = *cur
		return s.auditPost(ctx, tx, actor, rapport.AuditUpdate, p.ID, "edit")
	})
}

// ScheduledPost returns one post with its publishing targets.
func (s *Store) ScheduledPost(ctx context.Context, actor rapport.Actor, id string) (*rapport.ScheduledPost, error) {
	if err := requireAny(actor, rapport.PermPublishWrite, rapport.PermPublishReview); err != nil {
		return nil, err
	}
	row := s.r.QueryRowContext(ctx, s.q(`SELECT `+postColumns+` FROM scheduled_posts WHERE org_id = ? AND id = ?`), actor.OrgID, id)
	p, err := scanPost(row.Scan, "post")
	if err != nil {
		return nil, err
	}
	if err := s.loadTargets(ctx, actor.OrgID, []*rapport.ScheduledPost{p}); err != nil {
		return nil, err
	}
	return p, nil
}

func requireAny(a rapport.Actor, perms ...rapport.Permission) error {
	var err error
	for _, p := range perms {
		if err = a.Require(p); err == nil {
			return nil
		}
	}
	return err
}

// ScheduledPosts lists posts matching f: by schedule when f bounds it (for
// the calendar), else newest first.
func (s *Store) ScheduledPosts(ctx context.Context, actor rapport.Actor, f rapport.PostFilter) ([]rapport.ScheduledPost, error) {
	if err := requireAny(actor, rapport.PermPublishWrite, rapport.PermPublishReview); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	where := []string{"org_id = ?"}
	args := []any{actor.OrgID}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	order := "created_at DESC, id DESC"
	if !f.From.IsZero() || !f.To.IsZero() {
		where = append(where, "scheduled_at > 0")
		order = "scheduled_at, id"
		if !f.From.IsZero() {
			where, args = append(where, "scheduled_at >= ?"), append(args, micros(f.From))
		}
		if !f.To.IsZero() {
			where, args = append(where, "scheduled_at < ?"), append(args, micros(f.To))
		}
	}
	args = append(args, f.Limit)
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+postColumns+` FROM scheduled_posts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT ?`), args...)
	if err != nil {
		return nil, internal("list posts", err)
	}
	defer rows.Close()
	var ptrs []*rapport.ScheduledPost
	for rows.Next() {
		p, err := scanPost(rows.Scan, "post")
		if err != nil {
			return nil, err
		}
		ptrs = append(ptrs, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list posts", err)
	}
	rows.Close()
	if err := s.loadTargets(ctx, actor.OrgID, ptrs); err != nil {
		return nil, err
	}
	out := make([]rapport.ScheduledPost, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out, nil
}

// loadTargets fills the Targets of posts from their publish jobs.
func (s *Store) loadTargets(ctx context.Context, orgID string, posts []*rapport.ScheduledPost) error {
	byID := map[string]*rapport.ScheduledPost{}
	var ids []any
	for _, p := range posts {
		if p.Status == rapport.PostApproved || p.Status == rapport.PostPublished || p.Status == rapport.PostFailed {
			byID[p.ID] = p
			ids = append(ids, p.ID)
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := append([]any{orgID}, chunk...)
		rows, err := s.r.QueryContext(ctx, s.q(`SELECT post_id, account_id, state, network_id, url, attempts, last_error, published_at
			FROM publish_jobs WHERE org_id = ? AND post_id IN (?`+strings.Repeat(", ?", n-1)+`) ORDER BY post_id, account_id`), args...)
		if err != nil {
			return internal("read publish jobs", err)
		}
		for rows.Next() {
			var postID, state string
			var at int64
			var t rapport.PublishTarget
			if err := rows.Scan(&postID, &t.AccountID, &state, &t.NetworkID, &t.URL, &t.Attempts, &t.LastError, &at); err != nil {
				rows.Close()
				return internal("scan publish job", err)
			}
			t.State, t.PublishedAt = rapport.JobState(state), fromMicros(at)
			byID[postID].Targets = append(byID[postID].Targets, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("read publish jobs", err)
		}
	}
	return nil
}

// SubmitPost sends a draft or rejected post to review.
func (s *Store) SubmitPost(ctx context.Context, actor rapport.Actor, id string, version int) error {
	if err := actor.Require(rapport.PermPublishWrite); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		p, err := s.lockPost(ctx, tx, actor.OrgID, id)
		if err != nil {
			return err
		}
		if err := wantVersion(p, version); err != nil {
			return err
		}
		if p.Status != rapport.PostDraft && p.Status != rapport.PostRejected {
			return rapport.Errorf(rapport.ECONFLICT, "a post that is %s cannot be submitted", p.Status)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE scheduled_posts SET status = ?, updated_at = ? WHERE org_id = ? AND id = ?`),
			string(rapport.PostInReview), micros(s.clock()), actor.OrgID, id); err != nil {
			return internal("submit post", err)
		}
		return s.auditPost(ctx, tx, actor, rapport.AuditUpdate, id, "submit")
	})
}

// ReviewPost approves or rejects a post in review. Approval creates the
// publish jobs in the same transaction, each with its idempotency key.
func (s *Store) ReviewPost(ctx context.Context, actor rapport.Actor, id string, version int, approve bool, note string) error {
	if err := actor.Require(rapport.PermPublishReview); err != nil {
		return err
	}
	if utf8.RuneCountInString(note) > 2000 {
		return rapport.Errorf(rapport.EINVALID, "review note: at most 2000 characters")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		p, err := s.lockPost(ctx, tx, actor.OrgID, id)
		if err != nil {
			return err
		}
		if err := wantVersion(p, version); err != nil {
			return err
		}
		if p.Status != rapport.PostInReview {
			return rapport.Errorf(rapport.ECONFLICT, "a post that is %s cannot be reviewed", p.Status)
		}
		if p.AuthorID == staffID(actor) {
			return rapport.Errorf(rapport.EFORBIDDEN, "a reviewer cannot review their own post")
		}
		now := s.clock()
		status, detail := rapport.PostRejected, "reject"
		if approve {
			status, detail = rapport.PostApproved, "approve"
			due := p.ScheduledAt
			if due.IsZero() || due.Before(now) {
				due = now
			}
			for _, acct := range p.AccountIDs {
				jobID := newID()
				if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO publish_jobs (id, org_id, post_id, account_id, idem_key, state, due_at,
					lease_until, claim, attempts, network_id, url, last_error, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', 0, '', '', '', 0)`),
					jobID, actor.OrgID, id, acct, "rapport-publish-"+jobID, string(rapport.JobPending), micros(due)); err != nil {
					return internal("create publish job", err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE scheduled_posts SET status = ?, reviewer_id = ?, reviewer_name = ?, review_note = ?,
			updated_at = ? WHERE org_id = ? AND id = ?`),
			string(status), staffID(actor), actor.Name, note, micros(now), actor.OrgID, id); err != nil {
			return internal("review post", err)
		}
		return s.auditPost(ctx, tx, actor, rapport.AuditUpdate, id, detail)
	})
}

// PhraseRules returns the organisation's phrase rules (empty when unset).
func (s *Store) PhraseRules(ctx context.Context, actor rapport.Actor) (rapport.PhraseRules, error) {
	var r rapport.PhraseRules
	if err := requireAny(actor, rapport.PermPublishWrite, rapport.PermPublishReview); err != nil {
		return r, err
	}
	var banned, required string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT banned, required FROM phrase_rules WHERE org_id = ?`), actor.OrgID).Scan(&banned, &required)
	if err == sql.ErrNoRows {
		return rapport.PhraseRules{Banned: []string{}, Required: []string{}}, nil
	}
	if err != nil {
		return r, internal("read phrase rules", err)
	}
	if err := json.Unmarshal([]byte(banned), &r.Banned); err != nil {
		return r, internal("banned phrases", err)
	}
	if err := json.Unmarshal([]byte(required), &r.Required); err != nil {
		return r, internal("required phrases", err)
	}
	return r, nil
}

// SetPhraseRules replaces the organisation's phrase rules.
func (s *Store) SetPhraseRules(ctx context.Context, actor rapport.Actor, r rapport.PhraseRules) error {
	if err := actor.Require(rapport.PermPublishReview); err != nil {
		return err
	}
	clean := func(field string, in []string) ([]string, error) {
		if len(in) > maxPhraseRules {
			return nil, rapport.Errorf(rapport.EINVALID, "%s: at most %d phrases", field, maxPhraseRules)
		}
		out := []string{}
		for i, p := range in {
			p = strings.Join(strings.Fields(p), " ")
			if p == "" || utf8.RuneCountInString(p) > maxPhraseLen {
				return nil, rapport.Errorf(rapport.EINVALID, "%s[%d]: empty or longer than %d characters", field, i, maxPhraseLen)
			}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		return out, nil
	}
	banned, err := clean("banned", r.Banned)
	if err != nil {
		return err
	}
	required, err := clean("required", r.Required)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(banned)
	q, _ := json.Marshal(required)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO phrase_rules (org_id, banned, required) VALUES (?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET banned = excluded.banned, required = excluded.required`),
			actor.OrgID, string(b), string(q)); err != nil {
			return internal("write phrase rules", err)
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditUpdate, "PhraseRules")
		e.Detail = fmt.Sprintf("%d banned, %d required", len(banned), len(required))
		return s.appendAudit(ctx, tx, &e)
	})
}

// systemPublisher is the actor the publishing worker records in the audit
// log.
func systemPublisher(orgID string) rapport.Actor {
	return rapport.Actor{OrgID: orgID, Name: "system:publish", Addr: "worker"}
}

// ClaimPublishJob leases the next due job. On PostgreSQL concurrent workers
// skip rows another holds (SKIP LOCKED); SQLite has one writer.
func (s *Store) ClaimPublishJob(ctx context.Context, lease time.Duration) (*rapport.PublishJob, error) {
	if lease <= 0 {
		return nil, rapport.Errorf(rapport.EINVALID, "lease must be positive")
	}
	var j rapport.PublishJob
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		var state string
		var due, leaseUntil int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT id, org_id, post_id, account_id, idem_key, state, due_at, lease_until, attempts
			FROM publish_jobs WHERE (state = ? AND due_at <= ?) OR (state = ? AND lease_until <= ?)
			ORDER BY due_at, id LIMIT 1`+s.d.SkipLocked),
			string(rapport.JobPending), micros(now), string(rapport.JobInFlight), micros(now)).
			Scan(&j.ID, &j.OrgID, &j.PostID, &j.AccountID, &j.IdempotencyKey, &state, &due, &leaseUntil, &j.Attempts)
		if err == sql.ErrNoRows {
			return rapport.Errorf(rapport.ENOTFOUND, "no publish job is due")
		}
		if err != nil {
			return internal("claim publish job", err)
		}
		if err := tx.QueryRowContext(ctx, s.q(`SELECT text FROM scheduled_posts WHERE org_id = ? AND id = ?`), j.OrgID, j.PostID).Scan(&j.Text); err != nil {
			return internal("read post to publish", err)
		}
		j.Due, j.Reclaimed = fromMicros(due), state == string(rapport.JobInFlight)
		j.Attempts++
		j.Claim, j.LeaseUntil = newID(), now.Add(lease)
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE publish_jobs SET state = ?, claim = ?, lease_until = ?, attempts = ? WHERE id = ?`),
			string(rapport.JobInFlight), j.Claim, micros(j.LeaseUntil), j.Attempts, j.ID); err != nil {
			return internal("claim publish job", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// finishJob updates a claimed job and, when no job of its post is left to
// run, settles the post: published when every target is done, failed when
// one gave up.
func (s *Store) finishJob(ctx context.Context, jobID, claim, set string, args []any, detail string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var orgID, postID, cur string
		err := tx.QueryRowContext(ctx, s.q(`SELECT org_id, post_id, claim FROM publish_jobs WHERE id = ? AND state = ?`+s.d.ForUpdate),
			jobID, string(rapport.JobInFlight)).Scan(&orgID, &postID, &cur)
		if err != nil || cur != claim {
			if err != nil && err != sql.ErrNoRows {
				return internal("read publish job", err)
			}
			return rapport.Errorf(rapport.ECONFLICT, "the publish job is no longer held by this claim")
		}
		// Lock the post first so that jobs of one post finishing at the
		// same time settle it one after the other, each seeing the other.
		var status string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM scheduled_posts WHERE id = ?`+s.d.ForUpdate), postID).Scan(&status); err != nil {
			return internal("lock post", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE publish_jobs SET `+set+` WHERE id = ?`), append(args, jobID)...); err != nil {
			return internal("update publish job", err)
		}
		var open, failed int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT
			COALESCE(SUM(CASE WHEN state IN (?, ?) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = ? THEN 1 ELSE 0 END), 0) FROM publish_jobs WHERE post_id = ?`),
			string(rapport.JobPending), string(rapport.JobInFlight), string(rapport.JobFailed), postID).Scan(&open, &failed); err != nil {
			return internal("count publish jobs", err)
		}
		if open == 0 {
			status := rapport.PostPublished
			if failed > 0 {
				status = rapport.PostFailed
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE scheduled_posts SET status = ?, updated_at = ? WHERE id = ?`),
				string(status), micros(s.clock()), postID); err != nil {
				return internal("settle post", err)
			}
		}
		e := rapport.AuditEntryFor(systemPublisher(orgID), rapport.AuditUpdate, "PublishJob")
		e.EntityIDs = []string{postID, jobID}
		e.Detail = detail
		return s.appendAudit(ctx, tx, &e)
	})
}

// CompletePublishJob records the network's post id and finishes the job.
// Recording the id is the acknowledgement: both happen in one transaction.
func (s *Store) CompletePublishJob(ctx context.Context, jobID, claim string, ref rapport.PostRef) error {
	if ref.NetworkID == "" {
		return rapport.Errorf(rapport.EINVALID, "a published post needs the network's id")
	}
	return s.finishJob(ctx, jobID, claim, `state = ?, network_id = ?, url = ?, published_at = ?, lease_until = 0, last_error = ''`,
		[]any{string(rapport.JobDone), ref.NetworkID, ref.URL, micros(s.clock())}, "published")
}

// FailPublishJob records a failed attempt; a zero retryAt gives up.
func (s *Store) FailPublishJob(ctx context.Context, jobID, claim, reason string, retryAt time.Time) error {
	if r := []rune(reason); len(r) > 500 {
		reason = string(r[:500])
	}
	if retryAt.IsZero() {
		return s.finishJob(ctx, jobID, claim, `state = ?, last_error = ?, lease_until = 0`,
			[]any{string(rapport.JobFailed), reason}, "failed")
	}
	return s.finishJob(ctx, jobID, claim, `state = ?, last_error = ?, due_at = ?, lease_until = 0`,
		[]any{string(rapport.JobPending), reason, micros(retryAt)}, "retry")
}
