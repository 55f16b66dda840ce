package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
)

var _ rapport.Connector = (*Client)(nil)

// ErrRateLimited is the cause of the error returned when the server still
// answers 429 after every retry.
var ErrRateLimited = errors.New("mastodon: rate limited")

// Defaults.
const (
	DefaultPageSize   = 40 // Mastodon's default and GoToSocial's maximum for notifications
	DefaultMaxPages   = 10
	DefaultMaxRetries = 3
	maxBody           = 4 << 20
	maxBackoff        = 5 * time.Minute
)

// Config configures a Client.
type Config struct {
	// Server is the instance's base URL, e.g. https://mastodon.social.
	Server string
	// StreamingURL is the base URL of the streaming API when the instance
	// serves it elsewhere (see urls.streaming_api in GET /api/v1/instance);
	// empty means Server.
	StreamingURL string
	// Token is the OAuth access token of the connected account, with the
	// scopes read:notifications, read:accounts and write:statuses.
	Token string
	// Visibility of published posts: public (default), unlisted or private.
	Visibility string
	// PageSize and MaxPages bound one Fetch: at most MaxPages requests of
	// PageSize notifications. The returned cursor resumes where it stopped.
	PageSize int
	MaxPages int
	// MaxRetries is how many times a request answered 429, 502, 503 or 504
	// is retried after backing off.
	MaxRetries int
	// HTTPClient defaults to a client with a 30 s timeout. Streaming uses
	// StreamClient (default: no timeout, the context ends the stream).
	HTTPClient   *http.Client
	StreamClient *http.Client
	// Now and Sleep let tests control time; they default to time.Now and a
	// context-aware timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is one connected Mastodon account. It is safe for concurrent use.
type Client struct {
	cfg    Config
	base   *url.URL
	stream *url.URL

	mu        sync.Mutex
	self      *Account // cached verify_credentials
	remaining int      // -1 when unknown
	reset     time.Time
}

// New validates cfg and returns a Client. It does no I/O.
func New(cfg Config) (*Client, error) {
	base, err := parseBase("server", cfg.Server)
	if err != nil {
		return nil, err
	}
	stream := base
	if cfg.StreamingURL != "" {
		if stream, err = parseBase("streaming URL", cfg.StreamingURL); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "mastodon token: required")
	}
	switch cfg.Visibility {
	case "":
		cfg.Visibility = "public"
	case "public", "unlisted", "private":
	default:
		return nil, rapport.Errorf(rapport.EINVALID, "mastodon visibility %q: want public, unlisted or private", cfg.Visibility)
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	} else if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.StreamClient == nil {
		cfg.StreamClient = &http.Client{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return &Client{cfg: cfg, base: base, stream: stream, remaining: -1}, nil
}

func parseBase(field, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "mastodon %s %q: want an http(s) URL", field, raw)
	}
	return u, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Network names the network.
func (c *Client) Network() rapport.Network { return rapport.NetworkMastodon }

// Account returns the connected account (GET /api/v1/accounts/verify_credentials),
// cached after the first call.
func (c *Client) Account(ctx context.Context) (Account, error) {
	c.mu.Lock()
	self := c.self
	c.mu.Unlock()
	if self != nil {
		return *self, nil
	}
	var a Account
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil, "", &a); err != nil {
		return Account{}, err
	}
	c.mu.Lock()
	c.self = &a
	c.mu.Unlock()
	return a, nil
}

// Metrics reads the account's counts from verify_credentials (uncached).
func (c *Client) Metrics(ctx context.Context) (rapport.AccountMetrics, error) {
	var a Account
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil, "", &a); err != nil {
		return rapport.AccountMetrics{}, err
	}
	c.mu.Lock()
	c.self = &a
	c.mu.Unlock()
	return rapport.AccountMetrics{Followers: a.FollowersCount, Following: a.FollowingCount, Posts: a.StatusesCount, At: c.cfg.Now()}, nil
}

// Fetch returns the mentions (public or direct) newer than cursor, oldest
// first, and the cursor for the next call: the id of the newest
// notification seen, taken from the Link rel="prev" header as Mastodon
// documents. An empty cursor returns the most recent page only (or, when
// there is none, the cursor "0" so that the next call misses nothing).
func (c *Client) Fetch(ctx context.Context, cursor string) ([]rapport.SocialItem, string, error) {
	self, err := c.Account(ctx)
	if err != nil {
		return nil, cursor, err
	}
	var items []rapport.SocialItem
	next := cursor
	for page := 0; page < c.cfg.MaxPages; page++ {
		q := url.Values{"types[]": {"mention"}, "limit": {strconv.Itoa(c.cfg.PageSize)}}
		if next != "" {
			// min_id returns the page immediately newer than the cursor,
			// so paging forward never skips items (since_id would return
			// the newest page and leave a gap).
			q.Set("min_id", next)
		}
		var notes []Notification
		h, err := c.call(ctx, http.MethodGet, "/api/v1/notifications", q, nil, "", &notes)
		if err != nil {
			return items, next, err
		}
		if len(notes) == 0 {
			if next == "" {
				// No mentions yet: start the next call from the very
				// first one, whatever arrives meanwhile.
				next = "0"
			}
			break
		}
		newest := next
		for _, n := range notes {
			if idLess(newest, n.ID) {
				newest = n.ID
			}
		}
		if p := linkParams(h.Get("Link"), "prev"); p.Get("min_id") != "" && !idLess(p.Get("min_id"), newest) {
			newest = p.Get("min_id")
		}
		// Notifications arrive newest first; the inbox wants arrival order.
		slices.SortFunc(notes, func(a, b Notification) int { return idCompare(a.ID, b.ID) })
		for _, n := range notes {
			if it, ok := itemFromNotification(self, n); ok {
				items = append(items, it)
			}
		}
		next = newest
		if cursor == "" || len(notes) < c.cfg.PageSize {
			break // first run: the most recent page only; or caught up
		}
	}
	return items, next, nil
}

// idCompare orders Mastodon ids: numeric strings (Mastodon's snowflakes)
// by length then bytes, which also orders GoToSocial's fixed-length ULIDs.
func idCompare(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func idLess(a, b string) bool { return idCompare(a, b) < 0 }

func itemFromNotification(self Account, n Notification) (rapport.SocialItem, bool) {
	if n.Type != "mention" || n.Status == nil {
		return rapport.SocialItem{}, false
	}
	return itemFromStatus(self, *n.Status), true
}

func itemFromStatus(self Account, s Status) rapport.SocialItem {
	it := rapport.SocialItem{
		Network:      rapport.NetworkMastodon,
		AccountID:    self.ID,
		NetworkID:    s.ID,
		Kind:         rapport.KindMention,
		AuthorID:     s.Account.ID,
		AuthorHandle: s.Account.Acct,
		AuthorName:   s.Account.DisplayName,
		Text:         PlainText(s.Content),
		URL:          s.URL,
		CreatedAt:    s.CreatedAt,
	}
	if s.SpoilerText != "" {
		it.Text = s.SpoilerText + "\n\n" + it.Text
	}
	if it.URL == "" {
		it.URL = s.URI
	}
	if s.InReplyToID != nil && *s.InReplyToID != "" {
		it.ParentID = *s.InReplyToID
		it.Kind = rapport.KindReply
	}
	if s.Visibility == "direct" || s.Visibility == "private" {
		it.Private = s.Visibility == "direct"
		if it.Private {
			it.Kind = rapport.KindDM
		}
	}
	return it
}

// Publish posts a status with the configured visibility, as a reply when
// p.InReplyTo is set. p.IdempotencyKey is sent as the Idempotency-Key
// header: Mastodon returns the first status for a repeated key (for an
// hour), so a retry never posts twice. The text is posted as given; a
// reply that should notify its author must contain the author's @handle.
func (c *Client) Publish(ctx context.Context, p rapport.Post) (rapport.PostRef, error) {
	return c.postStatus(ctx, p.Text, c.cfg.Visibility, p.InReplyTo, p.IdempotencyKey)
}

// SendDM sends a direct message (a status with visibility=direct that
// mentions the recipient) to the account with id authorID.
func (c *Client) SendDM(ctx context.Context, authorID, text string) (rapport.PostRef, error) {
	return c.SendDMOnce(ctx, authorID, text, "")
}

// SendDMOnce is SendDM with key sent as the Idempotency-Key header:
// Mastodon answers a repeated key with the first status instead of
// posting again, for DMKeyWindow.
func (c *Client) SendDMOnce(ctx context.Context, authorID, text, key string) (rapport.PostRef, error) {
	if strings.TrimSpace(authorID) == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "mastodon direct message: recipient account id required")
	}
	var a Account
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/accounts/"+url.PathEscape(authorID), nil, nil, "", &a); err != nil {
		return rapport.PostRef{}, err
	}
	return c.postStatus(ctx, "@"+a.Acct+" "+text, "direct", "", key)
}

// DMKeyWindow is how long Mastodon keeps an Idempotency-Key: up to one
// hour, as documented for POST /api/v1/statuses.
func (c *Client) DMKeyWindow() time.Duration { return time.Hour }

var _ rapport.IdempotentDMSender = (*Client)(nil)

func (c *Client) postStatus(ctx context.Context, text, visibility, inReplyTo, key string) (rapport.PostRef, error) {
	if strings.TrimSpace(text) == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "mastodon status: text required")
	}
	form := url.Values{"status": {text}, "visibility": {visibility}}
	if inReplyTo != "" {
		form.Set("in_reply_to_id", inReplyTo)
	}
	var s Status
	if _, err := c.call(ctx, http.MethodPost, "/api/v1/statuses", nil, form, key, &s); err != nil {
		return rapport.PostRef{}, err
	}
	url := s.URL
	if url == "" {
		url = s.URI
	}
	return rapport.PostRef{NetworkID: s.ID, URL: url}, nil
}

// call sends one API request, waiting out an exhausted rate limit first and
// retrying 429 and gateway errors with backoff, and decodes a 2xx JSON body
// into out.
func (c *Client) call(ctx context.Context, method, path string, q, form url.Values, idemKey string, out any) (http.Header, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	for attempt := 0; ; attempt++ {
		if err := c.waitForBudget(ctx); err != nil {
			return nil, err
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
		if err != nil {
			return nil, fmt.Errorf("mastodon %s %s: %w", method, path, err)
		}
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
		req.Header.Set("Accept", "application/json")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		resp, err := c.cfg.HTTPClient.Do(req)
		if err != nil {
			return nil, &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon server unreachable", Err: fmt.Errorf("%s %s: %w", method, path, err)}
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		c.noteRateLimit(resp.Header)
		if err != nil {
			return nil, &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon response unreadable", Err: fmt.Errorf("%s %s: %w", method, path, err)}
		}
		if len(data) > maxBody {
			return nil, &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon response too large", Err: fmt.Errorf("%s %s: body over %d bytes", method, path, maxBody)}
		}
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusBadGateway ||
			resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
		if retryable && attempt < c.cfg.MaxRetries {
			if err := c.cfg.Sleep(ctx, c.backoff(resp, attempt)); err != nil {
				return nil, err
			}
			c.mu.Lock()
			c.remaining = -1 // waited already; the retry's answer tells anew
			c.mu.Unlock()
			continue
		}
		if resp.StatusCode/100 != 2 {
			return nil, statusError(method, path, resp.StatusCode, data)
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon response malformed", Err: fmt.Errorf("%s %s: %w", method, path, err)}
			}
		}
		return resp.Header, nil
	}
}

func statusError(method, path string, code int, data []byte) error {
	var ae apiError
	_ = json.Unmarshal(data, &ae) // the body is only a hint for the logs
	cause := fmt.Errorf("%s %s: HTTP %d: %s", method, path, code, strings.TrimSpace(ae.Error+" "+ae.ErrorDescription))
	switch code {
	case http.StatusUnauthorized:
		return &rapport.Error{Code: rapport.EUNAUTHORIZED, Message: "mastodon rejected the access token; reconnect the account", Err: cause}
	case http.StatusForbidden:
		return &rapport.Error{Code: rapport.EFORBIDDEN, Message: "mastodon refused the request (missing scope or suspended account)", Err: cause}
	case http.StatusNotFound:
		return &rapport.Error{Code: rapport.ENOTFOUND, Message: "mastodon could not find the status or account", Err: cause}
	case http.StatusUnprocessableEntity:
		return &rapport.Error{Code: rapport.EINVALID, Message: "mastodon refused the status (too long, or invalid)", Err: cause}
	case http.StatusTooManyRequests:
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon rate limit reached; retry later", Err: fmt.Errorf("%w: %w", ErrRateLimited, cause)}
	}
	return &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon server error", Err: cause}
}

// noteRateLimit records X-RateLimit-Remaining and X-RateLimit-Reset.
func (c *Client) noteRateLimit(h http.Header) {
	rem, err := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err != nil {
		return
	}
	reset, err := time.Parse(time.RFC3339Nano, h.Get("X-RateLimit-Reset"))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remaining = rem
	if err == nil {
		c.reset = reset
	}
}

// waitForBudget sleeps until the reset time when the last response said no
// requests remain, so the client does not spend a request on a certain 429.
func (c *Client) waitForBudget(ctx context.Context) error {
	c.mu.Lock()
	rem, reset := c.remaining, c.reset
	c.mu.Unlock()
	if rem != 0 {
		return nil
	}
	if d := reset.Sub(c.cfg.Now()); d > 0 {
		if err := c.cfg.Sleep(ctx, min(d, maxBackoff)); err != nil {
			return err
		}
	}
	c.mu.Lock()
	if c.remaining == 0 {
		c.remaining = -1 // unknown until the next response
	}
	c.mu.Unlock()
	return nil
}

// backoff is how long to wait before retrying: Retry-After if given, else
// until X-RateLimit-Reset, else exponential from one second; capped.
func (c *Client) backoff(resp *http.Response, attempt int) time.Duration {
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, maxBackoff)
	}
	if t, err := time.Parse(time.RFC3339Nano, resp.Header.Get("X-RateLimit-Reset")); err == nil {
		if d := t.Sub(c.cfg.Now()); d > 0 {
			return min(d, maxBackoff)
		}
	}
	return min(time.Second<<attempt, maxBackoff)
}
