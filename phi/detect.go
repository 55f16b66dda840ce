package phi

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// cand is a finding before overlaps are resolved. Offsets are bytes.
type cand struct {
	s, e int32
	typ  Type
	conf float32
}

// scanner holds the state of one Scan call.
type scanner struct {
	text   string
	low    string // text in lower case with the same byte offsets, or ""
	toks   []token
	cands  []cand
	ev     []int8 // name evidence per token
	lex    *lex
	words  uint32  // union of the lexicon flags of the words, set by run
	capsAt []int32 // words of 3+ letters written in capitals, listed by names
	saint  bool    // some word is "St" or "Ste", seen by names
	multi  bool    // the text has more than one line, seen by names
}

func (sc *scanner) word(i int) string { return sc.text[sc.toks[i].s:sc.toks[i].e] }

// is reports whether token i exists and reads s.
func (sc *scanner) is(i int, s string) bool {
	return i >= 0 && i < len(sc.toks) && sc.word(i) == s
}

func (sc *scanner) isPunct(i int, c byte) bool {
	if i < 0 || i >= len(sc.toks) {
		return false
	}
	t := sc.toks[i]
	return t.kind == kPunct && t.e-t.s == 1 && sc.text[t.s] == c
}

// tight reports whether token i follows token i-1 with no space.
func (sc *scanner) tight(i int) bool { return i > 0 && i < len(sc.toks) && !sc.toks[i].sp }

func (sc *scanner) add(s, e int32, typ Type, conf float32) {
	if e > s {
		sc.cands = append(sc.cands, cand{s: s, e: e, typ: typ, conf: conf})
	}
}

// mark records a finding over tokens [a, b] inclusive.
func (sc *scanner) mark(a, b int, typ Type, conf float32) {
	for k := a; k <= b; k++ {
		sc.toks[k].used = true
	}
	sc.add(sc.toks[a].s, sc.toks[b].e, typ, conf)
}

func (sc *scanner) lower(i int) string {
	if sc.low != "" {
		return sc.low[sc.toks[i].s:sc.toks[i].e]
	}
	w := sc.word(i)
	for k := 0; k < len(w); k++ {
		if c := w[k]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(w)
		}
	}
	return w
}

// numVal returns the value of a number token of at most 9 digits, or -1.
func (sc *scanner) numVal(i int) int {
	if i < 0 || i >= len(sc.toks) || sc.toks[i].kind != kNum {
		return -1
	}
	w := sc.word(i)
	if len(w) > 9 {
		return -1
	}
	v := 0
	for k := 0; k < len(w); k++ {
		c := w[k]
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

func (sc *scanner) numLen(i int) int {
	if i < 0 || i >= len(sc.toks) || sc.toks[i].kind != kNum {
		return 0
	}
	return int(sc.toks[i].e - sc.toks[i].s)
}

func (sc *scanner) flag(i int) uint32 {
	if i < 0 || i >= len(sc.toks) || sc.toks[i].kind != kWord {
		return 0
	}
	return sc.toks[i].lx
}

// prevWord returns the index of the nearest word before i on the same line,
// skipping at most skip punctuation tokens, or -1.
func (sc *scanner) prevWord(i, skip int) int {
	for k := i - 1; k >= 0; k-- {
		if sc.toks[k+1].nl {
			return -1
		}
		switch sc.toks[k].kind {
		case kWord:
			return k
		case kNum:
			return -1
		}
		if skip == 0 {
			return -1
		}
		skip--
	}
	return -1
}

// nextWord returns the index of the nearest word after i on the same line,
// skipping at most skip punctuation tokens, or -1.
func (sc *scanner) nextWord(i, skip int) int {
	for k := i + 1; k < len(sc.toks); k++ {
		if sc.toks[k].nl {
			return -1
		}
		switch sc.toks[k].kind {
		case kWord:
			return k
		case kNum:
			return -1
		}
		if skip == 0 {
			return -1
		}
		skip--
	}
	return -1
}

// chunkEnd returns the last token of the space-free run starting at i.
func (sc *scanner) chunkEnd(i int) int {
	j := i
	for j+1 < len(sc.toks) && !sc.toks[j+1].sp {
		j++
	}
	return j
}

// trimChunk drops leading and trailing punctuation that belongs to the
// sentence rather than to an identifier.
func (sc *scanner) trimChunk(a, b int) (int, int) {
	for a <= b && sc.toks[a].kind == kPunct && strings.ContainsRune("\"'([<{“‘¿¡*", rune(sc.text[sc.toks[a].s])) {
		a++
	}
	for b >= a && sc.toks[b].kind == kPunct && strings.ContainsAny(sc.word(b), ".,;:!?)\"']>}”’…*") {
		b--
	}
	return a, b
}

// run executes every detection pass in order: the specific, structured ones
// first, so that names never claim the words of an address or a date.
//
// One look at the tokens first tells which passes can find anything, so a
// short post without digits or month words skips most of them.
func (sc *scanner) run() {
	var words uint32
	nums, colon, dense := false, false, false
	for k := range sc.toks {
		t := &sc.toks[k]
		switch t.kind {
		case kWord:
			words |= t.lx
		case kNum:
			nums = true
		case kPunct:
			if sc.text[t.s] == ':' {
				colon = true
			}
			if k > 0 && !t.sp {
				dense = true // punctuation inside a space-free chunk: e-mail, URL, IP
			}
		}
	}
	if dense {
		sc.chunks()
	}
	if nums || words&(fStreetPre|fStreetSuf) != 0 {
		sc.streets()
	}
	if nums {
		sc.numbers()
	}
	if colon && words&fIDKey != 0 {
		sc.labels()
	}
	if words&(fMonth|fWeekday|fHoliday) != 0 {
		sc.monthDates()
	}
	if words&fCareSite != 0 {
		sc.careSites()
	}
	if words&fAgeWord != 0 {
		sc.wordAges()
	}
	sc.words = words
	sc.names()
}

// resolve sorts the findings and merges overlapping ones into one span whose
// type is the most specific of those merged.
func resolve(cs []cand) []cand {
	slices.SortFunc(cs, func(a, b cand) int {
		if a.s != b.s {
			return cmp.Compare(a.s, b.s)
		}
		return cmp.Compare(b.e, a.e)
	})
	out := cs[:0]
	for _, c := range cs {
		if n := len(out); n > 0 && c.s < out[n-1].e {
			p := &out[n-1]
			if c.e > p.e {
				p.e = c.e
			}
			if priority(c.typ) > priority(p.typ) {
				p.typ = c.typ
			}
			if c.conf > p.conf {
				p.conf = c.conf
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

func priority(t Type) int {
	switch t {
	case Email, URL, IP, SSN:
		return 9
	case Phone, Fax, MRN, HealthPlan, Account, License, Vehicle, Device, Biometric:
		return 8
	case Location:
		return 7
	case Date, Age:
		return 6
	case Name:
		return 5
	}
	return 3
}
