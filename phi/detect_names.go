package phi

import (
	"slices"
	"strings"
)

// Name evidence for one word.
const (
	nameNone   = 0
	nameWeak   = 1 // only joins a chain that has strong evidence
	nameStrong = 2
)

// sentenceStart reports whether word i begins a sentence, a line or a
// quotation, where capitalisation says nothing.
func (sc *scanner) sentenceStart(i int) bool {
	if i == 0 || sc.toks[i].nl {
		return true
	}
	p := sc.toks[i-1]
	if p.kind != kPunct {
		return false
	}
	switch sc.text[p.s] {
	case '.', '!', '?', ':', ';', '"', '(', '[', '*', '-', '>', '#', '|', '/':
		// "Dr. Smith", "Hanne I. Kreutzmann": the full stop of a title or
		// an initial does not start a sentence.
		if sc.text[p.s] == '.' && i >= 2 && sc.toks[i-2].kind == kWord && (sc.toks[i-2].lx&fTitle != 0 && !sc.postnominal(i-2) || sc.toks[i-2].e-sc.toks[i-2].s == 1 && sc.toks[i-2].shape&shCap != 0) {
			return false
		}
		return true
	}
	w := sc.word(i - 1)
	return w == "“" || w == "¿" || w == "¡" || w == "•" || w == "—" || w == "–"
}

// cue reports whether word i follows a title, a relation or a naming word:
// "Dr. Ortiz", "my son Jack", "patient Smith", "named Rubija", "name is Ana".
func (sc *scanner) cue(i int) bool {
	p := sc.prevWord(i, 2)
	if p < 0 {
		return false
	}
	lx := sc.toks[p].lx
	if lx&fTitle != 0 && (sc.toks[p].shape&shCap != 0 || sc.isPunct(p+1, '.')) && !sc.postnominal(p) {
		return true
	}
	if sc.lower(p) == "name" && (sc.isPunct(i-1, '?') || sc.isPunct(i-1, ':')) {
		return true // "What's your last name? Matthíasson"
	}
	if p == i-2 && sc.isPunct(i-1, ',') {
		switch sc.lower(p) {
		case "thanks", "thank", "hi", "hello", "hey", "dear", "sincerely", "regards", "cheers", "best":
			return sc.toks[i].shape&shCap != 0 // "Thanks, Bob"
		}
	}
	if lx&fNameCue != 0 && p == i-1 {
		// "CC:" heads a chief complaint as often as a copy list: there a
		// dictionary word ("CC: Chest pain") is no name.
		return !(sc.lower(p) == "cc" && sc.toks[i].lx&fCommon != 0 && sc.toks[i].lx&fFirst == 0)
	}
	switch sc.lower(p) {
	case "me":
		if q := sc.prevWord(p, 0); q >= 0 {
			switch sc.lower(q) {
			case "call", "calls", "called", "llaman", "dicen":
				return true // "everyone calls me borna"
			}
		}
	case "him", "her", "them", "it":
		if q := sc.prevWord(p, 0); q >= 0 && (sc.lower(q) == "named" || sc.lower(q) == "called") {
			return true
		}
	case "is", "was", "es", "soy", "am", "llamo", "llama", "called":
		if q := sc.prevWord(p, 0); q >= 0 {
			switch sc.lower(q) {
			case "name", "nombre", "me", "se", "i", "names":
				return true
			}
		}
	}
	return false
}

// evidence grades word i as a part of a person's name.
func (sc *scanner) evidence(i int) int {
	t := sc.toks[i]
	if t.kind != kWord || t.used {
		return nameNone
	}
	lx := t.lx
	n := t.e - t.s
	if lx&(fStop|fRegion|fMonth|fWeekday|fHoliday|fCareSite|fStreetPre|fUnit) != 0 && lx&fNameList == 0 {
		return nameNone
	}
	if lx&(fStop|fRegion) != 0 && lx&fNameList != 0 && t.shape&shCap != 0 && t.shape&shAll == 0 && n > 2 && sc.titleBefore(i) {
		return nameStrong // "Dr. White", "Dr. Bell"
	}
	if lx&fRegion != 0 && lx&fNameList != 0 && t.shape&shCap != 0 && t.shape&shAll == 0 && sc.cue(i) {
		return nameStrong // "Partner Jordan Lee"
	}
	if lx&(fStop|fRegion) != 0 || lx&fMonth != 0 && lx&fMonthAmb == 0 || lx&fWeekday != 0 {
		return nameNone
	}
	all := t.shape&shAll != 0
	if i > 0 && sc.tight(i) && (sc.isPunct(i-1, '@') || sc.isPunct(i-1, '#')) {
		return nameNone // handles and hashtags are chosen public names
	}
	if lx&(fIDKey|fTitle) != 0 && lx&fFirst == 0 {
		return nameNone // MRN, NASS, Dr, Mrs
	}
	cap := t.shape&shCap != 0
	if cap && n > 2 && t.shape&shAll == 0 && t.shape&shASCII != 0 && camel(sc.word(i)) {
		return nameNone // GoFundMe, MVPs, iPhone
	}
	// The Spanish list holds some given names in lower case (lisa, carla):
	// for a capitalised word they do not count as dictionary words.
	dict := lx&(fCommon|fEnglish) != 0 || lx&fSpanish != 0 && (lx&fFirst == 0 || !cap || n <= 3 || sc.sentenceStart(i)) || cap && sc.inflected(i)
	if cap && !dict && drugLike(sc.lower(i)) {
		return nameNone
	}
	names := lx&fNameList != 0
	if all && n > 1 {
		// Upper-case words are acronyms more often than names, unless the
		// words around them are not shouted too.
		if !dict && !sc.shouting(i) && (n >= 5 && vowels(sc.word(i)) >= 2 || names && n >= 4) {
			if sc.sentenceStart(i) && !names {
				return nameWeak
			}
			return nameStrong
		}
		if names && !dict && n > 3 {
			return nameWeak
		}
		return nameNone
	}
	if cap {
		if n == 1 {
			return nameNone
		}
		if sc.cue(i) && lx&fTitle == 0 {
			return nameStrong
		}
		start := sc.sentenceStart(i)
		if start && lx&fFirst != 0 && n > 2 && sc.vocative(i) {
			return nameStrong // "Bob, your results are ready"
		}
		if !start && sc.toks[i-1].kind == kWord && sc.toks[i-1].lx&fPlacePrep != 0 {
			if sc.livesIn(i) {
				return nameStrong // "lives in Newton", "moved to Reading"
			}
			if names && n > 3 && (sc.lower(i-1) == "in" || sc.lower(i-1) == "near") {
				return nameStrong // "pediatrician in Newton": towns named like people
			}
		}
		switch {
		case !dict && !start:
			return nameStrong
		case !dict && names:
			return nameStrong
		case lx&fFirst != 0 && lx&fCommon == 0 && !start:
			return nameStrong
		case !dict && n >= 4 && sc.subjectOf(i):
			return nameStrong // "Tomomi is from", "Halldór: What a wife"
		case lx&fFirst != 0 && lx&fCommon == 0 && n >= 3 && sc.subjectOf(i) && !(lx&fSpanish != 0 && sc.isPunct(i+1, ',')):
			return nameStrong // "David is a very sympathetic person", "Lisa: Remember me"
		case names, !dict:
			return nameWeak
		case lx&(fCommon|fEnglish) == 0 && !start:
			if p := sc.prevWord(i, 0); p >= 0 && sc.toks[p].lx&fPlacePrep != 0 {
				return nameStrong // "in Fresno"
			}
			return nameWeak // Spanish words are Spanish surnames in English text
		case lx&fCommon == 0 && !start:
			if p := sc.prevWord(i, 0); p >= 0 && (sc.lower(p) == "in" || sc.lower(p) == "near") {
				return nameStrong // "in Newton"
			}
		}
		return nameNone
	}
	// Lower-case social text: "my son jayden", "dr patel", "my name is vitoria".
	if p := sc.prevWord(i, 0); lx&fDict == 0 && n >= 3 && p >= 0 && namingVerb(sc.lower(p)) && sc.cue(i) && !sc.inflected(i) {
		return nameStrong
	}
	if lx&fCommon == 0 && n >= 3 {
		if p := sc.prevWord(i, 1); p >= 0 && !dict && lowerCue(sc.lower(p)) {
			return nameStrong
		}
	}
	// Lower-case social text: a known given name that is no word.
	if lx&fFirst != 0 && !dict && n >= 3 && !sc.inflected(i) {
		return nameStrong
	}
	return nameNone
}

// particle reports whether word i joins two parts of a name: "de", "van".
func (sc *scanner) particle(i int) bool {
	if sc.toks[i].kind != kWord {
		return false
	}
	switch sc.lower(i) {
	case "de", "del", "la", "las", "los", "van", "von", "der", "den", "da", "di", "du", "le", "y", "i", "bin", "ibn", "al", "el", "dos", "das", "ter", "ten":
		return true
	}
	return false
}

// names finds person names: chains of capitalised words with at least one
// strong sign, joined over initials, particles and hyphens.
func (sc *scanner) names() {
	ev := slices.Grow(sc.ev[:0], len(sc.toks))[:len(sc.toks)]
	clear(ev)
	sc.ev = ev
	for i := range sc.toks {
		t := &sc.toks[i]
		if t.nl {
			sc.multi = true
		}
		// A lower-case common word is never a name: skip the call.
		if t.kind == kWord && (t.shape&shLower == 0 || t.lx&fCommon == 0) {
			ev[i] = int8(sc.evidence(i))
			if t.shape&shAll != 0 && t.e-t.s >= 3 {
				sc.capsAt = append(sc.capsAt, int32(i))
			}
			if t.lx&fStreetSuf != 0 && t.e-t.s >= 2 && t.e-t.s <= 3 && sc.text[t.s] == 'S' && sc.text[t.s+1] == 't' {
				sc.saint = true // "St", "Ste"
			}
		}
	}
	// These passes claim tokens whose evidence is already graded; markAlone
	// clears it so that no chain reuses them.
	sc.initials()
	if len(sc.capsAt) >= 2 && sc.words&fNameList != 0 {
		sc.shoutedNames()
	}
	if sc.saint {
		sc.saints()
	}
	for i := 0; i < len(sc.toks); i++ {
		if ev[i] == nameNone {
			continue
		}
		a, b := i, i
		strong := ev[i] == nameStrong
		listed := sc.toks[i].lx&fNameList != 0
		count := 1
		k := i + 1
		for k < len(sc.toks) {
			n := sc.toks[k]
			if n.nl || n.used {
				break
			}
			switch {
			case n.kind == kWord && ev[k] == nameNone && n.shape&shLower != 0 && sc.toks[b].shape&shLower != 0 && ev[b] == nameStrong && n.lx&fDict == 0 && n.e-n.s >= 3 && b == k-1:
				// "patricia desrosiers": an unknown word after a lower-case given name.
				ev[k] = nameWeak
				continue
			case n.kind == kWord && ev[k] == nameNone && b == k-1 && n.shape&shCap != 0 && n.shape&shAll == 0 && n.lx&fLast != 0 && n.lx&(fStop|fRegion) != 0 && sc.toks[b].lx&fFirst != 0 && sc.toks[b].shape&shCap != 0:
				ev[k] = nameWeak // "Robert Bell", "Jordan White"
				continue
			case n.kind == kWord && ev[k] != nameNone:
				if ev[k] == nameStrong {
					strong = true
				}
				listed = listed || n.lx&fNameList != 0
				b = k
				count++
				k++
				continue
			case n.kind == kWord && n.shape&shCap != 0 && n.e-n.s == 1:
				// An initial: "John F. Kennedy", "Szabina J Gelencsér".
				m := k + 1
				if sc.isPunct(m, '.') && sc.tight(m) {
					m++
				}
				if m < len(sc.toks) && ev[m] != nameNone && !sc.toks[m].nl {
					k = m
					continue
				}
			case n.kind == kWord && sc.particle(k) && k+1 < len(sc.toks) && ev[k+1] != nameNone && sc.toks[k+1].shape&shCap != 0:
				k++
				continue
			case n.kind == kPunct && (sc.text[n.s] == '-' || sc.text[n.s] == '\'') && sc.tight(k) && k+1 < len(sc.toks) && sc.tight(k+1) && sc.toks[k+1].kind == kWord && sc.toks[k+1].shape&shCap != 0:
				if ev[k+1] == nameNone {
					ev[k+1] = nameWeak
				}
				k++
				continue
			}
			break
		}
		i = b
		if !strong && !(count >= 2 && listed && sc.toks[a].shape&shCap != 0) {
			continue
		}
		// A chain of dictionary words in title case is a heading, not a name.
		if count >= 2 && !strong && sc.allDict(a, b) && !sc.allNames(a, b) {
			continue
		}
		typ := Name
		if !strong && !listed {
			continue
		}
		if p := sc.prevWord(a, 0); p >= 0 && sc.toks[p].lx&fPlacePrep != 0 && sc.toks[p].lx&fNameCue == 0 && !sc.cue(a) {
			switch sc.lower(p) {
			case "in", "near", "en", "outside", "around":
				typ = Location
			default:
				if sc.livesIn(a) {
					typ = Location // "moved to Arlington from Medford"
				}
			}
		}
		conf := float32(0.6)
		if strong {
			conf = 0.8
		}
		if typ == Name && a >= 2 && sc.isPunct(a-1, ',') && sc.tight(a-1) && !sc.toks[a].nl && sc.toks[a].lx&fFirst != 0 {
			// "Smith, John": a capitalised listed surname before the comma.
			if s := sc.toks[a-2]; s.kind == kWord && !s.used && s.shape&shCap != 0 && s.lx&fLast != 0 && s.lx&fStop == 0 && s.e-s.s > 2 && (a-2 == 0 || s.nl || sc.isPunct(a-3, ':') || sc.toks[a-3].lx&fTitle != 0) {
				a -= 2
			}
		}
		sc.mark(a, b, typ, conf)
		// Lists of names: "Monjeau, Graves and Reed", "Usamov and Bowers".
		for typ == Name {
			k := b + 1
			if !(sc.isPunct(k, ',') || sc.isPunct(k, '&') || k < len(sc.toks) && sc.toks[k].kind == kWord && (sc.lower(k) == "and" || sc.lower(k) == "y")) {
				break
			}
			k++
			if k < len(sc.toks) && sc.toks[k].kind == kWord && (sc.lower(k) == "and" || sc.lower(k) == "y") {
				k++
			}
			if k >= len(sc.toks) || sc.toks[k].nl || ev[k] == nameNone || sc.toks[k].shape&shCap == 0 || sc.toks[k].lx&fNameList == 0 && ev[k] != nameStrong {
				break
			}
			sc.mark(k, k, Name, 0.6)
			ev[k] = nameNone
			b = k
		}
		i = b
	}
}

func (sc *scanner) allDict(a, b int) bool {
	for k := a; k <= b; k++ {
		if sc.toks[k].kind == kWord && sc.toks[k].lx&fDict == 0 {
			return false
		}
	}
	return true
}

func (sc *scanner) allNames(a, b int) bool {
	for k := a; k <= b; k++ {
		if sc.toks[k].kind == kWord && sc.toks[k].e-sc.toks[k].s > 1 && sc.toks[k].lx&fNameList == 0 && !sc.particle(k) {
			return false
		}
	}
	return true
}

// shouting reports whether the words next to i are upper case as well.
func (sc *scanner) shouting(i int) bool {
	for _, k := range [2]int{sc.prevWord(i, 3), sc.nextWord(i, 3)} {
		if k >= 0 && sc.toks[k].shape&shAll != 0 && sc.toks[k].lx&fStop == 0 {
			return true
		}
	}
	return false
}

func vowels(w string) int {
	n := 0
	for _, r := range strings.ToLower(w) {
		switch r {
		case 'a', 'e', 'i', 'o', 'u', 'y', 'á', 'é', 'í', 'ó', 'ú', 'α', 'ε', 'η', 'ι', 'ο', 'υ', 'ω':
			n++
		}
	}
	return n
}

// inflected reports whether word i is an inflected form of a dictionary
// word: the Spanish list holds lemmas only ("urgencia", "presentar"), so
// plurals, feminine forms and common verb endings are undone here. It is
// called only for words the lexicon does not know.
func (sc *scanner) inflected(i int) bool {
	t := sc.toks[i]
	if t.lx != 0 || t.e-t.s < 4 {
		return false
	}
	w := sc.lower(i)
	// The candidate lemma is hashed in two parts so that no string is built.
	try := func(stem, add string) bool {
		h := fixHash(fnvAdd(fnvAdd(fnvOffset, stem), add))
		return sc.lex.getHash(h, len(stem)+len(add))&fDict != 0
	}
	for _, suf := range [...]struct{ cut, add string }{
		{"s", ""}, {"es", ""}, {"as", "o"}, {"a", "o"}, {"os", "o"},
		{"a", "ar"}, {"an", "ar"}, {"ó", "ar"}, {"ado", "ar"}, {"ada", "ar"}, {"ados", "ar"}, {"adas", "ar"}, {"aba", "ar"}, {"aron", "ar"},
		{"e", "er"}, {"en", "er"}, {"ió", "er"}, {"ido", "er"}, {"ida", "er"}, {"idos", "er"}, {"ía", "er"}, {"ieron", "er"},
		{"e", "ir"}, {"en", "ir"}, {"ió", "ir"}, {"ido", "ir"}, {"ida", "ir"}, {"ía", "ir"}, {"ieron", "ir"},
		{"ción", "r"}, {"ciones", "ción"}, {"ales", "al"}, {"icos", "ico"}, {"icas", "ico"}, {"ica", "ico"},
		{"ed", ""}, {"ed", "e"}, {"ing", ""}, {"ing", "e"}, {"ly", ""}, {"ies", "y"},
	} {
		if w[len(w)-1] == suf.cut[len(suf.cut)-1] && strings.HasSuffix(w, suf.cut) && try(w[:len(w)-len(suf.cut)], suf.add) {
			return true
		}
	}
	return false
}

// camel reports a word with upper-case letters after a lower-case one
// (GoFundMe, iPhone) or an upper-case acronym with a plural s (MVPs).
func camel(w string) bool {
	upper, lowerSeen, inner := 0, false, false
	for k := 0; k < len(w); k++ {
		c := w[k]
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
			if lowerSeen {
				inner = true
			}
		case c >= 'a' && c <= 'z':
			lowerSeen = true
		}
	}
	if upper >= 2 && len(w) == upper+1 && w[len(w)-1] == 's' {
		return true
	}
	if inner && w[len(w)-1] >= 'A' && w[len(w)-1] <= 'Z' || len(w) > 2 && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= 'A' && w[1] <= 'Z' && lowerSeen {
		return true // IgM, FiO, CLcr: lab abbreviations
	}
	return inner && upper >= 3
}

// lowerCue lists the words after which a lower-case unknown word is a name.
func lowerCue(w string) bool {
	switch w {
	case "son", "daughter", "wife", "husband", "brother", "sister", "mom", "dad", "bf", "gf",
		"boyfriend", "girlfriend", "friend", "baby", "grandson", "granddaughter", "kid", "nephew",
		"niece", "cousin", "aunt", "uncle", "dr", "mr", "mrs", "ms", "patient", "named", "nurse":
		return true
	}
	return false
}

// subjectOf reports whether word i is followed by what follows a person's
// name at the start of a sentence: a colon, a comma, or a common verb.
func (sc *scanner) subjectOf(i int) bool {
	if sc.isPunct(i+1, ':') || sc.isPunct(i+1, ',') {
		return true
	}
	n := sc.nextWord(i, 0)
	if n != i+1 {
		return false
	}
	switch sc.lower(n) {
	case "is", "was", "has", "had", "and", "said", "says", "will", "would", "can", "could", "spent",
		"went", "shouted", "told", "asked", "called", "lives", "lived", "works", "worked", "got",
		"gets", "wants", "needs", "loves", "likes", "did", "does", "just", "also", "from", "who",
		"here", "es", "fue", "tiene", "ha", "y", "began", "started", "flew", "moved", "wrote", "came",
		"left", "died", "arrived", "returned", "became", "joined", "gave", "took", "met", "lost":
		return true
	}
	return false
}

// drugLike reports the endings of drug and procedure names, which are
// capitalised in clinical text but never names.
func drugLike(w string) bool {
	if len(w) < 6 {
		return false
	}
	var sufs []string
	switch w[len(w)-1] {
	case 'b':
		sufs = []string{"mab", "nib"}
	case 'l':
		sufs = []string{"pril", "olol", "azol", "prazol", "taxel"}
	case 'n':
		sufs = []string{"sartan", "cillin", "floxacin", "mycin", "statin", "platin", "rubicin", "ferón", "feron", "ician"}
	case 'a':
		sufs = []string{"cilina", "micina", "statina", "relbina", "rubicina", "tidina", "grafía", "scopia", "ectomía", "emia", "algia", "logía"}
	case 'e':
		sufs = []string{"azole", "prazole", "tidine", "dipine"}
	case 'o':
		sufs = []string{"floxacino", "platino", "dipino"}
	case 'r':
		sufs = []string{"vir", "meter", "grapher"}
	case 'y':
		sufs = []string{"scopy", "ectomy", "logy", "graphy"}
	case 's':
		sufs = []string{"itis", "osis"}
	case 'm':
		sufs = []string{"zepam", "gram"}
	case 't':
		sufs = []string{"logist", "scopist", "metrist", "therapist"}
	default:
		return false
	}
	for _, suf := range sufs {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// postnominal reports whether title word p follows a name as a credential
// ("Nora Kelleher, RN. Wound vac…", "Smith MD"): then it cues no name after it.
func (sc *scanner) postnominal(p int) bool {
	t := sc.toks[p]
	if t.shape&shAll == 0 || t.e-t.s > 3 {
		return false
	}
	return sc.isPunct(p-1, ',') || p > 0 && sc.toks[p-1].kind == kWord && sc.toks[p-1].used
}

// initials finds the initials that sign clinical notes: a line of its own
// such as "JT/mk" or "/lmw", "-LK" closing a line, "Transcribed by: lmw".
func (sc *scanner) initials() {
	if !sc.multi {
		sc.initialsLine(0, len(sc.toks))
		return
	}
	line := 0
	for line < len(sc.toks) {
		end := line + 1
		for end < len(sc.toks) && !sc.toks[end].nl {
			end++
		}
		sc.initialsLine(line, end)
		line = end
	}
}

// initialsLine looks at the tokens [a, e) of one line.
func (sc *scanner) initialsLine(a, e int) {
	// The whole line: words of 2–3 letters joined by '/', maybe after '-' or '/'.
	if e-a <= 5 {
		ok, words := true, 0
		for k := a; k < e && ok; k++ {
			t := sc.toks[k]
			switch {
			case t.kind == kWord && sc.initialWord(k):
				words++
			case t.kind == kPunct && (sc.text[t.s] == '/' || sc.text[t.s] == '-' && k == a) && (k == a || sc.tight(k)):
			default:
				ok = false
			}
		}
		if ok && words > 0 && (words > 1 || sc.toks[a].kind == kPunct) {
			for k := a; k < e; k++ {
				if sc.toks[k].kind == kWord {
					sc.markAlone(k, k, Name, 0.6)
				}
			}
			return
		}
	}
	last := e - 1
	if last-2 < a || sc.toks[last].kind != kWord || sc.toks[last].used || !sc.initialWord(last) {
		return
	}
	switch {
	case sc.isPunct(last-1, '-') && sc.tight(last) && sc.toks[last-1].sp && sc.toks[last].shape&shAll != 0:
		// "… will be HCP. -LK"
	case sc.isPunct(last-1, ':') && sc.lower(last-2) == "by":
		// "Transcribed by: lmw"
	default:
		return
	}
	sc.markAlone(last, last, Name, 0.6)
}

// initialWord reports a word of two or three letters, all upper or all
// lower case, that is not a word, an abbreviation or a heading.
func (sc *scanner) initialWord(k int) bool {
	t := sc.toks[k]
	if t.kind != kWord || t.used || t.e-t.s < 2 || t.e-t.s > 3 || t.shape&(shAll|shLower) == 0 || t.shape&shASCII == 0 {
		return false
	}
	if t.lx&(fStop|fHeading|fTitle|fNameCue|fIDKey|fMonth|fWeekday|fRegion|fUnit) != 0 || t.shape&shLower != 0 && t.lx&fCommon != 0 {
		return false
	}
	return true
}

// namingVerb is the last word of "my name is", "named", "calls me".
func namingVerb(w string) bool {
	switch w {
	case "is", "named", "called", "me", "am", "llamo", "llama", "es":
		return true
	}
	return false
}

// titleBefore reports whether word i follows a personal title: "Dr. White".
func (sc *scanner) titleBefore(i int) bool {
	p := sc.prevWord(i, 1)
	if p < 0 || sc.toks[p].lx&fTitle == 0 || sc.postnominal(p) {
		return false
	}
	switch sc.lower(p) {
	case "dr", "mr", "mrs", "ms", "miss", "prof", "dra", "sr", "sra":
		return sc.toks[p].shape&shCap != 0
	}
	return false
}

// shoutedNames finds names written in capitals in headers of notes, where
// the shouting test of evidence rejects them: "BAKER, JOHN W.", "JOHN SMITH".
// Both words must be on the name lists, the given name no common word.
func (sc *scanner) shoutedNames() {
	for _, at := range sc.capsAt {
		i := int(at)
		if i+1 >= len(sc.toks) {
			break
		}
		t := sc.toks[i]
		if t.kind != kWord || t.used || t.shape&shAll == 0 || t.e-t.s < 3 || t.lx&(fStop|fHeading|fTitle|fIDKey|fRegion|fMonth|fWeekday) != 0 {
			continue
		}
		k := i + 1
		comma := sc.isPunct(k, ',')
		if comma {
			k++
		}
		if k >= len(sc.toks) || sc.toks[k].nl {
			continue
		}
		n := sc.toks[k]
		if n.kind != kWord || n.used || n.shape&shAll == 0 || n.e-n.s < 3 || n.lx&(fStop|fHeading|fTitle|fIDKey|fRegion|fMonth|fWeekday) != 0 {
			continue
		}
		last, first := t, n
		if !comma {
			last, first = n, t
		}
		if last.lx&fLast == 0 || first.lx&fFirst == 0 || first.lx&fCommon != 0 || last.lx&fCommon != 0 && !comma {
			continue
		}
		b := k
		// A middle initial: "BAKER, JOHN W."
		if b+1 < len(sc.toks) && !sc.toks[b+1].nl && sc.toks[b+1].kind == kWord && sc.toks[b+1].e-sc.toks[b+1].s == 1 && sc.toks[b+1].shape&shCap != 0 {
			b++
		}
		sc.markAlone(i, b, Name, 0.7)
	}
}

// saints finds "St. Elizabeth's", "St. Vincent": hospitals and towns named
// after a saint, which the name rules would take for a person.
func (sc *scanner) saints() {
	for i := 0; i+2 < len(sc.toks); i++ {
		t := sc.toks[i]
		if t.kind != kWord || t.used || t.shape&shCap == 0 || t.shape&shAll != 0 || !(sc.word(i) == "St" || sc.word(i) == "Ste") || !sc.isPunct(i+1, '.') || !sc.tight(i+1) {
			continue
		}
		k := i + 2
		if p := sc.prevWord(i, 0); p >= 0 && sc.toks[p].kind == kWord && sc.toks[p].shape&shCap != 0 && !sc.toks[i].nl {
			continue // "Main St. Elizabeth" is a street then a name
		}
		if i > 0 && sc.toks[i-1].kind == kNum {
			continue
		}
		n := sc.toks[k]
		if n.nl || n.used || n.kind != kWord || n.shape&shCap == 0 || n.lx&fNameList == 0 && n.lx&fDict != 0 {
			continue
		}
		b := k
		if b+2 < len(sc.toks) && (sc.isPunct(b+1, '\'') || sc.is(b+1, "’")) && sc.tight(b+1) && sc.lower(b+2) == "s" {
			b += 2
		}
		sc.markAlone(i, b, Location, 0.7)
		i = b
	}
}

// livesIn reports word i after a verb of residence and a place preposition:
// "lives in Newton", "moved to Reading from Medford", "born in Lowell". There
// a capitalised dictionary word is a town.
func (sc *scanner) livesIn(i int) bool {
	p := sc.prevWord(i, 0)
	if p < 0 || p != i-1 || sc.toks[p].lx&fPlacePrep == 0 {
		return false
	}
	v := sc.prevWord(p, 0)
	if v < 0 {
		return false
	}
	switch sc.lower(v) {
	case "lives", "live", "lived", "living", "resides", "reside", "resided", "residing", "born", "moved", "moving", "relocated", "raised", "grew", "up":
		return true
	}
	return false
}

// vocative reports word i addressed at the start of a sentence: "Bob, your
// results are ready", "Mark, we are sorry".
func (sc *scanner) vocative(i int) bool {
	if !sc.isPunct(i+1, ',') {
		return false
	}
	n := sc.nextWord(i, 1)
	if n != i+2 {
		return false
	}
	switch sc.lower(n) {
	case "your", "you", "we", "we're", "please", "thank", "thanks", "sorry", "our", "glad", "i'm", "i", "can", "could", "would", "did", "are", "have":
		return true
	}
	return false
}

// markAlone marks tokens [a, b] and clears their name evidence.
func (sc *scanner) markAlone(a, b int, typ Type, conf float32) {
	sc.mark(a, b, typ, conf)
	for k := a; k <= b; k++ {
		sc.ev[k] = nameNone
	}
}
