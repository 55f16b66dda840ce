package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// DefaultBaseURL is Twilio's REST API.
const DefaultBaseURL = "https://api.twilio.com"

// APIVersion is the version segment of the Messaging API paths.
const APIVersion = "2010-04-01"

// Client sends messages through one Twilio account. It is safe for
// concurrent use.
type Client struct {
	baseURL    string
	accountSID string
	authToken  string
	hc         *http.Client
	// MaxRetryWait is the longest Retry-After the client waits out itself
	// when Twilio answers 429; longer waits are returned to the caller as
	// a transient *APIError. Zero means 5 s.
	MaxRetryWait time.Duration
}

// NewClient returns a client for the account at baseURL (DefaultBaseURL
// in production, a twiliotest server in tests). hc may be nil.
func NewClient(baseURL, accountSID, authToken string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), accountSID: accountSID, authToken: authToken, hc: hc}
}

// SendParams are the parameters of a new message. To and Body are
// required, and one of From and MessagingServiceSID.
type SendParams struct {
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	// StatusCallback is the URL Twilio POSTs status changes to.
	StatusCallback string
}

// Message is Twilio's Message resource (the fields Rapport uses).
type Message struct {
	SID                 string  `json:"sid"`
	AccountSID          string  `json:"account_sid"`
	MessagingServiceSID *string `json:"messaging_service_sid"`
	From                *string `json:"from"`
	To                  string  `json:"to"`
	Body                string  `json:"body"`
	Status              Status  `json:"status"`
	NumSegments         string  `json:"num_segments"`
	Direction           string  `json:"direction"`
	APIVersion          string  `json:"api_version"`
	DateCreated         string  `json:"date_created"` // RFC 2822, as Twilio writes it
	DateUpdated         string  `json:"date_updated"`
	DateSent            *string `json:"date_sent"`
	ErrorCode           *int    `json:"error_code"`
	ErrorMessage        *string `json:"error_message"`
	Price               *string `json:"price"`
	PriceUnit           string  `json:"price_unit"`
	URI                 string  `json:"uri"`
}

// APIError is an error answer from Twilio: its HTTP status and the JSON
// body's code, message and more_info.
type APIError struct {
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	// RetryAfter is the wait Twilio asked for with a 429, if any.
	RetryAfter time.Duration `json:"-"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("twilio: HTTP %d, error %d: %s", e.Status, e.Code, e.Message)
}

// Temporary reports an answer worth retrying later: 429 Too Many
// Requests, 503 and other 5xx. (A 5xx may come after Twilio accepted the
// message: the Messages API has no idempotency key, so a retry can
// duplicate; the delivery queue decides.)
func (e *APIError) Temporary() bool { return e.Status == http.StatusTooManyRequests || e.Status >= 500 }

// Unsubscribed reports Twilio's 21610: the recipient replied STOP to this
// sender, so nothing more may be sent until they reply START.
func (e *APIError) Unsubscribed() bool { return e.Code == 21610 }

// IsTransient reports whether a send that failed with err may succeed
// later: a temporary *APIError, a network error or a timeout.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	var re *rapport.Error
	if errors.As(err, &re) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// Send creates a message. A 429 with a short Retry-After is waited out
// and retried (at most 3 times); other errors are returned as they are.
func (c *Client) Send(ctx context.Context, p SendParams) (*Message, error) {
	if p.To == "" || p.Body == "" || (p.From == "" && p.MessagingServiceSID == "") {
		return nil, rapport.Errorf(rapport.EINVALID, "twilio: To, Body and From or MessagingServiceSid are required")
	}
	form := url.Values{"To": {p.To}, "Body": {p.Body}}
	if p.From != "" {
		form.Set("From", p.From)
	}
	if p.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", p.MessagingServiceSID)
	}
	if p.StatusCallback != "" {
		form.Set("StatusCallback", p.StatusCallback)
	}
	maxWait := c.MaxRetryWait
	if maxWait == 0 {
		maxWait = 5 * time.Second
	}
	endpoint := c.baseURL + "/" + APIVersion + "/Accounts/" + url.PathEscape(c.accountSID) + "/Messages.json"
	for attempt := 0; ; attempt++ {
		var m Message
		err := c.do(ctx, http.MethodPost, endpoint, form, &m)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests && attempt < 3 && ae.RetryAfter <= maxWait {
			wait := max(ae.RetryAfter, 100*time.Millisecond)
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return nil, errors.Join(ctx.Err(), err)
			}
		}
		if err != nil {
			return nil, err
		}
		return &m, nil
	}
}

// Fetch reads a message by SID.
func (c *Client) Fetch(ctx context.Context, sid string) (*Message, error) {
	var m Message
	endpoint := c.baseURL + "/" + APIVersion + "/Accounts/" + url.PathEscape(c.accountSID) + "/Messages/" + url.PathEscape(sid) + ".json"
	if err := c.do(ctx, http.MethodGet, endpoint, nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func (c *Client) do(ctx context.Context, method, endpoint string, form url.Values, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return &rapport.Error{Code: rapport.EINVALID, Message: "twilio: bad request URL", Err: err}
	}
	req.SetBasicAuth(c.accountSID, c.authToken)
	req.Header.Set("Accept", "application/json")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("twilio %s: %w", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("twilio %s: read answer: %w", method, err)
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{}
		if json.Unmarshal(b, ae) != nil || ae.Code == 0 && ae.Message == "" {
			ae.Message = http.StatusText(resp.StatusCode)
		}
		ae.Status = resp.StatusCode
		ae.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		return ae
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("twilio %s: decode answer: %w", method, err)
	}
	return nil
}

// retryAfter parses a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
