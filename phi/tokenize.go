package phi

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Token kinds.
const (
	kWord  uint8 = iota + 1 // letters, with inner apostrophes
	kNum                    // ASCII or Unicode decimal digits
	kPunct                  // any other visible rune, one per token
)

// Token shape bits.
const (
	shCap   uint8 = 1 << iota // first letter upper case
	shAll                     // every letter upper case, at least two letters
	shLower                   // first letter lower case
	shASCII                   // only ASCII bytes
)

// token is one unit of the single tokenizing pass. Offsets are bytes.
type token struct {
	s, e  int32
	lx    uint32 // lexicon flags (words only)
	kind  uint8
	shape uint8
	sp    bool // whitespace before the token
	nl    bool // a line break before the token, or the first token
	used  bool // already part of a finding
}

// tokenize splits text into words, numbers and punctuation in one pass and
// looks every word up in the lexicon.
//
// low must hold a copy of text: tokenize lowers the letters of every word in
// it, so that afterwards it is text in lower case with the same byte
// offsets. It reports false when some word changes length in lower case
// (then low is not usable).
func tokenize(text string, low []byte, lx *lex, toks []token) ([]token, bool) {
	same := true
	toks = toks[:0]
	sp, nl := false, true
	var buf [48]byte
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
				sp = true
				i++
				continue
			case c == '\n':
				sp, nl = true, true
				i++
				continue
			case c >= '0' && c <= '9':
				j := i + 1
				for j < n && text[j] >= '0' && text[j] <= '9' {
					j++
				}
				toks = append(toks, token{s: int32(i), e: int32(j), kind: kNum, sp: sp, nl: nl, shape: shASCII})
				sp, nl = false, false
				i = j
				continue
			case isASCIILetter(c):
				if t, j, ok := asciiWord(text, low, i, lx); ok {
					t.sp, t.nl = sp, nl
					toks = append(toks, t)
					sp, nl = false, false
					i = j
					continue
				}
				j, ascii := scanWord(text, i)
				t := token{s: int32(i), e: int32(j), kind: kWord, sp: sp, nl: nl}
				var lw string
				lw, same = lowerWord(text, low, i, j, ascii, same)
				t.shape, t.lx = wordInfo(text[i:j], lw, ascii, lx, buf[:])
				toks = append(toks, t)
				sp, nl = false, false
				i = j
				continue
			default:
				toks = append(toks, token{s: int32(i), e: int32(i + 1), kind: kPunct, sp: sp, nl: nl, shape: shASCII})
				sp, nl = false, false
				i++
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsLetter(r):
			j, ascii := scanWord(text, i)
			t := token{s: int32(i), e: int32(j), kind: kWord, sp: sp, nl: nl}
			var lw string
			lw, same = lowerWord(text, low, i, j, ascii, same)
			t.shape, t.lx = wordInfo(text[i:j], lw, ascii, lx, buf[:])
			toks = append(toks, t)
			i = j
		case unicode.IsDigit(r):
			toks = append(toks, token{s: int32(i), e: int32(i + size), kind: kNum, sp: sp, nl: nl})
			i += size
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			sp = true
			if r == '\u2028' || r == '\u2029' || r == '\u0085' {
				nl = true
			}
			i += size
			continue
		default:
			toks = append(toks, token{s: int32(i), e: int32(i + size), kind: kPunct, sp: sp, nl: nl})
			i += size
		}
		sp, nl = false, false
	}
	return toks, same
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// scanWord returns the end of the word starting at i: letters and marks,
// with an inner apostrophe kept ("O'Donnell", "don't") unless it starts a
// possessive "'s".
func scanWord(text string, i int) (int, bool) {
	ascii := true
	n := len(text)
	j := i
	for j < n {
		c := text[j]
		if c < utf8.RuneSelf {
			if isASCIILetter(c) {
				j++
				continue
			}
			if c == '\'' && j > i && j+1 < n && isASCIILetter(text[j+1]) && !possessive(text, j+1) {
				j++
				continue
			}
			break
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			ascii = false
			j += size
			continue
		}
		if r == '’' && j > i && j+size < n && isASCIILetter(text[j+size]) && !possessive(text, j+size) {
			ascii = false
			j += size
			continue
		}
		break
	}
	return j, ascii
}

// possessive reports whether text[k:] is "s" ending a word.
func possessive(text string, k int) bool {
	if text[k] != 's' && text[k] != 'S' {
		return false
	}
	return k+1 >= len(text) || !isASCIILetter(text[k+1]) && text[k+1] < utf8.RuneSelf
}

// wordInfo computes a word's shape and looks up its lowercase form.
func wordInfo(w, lw string, ascii bool, lx *lex, buf []byte) (uint8, uint32) {
	var shape uint8
	if ascii {
		shape |= shASCII
		c := w[0]
		if c >= 'A' && c <= 'Z' {
			shape |= shCap
			if len(w) > 1 {
				all := true
				for k := 1; k < len(w); k++ {
					if w[k] >= 'a' && w[k] <= 'z' {
						all = false
						break
					}
				}
				if all {
					shape |= shAll
				}
			}
		} else {
			shape |= shLower
		}
		if lw == "" {
			if len(w) > len(buf) {
				return shape, 0
			}
			b := buf[:len(w)]
			for k := 0; k < len(w); k++ {
				c := w[k]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b[k] = c
			}
			lw = string(b)
		}
		b := lw
		f := lx.get(b)
		if f == 0 {
			// Contractions: "I've", "we'd" take the flags of their first part.
			for k := 1; k < len(b); k++ {
				if b[k] == '\'' {
					f = lx.get(b[:k]) & (fStop | fDict)
					break
				}
			}
		}
		return shape, f
	}
	r, _ := utf8.DecodeRuneInString(w)
	if unicode.IsUpper(r) {
		shape |= shCap
		if utf8.RuneCountInString(w) > 1 && strings.ToUpper(w) == w {
			shape |= shAll
		}
	} else {
		shape |= shLower
	}
	if lw == "" {
		lw = strings.ToLower(w)
	}
	if strings.Contains(lw, "’") {
		lw = strings.ReplaceAll(lw, "’", "'")
	}
	return shape, lx.lookup(lw)
}

// lowerWord lowers text[i:j] into low[i:j] and returns it.
func lowerWord(text string, low []byte, i, j int, ascii, same bool) (string, bool) {
	if ascii {
		b := low[i:j]
		for k, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[k] = c + 'a' - 'A'
			}
		}
		return unsafe.String(unsafe.SliceData(b), len(b)), same
	}
	lw := strings.ToLower(text[i:j])
	if len(lw) != j-i {
		return lw, false
	}
	copy(low[i:j], lw)
	return lw, same
}

// asciiWord is the fast path of the tokenizer for a word of ASCII letters:
// one loop finds its end, lowers it into low, hashes it and reads its shape.
// It reports false when the word holds a non-ASCII letter or an apostrophe,
// which the general path handles.
func asciiWord(text string, low []byte, i int, lx *lex) (token, int, bool) {
	h := uint64(fnvOffset)
	upper, lower := 0, 0
	j := i
	for ; j < len(text); j++ {
		c := text[j]
		switch {
		case c >= 'a' && c <= 'z':
			lower++
		case c >= 'A' && c <= 'Z':
			upper++
			c += 'a' - 'A'
			low[j] = c
		case c >= utf8.RuneSelf || c == '\'' && j+1 < len(text) && isASCIILetter(text[j+1]):
			return token{}, 0, false
		default:
			goto done
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
done:
	t := token{s: int32(i), e: int32(j), kind: kWord, shape: shASCII}
	if text[i] >= 'A' && text[i] <= 'Z' {
		t.shape |= shCap
		if lower == 0 && upper > 1 {
			t.shape |= shAll
		}
	} else {
		t.shape |= shLower
	}
	t.lx = lx.getHash(fixHash(h), j-i)
	return t, j, true
}
