package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/bluesky"
	"github.com/rapport-health/rapport/internal/mastodon"
	"github.com/rapport-health/rapport/internal/publish"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/web"
	"github.com/rapport-health/rapport/phi"
)

// publishFlags configure publishing and the dashboard in serve.
type publishFlags struct {
	poll  time.Duration
	lease time.Duration
}

func (f *publishFlags) register(fs *flag.FlagSet, e *env) {
	fs.DurationVar(&f.poll, "publish-poll", 5*time.Second, "how often the publisher looks for due posts")
	fs.DurationVar(&f.lease, "publish-lease", 2*time.Minute, "how long a publisher holds a post before another may retry it (keep it well under an hour: Mastodon keeps idempotency keys one hour)")
}

// publishRuntime is the publishing workflow, the dashboard and the
// publisher worker it owns; stop ends the worker and waits for it.
type publishRuntime struct {
	svc   *publish.Service
	pages *web.Dashboard
	stop  func()
}

// start builds the workflow and the dashboard and starts the publisher.
// Posts go out through the accounts connected in the inbox configuration
// (inboxConfig, the --inbox-config file), which publishing reads for the
// same accounts.
func (f *publishFlags) start(ctx context.Context, e *env, s *sqlstore.Store, log *slog.Logger, inboxConfig string) (*publishRuntime, error) {
	conns, identity, err := publishAccounts(ctx, e, s, log, inboxConfig)
	if err != nil {
		return nil, err
	}
	guard := phi.NewGuard(phi.NewDetector(phi.Config{}), phi.Org{})
	pages, err := web.New(web.Config{Store: s, Logger: log})
	if err != nil {
		return nil, err
	}
	rt := &publishRuntime{svc: publish.NewService(s, guard, identity), pages: pages}
	pub := publish.NewPublisher(publish.Config{Jobs: s, Connectors: conns, Lease: f.lease, Poll: f.poll, Logger: log.With("worker", "publish")})
	bg, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); pub.Run(bg) }()
	rt.stop = func() { cancel(); wg.Wait() }
	return rt, nil
}

// publishAccounts reads the Mastodon and Bluesky accounts and each
// organisation's identity (its own names and contacts, which posts may
// name) from the inbox configuration file.
func publishAccounts(ctx context.Context, e *env, s *sqlstore.Store, log *slog.Logger, path string) (publish.Connectors, publish.Identity, error) {
	type key struct{ org, account string }
	byKey := map[key]rapport.Connector{}
	identities := map[string]*phi.Org{}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("publishing accounts: %w", err)
		}
		var file inboxFile
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&file); err != nil {
			return nil, nil, fmt.Errorf("publishing accounts %s: %w", path, err)
		}
		for slug, oc := range file.Orgs {
			o, err := s.OrgBySlug(ctx, slug)
			if err != nil {
				return nil, nil, fmt.Errorf("publishing accounts orgs.%s: %w", slug, err)
			}
			id := oc.Identity
			identities[o.ID] = &id
			for i, m := range oc.Mastodon {
				c, err := mastodon.New(mastodon.Config{Server: m.Server, Token: e.getenv(m.TokenEnv)})
				if err != nil {
					return nil, nil, fmt.Errorf("publishing accounts orgs.%s.mastodon[%d]: %w", slug, i, err)
				}
				byKey[key{o.ID, m.AccountID}] = c
			}
			for i, b := range oc.Bluesky {
				c, err := bluesky.New(bluesky.Config{Service: b.Service, Identifier: b.Identifier, AppPassword: e.getenv(b.AppPasswordEnv),
					AccountID: b.AccountID, Logger: log})
				if err != nil {
					return nil, nil, fmt.Errorf("publishing accounts orgs.%s.bluesky[%d]: %w", slug, i, err)
				}
				byKey[key{o.ID, b.AccountID}] = c
			}
		}
	}
	conns := func(_ context.Context, orgID, accountID string) (rapport.Connector, error) {
		if c, ok := byKey[key{orgID, accountID}]; ok {
			return c, nil
		}
		return nil, rapport.Errorf(rapport.ENOTFOUND, "account %q is not connected", accountID)
	}
	return conns, func(orgID string) *phi.Org { return identities[orgID] }, nil
}
