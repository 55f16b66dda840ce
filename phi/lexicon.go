package phi

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"strings"
	"sync"
)

//go:embed lists/*.txt.gz
var listFS embed.FS

// Lexicon flags, one bit per list or table a lowercase word belongs to.
const (
	fCommon    uint32 = 1 << iota // common English word (SCOWL ≤ 35)
	fEnglish                      // less common English word (SCOWL 40–50)
	fSpanish                      // Spanish word
	fFirst                        // census first name
	fLast                         // census surname
	fPeople                       // cspell people name
	fTitle                        // Mr, Dra, …
	fNameCue                      // my son, patient, named, …
	fStreetPre                    // Calle, Avda, …
	fStreetSuf                    // Street, Ave, …
	fUnit                         // Apt, Suite, piso, …
	fCareSite                     // Hospital, Clinic, …
	fMonth                        // month names and abbreviations
	fMonthAmb                     // month words that are also common words
	fWeekday                      // weekday names
	fHoliday                      // Christmas, …
	fDatePrep                     // on, since, last, …
	fPlacePrep                    // in, from, near, …
	fRegion                       // countries, US states, Spanish communities
	fStop                         // never a name by itself
	fZipCue                       // zip, CP, …
	fIDKey                        // words that introduce an identifier: MRN, NASS, policy, …
	fHeading                      // words of section headings and service names: Note, Report, Wound, …
	fAgeWord                      // ninety, hundred: ages over 89 in words
)

const fDict = fCommon | fEnglish | fSpanish
const fNameList = fFirst | fLast | fPeople

// lex maps a lowercase word to its flags. It is a set of open-addressing
// tables keyed by a 64-bit FNV-1a hash of the word alone: the low bits pick
// the slot and the high 32 bits are kept as a fingerprint, so no string is
// stored and a slot is 8 bytes. A word that is not listed is mistaken for a
// listed one with a probability of about 2^-32 per slot probed (the tables
// are kept at most three quarters full). hot holds the words of at most 4 bytes and
// common the common English words: those tables are small enough to stay in
// cache, and most tokens of a text are found there.
type lex struct {
	hot, common, all table
}

// table is an open-addressing hash table; key and flags share a slot so
// that a lookup touches one cache line.
type table struct {
	mask  uint64
	slots []slot
}

// slot keeps the upper 32 bits of the word's hash (the lower bits chose
// the slot), so one slot is 8 bytes and eight share a cache line.
type slot struct {
	key uint32 // 0 is an empty slot
	val uint32
}

func fingerprint(h uint64) uint32 {
	if f := uint32(h >> 32); f != 0 {
		return f
	}
	return 1
}

func newTable(n int) table {
	size := 1
	for size*3 < 4*n { // at most three quarters full
		size <<= 1
	}
	return table{mask: uint64(size - 1), slots: make([]slot, size)}
}

const fnvOffset = 14695981039346656037

// fnvAdd continues an FNV-1a hash over s.
func fnvAdd(h uint64, s string) uint64 {
	for k := 0; k < len(s); k++ {
		h ^= uint64(s[k])
		h *= 1099511628211
	}
	return h
}

// wordHash is FNV-1a, with 0 moved so that it can mark an empty slot.
func wordHash(s string) uint64 { return fixHash(fnvAdd(fnvOffset, s)) }

func fixHash(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

func (t *table) add(h uint64, f uint32) {
	fp := fingerprint(h)
	i := h & t.mask
	for t.slots[i].key != 0 && t.slots[i].key != fp {
		i = (i + 1) & t.mask
	}
	t.slots[i].key = fp
	t.slots[i].val |= f
}

// get returns the flags of h and whether h is in the table.
func (t *table) get(h uint64) (uint32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	fp := fingerprint(h)
	i := h & t.mask
	for {
		sl := &t.slots[i]
		if sl.key == fp {
			return sl.val, true
		}
		if sl.key == 0 {
			return 0, false
		}
		i = (i + 1) & t.mask
	}
}

// get looks a lowercase word up: short words in hot, common English words
// in common (small enough to stay in cache), the rest in all.
func (l *lex) get(w string) uint32 { return l.getHash(wordHash(w), len(w)) }

// getHash looks up a word by its hash and length in bytes.
func (l *lex) getHash(h uint64, n int) uint32 {
	if n <= hotLen {
		f, _ := l.hot.get(h)
		return f
	}
	if f, ok := l.common.get(h); ok {
		return f
	}
	f, _ := l.all.get(h)
	return f
}

func (l *lex) lookup(w string) uint32 { return l.get(w) }

// hotLen is the longest word kept in the hot table.
const hotLen = 4

// lexicon is built once, on first use, from the embedded lists and never
// changes afterwards.
var lexicon = sync.OnceValues(buildLex)

func buildLex() (*lex, error) {
	m, err := buildLexicon()
	if err != nil {
		return nil, err
	}
	short, common := 0, 0
	for w, f := range m {
		switch {
		case len(w) <= hotLen:
			short++
		case f&fCommon != 0:
			common++
		}
	}
	l := &lex{hot: newTable(short), common: newTable(common), all: newTable(len(m) - short - common)}
	for w, f := range m {
		switch {
		case len(w) <= hotLen:
			l.hot.add(wordHash(w), f)
		case f&fCommon != 0:
			l.common.add(wordHash(w), f)
		default:
			l.all.add(wordHash(w), f)
		}
	}
	return l, nil
}

func buildLexicon() (map[string]uint32, error) {
	m := make(map[string]uint32, 280000)
	files := []struct {
		name string
		flag uint32
	}{
		{"en_common.txt.gz", fCommon},
		{"en_words.txt.gz", fEnglish},
		{"es_words.txt.gz", fSpanish},
		{"first_names.txt.gz", fFirst},
		{"last_names.txt.gz", fLast},
		{"people_names.txt.gz", fPeople},
	}
	for _, f := range files {
		if err := readList(m, "lists/"+f.name, f.flag); err != nil {
			return nil, err
		}
	}
	tables := []struct {
		words []string
		flag  uint32
	}{
		{titleWords, fTitle}, {nameCueWords, fNameCue}, {streetPrefixWords, fStreetPre},
		{streetSuffixWords, fStreetSuf}, {unitWords, fUnit}, {careSiteWords, fCareSite},
		{monthWords, fMonth}, {ambiguousMonthWords, fMonthAmb}, {weekdayWords, fWeekday},
		{holidayWords, fHoliday}, {datePrepWords, fDatePrep}, {placePrepWords, fPlacePrep},
		{regionWords, fRegion}, {stopWords, fStop}, {zipCueWords, fZipCue}, {headingWords, fHeading}, {[]string{"ninety", "hundred", "noventa", "cien", "ciento"}, fAgeWord},
	}
	for _, t := range tables {
		for _, w := range t.words {
			m[w] |= t.flag
		}
	}
	for k := range idKeywords {
		for _, w := range strings.Fields(k) {
			m[w] |= fIDKey
		}
	}
	for k := range labelTypes {
		m[k] |= fIDKey
	}
	return m, nil
}

func readList(m map[string]uint32, name string, flag uint32) error {
	b, err := listFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("phi: read %s: %w", name, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("phi: open %s: %w", name, err)
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w != "" {
			m[w] |= flag
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("phi: read %s: %w", name, err)
	}
	return nil
}
