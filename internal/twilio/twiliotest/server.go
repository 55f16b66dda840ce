// Package twiliotest is a stand-in for the Twilio Programmable Messaging
// API, for tests. It is not Twilio: it was written from Twilio's published
// documentation (the Message resource, "Track the Message Status of
// Outbound Messages", "Webhooks security", "Test credentials" and the
// Advanced Opt-Out keywords) and reproduces the behaviour Rapport relies
// on:
//
//   - POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic
//     auth (AccountSid:AuthToken), form-encoded To, From or
//     MessagingServiceSid, Body and StatusCallback; answers 201 with the
//     Message resource as JSON (sid "SM" + 32 hex digits, status "queued",
//     or "accepted" with a messaging service), or an error JSON
//     {code, message, more_info, status};
//   - GET .../Messages/{Sid}.json;
//   - the magic numbers of Twilio's test credentials (To +15005550001
//     invalid → 21211, …0002 → 21612, …0003 → 21408, …0004 → 21610,
//     …0009 → 21614; From +15005550001 → 21212, …0007 → 21606, …0008 →
//     21611);
//   - status callbacks, signed with X-Twilio-Signature like Twilio's: "sent"
//     and then "delivered", or "undelivered" with ErrorCode 30003 for
//     numbers listed in Undeliverable;
//   - inbound messages posted to a webhook URL, signed the same way, with
//     Advanced Opt-Out: after STOP (STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
//     OPTOUT, REVOKE) from a number, sends to it from that sender fail with
//     21610 until it sends START (YES, UNSTOP);
//   - 429 with Retry-After when scripted with FailNext.
//
// Callbacks are delivered by one goroutine the server owns; Drain waits
// for the pending ones and Close stops it.
package twiliotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport/internal/twilio"
)

// Failure is a scripted error answer for the next send.
type Failure struct {
	Status     int
	Code       int
	Message    string
	RetryAfter string // Retry-After header value, if any
}

// Server is a running stand-in.
type Server struct {
	AccountSID string
	AuthToken  string
	// URL is the base URL to give twilio.NewClient.
	URL string
	// Undeliverable numbers get "undelivered" (30003) instead of
	// "delivered".
	Undeliverable map[string]bool

	ts     *httptest.Server
	hc     *http.Client
	mu     sync.Mutex
	msgs   map[string]*twilio.Message
	order  []string
	optOut map[[2]string]bool // (patient number, our sender) pairs
	fail   []Failure
	calls  []Callback
	queue  chan callback
	wg     sync.WaitGroup // pending callbacks
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
}

// Callback is a status callback the server delivered, and the answer.
type Callback struct {
	URL        string
	Form       url.Values
	StatusCode int
	Err        error
}

type callback struct {
	url  string
	form url.Values
}

// New starts a stand-in for the account; it is closed by t's cleanup.
func New(t interface {
	Cleanup(func())
	Helper()
}, accountSID, authToken string) *Server {
	t.Helper()
	s := &Server{
		AccountSID: accountSID, AuthToken: authToken,
		Undeliverable: map[string]bool{},
		hc:            &http.Client{Timeout: 10 * time.Second},
		msgs:          map[string]*twilio.Message{},
		optOut:        map[[2]string]bool{},
		queue:         make(chan callback, 1024),
		done:          make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	go s.deliver()
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and its callback goroutine.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		return
	default:
	}
	s.mu.Unlock()
	s.ts.Close()
	s.cancel()
	close(s.queue)
	<-s.done
}

// Drain waits until every status callback queued so far was delivered.
func (s *Server) Drain() { s.wg.Wait() }

// FailNext makes the next sends fail with f, in order.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.fail = append(s.fail, f...)
	s.mu.Unlock()
}

// Messages returns the messages created so far, oldest first.
func (s *Server) Messages() []twilio.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]twilio.Message, 0, len(s.order))
	for _, sid := range s.order {
		out = append(out, *s.msgs[sid])
	}
	return out
}

// Callbacks returns the status callbacks delivered so far.
func (s *Server) Callbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Callback(nil), s.calls...)
}

func (s *Server) deliver() {
	defer close(s.done)
	for cb := range s.queue {
		code, err := s.post(s.ctx, cb.url, cb.form)
		s.mu.Lock()
		s.calls = append(s.calls, Callback{URL: cb.url, Form: cb.form, StatusCode: code, Err: err})
		s.mu.Unlock()
		s.wg.Done()
	}
}

// post sends form to webhookURL signed as Twilio signs it.
func (s *Server) post(ctx context.Context, webhookURL string, form url.Values) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("X-Twilio-Signature", twilio.Signature(s.AuthToken, webhookURL, form))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Twilio's default Advanced Opt-Out keywords.
var (
	stopWords  = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true, "OPTOUT": true, "REVOKE": true}
	startWords = map[string]bool{"START": true, "YES": true, "UNSTOP": true}
	helpWords  = map[string]bool{"HELP": true, "INFO": true}
)

// Inbound simulates a patient texting body from the number from to the
// organisation's number to: it posts the inbound webhook to webhookURL,
// signed like Twilio's, and returns the HTTP status the webhook answered.
func (s *Server) Inbound(ctx context.Context, webhookURL, from, to, body string) (int, error) {
	form := url.Values{
		"MessageSid": {newSID("SM")}, "SmsSid": {""}, "SmsMessageSid": {""}, "AccountSid": {s.AccountSID},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"},
		"ApiVersion": {twilio.APIVersion}, "SmsStatus": {"received"},
	}
	form.Set("SmsSid", form.Get("MessageSid"))
	form.Set("SmsMessageSid", form.Get("MessageSid"))
	kw := strings.ToUpper(strings.TrimSpace(body))
	s.mu.Lock()
	switch {
	case stopWords[kw]:
		s.optOut[[2]string{from, to}] = true
		form.Set("OptOutType", "STOP")
	case startWords[kw]:
		delete(s.optOut, [2]string{from, to})
		form.Set("OptOutType", "START")
	case helpWords[kw]:
		form.Set("OptOutType", "HELP")
	}
	s.mu.Unlock()
	return s.post(ctx, webhookURL, form)
}

func newSID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(apiError{Code: code, Message: msg, MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ServeHTTP implements the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := "/" + twilio.APIVersion + "/Accounts/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	account, resource, _ := strings.Cut(rest, "/")
	user, pass, hasAuth := r.BasicAuth()
	if !hasAuth || user != s.AccountSID || pass != s.AuthToken || account != s.AccountSID {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	switch {
	case resource == "Messages.json" && r.Method == http.MethodPost:
		s.create(w, r)
	case strings.HasPrefix(resource, "Messages/") && strings.HasSuffix(resource, ".json") && r.Method == http.MethodGet:
		sid := strings.TrimSuffix(strings.TrimPrefix(resource, "Messages/"), ".json")
		s.mu.Lock()
		m, ok := s.msgs[sid]
		var cp twilio.Message
		if ok {
			cp = *m
		}
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
			return
		}
		writeJSON(w, http.StatusOK, cp)
	default:
		writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

var (
	badTo = map[string]struct {
		code int
		msg  string
	}{
		"+15005550001": {21211, "The 'To' number +15005550001 is not a valid phone number."},
		"+15005550002": {21612, "The 'To' phone number is not currently reachable using the 'From' phone number via SMS."},
		"+15005550003": {21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number."},
		"+15005550004": {21610, "Attempt to send to unsubscribed recipient"},
		"+15005550009": {21614, "'To' number is not a valid mobile number"},
	}
	badFrom = map[string]struct {
		code int
		msg  string
	}{
		"+15005550001": {21212, "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."},
		"+15005550007": {21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account."},
		"+15005550008": {21611, "This 'From' number has exceeded the maximum number of queued messages."},
	}
)

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Could not parse the request body")
		return
	}
	f := r.PostForm
	to, from, svc, body, cb := f.Get("To"), f.Get("From"), f.Get("MessagingServiceSid"), f.Get("Body"), f.Get("StatusCallback")
	s.mu.Lock()
	if len(s.fail) > 0 {
		fl := s.fail[0]
		s.fail = s.fail[1:]
		s.mu.Unlock()
		if fl.RetryAfter != "" {
			w.Header().Set("Retry-After", fl.RetryAfter)
		}
		writeError(w, fl.Status, fl.Code, fl.Message)
		return
	}
	s.mu.Unlock()
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case from == "" && svc == "":
		writeError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case body == "":
		writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case len([]rune(body)) > 1600:
		writeError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	if e, ok := badTo[to]; ok {
		writeError(w, http.StatusBadRequest, e.code, e.msg)
		return
	}
	if e, ok := badFrom[from]; ok {
		writeError(w, http.StatusBadRequest, e.code, e.msg)
		return
	}
	if !strings.HasPrefix(to, "+") || len(to) < 8 {
		writeError(w, http.StatusBadRequest, 21211, "The 'To' number "+to+" is not a valid phone number.")
		return
	}
	sender := from
	if sender == "" {
		sender = svc
	}
	now := time.Now().UTC().Format(time.RFC1123Z)
	m := &twilio.Message{
		SID: newSID("SM"), AccountSID: s.AccountSID, To: to, Body: body, Status: twilio.StatusQueued,
		NumSegments: "1", Direction: "outbound-api", APIVersion: twilio.APIVersion, DateCreated: now, DateUpdated: now, PriceUnit: "USD",
	}
	if n := len([]rune(body)); n > 160 {
		m.NumSegments = strconv.Itoa((n + 152) / 153)
	}
	if from != "" {
		m.From = &from
	}
	if svc != "" {
		m.MessagingServiceSID = &svc
		if from == "" {
			m.Status = twilio.StatusAccepted
		}
	}
	m.URI = "/" + twilio.APIVersion + "/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json"
	s.mu.Lock()
	if s.optOut[[2]string{to, sender}] {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 21610, "Attempt to send to unsubscribed recipient")
		return
	}
	s.msgs[m.SID] = m
	s.order = append(s.order, m.SID)
	resp := *m
	final, code := twilio.StatusDelivered, 0
	if s.Undeliverable[to] {
		final, code = twilio.StatusUndelivered, 30003
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
	// Later status changes, in order, through the callback goroutine.
	for _, st := range []twilio.Status{twilio.StatusSent, final} {
		s.setStatus(m.SID, st, code)
		if cb == "" {
			continue
		}
		form := url.Values{
			"AccountSid": {s.AccountSID}, "ApiVersion": {twilio.APIVersion}, "MessageSid": {m.SID}, "SmsSid": {m.SID},
			"MessageStatus": {string(st)}, "SmsStatus": {string(st)}, "To": {to},
		}
		if from != "" {
			form.Set("From", from)
		}
		if svc != "" {
			form.Set("MessagingServiceSid", svc)
		}
		if st == twilio.StatusUndelivered {
			form.Set("ErrorCode", strconv.Itoa(code))
		}
		if st.Final() {
			form.Set("RawDlrDoneDate", time.Now().UTC().Format("0601021504"))
		}
		s.wg.Add(1)
		s.queue <- callback{url: cb, form: form}
	}
}

func (s *Server) setStatus(sid string, st twilio.Status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgs[sid]
	m.Status = st
	if code != 0 && st.Final() {
		m.ErrorCode = &code
		msg := "Unreachable destination handset"
		m.ErrorMessage = &msg
	}
}
