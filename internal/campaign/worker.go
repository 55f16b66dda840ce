package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/compliance"
	"github.com/rapport-health/rapport/internal/email"
	"github.com/rapport-health/rapport/internal/twilio"
	"github.com/rapport-health/rapport/message"
)

// Queue is what the worker needs of the store.
type Queue interface {
	ClaimDeliveries(ctx context.Context, owner string, n int, lease time.Duration) ([]rapport.DeliveryJob, error)
	CompleteDeliveries(ctx context.Context, owner string, outs []rapport.DeliveryOutcome) error
	StartSend(ctx context.Context, owner, id string) error
	LaunchedCampaign(ctx context.Context, orgID, id string) (*rapport.Campaign, error)
	Suppress(ctx context.Context, orgID string, channel rapport.Channel, address, reason string) error
}

// EmailSender sends one email (internal/email.Sender).
type EmailSender interface {
	Send(ctx context.Context, m *email.Message) error
}

// SMSSender sends one text message (internal/twilio.Client).
type SMSSender interface {
	Send(ctx context.Context, p twilio.SendParams) (*twilio.Message, error)
}

// DMTargets finds where a patient's social DM goes (the store's
// SocialDMTarget): ENOTFOUND when no conversation linked to the patient
// holds a direct message the patient sent first.
type DMTargets interface {
	SocialDMTarget(ctx context.Context, orgID, patientID string) (rapport.DMTarget, error)
}

// Connectors finds the connector of an organisation's connected social
// account (internal/inbox.Registry).
type Connectors interface {
	Connector(ctx context.Context, orgID string, network rapport.Network, accountID string) (rapport.Connector, error)
}

// Reconciler answers, for a delivery found in flight after a crash,
// whether the provider already accepted it (known=false: it cannot tell).
type Reconciler func(ctx context.Context, job rapport.DeliveryJob) (sent, known bool)

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	Queue Queue
	Email EmailSender // nil: email deliveries fail with no_sender
	SMS   SMSSender   // nil: SMS deliveries fail with no_sender
	// DMTargets and Connectors send social_dm deliveries through the
	// social inbox's connected accounts (either nil: they fail with
	// no_sender).
	DMTargets  DMTargets
	Connectors Connectors
	Identity   Identity
	// Senders, when set, gives each organisation its own sender identity
	// over Identity (rapport.SenderProfile).
	Senders *Senders
	// Owner names this worker in leases; unique per process.
	Owner string
	// Batch is how many deliveries one claim takes (100); Lease how long
	// the claim holds (2 min); Poll how long to wait when the queue is
	// empty (1 s); Parallel how many sends run at once (4).
	Batch    int
	Lease    time.Duration
	Poll     time.Duration
	Parallel int
	// Rules are the quiet-hour rules; zero means the federal default.
	Rules compliance.Rules
	// OtherCaps are the frequency caps of messages outside the TCPA
	// healthcare exemption (nil: none). Care SMS always get 1/day, 3/week.
	OtherCaps compliance.Caps
	// EmailRate and SMSRate are the most sends per second per provider
	// (0: unlimited). With Rates set they hold for every process and
	// worker sharing the database, per account key (EmailAccount,
	// SMSAccount: the SMTP server, the Twilio account); without it, per
	// worker.
	EmailRate, SMSRate       float64
	Rates                    RateStore
	EmailAccount, SMSAccount string
	// MaxAttempts bounds retries of transient failures (5).
	MaxAttempts int
	// Reconcile, when set, decides recovered in-flight deliveries; without
	// it they are sent again with the same Message-ID (see
	// docs/campaigns.md).
	Reconcile Reconciler
	Now       func() time.Time
	Logger    *slog.Logger
	// Metrics, when set, counts the outcomes this process's workers decided
	// (and recorded, unless a lease was lost) as
	// rapport_campaign_deliveries_<state>_total (no labels: a count, never
	// a patient or campaign).
	Metrics Counters
}

// RateStore reserves provider send slots shared by every process (the
// store's ReserveSlots).
type RateStore interface {
	ReserveSlots(ctx context.Context, account string, now time.Time, n int, every time.Duration) (time.Time, error)
}

// Counters is a metrics registry (internal/httpapi.Metrics).
type Counters interface {
	Add(name, help string, n uint64)
}

// Worker delivers the queue. Several workers (goroutines or processes)
// may run against one database: leases keep them apart.
type Worker struct {
	cfg       WorkerConfig
	zones     *compliance.Zones
	log       *slog.Logger
	now       func() time.Time
	mu        sync.Mutex
	campaigns map[string]*campaignEntry
	email     *limiter
	sms       *limiter
}

type campaignEntry struct {
	c        *rapport.Campaign
	variants map[string]compiled // by segment + "\x00" + arm
}

// NewWorker returns a worker for cfg.
func NewWorker(cfg WorkerConfig) *Worker {
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Rules.Default.End == 0 {
		cfg.Rules.Default = compliance.DefaultWindow()
	}
	fallback := cfg.Rules.Fallback
	if fallback == nil {
		fallback = time.UTC
	}
	w := &Worker{cfg: cfg, zones: compliance.NewZones(fallback), log: cfg.Logger, now: cfg.Now,
		campaigns: map[string]*campaignEntry{}, email: newLimiter(cfg.EmailRate), sms: newLimiter(cfg.SMSRate)}
	if cfg.Rates != nil {
		w.email.shared(cfg.Rates, "email:"+cfg.EmailAccount)
		w.sms.shared(cfg.Rates, "sms:"+cfg.SMSAccount)
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.now == nil {
		w.now = time.Now
	}
	return w
}

// Run delivers until ctx ends. Sends in progress when ctx ends finish
// and their outcomes are recorded before Run returns.
func (w *Worker) Run(ctx context.Context) error {
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("delivery batch", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(w.cfg.Poll):
			}
		}
	}
}

// RunOnce claims one batch, delivers it and records the outcomes. It
// returns how many deliveries it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := w.cfg.Queue.ClaimDeliveries(ctx, w.cfg.Owner, w.cfg.Batch, w.cfg.Lease)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	outs := make([]rapport.DeliveryOutcome, len(jobs))
	// Sends already in the batch count against a patient's caps.
	var smu sync.Mutex
	batchSent := map[string][]time.Time{}
	sem := make(chan struct{}, w.cfg.Parallel)
	var wg sync.WaitGroup
	for i := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			j := &jobs[i]
			key := j.PatientID + "\x00" + string(j.Channel) + "\x00" + string(j.Purpose)
			smu.Lock()
			j.Recipient.Sent = append(j.Recipient.Sent, batchSent[key]...)
			smu.Unlock()
			outs[i] = w.deliver(ctx, j, func(at time.Time) {
				smu.Lock()
				batchSent[key] = append(batchSent[key], at)
				smu.Unlock()
			})
		}()
	}
	wg.Wait()
	// Outcomes are recorded even when ctx ended: a send that happened must
	// be marked sent.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := w.cfg.Queue.CompleteDeliveries(rec, w.cfg.Owner, outs); err != nil {
		return len(jobs), err
	}
	if w.cfg.Metrics != nil {
		byState := map[rapport.DeliveryState]uint64{}
		for _, o := range outs {
			byState[o.State]++
		}
		for st, n := range byState {
			w.cfg.Metrics.Add("rapport_campaign_deliveries_"+string(st)+"_total",
				"Campaign delivery outcomes this process decided: "+string(st)+" (pending: deferred).", n)
		}
	}
	return len(jobs), nil
}

func (w *Worker) campaign(ctx context.Context, orgID, id string) (*campaignEntry, error) {
	w.mu.Lock()
	e := w.campaigns[id]
	w.mu.Unlock()
	if e != nil {
		return e, nil
	}
	c, err := w.cfg.Queue.LaunchedCampaign(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	e = &campaignEntry{c: c, variants: map[string]compiled{}}
	for _, v := range c.Variants {
		tpl, err := compile(v)
		if err != nil {
			return nil, err
		}
		arm := v.Arm
		if arm == "" {
			arm = "A"
		}
		e.variants[v.Segment+"\x00"+arm] = tpl
	}
	w.mu.Lock()
	w.campaigns[id] = e
	w.mu.Unlock()
	return e, nil
}

// allDay is the window of channels without quiet hours.
func allDay() compliance.Window { return compliance.Window{Start: 0, End: 24 * 60 * 60} }

// deliver decides and, when the rules allow, sends one delivery.
func (w *Worker) deliver(ctx context.Context, j *rapport.DeliveryJob, sent func(time.Time)) rapport.DeliveryOutcome {
	now := w.now().UTC()
	out := rapport.DeliveryOutcome{ID: j.ID, Attempts: j.Attempts}
	skip := func(reason string) rapport.DeliveryOutcome {
		out.State, out.Reason, out.Event = rapport.DeliverySkipped, reason, rapport.EventSkipped
		return out
	}
	r := j.Recipient
	// 0. A social DM goes only where the patient wrote first, in a
	// conversation linked to the patient, as it stands now.
	var dm rapport.DMTarget
	wroteFirst := false
	if j.Channel == rapport.ChannelSocialDM {
		if w.cfg.DMTargets == nil || w.cfg.Connectors == nil {
			return w.fail(out, "no_sender")
		}
		var err error
		dm, err = w.cfg.DMTargets.SocialDMTarget(ctx, j.OrgID, j.PatientID)
		switch {
		case err == nil:
			wroteFirst = true
		case rapport.ErrorCode(err) != rapport.ENOTFOUND:
			w.log.Error("social dm target", "delivery", j.ID, "err", err)
			return w.retry(out, now, "dm_lookup")
		}
	}
	// 1. Consent and suppression as they are now, not as at launch.
	dec := compliance.MaySend(j.Purpose, j.Channel, compliance.ConsentState{Status: r.Consent, Suppressed: r.Suppressed,
		PatientWroteFirst: wroteFirst})
	if !dec.Allowed {
		return skip(dec.Reason)
	}
	// Meta lets a page message someone only within 24 hours of their last
	// message (its standard messaging window); a campaign uses no message
	// tags.
	if wroteFirst && (dm.Network == rapport.NetworkFacebook || dm.Network == rapport.NetworkInstagram) && now.Sub(dm.WroteAt) > 24*time.Hour {
		return skip("outside_messaging_window")
	}
	addr := r.Email
	switch j.Channel {
	case rapport.ChannelSMS:
		addr = r.Phone
	case rapport.ChannelSocialDM:
		addr = dm.AuthorID
	}
	if addr == "" {
		return skip("no_address")
	}
	// 2. A delivery found in flight after a crash may have been sent.
	if j.Recovered && w.cfg.Reconcile != nil {
		if ok, known := w.cfg.Reconcile(ctx, *j); known && ok {
			out.State, out.SentAt, out.Event, out.Reason = rapport.DeliverySent, now, rapport.EventSent, "reconciled"
			if j.Channel == rapport.ChannelEmail {
				// As if sent now: later bounce reports find it by its
				// Message-ID (the domain is per server, not per sender).
				out.ProviderID = j.MessageID + "@" + w.cfg.Identity.MessageDomain
			}
			return out
		}
	}
	// 3. Quiet hours in the recipient's zone and frequency caps: defer,
	// never drop.
	loc, _ := w.zones.Location(r.TimeZone)
	win := allDay()
	if compliance.QuietHoursApply(j.Channel) {
		win = w.cfg.Rules.Window(r.State, j.OrgID)
	}
	caps := compliance.CapsFor(j.Purpose, j.Channel, w.cfg.OtherCaps)
	at := compliance.Earliest(now, loc, win, caps, r.Sent)
	if at.IsZero() {
		return skip("cap_never")
	}
	if at.After(now) {
		out.State, out.NotBefore, out.Event = rapport.DeliveryPending, at, rapport.EventDeferred
		out.Reason = "cap"
		if !win.Allowed(now, loc) {
			out.Reason = "quiet_hours"
		}
		return out
	}
	// 4. Render.
	ce, err := w.campaign(ctx, j.OrgID, j.CampaignID)
	if err != nil {
		w.log.Error("campaign for delivery", "campaign", j.CampaignID, "err", err)
		return w.retry(out, now, "campaign_unavailable")
	}
	tpl, ok := ce.variants[j.Segment+"\x00"+j.Arm]
	if !ok {
		v, found := variantFor(ce.c, j.Segment, j.Arm)
		if !found {
			return skip("no_variant")
		}
		tpl = ce.variants[v.Segment+"\x00"+orA(v.Arm)]
	}
	id, err := identityFor(ctx, w.cfg.Senders, w.cfg.Identity, j.OrgID)
	if err != nil {
		w.log.Error("sender identity", "org", j.OrgID, "err", err)
		return w.retry(out, now, "identity_unavailable")
	}
	vals := message.Values{FieldFirstName: r.Given, FieldLastName: r.Family, FieldClinicName: id.OrgName, FieldLinkURL: id.ClickURL(j.ID),
		message.FieldUnsubscribeURL: id.UnsubscribeURL(j.ID), message.FieldPostalAddress: id.PostalAddress}
	msg, err := render(tpl, vals)
	if err != nil {
		var miss *message.MissingError
		if errors.As(err, &miss) {
			return skip("missing_field")
		}
		return skip("render_error")
	}
	// 5. Send.
	switch j.Channel {
	case rapport.ChannelEmail:
		if w.cfg.Email == nil {
			return w.fail(out, "no_sender")
		}
		if err := w.email.wait(ctx); err != nil {
			return w.rateFailed(out, now, err)
		}
		// An open pixel only for a patient who consented to tracking, and
		// only in an HTML part (a text email cannot carry one).
		if r.TrackOpens && msg.HTML != "" {
			msg.HTML = withOpenPixel(msg.HTML, id.OpenURL(j.ID))
		}
		m := &email.Message{From: id.From, To: mail.Address{Name: strings.TrimSpace(r.Given + " " + r.Family), Address: r.Email},
			Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML, Date: now,
			MessageID: j.MessageID + "@" + id.MessageDomain, UnsubscribeURL: id.UnsubscribeURL(j.ID),
			Header: map[string]string{"X-Rapport-Campaign": j.CampaignID}}
		if err := w.cfg.Email.Send(ctx, m); err != nil {
			var se *email.SMTPError
			if errors.As(err, &se) && se.BadMailbox() {
				if serr := w.cfg.Queue.Suppress(ctx, j.OrgID, rapport.ChannelEmail, r.Email, "hard_bounce"); serr != nil {
					w.log.Error("suppress address", "delivery", j.ID, "err", serr)
				}
				out.State, out.Reason, out.Event = rapport.DeliveryBounced, "bad_mailbox", rapport.EventBounced
				return out
			}
			if email.IsTransient(err) {
				w.log.Warn("email deferred", "delivery", j.ID, "attempt", j.Attempts, "cause", safeCause(err))
				return w.retry(out, now, "transient")
			}
			w.log.Warn("email refused", "delivery", j.ID, "cause", safeCause(err))
			return w.fail(out, "permanent")
		}
		out.ProviderID = m.MessageID
	case rapport.ChannelSMS:
		if w.cfg.SMS == nil {
			return w.fail(out, "no_sender")
		}
		if err := w.sms.wait(ctx); err != nil {
			return w.rateFailed(out, now, err)
		}
		// Twilio takes no idempotency key and has no lookup by ours: a
		// text whose call a crash interrupted is not sent again.
		if o, stop := w.startSend(ctx, j, out, now, false, "sms"); stop {
			return o
		}
		p := twilio.SendParams{To: r.Phone, Body: msg.SMS, StatusCallback: id.StatusCallback}
		if strings.HasPrefix(id.SMSFrom, "MG") {
			p.MessagingServiceSID = id.SMSFrom
		} else {
			p.From = id.SMSFrom
		}
		res, err := w.cfg.SMS.Send(ctx, p)
		if err != nil {
			var ae *twilio.APIError
			if errors.As(err, &ae) && ae.Unsubscribed() {
				if serr := w.cfg.Queue.Suppress(ctx, j.OrgID, rapport.ChannelSMS, r.Phone, "carrier_unsubscribed"); serr != nil {
					w.log.Error("suppress number", "delivery", j.ID, "err", serr)
				}
				return skip(compliance.ReasonSuppressed)
			}
			if twilio.IsTransient(err) {
				w.log.Warn("sms deferred", "delivery", j.ID, "attempt", j.Attempts, "cause", safeCause(err))
				return w.retry(out, now, "transient")
			}
			w.log.Warn("sms refused", "delivery", j.ID, "cause", safeCause(err))
			return w.fail(out, "permanent")
		}
		out.ProviderID = res.SID
	case rapport.ChannelSocialDM:
		conn, err := w.cfg.Connectors.Connector(ctx, j.OrgID, dm.Network, dm.AccountID)
		if err != nil {
			w.log.Warn("social dm connector", "delivery", j.ID, "network", string(dm.Network), "err", err)
			return w.fail(out, "no_connector")
		}
		if strings.TrimSpace(msg.Text) == "" {
			return skip("empty_message")
		}
		// Networks that honour an idempotency key get the delivery's
		// fixed Message-ID as one, so a resend after a crash posts
		// nothing new (within the network's window). Others record the
		// start of the call first: a delivery recovered with it set may
		// have been sent and cannot be checked, so it is not sent again
		// (at most once); one recovered without it certainly was not sent.
		keyed, idem := conn.(rapport.IdempotentDMSender)
		if idem && !j.SendStarted.IsZero() && now.Sub(j.SendStarted) >= keyed.DMKeyWindow() {
			idem = false
		}
		if o, stop := w.startSend(ctx, j, out, now, idem, "social_dm"); stop {
			return o
		}
		var ref rapport.PostRef
		if idem {
			ref, err = keyed.SendDMOnce(ctx, dm.AuthorID, msg.Text, j.MessageID)
		} else {
			ref, err = conn.SendDM(ctx, dm.AuthorID, msg.Text)
		}
		if err != nil {
			if rapport.ErrorCode(err) == rapport.EINVALID {
				w.log.Warn("social dm refused", "delivery", j.ID, "network", string(dm.Network))
				return w.fail(out, "permanent")
			}
			return w.retry(out, now, "transient")
		}
		out.ProviderID = ref.NetworkID
	default:
		return w.fail(out, "unsupported_channel")
	}
	sent(now)
	out.State, out.SentAt, out.Event = rapport.DeliverySent, now, rapport.EventSent
	return out
}

// startSend is called just before the network call of a delivery whose
// provider cannot tell afterwards whether it was accepted (SMS, social DM).
// A delivery recovered from a crashed worker that had already begun that
// call is not sent again unless the provider honours an idempotency key
// (idem): it fails as uncertain_after_crash, at most once. Otherwise the
// start is recorded first (Store.StartSend), so that a crash during the
// call is known. It returns the outcome to record and true when the send
// must not go ahead.
func (w *Worker) startSend(ctx context.Context, j *rapport.DeliveryJob, out rapport.DeliveryOutcome, now time.Time, idem bool,
	channel string) (rapport.DeliveryOutcome, bool) {
	if j.Recovered && !j.SendStarted.IsZero() && !idem {
		w.log.Warn("outcome unknown after a crash; not sent again", "delivery", j.ID, "channel", channel)
		return w.fail(out, "uncertain_after_crash"), true
	}
	if err := w.cfg.Queue.StartSend(ctx, w.cfg.Owner, j.ID); err != nil {
		if rapport.ErrorCode(err) != rapport.ECONFLICT {
			w.log.Error("start send", "delivery", j.ID, "err", err)
		}
		return w.retry(out, now, "start_send"), true
	}
	return out, false
}

func orA(arm string) string {
	if arm == "" {
		return "A"
	}
	return arm
}

// retry defers a delivery after a transient failure with exponential
// backoff (30 s, 1 min, 2 min… at most 1 h), until MaxAttempts.
func (w *Worker) retry(out rapport.DeliveryOutcome, now time.Time, reason string) rapport.DeliveryOutcome {
	if out.Attempts >= w.cfg.MaxAttempts {
		return w.fail(out, reason)
	}
	d := min(30*time.Second<<max(out.Attempts-1, 0), time.Hour)
	out.State, out.NotBefore, out.Reason, out.Event = rapport.DeliveryPending, now.Add(d), reason, rapport.EventDeferred
	return out
}

// rateFailed defers a delivery whose send slot could not be had: the
// worker is stopping, or the shared rate limit could not be read.
func (w *Worker) rateFailed(out rapport.DeliveryOutcome, now time.Time, err error) rapport.DeliveryOutcome {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return w.retry(out, now, "cancelled")
	}
	w.log.Error("rate limit", "delivery", out.ID, "err", err)
	return w.retry(out, now, "rate_limit")
}

func (w *Worker) fail(out rapport.DeliveryOutcome, reason string) rapport.DeliveryOutcome {
	out.State, out.Reason, out.Event = rapport.DeliveryFailed, reason, rapport.EventFailed
	return out
}

// limiter spaces sends to at most rate per second. The zero rate never
// waits. A shared limiter takes its slots from the database, a second's
// worth at a time, so that every worker and process sending through the
// same provider account keeps to one rate together.
type limiter struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
	// shared slots: reserved from rates for account; slots[0] is the next.
	rates   RateStore
	account string
	slots   []time.Time
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return &limiter{}
	}
	return &limiter{every: time.Duration(float64(time.Second) / rate)}
}

// shared makes l take its slots from rates for account.
func (l *limiter) shared(rates RateStore, account string) {
	if l.every > 0 {
		l.rates, l.account = rates, account
	}
}

func (l *limiter) wait(ctx context.Context) error {
	if l.every == 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	var at time.Time
	if l.rates != nil {
		if len(l.slots) == 0 {
			n := max(1, int(time.Second/l.every))
			start, err := l.rates.ReserveSlots(ctx, l.account, time.Now(), n, l.every)
			if err != nil {
				l.mu.Unlock()
				return err
			}
			for i := range n {
				l.slots = append(l.slots, start.Add(time.Duration(i)*l.every))
			}
		}
		at, l.slots = l.slots[0], l.slots[1:]
	} else {
		now := time.Now()
		at = l.next
		if at.Before(now) {
			at = now
		}
		l.next = at.Add(l.every)
	}
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// String describes the worker for logs.
func (w *Worker) String() string { return fmt.Sprintf("campaign worker %s", w.cfg.Owner) }

// safeCause describes a provider error for logs without its text, which
// may echo the recipient's address or number (PHI): the SMTP reply code
// or Twilio's error code only.
func safeCause(err error) string {
	var se *email.SMTPError
	if errors.As(err, &se) {
		return fmt.Sprintf("smtp %s %d %s", se.Command, se.Code, se.Enhanced)
	}
	var ae *twilio.APIError
	if errors.As(err, &ae) {
		return fmt.Sprintf("twilio http %d code %d", ae.Status, ae.Code)
	}
	var oe *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &oe):
		return "network " + oe.Op
	}
	return fmt.Sprintf("%T", errors.Unwrap(err))
}
