package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// Message is one email to one recipient, already rendered.
type Message struct {
	From mail.Address
	To   mail.Address
	// ReturnPath is the envelope sender (MAIL FROM), where bounces go;
	// From's address when empty.
	ReturnPath string
	Subject    string
	Text       string // plain-text body
	HTML       string // HTML body; with Text, the message is multipart/alternative
	Date       time.Time
	// MessageID is the Message-ID without angle brackets, e.g.
	// "c42.p17.email@mail.example.org". Derive it from the delivery's
	// idempotency key so that a retried send carries the same id.
	MessageID string
	// UnsubscribeURL is the one-click HTTPS unsubscribe endpoint (RFC
	// 8058: it must accept a POST with List-Unsubscribe=One-Click and
	// unsubscribe without a confirmation page). Required.
	UnsubscribeURL string
	// UnsubscribeMailto is an optional mailto: address for unsubscribing.
	UnsubscribeMailto string
	// Header holds extra headers (e.g. "X-Rapport-Campaign"); names must be
	// tokens and values one line.
	Header map[string]string
}

// Validate reports the first problem that would make m unsendable.
func (m *Message) Validate() error {
	bad := func(format string, args ...any) error { return rapport.Errorf(rapport.EINVALID, format, args...) }
	switch {
	case m.From.Address == "" || !validAddress(m.From.Address):
		return bad("email: From address is missing or invalid")
	case m.To.Address == "" || !validAddress(m.To.Address):
		return bad("email: To address is missing or invalid")
	case m.ReturnPath != "" && !validAddress(m.ReturnPath):
		return bad("email: return path is invalid")
	case strings.TrimSpace(m.Subject) == "":
		return bad("email: subject is empty")
	case m.Text == "" && m.HTML == "":
		return bad("email: body is empty")
	case m.MessageID == "" || strings.ContainsAny(m.MessageID, "<> \r\n") || !strings.Contains(m.MessageID, "@"):
		return bad("email: Message-ID must be id@domain without brackets or spaces")
	case !strings.HasPrefix(m.UnsubscribeURL, "https://") || strings.ContainsAny(m.UnsubscribeURL, "<>, \r\n"):
		return bad("email: unsubscribe URL must be an https:// URL without spaces, commas or angle brackets")
	case m.UnsubscribeMailto != "" && (!strings.HasPrefix(m.UnsubscribeMailto, "mailto:") || strings.ContainsAny(m.UnsubscribeMailto, "<>, \r\n")):
		return bad("email: unsubscribe mailto must be a mailto: URI")
	case m.Date.IsZero():
		return bad("email: date is missing")
	}
	if strings.ContainsAny(m.Subject+m.From.Name+m.To.Name, "\r\n") {
		return bad("email: subject and display names must be one line")
	}
	for k, v := range m.Header {
		if !isToken(k) || strings.ContainsAny(v, "\r\n") {
			return bad("email: extra header %q is not a token with a one-line value", k)
		}
	}
	return nil
}

// validAddress accepts an ASCII addr-spec with one @ and no spaces or
// brackets (SMTPUTF8 is not used).
func validAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if at < 1 || at == len(a)-1 {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("<>()[]\\,;:\"", c) >= 0 {
			return false
		}
	}
	return true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// envelopeFrom returns the MAIL FROM address.
func (m *Message) envelopeFrom() string {
	if m.ReturnPath != "" {
		return m.ReturnPath
	}
	return m.From.Address
}

// Build returns m as RFC 5322 bytes with CRLF line ends: the headers, and
// a quoted-printable text/plain or text/html body, or a
// multipart/alternative of both. The output depends only on m (the MIME
// boundary is derived from the Message-ID), so a retry sends the same bytes.
func (m *Message) Build() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(m.Text) + len(m.HTML)*11/10 + 1024)
	h := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	h("From", m.From.String())
	h("To", m.To.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", "<"+m.MessageID+">")
	h("MIME-Version", "1.0")
	lu := "<" + m.UnsubscribeURL + ">"
	if m.UnsubscribeMailto != "" {
		lu += ",\r\n <" + m.UnsubscribeMailto + ">"
	}
	h("List-Unsubscribe", lu)
	h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	for _, k := range sortedKeys(m.Header) {
		h(k, m.Header[k])
	}
	switch {
	case m.Text != "" && m.HTML != "":
		sum := sha256.Sum256([]byte(m.MessageID))
		boundary := "rapport-" + hex.EncodeToString(sum[:12])
		h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
		b.WriteString("\r\n")
		for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
			b.WriteString("--" + boundary + "\r\n")
			if err := writePart(&b, p.typ, p.body); err != nil {
				return nil, err
			}
		}
		b.WriteString("--" + boundary + "--\r\n")
	case m.HTML != "":
		if err := writePart(&b, "text/html", m.HTML); err != nil {
			return nil, err
		}
	default:
		if err := writePart(&b, "text/plain", m.Text); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

func writePart(b *bytes.Buffer, typ, body string) error {
	b.WriteString("Content-Type: " + typ + "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	w := quotedprintable.NewWriter(b)
	// Line breaks in the body are written as CRLF (quoted-printable keeps
	// hard line breaks as they are given).
	if _, err := w.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return fmt.Errorf("encode %s body: %w", typ, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encode %s body: %w", typ, err)
	}
	b.WriteString("\r\n")
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
