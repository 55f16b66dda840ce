package email

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/rapport-health/rapport"
)

// ReportKind is what a report about a sent message says.
type ReportKind string

// Report kinds.
const (
	// ReportBounce is a permanent failure to deliver (a DSN with Action
	// failed and a 5.x.x status).
	ReportBounce ReportKind = "bounce"
	// ReportDelay is a temporary one (Action delayed, or a 4.x.x status):
	// nothing to do, the server is still trying.
	ReportDelay ReportKind = "delay"
	// ReportComplaint is a recipient's complaint forwarded by a mailbox
	// provider's feedback loop (an ARF report).
	ReportComplaint ReportKind = "complaint"
)

// Report is one finding of a delivery status notification (RFC 3464) or an
// abuse feedback report (RFC 5965) about a message we sent.
type Report struct {
	Kind ReportKind
	// MessageID is the Message-ID of the original message without angle
	// brackets, "" when the report does not carry it.
	MessageID string
	// Recipient is the address the report is about (Final-Recipient or
	// Original-Rcpt-To), "" when not given. It is PHI: never log it.
	Recipient string
	// Status is the DSN status code ("5.1.1"); FeedbackType the ARF
	// feedback type of a complaint: abuse, fraud or other.
	Status       string
	FeedbackType string
}

// dsnStatus is an RFC 3464 status code.
var dsnStatus = regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}$`)

// maxReport bounds how much of a report is read.
const maxReport = 10 << 20

// ParseReport reads one email and returns what it reports about messages
// we sent: each failed or delayed recipient of a delivery status
// notification (multipart/report; report-type=delivery-status), or the
// complaint of an abuse feedback report (report-type=feedback-report). An
// email that is neither returns no reports and no error: a mailbox
// receiving bounces also receives autoreplies and spam. A malformed report
// is an EINVALID error naming the part or field, never quoting a value.
func ParseReport(r io.Reader) ([]Report, error) {
	m, err := mail.ReadMessage(bufio.NewReader(io.LimitReader(r, maxReport)))
	if err != nil {
		return nil, rapport.Errorf(rapport.EINVALID, "report: not an email message (headers unreadable)")
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" {
		return nil, nil
	}
	kind := strings.ToLower(params["report-type"])
	if kind != "delivery-status" && kind != "feedback-report" {
		return nil, nil
	}
	if params["boundary"] == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "report: multipart/report without a boundary")
	}
	var (
		status   []textproto.MIMEHeader // per-recipient DSN fields
		feedback textproto.MIMEHeader
		original string
	)
	mr := multipart.NewReader(m.Body, params["boundary"])
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, rapport.Errorf(rapport.EINVALID, "report: part %d is malformed", i+1)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "message/delivery-status", "message/global-delivery-status":
			blocks, err := headerBlocks(decoded(p))
			if err != nil {
				return nil, rapport.Errorf(rapport.EINVALID, "report: part %d (%s) is malformed", i+1, pt)
			}
			if len(blocks) > 1 {
				status = append(status, blocks[1:]...) // the first block is per message
			}
		case "message/feedback-report":
			blocks, err := headerBlocks(decoded(p))
			if err != nil || len(blocks) == 0 {
				return nil, rapport.Errorf(rapport.EINVALID, "report: part %d (%s) is malformed", i+1, pt)
			}
			feedback = blocks[0]
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			if h, err := textproto.NewReader(bufio.NewReader(decoded(p))).ReadMIMEHeader(); err == nil || len(h) > 0 {
				original = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
			}
		}
	}
	var out []Report
	switch kind {
	case "delivery-status":
		if len(status) == 0 {
			return nil, rapport.Errorf(rapport.EINVALID, "report: delivery status notification without per-recipient fields")
		}
		for _, h := range status {
			action := strings.ToLower(strings.TrimSpace(h.Get("Action")))
			code := strings.TrimSpace(h.Get("Status"))
			if sp := strings.IndexAny(code, " \t("); sp > 0 {
				code = code[:sp]
			}
			if !dsnStatus.MatchString(code) {
				code = "" // it goes into event ids: only a well-formed code
			}
			rep := Report{MessageID: original, Recipient: typedAddress(h.Get("Final-Recipient")), Status: code}
			switch {
			case action == "failed" && (strings.HasPrefix(code, "5.") || code == ""):
				rep.Kind = ReportBounce
			case action == "delayed" || action == "failed" && strings.HasPrefix(code, "4."):
				rep.Kind = ReportDelay
			default:
				continue // delivered, relayed, expanded: not a problem
			}
			out = append(out, rep)
		}
	case "feedback-report":
		if feedback == nil {
			return nil, rapport.Errorf(rapport.EINVALID, "report: feedback report without a message/feedback-report part")
		}
		ft := strings.ToLower(strings.TrimSpace(feedback.Get("Feedback-Type")))
		if ft == "" {
			return nil, rapport.Errorf(rapport.EINVALID, "report: feedback report field Feedback-Type is missing")
		}
		// abuse, fraud and other are a recipient's complaint (RFC 5965);
		// not-spam, virus and auth-failure (RFC 6591) are not.
		if ft != "abuse" && ft != "fraud" && ft != "other" {
			return nil, nil
		}
		out = append(out, Report{Kind: ReportComplaint, MessageID: original, FeedbackType: ft,
			Recipient: typedAddress(feedback.Get("Original-Rcpt-To"))})
	}
	return out, nil
}

// decoded undoes a part's base64 transfer encoding (multipart already
// undoes quoted-printable).
func decoded(p *multipart.Part) io.Reader {
	switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, p)
	case "quoted-printable":
		return quotedprintable.NewReader(p)
	}
	return p
}

// headerBlocks reads header blocks separated by blank lines (the body of a
// message/delivery-status or message/feedback-report part).
func headerBlocks(r io.Reader) ([]textproto.MIMEHeader, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxReport))
	if err != nil {
		return nil, err
	}
	body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	var out []textproto.MIMEHeader
	for _, chunk := range bytes.Split(body, []byte("\n\n")) {
		if len(bytes.TrimSpace(chunk)) == 0 {
			continue
		}
		h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(chunk, '\n', '\n')))).ReadMIMEHeader()
		if err != nil && len(h) == 0 {
			return nil, fmt.Errorf("header block: %w", err)
		}
		out = append(out, h)
	}
	return out, nil
}

// typedAddress returns the address of a DSN/ARF address field
// ("rfc822; pat@example.org" or a bare address), lower-cased; "" when it
// is not an email address.
func typedAddress(v string) string {
	v = strings.TrimSpace(v)
	if t, a, ok := strings.Cut(v, ";"); ok {
		if !strings.EqualFold(strings.TrimSpace(t), "rfc822") {
			return ""
		}
		v = strings.TrimSpace(a)
	}
	v = strings.Trim(v, "<>")
	a, err := mail.ParseAddress(v)
	if err != nil {
		return ""
	}
	return strings.ToLower(a.Address)
}
