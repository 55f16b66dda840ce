package inbox

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/compliance"
	"github.com/rapport-health/rapport/phi"
	"github.com/rapport-health/rapport/triage"
)

// Connectors finds the connector of an organisation's connected account,
// through which replies and direct messages are sent.
type Connectors interface {
	Connector(ctx context.Context, orgID string, network rapport.Network, accountID string) (rapport.Connector, error)
}

// OrgConfig is one organisation's inbox settings.
type OrgConfig struct {
	// Slug names the organisation in webhook URLs.
	Slug string `json:"slug"`
	// Rules route items to queues (see triage.Rule); CrisisQueue takes
	// every crisis (default "on-call"), FallbackQueue everything no rule
	// takes (default "general").
	Rules         []triage.Rule `json:"rules,omitempty"`
	CrisisQueue   string        `json:"crisis_queue,omitempty"`
	FallbackQueue string        `json:"fallback_queue,omitempty"`
	// Identity is the organisation's public names and contacts, which the
	// PHI guard never treats as a patient's.
	Identity phi.Org `json:"identity"`
	// PrivateChannel is the public message "take it private" posts where
	// the network has no direct messages, pointing to the organisation's
	// private channel (a phone number, a secure contact form).
	PrivateChannel string          `json:"private_channel,omitempty"`
	Calendar       *CalendarConfig `json:"calendar,omitempty"`
	Targets        Targets         `json:"sla,omitempty"`
	// Agents take conversations in round-robin assignment.
	Agents []rapport.Agent `json:"agents,omitempty"`
	// OnCall are the staff a crisis is assigned to at once (round-robin,
	// capacity ignored); empty leaves crises in the crisis queue for
	// whoever watches it.
	OnCall []string `json:"on_call,omitempty"`
	// Webhook receivers; nil disables one. Secrets come from the
	// environment (see cmd/rapport), never from this struct's JSON.
	Meta    *MetaHook    `json:"-"`
	Webhook *GenericHook `json:"-"`
}

// MetaHook is an organisation's Meta (Facebook/Instagram) webhook secrets.
type MetaHook struct{ AppSecret, VerifyToken string }

// GenericHook is an organisation's generic JSON webhook secrets and the
// account id its items arrive on.
type GenericHook struct {
	Secrets   []string
	AccountID string
}

// Config configures a Service.
type Config struct {
	Store      rapport.InboxStore
	Triager    *triage.Triager
	Connectors Connectors // may be nil: replies then fail with a clear error
	// Orgs holds settings by organisation id; an organisation without
	// settings gets the defaults.
	Orgs   map[string]OrgConfig
	Broker *Broker // nil: a new one
	Logger *slog.Logger
	Now    func() time.Time
	// BatchSize bounds the items stored per transaction (default 200).
	BatchSize int
	// OptOuts, when set, applies a STOP (or any opt-out
	// compliance.Classify recognises) that a patient sends in a direct
	// message, to the patient the conversation is linked to: DMStopScope
	// is revoked before Ingest returns.
	OptOuts OptOutRecorder
}

// OptOutRecorder revokes consents of the patient linked to a conversation
// (the store's RecordConversationOptOut).
type OptOutRecorder interface {
	RecordConversationOptOut(ctx context.Context, orgID, convID string, scope []rapport.ChannelPurpose, source, evidence string,
		at time.Time) (changed, linked bool, err error)
}

// DMStopScope is what an opt-out sent by direct message revokes: social
// DMs for every purpose and, by the policy SMS opt-outs follow
// (campaign.StopScope), marketing and operations on every channel. Care
// by email, SMS, voice and mail stays.
func DMStopScope() []rapport.ChannelPurpose {
	out := []rapport.ChannelPurpose{{Channel: rapport.ChannelSocialDM, Purpose: rapport.PurposeCare}}
	for _, ch := range rapport.Channels() {
		out = append(out, rapport.ChannelPurpose{Channel: ch, Purpose: rapport.PurposeMarketing},
			rapport.ChannelPurpose{Channel: ch, Purpose: rapport.PurposeOperations})
	}
	return out
}

// Service is the inbox service. It is safe for concurrent use.
type Service struct {
	store   rapport.InboxStore
	optOuts OptOutRecorder
	triager *triage.Triager
	conns   Connectors
	broker  *Broker
	log     *slog.Logger
	now     func() time.Time
	batch   int

	mu     sync.Mutex
	orgs   map[string]*org
	cfgs   map[string]OrgConfig
	queues map[string]*orgQueue // group commit, by organisation
}

// org is an organisation's compiled settings.
type org struct {
	cfg    OrgConfig
	router *triage.Router
	guard  *phi.Guard
	cal    *Calendar
}

// New validates cfg and returns a service. Errors name the organisation
// and field at fault.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Triager == nil {
		return nil, rapport.Errorf(rapport.EINVALID, "inbox: a store and a triager are required")
	}
	s := &Service{store: cfg.Store, optOuts: cfg.OptOuts, triager: cfg.Triager, conns: cfg.Connectors, broker: cfg.Broker, log: cfg.Logger,
		now: cfg.Now, batch: cfg.BatchSize, orgs: map[string]*org{}, cfgs: cfg.Orgs, queues: map[string]*orgQueue{}}
	if s.broker == nil {
		s.broker = NewBroker()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.batch <= 0 {
		s.batch = 200
	}
	for id, oc := range cfg.Orgs {
		o, err := compile(oc)
		if err != nil {
			return nil, &rapport.Error{Code: rapport.EINVALID, Message: "inbox settings of organisation " + id + ": " + rapport.ErrorMessage(err), Err: err}
		}
		s.orgs[id] = o
	}
	return s, nil
}

func compile(oc OrgConfig) (*org, error) {
	if oc.CrisisQueue == "" {
		oc.CrisisQueue = "on-call"
	}
	if oc.FallbackQueue == "" {
		oc.FallbackQueue = "general"
	}
	r, err := triage.NewRouter(oc.CrisisQueue, oc.FallbackQueue, oc.Rules)
	if err != nil {
		return nil, err
	}
	o := &org{cfg: oc, router: r}
	det := phi.NewDetector(phi.Config{OrgNames: oc.Identity.Names, OrgPhones: oc.Identity.Phones, OrgEmails: oc.Identity.Emails,
		OrgURLs: oc.Identity.URLs})
	o.guard = phi.NewGuard(det, oc.Identity)
	if oc.Calendar != nil {
		if o.cal, err = ParseCalendar(*oc.Calendar); err != nil {
			return nil, err
		}
	}
	if oc.Targets.FirstResponseMinutes < 0 || oc.Targets.ResolutionMinutes < 0 {
		return nil, rapport.Errorf(rapport.EINVALID, "sla: targets must not be negative")
	}
	return o, nil
}

// org returns orgID's settings, the defaults when none are configured.
func (s *Service) org(orgID string) *org {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[orgID]
	if o == nil {
		o, _ = compile(OrgConfig{}) // the defaults always compile
		s.orgs[orgID] = o
	}
	return o
}

// Broker returns the service's event broker.
func (s *Service) Broker() *Broker { return s.broker }

// systemActor is who ingestion and background checks act as.
func systemActor(orgID string) rapport.Actor {
	return rapport.Actor{OrgID: orgID, Role: rapport.RoleAgent, Name: "system:inbox", Addr: "inbox"}
}

// Triage classifies one item for orgID and routes it, without storing it.
func (s *Service) Triage(orgID string, it rapport.SocialItem) (rapport.ItemTriage, string) {
	o := s.org(orgID)
	in := triage.InputFrom(it)
	res := s.triager.Triage(in)
	rt := o.router.Route(in, res)
	t := rapport.ItemTriage{Intent: string(res.Intent), Sentiment: res.Sentiment, Urgency: int(res.Urgency), Crisis: res.Crisis,
		CrisisCategory: string(res.CrisisCategory), Rule: rt.Rule}
	if !it.Private && !res.Crisis {
		// A crisis goes to on-call whatever it discloses; DMs are private
		// already, so the composer needs no "take it private" nudge.
		if d := o.guard.Disclosure(it.Text); d.Discloses {
			t.Discloses, t.DisclosureSubject = true, string(d.Subject)
		}
	}
	return t, rt.Queue
}

// Ingest triages, stores and routes items that arrived for orgID, then
// tells the organisation's agents about the new ones. Duplicates (an item
// already stored) are skipped silently. It returns one result per item.
func (s *Service) Ingest(ctx context.Context, orgID string, items []rapport.SocialItem) ([]rapport.IngestResult, error) {
	if orgID == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "ingest: organisation required")
	}
	for i, it := range items {
		// Checked here, not only by the store: a bad item must not fail
		// the other callers' items that share its transaction.
		switch {
		case it.Network == "":
			return nil, rapport.Errorf(rapport.EINVALID, "items[%d].network: required", i)
		case it.NetworkID == "":
			return nil, rapport.Errorf(rapport.EINVALID, "items[%d].network_id: required", i)
		case it.Kind == "":
			return nil, rapport.Errorf(rapport.EINVALID, "items[%d].kind: required", i)
		}
	}
	received := s.now().UTC()
	out := make([]rapport.IngestResult, 0, len(items))
	for start := 0; start < len(items); start += s.batch {
		chunk := items[start:min(start+s.batch, len(items))]
		stored := make([]*rapport.InboxItem, len(chunk))
		for i, it := range chunk {
			t, queue := s.Triage(orgID, it)
			stored[i] = &rapport.InboxItem{SocialItem: it, Triage: t, Queue: queue, ReceivedAt: received}
		}
		res, err := s.storeGrouped(ctx, orgID, stored)
		if err != nil {
			return out, err
		}
		for i, r := range res {
			if r.New && s.optOuts != nil && stored[i].Private && compliance.Classify(stored[i].Text).Intent == compliance.IntentOptOut {
				changed, linked, err := s.optOuts.RecordConversationOptOut(ctx, orgID, r.ConversationID, DMStopScope(), "social_dm:stop",
					string(stored[i].Network)+":"+stored[i].NetworkID, received)
				if err != nil {
					s.log.Error("direct message opt-out", "org", orgID, "conversation", r.ConversationID, "err", err)
				} else {
					s.log.Info("direct message opt-out", "org", orgID, "conversation", r.ConversationID, "linked", linked, "changed", changed)
				}
			}
			if r.New {
				s.broker.Publish(orgID, newItemEvent(stored[i], s.now().UTC()))
				if stored[i].Triage.Crisis {
					if r.NewConversation {
						s.escalate(ctx, orgID, r.ConversationID)
					}
					s.log.Warn("crisis item escalated", "org", orgID, "item", r.ItemID, "conversation", r.ConversationID,
						"category", stored[i].Triage.CrisisCategory, "queue", stored[i].Queue)
				}
			}
		}
		out = append(out, res...)
	}
	return out, nil
}

// escalate assigns a new crisis conversation to the on-call staff at once
// (a crisis in an existing thread stays with whoever holds it, who gets
// the crisis event). A failure is logged, never fatal: the
// crisis is stored and announced whatever happens here.
func (s *Service) escalate(ctx context.Context, orgID, convID string) {
	oncall := s.org(orgID).cfg.OnCall
	if len(oncall) == 0 {
		return
	}
	agents := make([]rapport.Agent, len(oncall))
	for i, id := range oncall {
		agents[i] = rapport.Agent{UserID: id}
	}
	actor := systemActor(orgID)
	a, err := s.store.AssignRoundRobin(ctx, actor, convID, agents)
	if err != nil {
		s.log.Error("crisis escalation", "org", orgID, "conversation", convID, "err", err)
		return
	}
	s.Changed(actor, a)
}

func newItemEvent(it *rapport.InboxItem, at time.Time) rapport.InboxEvent {
	e := rapport.InboxEvent{Type: "item.new", ConversationID: it.ConversationID, ItemID: it.ID, Network: it.Network, Kind: it.Kind,
		Queue: it.Queue, Intent: it.Triage.Intent, Urgency: it.Triage.Urgency, ReceivedAt: it.ReceivedAt, At: at}
	if it.Triage.Crisis {
		e.Type, e.Crisis, e.Guidance = "crisis", true, triage.CrisisGuidance
	}
	return e
}

// Subscribe streams the actor's organisation's events until cancel is
// called.
func (s *Service) Subscribe(actor rapport.Actor) (<-chan rapport.InboxEvent, func(), error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return nil, nil, err
	}
	ch, cancel := s.broker.Subscribe(actor.OrgID)
	return ch, cancel, nil
}

// Changed tells agents that a conversation changed (assignment, status…).
func (s *Service) Changed(actor rapport.Actor, c *rapport.Conversation) {
	s.broker.Publish(actor.OrgID, rapport.InboxEvent{Type: "conversation.updated", ConversationID: c.ID, Queue: c.Queue,
		Status: string(c.Status), Assignee: c.Assignee, Urgency: c.Urgency, Crisis: c.Crisis, At: s.now().UTC()})
}

// AutoAssign assigns a conversation round-robin among the organisation's
// configured agents.
func (s *Service) AutoAssign(ctx context.Context, actor rapport.Actor, id string) (*rapport.Conversation, error) {
	c, err := s.store.AssignRoundRobin(ctx, actor, id, s.org(actor.OrgID).cfg.Agents)
	if err == nil {
		s.Changed(actor, c)
	}
	return c, err
}

// SLA measures a conversation's timers against its organisation's
// calendar and targets.
func (s *Service) SLA(c rapport.Conversation) SLA {
	o := s.org(c.OrgID)
	return ComputeSLA(c, o.cal, o.cfg.Targets, s.now())
}

// ReplyOutcome is what happened to a reply: the recorded reply and the
// guard's verdict (empty for a direct message).
type ReplyOutcome struct {
	Reply   *rapport.Reply `json:"reply"`
	Verdict *phi.Verdict   `json:"guard,omitempty"`
}

// BlockedMessage is the message of the error returned when the guard blocks a
// reply.
const BlockedMessage = "the PHI guard blocked this reply; it was not sent (see the reasons and the suggested rewrite)"

// Reply answers a conversation: on its item itemID, or its latest item
// when itemID is empty. A public reply first passes the PHI guard; a
// blocked one is recorded as blocked, not sent, and returned with an
// EINVALID error together with the verdict (its reasons and a safe
// rewrite). An allowed one (or a warned one) is recorded as pending, sent
// through the account's connector and recorded as sent with the network's
// id, which also starts the first-response clock if it is the first.
func (s *Service) Reply(ctx context.Context, actor rapport.Actor, convID, itemID, text string) (ReplyOutcome, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return ReplyOutcome{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return ReplyOutcome{}, rapport.Errorf(rapport.EINVALID, "text: required")
	}
	d, target, err := s.target(ctx, actor, convID, itemID)
	if err != nil {
		return ReplyOutcome{}, err
	}
	return s.send(ctx, actor, d, target, text, target.Private)
}

func (s *Service) target(ctx context.Context, actor rapport.Actor, convID, itemID string) (*rapport.ConversationDetail, *rapport.InboxItem, error) {
	d, err := s.store.Conversation(ctx, actor, convID)
	if err != nil {
		return nil, nil, err
	}
	if len(d.Items) == 0 {
		return nil, nil, rapport.Errorf(rapport.EINVALID, "conversation has no item to answer")
	}
	target := &d.Items[len(d.Items)-1]
	if itemID != "" {
		target = nil
		for i := range d.Items {
			if d.Items[i].ID == itemID {
				target = &d.Items[i]
			}
		}
		if target == nil {
			return nil, nil, rapport.Errorf(rapport.ENOTFOUND, "item_id: not an item of this conversation")
		}
	}
	return d, target, nil
}

func (s *Service) send(ctx context.Context, actor rapport.Actor, d *rapport.ConversationDetail, target *rapport.InboxItem, text string, private bool) (ReplyOutcome, error) {
	r := &rapport.Reply{ConversationID: d.ID, InReplyTo: target.ID, Text: text, Private: private, State: rapport.ReplyPending}
	var out ReplyOutcome
	if !private {
		v := s.org(actor.OrgID).guard.CheckReply(phi.ReplyInput{Reply: text, Post: target.Text,
			Author: firstNonEmpty(target.AuthorName, target.AuthorHandle)})
		out.Verdict = &v
		r.Verdict = string(v.Action)
		if v.Action == phi.Block {
			r.State = rapport.ReplyBlocked
			if err := s.store.RecordReply(ctx, actor, r); err != nil {
				return out, err
			}
			out.Reply = r
			return out, &rapport.Error{Code: rapport.EINVALID, Message: BlockedMessage}
		}
	}
	var conn rapport.Connector
	var err error
	if s.conns == nil {
		err = rapport.Errorf(rapport.ENOTFOUND, "no connector is configured for this account")
	} else {
		conn, err = s.conns.Connector(ctx, actor.OrgID, d.Network, d.AccountID)
	}
	if err != nil {
		return out, &rapport.Error{Code: rapport.EINVALID, Message: "replies cannot be sent on this account: no connector is configured", Err: err}
	}
	if err := s.store.RecordReply(ctx, actor, r); err != nil {
		return out, err
	}
	var ref rapport.PostRef
	if private {
		ref, err = conn.SendDM(ctx, target.AuthorID, text)
	} else {
		ref, err = conn.Publish(ctx, rapport.Post{Text: text, InReplyTo: target.NetworkID, IdempotencyKey: r.ID})
	}
	if err != nil {
		s.log.Error("inbox reply not sent", "org", actor.OrgID, "reply", r.ID, "network", string(d.Network), "err", err)
		if fr, ferr := s.store.FinishReply(context.WithoutCancel(ctx), actor, r.ID, rapport.ReplyFailed, ""); ferr == nil {
			r = fr
		}
		out.Reply = r
		return out, &rapport.Error{Code: rapport.EINTERNAL, Message: "the network did not accept the reply; it was not sent", Err: err}
	}
	// The network has the reply: record it even if the request is gone.
	fr, err := s.store.FinishReply(context.WithoutCancel(ctx), actor, r.ID, rapport.ReplySent, ref.NetworkID)
	if err != nil {
		return out, err
	}
	out.Reply = fr
	s.broker.Publish(actor.OrgID, rapport.InboxEvent{Type: "conversation.updated", ConversationID: d.ID, Queue: d.Queue,
		Status: string(d.Status), At: s.now().UTC()})
	return out, nil
}

// dmNetworks are the networks where an organisation can message an author
// privately.
func dmNetwork(n rapport.Network) bool {
	switch n {
	case rapport.NetworkMastodon, rapport.NetworkBluesky, rapport.NetworkFacebook, rapport.NetworkInstagram:
		return true
	}
	return false
}

// TakePrivate moves a conversation to a private channel: where the network
// has direct messages it sends text to the author as a DM; elsewhere (or
// when text is empty) it posts the organisation's templated public message
// pointing to its private channel, which passes the PHI guard like any
// public reply.
func (s *Service) TakePrivate(ctx context.Context, actor rapport.Actor, convID, text string) (ReplyOutcome, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return ReplyOutcome{}, err
	}
	d, target, err := s.target(ctx, actor, convID, "")
	if err != nil {
		return ReplyOutcome{}, err
	}
	text = strings.TrimSpace(text)
	if dmNetwork(d.Network) && target.AuthorID != "" && text != "" {
		return s.send(ctx, actor, d, target, text, true)
	}
	tmpl := s.org(actor.OrgID).cfg.PrivateChannel
	if tmpl == "" {
		return ReplyOutcome{}, rapport.Errorf(rapport.EINVALID, "this organisation has no private-channel message configured (inbox settings: private_channel)")
	}
	return s.send(ctx, actor, d, target, tmpl, false)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// CheckSLAs looks at every open conversation of the configured
// organisations and publishes an sla.breach event the first time (in this
// process) a conversation breaches a target. alerted remembers what was
// already announced; pass the same map on every call.
func (s *Service) CheckSLAs(ctx context.Context, alerted map[string]bool) (int, error) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.cfgs))
	for id := range s.cfgs {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	n := 0
	var errs []error
	for _, id := range ids {
		o := s.org(id)
		if o.cfg.Targets == (Targets{}) {
			continue
		}
		convs, err := s.store.Conversations(ctx, systemActor(id), rapport.ConversationFilter{Open: true, Limit: 1000})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		now := s.now()
		for _, c := range convs {
			sla := ComputeSLA(c, o.cal, o.cfg.Targets, now)
			for _, b := range []struct {
				kind string
				hit  bool
			}{{"first_response", sla.FirstResponseBreached && sla.FirstResponsePending}, {"resolution", sla.ResolutionBreached}} {
				key := c.ID + "/" + b.kind
				if !b.hit || alerted[key] {
					continue
				}
				alerted[key] = true
				n++
				s.broker.Publish(id, rapport.InboxEvent{Type: "sla.breach", ConversationID: c.ID, Queue: c.Queue, Status: string(c.Status),
					Assignee: c.Assignee, Urgency: c.Urgency, Crisis: c.Crisis, Breach: b.kind, At: now.UTC()})
			}
		}
	}
	return n, errors.Join(errs...)
}

// RunSLAChecks checks SLAs every interval until ctx ends.
func (s *Service) RunSLAChecks(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	alerted := map[string]bool{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.CheckSLAs(ctx, alerted); err != nil {
				s.log.Error("inbox SLA check", "err", err)
			}
		}
	}
}
