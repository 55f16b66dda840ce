package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/publish"
)

// Publisher is what the API needs of the publishing workflow
// (internal/publish): the checks that run before review and approval.
type Publisher interface {
	Check(ctx context.Context, actor rapport.Actor, text string) (publish.Check, error)
	Submit(ctx context.Context, actor rapport.Actor, id string, version int) (publish.Check, error)
	Approve(ctx context.Context, actor rapport.Actor, id string, version int, note string) (publish.Check, error)
	Reject(ctx context.Context, actor rapport.Actor, id string, version int, note string) error
}

// Pages registers the dashboard's pages: public ones (the login form, its
// assets) directly on the server, private ones behind a session.
type Pages interface {
	RegisterPages(public, private func(pattern string, h http.Handler))
}

func (s *Server) publishRoutes() {
	h := func(pattern string, fn http.HandlerFunc) { s.Handle(pattern, fn) }
	h("GET /api/v1/posts", s.handlePosts)
	h("POST /api/v1/posts", s.handlePostCreate)
	h("POST /api/v1/posts/check", s.handlePostCheck)
	h("GET /api/v1/posts/{id}", s.handlePost)
	h("PUT /api/v1/posts/{id}", s.handlePostUpdate)
	h("POST /api/v1/posts/{id}/submit", s.handlePostReview("submit"))
	h("POST /api/v1/posts/{id}/approve", s.handlePostReview("approve"))
	h("POST /api/v1/posts/{id}/reject", s.handlePostReview("reject"))
	h("GET /api/v1/publish/calendar", s.handleCalendar)
	h("GET /api/v1/publish/rules", s.handleRules)
	h("PUT /api/v1/publish/rules", s.handleRulesSave)
	if s.cfg.Pages != nil {
		s.cfg.Pages.RegisterPages(s.mux.Handle, func(pattern string, h http.Handler) { s.mux.Handle(pattern, s.pageAuthn(h)) })
	}
}

// postRequest is the body of a create or an edit.
type postRequest struct {
	Text        string    `json:"text"`
	AccountIDs  []string  `json:"account_ids"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Version     int       `json:"version"`
}

func (s *Server) handlePosts(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	f := rapport.PostFilter{Status: rapport.PostStatus(r.URL.Query().Get("status"))}
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil {
		f.Limit = n
	}
	posts, err := s.cfg.Store.ScheduledPosts(r.Context(), actor, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": nonNilPosts(posts)})
}

func nonNilPosts(p []rapport.ScheduledPost) []rapport.ScheduledPost {
	if p == nil {
		return []rapport.ScheduledPost{}
	}
	return p
}

func (s *Server) handlePostCreate(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var req postRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &rapport.ScheduledPost{Text: req.Text, AccountIDs: req.AccountIDs, ScheduledAt: req.ScheduledAt}
	if err := s.cfg.Store.CreatePost(r.Context(), actor, p); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) handlePost(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	p, err := s.cfg.Store.ScheduledPost(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) handlePostUpdate(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var req postRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &rapport.ScheduledPost{ID: r.PathValue("id"), Text: req.Text, AccountIDs: req.AccountIDs, ScheduledAt: req.ScheduledAt, Version: req.Version}
	if err := s.cfg.Store.UpdatePost(r.Context(), actor, p); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) publisher(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Publish == nil {
		s.writeError(w, r, rapport.Errorf(rapport.EINTERNAL, "the publishing service is not configured"))
		return false
	}
	return true
}

// handlePostCheck serves {"text": "..."}: the checks a post would face,
// without storing anything.
func (s *Server) handlePostCheck(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var req struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := requirePublish(actor); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.publisher(w, r) {
		return
	}
	c, err := s.cfg.Publish.Check(r.Context(), actor, req.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func requirePublish(a rapport.Actor) error {
	if a.Can(rapport.PermPublishReview) {
		return nil
	}
	return a.Require(rapport.PermPublishWrite)
}

// handlePostReview serves submit, approve and reject with
// {"version": n, "note": "..."}. A post the checks block answers with the
// error status and the check (reasons and, for PHI, a safe rewrite).
func (s *Server) handlePostReview(step string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, _ := ActorFrom(r.Context())
		var req struct {
			Version int    `json:"version"`
			Note    string `json:"note"`
		}
		if err := decodeJSON(r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		if !s.publisher(w, r) {
			return
		}
		ctx, id := r.Context(), r.PathValue("id")
		var c publish.Check
		var err error
		switch step {
		case "submit":
			c, err = s.cfg.Publish.Submit(ctx, actor, id, req.Version)
		case "approve":
			c, err = s.cfg.Publish.Approve(ctx, actor, id, req.Version, req.Note)
		default:
			err = s.cfg.Publish.Reject(ctx, actor, id, req.Version, req.Note)
		}
		if err != nil {
			if c.Blocked {
				code := rapport.ErrorCode(err)
				writeJSON(w, statusOf(code), map[string]any{
					"error": map[string]string{"code": code, "message": rapport.ErrorMessage(err)}, "check": c})
				return
			}
			s.writeError(w, r, err)
			return
		}
		p, err := s.cfg.Store.ScheduledPost(ctx, actor, id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"post": p, "check": c})
	}
}

// CalendarRange parses from and to (RFC 3339 or YYYY-MM-DD) and defaults
// to the 35 days from the start of the current week.
func CalendarRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	parse := func(field, v string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t, nil
		}
		return time.Time{}, rapport.Errorf(rapport.EINVALID, "%s: want a date (YYYY-MM-DD) or an RFC 3339 time", field)
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	start := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // Monday
	end := start.AddDate(0, 0, 35)
	var err error
	if from != "" {
		if start, err = parse("from", from); err != nil {
			return start, end, err
		}
		end = start.AddDate(0, 0, 35)
	}
	if to != "" {
		if end, err = parse("to", to); err != nil {
			return start, end, err
		}
	}
	if !end.After(start) || end.Sub(start) > 366*24*time.Hour {
		return start, end, rapport.Errorf(rapport.EINVALID, "to: must be after from and within a year of it")
	}
	return start, end, nil
}

// handleCalendar serves GET /api/v1/publish/calendar?from=&to=: the posts
// scheduled in the range, in schedule order, with their state.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	from, to, err := CalendarRange(r.URL.Query().Get("from"), r.URL.Query().Get("to"), s.now().UTC())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	posts, err := s.cfg.Store.ScheduledPosts(r.Context(), actor, rapport.PostFilter{From: from, To: to, Limit: 1000})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "posts": nonNilPosts(posts)})
}

func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	rules, err := s.cfg.Store.PhraseRules(r.Context(), actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rules)
}

func (s *Server) handleRulesSave(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var rules rapport.PhraseRules
	if err := decodeJSON(r, &rules); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.cfg.Store.SetPhraseRules(r.Context(), actor, rules); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.handleRules(w, r)
}
