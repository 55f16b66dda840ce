package message

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rapport-health/rapport"
)

// Severity says whether a finding blocks a launch.
type Severity string

// Severities.
const (
	Blocker Severity = "blocker" // the campaign must not launch
	Warning Severity = "warning" // shown to the author, who may proceed
)

// Finding codes.
const (
	FindingEmpty          = "empty"
	FindingNoStop         = "sms_no_stop_instructions"
	FindingSegments       = "sms_segments"
	FindingUCS2           = "sms_ucs2"
	FindingReadingLevel   = "reading_level"
	FindingNoUnsubscribe  = "email_no_unsubscribe"
	FindingNoPostal       = "email_no_postal_address"
	FindingNoSubject      = "email_no_subject"
	FindingNoPlainText    = "email_no_plain_text"
	FindingUnknownChannel = "unknown_channel"
)

// Finding is one result of Check.
type Finding struct {
	Code     string
	Severity Severity
	Message  string // for the author; never contains patient data
}

// Content is one variant of a message, as authored (templates unrendered).
type Content struct {
	Channel rapport.Channel
	Subject string // email
	Text    string // the SMS, or the plain-text email body
	HTML    string // the HTML email body, if any
}

// Policy sets the thresholds of Check. The zero value uses the defaults.
type Policy struct {
	// MaxSegments is the most SMS parts a message may take before a
	// warning; 0 means 2.
	MaxSegments int
	// MaxGrade is the highest Flesch–Kincaid grade before a warning; 0
	// means 8.
	MaxGrade float64
	// PostalAddress is the sender's postal address; an email must contain
	// it or the {{postal_address}} field.
	PostalAddress string
}

// Fields every template may use for the required texts.
const (
	FieldUnsubscribeURL = "unsubscribe_url"
	FieldPostalAddress  = "postal_address"
)

var (
	stopInstruction = regexp.MustCompile(`(?i)\b(reply|text|txt|send|respond|responda|envíe|envie)( with)?\s+["'“]?(stop|end|quit|cancel|unsubscribe|baja|alto)\b` +
		`|(?i)\bstop\s*(=|to)\s*(opt[ -]?out|unsubscribe|end|cancel|quit)\b`)
	unsubscribeField = regexp.MustCompile(`\{\{\s*` + FieldUnsubscribeURL + `\s*(\||\}\})`)
	postalField      = regexp.MustCompile(`\{\{\s*` + FieldPostalAddress + `\s*(\||\}\})`)
)

// Check returns the findings for c under p, blockers first. An empty
// result means the content may launch.
func Check(c Content, p Policy) []Finding {
	if p.MaxSegments == 0 {
		p.MaxSegments = 2
	}
	if p.MaxGrade == 0 {
		p.MaxGrade = 8
	}
	var out []Finding
	add := func(code string, sev Severity, format string, args ...any) {
		out = append(out, Finding{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)})
	}
	switch c.Channel {
	case rapport.ChannelSMS:
		if strings.TrimSpace(c.Text) == "" {
			add(FindingEmpty, Blocker, "the SMS text is empty")
			break
		}
		if !stopInstruction.MatchString(c.Text) {
			add(FindingNoStop, Blocker, "an SMS must tell how to opt out, e.g. \"Reply STOP to opt out\"")
		}
		s := MeasureSMS(c.Text)
		if s.Segments > p.MaxSegments {
			add(FindingSegments, Warning, "the SMS takes %d parts (%d %s units) before personalisation; keep it to %d", s.Segments, s.Units, s.Encoding, p.MaxSegments)
		}
		if s.Encoding == UCS2 {
			add(FindingUCS2, Warning, "the characters %q force UCS-2 encoding (70 characters per part instead of 160)", string(s.NonGSM))
		}
		checkGrade(c.Text, p, add)
	case rapport.ChannelEmail:
		if strings.TrimSpace(c.Subject) == "" {
			add(FindingNoSubject, Blocker, "the email has no subject")
		}
		body := c.Text + "\n" + c.HTML
		if strings.TrimSpace(body) == "" {
			add(FindingEmpty, Blocker, "the email body is empty")
			break
		}
		for _, part := range []struct{ name, body string }{{"plain-text", c.Text}, {"HTML", c.HTML}} {
			if strings.TrimSpace(part.body) != "" && !unsubscribeField.MatchString(part.body) {
				add(FindingNoUnsubscribe, Blocker, "the %s body must contain the {{%s}} link (CAN-SPAM, RFC 8058)", part.name, FieldUnsubscribeURL)
			}
			if strings.TrimSpace(part.body) != "" && !postalField.MatchString(part.body) &&
				(p.PostalAddress == "" || !strings.Contains(part.body, p.PostalAddress)) {
				add(FindingNoPostal, Blocker, "the %s body must contain the sender's postal address or {{%s}} (CAN-SPAM)", part.name, FieldPostalAddress)
			}
		}
		if strings.TrimSpace(c.Text) == "" {
			add(FindingNoPlainText, Warning, "the email has no plain-text body; some clients and screen readers need one")
			checkGrade(stripTags(c.HTML), p, add)
		} else {
			checkGrade(c.Text, p, add)
		}
	default:
		add(FindingUnknownChannel, Blocker, "no content checks for channel %q", c.Channel)
	}
	// Blockers first, keeping order otherwise.
	sorted := make([]Finding, 0, len(out))
	for _, sev := range []Severity{Blocker, Warning} {
		for _, f := range out {
			if f.Severity == sev {
				sorted = append(sorted, f)
			}
		}
	}
	return sorted
}

func checkGrade(text string, p Policy, add func(string, Severity, string, ...any)) {
	if r := ReadingLevel(text); r.Words >= 10 && r.Grade > p.MaxGrade {
		add(FindingReadingLevel, Warning, "reading level is grade %.1f; aim for grade %.0f or lower (shorter sentences, shorter words)", r.Grade, p.MaxGrade)
	}
}

var tags = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string { return tags.ReplaceAllString(s, " ") }
