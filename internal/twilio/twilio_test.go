package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/twilio"
	"github.com/rapport-health/rapport/internal/twilio/twiliotest"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "test-auth-token"
	ourNumber  = "+15005550006"
)

func TestSignature(t *testing.T) {
	// The example of Twilio's "Webhooks security" page; the expected value
	// was computed independently with openssl dgst -sha1 -hmac 12345.
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}}
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	const want = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
	if got := twilio.Signature("12345", u, params); got != want {
		t.Errorf("Signature = %q, want %q", got, want)
	}
	tests := []struct {
		name   string
		token  string
		url    string
		params url.Values
		sig    string
		want   bool
	}{
		{"as signed", "12345", u, params, want, true},
		{"default port added by a proxy", "12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, want, true},
		{"other port", "12345", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", params, want, false},
		{"wrong token", "54321", u, params, want, false},
		{"changed query", "12345", "https://mycompany.com/myapp.php?foo=2&bar=2", params, want, false},
		{"changed param", "12345", u, url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1235"}, "From": {"+12349013030"}, "To": {"+18005551212"}}, want, false},
		{"empty signature", "12345", u, params, "", false},
		{"empty token", "", u, params, want, false},
	}
	for _, tc := range tests {
		if got := twilio.ValidSignature(tc.token, tc.url, tc.params, tc.sig); got != tc.want {
			t.Errorf("%s: ValidSignature = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Port added by us, signed without: also accepted.
	sig := twilio.Signature("k", "https://h.example:443/x", url.Values{})
	if !twilio.ValidSignature("k", "https://h.example/x", url.Values{}, sig) {
		t.Error("ValidSignature does not accept the URL without the default port")
	}
	// Repeated keys: values sorted, order of arrival irrelevant.
	a := twilio.Signature("k", "https://h.example/x", url.Values{"A": {"2", "1"}})
	b := twilio.Signature("k", "https://h.example/x", url.Values{"A": {"1", "2"}})
	if a != b {
		t.Errorf("Signature depends on the order of a repeated key's values: %q vs %q", a, b)
	}
}

func TestParseStatusCallback(t *testing.T) {
	sid := "SM0123456789abcdef0123456789abcdef"
	base := func() url.Values {
		return url.Values{"MessageSid": {sid}, "AccountSid": {accountSID}, "From": {ourNumber}, "To": {"+15551230000"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}}
	}
	got, err := twilio.ParseStatusCallback(base())
	if err != nil || got.MessageSID != sid || got.Status != twilio.StatusUndelivered || got.ErrorCode != 30003 || !got.Status.Final() {
		t.Fatalf("ParseStatusCallback = %+v, %v", got, err)
	}
	tests := []struct {
		name  string
		edit  func(url.Values)
		field string
	}{
		{"missing sid", func(v url.Values) { v.Del("MessageSid") }, "MessageSid"},
		{"bad sid", func(v url.Values) { v.Set("MessageSid", "SMxyz") }, "MessageSid"},
		{"missing status", func(v url.Values) { v.Del("MessageStatus") }, "MessageStatus"},
		{"unknown status", func(v url.Values) { v.Set("MessageStatus", "exploded") }, "MessageStatus"},
		{"bad error code", func(v url.Values) { v.Set("ErrorCode", "x1") }, "ErrorCode"},
		{"repeated field", func(v url.Values) { v.Add("To", "+1555") }, "To"},
		{"missing account", func(v url.Values) { v.Del("AccountSid") }, "AccountSid"},
	}
	for _, tc := range tests {
		v := base()
		tc.edit(v)
		_, err := twilio.ParseStatusCallback(v)
		if rapport.ErrorCode(err) != rapport.EINVALID || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: ParseStatusCallback = %v, want an invalid error naming %s", tc.name, err, tc.field)
		}
	}
}

func TestParseInbound(t *testing.T) {
	v := url.Values{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "AccountSid": {accountSID}, "From": {"+15551230000"},
		"To": {ourNumber}, "Body": {"STOP"}, "NumMedia": {"0"}, "OptOutType": {"STOP"}}
	got, err := twilio.ParseInbound(v)
	if err != nil || got.Body != "STOP" || got.From != "+15551230000" || got.OptOutType != "STOP" {
		t.Fatalf("ParseInbound = %+v, %v", got, err)
	}
	for name, edit := range map[string]func(url.Values){
		"From":       func(v url.Values) { v.Del("From") },
		"NumMedia":   func(v url.Values) { v.Set("NumMedia", "-1") },
		"MessageSid": func(v url.Values) { v.Set("MessageSid", "") },
	} {
		w := url.Values{}
		for k, vs := range v {
			w[k] = append([]string(nil), vs...)
		}
		edit(w)
		if _, err := twilio.ParseInbound(w); rapport.ErrorCode(err) != rapport.EINVALID || !strings.Contains(err.Error(), name) {
			t.Errorf("ParseInbound without a good %s = %v, want an invalid error naming it", name, err)
		}
	}
}

// hooks is Rapport's side of the webhooks: verifies and parses what the
// stand-in posts.
type hooks struct {
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []twilio.StatusCallback
	inbound  []twilio.Inbound
	rejected int
}

func newHooks(t *testing.T, token string) *hooks {
	h := &hooks{}
	mux := http.NewServeMux()
	var wh twilio.Webhook
	// verified runs record on a form whose signature checks out; others
	// are counted and refused.
	verified := func(record func(url.Values) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			form, err := wh.Verify(r)
			if err != nil {
				h.mu.Lock()
				h.rejected++
				h.mu.Unlock()
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if err := record(form); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
			}
		}
	}
	mux.HandleFunc("POST /twilio/status", verified(func(form url.Values) error {
		s, err := twilio.ParseStatusCallback(form)
		if err == nil {
			h.statuses = append(h.statuses, s)
		}
		return err
	}))
	mux.HandleFunc("POST /twilio/inbound", verified(func(form url.Values) error {
		in, err := twilio.ParseInbound(form)
		if err == nil {
			h.inbound = append(h.inbound, in)
		}
		return err
	}))
	h.srv = httptest.NewServer(mux)
	wh = twilio.Webhook{AuthToken: token, BaseURL: h.srv.URL}
	t.Cleanup(h.srv.Close)
	return h
}

func TestSendWithStandIn(t *testing.T) {
	ctx := context.Background()
	tw := twiliotest.New(t, accountSID, authToken)
	tw.Undeliverable["+15551239999"] = true
	h := newHooks(t, authToken)
	c := twilio.NewClient(tw.URL, accountSID, authToken, nil)

	m, err := c.Send(ctx, twilio.SendParams{To: "+15551230000", From: ourNumber, Body: "Your flu shot is due. Reply STOP to opt out.", StatusCallback: h.srv.URL + "/twilio/status"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.SID, "SM") || len(m.SID) != 34 || m.Status != twilio.StatusQueued || m.AccountSID != accountSID || m.From == nil || *m.From != ourNumber {
		t.Errorf("Send = %+v", m)
	}
	if _, err := c.Send(ctx, twilio.SendParams{To: "+15551239999", MessagingServiceSID: "MG0123", Body: "x", StatusCallback: h.srv.URL + "/twilio/status"}); err != nil {
		t.Fatal(err)
	}
	tw.Drain()
	h.mu.Lock()
	got := []string{}
	for _, s := range h.statuses {
		got = append(got, s.To+":"+string(s.Status))
		if s.Status == twilio.StatusUndelivered && s.ErrorCode != 30003 {
			t.Errorf("undelivered callback ErrorCode = %d, want 30003", s.ErrorCode)
		}
	}
	h.mu.Unlock()
	want := "+15551230000:sent +15551230000:delivered +15551239999:sent +15551239999:undelivered"
	if strings.Join(got, " ") != want {
		t.Errorf("status callbacks = %v, want %s", got, want)
	}
	fetched, err := c.Fetch(ctx, m.SID)
	if err != nil || fetched.Status != twilio.StatusDelivered {
		t.Errorf("Fetch = %+v, %v, want delivered", fetched, err)
	}

	// Callbacks signed with another token are rejected by our webhook.
	other := twiliotest.New(t, accountSID, "another-token")
	oc := twilio.NewClient(other.URL, accountSID, "another-token", nil)
	if _, err := oc.Send(ctx, twilio.SendParams{To: "+15551230000", From: ourNumber, Body: "x", StatusCallback: h.srv.URL + "/twilio/status"}); err != nil {
		t.Fatal(err)
	}
	other.Drain()
	if cbs := other.Callbacks(); len(cbs) != 2 || cbs[0].StatusCode != http.StatusForbidden {
		t.Errorf("forged callbacks answered %+v, want 403", cbs)
	}
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	tw := twiliotest.New(t, accountSID, authToken)
	c := twilio.NewClient(tw.URL, accountSID, authToken, nil)
	tests := []struct {
		name      string
		client    *twilio.Client
		p         twilio.SendParams
		status    int
		code      int
		transient bool
	}{
		{"bad token", twilio.NewClient(tw.URL, accountSID, "wrong", nil), twilio.SendParams{To: "+15551230000", From: ourNumber, Body: "x"}, 401, 20003, false},
		{"other account", twilio.NewClient(tw.URL, "ACother", authToken, nil), twilio.SendParams{To: "+15551230000", From: ourNumber, Body: "x"}, 401, 20003, false},
		{"invalid To", c, twilio.SendParams{To: "+15005550001", From: ourNumber, Body: "x"}, 400, 21211, false},
		{"unroutable", c, twilio.SendParams{To: "+15005550002", From: ourNumber, Body: "x"}, 400, 21612, false},
		{"unsubscribed", c, twilio.SendParams{To: "+15005550004", From: ourNumber, Body: "x"}, 400, 21610, false},
		{"landline", c, twilio.SendParams{To: "+15005550009", From: ourNumber, Body: "x"}, 400, 21614, false},
		{"invalid From", c, twilio.SendParams{To: "+15551230000", From: "+15005550001", Body: "x"}, 400, 21212, false},
		{"queue full", c, twilio.SendParams{To: "+15551230000", From: "+15005550008", Body: "x"}, 400, 21611, false},
		{"too long", c, twilio.SendParams{To: "+15551230000", From: ourNumber, Body: strings.Repeat("a", 1601)}, 400, 21617, false},
	}
	for _, tc := range tests {
		_, err := tc.client.Send(ctx, tc.p)
		var ae *twilio.APIError
		if !errors.As(err, &ae) || ae.Status != tc.status || ae.Code != tc.code || twilio.IsTransient(err) != tc.transient ||
			!strings.Contains(ae.MoreInfo, "twilio.com/docs/errors/") {
			t.Errorf("%s: Send = %v, want HTTP %d code %d transient %v", tc.name, err, tc.status, tc.code, tc.transient)
		}
	}
	if _, err := c.Send(ctx, twilio.SendParams{To: "+15551230000", Body: "x"}); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("Send without From = %v, want an invalid error before any request", err)
	}

	// A short 429 is waited out and retried; a long one is returned.
	tw.FailNext(twiliotest.Failure{Status: 429, Code: 20429, Message: "Too Many Requests", RetryAfter: "1"})
	start := time.Now()
	if _, err := c.Send(ctx, twilio.SendParams{To: "+15551230000", From: ourNumber, Body: "x"}); err != nil || time.Since(start) < 900*time.Millisecond {
		t.Errorf("Send after a 429 with Retry-After 1 = %v after %v, want success after about 1 s", err, time.Since(start))
	}
	tw.FailNext(twiliotest.Failure{Status: 429, Code: 20429, Message: "Too Many Requests", RetryAfter: "120"})
	_, err := c.Send(ctx, twilio.SendParams{To: "+15551230000", From: ourNumber, Body: "x"})
	var ae *twilio.APIError
	if !errors.As(err, &ae) || ae.RetryAfter != 120*time.Second || !twilio.IsTransient(err) {
		t.Errorf("Send after a 429 with Retry-After 120 = %v, want a transient error carrying 120 s", err)
	}
	tw.FailNext(twiliotest.Failure{Status: 503, Code: 20503, Message: "Service Unavailable"})
	if _, err := c.Send(ctx, twilio.SendParams{To: "+15551230000", From: ourNumber, Body: "x"}); !twilio.IsTransient(err) {
		t.Errorf("Send after a 503 = %v, want transient", err)
	}
}

func TestInboundStop(t *testing.T) {
	ctx := context.Background()
	tw := twiliotest.New(t, accountSID, authToken)
	h := newHooks(t, authToken)
	c := twilio.NewClient(tw.URL, accountSID, authToken, nil)
	patient := "+15551230000"
	for _, tc := range []struct {
		body, optOutType string
		sendErr          bool
	}{
		{"stop", "STOP", true},
		{"Thanks", "", true},
		{"START", "START", false},
		{"HELP", "HELP", false},
	} {
		code, err := tw.Inbound(ctx, h.srv.URL+"/twilio/inbound", patient, ourNumber, tc.body)
		if err != nil || code != http.StatusOK {
			t.Fatalf("Inbound(%q) = %d, %v", tc.body, code, err)
		}
		h.mu.Lock()
		in := h.inbound[len(h.inbound)-1]
		h.mu.Unlock()
		if in.Body != tc.body || in.OptOutType != tc.optOutType || in.From != patient || in.To != ourNumber {
			t.Errorf("webhook got %+v, want body %q opt-out type %q", in, tc.body, tc.optOutType)
		}
		_, err = c.Send(ctx, twilio.SendParams{To: patient, From: ourNumber, Body: "Reminder. Reply STOP to opt out."})
		var ae *twilio.APIError
		if gotErr := errors.As(err, &ae) && ae.Unsubscribed(); gotErr != tc.sendErr {
			t.Errorf("after %q, Send = %v, want unsubscribed error %v", tc.body, err, tc.sendErr)
		}
	}
	if h.rejected != 0 {
		t.Errorf("%d inbound webhooks failed signature validation", h.rejected)
	}
}

func FuzzWebhook(f *testing.F) {
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC1&From=%2B1555&To=%2B1666&Body=STOP&NumMedia=0")
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC1&To=%2B1&MessageStatus=failed&ErrorCode=30008")
	f.Add("a=1&a=2&%zz")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		if in, err := twilio.ParseInbound(form); err == nil {
			if in.From == "" || in.To == "" || in.From != form.Get("From") || in.Body != form.Get("Body") {
				t.Fatalf("ParseInbound(%q) = %+v: fields lost", body, in)
			}
		} else if rapport.ErrorCode(err) != rapport.EINVALID {
			t.Fatalf("ParseInbound(%q) error %v is not invalid", body, err)
		}
		if s, err := twilio.ParseStatusCallback(form); err == nil && (s.Status == "" || s.MessageSID == "") {
			t.Fatalf("ParseStatusCallback(%q) = %+v: empty required field", body, s)
		}
		// A signature over the form validates, and any change breaks it.
		u := "https://rapport.example/twilio/inbound?x=1"
		sig := twilio.Signature(authToken, u, form)
		if !twilio.ValidSignature(authToken, u, form, sig) {
			t.Fatalf("own signature of %q does not validate", body)
		}
		changed := url.Values{}
		for k, vs := range form {
			changed[k] = vs
		}
		changed.Add("Extra", "1")
		if twilio.ValidSignature(authToken, u, changed, sig) {
			t.Fatalf("signature of %q validates with an added field", body)
		}
	})
}
