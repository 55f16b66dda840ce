package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-health/rapport"
)

// Signature computes the X-Twilio-Signature of a request to fullURL (as
// Twilio called it, query string included) with POST parameters params:
// base64(HMAC-SHA1(authToken, fullURL + each key and its value, keys in
// byte order, a repeated key's values in byte order)).
func Signature(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	io.WriteString(mac, fullURL)
	for _, k := range keys {
		vs := slices.Clone(params[k])
		slices.Sort(vs)
		for _, v := range vs {
			io.WriteString(mac, k)
			io.WriteString(mac, v)
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether sig is the signature of the request. Like
// Twilio's own libraries it also accepts the URL with the default port
// added or removed, because proxies differ in which one they report.
func ValidSignature(authToken, fullURL string, params url.Values, sig string) bool {
	if authToken == "" || sig == "" {
		return false
	}
	for _, u := range urlVariants(fullURL) {
		if hmac.Equal([]byte(Signature(authToken, u, params)), []byte(sig)) {
			return true
		}
	}
	return false
}

func urlVariants(raw string) []string {
	out := []string{raw}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return out
	}
	def := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	if def == "" {
		return out
	}
	v := *u
	if u.Port() == "" {
		v.Host = u.Host + ":" + def
	} else if u.Port() == def {
		v.Host = u.Hostname()
	} else {
		return out
	}
	return append(out, v.String())
}

// Webhook verifies the requests Twilio sends to Rapport's webhooks.
type Webhook struct {
	AuthToken string
	// BaseURL is the public scheme and host Twilio calls (e.g.
	// "https://rapport.example.org"), since behind a proxy the request's
	// own Host and scheme are not what Twilio signed.
	BaseURL string
}

// maxForm bounds a webhook body; Twilio's are a few kilobytes.
const maxForm = 64 << 10

// Verify reads r's form and checks its signature. It returns the POST
// parameters, or an error with code EUNAUTHORIZED (bad or missing
// signature) or EINVALID (unreadable form).
func (w Webhook) Verify(r *http.Request) (url.Values, error) {
	if r.Method != http.MethodPost {
		return nil, rapport.Errorf(rapport.EINVALID, "twilio webhook: method %s, want POST", r.Method)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: "twilio webhook: unreadable form", Err: err}
	}
	full := strings.TrimRight(w.BaseURL, "/") + r.URL.RequestURI()
	if !ValidSignature(w.AuthToken, full, r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		return nil, rapport.Errorf(rapport.EUNAUTHORIZED, "twilio webhook: bad or missing X-Twilio-Signature")
	}
	return r.PostForm, nil
}

// Status is a message status.
type Status string

// Message statuses (Twilio's Message resource).
const (
	StatusAccepted        Status = "accepted"
	StatusScheduled       Status = "scheduled"
	StatusQueued          Status = "queued"
	StatusSending         Status = "sending"
	StatusSent            Status = "sent"
	StatusDelivered       Status = "delivered"
	StatusUndelivered     Status = "undelivered"
	StatusFailed          Status = "failed"
	StatusDeliveryUnknown Status = "delivery_unknown"
	StatusReceiving       Status = "receiving"
	StatusReceived        Status = "received"
	StatusRead            Status = "read"
	StatusCanceled        Status = "canceled"
)

var statuses = []Status{StatusAccepted, StatusScheduled, StatusQueued, StatusSending, StatusSent, StatusDelivered,
	StatusUndelivered, StatusFailed, StatusDeliveryUnknown, StatusReceiving, StatusReceived, StatusRead, StatusCanceled}

// Final reports whether no further status will follow.
func (s Status) Final() bool {
	return s == StatusDelivered || s == StatusUndelivered || s == StatusFailed || s == StatusRead || s == StatusCanceled
}

// StatusCallback is one status change of an outbound message.
type StatusCallback struct {
	MessageSID          string
	AccountSID          string
	MessagingServiceSID string
	From, To            string
	Status              Status
	// ErrorCode is Twilio's error code for failed or undelivered
	// messages (e.g. 30003 unreachable handset, 30007 carrier filtering),
	// 0 when none.
	ErrorCode int
}

// Inbound is a message a patient sent to one of the organisation's
// numbers.
type Inbound struct {
	MessageSID          string
	AccountSID          string
	MessagingServiceSID string
	From, To            string
	Body                string
	NumMedia            int
	// OptOutType is set by Twilio's Advanced Opt-Out to STOP, START or
	// HELP when the body was one of its keywords; Rapport classifies the
	// body itself too.
	OptOutType string
}

var sidPattern = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)

func field(form url.Values, name string, required bool) (string, error) {
	vs := form[name]
	if len(vs) > 1 {
		return "", rapport.Errorf(rapport.EINVALID, "twilio webhook: field %s given %d times", name, len(vs))
	}
	if len(vs) == 0 || vs[0] == "" {
		if required {
			return "", rapport.Errorf(rapport.EINVALID, "twilio webhook: field %s is missing", name)
		}
		return "", nil
	}
	return vs[0], nil
}

// ParseStatusCallback parses the parameters of a status callback.
func ParseStatusCallback(form url.Values) (StatusCallback, error) {
	var s StatusCallback
	var err error
	get := func(dst *string, name string, required bool) {
		if err == nil {
			*dst, err = field(form, name, required)
		}
	}
	var status, code string
	get(&s.MessageSID, "MessageSid", true)
	get(&s.AccountSID, "AccountSid", true)
	get(&s.MessagingServiceSID, "MessagingServiceSid", false)
	get(&s.From, "From", false)
	get(&s.To, "To", true)
	get(&status, "MessageStatus", true)
	get(&code, "ErrorCode", false)
	if err != nil {
		return StatusCallback{}, err
	}
	if !sidPattern.MatchString(s.MessageSID) {
		return StatusCallback{}, rapport.Errorf(rapport.EINVALID, "twilio webhook: field MessageSid is not a message SID")
	}
	s.Status = Status(status)
	if !slices.Contains(statuses, s.Status) {
		return StatusCallback{}, rapport.Errorf(rapport.EINVALID, "twilio webhook: field MessageStatus has unknown value %q", truncate(status))
	}
	if code != "" {
		n, err := strconv.Atoi(code)
		if err != nil || n < 0 {
			return StatusCallback{}, rapport.Errorf(rapport.EINVALID, "twilio webhook: field ErrorCode is not a number")
		}
		s.ErrorCode = n
	}
	return s, nil
}

// ParseInbound parses the parameters of an inbound message webhook.
func ParseInbound(form url.Values) (Inbound, error) {
	var in Inbound
	var err error
	get := func(dst *string, name string, required bool) {
		if err == nil {
			*dst, err = field(form, name, required)
		}
	}
	var media string
	get(&in.MessageSID, "MessageSid", true)
	get(&in.AccountSID, "AccountSid", true)
	get(&in.MessagingServiceSID, "MessagingServiceSid", false)
	get(&in.From, "From", true)
	get(&in.To, "To", true)
	get(&in.Body, "Body", false)
	get(&media, "NumMedia", false)
	get(&in.OptOutType, "OptOutType", false)
	if err != nil {
		return Inbound{}, err
	}
	if !sidPattern.MatchString(in.MessageSID) {
		return Inbound{}, rapport.Errorf(rapport.EINVALID, "twilio webhook: field MessageSid is not a message SID")
	}
	if media != "" {
		n, err := strconv.Atoi(media)
		if err != nil || n < 0 || n > 10 {
			return Inbound{}, rapport.Errorf(rapport.EINVALID, "twilio webhook: field NumMedia is not a number from 0 to 10")
		}
		in.NumMedia = n
	}
	return in, nil
}

func truncate(s string) string {
	if len(s) > 32 {
		return fmt.Sprintf("%.32s…", s)
	}
	return s
}
