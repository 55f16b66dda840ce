package httpapi

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/auth"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "rapport_session"

type actorKey struct{}

// ActorFrom returns the authenticated actor of a request.
func ActorFrom(ctx context.Context) (rapport.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(rapport.Actor)
	return a, ok
}

// WithActor returns ctx carrying actor.
func WithActor(ctx context.Context, a rapport.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authn resolves the actor from an API token (Authorization: Bearer) or a
// session cookie. Cookie-authenticated requests that change state must
// carry the session's CSRF token in X-CSRF-Token (or a csrf_token form
// field); bearer requests are not exposed to CSRF since browsers never add
// the header by themselves.
func (s *Server) authn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.authenticate(r)
		if err != nil {
			if strings.HasPrefix(r.URL.Path, "/fhir/") {
				s.fhirError(w, r, err)
			} else {
				s.writeError(w, r, err)
			}
			return
		}
		next.ServeHTTP(w, r.WithContext(WithActor(r.Context(), actor)))
	})
}

func (s *Server) authenticate(r *http.Request) (rapport.Actor, error) {
	ctx := r.Context()
	unauth := rapport.Errorf(rapport.EUNAUTHORIZED, "authentication required")
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || secret == "" {
			return rapport.Actor{}, unauth
		}
		tok, err := s.cfg.Store.TokenByHash(ctx, auth.HashSecret(strings.TrimSpace(secret)))
		if err != nil {
			if rapport.ErrorCode(err) == rapport.ENOTFOUND {
				return rapport.Actor{}, unauth
			}
			return rapport.Actor{}, err
		}
		if tok.Revoked || (!tok.ExpiresAt.IsZero() && s.now().After(tok.ExpiresAt)) {
			return rapport.Actor{}, unauth
		}
		return rapport.Actor{OrgID: tok.OrgID, Role: tok.Role, TokenID: tok.ID, Name: "token:" + tok.Name, Addr: clientAddr(r)}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return rapport.Actor{}, unauth
	}
	sess, err := s.cfg.Store.SessionByHash(ctx, auth.HashSecret(c.Value))
	if err != nil {
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			return rapport.Actor{}, unauth
		}
		return rapport.Actor{}, err
	}
	if s.now().After(sess.ExpiresAt) {
		return rapport.Actor{}, unauth
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = r.FormValue("csrf_token")
		}
		if !auth.Equal(got, sess.CSRF) {
			return rapport.Actor{}, rapport.Errorf(rapport.EFORBIDDEN, "missing or wrong CSRF token")
		}
	}
	u, err := s.cfg.Store.User(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return rapport.Actor{}, unauth
	}
	return rapport.Actor{OrgID: u.OrgID, Role: u.Role, UserID: u.ID, Name: u.Email, Addr: clientAddr(r)}, nil
}

type loginRequest struct {
	Org      string `json:"org"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// handleLogin checks a password and starts a session. Every attempt is
// audited; a failure says only that the credentials were wrong.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := decodeJSON(r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
	} else {
		req = loginRequest{Org: r.FormValue("org"), Email: r.FormValue("email"), Password: r.FormValue("password")}
	}
	ctx := r.Context()
	bad := rapport.Errorf(rapport.EUNAUTHORIZED, "wrong organisation, email or password")
	org, err := s.cfg.Store.OrgBySlug(ctx, req.Org)
	if err != nil {
		// Spend the same time as a real check so that timing does not
		// reveal which organisations exist.
		auth.CheckPassword(dummyHash, req.Password)
		s.writeError(w, r, bad)
		return
	}
	entry := rapport.AuditEntry{OrgID: org.ID, ActorName: strings.ToLower(strings.TrimSpace(req.Email)), Addr: clientAddr(r),
		Action: rapport.AuditLogin, Entity: "Session", Outcome: rapport.OutcomeDenied}
	u, err := s.cfg.Store.UserByEmail(ctx, org.ID, req.Email)
	if err != nil || u.Disabled || !auth.CheckPassword(u.PasswordHash, req.Password) {
		if err != nil {
			auth.CheckPassword(dummyHash, req.Password)
		}
		if aerr := s.cfg.Store.RecordAudit(ctx, entry); aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
		s.writeError(w, r, bad)
		return
	}
	secret := auth.NewSecret("")
	csrf := auth.NewSecret("")
	sess := &rapport.Session{Hash: auth.HashSecret(secret), UserID: u.ID, OrgID: org.ID, CSRF: csrf, ExpiresAt: s.now().Add(s.cfg.SessionTTL)}
	if err := s.cfg.Store.CreateSession(ctx, sess); err != nil {
		s.writeError(w, r, err)
		return
	}
	entry.Outcome, entry.UserID, entry.ActorRole = rapport.OutcomeOK, u.ID, string(u.Role)
	if err := s.cfg.Store.RecordAudit(ctx, entry); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt})
	writeJSON(w, http.StatusOK, map[string]string{"csrf_token": csrf, "role": string(u.Role), "org": org.Slug})
}

// dummyHash is checked against when there is no user, to even out timing.
const dummyHash = "$argon2id$v=19$m=65536,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$J2xvZ2luLXRpbWluZy1lcXVhbGlzZXItZHVtbXktaGFzaA"

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.cfg.Store.DeleteSession(r.Context(), auth.HashSecret(c.Value)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	e := rapport.AuditEntryFor(actor, rapport.AuditLogout, "Session")
	if err := s.cfg.Store.RecordAudit(r.Context(), e); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	a, _ := ActorFrom(r.Context())
	perms := a.Role.Permissions()
	writeJSON(w, http.StatusOK, map[string]any{"org_id": a.OrgID, "role": a.Role, "name": a.Name, "permissions": perms})
}
