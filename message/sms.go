package message

import "strings"

// Encoding is an SMS character encoding.
type Encoding string

// SMS encodings.
const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// gsmBasic is the GSM 03.38 default alphabet (one septet each) and gsmExt
// its extension table (an escape plus one septet: two each).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExt = "^{}\\[~]|€\f"
)

// SMS describes how a text travels as SMS.
type SMS struct {
	Encoding Encoding
	// Chars is the number of Unicode characters.
	Chars int
	// Units is the number of septets (GSM-7, extension characters count
	// two) or UTF-16 code units (UCS-2, characters outside the BMP such as
	// most emoji count two).
	Units int
	// Segments is the number of SMS parts billed: one part holds 160
	// septets or 70 UCS-2 units; a concatenated message's parts hold 153
	// or 67, because each carries a 6-byte user-data header, and a part
	// never splits an escape sequence or a surrogate pair.
	Segments int
	// NonGSM lists, once each, the characters that force UCS-2 (e.g. a
	// curly apostrophe ’ pasted from a word processor).
	NonGSM []rune
}

// MeasureSMS measures text as an SMS.
func MeasureSMS(text string) SMS {
	s := SMS{Encoding: GSM7}
	var sizes []int // per character: septets (GSM-7) or code units (UCS-2)
	for _, r := range text {
		s.Chars++
		switch {
		case r < 0x80 && gsmASCII(r) > 0:
			sizes = append(sizes, gsmASCII(r))
		case r >= 0x80 && strings.ContainsRune(gsmBasic, r):
			sizes = append(sizes, 1)
		case strings.ContainsRune(gsmExt, r):
			sizes = append(sizes, 2)
		default:
			if s.Encoding == GSM7 {
				s.Encoding = UCS2
			}
			if !containsRune(s.NonGSM, r) {
				s.NonGSM = append(s.NonGSM, r)
			}
			sizes = append(sizes, 0)
		}
	}
	single, multi := 160, 153
	if s.Encoding == UCS2 {
		single, multi = 70, 67
		i := 0
		for _, r := range text {
			sizes[i] = 1
			if r > 0xFFFF {
				sizes[i] = 2
			}
			i++
		}
	}
	for _, n := range sizes {
		s.Units += n
	}
	switch {
	case s.Units == 0:
		s.Segments = 0
	case s.Units <= single:
		s.Segments = 1
	default:
		used := 0
		s.Segments = 1
		for _, n := range sizes {
			if used+n > multi {
				s.Segments++
				used = 0
			}
			used += n
		}
	}
	return s
}

// gsmASCII returns the septets of an ASCII character in GSM-7, or 0 when
// it has none (the backtick and most control characters).
func gsmASCII(r rune) int {
	switch {
	case r == '\n' || r == '\r':
		return 1
	case r == '\f' || r == '^' || r == '{' || r == '}' || r == '\\' || r == '[' || r == '~' || r == ']' || r == '|':
		return 2
	case r == '`' || r < 0x20 || r == 0x7f:
		return 0
	}
	return 1
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
