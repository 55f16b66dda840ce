package email

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport/internal/email/maildev"
)

// TestMaildev sends real messages to a real SMTP server (maildev) and
// reads them back through its HTTP API: headers as sent, and both DKIM
// signatures verifiable on the bytes it received.
func TestMaildev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts maildev")
	}
	srv := maildev.Start(t, maildev.Options{User: "rapport", Pass: "secret"})
	rsaKey, edKey, txt := dkimKeys(t)
	snd, err := NewSender(Config{Addr: srv.SMTPAddr, Username: "rapport", Password: "secret", Conns: 3, Timeout: 10 * time.Second},
		&DKIM{Domain: "mercy.example", Selector: "rsa", Key: rsaKey},
		&DKIM{Domain: "mercy.example", Selector: "ed", Key: edKey})
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := snd.Send(ctx, testMessage(i)); err != nil {
				t.Errorf("Send %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	emails, err := srv.WaitFor(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range emails {
		seen[e.To[0].Address] = true
		want := testMessage(0)
		for _, tc := range []struct{ name, got, want string }{
			{"subject", e.Subject, want.Subject},
			{"from", e.From[0].Address, want.From.Address},
			{"envelope from", e.Envelope.From.Address, want.ReturnPath},
			{"list-unsubscribe-post", e.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click"},
		} {
			if tc.got != tc.want {
				t.Errorf("%s: %s = %q, want %q", e.ID, tc.name, tc.got, tc.want)
			}
		}
		if lu := e.Header("List-Unsubscribe"); !strings.Contains(lu, "<https://mercy.example/u/abc?one=click>") || !strings.Contains(lu, "<mailto:unsubscribe@mercy.example?subject=abc>") {
			t.Errorf("%s: List-Unsubscribe = %q", e.ID, lu)
		}
		if !strings.Contains(e.Header("Message-ID"), ".email@mercy.example") || e.Header("DKIM-Signature") == "" {
			t.Errorf("%s: Message-ID %q, DKIM-Signature %q", e.ID, e.Header("Message-ID"), e.Header("DKIM-Signature"))
		}
		if !strings.Contains(e.Text, "It is time for your flu shot.") {
			t.Errorf("%s: text = %q", e.ID, e.Text)
		}
		src, err := srv.Source(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Verify(src, txt); err != nil || got != 2 {
			t.Errorf("%s: Verify(received source) = %d, %v, want 2 valid signatures", e.ID, got, err)
		}
	}
	if len(seen) != n {
		t.Errorf("maildev holds %d distinct recipients, want %d", len(seen), n)
	}

	// Wrong credentials are refused by the real server, permanently.
	bad, _ := NewSender(Config{Addr: srv.SMTPAddr, Username: "rapport", Password: "wrong", Timeout: 10 * time.Second})
	defer bad.Close()
	if err := bad.Send(ctx, testMessage(99)); err == nil || IsTransient(err) {
		t.Errorf("Send with a wrong password = %v, want a permanent error", err)
	}
}

// benchSend sends b.N messages through conns connections in parallel and
// reports messages per second.
func benchSend(b *testing.B, addr string, conns int, signers ...*DKIM) {
	snd, err := NewSender(Config{Addr: addr, Conns: conns, MaxPerConn: 100000, Timeout: 30 * time.Second}, signers...)
	if err != nil {
		b.Fatal(err)
	}
	defer snd.Close()
	ctx := context.Background()
	msgs := make(chan int, conns)
	var wg sync.WaitGroup
	b.ResetTimer()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range msgs {
				if err := snd.Send(ctx, testMessage(i)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	for i := range b.N {
		msgs <- i
	}
	close(msgs)
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

func benchSigners(b *testing.B) map[string][]*DKIM {
	rsaKey, edKey, _ := dkimKeys(b)
	return map[string][]*DKIM{
		"nodkim":  nil,
		"ed25519": {{Domain: "mercy.example", Selector: "ed", Key: edKey}},
		"rsa2048": {{Domain: "mercy.example", Selector: "rsa", Key: rsaKey}},
	}
}

// BenchmarkSendSink measures our side alone: build, sign and SMTP to a
// minimal Go sink in this process (which shares the CPU).
func BenchmarkSendSink(b *testing.B) {
	for _, name := range []string{"nodkim", "ed25519", "rsa2048"} {
		b.Run(name, func(b *testing.B) {
			s := startSink(b, func(s *sink) { s.keep = false })
			benchSend(b, s.addr(), 4, benchSigners(b)[name]...)
		})
	}
}

// BenchmarkSendMaildev measures delivery to the real SMTP sink.
func BenchmarkSendMaildev(b *testing.B) {
	srv := maildev.Start(b, maildev.Options{})
	for _, name := range []string{"nodkim", "ed25519", "rsa2048"} {
		b.Run(name, func(b *testing.B) {
			benchSend(b, srv.SMTPAddr, 4, benchSigners(b)[name]...)
			srv.DeleteAll(context.Background())
		})
	}
}

// BenchmarkPrepare measures building and signing one message.
func BenchmarkPrepare(b *testing.B) {
	for _, name := range []string{"nodkim", "ed25519", "rsa2048"} {
		b.Run(name, func(b *testing.B) {
			snd, _ := NewSender(Config{Addr: "127.0.0.1:1"}, benchSigners(b)[name]...)
			m := testMessage(1)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := snd.Prepare(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
