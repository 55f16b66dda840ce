package email

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// conn is one SMTP session, used by one goroutine at a time.
type conn struct {
	nc   net.Conn
	r    *textproto.Reader
	w    *bufio.Writer
	ext  map[string]string // EHLO keywords (upper case) and their parameters
	tls  bool
	sent int
	used time.Time // when the session last finished a message
	// body is set once send starts writing a message's content: a failure
	// after that may have left the message accepted, so it is never sent
	// again on another session; a failure before it is safe to retry.
	body bool
}

// dial opens a session: greeting, EHLO, STARTTLS (then EHLO again) and AUTH
// as configured.
func dial(ctx context.Context, cfg *Config) (*conn, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp dial: %w", err)
	}
	c := &conn{}
	c.attach(nc)
	stop := c.deadline(ctx, cfg.Timeout)
	defer stop()
	if err := c.expect("CONNECT", 220); err != nil {
		nc.Close()
		return nil, err
	}
	if err := c.hello(cfg.Hello); err != nil {
		nc.Close()
		return nil, err
	}
	if _, ok := c.ext["STARTTLS"]; ok && !cfg.DisableTLS {
		if err := c.cmd("STARTTLS", 220, "STARTTLS"); err != nil {
			nc.Close()
			return nil, err
		}
		tc := cfg.TLSConfig.Clone()
		if tc == nil {
			tc = &tls.Config{}
		}
		if tc.ServerName == "" {
			tc.ServerName, _, _ = net.SplitHostPort(cfg.Addr)
		}
		tlsConn := tls.Client(nc, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, rapport.Errorf(rapport.EINVALID, "smtp STARTTLS handshake with %s failed: %v", cfg.Addr, err)
		}
		c.attach(tlsConn)
		c.tls = true
		if err := c.hello(cfg.Hello); err != nil {
			c.nc.Close()
			return nil, err
		}
	} else if cfg.RequireTLS {
		nc.Close()
		return nil, rapport.Errorf(rapport.EINVALID, "smtp server %s does not offer STARTTLS and TLS is required", cfg.Addr)
	}
	if cfg.Username != "" {
		if err := c.auth(cfg); err != nil {
			c.nc.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *conn) attach(nc net.Conn) {
	c.nc = nc
	c.r = textproto.NewReader(bufio.NewReaderSize(nc, 4096))
	c.w = bufio.NewWriterSize(nc, 32*1024)
}

// deadline bounds the session's I/O by timeout and by ctx; the returned
// function must be called when the exchange is over.
func (c *conn) deadline(ctx context.Context, timeout time.Duration) func() {
	dl := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	c.nc.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	return func() { stop() }
}

func (c *conn) hello(name string) error {
	if _, err := fmt.Fprintf(c.w, "EHLO %s\r\n", name); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	code, msg, err := c.r.ReadResponse(0)
	if err != nil {
		return err
	}
	if code != 250 {
		return replyError("EHLO", code, msg)
	}
	c.ext = map[string]string{}
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		c.ext[strings.ToUpper(k)] = v
	}
	return nil
}

// cmd sends one command and expects code.
func (c *conn) cmd(name string, code int, line string) error {
	if _, err := c.w.WriteString(line + "\r\n"); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	return c.expect(name, code)
}

func (c *conn) expect(name string, want int) error {
	code, msg, err := c.r.ReadResponse(0)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", name, err)
	}
	if code != want && want != 0 {
		return replyError(name, code, msg)
	}
	return nil
}

func (c *conn) auth(cfg *Config) error {
	if !c.tls && !cfg.AllowPlainAuth && !isLoopback(cfg.Addr) {
		return rapport.Errorf(rapport.EINVALID, "smtp: refusing to send credentials to %s without TLS", cfg.Addr)
	}
	mechs := " " + strings.ToUpper(c.ext["AUTH"]) + " "
	switch {
	case strings.Contains(mechs, " PLAIN "):
		resp := base64.StdEncoding.EncodeToString([]byte("\x00" + cfg.Username + "\x00" + cfg.Password))
		if err := c.cmd("AUTH", 235, "AUTH PLAIN "+resp); err != nil {
			return authError(err)
		}
	case strings.Contains(mechs, " LOGIN "):
		if err := c.cmd("AUTH", 334, "AUTH LOGIN"); err != nil {
			return authError(err)
		}
		if err := c.cmd("AUTH", 334, base64.StdEncoding.EncodeToString([]byte(cfg.Username))); err != nil {
			return authError(err)
		}
		if err := c.cmd("AUTH", 235, base64.StdEncoding.EncodeToString([]byte(cfg.Password))); err != nil {
			return authError(err)
		}
	default:
		return rapport.Errorf(rapport.EINVALID, "smtp server %s offers no AUTH PLAIN or LOGIN (offers %q)", cfg.Addr, c.ext["AUTH"])
	}
	return nil
}

// authError makes a refused login permanent: retrying the same
// credentials will not help, and hammering a server gets an IP blocked.
func authError(err error) error {
	if se, ok := err.(*SMTPError); ok && se.Code >= 500 {
		return &rapport.Error{Code: rapport.EINVALID, Message: "smtp authentication failed", Err: err}
	}
	return err
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// send delivers one message to one recipient. With PIPELINING, MAIL, RCPT
// and DATA go in one write and their replies are read together (RFC 2920),
// saving two round trips per message. A refused command leaves the session
// usable (after RSET); an I/O error does not (the caller closes it).
func (c *conn) send(from, to string, data []byte) (err error) {
	c.body = false
	if _, ok := c.ext["PIPELINING"]; ok {
		fmt.Fprintf(c.w, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", from, to)
		if err := c.w.Flush(); err != nil {
			return err
		}
		var refused error
		dataOpen := false
		for _, step := range []string{"MAIL", "RCPT", "DATA"} {
			code, msg, err := c.r.ReadResponse(0)
			if err != nil {
				return fmt.Errorf("smtp %s: %w", step, err)
			}
			switch {
			case step == "DATA" && code == 354:
				dataOpen = true
			case code == 250 || step == "RCPT" && code == 251:
			default:
				if refused == nil {
					refused = replyError(step, code, msg)
				}
			}
		}
		if refused != nil {
			if dataOpen {
				// The server opened DATA despite a refusal: send an empty
				// message terminator and discard its reply.
				if err := c.cmd("DATA", 0, "."); err != nil && !isReply(err) {
					return fmt.Errorf("%w (and ending DATA failed: %w)", refused, errConnLost)
				}
			}
			return c.reset(refused)
		}
	} else {
		for _, step := range []struct {
			name, line string
			code       int
		}{{"MAIL", "MAIL FROM:<" + from + ">", 250}, {"RCPT", "RCPT TO:<" + to + ">", 250}, {"DATA", "DATA", 354}} {
			if err := c.cmd(step.name, step.code, step.line); err != nil {
				if isReply(err) {
					return c.reset(err)
				}
				return err
			}
		}
	}
	c.body = true
	dw := textproto.NewWriter(c.w).DotWriter()
	if _, err := dw.Write(data); err != nil {
		return err
	}
	if err := dw.Close(); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	if err := c.expect("DATA", 250); err != nil {
		return err
	}
	c.sent++
	return nil
}

// reset sends RSET after a refused command so the session can be reused,
// and returns the refusal.
func (c *conn) reset(refusal error) error {
	if err := c.cmd("RSET", 250, "RSET"); err != nil {
		return fmt.Errorf("%w (and RSET failed: %w)", refusal, errConnLost)
	}
	return refusal
}

func (c *conn) quit() {
	c.nc.SetDeadline(time.Now().Add(time.Second))
	c.cmd("QUIT", 221, "QUIT")
	c.nc.Close()
}

func isReply(err error) bool {
	_, ok := err.(*SMTPError)
	return ok
}
