package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
)

// Account is one connected account of an organisation.
type Account struct {
	OrgID     string
	AccountID string
	Conn      rapport.Connector
}

// Registry holds the connected accounts. It implements Connectors and is
// what the poller walks. It is safe for concurrent use.
type Registry struct {
	mu       sync.RWMutex
	accounts []Account
}

// Add registers an account.
func (r *Registry) Add(a Account) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accounts = append(r.accounts, a)
}

// Accounts lists the registered accounts.
func (r *Registry) Accounts() []Account {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]Account(nil), r.accounts...)
}

// Connector returns the connector of an organisation's account.
func (r *Registry) Connector(_ context.Context, orgID string, network rapport.Network, accountID string) (rapport.Connector, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, a := range r.accounts {
		if a.OrgID == orgID && a.AccountID == accountID && a.Conn.Network() == network {
			return a.Conn, nil
		}
	}
	return nil, rapport.Errorf(rapport.ENOTFOUND, "no connector for this %s account", network)
}

// Poller fetches new items from connector accounts (Mastodon, Bluesky) on
// a timer, with each account's cursor kept in the database so that a
// restart resumes where it stopped. It is run by its owner with Run, which
// returns when ctx ends.
type Poller struct {
	svc   *Service
	reg   *Registry
	every time.Duration
	log   *slog.Logger
}

// NewPoller returns a poller of reg's accounts into svc.
func NewPoller(svc *Service, reg *Registry, every time.Duration) *Poller {
	return &Poller{svc: svc, reg: reg, every: every, log: svc.log}
}

// Run polls every account now and then every interval until ctx ends.
func (p *Poller) Run(ctx context.Context) {
	if p.every <= 0 {
		return
	}
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		for _, a := range p.reg.Accounts() {
			if ctx.Err() != nil {
				return
			}
			if n, err := p.Poll(ctx, a); err != nil {
				// Token or network failures are logged for admins on
				// every round, never swallowed.
				p.log.Error("inbox poll failed", "org", a.OrgID, "network", string(a.Conn.Network()), "account", a.AccountID, "err", err)
			} else if n > 0 {
				p.log.Info("inbox poll", "org", a.OrgID, "network", string(a.Conn.Network()), "account", a.AccountID, "items", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll fetches one account once from its saved cursor, ingests what it
// got and saves the new cursor only after the items are stored, so a
// crash re-fetches (and deduplicates) rather than loses items.
func (p *Poller) Poll(ctx context.Context, a Account) (int, error) {
	actor := systemActor(a.OrgID)
	nw := a.Conn.Network()
	cur, err := p.svc.store.Cursor(ctx, actor, nw, a.AccountID)
	if err != nil {
		return 0, err
	}
	items, next, err := a.Conn.Fetch(ctx, cur)
	if err != nil {
		return 0, fmt.Errorf("fetch: %w", err)
	}
	for i := range items {
		// Replies find their connector by this id.
		items[i].AccountID = a.AccountID
	}
	res, err := p.svc.Ingest(ctx, a.OrgID, items)
	if err != nil {
		return 0, err
	}
	if err := p.svc.store.SetCursor(ctx, actor, nw, a.AccountID, next); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range res {
		if r.New {
			n++
		}
	}
	return n, nil
}
