package bluesky

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/rapport-health/rapport"
)

// Session is a logged-in Bluesky session. Tokens are secrets: a
// SessionStore must keep them encrypted at rest.
type Session struct {
	DID        string
	Handle     string
	AccessJWT  string
	RefreshJWT string
}

// LogValue keeps tokens out of logs.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("did", s.DID), slog.String("handle", s.Handle))
}

// valid reports whether s has everything a call needs.
func (s Session) valid() bool {
	return s.DID != "" && s.AccessJWT != "" && s.RefreshJWT != ""
}

// SessionStore persists a connected account's session between runs. Load
// returns an error with code rapport.ENOTFOUND when nothing is stored.
// Connector only ever saves complete sessions.
type SessionStore interface {
	LoadSession(ctx context.Context, accountID string) (Session, error)
	SaveSession(ctx context.Context, accountID string, s Session) error
}

// sessionWire is the JSON of createSession and refreshSession answers.
type sessionWire struct {
	DID        string `json:"did"`
	Handle     string `json:"handle"`
	AccessJWT  string `json:"accessJwt"`
	RefreshJWT string `json:"refreshJwt"`
}

// session returns the current session, loading it from the store or
// logging in with the app password when there is none.
func (c *Connector) session(ctx context.Context) (Session, error) {
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s.valid() {
		return s, nil
	}
	if c.cfg.Sessions != nil {
		stored, err := c.cfg.Sessions.LoadSession(ctx, c.cfg.AccountID)
		switch {
		case err == nil && stored.valid():
			c.setSession(stored)
			return stored, nil
		case err != nil && rapport.ErrorCode(err) != rapport.ENOTFOUND:
			return Session{}, fmt.Errorf("load bluesky session: %w", err)
		}
	}
	return c.login(ctx)
}

// login creates a session with the app password.
func (c *Connector) login(ctx context.Context) (Session, error) {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	var w sessionWire
	err := c.pds.do(ctx, request{
		method: http.MethodPost,
		nsid:   "com.atproto.server.createSession",
		body:   map[string]string{"identifier": c.cfg.Identifier, "password": c.cfg.AppPassword},
	}, &w)
	if err != nil {
		var xe *XRPCError
		if errors.As(err, &xe) && (xe.Status == http.StatusUnauthorized || xe.Name == "AuthenticationRequired") {
			c.log.Warn("bluesky login rejected", "account_id", c.cfg.AccountID, "error", err)
			return Session{}, &rapport.Error{Code: rapport.EUNAUTHORIZED,
				Message: "Bluesky rejected the account's app password; reconnect the account", Err: err}
		}
		return Session{}, appError("log in", err)
	}
	s := Session{DID: w.DID, Handle: w.Handle, AccessJWT: w.AccessJWT, RefreshJWT: w.RefreshJWT}
	if !s.valid() {
		return Session{}, &rapport.Error{Code: rapport.EINTERNAL, Message: "Bluesky returned an incomplete session",
			Err: errors.New("createSession answer lacks did or tokens")}
	}
	if err := c.keep(ctx, s); err != nil {
		return Session{}, err
	}
	return s, nil
}

// refresh exchanges the refresh token for new tokens. An answer without
// both tokens is an error and changes nothing: a stored token is never
// replaced by an empty one. When the refresh token itself is dead it logs in
// again with the app password.
func (c *Connector) refresh(ctx context.Context, old Session) (Session, error) {
	c.loginMu.Lock()
	c.mu.Lock()
	cur := c.sess
	c.mu.Unlock()
	if cur.valid() && cur.AccessJWT != old.AccessJWT {
		c.loginMu.Unlock()
		return cur, nil // another call refreshed it meanwhile
	}
	var w sessionWire
	err := c.pds.do(ctx, request{
		method: http.MethodPost,
		nsid:   "com.atproto.server.refreshSession",
		auth:   old.RefreshJWT,
	}, &w)
	c.loginMu.Unlock()
	if err != nil {
		var xe *XRPCError
		if errors.As(err, &xe) && (xe.Name == "ExpiredToken" || xe.Name == "InvalidToken" || xe.Status == http.StatusUnauthorized) {
			c.log.Info("bluesky refresh token rejected; logging in again", "account_id", c.cfg.AccountID)
			return c.login(ctx)
		}
		return Session{}, appError("refresh the session", err)
	}
	if w.AccessJWT == "" || w.RefreshJWT == "" {
		c.log.Error("bluesky refresh returned empty tokens; keeping the stored session", "account_id", c.cfg.AccountID)
		return Session{}, &rapport.Error{Code: rapport.EINTERNAL, Message: "Bluesky returned an incomplete session",
			Err: errors.New("refreshSession answer lacks tokens")}
	}
	s := Session{DID: old.DID, Handle: old.Handle, AccessJWT: w.AccessJWT, RefreshJWT: w.RefreshJWT}
	if w.DID != "" {
		s.DID = w.DID
	}
	if w.Handle != "" {
		s.Handle = w.Handle
	}
	if err := c.keep(ctx, s); err != nil {
		return Session{}, err
	}
	return s, nil
}

// keep makes s current and saves it; s must be valid.
func (c *Connector) keep(ctx context.Context, s Session) error {
	if !s.valid() {
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "Bluesky returned an incomplete session"}
	}
	c.setSession(s)
	if c.cfg.Sessions != nil {
		if err := c.cfg.Sessions.SaveSession(ctx, c.cfg.AccountID, s); err != nil {
			c.log.Error("save bluesky session", "account_id", c.cfg.AccountID, "error", err)
			return fmt.Errorf("save bluesky session: %w", err)
		}
	}
	return nil
}

func (c *Connector) setSession(s Session) {
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
}

// authed performs r with the session's access token, refreshing once when
// the token has expired.
func (c *Connector) authed(ctx context.Context, what string, r request, out any) error {
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	r.auth = s.AccessJWT
	err = c.pds.do(ctx, r, out)
	var xe *XRPCError
	if errors.As(err, &xe) && (xe.Name == "ExpiredToken" || xe.Name == "InvalidToken" || xe.Status == http.StatusUnauthorized) {
		s, err = c.refresh(ctx, s)
		if err != nil {
			return err
		}
		r.auth = s.AccessJWT
		err = c.pds.do(ctx, r, out)
	}
	return appError(what, err)
}
