package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/auth"
)

type csrfKey struct{}

// StatusOf is the HTTP status of err, for pages that answer errors
// themselves; the mapping stays in this package.
func StatusOf(err error) int { return statusOf(rapport.ErrorCode(err)) }

// CSRFFrom returns the CSRF token of the session a page request came with,
// for the page to put in its forms and fetch headers.
func CSRFFrom(ctx context.Context) string {
	v, _ := ctx.Value(csrfKey{}).(string)
	return v
}

// pageAuthn authenticates a dashboard page like an API route, but sends a
// browser without a session to the login page instead of answering 401,
// and hands the page its session's CSRF token.
func (s *Server) pageAuthn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.authenticate(r)
		if err != nil {
			if rapport.ErrorCode(err) == rapport.EUNAUTHORIZED && r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.writeError(w, r, err)
			return
		}
		ctx := WithActor(r.Context(), actor)
		if c, err := r.Cookie(SessionCookie); err == nil {
			if sess, err := s.cfg.Store.SessionByHash(ctx, auth.HashSecret(c.Value)); err == nil {
				ctx = context.WithValue(ctx, csrfKey{}, sess.CSRF)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
