package email

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/rapport-health/rapport"
)

// SMTPError is a reply from the server that refused a command. It may
// echo the recipient's address, so it is for logs, never for users.
type SMTPError struct {
	Command  string // "MAIL", "RCPT", "DATA", "AUTH"…
	Code     int    // the reply code, e.g. 550
	Enhanced string // the RFC 3463 status, e.g. "5.1.1", if given
	Message  string
}

func (e *SMTPError) Error() string {
	return fmt.Sprintf("smtp %s: %d %s", e.Command, e.Code, e.Message)
}

// Temporary reports a 4xx reply: try again later.
func (e *SMTPError) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// BadMailbox reports a permanent failure about the recipient's address
// (5.1.x: no such user, bad domain), after which the address should be
// suppressed.
func (e *SMTPError) BadMailbox() bool {
	return e.Code >= 500 && (strings.HasPrefix(e.Enhanced, "5.1.") || e.Code == 550 && e.Enhanced == "")
}

func replyError(cmd string, code int, msg string) *SMTPError {
	e := &SMTPError{Command: cmd, Code: code, Message: msg}
	if f, rest, ok := strings.Cut(msg, " "); ok && len(f) >= 5 && (f[0] == '4' || f[0] == '5') && f[1] == '.' {
		e.Enhanced, e.Message = f, rest
	}
	return e
}

// IsTransient reports whether a send that failed with err may succeed if
// retried later: a 4xx reply, a network failure, a timeout or a
// cancelled context. A 5xx reply, an invalid message and a configuration
// error (bad credentials, TLS required but not offered) are permanent.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var se *SMTPError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	var re *rapport.Error
	if errors.As(err, &re) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, errConnLost)
}

var errConnLost = errors.New("smtp connection lost")
