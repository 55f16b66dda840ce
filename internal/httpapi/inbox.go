package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/inbox"
)

// Inbox is what the API needs of the inbox service (internal/inbox):
// the work that goes beyond storage.
type Inbox interface {
	Subscribe(actor rapport.Actor) (<-chan rapport.InboxEvent, func(), error)
	Reply(ctx context.Context, actor rapport.Actor, convID, itemID, text string) (inbox.ReplyOutcome, error)
	TakePrivate(ctx context.Context, actor rapport.Actor, convID, text string) (inbox.ReplyOutcome, error)
	AutoAssign(ctx context.Context, actor rapport.Actor, id string) (*rapport.Conversation, error)
	SLA(c rapport.Conversation) inbox.SLA
	Changed(actor rapport.Actor, c *rapport.Conversation)
}

// SSEHeartbeat is the default of Config.InboxHeartbeat: how often an idle
// event stream sends a comment line, so that proxies keep it open and
// clients notice a dead connection.
const SSEHeartbeat = 15 * time.Second

func (s *Server) inboxRoutes() {
	if s.cfg.Hooks != nil {
		// Webhook receivers authenticate each delivery by its signature,
		// not by a session or token.
		s.mux.Handle("/hooks/", s.cfg.Hooks)
	}
	h := func(pattern string, fn http.HandlerFunc) { s.Handle(pattern, fn) }
	h("GET /api/v1/inbox/conversations", s.handleConversations)
	h("GET /api/v1/inbox/conversations/{id}", s.handleConversation)
	h("POST /api/v1/inbox/conversations/{id}/assign", s.handleAssign)
	h("POST /api/v1/inbox/conversations/{id}/claim", s.convUpdate(func(r *http.Request, a rapport.Actor, id string) (*rapport.Conversation, error) {
		return s.cfg.Store.Claim(r.Context(), a, id)
	}))
	h("POST /api/v1/inbox/conversations/{id}/status", s.convUpdate(func(r *http.Request, a rapport.Actor, id string) (*rapport.Conversation, error) {
		var req struct {
			Status string `json:"status"`
		}
		if err := decodeJSON(r, &req); err != nil {
			return nil, err
		}
		st, err := rapport.ParseConversationStatus(req.Status)
		if err != nil {
			return nil, err
		}
		return s.cfg.Store.SetStatus(r.Context(), a, id, st)
	}))
	h("POST /api/v1/inbox/conversations/{id}/tags", s.convUpdate(func(r *http.Request, a rapport.Actor, id string) (*rapport.Conversation, error) {
		var req struct {
			Add    []string `json:"add"`
			Remove []string `json:"remove"`
		}
		if err := decodeJSON(r, &req); err != nil {
			return nil, err
		}
		return s.cfg.Store.Tag(r.Context(), a, id, req.Add, req.Remove)
	}))
	h("POST /api/v1/inbox/conversations/{id}/patient", s.convUpdate(func(r *http.Request, a rapport.Actor, id string) (*rapport.Conversation, error) {
		var req struct {
			PatientID string `json:"patient_id"`
		}
		if err := decodeJSON(r, &req); err != nil {
			return nil, err
		}
		return s.cfg.Store.LinkPatient(r.Context(), a, id, req.PatientID)
	}))
	h("POST /api/v1/inbox/conversations/{id}/notes", s.handleAddNote)
	h("POST /api/v1/inbox/conversations/{id}/replies", s.handleReply)
	h("POST /api/v1/inbox/conversations/{id}/private", s.handleTakePrivate)
	h("GET /api/v1/inbox/canned", s.handleCannedList)
	h("POST /api/v1/inbox/canned", s.handleCannedSave)
	h("PUT /api/v1/inbox/canned/{id}", s.handleCannedSave)
	h("DELETE /api/v1/inbox/canned/{id}", s.handleCannedDelete)
	h("GET /api/v1/inbox/events", s.handleInboxEvents)
}

// conversationView is a conversation with its SLA timers.
type conversationView struct {
	rapport.Conversation
	SLA *inbox.SLA `json:"sla,omitempty"`
}

func (s *Server) view(c rapport.Conversation) conversationView {
	v := conversationView{Conversation: c}
	if s.cfg.Inbox != nil {
		sla := s.cfg.Inbox.SLA(c)
		v.SLA = &sla
	}
	return v
}

func (s *Server) inboxService(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Inbox == nil {
		s.writeError(w, r, rapport.Errorf(rapport.EINTERNAL, "the inbox service is not configured"))
		return false
	}
	return true
}

// handleConversations serves GET /api/v1/inbox/conversations?queue=&status=&assignee=&open=true&limit=
// (assignee=me for the caller, none for unassigned).
func (s *Server) handleConversations(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	q := r.URL.Query()
	f := rapport.ConversationFilter{Queue: q.Get("queue"), Assignee: q.Get("assignee")}
	if f.Assignee == "me" {
		f.Assignee = actor.UserID
	}
	if st := q.Get("status"); st != "" {
		parsed, err := rapport.ParseConversationStatus(st)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		f.Status = parsed
	}
	f.Open, _ = strconv.ParseBool(q.Get("open"))
	limit, err := intParam(q, "limit", 200, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.Limit = limit
	convs, err := s.cfg.Store.Conversations(r.Context(), actor, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]conversationView, len(convs))
	for i, c := range convs {
		out[i] = s.view(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": out})
}

// handleConversation serves one conversation with its items, notes and
// replies.
func (s *Server) handleConversation(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	d, err := s.cfg.Store.Conversation(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": s.view(d.Conversation), "items": d.Items, "notes": d.Notes, "replies": d.Replies})
}

// convUpdate serves a change to a conversation and announces it.
func (s *Server) convUpdate(fn func(r *http.Request, a rapport.Actor, id string) (*rapport.Conversation, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, _ := ActorFrom(r.Context())
		c, err := fn(r, actor, r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if s.cfg.Inbox != nil {
			s.cfg.Inbox.Changed(actor, c)
		}
		writeJSON(w, http.StatusOK, map[string]any{"conversation": s.view(*c)})
	}
}

// handleAssign serves {"assignee": "<user id>"} (empty unassigns) or
// {"auto": true} for round-robin among the organisation's agents.
func (s *Server) handleAssign(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Assignee string `json:"assignee"`
		Auto     bool   `json:"auto"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Auto && !s.inboxService(w, r) {
		return
	}
	s.convUpdate(func(r *http.Request, a rapport.Actor, id string) (*rapport.Conversation, error) {
		if req.Auto {
			return s.cfg.Inbox.AutoAssign(r.Context(), a, id)
		}
		return s.cfg.Store.Assign(r.Context(), a, id, req.Assignee)
	})(w, r)
}

func (s *Server) handleAddNote(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var req struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	n := &rapport.Note{ConversationID: r.PathValue("id"), Text: req.Text}
	if err := s.cfg.Store.AddNote(r.Context(), actor, n); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

// writeOutcome answers a reply: 201 when sent; when the guard blocked it,
// the error status with the verdict (reasons and a safe rewrite) so the
// composer can show them.
func (s *Server) writeOutcome(w http.ResponseWriter, r *http.Request, out inbox.ReplyOutcome, err error) {
	if err != nil {
		if out.Reply != nil {
			code := rapport.ErrorCode(err)
			if statusOf(code) == http.StatusInternalServerError {
				s.log.Error("inbox reply failed", "route", r.Pattern, "err", err)
			}
			writeJSON(w, statusOf(code), map[string]any{
				"error": map[string]string{"code": code, "message": rapport.ErrorMessage(err)},
				"reply": out.Reply, "guard": out.Verdict})
			return
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// handleReply serves {"text": "...", "item_id": ""}: a reply, guarded when
// public.
func (s *Server) handleReply(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var req struct {
		Text   string `json:"text"`
		ItemID string `json:"item_id"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.inboxService(w, r) {
		return
	}
	out, err := s.cfg.Inbox.Reply(r.Context(), actor, r.PathValue("id"), req.ItemID, req.Text)
	s.writeOutcome(w, r, out, err)
}

// handleTakePrivate serves {"text": "..."}: a DM where the network has
// them, else the organisation's templated public message.
func (s *Server) handleTakePrivate(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var req struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.inboxService(w, r) {
		return
	}
	out, err := s.cfg.Inbox.TakePrivate(r.Context(), actor, r.PathValue("id"), req.Text)
	s.writeOutcome(w, r, out, err)
}

func (s *Server) handleCannedList(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	list, err := s.cfg.Store.CannedReplies(r.Context(), actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"canned_replies": list})
}

func (s *Server) handleCannedSave(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var c rapport.CannedReply
	var req struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c.ID, c.Title, c.Text = r.PathValue("id"), req.Title, req.Text
	status := http.StatusOK
	if c.ID == "" {
		status = http.StatusCreated
	}
	if err := s.cfg.Store.SaveCannedReply(r.Context(), actor, &c); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, c)
}

func (s *Server) handleCannedDelete(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if err := s.cfg.Store.DeleteCannedReply(r.Context(), actor, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleInboxEvents streams the caller's organisation's inbox events as
// Server-Sent Events: "event: <type>" and "data: <JSON InboxEvent>", with
// a comment line every SSEHeartbeat while idle, when the credentials are
// also checked again.
func (s *Server) handleInboxEvents(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if !s.inboxService(w, r) {
		return
	}
	events, cancel, err := s.cfg.Inbox.Subscribe(actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer cancel()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n: connected\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	every := s.cfg.InboxHeartbeat
	if every <= 0 {
		every = SSEHeartbeat
	}
	beat := time.NewTicker(every)
	defer beat.Stop()
	var seq int64
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			// A stream outlives the request that opened it: end it once
			// the session is logged out or expired, or the token revoked.
			if _, err := s.authenticate(r); err != nil {
				return
			}
			fmt.Fprint(w, ": heartbeat\n\n")
		case ev, ok := <-events:
			if !ok {
				return
			}
			data, err := json.Marshal(ev)
			if err != nil {
				continue
			}
			seq++
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", seq, ev.Type, data)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
