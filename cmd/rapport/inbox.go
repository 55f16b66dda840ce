package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/bluesky"
	"github.com/rapport-health/rapport/internal/inbox"
	"github.com/rapport-health/rapport/internal/mastodon"
	"github.com/rapport-health/rapport/internal/meta"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/triage"
)

// inboxFlags configure the inbox in serve.
type inboxFlags struct {
	config   string
	poll     time.Duration
	slaCheck time.Duration
}

func (f *inboxFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&f.config, "inbox-config", e.getenv("RAPPORT_INBOX_CONFIG"),
		"inbox settings JSON per organisation: routing rules, identity, calendar, SLA, webhooks and connected accounts; secrets are named environment variables (env RAPPORT_INBOX_CONFIG, see docs/inbox.md)")
	fs.DurationVar(&f.poll, "inbox-poll", time.Minute, "how often connected Mastodon and Bluesky accounts are polled")
	fs.DurationVar(&f.slaCheck, "inbox-sla-check", time.Minute, "how often open conversations are checked for SLA breaches")
}

// inboxFile is the --inbox-config file. Secrets never appear in it: each
// *_env field names the environment variable that holds the secret.
type inboxFile struct {
	Orgs map[string]inboxOrgFile `json:"orgs"` // by organisation slug
}

type inboxOrgFile struct {
	inbox.OrgConfig
	Meta *struct {
		AppSecretEnv   string `json:"app_secret_env"`
		VerifyTokenEnv string `json:"verify_token_env"`
		// Pages are the connected Facebook Pages and Instagram accounts
		// replies go out through: the id Meta sends as the entry id, and
		// the Page access token's environment variable.
		Pages []struct {
			ID           string `json:"id"`
			Network      string `json:"network"` // facebook (default) or instagram
			PageTokenEnv string `json:"page_token_env"`
		} `json:"pages,omitempty"`
	} `json:"meta,omitempty"`
	Webhook *struct {
		SecretsEnv string `json:"secrets_env"` // comma-separated secrets, for rotation
		AccountID  string `json:"account_id"`
	} `json:"webhook,omitempty"`
	Mastodon []struct {
		AccountID string `json:"account_id"`
		Server    string `json:"server"`
		TokenEnv  string `json:"token_env"`
	} `json:"mastodon,omitempty"`
	Bluesky []struct {
		AccountID      string `json:"account_id"`
		Service        string `json:"service"`
		Identifier     string `json:"identifier"`
		AppPasswordEnv string `json:"app_password_env"`
	} `json:"bluesky,omitempty"`
}

// inboxRuntime is the running inbox: the service, its webhook receivers
// and the background workers it owns (poller, SLA checks). stop ends the
// workers and waits for them.
type inboxRuntime struct {
	svc   *inbox.Service
	hooks http.Handler
	reg   *inbox.Registry // the connected accounts, which also send campaign social DMs
	wg    sync.WaitGroup
	stop  context.CancelFunc
}

// startInbox builds the inbox from the flags and starts its workers.
func (f *inboxFlags) start(ctx context.Context, e *env, s *sqlstore.Store, log *slog.Logger) (*inboxRuntime, error) {
	orgs := map[string]inbox.OrgConfig{}
	reg := &inbox.Registry{}
	if f.config != "" {
		raw, err := os.ReadFile(f.config)
		if err != nil {
			return nil, fmt.Errorf("inbox config: %w", err)
		}
		var file inboxFile
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&file); err != nil {
			return nil, fmt.Errorf("inbox config %s: %w", f.config, err)
		}
		for slug, oc := range file.Orgs {
			o, err := s.OrgBySlug(ctx, slug)
			if err != nil {
				return nil, fmt.Errorf("inbox config orgs.%s: %w", slug, err)
			}
			cfg, err := oc.resolve(slug, e)
			if err != nil {
				return nil, fmt.Errorf("inbox config orgs.%s: %w", slug, err)
			}
			orgs[o.ID] = cfg
			if oc.Meta != nil {
				for i, p := range oc.Meta.Pages {
					network := rapport.NetworkFacebook
					if p.Network == string(rapport.NetworkInstagram) {
						network = rapport.NetworkInstagram
					}
					g, err := meta.NewGraphClient(meta.GraphConfig{PageToken: e.getenv(p.PageTokenEnv), AppSecret: cfg.Meta.AppSecret})
					if err == nil {
						var c *inbox.MetaConnector
						if c, err = inbox.NewMetaConnector(network, g); err == nil {
							reg.Add(inbox.Account{OrgID: o.ID, AccountID: p.ID, Conn: c})
						}
					}
					if err != nil {
						return nil, fmt.Errorf("inbox config orgs.%s.meta.pages[%d]: %w", slug, i, err)
					}
				}
			}
			for i, m := range oc.Mastodon {
				c, err := mastodon.New(mastodon.Config{Server: m.Server, Token: e.getenv(m.TokenEnv)})
				if err != nil {
					return nil, fmt.Errorf("inbox config orgs.%s.mastodon[%d]: %w", slug, i, err)
				}
				reg.Add(inbox.Account{OrgID: o.ID, AccountID: m.AccountID, Conn: c})
			}
			for i, b := range oc.Bluesky {
				c, err := bluesky.New(bluesky.Config{Service: b.Service, Identifier: b.Identifier, AppPassword: e.getenv(b.AppPasswordEnv),
					AccountID: b.AccountID, Logger: log})
				if err != nil {
					return nil, fmt.Errorf("inbox config orgs.%s.bluesky[%d]: %w", slug, i, err)
				}
				reg.Add(inbox.Account{OrgID: o.ID, AccountID: b.AccountID, Conn: c})
			}
		}
	}
	tr, err := triage.New()
	if err != nil {
		return nil, err
	}
	svc, err := inbox.New(inbox.Config{Store: s, Triager: tr, Connectors: reg, Orgs: orgs, Logger: log, OptOuts: s})
	if err != nil {
		return nil, err
	}
	hooks, err := svc.Hooks()
	if err != nil {
		return nil, err
	}
	rt := &inboxRuntime{svc: svc, hooks: hooks, reg: reg}
	bg, stop := context.WithCancel(ctx)
	rt.stop = func() { stop(); rt.wg.Wait() }
	poller := inbox.NewPoller(svc, reg, f.poll)
	rt.wg.Add(3)
	go func() { defer rt.wg.Done(); poller.Run(bg) }()
	go func() { defer rt.wg.Done(); svc.RunSLAChecks(bg, f.slaCheck) }()
	go func() {
		// Event streams never end on their own: close them when serve
		// begins to shut down, or the graceful shutdown would wait for
		// every open agent screen.
		defer rt.wg.Done()
		<-bg.Done()
		svc.Broker().Close()
	}()
	return rt, nil
}

// resolve reads the organisation's secrets from the environment.
func (oc inboxOrgFile) resolve(slug string, e *env) (inbox.OrgConfig, error) {
	cfg := oc.OrgConfig
	cfg.Slug = slug
	secret := func(field, name string) (string, error) {
		if name == "" {
			return "", fmt.Errorf("%s: name the environment variable holding the secret", field)
		}
		v := e.getenv(name)
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is empty", field, name)
		}
		return v, nil
	}
	if oc.Meta != nil {
		app, err := secret("meta.app_secret_env", oc.Meta.AppSecretEnv)
		if err != nil {
			return cfg, err
		}
		verify, err := secret("meta.verify_token_env", oc.Meta.VerifyTokenEnv)
		if err != nil {
			return cfg, err
		}
		cfg.Meta = &inbox.MetaHook{AppSecret: app, VerifyToken: verify}
	}
	if oc.Webhook != nil {
		v, err := secret("webhook.secrets_env", oc.Webhook.SecretsEnv)
		if err != nil {
			return cfg, err
		}
		cfg.Webhook = &inbox.GenericHook{Secrets: strings.Split(v, ","), AccountID: oc.Webhook.AccountID}
	}
	return cfg, nil
}
