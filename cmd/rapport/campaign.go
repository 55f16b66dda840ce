package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport/internal/campaign"
	"github.com/rapport-health/rapport/internal/email"
	"github.com/rapport-health/rapport/internal/httpapi"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/twilio"
	"github.com/rapport-health/rapport/phi"
	"github.com/rapport-health/rapport/segment"
)

// campaignFlags configure campaigns in serve: who the organisation is in
// what it sends, the SMTP and Twilio accounts, and the delivery workers.
type campaignFlags struct {
	orgName, postal, from, domain, help string
	smtpAddr, smtpUser, smtpPass        string
	smtpConns                           int
	smtpNoTLS                           bool
	twilioURL, twilioSID, twilioToken   string
	smsFrom                             string
	secret                              string
	deliver                             bool
	workers, batch                      int
	lease                               time.Duration
	emailRate, smsRate                  float64
	owner                               string
	dataDir                             string
	connectors                          campaign.Connectors // the inbox's connected accounts (social_dm)
	reconcileURL                        string
	dkimKey, dkimSelector, dkimDomain   string
}

func (f *campaignFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&f.orgName, "org-name", envOr(e, "RAPPORT_ORG_NAME", "Rapport"), "organisation name in messages (env RAPPORT_ORG_NAME)")
	fs.StringVar(&f.postal, "postal-address", e.getenv("RAPPORT_POSTAL_ADDRESS"), "sender's postal address, required in marketing email (env RAPPORT_POSTAL_ADDRESS)")
	fs.StringVar(&f.from, "mail-from", e.getenv("RAPPORT_MAIL_FROM"), "From address of campaign email, e.g. 'General <news@general.example>' (env RAPPORT_MAIL_FROM)")
	fs.StringVar(&f.domain, "message-domain", envOr(e, "RAPPORT_MESSAGE_DOMAIN", "rapport.invalid"), "domain of the deterministic Message-IDs (env RAPPORT_MESSAGE_DOMAIN)")
	fs.StringVar(&f.help, "help-contact", e.getenv("RAPPORT_HELP_CONTACT"), "phone or web address named in HELP answers (env RAPPORT_HELP_CONTACT)")
	fs.StringVar(&f.smtpAddr, "smtp-addr", e.getenv("RAPPORT_SMTP_ADDR"), "SMTP submission server host:port; empty disables email delivery (env RAPPORT_SMTP_ADDR)")
	fs.StringVar(&f.smtpUser, "smtp-user", e.getenv("RAPPORT_SMTP_USER"), "SMTP user (env RAPPORT_SMTP_USER; password in RAPPORT_SMTP_PASSWORD)")
	f.smtpPass = e.getenv("RAPPORT_SMTP_PASSWORD")
	fs.IntVar(&f.smtpConns, "smtp-conns", 4, "SMTP connections per process")
	fs.BoolVar(&f.smtpNoTLS, "smtp-no-tls", false, "never use STARTTLS (local test sinks only)")
	fs.StringVar(&f.twilioURL, "twilio-url", envOr(e, "RAPPORT_TWILIO_URL", twilio.DefaultBaseURL), "Twilio API base URL (env RAPPORT_TWILIO_URL)")
	fs.StringVar(&f.twilioSID, "twilio-sid", e.getenv("RAPPORT_TWILIO_SID"), "Twilio account SID; empty disables SMS (env RAPPORT_TWILIO_SID; token in RAPPORT_TWILIO_TOKEN)")
	f.twilioToken = e.getenv("RAPPORT_TWILIO_TOKEN")
	fs.StringVar(&f.smsFrom, "sms-from", e.getenv("RAPPORT_SMS_FROM"), "sending number (E.164) or messaging service SID (env RAPPORT_SMS_FROM)")
	f.secret = e.getenv("RAPPORT_CAMPAIGN_SECRET")
	fs.BoolVar(&f.deliver, "deliver", false, "run campaign delivery workers in this process")
	fs.IntVar(&f.workers, "workers", 1, "delivery workers in this process")
	fs.IntVar(&f.batch, "worker-batch", 100, "deliveries one worker claims at a time")
	fs.DurationVar(&f.lease, "worker-lease", 2*time.Minute, "how long a claim holds before another worker may recover it")
	fs.Float64Var(&f.emailRate, "email-rate", 0, "most emails per second to the SMTP server, shared by every process delivering from the database (0: unlimited)")
	fs.Float64Var(&f.smsRate, "sms-rate", 10, "most SMS per second through the Twilio account, shared by every process delivering from the database (0: unlimited)")
	fs.StringVar(&f.dkimKey, "dkim-key", e.getenv("RAPPORT_DKIM_KEY"), "PEM file of a PKCS#8 RSA or Ed25519 key to DKIM-sign campaign email (env RAPPORT_DKIM_KEY)")
	fs.StringVar(&f.dkimSelector, "dkim-selector", e.getenv("RAPPORT_DKIM_SELECTOR"), "DKIM selector (env RAPPORT_DKIM_SELECTOR)")
	fs.StringVar(&f.dkimDomain, "dkim-domain", e.getenv("RAPPORT_DKIM_DOMAIN"), "DKIM signing domain (env RAPPORT_DKIM_DOMAIN)")
	fs.StringVar(&f.reconcileURL, "reconcile-url", e.getenv("RAPPORT_RECONCILE_URL"), "message lookup URL with {message_id}, asked after a crash whether an in-flight email was accepted; empty: resend with the same Message-ID (env RAPPORT_RECONCILE_URL)")
	fs.StringVar(&f.owner, "worker-id", "", "name of this process in leases; host name and process id when empty")
}

// loadSecret returns the unsubscribe-link key: RAPPORT_CAMPAIGN_SECRET
// (which every process sharing a database must set alike), else a key
// file in the data directory created on first use.
func (f *campaignFlags) loadSecret(dataDir string) ([]byte, error) {
	if f.secret != "" {
		return []byte(f.secret), nil
	}
	path := filepath.Join(dataDir, "campaign-secret.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("campaign secret: %w", err)
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("campaign secret: %w", err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}

// start wires the campaign routes into api and, with --deliver, starts
// the delivery workers under wg until ctx ends; the SMTP sessions close
// after the last worker has stopped.
func (f *campaignFlags) start(ctx context.Context, wg *sync.WaitGroup, api *httpapi.Server, s *sqlstore.Store, log *slog.Logger,
	model *segment.Model, baseURL string) error {
	secret, err := f.loadSecret(f.dataDir)
	if err != nil {
		return err
	}
	id := campaign.Identity{OrgName: f.orgName, PostalAddress: f.postal, MessageDomain: f.domain, BaseURL: baseURL,
		Secret: secret, SMSFrom: f.smsFrom, HelpContact: f.help}
	if f.from != "" {
		a, err := mail.ParseAddress(f.from)
		if err != nil {
			return fmt.Errorf("--mail-from: %w", err)
		}
		id.From = *a
	}
	if baseURL != "" {
		id.StatusCallback = strings.TrimRight(baseURL, "/") + "/hooks/twilio/status"
	}
	var es *email.Sender
	if f.smtpAddr != "" {
		var signers []*email.DKIM
		if f.dkimKey != "" {
			d, err := loadDKIM(f.dkimKey, f.dkimSelector, f.dkimDomain)
			if err != nil {
				return err
			}
			signers = append(signers, d)
		}
		es, err = email.NewSender(email.Config{Addr: f.smtpAddr, Username: f.smtpUser, Password: f.smtpPass, Conns: f.smtpConns, DisableTLS: f.smtpNoTLS}, signers...)
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
	}
	var sms *twilio.Client
	if f.twilioSID != "" {
		sms = twilio.NewClient(f.twilioURL, f.twilioSID, f.twilioToken, nil)
	}
	senders := &campaign.Senders{Base: id, Store: s}
	in := &campaign.Inbound{Store: s, Identity: id, Senders: senders, Logger: log}
	if sms != nil {
		in.SMS = sms
	}
	guard := phi.NewGuard(phi.NewDetector(phi.Config{OrgNames: []string{f.orgName}}), phi.Org{Names: []string{f.orgName}})
	api.CampaignRoutes(httpapi.CampaignDeps{
		Store:      s,
		Launcher:   campaign.Launcher{Store: s, Previewer: campaign.Previewer{Identity: id, Model: model, Guard: guard}, Senders: senders},
		Inbound:    in,
		Twilio:     twilio.Webhook{AuthToken: f.twilioToken, BaseURL: baseURL},
		OrgID:      s.OrgIDBySlug,
		Senders:    s,
		Identities: senders,
	})
	var workers sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		workers.Wait()
		if es != nil {
			es.Close()
		}
	}()
	if f.deliver {
		owner := f.owner
		if owner == "" {
			h, _ := os.Hostname()
			owner = fmt.Sprintf("%s-%d", h, os.Getpid())
		}
		for i := range max(f.workers, 1) {
			wc := campaign.WorkerConfig{Queue: s, Identity: id, Senders: senders, Metrics: api.Metrics(),
				Rates: s, EmailAccount: f.smtpAddr, SMSAccount: f.twilioSID, Owner: fmt.Sprintf("%s-%d", owner, i), Batch: f.batch, Lease: f.lease,
				EmailRate: f.emailRate, SMSRate: f.smsRate, Logger: log}
			if es != nil {
				wc.Email = es
			}
			if f.reconcileURL != "" {
				wc.Reconcile = campaign.LookupReconciler(f.reconcileURL, f.domain, nil)
			}
			if sms != nil {
				wc.SMS = sms
			}
			if f.connectors != nil {
				wc.DMTargets, wc.Connectors = s, f.connectors
			}
			w := campaign.NewWorker(wc)
			workers.Add(1)
			go func() {
				defer workers.Done()
				_ = w.Run(ctx)
			}()
		}
		log.Info("campaign delivery started", "workers", max(f.workers, 1), "email", es != nil, "sms", sms != nil)
	}
	return nil
}

// loadDKIM reads a PKCS#8 PEM private key (RSA or Ed25519) for DKIM.
func loadDKIM(path, selector, domain string) (*email.DKIM, error) {
	if selector == "" || domain == "" {
		return nil, errors.New("--dkim-key needs --dkim-selector and --dkim-domain")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("dkim key: not a PEM file")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("dkim key: not a signing key")
	}
	return &email.DKIM{Domain: domain, Selector: selector, Key: signer}, nil
}
