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
)

const fDict = fCommon | fEnglish | fSpanish
const fNameList = fFirst | fLast | fPeople

// lex maps a lowercase word to its flags. It is an open-addressing table
// keyed by a 64-bit hash of the word alone: with about 250,000 words, the
// chance that any word of a text shares a hash with a listed word is about
// 1 in 10^13 per word, and storing no strings keeps the table at 6 MB and
// one cache line per lookup. hot holds the short words, which are most of
// the tokens of a text, in a table small enough to stay in cache.
type lex struct {
	hot, all table
}

type table struct {
	mask uint64
	keys []uint64 // 0 is an empty slot
	vals []uint32
}

func newTable(n int) table {
	size := 1
	for size < 2*n {
		size <<= 1
	}
	return table{mask: uint64(size - 1), keys: make([]uint64, size), vals: make([]uint32, size)}
}

// wordHash is FNV-1a, with 0 moved so that it can mark an empty slot.
func wordHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for k := 0; k < len(s); k++ {
		h ^= uint64(s[k])
		h *= 1099511628211
	}
	if h == 0 {
		h = 1
	}
	return h
}

func (t *table) add(h uint64, f uint32) {
	i := h & t.mask
	for t.keys[i] != 0 && t.keys[i] != h {
		i = (i + 1) & t.mask
	}
	t.keys[i] = h
	t.vals[i] |= f
}

func (t *table) get(h uint64) uint32 {
	if len(t.keys) == 0 {
		return 0
	}
	i := h & t.mask
	for {
		k := t.keys[i]
		if k == h {
			return t.vals[i]
		}
		if k == 0 {
			return 0
		}
		i = (i + 1) & t.mask
	}
}

func (l *lex) get(w string) uint32 {
	h := wordHash(w)
	if len(w) <= hotLen {
		return l.hot.get(h) // every short word of the lexicon is in hot
	}
	return l.all.get(h)
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
	short := 0
	for w := range m {
		if len(w) <= hotLen {
			short++
		}
	}
	l := &lex{hot: newTable(short), all: newTable(len(m) - short)}
	for w, f := range m {
		if len(w) <= hotLen {
			l.hot.add(wordHash(w), f)
		} else {
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
		{regionWords, fRegion}, {stopWords, fStop}, {zipCueWords, fZipCue},
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
