package phi

import (
	"strings"
	"unicode"
)

// gtok is one word of a text as the reply guard sees it. Offsets are in
// code points, End exclusive, like Span.
type gtok struct {
	start, end int
	raw        string // as written
	norm       string // lower case, curly apostrophes straightened, possessive 's removed
	poss       bool   // written with a possessive 's or s'
	title      bool   // Capitalised: an upper-case letter then at least one lower-case one
	allCaps    bool
	sent       int  // sentence number
	first      bool // first word of its sentence
	sentEnd    bool // last word of its sentence
	question   bool // its sentence ends with '?'
	commaAfter bool // followed by a comma
	commaPrev  bool // preceded by a comma
	money      bool // preceded by a currency sign
}

// gabbrev are words whose trailing period does not end a sentence.
func gabbrev(w string) bool {
	switch w {
	case "dr", "mr", "mrs", "ms", "mx", "st", "mt", "jr", "sr", "vs", "no", "etc", "approx", "dept", "e.g", "i.e", "a.m", "p.m", "lbs", "oz":
		return true
	}
	return false
}

func isGWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// isGJoiner reports whether c, between prev and next, keeps one word
// together ("c-section", "mom's", "555-0100", "3/14", "care@x.org").
func isGJoiner(prev, c, next rune) bool {
	if !isGWordRune(next) {
		return false
	}
	switch c {
	case '\'', '’', '-', '.', '@', '_', '/', '&', '+':
		return true
	case ',', ':':
		return unicode.IsDigit(prev) && unicode.IsDigit(next)
	}
	return false
}

func isGSentBreak(r rune) bool {
	switch r {
	case '.', '!', '?', ';', ':', '\n', '…':
		return true
	}
	return false
}

// gtokenize splits text into words and sentences in one pass.
func gtokenize(rs []rune) []gtok {
	var toks []gtok
	sent, newSent := 0, true
	sentStart := 0
	endSentence := func(q bool) {
		if len(toks) == 0 || newSent {
			return
		}
		toks[len(toks)-1].sentEnd = true
		if q {
			for k := sentStart; k < len(toks); k++ {
				toks[k].question = true
			}
		}
		sent++
		newSent = true
		sentStart = len(toks)
	}
	for i := 0; i < len(rs); {
		r := rs[i]
		if isGWordRune(r) {
			j := i + 1
			for j < len(rs) {
				if isGWordRune(rs[j]) {
					j++
					continue
				}
				if j+1 < len(rs) && isGJoiner(rs[j-1], rs[j], rs[j+1]) {
					j += 2
					continue
				}
				break
			}
			t := makeGTok(rs[i:j], i, j)
			t.sent, t.first = sent, newSent
			t.money = i > 0 && (rs[i-1] == '$' || rs[i-1] == '€' || rs[i-1] == '£')
			if len(toks) > 0 && !newSent && toks[len(toks)-1].commaAfter {
				t.commaPrev = true
			}
			newSent = false
			toks = append(toks, t)
			i = j
			continue
		}
		switch {
		case r == ',' && len(toks) > 0 && !newSent:
			toks[len(toks)-1].commaAfter = true
		case r == '.' && len(toks) > 0 && !newSent && toks[len(toks)-1].end == i && gabbrev(toks[len(toks)-1].norm):
			// "Dr." does not end a sentence.
		case isGSentBreak(r):
			q := r == '?'
			// Let "?!" and "!?" count as questions.
			for k := i + 1; k < len(rs) && isGSentBreak(rs[k]) && rs[k] != '\n'; k++ {
				if rs[k] == '?' {
					q = true
				}
			}
			endSentence(q)
		}
		i++
	}
	endSentence(false)
	return toks
}

func makeGTok(rs []rune, start, end int) gtok {
	raw := string(rs)
	norm := strings.ToLower(strings.ReplaceAll(raw, "’", "'"))
	t := gtok{start: start, end: end, raw: raw}
	switch {
	case strings.HasSuffix(norm, "'s") && !gcontraction(norm):
		norm, t.poss = norm[:len(norm)-2], true
	case strings.HasSuffix(norm, "s'"):
		norm, t.poss = norm[:len(norm)-1], true
	}
	t.norm = norm
	upper, lower := 0, 0
	for _, r := range rs {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		}
	}
	t.title = len(rs) > 1 && unicode.IsUpper(rs[0]) && lower > 0
	t.allCaps = upper > 1 && lower == 0
	return t
}

func gcontraction(w string) bool {
	switch w {
	case "it's", "that's", "he's", "she's", "there's", "here's", "what's", "let's", "who's", "where's", "how's", "today's":
		return true
	}
	return false
}

// gsentences returns the [start, end) token ranges of the sentences.
func gsentences(toks []gtok) [][2]int {
	var out [][2]int
	s := 0
	for i := range toks {
		if toks[i].sentEnd || i == len(toks)-1 {
			out = append(out, [2]int{s, i + 1})
			s = i + 1
		}
	}
	return out
}

// ghit is one lexicon match: tokens [i, i+n) of a sentence.
type ghit struct {
	i, n  int
	class healthClass
}

// gclause is one sentence with the facts the rules read.
type gclause struct {
	toks []gtok
	hits []ghit
	// hitAt[i] is the index in hits of the match covering token i, or -1.
	hitAt []int
	// Lazily computed facts: 0 unknown, 1 false, 2 true.
	pastMemo, genericMemo int8
}

func gMemo(m *int8, f func() bool) bool {
	if *m == 0 {
		*m = 1
		if f() {
			*m = 2
		}
	}
	return *m == 2
}

func newGClause(lx *healthLex, toks []gtok) *gclause {
	c := &gclause{toks: toks, hitAt: make([]int, len(toks))}
	for i := range c.hitAt {
		c.hitAt[i] = -1
	}
	for i := 0; i < len(toks); {
		cl, n := lx.match(toks, i)
		if n == 0 {
			i++
			continue
		}
		c.hits = append(c.hits, ghit{i: i, n: n, class: cl})
		for k := i; k < i+n; k++ {
			c.hitAt[k] = len(c.hits) - 1
		}
		i += n
	}
	return c
}

func (c *gclause) w(i int) string {
	if i < 0 || i >= len(c.toks) {
		return ""
	}
	return c.toks[i].norm
}

// has reports whether any word of the clause is one of ws.
func (c *gclause) has(ws ...string) bool {
	for i := range c.toks {
		for _, w := range ws {
			if c.toks[i].norm == w {
				return true
			}
		}
	}
	return false
}

// phrase reports whether the words ws occur in sequence starting at i.
func (c *gclause) phrase(i int, ws ...string) bool {
	if i < 0 || i+len(ws) > len(c.toks) {
		return false
	}
	for k, w := range ws {
		if c.toks[i+k].norm != w {
			return false
		}
	}
	return true
}

// find returns the first index at which ws occurs in sequence, or -1.
func (c *gclause) find(ws ...string) int {
	for i := range c.toks {
		if c.phrase(i, ws...) {
			return i
		}
	}
	return -1
}

// classes is the union of the classes of all matches.
func (c *gclause) classes() healthClass {
	var u healthClass
	for _, h := range c.hits {
		u |= h.class
	}
	return u
}

// firstHit returns the first match with any class in want, or -1.
func (c *gclause) firstHit(want healthClass) int {
	for k, h := range c.hits {
		if h.class&want != 0 {
			return k
		}
	}
	return -1
}

func (c *gclause) span(i, j int) (int, int) {
	if i < 0 {
		i = 0
	}
	if j > len(c.toks) {
		j = len(c.toks)
	}
	if i >= j {
		return c.toks[0].start, c.toks[len(c.toks)-1].end
	}
	return c.toks[i].start, c.toks[j-1].end
}

func gIsAny(w string, set ...string) bool {
	for _, s := range set {
		if w == s {
			return true
		}
	}
	return false
}

// Word classes the rules share.

func isSecondPerson(w string) bool {
	return gIsAny(w, "you", "your", "yours", "you're", "you've", "you'll", "you'd", "yourself", "yourselves", "u", "ur", "y'all", "ya")
}

func isSecondPoss(w string) bool { return gIsAny(w, "your", "ur", "yours") }

func isFirstPersonStrong(w string) bool {
	return gIsAny(w, "i", "i'm", "i've", "i'd", "i'll", "me", "myself", "im", "ive")
}

func isFirstPersonPoss(w string) bool { return gIsAny(w, "my", "mine") }

func isThirdPron(w string) bool {
	return gIsAny(w, "he", "she", "him", "her", "his", "hers", "he's", "she's", "they're")
}

func isMonthOrDay(w string) bool {
	return gIsAny(w, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
		"january", "february", "march", "april", "may", "june", "july", "august", "september",
		"october", "november", "december", "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun")
}

func isDayName(w string) bool {
	return gIsAny(w, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}

// isPastWord reports whether w marks a past event.
func isPastWord(w string) bool {
	if gIsAny(w, "was", "were", "had", "did", "didn't", "wasn't", "weren't", "hadn't", "came", "went", "got",
		"felt", "saw", "seen", "took", "left", "gave", "told", "sent", "met", "spent", "been", "brought",
		"kept", "lost", "paid", "ago", "yesterday", "earlier", "recently", "last", "during", "since", "could",
		"you've", "we've", "broke", "ran", "found", "made", "said", "needed") {
		return true
	}
	if len(w) > 4 && strings.HasSuffix(w, "ed") && !gIsAny(w, "need", "concerned", "interested", "dedicated",
		"committed", "trained", "certified", "located", "licensed", "skilled", "based", "advanced", "detailed",
		"limited", "related", "united", "required", "scheduled", "welcomed", "needed", "named", "proud",
		"inspired", "excited", "thrilled", "honored", "honoured", "pleased", "blessed", "touched", "accepted",
		"covered", "welcomed", "designed", "staffed", "added") {
		return true
	}
	return false
}

// isTemporalPast reports a reference to a recent moment ("yesterday",
// "last week", "Tuesday", "3/14").
func (c *gclause) temporalAt(i int) bool {
	w := c.w(i)
	switch {
	case gIsAny(w, "yesterday", "ago", "earlier", "tonight", "overnight"):
		return true
	case w == "last" && gIsAny(c.w(i+1), "week", "night", "month", "weekend", "time", "year", "visit", "monday", "tuesday",
		"wednesday", "thursday", "friday", "saturday", "sunday", "week's", "fall", "spring", "summer", "winter"):
		return true
	case w == "this" && gIsAny(c.w(i+1), "morning", "afternoon"):
		return true
	case w == "the" && c.w(i+1) == "other" && gIsAny(c.w(i+2), "day", "night", "week"):
		return true
	case isDayName(w):
		return true
	case isNumericDate(w):
		return true
	case isMonthOrDay(w) && len(w) > 3 && gIsDigits(c.w(i+1)):
		return true
	}
	return false
}

func gIsDigits(w string) bool {
	if w == "" {
		return false
	}
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isNumericDate(w string) bool {
	parts := strings.Split(w, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if !gIsDigits(p) || len(p) > 4 {
			return false
		}
	}
	return true
}

// isImperativeStart reports whether the sentence is an instruction to
// everyone ("Schedule your mammogram today", "Please call …").
func (c *gclause) imperative() bool {
	i := 0
	for i < len(c.toks) && gIsAny(c.w(i), "please", "so", "and", "also", "now", "just", "remember", "reminder", "tip", "pro") {
		if c.w(i) == "remember" && i+1 < len(c.toks) && c.w(i+1) != "to" {
			return true
		}
		i++
	}
	if c.w(i) == "to" {
		i++
	}
	return gIsAny(c.w(i), "get", "schedule", "book", "make", "bring", "remember", "join", "visit", "call", "learn",
		"ask", "talk", "protect", "keep", "stop", "come", "check", "find", "walk", "register", "drink", "don't",
		"take", "brush", "floss", "eat", "limit", "try", "sign", "download", "log", "request", "see", "use", "grab",
		"start", "mark", "save", "wear", "wash", "give", "know", "plan", "stay", "reach", "contact", "email",
		"text", "follow", "share", "tell", "help", "consider", "review", "update", "brighten", "manage", "lower",
		"quit", "catch", "ensure", "be", "never", "always", "stop")
}

// generic reports language addressed to anyone, not to one person: an
// instruction, a modal ("you can"), a condition ("if you"), a question
// to the public ("did you know").
func (c *gclause) generic() bool { return gMemo(&c.genericMemo, c.genericNow) }

func (c *gclause) genericNow() bool {
	if c.imperative() {
		return true
	}
	for i := range c.toks {
		w := c.w(i)
		if gIsAny(w, "can", "may", "might", "should", "must") && gIsAny(c.w(i-1), "we", "i", "team", "staff", "doctor", "nurse") {
			// "we can transfer your care" is about one person.
			continue
		}
		if gIsAny(w, "can", "may", "might", "should", "must", "if", "whether", "anyone",
			"whoever", "whenever", "available", "anytime") {
			return true
		}
		if w == "did" && c.w(i+1) == "you" && c.w(i+2) == "know" {
			return true
		}
		if w == "or" && c.w(i+1) == "someone" {
			return true
		}
	}
	return false
}

// past reports whether the clause tells of something that happened.
func (c *gclause) past() bool { return gMemo(&c.pastMemo, c.pastNow) }

func (c *gclause) pastNow() bool {
	for i := range c.toks {
		if c.phrase(i, "did", "you", "know") {
			continue
		}
		if isPastWord(c.w(i)) || c.temporalAt(i) {
			return true
		}
	}
	return false
}

// youAt reports a second-person word at i that addresses the reader as a
// person ("you were"), not the "you" of "thank you".
func (c *gclause) youAt(i int) bool {
	w := c.w(i)
	if !isSecondPerson(w) {
		return false
	}
	if w == "you" && gIsAny(c.w(i-1), "thank", "thanks") {
		return false
	}
	if w == "you" && c.w(i-1) == "hear" {
		// "we hear you"
		return false
	}
	return true
}

func (c *gclause) addressesYou() bool {
	for i := range c.toks {
		if c.youAt(i) {
			return true
		}
	}
	return false
}
