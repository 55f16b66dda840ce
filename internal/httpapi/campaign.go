package httpapi

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/campaign"
	"github.com/rapport-health/rapport/internal/twilio"
)

// CampaignDeps are what the campaign endpoints use. They are attached with
// Server.CampaignRoutes, so that a server without campaigns has none of
// these routes.
type CampaignDeps struct {
	Store    rapport.CampaignStore
	Launcher campaign.Launcher
	// Inbound applies STOP/HELP replies, status callbacks and one-click
	// unsubscribes; nil leaves those endpoints out.
	Inbound *campaign.Inbound
	// Twilio verifies webhook signatures (its BaseURL must be the public
	// URL Twilio calls).
	Twilio twilio.Webhook
	// OrgID resolves the organisation slug in webhook URLs.
	OrgID func(ctx context.Context, slug string) (string, error)
	// Senders keeps each organisation's sender profile; nil leaves
	// /api/v1/sender out.
	Senders SenderProfiles
	// Identities, when set, is told of a profile change so that this
	// process uses it at once (other processes within their cache TTL).
	Identities *campaign.Senders
}

// SenderProfiles is the store's sender profile API.
type SenderProfiles interface {
	SenderProfile(ctx context.Context, orgID string) (*rapport.SenderProfile, error)
	SetSenderProfile(ctx context.Context, actor rapport.Actor, p *rapport.SenderProfile) error
}

// CampaignRoutes registers the campaign API:
//
//	POST /api/v1/audiences/count            live audience size while filters are edited
//	POST /api/v1/campaigns                  create a draft
//	GET  /api/v1/campaigns                  the organisation's campaigns with delivery and engagement counts
//	GET  /api/v1/campaigns/{id}             the campaign with delivery counts by state
//	PUT  /api/v1/campaigns/{id}             replace a draft
//	GET  /api/v1/campaigns/{id}/preview     variants rendered, checks, playbooks
//	POST /api/v1/campaigns/{id}/launch      checks, then materialise the queue
//	GET  /api/v1/sender                     the organisation's sender profile (campaign writers, admins)
//	PUT  /api/v1/sender                     replace it (admins)
//	POST /hooks/twilio/{org}/inbound        inbound SMS (signed): STOP, HELP, START
//	POST /hooks/twilio/status               status callbacks (signed; matched by message SID)
//	GET  /u/{token}                         unsubscribe page for people
//	POST /u/{token}                         RFC 8058 one-click unsubscribe
//	GET  /r/{token}                         tracked link: records a click, redirects
//	GET  /o/{token}                         open pixel: records an open where tracking consent stands
//
// The hooks and /u/ are unauthenticated: Twilio's signature and the
// token's HMAC are their authentication.
func (s *Server) CampaignRoutes(d CampaignDeps) {
	h := &campaignHandlers{s: s, d: d}
	s.Handle("POST /api/v1/audiences/count", http.HandlerFunc(h.count))
	s.Handle("POST /api/v1/campaigns", http.HandlerFunc(h.create))
	s.Handle("GET /api/v1/campaigns", http.HandlerFunc(h.list))
	s.Handle("GET /api/v1/campaigns/{id}", http.HandlerFunc(h.get))
	s.Handle("PUT /api/v1/campaigns/{id}", http.HandlerFunc(h.update))
	s.Handle("GET /api/v1/campaigns/{id}/preview", http.HandlerFunc(h.preview))
	s.Handle("POST /api/v1/campaigns/{id}/launch", http.HandlerFunc(h.launch))
	if d.Senders != nil {
		s.Handle("GET /api/v1/sender", http.HandlerFunc(h.getSender))
		s.Handle("PUT /api/v1/sender", http.HandlerFunc(h.putSender))
	}
	if d.Inbound != nil {
		s.mux.HandleFunc("POST /hooks/twilio/{org}/inbound", h.twilioInbound)
		s.mux.HandleFunc("POST /hooks/twilio/status", h.twilioStatus)
		s.mux.HandleFunc("GET /u/{token}", h.unsubscribePage)
		s.mux.HandleFunc("POST /u/{token}", h.unsubscribe)
		s.mux.HandleFunc("GET /r/{token}", h.click)
		s.mux.HandleFunc("GET /o/{token}", h.open)
	}
}

type campaignHandlers struct {
	s *Server
	d CampaignDeps
}

type campaignJSON struct {
	ID             string                 `json:"id,omitempty"`
	Name           string                 `json:"name"`
	Channel        rapport.Channel        `json:"channel"`
	Purpose        rapport.Purpose        `json:"purpose"`
	Audience       rapport.AudienceFilter `json:"audience"`
	Variants       []rapport.Variant      `json:"variants"`
	HoldoutPercent float64                `json:"holdout_percent"`
	Status         rapport.CampaignStatus `json:"status,omitempty"`
	CreatedAt      *time.Time             `json:"created_at,omitempty"`
	LaunchedAt     *time.Time             `json:"launched_at,omitempty"`
	Deliveries     map[string]int         `json:"deliveries,omitempty"`
	Engagement     map[string]int         `json:"engagement,omitempty"`
}

func (j campaignJSON) campaign() *rapport.Campaign {
	return &rapport.Campaign{ID: j.ID, Name: j.Name, Channel: j.Channel, Purpose: j.Purpose, Audience: j.Audience,
		Variants: j.Variants, HoldoutPercent: j.HoldoutPercent}
}

func toCampaignJSON(c *rapport.Campaign) campaignJSON {
	j := campaignJSON{ID: c.ID, Name: c.Name, Channel: c.Channel, Purpose: c.Purpose, Audience: c.Audience,
		Variants: c.Variants, HoldoutPercent: c.HoldoutPercent, Status: c.Status}
	if !c.CreatedAt.IsZero() {
		j.CreatedAt = &c.CreatedAt
	}
	if !c.LaunchedAt.IsZero() {
		j.LaunchedAt = &c.LaunchedAt
	}
	return j
}

func (h *campaignHandlers) count(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var f rapport.AudienceFilter
	if err := decodeJSON(r, &f); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	start := time.Now()
	n, err := h.d.Store.CountAudience(r.Context(), actor, f)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": n.Total, "by_segment": n.BySegment,
		"elapsed_ms": time.Since(start).Milliseconds()})
}

func (h *campaignHandlers) create(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var j campaignJSON
	if err := decodeJSON(r, &j); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	c := j.campaign()
	if err := h.d.Store.CreateCampaign(r.Context(), actor, c); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toCampaignJSON(c))
}

func (h *campaignHandlers) update(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var j campaignJSON
	if err := decodeJSON(r, &j); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	j.ID = r.PathValue("id")
	c := j.campaign()
	if err := h.d.Store.UpdateCampaign(r.Context(), actor, c); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.get(w, r)
}

func (h *campaignHandlers) get(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	c, err := h.d.Store.Campaign(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	j := toCampaignJSON(c)
	if j.Deliveries, j.Engagement, err = campaignCounts(r.Context(), h.d.Store, actor, c.ID); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (h *campaignHandlers) preview(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if err := actor.Require(rapport.PermCampaignWrite); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	pv, err := h.d.Launcher.Preview(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pv)
}

func (h *campaignHandlers) launch(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	res, err := h.d.Launcher.Launch(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// verifyTwilio checks a webhook's signature. Without an auth token any
// signature could be forged, so the hooks refuse everything.
func (h *campaignHandlers) verifyTwilio(r *http.Request) (map[string][]string, error) {
	if h.d.Twilio.AuthToken == "" {
		return nil, rapport.Errorf(rapport.EUNAUTHORIZED, "twilio webhooks are not configured")
	}
	return h.d.Twilio.Verify(r)
}

// twilioOrg verifies a Twilio webhook and resolves its organisation.
func (h *campaignHandlers) twilioOrg(w http.ResponseWriter, r *http.Request) (string, map[string][]string, bool) {
	form, err := h.verifyTwilio(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return "", nil, false
	}
	org, err := h.d.OrgID(r.Context(), r.PathValue("org"))
	if err != nil {
		h.s.writeError(w, r, err)
		return "", nil, false
	}
	return org, form, true
}

// twilioInbound answers with empty TwiML: replies (one confirmation,
// HELP) are sent through the API by the service, so they are recorded.
func (h *campaignHandlers) twilioInbound(w http.ResponseWriter, r *http.Request) {
	org, form, ok := h.twilioOrg(w, r)
	if !ok {
		return
	}
	in, err := twilio.ParseInbound(form)
	if err != nil {
		h.s.writeError(w, r, rapport.Errorf(rapport.EINVALID, "%s", twilioMessage(err)))
		return
	}
	if _, err := h.d.Inbound.HandleSMS(r.Context(), org, in); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response></Response>`))
}

func twilioMessage(err error) string {
	if m := rapport.ErrorMessage(err); m != "internal error" {
		return m
	}
	return "invalid Twilio request"
}

func (h *campaignHandlers) twilioStatus(w http.ResponseWriter, r *http.Request) {
	form, err := h.verifyTwilio(r)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	cb, err := twilio.ParseStatusCallback(form)
	if err != nil {
		h.s.writeError(w, r, rapport.Errorf(rapport.EINVALID, "%s", twilioMessage(err)))
		return
	}
	if err := h.d.Inbound.HandleStatus(r.Context(), cb); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// unsubscribe is the RFC 8058 one-click endpoint: a POST unsubscribes at
// once, with no confirmation step. Mail clients post
// "List-Unsubscribe=One-Click"; the page's own form posts the same.
func (h *campaignHandlers) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if err := h.d.Inbound.Unsubscribe(r.Context(), r.PathValue("token")); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html><title>Unsubscribed</title><p>You are unsubscribed from these emails.</p>`))
}

// unsubscribePage serves people who open the link: a GET changes nothing
// (link scanners fetch every URL), so it shows one button that posts.
func (h *campaignHandlers) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	if _, err := h.d.Inbound.Identity.VerifyToken(tok); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = unsubscribeTmpl().Execute(w, tok)
}

func unsubscribeTmpl() *template.Template {
	return template.Must(template.New("u").Parse(`<!doctype html><title>Unsubscribe</title>
<form method="post" action="/u/{{.}}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe from these emails</button></form>`))
}

// click records a click on a tracked link and redirects to the variant's
// destination (fixed at authoring, never taken from the request, so the
// endpoint is no open redirect).
func (h *campaignHandlers) click(w http.ResponseWriter, r *http.Request) {
	to, err := h.d.Inbound.Click(r.Context(), r.PathValue("token"))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// pixel is a transparent 1×1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// open serves a delivery's open pixel and records the open (Inbound.Open
// decides whether it may). The image is the same whatever happened, so
// the response tells a mail client or scanner nothing; only a failure to
// record is an error.
func (h *campaignHandlers) open(w http.ResponseWriter, r *http.Request) {
	if err := h.d.Inbound.Open(r.Context(), r.PathValue("token")); err != nil && rapport.ErrorCode(err) != rapport.ENOTFOUND {
		h.s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Header().Set("Cache-Control", "no-store, private")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write(pixel)
}

// getSender returns the organisation's sender profile ({} when none was
// set: the server's defaults apply).
func (h *campaignHandlers) getSender(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if actor.Require(rapport.PermOrgAdmin) != nil {
		if err := actor.Require(rapport.PermCampaignWrite); err != nil {
			h.s.writeError(w, r, err)
			return
		}
	}
	p, err := h.d.Senders.SenderProfile(r.Context(), actor.OrgID)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		p, err = &rapport.SenderProfile{}, nil
	}
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (h *campaignHandlers) putSender(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var p rapport.SenderProfile
	if err := decodeJSON(r, &p); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if err := h.d.Senders.SetSenderProfile(r.Context(), actor, &p); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.d.Identities.Forget(actor.OrgID)
	writeJSON(w, http.StatusOK, &p)
}

// list returns the newest campaigns (?limit=, 100 by default) with their
// delivery counts by state and engagement counts by type.
func (h *campaignHandlers) list(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	cs, err := h.d.Store.Campaigns(r.Context(), actor, limit)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	out := make([]campaignJSON, 0, len(cs))
	for i := range cs {
		j := toCampaignJSON(&cs[i])
		if j.Deliveries, j.Engagement, err = campaignCounts(r.Context(), h.d.Store, actor, cs[i].ID); err != nil {
			h.s.writeError(w, r, err)
			return
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": out})
}

// campaignCounts returns a campaign's delivery counts by state and
// engagement counts by type.
func campaignCounts(ctx context.Context, st rapport.CampaignStore, actor rapport.Actor, id string) (map[string]int, map[string]int, error) {
	dc, err := st.DeliveryCounts(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	ec, err := st.EngagementCounts(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	d := map[string]int{}
	for k, n := range dc {
		d[string(k)] = n
	}
	return d, ec, nil
}
