package publish

import (
	"context"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/phi"
)

// Store is what the workflow needs of storage.
type Store interface {
	ScheduledPost(ctx context.Context, actor rapport.Actor, id string) (*rapport.ScheduledPost, error)
	PhraseRules(ctx context.Context, actor rapport.Actor) (rapport.PhraseRules, error)
	SubmitPost(ctx context.Context, actor rapport.Actor, id string, version int) error
	ReviewPost(ctx context.Context, actor rapport.Actor, id string, version int, approve bool, note string) error
}

// Identity returns an organisation's own public names and contacts, or nil.
type Identity func(orgID string) *phi.Org

// Service is the approval workflow with its checks.
type Service struct {
	store    Store
	guard    *phi.Guard
	identity Identity
}

// NewService returns a workflow over store that checks posts with guard
// (nil: phrase rules only) and each organisation's identity (nil: none).
func NewService(store Store, guard *phi.Guard, identity Identity) *Service {
	if identity == nil {
		identity = func(string) *phi.Org { return nil }
	}
	return &Service{store: store, guard: guard, identity: identity}
}

// Check checks text against the guard and the actor's organisation's
// phrase rules.
func (s *Service) Check(ctx context.Context, actor rapport.Actor, text string) (Check, error) {
	rules, err := s.store.PhraseRules(ctx, actor)
	if err != nil {
		return Check{}, err
	}
	return CheckText(s.guard, s.identity(actor.OrgID), rules, text), nil
}

// blocked is the error of a post the checks block. Its message lists the
// reason codes only; the Check returned beside it has the details.
func blocked(c Check) error {
	return rapport.Errorf(rapport.EINVALID, "the post is blocked: %s", c.Summary())
}

// checkPost loads the post at version and checks it.
func (s *Service) checkPost(ctx context.Context, actor rapport.Actor, id string, version int) (Check, error) {
	p, err := s.store.ScheduledPost(ctx, actor, id)
	if err != nil {
		return Check{}, err
	}
	if p.Version != version {
		return Check{}, rapport.Errorf(rapport.ECONFLICT, "the post changed (version %d, not %d); reload it", p.Version, version)
	}
	c, err := s.Check(ctx, actor, p.Text)
	if err != nil {
		return Check{}, err
	}
	if c.Blocked {
		return c, blocked(c)
	}
	return c, nil
}

// Submit checks a post at version and sends it to review. A blocked post
// stays where it is; the returned Check says why.
func (s *Service) Submit(ctx context.Context, actor rapport.Actor, id string, version int) (Check, error) {
	if err := actor.Require(rapport.PermPublishWrite); err != nil {
		return Check{}, err
	}
	c, err := s.checkPost(ctx, actor, id, version)
	if err != nil {
		return c, err
	}
	// The store submits only if the version is still the one checked.
	return c, s.store.SubmitPost(ctx, actor, id, version)
}

// Approve checks the post again (the rules may have changed since it was
// submitted) and approves it, which schedules its publish jobs.
func (s *Service) Approve(ctx context.Context, actor rapport.Actor, id string, version int, note string) (Check, error) {
	if err := actor.Require(rapport.PermPublishReview); err != nil {
		return Check{}, err
	}
	c, err := s.checkPost(ctx, actor, id, version)
	if err != nil {
		return c, err
	}
	return c, s.store.ReviewPost(ctx, actor, id, version, true, note)
}

// Reject sends a post in review back to its author with a note.
func (s *Service) Reject(ctx context.Context, actor rapport.Actor, id string, version int, note string) error {
	return s.store.ReviewPost(ctx, actor, id, version, false, note)
}
