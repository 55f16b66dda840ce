package rapport

import "strings"

// NormalizeEmail returns raw as Rapport stores e-mail addresses: trimmed,
// without a "mailto:" prefix, and entirely lower-case.
//
// Lower-casing the local part is not what RFC 5321 promises, but every
// mailbox provider a hospital's patients use treats it case-insensitively,
// and one spelling per address is what makes deduplication and unsubscribe
// matching work.
//
// The address must be ASCII (internationalised domains in their "xn--"
// form), have one "@", a local part of 1 to 64 characters from the RFC 5322
// dot-atom set (no quoted local parts, no leading, trailing or double dots)
// and a domain of at least two dot-separated labels of letters, digits and
// hyphens. Display names ("Ann <ann@example.org>") are rejected.
//
// Errors are *Error with code EINVALID; their messages never repeat the
// value, which is PHI.
func NormalizeEmail(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = strings.TrimSpace(s[7:])
	}
	if s == "" {
		return "", Errorf(EINVALID, "e-mail address is empty")
	}
	if len(s) > 254 {
		return "", Errorf(EINVALID, "e-mail address is too long")
	}
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return "", Errorf(EINVALID, "e-mail address has no '@'")
	}
	local, domain := s[:at], s[at+1:]
	if strings.IndexByte(domain, '@') >= 0 {
		return "", Errorf(EINVALID, "e-mail address has more than one '@'")
	}
	if err := checkEmailLocal(local); err != nil {
		return "", err
	}
	if err := checkEmailDomain(domain); err != nil {
		return "", err
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s), nil
		}
	}
	return s, nil
}

func checkEmailLocal(local string) error {
	if local == "" || len(local) > 64 {
		return Errorf(EINVALID, "e-mail address has a local part that is empty or longer than 64 characters")
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return Errorf(EINVALID, "e-mail address has a misplaced dot before the '@'")
	}
	for i := 0; i < len(local); i++ {
		if !isAtext(local[i]) && local[i] != '.' {
			return Errorf(EINVALID, "e-mail address has a character not allowed before the '@'")
		}
	}
	return nil
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func checkEmailDomain(domain string) error {
	if domain == "" || len(domain) > 253 {
		return Errorf(EINVALID, "e-mail address has a domain that is empty or too long")
	}
	labels := 0
	for rest := domain; ; {
		label := rest
		i := strings.IndexByte(rest, '.')
		if i >= 0 {
			label, rest = rest[:i], rest[i+1:]
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return Errorf(EINVALID, "e-mail address has an invalid domain")
		}
		for j := 0; j < len(label); j++ {
			c := label[j]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return Errorf(EINVALID, "e-mail address has a character not allowed in a domain")
			}
		}
		labels++
		if i < 0 {
			break
		}
	}
	if labels < 2 {
		return Errorf(EINVALID, "e-mail address domain needs at least two labels")
	}
	return nil
}
