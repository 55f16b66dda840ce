package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
)

const secret = "0123456789abcdef-secret"

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

const review = `{"items":[{"source":"google-reviews","id":"r-1","author":{"id":"g-9","name":"Ann Lee"},"text":"Lovely nurses, long wait.","rating":4,"url":"https://g.example/r/1","created_at":"2026-11-20T09:30:00Z"},
{"source":"google-reviews","id":"r-2","parent":"r-1","text":"Thanks Ann!","created_at":"2026-11-20T10:00:00+01:00"}]}`

func TestParse(t *testing.T) {
	got, err := Parse([]byte(review), "acct-1")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []rapport.SocialItem{
		{Network: rapport.NetworkWebhook, AccountID: "acct-1", NetworkID: "google-reviews:r-1", Kind: rapport.KindReview,
			AuthorID: "g-9", AuthorName: "Ann Lee", Text: "Lovely nurses, long wait.", URL: "https://g.example/r/1", Rating: 4,
			CreatedAt: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)},
		{Network: rapport.NetworkWebhook, AccountID: "acct-1", NetworkID: "google-reviews:r-2", ParentID: "google-reviews:r-1",
			Kind: rapport.KindReply, Text: "Thanks Ann!", CreatedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("Parse returned %d items, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d = %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	base := `"source":"s","id":"1","text":"hi","created_at":"2026-11-21T10:00:00Z"`
	for _, tc := range []struct{ body, want string }{
		{`{`, "body: malformed JSON"},
		{`{}`, "items: required"},
		{`{"items":[{` + base + `,"stars":5}]}`, `unknown field "stars"`},
		{`{"items":[{` + base + `,"rating":"5"}]}`, "items.rating: wrong type (want int)"},
		{`{"items":[{"id":"1","text":"x","created_at":"2026-11-21T10:00:00Z"}]}`, "items[0].source: required"},
		{`{"items":[{"source":"Bad Source","id":"1","text":"x","created_at":"2026-11-21T10:00:00Z"}]}`, "items[0].source: required"},
		{`{"items":[{"source":"s","text":"x","created_at":"2026-11-21T10:00:00Z"}]}`, "items[0].id: required"},
		{`{"items":[{` + base + `},{` + base + `,"rating":6}]}`, "items[1].rating: must be 1 to 5"},
		{`{"items":[{"source":"s","id":"1","created_at":"2026-11-21T10:00:00Z"}]}`, "items[0].text: required when there is no rating"},
		{`{"items":[{"source":"s","id":"1","text":"x","created_at":"yesterday"}]}`, "items[0].created_at: required, RFC 3339"},
		{`{"items":[{` + base + `,"url":"javascript:alert(1)"}]}`, "items[0].url: must be an http(s) URL"},
		{`{"items":[{` + base + `,"kind":"tweet"}]}`, "items[0].kind: must be review"},
		{`{"items":[]} {}`, "body: trailing data"},
	} {
		_, err := Parse([]byte(tc.body), "a")
		if rapport.ErrorCode(err) != rapport.EINVALID || !strings.HasPrefix(rapport.ErrorMessage(err), tc.want) {
			t.Errorf("Parse(%s) error = %q (%s), want EINVALID starting %q", tc.body, rapport.ErrorMessage(err), rapport.ErrorCode(err), tc.want)
		}
	}
}

func TestVerify(t *testing.T) {
	body := []byte(review)
	good := Sign(secret, now, body)
	for _, tc := range []struct {
		name, header string
		at           time.Time
		want         error
	}{
		{"valid", good, now, nil},
		{"valid within tolerance", good, now.Add(4 * time.Minute), nil},
		{"rotated secret", Sign("old-secret-0123456789", now, body) + ",v1=" + strings.Split(good, "v1=")[1], now, nil},
		{"missing", "", now, ErrNoSignature},
		{"replay after the window", good, now.Add(6 * time.Minute), ErrStaleSignature},
		{"from the future", good, now.Add(-6 * time.Minute), ErrStaleSignature},
		{"wrong secret", Sign("another-secret-0000", now, body), now, ErrSignatureInvalid},
		{"body tampered", Sign(secret, now, []byte(review+" ")), now, ErrSignatureInvalid},
		{"timestamp swapped", strings.Replace(good, "t=", "t=1", 1), now, ErrStaleSignature},
		{"no v1", "t=" + "1795000000", now, ErrBadSignature},
		{"not hex", "t=1795000000,v1=zz", now, ErrBadSignature},
		{"garbage", "sha256=abc", now, ErrBadSignature},
	} {
		if err := Verify([]string{secret}, tc.header, body, tc.at, DefaultTolerance); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

type sink struct {
	mu    sync.Mutex
	items []rapport.SocialItem
}

func (s *sink) deliver(_ context.Context, items []rapport.SocialItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = append(s.items, items...)
	return nil
}

func newHandler(t *testing.T, s *sink, logs *bytes.Buffer) *Handler {
	t.Helper()
	h, err := NewHandler(Config{Secrets: []string{secret}, AccountID: "acct-1", Deliver: s.deliver,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Now: func() time.Time { return now }, MaxBody: 32 << 10})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h
}

func post(h http.Handler, body, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/webhooks/generic", strings.NewReader(body))
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerRejectsBadSignatureWithoutLoggingPayload(t *testing.T) {
	var logs bytes.Buffer
	s := &sink{}
	h := newHandler(t, s, &logs)
	for _, sig := range []string{"", Sign("wrong-secret-0123456", now, []byte(review)), Sign(secret, now.Add(-time.Hour), []byte(review))} {
		if rec := post(h, review, sig); rec.Code != http.StatusUnauthorized {
			t.Errorf("POST with signature %q = %d, want 401", sig, rec.Code)
		}
	}
	if len(s.items) != 0 {
		t.Errorf("delivered %d items from unsigned requests", len(s.items))
	}
	if !strings.Contains(logs.String(), "signature rejected") || strings.Contains(logs.String(), "Lovely") || strings.Contains(logs.String(), "Ann Lee") {
		t.Errorf("log must note the rejection without the payload: %s", logs.String())
	}
}

func TestHandlerDuplicateDeliveries(t *testing.T) {
	s := &sink{}
	h := newHandler(t, s, &bytes.Buffer{})
	sig := Sign(secret, now, []byte(review))
	for range 100 {
		if rec := post(h, review, sig); rec.Code != 200 || rec.Body.String() != "{\"accepted\":2}\n" {
			t.Fatalf("POST = %d %q, want 200 accepted 2", rec.Code, rec.Body.String())
		}
	}
	ids := map[string]int{}
	for _, it := range s.items {
		ids[it.NetworkID]++
	}
	if len(ids) != 2 || ids["google-reviews:r-1"] != 100 {
		t.Errorf("100 deliveries gave ids %v, want the same 2 ids 100 times each", ids)
	}
}

func TestHandlerErrors(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, &sink{}, &logs)
	bad := `{"items":[{"source":"s","id":"1","text":"my MRN is 12345","rating":9,"created_at":"2026-11-21T10:00:00Z"}]}`
	rec := post(h, bad, Sign(secret, now, []byte(bad)))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "items[0].rating: must be 1 to 5") {
		t.Errorf("POST invalid item = %d %q, want 400 naming items[0].rating", rec.Code, rec.Body.String())
	}
	if strings.Contains(logs.String(), "MRN") {
		t.Errorf("log contains item text: %s", logs.String())
	}
	big := `{"items":[],"x":"` + strings.Repeat("a", 40<<10) + `"}`
	if rec := post(h, big, Sign(secret, now, []byte(big))); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST 40 KiB with a 32 KiB limit = %d, want 413", rec.Code)
	}
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("GET", "/", nil))
	if rr.Code != 405 {
		t.Errorf("GET = %d, want 405", rr.Code)
	}
	if _, err := NewHandler(Config{Secrets: []string{"short"}, Deliver: (&sink{}).deliver}); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("NewHandler(short secret) = %v, want EINVALID", err)
	}
}

// FuzzParse: never panics; errors are EINVALID; every item has a
// source-prefixed network id, a valid rating and kind; parsing twice gives
// the same items (a redelivery is the same items).
func FuzzParse(f *testing.F) {
	f.Add([]byte(review))
	f.Add([]byte(`{"items":[{"source":"s","id":"1","rating":5,"created_at":"2026-11-21T10:00:00Z"}]}`))
	f.Add([]byte(`{"items":null}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := Parse(data, "a")
		if err != nil {
			if rapport.ErrorCode(err) != rapport.EINVALID {
				t.Fatalf("Parse error code %q, want EINVALID", rapport.ErrorCode(err))
			}
			return
		}
		again, _ := Parse(data, "a")
		for i, it := range items {
			src, id, ok := strings.Cut(it.NetworkID, ":")
			if !ok || !validSource(src) || id == "" || it.Network != rapport.NetworkWebhook {
				t.Fatalf("item %d network id %q invalid", i, it.NetworkID)
			}
			if it.Rating < 0 || it.Rating > 5 || it.Kind == "" {
				t.Fatalf("item %d = %+v: invalid rating or kind", i, it)
			}
			if again[i] != it {
				t.Fatalf("item %d differs between parses", i)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1795000000,v1=00", []byte("{}"))
	f.Add(Sign(secret, now, []byte("x")), []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify([]string{secret}, header, body, now, DefaultTolerance)
		if err == nil && !strings.Contains(header, "v1=") {
			t.Fatalf("Verify accepted %q without a v1 signature", header)
		}
		if err == nil && Verify([]string{secret}, header, append(body, 'x'), now, DefaultTolerance) == nil {
			t.Fatalf("Verify accepted %q for two different bodies", header)
		}
	})
}
