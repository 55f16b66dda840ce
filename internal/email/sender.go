package email

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
)

// Config is how to reach the SMTP server.
type Config struct {
	Addr  string // host:port of the submission server
	Hello string // the name sent in EHLO; "localhost" when empty
	// Username and Password, when set, are sent with AUTH PLAIN (or LOGIN
	// when PLAIN is not offered), only over TLS unless the server is on
	// loopback or AllowPlainAuth is set.
	Username, Password string
	AllowPlainAuth     bool
	// TLSConfig is used for STARTTLS, which is used whenever the server
	// offers it unless DisableTLS is set. RequireTLS refuses servers that
	// do not offer it.
	TLSConfig  *tls.Config
	DisableTLS bool
	RequireTLS bool
	// Conns is the most connections open at once; 4 when 0.
	Conns int
	// Timeout bounds connecting and each message's exchange; 30 s when 0.
	Timeout time.Duration
	// MaxPerConn recycles a connection after this many messages (servers
	// limit a session); 500 when 0.
	MaxPerConn int
}

// Sender delivers messages over a pool of persistent SMTP connections. It
// is safe for concurrent use: up to Config.Conns sends proceed in
// parallel, each on its own connection, and further callers wait. It
// starts no goroutines.
type Sender struct {
	cfg   Config
	dkim  []*DKIM
	slots chan struct{}
	mu    sync.Mutex
	idle  []*conn
	done  bool
}

// NewSender returns a sender for cfg that signs every message with each
// of signers (none, one, or e.g. an RSA and an Ed25519 key).
func NewSender(cfg Config, signers ...*DKIM) (*Sender, error) {
	if cfg.Addr == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "email: SMTP address is required")
	}
	if cfg.Hello == "" {
		cfg.Hello = "localhost"
	}
	if cfg.Conns <= 0 {
		cfg.Conns = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxPerConn <= 0 {
		cfg.MaxPerConn = 500
	}
	if cfg.DisableTLS && cfg.RequireTLS {
		return nil, rapport.Errorf(rapport.EINVALID, "email: TLS cannot be both disabled and required")
	}
	return &Sender{cfg: cfg, dkim: signers, slots: make(chan struct{}, cfg.Conns)}, nil
}

// Prepare builds and signs m, returning the bytes Send would transmit.
func (s *Sender) Prepare(m *Message) ([]byte, error) {
	raw, err := m.Build()
	if err != nil {
		return nil, err
	}
	for _, d := range s.dkim {
		if raw, err = d.Sign(raw); err != nil {
			return nil, err
		}
	}
	return raw, nil
}

// Send builds, signs and delivers m. Use IsTransient on the error to
// decide whether to retry; a permanent *SMTPError with BadMailbox means
// the address should be suppressed.
func (s *Sender) Send(ctx context.Context, m *Message) error {
	raw, err := s.Prepare(m)
	if err != nil {
		return err
	}
	return s.SendRaw(ctx, m.envelopeFrom(), m.To.Address, raw)
}

// SendRaw delivers already built bytes from the envelope sender to one
// recipient.
func (s *Sender) SendRaw(ctx context.Context, from, to string, raw []byte) error {
	if !validAddress(from) || !validAddress(to) {
		return rapport.Errorf(rapport.EINVALID, "email: envelope addresses are invalid")
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.slots }()
	for {
		c, reused, err := s.take(ctx)
		if err != nil {
			return err
		}
		stop := c.deadline(ctx, s.cfg.Timeout)
		err = c.send(from, to, raw)
		stop()
		if err != nil && (!isReply(err) || errors.Is(err, errConnLost)) {
			c.nc.Close()
			if ctx.Err() != nil {
				return errors.Join(ctx.Err(), err)
			}
			// A pooled session the server has since dropped fails on its
			// first command. Nothing of the message was sent, so it goes
			// again at once on another session rather than being deferred
			// as a transient failure.
			if reused && !c.body && !isReply(err) {
				continue
			}
			return err
		}
		s.put(c)
		return err
	}
}

// take returns an idle session (reused) or a new one.
func (s *Sender) take(ctx context.Context) (c *conn, reused bool, err error) {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return nil, false, rapport.Errorf(rapport.EINVALID, "email: sender is closed")
	}
	for n := len(s.idle); n > 0; n = len(s.idle) {
		c := s.idle[n-1]
		s.idle = s.idle[:n-1]
		// Servers may drop a session idle for five minutes (RFC 5321
		// 4.5.3.2.7); a stale one would fail the send, so do not reuse it.
		if time.Since(c.used) > time.Minute {
			c.nc.Close()
			continue
		}
		s.mu.Unlock()
		return c, true, nil
	}
	s.mu.Unlock()
	c, err = dial(ctx, &s.cfg)
	return c, false, err
}

func (s *Sender) put(c *conn) {
	c.used = time.Now()
	s.mu.Lock()
	if s.done || c.sent >= s.cfg.MaxPerConn {
		s.mu.Unlock()
		c.quit()
		return
	}
	s.idle = append(s.idle, c)
	s.mu.Unlock()
}

// Close ends every idle session with QUIT. Sends in progress finish and
// then close their connections.
func (s *Sender) Close() error {
	s.mu.Lock()
	s.done = true
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, c := range idle {
		c.quit()
	}
	return nil
}
