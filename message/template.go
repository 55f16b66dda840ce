package message

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// Syntax is the template language: text with fields
//
//	{{first_name}}          the value, which must not be empty at send time
//	{{first_name|there}}    the value, or "there" when it is empty
//	{{"{{"}}                a literal "{{"
//
// Field names are lower-case letters, digits and underscores, starting with a
// letter, and must be among the fields the caller allows (an unknown field is
// an error when the template is written, never a blank when it is sent).
// Fallbacks are literal text up to "}}" and may not contain "|" or "}}".
const Syntax = "{{field}} or {{field|fallback}}"

// Mode says how values are inserted.
type Mode int

// Template modes.
const (
	// Text inserts values as they are (SMS, plain-text email, subjects).
	Text Mode = iota
	// HTML escapes values and fallbacks for an HTML body; the template's
	// own text is trusted markup.
	HTML
)

type part struct {
	lit        string
	field      string // "" for a literal part
	fallback   string
	hasFall    bool
	htmlEscape bool
}

// Template is a parsed template. It is immutable and safe for concurrent use.
type Template struct {
	parts  []part
	fields []string
	size   int // literal bytes, to size the output
}

// Parse parses src in mode, allowing only the named fields.
func Parse(src string, mode Mode, allowed []string) (*Template, error) {
	if !utf8.ValidString(src) {
		return nil, &Error{Code: EINVALID, Message: "template is not valid UTF-8"}
	}
	ok := make(map[string]bool, len(allowed))
	for _, f := range allowed {
		ok[f] = true
	}
	t := &Template{}
	seen := map[string]bool{}
	rest := src
	var lit strings.Builder
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if j := strings.Index(rest, "}}"); j >= 0 {
				line, col := position(src, len(src)-len(rest)+j)
				return nil, posError(line, col, "", "\"}}\" without an opening \"{{\"")
			}
			lit.WriteString(rest)
			break
		}
		lit.WriteString(rest[:i])
		start := len(src) - len(rest) + i
		body, after, found := strings.Cut(rest[i+2:], "}}")
		line, col := position(src, start)
		if !found {
			return nil, posError(line, col, "", "unclosed field: want %s", Syntax)
		}
		rest = after
		if body == `"{{"` {
			lit.WriteString("{{")
			continue
		}
		name, fb, hasFall := strings.Cut(body, "|")
		name = strings.TrimSpace(name)
		if !validName(name) {
			return nil, posError(line, col, "", "bad field name %q: want lower-case letters, digits and _ (%s)", name, Syntax)
		}
		if !ok[name] {
			return nil, posError(line, col, name, "unknown field %q (allowed: %s)", name, strings.Join(allowed, ", "))
		}
		if strings.ContainsAny(fb, "|{") {
			return nil, posError(line, col, name, "fallback of %q may not contain \"|\" or \"{\"", name)
		}
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			t.size += lit.Len()
			lit.Reset()
		}
		if mode == HTML {
			fb = html.EscapeString(fb)
		}
		t.parts = append(t.parts, part{field: name, fallback: fb, hasFall: hasFall})
		if !seen[name] {
			seen[name] = true
			t.fields = append(t.fields, name)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, part{lit: lit.String()})
		t.size += lit.Len()
	}
	if mode == HTML {
		for i := range t.parts {
			t.parts[i].htmlEscape = true
		}
	}
	return t, nil
}

func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// position returns the 1-based line and column (in characters) of byte
// offset off in s.
func position(s string, off int) (line, col int) {
	before := s[:off]
	line = strings.Count(before, "\n") + 1
	col = utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// Fields returns the fields t uses, in order of first use.
func (t *Template) Fields() []string { return append([]string(nil), t.fields...) }

// Values supplies field values for one recipient.
type Values map[string]string

// MissingError reports a field with no value and no fallback.
type MissingError struct{ Field string }

func (e *MissingError) Error() string {
	return fmt.Sprintf("field %q has no value and no fallback", e.Field)
}

// Append renders t for one recipient, appending to dst. A field whose
// value is empty or blank uses its fallback; with no fallback it is a
// *MissingError, so that no patient ever gets "Hi ,".
func (t *Template) Append(dst []byte, v Values) ([]byte, error) {
	for i := range t.parts {
		p := &t.parts[i]
		if p.field == "" {
			dst = append(dst, p.lit...)
			continue
		}
		val := v[p.field]
		if strings.TrimSpace(val) == "" {
			if !p.hasFall {
				return dst, &MissingError{Field: p.field}
			}
			dst = append(dst, p.fallback...)
			continue
		}
		if p.htmlEscape {
			dst = appendEscaped(dst, val)
		} else {
			dst = append(dst, val...)
		}
	}
	return dst, nil
}

// Render renders t for one recipient.
func (t *Template) Render(v Values) (string, error) {
	b, err := t.Append(make([]byte, 0, t.size+16*len(t.fields)), v)
	return string(b), err
}

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&#34;"...)
		case '\'':
			dst = append(dst, "&#39;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
