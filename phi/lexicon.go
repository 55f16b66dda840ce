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
)

const fDict = fCommon | fEnglish | fSpanish
const fNameList = fFirst | fLast | fPeople

// lex maps a lowercase word to its flags. hot holds the short, frequent
// words with the same flags: it stays in cache, and most tokens of a text
// are found there without touching the large map.
type lex struct {
	hot map[string]uint32
	all map[string]uint32
}

func (l *lex) get(w []byte) uint32 {
	if f, ok := l.hot[string(w)]; ok {
		return f
	}
	if len(w) <= hotLen {
		return 0 // every short word of the lexicon is in hot
	}
	return l.all[string(w)]
}

func (l *lex) lookup(w string) uint32 {
	if f, ok := l.hot[w]; ok {
		return f
	}
	return l.all[w]
}

// hotLen is the longest word kept in the hot map.
const hotLen = 4

// lexicon is built once, on first use, from the embedded lists and never
// changes afterwards.
var lexicon = sync.OnceValues(buildLex)

func buildLex() (*lex, error) {
	m, err := buildLexicon()
	if err != nil {
		return nil, err
	}
	hot := make(map[string]uint32, 8192)
	for w, f := range m {
		if len(w) <= hotLen {
			hot[w] = f
		}
	}
	return &lex{hot: hot, all: m}, nil
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
