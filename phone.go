package rapport

import "strings"

// maxPhoneInput bounds the work done on one phone value: no written phone
// number, even with separators and a "tel:" prefix, comes near it.
const maxPhoneInput = 64

// NormalizePhone returns raw as an E.164 number ("+15555550100").
//
// Accepted forms: "+" followed by a country code and number (8 to 15 digits
// in all), optionally written with spaces, dots, hyphens, slashes and
// parentheses; "tel:" URIs (RFC 3966) with such a number, whose parameters
// other than ext are ignored; the international call prefixes "00" (and
// "011" for NANP countries) in place of "+".
//
// For defaultCountry "US", "CA" or "PR" (the North American Numbering Plan)
// a number without "+" is read as a NANP number: 10 digits, optionally after
// a leading 1, whose area code and exchange code do not start with 0 or 1
// ("(312) 555-0100", "312.555.0100", "1-312-555-0100"). "+1" numbers are
// checked by the same rules whatever defaultCountry is. For any other
// defaultCountry (or none) a number must carry its country code.
//
// Numbers with an extension ("x12", "ext. 12", "#12", ";ext=12") are
// rejected, not truncated: an extension reaches a switchboard, and Rapport
// must not text or call a number that is not the patient's own. Letters
// (vanity numbers) are rejected too.
//
// Errors are *Error with code EINVALID; their messages never repeat the
// value, which is PHI.
func NormalizePhone(raw, defaultCountry string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", Errorf(EINVALID, "phone number is empty")
	}
	if len(s) > maxPhoneInput {
		return "", Errorf(EINVALID, "phone number is too long")
	}
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
		if i := strings.IndexByte(s, ';'); i >= 0 {
			params := strings.ToLower(s[i:])
			if strings.Contains(params, ";ext=") {
				return "", errPhoneExtension()
			}
			s = s[:i]
		}
	}

	var digits [maxPhoneInput]byte
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits[n] = c
			n++
		case c == '+':
			if plus || n > 0 {
				return "", Errorf(EINVALID, "phone number has a misplaced '+'")
			}
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\t':
			// Visual separators.
		case c == 'x' || c == 'X' || c == '#' || c == ',' || c == ';':
			return "", errPhoneExtension()
		case c == 'e' || c == 'E':
			if strings.HasPrefix(strings.ToLower(s[i:]), "ext") {
				return "", errPhoneExtension()
			}
			return "", Errorf(EINVALID, "phone number contains letters")
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			return "", Errorf(EINVALID, "phone number contains letters")
		default:
			return "", Errorf(EINVALID, "phone number contains a character that is not a digit or separator")
		}
	}
	d := digits[:n]
	if n == 0 {
		return "", Errorf(EINVALID, "phone number has no digits")
	}

	nanp := isNANPCountry(defaultCountry)
	if !plus {
		switch {
		case nanp && n > 3 && string(d[:3]) == "011":
			d, plus = d[3:], true
		case !nanp && n > 2 && d[0] == '0' && d[1] == '0':
			d, plus = d[2:], true
		}
	}
	if plus {
		return internationalPhone(d)
	}
	if !nanp {
		return "", Errorf(EINVALID, "phone number needs a country code (+CC) outside the North American Numbering Plan")
	}
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	return nanpPhone(d)
}

func errPhoneExtension() *Error {
	return Errorf(EINVALID, "phone number has an extension; a direct number is needed")
}

// isNANPCountry reports whether country (ISO 3166 alpha-2, any case) reads
// national numbers by NANP rules.
func isNANPCountry(country string) bool {
	return strings.EqualFold(country, "US") || strings.EqualFold(country, "CA") || strings.EqualFold(country, "PR")
}

// internationalPhone checks the digits of a "+" number.
func internationalPhone(d []byte) (string, error) {
	if len(d) == 0 || d[0] == '0' {
		return "", Errorf(EINVALID, "phone number has no valid country code")
	}
	if d[0] == '1' {
		if len(d) != 11 {
			return "", Errorf(EINVALID, "NANP phone number must have 10 digits after +1")
		}
		return nanpPhone(d[1:])
	}
	if len(d) < 8 || len(d) > 15 {
		return "", Errorf(EINVALID, "international phone number must have 8 to 15 digits")
	}
	return "+" + string(d), nil
}

// nanpPhone checks a 10-digit NANP number and returns it as E.164.
func nanpPhone(d []byte) (string, error) {
	if len(d) != 10 {
		return "", Errorf(EINVALID, "phone number must have 10 digits (area code and number)")
	}
	if d[0] < '2' {
		return "", Errorf(EINVALID, "phone number has an area code starting with 0 or 1")
	}
	if d[3] < '2' {
		return "", Errorf(EINVALID, "phone number has an exchange code starting with 0 or 1")
	}
	var b [12]byte
	b[0], b[1] = '+', '1'
	copy(b[2:], d)
	return string(b[:]), nil
}
