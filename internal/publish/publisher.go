package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rapport-health/rapport"
)

// Jobs is what the publisher needs of storage.
type Jobs interface {
	ClaimPublishJob(ctx context.Context, lease time.Duration) (*rapport.PublishJob, error)
	CompletePublishJob(ctx context.Context, jobID, claim string, ref rapport.PostRef) error
	FailPublishJob(ctx context.Context, jobID, claim, reason string, retryAt time.Time) error
}

// Connectors returns the connector of an organisation's connected account.
// An ENOTFOUND error gives the job up; any other error retries it.
type Connectors func(ctx context.Context, orgID, accountID string) (rapport.Connector, error)

// Config configures a Publisher.
type Config struct {
	Jobs       Jobs
	Connectors Connectors
	// Lease is how long a claim holds a job (default 2 minutes). A network
	// call gets at most half of it, so a live worker always finishes
	// before its lease runs out; it must stay well under the time a
	// network keeps idempotency keys (Mastodon: one hour).
	Lease time.Duration
	// Poll is the pause when no job is due (default 2 s).
	Poll time.Duration
	// MaxAttempts gives a job up after that many failed calls (default 8).
	MaxAttempts int
	// Backoff is the wait before retry n (default 30 s doubling, at most
	// one hour).
	Backoff func(attempt int) time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
	// AfterPublish, for tests, runs after the network accepted a post and
	// before its id is recorded. An error abandons the job with no
	// database write at all, as a crash at that point would.
	AfterPublish func(ctx context.Context, j *rapport.PublishJob, ref rapport.PostRef) error
}

// Publisher works publish jobs.
type Publisher struct {
	cfg Config
	log *slog.Logger
}

// NewPublisher returns a publisher for cfg.
func NewPublisher(cfg Config) *Publisher {
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(n int) time.Duration {
			d := 30 * time.Second << min(max(n-1, 0), 7)
			return min(d, time.Hour)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{cfg: cfg, log: log}
}

// ErrAbandoned is returned by RunOnce when the AfterPublish hook abandoned
// a job.
var ErrAbandoned = errors.New("publish job abandoned by hook")

// RunOnce claims and works one due job. It reports false when no job was
// due. Failures of the job itself are recorded on the job, not returned.
func (p *Publisher) RunOnce(ctx context.Context) (bool, error) {
	j, err := p.cfg.Jobs.ClaimPublishJob(ctx, p.cfg.Lease)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim publish job: %w", err)
	}
	log := p.log.With("job", j.ID, "post", j.PostID, "account", j.AccountID, "attempt", j.Attempts)
	if j.Reclaimed {
		// An earlier attempt may have posted and died before recording
		// it: the same idempotency key makes the network hand back that
		// post instead of making a second one.
		log.Warn("reconciling a publish job left in flight")
	}
	conn, err := p.cfg.Connectors(ctx, j.OrgID, j.AccountID)
	if err != nil {
		return true, p.fail(ctx, log, j, err, rapport.ErrorCode(err) == rapport.ENOTFOUND)
	}
	callCtx, cancel := context.WithTimeout(ctx, p.cfg.Lease/2)
	ref, err := conn.Publish(callCtx, rapport.Post{Text: j.Text, IdempotencyKey: j.IdempotencyKey})
	cancel()
	if err != nil {
		return true, p.fail(ctx, log, j, err, rapport.ErrorCode(err) == rapport.EINVALID)
	}
	if p.cfg.AfterPublish != nil {
		if err := p.cfg.AfterPublish(ctx, j, ref); err != nil {
			return true, fmt.Errorf("%w: %w", ErrAbandoned, err)
		}
	}
	if err := p.cfg.Jobs.CompletePublishJob(ctx, j.ID, j.Claim, ref); err != nil {
		if rapport.ErrorCode(err) == rapport.ECONFLICT {
			// Our lease ran out and another worker holds the job; it
			// will get the same post back from the network.
			log.Warn("publish job lease lost before recording", "err", err)
			return true, nil
		}
		return true, fmt.Errorf("record published post: %w", err)
	}
	log.Info("published", "network_id", ref.NetworkID)
	return true, nil
}

// fail records a failed attempt: a retry after the backoff, or giving up
// when final or out of attempts.
func (p *Publisher) fail(ctx context.Context, log *slog.Logger, j *rapport.PublishJob, cause error, final bool) error {
	var retry time.Time
	if !final && j.Attempts < p.cfg.MaxAttempts {
		retry = p.cfg.Now().Add(p.cfg.Backoff(j.Attempts))
	}
	log.Warn("publish attempt failed", "err", cause, "give_up", retry.IsZero())
	if err := p.cfg.Jobs.FailPublishJob(ctx, j.ID, j.Claim, rapport.ErrorMessage(cause), retry); err != nil && rapport.ErrorCode(err) != rapport.ECONFLICT {
		return fmt.Errorf("record failed publish: %w", err)
	}
	return nil
}

// Run works jobs until ctx ends.
func (p *Publisher) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ctx.Err() == nil {
			did, err := p.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				p.log.Error("publisher", "err", err)
				break
			}
			if !did {
				break
			}
		}
		t.Reset(p.cfg.Poll)
	}
}
