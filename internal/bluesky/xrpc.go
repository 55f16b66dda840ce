package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
)

// Error codes this package adds to rapport's. The root package has no code
// for these yet.
const (
	// EUNSUPPORTED: the account or service cannot do what was asked.
	EUNSUPPORTED = "unsupported"
	// ERATELIMITED: the service asked us to wait longer than we may.
	ERATELIMITED = "rate_limited"
)

// maxResponse bounds how much of a response body is read.
const maxResponse = 8 << 20

// XRPCError is an error answer from an XRPC service: the HTTP status and the
// lexicon's error name and message. It is the cause inside a *rapport.Error.
type XRPCError struct {
	NSID    string
	Status  int
	Name    string // e.g. ExpiredToken, InvalidRequest, RecordNotFound
	Message string
	// RetryAfter is when the service said to retry (429), or zero.
	RetryAfter time.Time
}

func (e *XRPCError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.NSID, e.Status)
	if e.Name != "" {
		s += " " + e.Name
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// appError wraps an XRPC failure in a *rapport.Error with a user-safe message.
func appError(what string, err error) error {
	if err == nil {
		return nil
	}
	var ae *rapport.Error
	if errors.As(err, &ae) {
		return err
	}
	var xe *XRPCError
	if !errors.As(err, &xe) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "Bluesky could not be reached to " + what, Err: err}
	}
	code := rapport.EINTERNAL
	msg := "Bluesky failed to " + what
	switch {
	case xe.Status == http.StatusTooManyRequests:
		code, msg = ERATELIMITED, "Bluesky rate limit reached; try again later"
	case xe.Name == "ExpiredToken" || xe.Name == "InvalidToken" || xe.Name == "AuthenticationRequired" || xe.Status == http.StatusUnauthorized:
		code, msg = rapport.EUNAUTHORIZED, "Bluesky rejected the account's credentials; reconnect the account with a new app password"
	case xe.Name == "AccountTakedown" || xe.Status == http.StatusForbidden:
		code, msg = rapport.EFORBIDDEN, "Bluesky refused to "+what
	case xe.Name == "RecordNotFound" || xe.Name == "NotFound" || xe.Status == http.StatusNotFound:
		code, msg = rapport.ENOTFOUND, "Bluesky could not find what is needed to "+what
	case xe.Status == http.StatusNotImplemented:
		code, msg = EUNSUPPORTED, "this Bluesky service cannot "+what
	case xe.Status == http.StatusBadRequest:
		code, msg = rapport.EINVALID, "Bluesky rejected the request to "+what
	}
	return &rapport.Error{Code: code, Message: msg, Err: err}
}

// rateLimit is what the last response said about the rate limit.
type rateLimit struct {
	mu        sync.Mutex
	remaining int // -1 when unknown
	reset     time.Time
}

// xrpc calls one XRPC service, waiting out rate limits within maxWait.
type xrpc struct {
	base    string // service base URL, no trailing slash
	http    *http.Client
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	maxWait time.Duration
	limit   rateLimit
}

// request is one XRPC call.
type request struct {
	method string
	nsid   string
	query  url.Values
	body   any
	auth   string // bearer token, or ""
	proxy  string // atproto-proxy header, or ""
}

func newXRPC(base string, hc *http.Client, now func() time.Time, maxWait time.Duration) *xrpc {
	return &xrpc{
		base:    strings.TrimRight(base, "/"),
		http:    hc,
		now:     now,
		sleep:   sleepCtx,
		maxWait: maxWait,
		limit:   rateLimit{remaining: -1},
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do performs r and decodes a 200 answer into out (when not nil). A 429 is
// retried once after the wait the service asked for, when that wait is
// within maxWait.
func (c *xrpc) do(ctx context.Context, r request, out any) error {
	if err := c.waitForBudget(ctx, r.nsid); err != nil {
		return err
	}
	err := c.once(ctx, r, out)
	var xe *XRPCError
	if errors.As(err, &xe) && xe.Status == http.StatusTooManyRequests {
		wait := c.maxWait
		if !xe.RetryAfter.IsZero() {
			wait = xe.RetryAfter.Sub(c.now())
		}
		if wait > c.maxWait {
			return err
		}
		if wait > 0 {
			if serr := c.sleep(ctx, wait); serr != nil {
				return serr
			}
		}
		return c.once(ctx, r, out)
	}
	return err
}

// waitForBudget waits until the reset time when the last response said no
// requests remain, or fails at once when that is further than maxWait.
func (c *xrpc) waitForBudget(ctx context.Context, nsid string) error {
	c.limit.mu.Lock()
	remaining, reset := c.limit.remaining, c.limit.reset
	c.limit.mu.Unlock()
	if remaining != 0 || reset.IsZero() {
		return nil
	}
	wait := reset.Sub(c.now())
	if wait <= 0 {
		return nil
	}
	if wait > c.maxWait {
		return &XRPCError{NSID: nsid, Status: http.StatusTooManyRequests, Name: "RateLimitExceeded",
			Message: fmt.Sprintf("no requests left until %s", reset.UTC().Format(time.RFC3339)), RetryAfter: reset}
	}
	return c.sleep(ctx, wait)
}

func (c *xrpc) once(ctx context.Context, r request, out any) error {
	u := c.base + "/xrpc/" + r.nsid
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", r.nsid, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return fmt.Errorf("%s: %w", r.nsid, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.auth != "" {
		req.Header.Set("Authorization", "Bearer "+r.auth)
	}
	if r.proxy != "" {
		req.Header.Set("Atproto-Proxy", r.proxy)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", r.nsid, err)
	}
	defer resp.Body.Close()
	c.noteLimits(resp.Header)
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%s: read response: %w", r.nsid, err)
	}
	if resp.StatusCode != http.StatusOK {
		xe := &XRPCError{NSID: r.nsid, Status: resp.StatusCode}
		var eb struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &eb) == nil {
			xe.Name, xe.Message = eb.Error, eb.Message
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			xe.RetryAfter = c.retryAfter(resp.Header)
		}
		return xe
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decode response: %w", r.nsid, err)
	}
	return nil
}

// noteLimits records RateLimit-Remaining and RateLimit-Reset (Unix seconds,
// as Bluesky sends them). Absent or malformed headers leave what we knew.
func (c *xrpc) noteLimits(h http.Header) {
	rem, err1 := strconv.Atoi(strings.TrimSpace(h.Get("RateLimit-Remaining")))
	reset, err2 := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64)
	if err1 != nil || err2 != nil || rem < 0 || reset <= 0 {
		return
	}
	c.limit.mu.Lock()
	c.limit.remaining, c.limit.reset = rem, time.Unix(reset, 0)
	c.limit.mu.Unlock()
}

// retryAfter reads when to retry a 429: RateLimit-Reset, else Retry-After
// (seconds or an HTTP date), else zero.
func (c *xrpc) retryAfter(h http.Header) time.Time {
	if reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64); err == nil && reset > 0 {
		return time.Unix(reset, 0)
	}
	ra := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
		return c.now().Add(time.Duration(secs) * time.Second)
	}
	if t, err := http.ParseTime(ra); err == nil {
		return t
	}
	return time.Time{}
}
