package meta

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

const secret = "app-secret"

// Payloads shaped after Meta's Webhooks reference examples (Page feed,
// Instagram comments, Messenger messages).
const feedComment = `{"object":"page","entry":[{"id":"PAGE1","time":1732190000,"changes":[
 {"field":"feed","value":{"from":{"id":"U1","name":"Ann Lee"},"item":"comment","comment_id":"POST1_C1","post_id":"PAGE1_POST1","parent_id":"PAGE1_POST1","message":"The ER wait was 5 hours!","created_time":1732190001,"verb":"add"}},
 {"field":"feed","value":{"from":{"id":"U2","name":"Bo"},"item":"comment","comment_id":"POST1_C2","post_id":"PAGE1_POST1","parent_id":"POST1_C1","message":"same here","created_time":"2024-11-21T12:00:02+0000","verb":"edited"}},
 {"field":"feed","value":{"from":{"id":"U3","name":"Cy"},"item":"comment","comment_id":"POST1_C3","post_id":"PAGE1_POST1","verb":"remove"}},
 {"field":"feed","value":{"from":{"id":"PAGE1","name":"Clinic"},"item":"comment","comment_id":"POST1_C4","post_id":"PAGE1_POST1","message":"Sorry!","verb":"add"}},
 {"field":"feed","value":{"from":{"id":"U4"},"item":"reaction","post_id":"PAGE1_POST1","verb":"add","reaction_type":"like"}}
]}]}`

const igComment = `{"object":"instagram","entry":[{"id":"IG1","time":1732190100,"changes":[
 {"field":"comments","value":{"from":{"id":"IGU1","username":"ann.lee"},"media":{"id":"M1","media_product_type":"FEED"},"id":"IGC1","text":"Love the new wing"}},
 {"field":"comments","value":{"from":{"id":"IGU2","username":"bo"},"media":{"id":"M1"},"id":"IGC2","parent_id":"IGC1","text":"me too"}}
]}]}`

const messengerMsg = `{"object":"page","entry":[{"id":"PAGE1","time":1732190200000,"messaging":[
 {"sender":{"id":"PSID1"},"recipient":{"id":"PAGE1"},"timestamp":1732190200123,"message":{"mid":"m_1","text":"Can I book a flu shot?"}},
 {"sender":{"id":"PAGE1"},"recipient":{"id":"PSID1"},"timestamp":1732190200999,"message":{"mid":"m_2","text":"Sure","is_echo":true}},
 {"sender":{"id":"PSID1"},"recipient":{"id":"PAGE1"},"timestamp":1732190201000,"delivery":{"mids":["m_2"]}},
 {"sender":{"id":"PSID1"},"recipient":{"id":"PAGE1"},"timestamp":1732190202000,"message":{"mid":"m_3","attachments":[{"type":"image"}]}}
]}]}`

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want []rapport.SocialItem
	}{
		{"page feed comments", feedComment, []rapport.SocialItem{
			{Network: rapport.NetworkFacebook, AccountID: "PAGE1", NetworkID: "POST1_C1", ParentID: "PAGE1_POST1", RootID: "PAGE1_POST1",
				Kind: rapport.KindComment, AuthorID: "U1", AuthorName: "Ann Lee", Text: "The ER wait was 5 hours!", CreatedAt: time.Unix(1732190001, 0).UTC()},
			{Network: rapport.NetworkFacebook, AccountID: "PAGE1", NetworkID: "POST1_C2", ParentID: "POST1_C1", RootID: "PAGE1_POST1",
				Kind: rapport.KindReply, AuthorID: "U2", AuthorName: "Bo", Text: "same here", CreatedAt: time.Date(2024, 11, 21, 12, 0, 2, 0, time.UTC)},
		}},
		{"instagram comments", igComment, []rapport.SocialItem{
			{Network: rapport.NetworkInstagram, AccountID: "IG1", NetworkID: "IGC1", ParentID: "M1", RootID: "M1", Kind: rapport.KindComment,
				AuthorID: "IGU1", AuthorHandle: "ann.lee", Text: "Love the new wing", CreatedAt: time.Unix(1732190100, 0).UTC()},
			{Network: rapport.NetworkInstagram, AccountID: "IG1", NetworkID: "IGC2", ParentID: "IGC1", RootID: "M1", Kind: rapport.KindReply,
				AuthorID: "IGU2", AuthorHandle: "bo", Text: "me too", CreatedAt: time.Unix(1732190100, 0).UTC()},
		}},
		{"messenger", messengerMsg, []rapport.SocialItem{
			{Network: rapport.NetworkFacebook, AccountID: "PAGE1", NetworkID: "m_1", Kind: rapport.KindDM, AuthorID: "PSID1",
				Text: "Can I book a flu shot?", CreatedAt: time.UnixMilli(1732190200123).UTC(), Private: true},
			{Network: rapport.NetworkFacebook, AccountID: "PAGE1", NetworkID: "m_3", Kind: rapport.KindDM, AuthorID: "PSID1",
				Text: "[attachment]", CreatedAt: time.UnixMilli(1732190202000).UTC(), Private: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Parse returned %d items, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("item %d = %+v\nwant %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{`, "meta webhook: malformed JSON"},
		{`{"object":"user","entry":[]}`, `meta webhook object: "user" is not page or instagram`},
		{`{"object":"page","entry":[{"id":"P","changes":[{"field":"feed","value":{"item":"comment","verb":"add","post_id":"P_1"}}]}]}`, "meta webhook entry[0].changes[0].value.comment_id: required"},
		{`{"object":"page","entry":[{"id":"P","changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"C"}}]}]}`, "meta webhook entry[0].changes[0].value.post_id: required"},
		{`{"object":"instagram","entry":[{"id":"I","changes":[{"field":"comments","value":{"text":"x"}}]}]}`, "meta webhook entry[0].changes[0].value.id: required"},
		{`{"object":"page","entry":[{"id":"P","messaging":[{"sender":{"id":"S"},"message":{"text":"x"}}]}]}`, "meta webhook entry[0].messaging[0].message.mid: required"},
	} {
		_, err := Parse([]byte(tc.body))
		if rapport.ErrorCode(err) != rapport.EINVALID || rapport.ErrorMessage(err) != tc.want {
			t.Errorf("Parse(%s) error = %q (%s), want EINVALID %q", tc.body, rapport.ErrorMessage(err), rapport.ErrorCode(err), tc.want)
		}
	}
}

type sink struct {
	mu    sync.Mutex
	items []rapport.SocialItem
	err   error
}

func (s *sink) deliver(_ context.Context, items []rapport.SocialItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.items = append(s.items, items...)
	return nil
}

func newHandler(t *testing.T, s *sink, logs *bytes.Buffer) *Handler {
	t.Helper()
	h, err := NewHandler(Config{AppSecret: secret, VerifyToken: "verify-me", Deliver: s.deliver,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), MaxBody: 64 << 10})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h
}

func TestHandshake(t *testing.T) {
	h := newHandler(t, &sink{}, &bytes.Buffer{})
	for _, tc := range []struct {
		name, query string
		wantCode    int
		wantBody    string
	}{
		{"ok", "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", 200, "1158201444"},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", 403, "forbidden\n"},
		{"wrong mode", "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1", 403, "forbidden\n"},
		{"missing", "", 403, "forbidden\n"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/webhooks/meta?"+tc.query, nil))
		if rec.Code != tc.wantCode || rec.Body.String() != tc.wantBody {
			t.Errorf("%s: GET = %d %q, want %d %q", tc.name, rec.Code, rec.Body.String(), tc.wantCode, tc.wantBody)
		}
	}
}

func post(h http.Handler, body, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/webhooks/meta", strings.NewReader(body))
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestSignatureRejectedAndLoggedWithoutPayload(t *testing.T) {
	valid := Sign(secret, []byte(feedComment))
	for _, tc := range []struct {
		name, sig string
		wantCode  int
	}{
		{"missing", "", 401},
		{"other secret", Sign("other", []byte(feedComment)), 403},
		{"sha1 style", "sha1=" + strings.TrimPrefix(valid, "sha256="), 403},
		{"not hex", "sha256=zz", 403},
		{"truncated", valid[:len(valid)-2], 403},
		{"signature of another body", Sign(secret, []byte(igComment)), 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := &sink{}
			rec := post(newHandler(t, s, &logs), feedComment, tc.sig)
			if rec.Code != tc.wantCode {
				t.Errorf("POST with %s signature = %d, want %d", tc.name, rec.Code, tc.wantCode)
			}
			if len(s.items) != 0 {
				t.Errorf("delivered %d items from an unsigned body", len(s.items))
			}
			if !strings.Contains(logs.String(), "signature rejected") {
				t.Errorf("rejection not logged: %q", logs.String())
			}
			for _, secretish := range []string{"ER wait", "Ann Lee", "POST1_C1"} {
				if strings.Contains(logs.String(), secretish) {
					t.Errorf("log contains payload text %q: %s", secretish, logs.String())
				}
			}
		})
	}
}

func TestDuplicateDeliveriesSameNetworkIDs(t *testing.T) {
	s := &sink{}
	h := newHandler(t, s, &bytes.Buffer{})
	sig := Sign(secret, []byte(feedComment))
	for range 100 {
		if rec := post(h, feedComment, sig); rec.Code != 200 || rec.Body.String() != "EVENT_RECEIVED" {
			t.Fatalf("POST = %d %q, want 200 EVENT_RECEIVED", rec.Code, rec.Body.String())
		}
	}
	ids := map[string]int{}
	for _, it := range s.items {
		ids[string(it.Network)+"/"+it.NetworkID]++
	}
	if len(s.items) != 200 || len(ids) != 2 || ids["facebook/POST1_C1"] != 100 || ids["facebook/POST1_C2"] != 100 {
		t.Errorf("100 deliveries gave %d items with ids %v; want the same 2 ids 100 times each", len(s.items), ids)
	}
}

func TestDeliverFailureAsksForRedelivery(t *testing.T) {
	s := &sink{err: errors.New("database down")}
	var logs bytes.Buffer
	rec := post(newHandler(t, s, &logs), messengerMsg, Sign(secret, []byte(messengerMsg)))
	if rec.Code != 500 {
		t.Errorf("POST with a failing store = %d, want 500", rec.Code)
	}
	if strings.Contains(logs.String(), "flu shot") {
		t.Errorf("log contains message text: %s", logs.String())
	}
}

func TestBodyLimitAndBadPayload(t *testing.T) {
	h := newHandler(t, &sink{}, &bytes.Buffer{})
	big := `{"object":"page","entry":[],"pad":"` + strings.Repeat("x", 70<<10) + `"}`
	if rec := post(h, big, Sign(secret, []byte(big))); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of 70 KiB with a 64 KiB limit = %d, want 413", rec.Code)
	}
	bad := `{"object":"page","entry":[{"id":"P","changes":[{"field":"feed","value":{"item":"comment","verb":"add","post_id":"P_1"}}]}]}`
	rec := post(h, bad, Sign(secret, []byte(bad)))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "comment_id: required") {
		t.Errorf("POST of a comment without id = %d %q, want 400 naming comment_id", rec.Code, rec.Body.String())
	}
	req := httptest.NewRequest("PUT", "/", nil)
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Code != 405 {
		t.Errorf("PUT = %d, want 405", rr.Code)
	}
}

// FuzzParse asserts that Parse never panics, that every item it returns has
// a network, a network id and a known kind, and that parsing is
// deterministic (a redelivery yields the same items).
func FuzzParse(f *testing.F) {
	for _, s := range []string{feedComment, igComment, messengerMsg, `{}`, `{"object":"page","entry":[{"changes":[{"field":"feed","value":null}]}]}`,
		`{"object":"page","entry":[{"time":"x"}]}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := Parse(body)
		if err != nil {
			if rapport.ErrorCode(err) != rapport.EINVALID {
				t.Fatalf("Parse error code = %q, want EINVALID", rapport.ErrorCode(err))
			}
			return
		}
		again, err := Parse(body)
		if err != nil || len(again) != len(items) {
			t.Fatalf("Parse not deterministic: %d items then %d, %v", len(items), len(again), err)
		}
		for i, it := range items {
			if it.NetworkID == "" || (it.Network != rapport.NetworkFacebook && it.Network != rapport.NetworkInstagram) {
				t.Fatalf("item %d = %+v: missing network or id", i, it)
			}
			if it != again[i] {
				t.Fatalf("item %d differs between parses", i)
			}
		}
	})
}

func FuzzCheckSignature(f *testing.F) {
	f.Add("sha256=00", []byte("{}"))
	f.Add(Sign(secret, []byte("x")), []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		code, _ := CheckSignature(secret, header, body)
		rest, ok := strings.CutPrefix(header, "sha256=")
		valid := ok && strings.EqualFold(rest, strings.TrimPrefix(Sign(secret, body), "sha256="))
		if (code == 0) != valid {
			t.Fatalf("CheckSignature(%q) = %d, disagrees with Sign", header, code)
		}
	})
}
