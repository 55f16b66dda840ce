package campaign

import (
	"context"
	"net/mail"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
)

// SenderStore reads organisations' sender profiles (the store's
// SenderProfile: ENOTFOUND when an organisation has none).
type SenderStore interface {
	SenderProfile(ctx context.Context, orgID string) (*rapport.SenderProfile, error)
}

// Senders resolves the Identity each organisation sends with: Base (the
// server's defaults, and what is never per organisation: links, secret,
// Message-ID domain, callbacks) with the organisation's SenderProfile over
// it. Profiles are cached for TTL (one minute when zero), so a change
// reaches the workers within that. A nil *Senders is no resolver.
type Senders struct {
	Base  Identity
	Store SenderStore
	TTL   time.Duration
	Now   func() time.Time

	mu    sync.Mutex
	cache map[string]cachedIdentity
}

type cachedIdentity struct {
	id Identity
	at time.Time
}

// For returns orgID's identity.
func (s *Senders) For(ctx context.Context, orgID string) (Identity, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	s.mu.Lock()
	if c, ok := s.cache[orgID]; ok && now().Sub(c.at) < ttl {
		s.mu.Unlock()
		return c.id, nil
	}
	s.mu.Unlock()
	id := s.Base
	p, err := s.Store.SenderProfile(ctx, orgID)
	switch {
	case rapport.ErrorCode(err) == rapport.ENOTFOUND:
	case err != nil:
		return Identity{}, err
	default:
		id = id.with(p)
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]cachedIdentity{}
	}
	s.cache[orgID] = cachedIdentity{id: id, at: now()}
	s.mu.Unlock()
	return id, nil
}

// with returns id with p's non-empty fields over it. p was validated when
// it was stored; a From that no longer parses keeps the default.
func (id Identity) with(p *rapport.SenderProfile) Identity {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&id.OrgName, p.OrgName)
	set(&id.PostalAddress, p.PostalAddress)
	set(&id.SMSFrom, p.SMSFrom)
	set(&id.HelpContact, p.HelpContact)
	if p.MailFrom != "" {
		if a, err := mail.ParseAddress(p.MailFrom); err == nil {
			id.From = *a
		}
	}
	return id
}

// Forget drops orgID's cached identity, so that the next For reads its
// profile again. A nil *Senders does nothing.
func (s *Senders) Forget(orgID string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	delete(s.cache, orgID)
	s.mu.Unlock()
}

// identityFor returns the identity of orgID: from senders when set, else
// base.
func identityFor(ctx context.Context, senders *Senders, base Identity, orgID string) (Identity, error) {
	if senders == nil {
		return base, nil
	}
	return senders.For(ctx, orgID)
}
