package email

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
)

func testMessage(i int) *Message {
	return &Message{
		From:              mail.Address{Name: "Mercy Clinic", Address: "news@mercy.example"},
		To:                mail.Address{Name: "Ana Pérez", Address: fmt.Sprintf("patient%d@example.org", i)},
		ReturnPath:        "bounces@mercy.example",
		Subject:           "Your flu shot — it's time",
		Text:              "Hi Ana,\nIt is time for your flu shot.\n.\nA line with a dot.\n1 Main St, Springfield\nUnsubscribe: https://mercy.example/u/abc",
		HTML:              "<p>Hi Ana,</p><p>It is time for your flu shot.</p><p>1 Main St, Springfield</p><a href=\"https://mercy.example/u/abc\">Unsubscribe</a>",
		Date:              time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
		MessageID:         fmt.Sprintf("c1.p%d.email@mercy.example", i),
		UnsubscribeURL:    "https://mercy.example/u/abc?one=click",
		UnsubscribeMailto: "mailto:unsubscribe@mercy.example?subject=abc",
		Header:            map[string]string{"X-Rapport-Campaign": "c1"},
	}
}

func TestBuild(t *testing.T) {
	m := testMessage(1)
	raw, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ReplaceAll(string(raw), "\r\n", ""), "\n") {
		t.Error("Build: a line ends with a bare LF")
	}
	again, _ := m.Build()
	if string(again) != string(raw) {
		t.Error("Build is not deterministic")
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	for _, tc := range []struct{ name, got, want string }{
		{"Subject", subject, m.Subject},
		{"Message-ID", msg.Header.Get("Message-ID"), "<c1.p1.email@mercy.example>"},
		{"List-Unsubscribe", msg.Header.Get("List-Unsubscribe"), "<https://mercy.example/u/abc?one=click>, <mailto:unsubscribe@mercy.example?subject=abc>"},
		{"List-Unsubscribe-Post", msg.Header.Get("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click"},
		{"X-Rapport-Campaign", msg.Header.Get("X-Rapport-Campaign"), "c1"},
		{"Date", msg.Header.Get("Date"), "Sat, 21 Nov 2026 10:00:00 +0000"},
	} {
		if tc.got != tc.want {
			t.Errorf("header %s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Ana Pérez" || to[0].Address != "patient1@example.org" {
		t.Errorf("To = %v, %v, want Ana Pérez <patient1@example.org>", to, err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for _, want := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(quotedprintable.NewReader(p))
		got := strings.ReplaceAll(strings.TrimSuffix(string(b), "\r\n"), "\r\n", "\n")
		if !strings.HasPrefix(p.Header.Get("Content-Type"), want.typ) || got != want.body {
			t.Errorf("part %s = %q, want %q", p.Header.Get("Content-Type"), got, want.body)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Message)
	}{
		{"no from", func(m *Message) { m.From.Address = "" }},
		{"bad to", func(m *Message) { m.To.Address = "ana at example.org" }},
		{"to with bracket", func(m *Message) { m.To.Address = "a>b@example.org" }},
		{"header injection in subject", func(m *Message) { m.Subject = "Hi\r\nBcc: x@y.z" }},
		{"empty subject", func(m *Message) { m.Subject = " " }},
		{"no body", func(m *Message) { m.Text, m.HTML = "", "" }},
		{"no message id", func(m *Message) { m.MessageID = "" }},
		{"bracketed message id", func(m *Message) { m.MessageID = "<a@b>" }},
		{"http unsubscribe", func(m *Message) { m.UnsubscribeURL = "http://mercy.example/u" }},
		{"unsubscribe with comma", func(m *Message) { m.UnsubscribeURL = "https://mercy.example/u,x" }},
		{"bad mailto", func(m *Message) { m.UnsubscribeMailto = "unsubscribe@mercy.example" }},
		{"no date", func(m *Message) { m.Date = time.Time{} }},
		{"bad extra header", func(m *Message) { m.Header = map[string]string{"X Bad": "v"} }},
		{"multi-line extra header", func(m *Message) { m.Header = map[string]string{"X-Ok": "a\nb"} }},
	}
	for _, tc := range tests {
		m := testMessage(1)
		tc.edit(m)
		_, err := m.Build()
		if rapport.ErrorCode(err) != rapport.EINVALID || IsTransient(err) {
			t.Errorf("%s: Build = %v, want a permanent invalid error", tc.name, err)
		}
	}
}

func dkimKeys(t testing.TB) (rsaKey *rsa.PrivateKey, edKey ed25519.PrivateKey, txt map[string]string) {
	t.Helper()
	// Keys from a deterministic reader: the same keys on every run.
	rsaKey, err := rsa.GenerateKey(zeroReader{}, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ = ed25519.GenerateKey(zeroReader{})
	pub, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	txt = map[string]string{
		"rsa._domainkey.mercy.example": "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub),
		"ed._domainkey.mercy.example":  "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edKey.Public().(ed25519.PublicKey)),
	}
	return rsaKey, edKey, txt
}

// zeroReader is a deterministic "random" source so keys are reproducible.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	return len(p), nil
}

func TestDKIM(t *testing.T) {
	rsaKey, edKey, txt := dkimKeys(t)
	for _, tc := range []struct {
		name     string
		selector string
		key      crypto.Signer
		algo     string
	}{{"rsa", "rsa", rsaKey, "a=rsa-sha256"}, {"ed25519", "ed", edKey, "a=ed25519-sha256"}} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := testMessage(1).Build()
			d := &DKIM{Domain: "mercy.example", Selector: tc.selector, Key: tc.key}
			signed, err := d.Sign(raw)
			if err != nil {
				t.Fatal(err)
			}
			head := string(signed[:strings.Index(string(signed), "\r\n\r\n")])
			sig := head[:strings.Index(head, "\r\nFrom:")]
			for _, want := range []string{"DKIM-Signature:", tc.algo, "c=relaxed/relaxed", "d=mercy.example", "s=" + tc.selector, "list-unsubscribe", "list-unsubscribe-post"} {
				if !strings.Contains(strings.ToLower(sig), strings.ToLower(want)) {
					t.Errorf("signature %q lacks %q", sig, want)
				}
			}
			if n, err := Verify(signed, txt); err != nil || n != 1 {
				t.Errorf("Verify = %d, %v, want 1 valid signature", n, err)
			}
			tampered := strings.Replace(string(signed), "flu shot.", "flu shots", 1)
			if _, err := Verify([]byte(tampered), txt); err == nil {
				t.Error("Verify(tampered body) = nil error")
			}
			tampered = strings.Replace(string(signed), "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "List-Unsubscribe-Post: x", 1)
			if _, err := Verify([]byte(tampered), txt); err == nil {
				t.Error("Verify(tampered List-Unsubscribe-Post) = nil error")
			}
		})
	}
	if _, err := (&DKIM{Domain: "x"}).Sign([]byte("From: a@b\r\n\r\n")); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("Sign without key = %v, want invalid", err)
	}
}

func TestSend(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	tests := []struct {
		name      string
		sink      func(*sink)
		cfg       func(*Config)
		wantTLS   bool
		wantAuth  bool
		errPerm   bool // want a permanent error from the first send
		errTransi bool
	}{
		{"pipelined plain", nil, nil, false, false, false, false},
		{"no pipelining", func(s *sink) { s.noPipe = true }, nil, false, false, false, false},
		{"starttls", func(s *sink) { s.tls = serverTLS }, nil, true, false, false, false},
		{"starttls and auth plain", func(s *sink) { s.tls, s.user, s.pass = serverTLS, "u", "p" }, func(c *Config) { c.Username, c.Password = "u", "p" }, true, true, false, false},
		{"auth on loopback without tls", func(s *sink) { s.user, s.pass = "u", "p" }, func(c *Config) { c.Username, c.Password = "u", "p" }, false, true, false, false},
		{"bad credentials are permanent", func(s *sink) { s.tls, s.user, s.pass = serverTLS, "u", "p" }, func(c *Config) { c.Username, c.Password = "u", "wrong" }, false, false, true, false},
		{"tls required but not offered", nil, func(c *Config) { c.RequireTLS = true }, false, false, true, false},
		{"untrusted certificate is permanent", func(s *sink) { s.tls = serverTLS }, func(c *Config) { c.TLSConfig = nil }, false, false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startSink(t, tc.sink)
			cfg := Config{Addr: s.addr(), TLSConfig: clientTLS, Conns: 2, Timeout: 5 * time.Second}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			snd, err := NewSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer snd.Close()
			ctx := context.Background()
			err = snd.Send(ctx, testMessage(1))
			if tc.errPerm || tc.errTransi {
				if err == nil || IsTransient(err) != tc.errTransi {
					t.Fatalf("Send = %v (transient %v), want an error with transient %v", err, IsTransient(err), tc.errTransi)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			// A bounce and a busy mailbox, then a good send on the same
			// session.
			bounce := testMessage(2)
			bounce.To.Address = "bounce@example.org"
			err = snd.Send(ctx, bounce)
			var se *SMTPError
			if !errors.As(err, &se) || se.Code != 550 || se.Enhanced != "5.1.1" || !se.BadMailbox() || IsTransient(err) {
				t.Errorf("Send(bounce) = %v, want a permanent 550 5.1.1", err)
			}
			busy := testMessage(3)
			busy.To.Address = "busy@example.org"
			if err := snd.Send(ctx, busy); !IsTransient(err) || !errors.As(err, &se) || se.Code != 451 {
				t.Errorf("Send(busy) = %v, want a transient 451", err)
			}
			if err := snd.Send(ctx, testMessage(4)); err != nil {
				t.Fatalf("Send after refusals: %v", err)
			}
			msgs := s.messages()
			if len(msgs) != 2 || s.sessions.Load() != 1 {
				t.Fatalf("sink got %d messages over %d sessions, want 2 over 1", len(msgs), s.sessions.Load())
			}
			m := msgs[0]
			if m.From != "bounces@mercy.example" || m.To != "patient1@example.org" || m.TLS != tc.wantTLS || m.Authed != tc.wantAuth {
				t.Errorf("sink message from %q to %q tls %v auth %v, want bounces@mercy.example, patient1@example.org, %v, %v", m.From, m.To, m.TLS, m.Authed, tc.wantTLS, tc.wantAuth)
			}
			want, _ := testMessage(1).Build()
			if m.Data != strings.ReplaceAll(string(want), "\r\n", "\n") {
				t.Errorf("sink data differs from the built message (dot-stuffing?):\n%s", m.Data)
			}
		})
	}
}

func TestSendParallel(t *testing.T) {
	s := startSink(t, nil)
	snd, _ := NewSender(Config{Addr: s.addr(), Conns: 3, MaxPerConn: 40})
	defer snd.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- snd.Send(context.Background(), testMessage(i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for _, m := range s.messages() {
		got[m.To] = true
	}
	// 200 messages, at most 40 per session: at least 5 sessions; never
	// more than 3 at once, so at most 200/1 in theory but recycling keeps
	// it near 200/40.
	if len(got) != 200 || s.sessions.Load() < 5 || s.sessions.Load() > 12 {
		t.Errorf("got %d distinct recipients over %d sessions, want 200 over 5–12", len(got), s.sessions.Load())
	}
}

// TestSendStaleSession: a pooled session the server has dropped fails on
// its first command, before any of the message is sent, so the message
// goes at once over a new session; a session cut after the message's
// content was sent is never retried (the server may have accepted it).
func TestSendStaleSession(t *testing.T) {
	ctx := context.Background()
	t.Run("dropped idle session", func(t *testing.T) {
		s := startSink(t, func(s *sink) { s.dropAfter = 1 })
		snd, _ := NewSender(Config{Addr: s.addr(), Conns: 1, Timeout: 5 * time.Second})
		defer snd.Close()
		for i := range 3 {
			if err := snd.Send(ctx, testMessage(i)); err != nil {
				t.Fatalf("Send %d after the server dropped the pooled session: %v", i, err)
			}
			time.Sleep(20 * time.Millisecond) // let the server's close arrive
		}
		if got, sessions := len(s.messages()), s.sessions.Load(); got != 3 || sessions != 3 {
			t.Errorf("sink got %d messages over %d sessions, want 3 over 3", got, sessions)
		}
	})
	t.Run("cut after the content", func(t *testing.T) {
		s := startSink(t, func(s *sink) { s.hangUpAt = 2 })
		snd, _ := NewSender(Config{Addr: s.addr(), Conns: 1, Timeout: 5 * time.Second})
		defer snd.Close()
		if err := snd.Send(ctx, testMessage(1)); err != nil {
			t.Fatal(err)
		}
		if err := snd.Send(ctx, testMessage(2)); err == nil || !IsTransient(err) {
			t.Fatalf("Send cut before the reply = %v, want a transient error", err)
		}
		if got := s.received.Load(); got != 2 {
			t.Errorf("sink read %d messages, want 2: a message whose content was sent must not go again", got)
		}
	})
}

func TestSendCancelled(t *testing.T) {
	// A server that accepts and never answers: the context bounds the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	snd, _ := NewSender(Config{Addr: ln.Addr().String()})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = snd.Send(ctx, testMessage(1))
	if err == nil || !IsTransient(err) || time.Since(start) > 5*time.Second {
		t.Errorf("Send to a silent server = %v after %v, want a transient error soon after the deadline", err, time.Since(start))
	}
}

func TestIsTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&SMTPError{Code: 421}, true},
		{fmt.Errorf("wrap: %w", &SMTPError{Code: 452}), true},
		{&SMTPError{Code: 550}, false},
		{&SMTPError{Code: 554}, false},
		{io.EOF, true},
		{context.DeadlineExceeded, true},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, true},
		{rapport.Errorf(rapport.EINVALID, "bad"), false},
		{errors.New("something else"), false},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
