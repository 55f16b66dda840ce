package email

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sink is a minimal SMTP server for tests and for measuring our side of
// the throughput without maildev: EHLO with PIPELINING, optional STARTTLS
// and AUTH, and per-recipient replies chosen by the local part
// ("bounce…" → 550 5.1.1, "busy…" → 451 4.3.0).
type sink struct {
	ln       net.Listener
	tls      *tls.Config
	user     string
	pass     string
	noPipe   bool
	keep     bool
	wg       sync.WaitGroup
	received atomic.Int64
	mu       sync.Mutex
	msgs     []sinkMsg
	sessions atomic.Int64
	// dropAfter > 0 ends each session, without a word, after that many
	// messages (a server dropping an idle pooled session). hangUpAt > 0
	// makes the message with that number (counted over all sessions, from
	// 1) be read in full and then the session cut before the reply.
	dropAfter int
	hangUpAt  int64
}

type sinkMsg struct {
	From, To string
	Data     string
	TLS      bool
	Authed   bool
}

func startSink(t testing.TB, configure func(*sink)) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ln: ln, keep: true}
	if configure != nil {
		configure(s)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *sink) addr() string { return s.ln.Addr().String() }

func (s *sink) messages() []sinkMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...)
}

func (s *sink) serve(nc net.Conn) {
	s.sessions.Add(1)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(time.Minute))
	br := bufio.NewReader(nc)
	bw := bufio.NewWriter(nc)
	r := textproto.NewReader(br)
	reply := func(line string) {
		bw.WriteString(line + "\r\n")
		if br.Buffered() == 0 { // flush only when the client waits (pipelining)
			bw.Flush()
		}
	}
	reply("220 sink ready")
	var from, to string
	var isTLS, authed bool
	accepted := 0
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"250-sink"}
			if !s.noPipe {
				ext = append(ext, "250-PIPELINING")
			}
			if s.tls != nil && !isTLS {
				ext = append(ext, "250-STARTTLS")
			}
			if s.user != "" {
				ext = append(ext, "250-AUTH LOGIN PLAIN")
			}
			ext = append(ext, "250 8BITMIME")
			for _, l := range ext {
				reply(l)
			}
		case "STARTTLS":
			reply("220 go ahead")
			bw.Flush()
			tc := tls.Server(nc, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			nc, isTLS = tc, true
			br, bw = bufio.NewReader(nc), bufio.NewWriter(nc)
			r = textproto.NewReader(br)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			var u, p string
			switch strings.ToUpper(mech) {
			case "PLAIN":
				b, _ := base64.StdEncoding.DecodeString(resp)
				parts := strings.Split(string(b), "\x00")
				if len(parts) == 3 {
					u, p = parts[1], parts[2]
				}
			case "LOGIN":
				reply("334 VXNlcm5hbWU6")
				l1, _ := r.ReadLine()
				reply("334 UGFzc3dvcmQ6")
				l2, _ := r.ReadLine()
				bu, _ := base64.StdEncoding.DecodeString(l1)
				bp, _ := base64.StdEncoding.DecodeString(l2)
				u, p = string(bu), string(bp)
			}
			if u == s.user && p == s.pass && s.user != "" {
				authed = true
				reply("235 2.7.0 ok")
			} else {
				reply("535 5.7.8 bad credentials")
			}
		case "MAIL":
			if s.user != "" && !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			if len(arg) < 5 || !strings.EqualFold(arg[:5], "FROM:") {
				reply("501 5.5.4 syntax")
				continue
			}
			from = strings.Trim(arg[5:], "<>")
			reply("250 ok")
		case "RCPT":
			if len(arg) < 3 || !strings.EqualFold(arg[:3], "TO:") {
				reply("501 5.5.4 syntax")
				continue
			}
			to = strings.Trim(arg[3:], "<>")
			switch {
			case from == "":
				reply("503 5.5.1 MAIL first")
			case strings.HasPrefix(to, "bounce"):
				to = ""
				reply("550 5.1.1 no such user")
			case strings.HasPrefix(to, "busy"):
				to = ""
				reply("451 4.3.0 try later")
			default:
				reply("250 ok")
			}
		case "DATA":
			if to == "" {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			reply("354 go")
			bw.Flush()
			data, err := r.ReadDotBytes()
			if err != nil {
				return
			}
			n := s.received.Add(1)
			if s.keep {
				s.mu.Lock()
				s.msgs = append(s.msgs, sinkMsg{From: from, To: to, Data: string(data), TLS: isTLS, Authed: authed})
				s.mu.Unlock()
			}
			from, to = "", ""
			if n == s.hangUpAt {
				return
			}
			reply("250 2.0.0 queued")
			bw.Flush()
			accepted++
			if s.dropAfter > 0 && accepted >= s.dropAfter {
				return
			}
		case "RSET":
			from, to = "", ""
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			bw.Flush()
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}

// testCert returns a server TLS config for 127.0.0.1 and a client config
// trusting it.
func testCert(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}
