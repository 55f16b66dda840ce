package phi

import "strings"

var tlds = map[string]bool{
	"com": true, "org": true, "net": true, "edu": true, "gov": true, "mil": true, "int": true,
	"io": true, "co": true, "us": true, "uk": true, "ca": true, "au": true, "de": true, "fr": true,
	"es": true, "it": true, "se": true, "no": true, "fi": true, "dk": true, "nl": true, "be": true,
	"ch": true, "at": true, "pt": true, "ie": true, "nz": true, "in": true, "jp": true, "cn": true,
	"br": true, "mx": true, "ar": true, "cl": true, "info": true, "biz": true, "me": true,
	"tv": true, "ly": true, "app": true, "dev": true, "health": true, "care": true, "clinic": true,
	"online": true, "site": true, "xyz": true, "ai": true, "eu": true, "ru": true, "pl": true,
	"cz": true, "gr": true, "hu": true, "ro": true, "tr": true, "za": true, "ee": true, "lv": true,
	"lt": true, "is": true, "hr": true, "si": true, "sk": true, "ua": true, "il": true, "sg": true,
	"hk": true, "kr": true, "tw": true, "ph": true, "vn": true, "th": true, "my": true, "id": true,
	"pe": true, "ve": true, "uy": true, "py": true, "bo": true, "ec": true, "cat": true, "gal": true,
	"eus": true, "org.uk": true, "gl": true, "gg": true, "to": true, "fm": true, "link": true,
}

// chunks finds e-mail addresses, URLs and IP addresses: space-free runs of
// at least three tokens are the only places they can be.
func (sc *scanner) chunks() {
	for i := 0; i < len(sc.toks); {
		j := sc.chunkEnd(i)
		if j-i >= 2 {
			sc.chunk(i, j)
		}
		i = j + 1
	}
}

func (sc *scanner) chunk(a, b int) {
	a, b = sc.trimChunk(a, b)
	if b-a < 2 {
		return
	}
	at, dots, colons, words, nums := -1, 0, 0, 0, 0
	tldEnd := false
	for k := a; k <= b; k++ {
		t := sc.toks[k]
		switch t.kind {
		case kWord:
			words++
			if k > a && sc.isPunct(k-1, '.') && tlds[sc.lower(k)] && (k == b || !(sc.toks[k+1].kind == kWord || sc.toks[k+1].kind == kNum)) {
				tldEnd = true
			}
		case kNum:
			nums++
		case kPunct:
			switch sc.text[t.s] {
			case '@':
				if at < 0 {
					at = k
				}
			case '.':
				dots++
			case ':':
				colons++
			}
		}
	}
	switch {
	case at > a && at < b && dots > 0:
		// local part: back to the chunk start; domain: must hold a dot.
		okDomain := false
		for k := at + 1; k <= b; k++ {
			if sc.isPunct(k, '.') {
				okDomain = true
			}
		}
		if okDomain {
			sc.mark(a, b, Email, 0.95)
		}
		return
	case at == a:
		return // a social handle: the poster's chosen public name
	}
	first := sc.lower(a)
	if sc.toks[a].kind == kWord && (first == "http" || first == "https" || first == "ftp") && sc.isPunct(a+1, ':') {
		sc.mark(a, b, URL, 0.95)
		return
	}
	if sc.toks[a].kind == kWord && first == "www" && sc.isPunct(a+1, '.') {
		sc.mark(a, b, URL, 0.95)
		return
	}
	if nums == 4 && dots == 3 && words == 0 && b-a+1 >= 7 {
		if sc.ipv4(a) {
			sc.mark(a, b, IP, 0.9)
			return
		}
	}
	if colons >= 2 && sc.ipv6(a, b) {
		sc.mark(a, b, IP, 0.85)
		return
	}
	if tldEnd && words >= 2 && at < 0 {
		sc.mark(a, b, URL, 0.8)
	}
}

func (sc *scanner) ipv4(a int) bool {
	for k := 0; k < 4; k++ {
		i := a + 2*k
		if v := sc.numVal(i); v < 0 || v > 255 || sc.numLen(i) > 3 {
			return false
		}
		if k < 3 && !sc.isPunct(i+1, '.') {
			return false
		}
	}
	return true
}

func (sc *scanner) ipv6(a, b int) bool {
	s := sc.text[sc.toks[a].s:sc.toks[b].e]
	groups := strings.Split(s, ":")
	if len(groups) < 4 && !strings.Contains(s, "::") {
		return false
	}
	letter := false
	for _, g := range groups {
		if len(g) > 4 {
			return false
		}
		for k := 0; k < len(g); k++ {
			c := g[k] | 0x20
			switch {
			case g[k] >= '0' && g[k] <= '9':
			case c >= 'a' && c <= 'f':
				letter = true
			default:
				return false
			}
		}
	}
	return letter || strings.Contains(s, "::")
}

// keyword looks back from token i, on the same line and over at most six
// tokens, for a word that gives a number its identifier type.
func (sc *scanner) keyword(i int) (Type, bool) {
	typ, ok := sc.keywordFrom(i, 6)
	if ok && typ == ID {
		// A generic "ID" or "number" may follow the specific word: "member ID".
		if spec, ok2 := sc.keywordFrom(i, 8); ok2 && spec != ID {
			return spec, true
		}
	}
	return typ, ok
}

func (sc *scanner) keywordFrom(i, window int) (Type, bool) {
	seen := 0
	first := true
	for k := i - 1; k >= 0 && seen < window; k-- {
		if sc.toks[k+1].nl {
			break
		}
		t := sc.toks[k]
		if t.kind == kNum && seen > 0 {
			break
		}
		seen++
		if t.kind != kWord || t.lx&fIDKey == 0 {
			continue
		}
		w := sc.lower(k)
		if window > 6 && first {
			if _, ok := idKeywords[w]; ok && idKeywords[w] == ID {
				first = false
				continue
			}
		}
		first = false
		if p := sc.prevWord(k, 1); p >= 0 && sc.toks[p].lx&fIDKey != 0 {
			if typ, ok := idKeywords[sc.lower(p)+" "+w]; ok {
				return typ, true
			}
		}
		if typ, ok := idKeywords[w]; ok {
			return typ, true
		}
		if len(w) > 1 && w[len(w)-1] == 's' {
			if typ, ok := idKeywords[w[:len(w)-1]]; ok {
				return typ, true
			}
		}
	}
	return "", false
}

// numbers finds dates written with digits, phone and fax numbers, SSNs,
// record and other identifier numbers, ZIP codes and ages over 89.
func (sc *scanner) numbers() {
	for i := 0; i < len(sc.toks); i++ {
		t := sc.toks[i]
		if t.used || t.kind != kNum && !(t.kind == kPunct && (sc.text[t.s] == '+' || sc.text[t.s] == '(' || sc.text[t.s] == '#') && i+1 < len(sc.toks) && sc.toks[i+1].kind == kNum && !sc.toks[i+1].sp) {
			if t.kind == kWord && !t.used && i+1 < len(sc.toks) && sc.toks[i+1].kind == kNum && !sc.toks[i+1].sp {
				i = sc.code(i)
			}
			continue
		}
		if t.kind == kPunct && t.e-t.s == 1 && sc.text[t.s] == '(' {
			if j, ok := sc.numericDate(i + 1); ok {
				i = j // "(6/2)"
				continue
			}
		}
		if t.kind == kNum {
			if j, ok := sc.numericDate(i); ok {
				i = j
				continue
			}
			if j, ok := sc.ordinalDate(i); ok {
				i = j
				continue
			}
			if i+1 < len(sc.toks) && sc.toks[i+1].kind == kWord && !sc.toks[i+1].sp {
				if j := sc.code(i); j > i {
					i = j
					continue
				}
			}
		}
		i = sc.numberRun(i)
	}
}

// numericDate recognises 3/4, 03/04/2020, 2020-03-04, 4.3.20 and 5/2017 at
// token i, with an optional time after it.
func (sc *scanner) numericDate(i int) (int, bool) {
	n1 := sc.numVal(i)
	if n1 < 0 || i+2 >= len(sc.toks) || !sc.tight(i+1) || !sc.tight(i+2) || sc.toks[i+2].kind != kNum {
		return i, false
	}
	sep := sc.text[sc.toks[i+1].s]
	if sc.toks[i+1].kind != kPunct || (sep != '/' && sep != '-' && sep != '.') {
		return i, false
	}
	n2, l1, l2 := sc.numVal(i+2), sc.numLen(i), sc.numLen(i+2)
	end := i + 2
	three := i+4 < len(sc.toks) && sc.tight(i+3) && sc.tight(i+4) && sc.isPunct(i+3, sep) && sc.toks[i+4].kind == kNum
	switch {
	case three:
		n3, l3 := sc.numVal(i+4), sc.numLen(i+4)
		ok := false
		if l1 == 4 && n2 >= 1 && n2 <= 12 && n3 >= 1 && n3 <= 31 && l3 <= 2 {
			ok = true
		} else if l1 <= 2 && l2 <= 2 && (l3 == 2 || l3 == 4) && n1 >= 1 && n2 >= 1 &&
			(n1 <= 31 && n2 <= 12 || n1 <= 12 && n2 <= 31) {
			ok = true
		}
		if !ok {
			return i, false
		}
		end = i + 4
	case sep == '/' && l1 <= 2 && l2 == 4 && n1 >= 1 && n1 <= 12 && n2 >= 1900 && n2 <= 2100:
		// month/year
	case sep == '/' && l1 <= 2 && l2 == 2 && n1 >= 1 && n1 <= 12 && n2 > 31 && !(i+3 < len(sc.toks) && sc.tight(i+3) && (sc.toks[i+3].kind != kPunct || sc.isPunct(i+3, '/'))):
		// month/two-digit year: 3/93
	case sep == '/' && l1 <= 2 && l2 <= 2 && n1 >= 1 && n1 <= 12 && n2 >= 1 && n2 <= 31:
		if i+3 < len(sc.toks) && sc.tight(i+3) && (sc.toks[i+3].kind == kNum || sc.isPunct(i+3, '/')) {
			return i, false
		}
		fraction := n1 < n2 && (n2 == 2 || n2 == 3 || n2 == 4 || n2 == 8 || n2 == 10)
		p := sc.prevWord(i, 0)
		if p >= 0 && n1 <= n2 && countWord(sc.lower(p)) {
			return i, false // "day 3/5", "cycle 2/6"
		}
		if fraction && (p < 0 || sc.flag(p)&fDatePrep == 0) {
			return i, false
		}
		if nw := sc.nextWord(i+2, 0); nw >= 0 && !sc.toks[nw].sp {
			return i, false
		}
	default:
		return i, false
	}
	// An ISO time tail (T10:30:00) or a spaced time (10:30, 10:30 am).
	j := end
	for j+1 < len(sc.toks) && sc.tight(j+1) && (sc.toks[j+1].kind == kNum || sc.toks[j+1].kind == kWord && sc.word(j+1) == "T" || (sc.isPunct(j+1, ':') || sc.isPunct(j+1, '.')) && j+2 < len(sc.toks) && sc.tight(j+2) && sc.toks[j+2].kind == kNum) {
		j++
	}
	if j+3 < len(sc.toks) && sc.toks[j+1].kind == kNum && !sc.toks[j+1].nl && sc.isPunct(j+2, ':') && sc.tight(j+2) && sc.tight(j+3) {
		j += 3
	}
	sc.mark(i, j, Date, 0.9)
	return j, true
}

// code handles a space-free mix of letters and digits starting at word or
// number i ("AB123456", "1HGCM82633A004352", "92yo", "ES9121000418450200051332").
func (sc *scanner) code(i int) int {
	j := sc.chunkEnd(i)
	_, j = sc.trimChunk(i, j)
	digits, letters, onlyAlnum := 0, 0, true
	for k := i; k <= j; k++ {
		t := sc.toks[k]
		switch t.kind {
		case kNum:
			digits += int(t.e - t.s)
		case kWord:
			letters += int(t.e - t.s)
		default:
			c := sc.text[t.s]
			if c != '-' && c != '/' && c != '.' && c != '#' {
				return i
			}
			onlyAlnum = false
		}
	}
	s := sc.text[sc.toks[i].s:sc.toks[j].e]
	// Ages: 92yo, 95y/o, 91-year-old handled by numberRun.
	if sc.toks[i].kind == kNum && j >= i+1 && sc.toks[i+1].kind == kWord {
		u := sc.lower(i + 1)
		if (u == "yo" || u == "y" || u == "yr" || u == "yrs") && sc.numVal(i) >= 90 && sc.numVal(i) < 130 {
			sc.mark(i, j, Age, 0.85)
			return j
		}
	}
	if digits < 4 || letters == 0 || len(s) < 5 {
		return i
	}
	if units(sc.lower(j)) && sc.toks[j].kind == kWord && j == i+1 {
		return i
	}
	typ, ok := sc.keyword(i)
	switch {
	case ok && typ != Phone:
	case onlyAlnum && len(s) == 17 && !strings.ContainsAny(strings.ToUpper(s), "IOQ"):
		typ = Vehicle
	case len(s) >= 15 && isIBANStart(s):
		typ = Account
	default:
		typ = ID
	}
	// IBAN written in groups of four: take the following groups along.
	if typ == Account || isIBANStart(s) && len(s) == 4 {
		for j+1 < len(sc.toks) && !sc.toks[j+1].nl && sc.toks[j+1].sp && sc.chunkEnd(j+1) == j+1 && sc.toks[j+1].kind == kNum && sc.numLen(j+1) <= 4 {
			j++
		}
		if isIBANStart(s) {
			typ = Account
		}
	}
	sc.mark(i, j, typ, 0.75)
	return j
}

func isIBANStart(s string) bool {
	return len(s) >= 4 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9'
}

// units are measurement suffixes glued to numbers (500mg, 1200kcal).
func units(u string) bool {
	switch u {
	case "mg", "ml", "kg", "mcg", "mmhg", "mm", "cm", "km", "lbs", "lb", "hrs", "hr", "min", "mins",
		"am", "pm", "st", "nd", "rd", "th", "s", "x", "k", "m", "g", "l", "kcal", "cal", "mph",
		"gb", "mb", "kb", "tb", "px", "hz", "khz", "mhz", "ghz", "ms", "dl", "iu", "meq", "mmol",
		"steps", "p", "fps", "usd", "eur":
		return true
	}
	return false
}

// numberRun groups the digit groups that start at token i and are separated
// by single spaces or phone punctuation, then decides what they are.
func (sc *scanner) numberRun(i int) int {
	j := i
	for j+1 < len(sc.toks) {
		n := sc.toks[j+1]
		if n.nl || n.used {
			break
		}
		if n.kind == kNum {
			if n.sp && sc.toks[j].kind == kNum && sc.numLen(j+1) > 5 && sc.numLen(j) > 5 {
				break
			}
			// A date or code starting here ends the run.
			if n.sp && j+2 < len(sc.toks) && sc.tight(j+2) && (sc.toks[j+2].kind == kWord || sc.isPunct(j+2, '/')) {
				break
			}
			j++
			continue
		}
		if n.kind == kPunct {
			c := sc.text[n.s]
			if (c == '-' || c == '.' || c == ')' || c == '(' || c == '/') && j+2 < len(sc.toks) && (sc.toks[j+2].kind == kNum || c == ')' && sc.toks[j+2].kind == kNum) && !sc.toks[j+2].nl && !(n.sp && sc.toks[j+2].sp) {
				if c == '.' && n.sp {
					break
				}
				j++
				continue
			}
			if c == ')' && sc.toks[i].kind == kPunct && sc.text[sc.toks[i].s] == '(' {
				j++
				continue
			}
		}
		break
	}
	// Trim trailing punctuation.
	for j > i && sc.toks[j].kind == kPunct && sc.text[sc.toks[j].s] != ')' {
		j--
	}
	digits, groups := 0, 0
	var lens [12]int
	for k := i; k <= j; k++ {
		if sc.toks[k].kind == kNum {
			if groups < len(lens) {
				lens[groups] = sc.numLen(k)
			}
			groups++
			digits += sc.numLen(k)
		}
	}
	text := sc.text[sc.toks[i].s:sc.toks[j].e]
	typ, hasKW := sc.keyword(i)
	prev := i - 1
	money := prev >= 0 && strings.ContainsAny(sc.word(prev), "$€£¥") || strings.Contains(text, ",")
	if nw := sc.nextWord(j, 0); nw >= 0 {
		switch sc.lower(nw) {
		case "dollars", "usd", "euros", "eur", "bucks", "percent", "calories", "steps", "mg", "ml":
			money = true
		}
	}
	if j+1 < len(sc.toks) && sc.isPunct(j+1, '%') {
		money = true
	}
	if digits >= 3 && digits <= 9 && sc.zipCue(i) {
		sc.mark(i, j, Location, 0.85)
		return j
	}
	switch {
	case groups == 1 && digits <= 3:
		sc.age(i, j)
		return j
	case money && !hasKW:
		return j
	case groups == 3 && lens[0] == 3 && lens[1] == 2 && lens[2] == 4 && !strings.Contains(text, "."):
		if hasKW && typ != SSN && typ != ID {
			sc.mark(i, j, typ, 0.8)
		} else {
			sc.mark(i, j, SSN, 0.9)
		}
		return j
	case hasKW && typ == SSN && digits == 9:
		sc.mark(i, j, SSN, 0.9)
		return j
	case hasKW && typ == Fax && digits >= 6:
		sc.mark(i, j, Fax, 0.9)
		return j
	case hasKW && typ == Phone && (digits >= 7 || digits >= 4 && sc.pager(i)):
		sc.mark(i, j, Phone, 0.9)
		return j
	case hasKW && typ != Phone && digits >= 3:
		a, b := sc.codeExtent(i, j)
		sc.mark(a, b, typ, 0.85)
		return b
	case digits >= 13 && digits <= 19 && luhn(text):
		sc.mark(i, j, Account, 0.85)
		return j
	case isPhoneShape(text, digits, lens[:min(groups, len(lens))]):
		sc.mark(i, j, Phone, 0.8)
		return j
	case groups == 1 && digits == 5 || groups == 2 && lens[0] == 5 && lens[1] == 4 && strings.Contains(text, "-"):
		if sc.zipContext(i, j) {
			sc.mark(i, j, Location, 0.8)
		}
		return j
	case groups == 1 && digits == 4:
		return j // a year, a PIN or a count: not an identifier by itself
	case strings.ContainsAny(text, "/") || thousands(text):
		return j // 210/120 mm Hg, 249.000
	case groups == 1 && digits >= 6 || digits >= 7:
		sc.mark(i, j, ID, 0.55)
		return j
	}
	return j
}

func isPhoneShape(text string, digits int, lens []int) bool {
	if digits < 7 || digits > 15 {
		return false
	}
	if text[0] == '+' || text[0] == '(' || strings.HasPrefix(text, "00") && digits >= 11 {
		return true
	}
	switch len(lens) {
	case 1:
		// 9-digit Spanish numbers start with 6, 7, 8 or 9; 10-digit US ones are ambiguous with IDs.
		return digits == 9 && text[0] >= '6'
	case 2:
		return lens[0] == 3 && lens[1] == 4 || lens[0] == 2 && lens[1] == 7 || lens[0] == 3 && lens[1] == 6
	case 3:
		return lens[0] == 3 && lens[1] == 3 && lens[2] == 4 || lens[0] == 1 && lens[1] == 3 && lens[2] >= 3 ||
			lens[0] == 3 && lens[1] == 3 && lens[2] == 3 || lens[0] == 3 && lens[1] == 2 && lens[2] == 4 ||
			lens[0] == 2 && lens[1] == 3 && lens[2] >= 3 || lens[0] == 4 && lens[1] == 3 && lens[2] >= 3
	case 4:
		return lens[0] <= 4 && digits >= 9
	}
	return len(lens) <= 6 && digits >= 9
}

func luhn(s string) bool {
	sum, n, double := 0, 0, false
	for k := len(s) - 1; k >= 0; k-- {
		c := s[k]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
		double = !double
	}
	return n >= 13 && sum%10 == 0
}

// zipContext reports whether the five digits at [i, j] are a postal code:
// after a state or a postal cue, after "in", or before a place name.
func (sc *scanner) zipContext(i, j int) bool {
	if p := sc.prevWord(i, 2); p >= 0 {
		t := sc.toks[p]
		if t.lx&(fZipCue|fRegion|fPlacePrep) != 0 {
			return true
		}
		if t.shape&shAll != 0 && t.e-t.s == 2 {
			for _, s := range stateCodes {
				if s == sc.word(p) {
					return true
				}
			}
		}
		if t.shape&shCap != 0 && t.lx&fDict == 0 {
			return true
		}
	}
	if n := sc.nextWord(j, 1); n >= 0 && sc.toks[n].shape&shCap != 0 && sc.toks[n].lx&fCommon == 0 {
		return true
	}
	return false
}

// age marks a number of at most three digits that is an age over 89.
func (sc *scanner) age(i, j int) {
	v := sc.numVal(i)
	if v < 90 || v > 130 {
		return
	}
	k := j + 1
	if sc.isPunct(k, '-') {
		k++
	}
	if k < len(sc.toks) && sc.toks[k].kind == kWord && !sc.toks[k].nl {
		switch sc.lower(k) {
		case "years", "year", "yrs", "yr", "yo", "y", "años", "año", "anos", "ano", "yr-old", "yo's":
			e := k
			for e+2 < len(sc.toks) && sc.isPunct(e+1, '-') && sc.toks[e+2].kind == kWord && sc.toks[e+2].e-sc.toks[e+2].s <= 4 {
				e += 2
			}
			if (sc.isPunct(e+1, '/') || sc.isPunct(e+1, '.')) && sc.tight(e+1) && e+2 < len(sc.toks) && sc.tight(e+2) && sc.lower(e+2) == "o" {
				e += 2 // "92 y/o", "95 y.o."
			}
			sc.mark(i, e, Age, 0.9)
			return
		}
	}
	if v > 115 || sc.isPunct(j+1, '%') || sc.isPunct(j+1, '/') || sc.isPunct(j+1, '.') && j+2 < len(sc.toks) && sc.toks[j+2].kind == kNum {
		return
	}
	if n := sc.nextWord(j, 0); n >= 0 && n == j+1 && units(sc.lower(n)) {
		return
	}
	if n := sc.nextWord(j, 0); n >= 0 {
		switch sc.lower(n) {
		case "percent", "degrees", "bpm", "minutes", "mins", "hours", "days", "pounds", "lbs", "kg", "mg", "dollars", "times", "people", "patients":
			return
		}
	}
	// "(96)" after a person: "My mother (96) was discharged".
	if sc.isPunct(i-1, '(') && sc.isPunct(j+1, ')') {
		if p := sc.prevWord(i, 1); p >= 0 && (sc.toks[p].shape&shCap != 0 || lowerCue(sc.lower(p)) || sc.toks[p].lx&fNameCue != 0) {
			sc.mark(i, j, Age, 0.7)
		}
		return
	}
	p := sc.prevWord(i, 0)
	if p < 0 && sc.isPunct(i-1, ':') {
		// "Age: 94", "Edad: 91" in a form.
		if q := sc.prevWord(i, 1); q >= 0 && (sc.lower(q) == "age" || sc.lower(q) == "edad") {
			sc.mark(i, j, Age, 0.85)
		}
		return
	}
	if p < 0 {
		return
	}
	w := sc.lower(p)
	if w == "s" && sc.isPunct(p-1, '\'') {
		w = "is" // he's, she's, mom's
	}
	switch w {
	case "age", "aged", "edad", "ages", "turned", "turns", "turning", "is", "i'm", "im", "am", "was", "he's", "she's", "who's", "be", "being", "tiene", "de":
		if q := sc.prevWord(p, 1); q >= 0 && measure(sc.lower(q)) {
			return
		}
		if w == "de" {
			return
		}
		sc.mark(i, j, Age, 0.75)
	}
}

// measure words make a following number a measurement, not an age.
func measure(w string) bool {
	switch w {
	case "rate", "pressure", "temp", "temperature", "sugar", "glucose", "level", "score", "weight",
		"bp", "hr", "pulse", "count", "saturation", "sat", "sats", "o2", "spo2", "fever", "number",
		"room", "bed", "floor", "bill", "cost", "copay", "price", "wait", "line", "ext", "extension":
		return true
	}
	return false
}

// ordinalDate marks "the 22nd", "on the 3rd", "the 5th of March" at number i.
func (sc *scanner) ordinalDate(i int) (int, bool) {
	v := sc.numVal(i)
	if v < 1 || v > 31 || sc.numLen(i) > 2 || i+1 >= len(sc.toks) || !sc.tight(i+1) || sc.toks[i+1].kind != kWord {
		return i, false
	}
	switch sc.lower(i + 1) {
	case "st", "nd", "rd", "th":
	default:
		return i, false
	}
	p := sc.prevWord(i, 0)
	if p < 0 || sc.lower(p) != "the" {
		return i, false
	}
	b := i + 1
	if n := sc.nextWord(b, 0); n == b+1 {
		switch sc.lower(n) {
		case "of":
			if m := n + 1; m < len(sc.toks) && sc.toks[m].lx&fMonth != 0 {
				b = m
			} else {
				return i, false
			}
		case "time", "day", "week", "month", "year", "floor", "grade", "place", "round", "dose", "shot", "try",
			"baby", "kid", "child", "one", "row", "ave", "avenue", "st", "street", "trimester", "degree",
			"attempt", "visit", "appointment", "surgery", "opinion", "cycle", "session", "birthday", "century":
			return i, false
		}
	}
	a := p
	if q := sc.prevWord(p, 0); q >= 0 && sc.toks[q].lx&fDatePrep != 0 {
		a = q
	}
	sc.mark(a, b, Date, 0.7)
	return b, true
}

// thousands reports a number written with thousands separators: 249.000, 1.250.000.
func thousands(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

// codeExtent widens [i, j] over letters, digits and inner hyphens glued to
// it, so that a serial such as PXR-88213-A is taken whole.
func (sc *scanner) codeExtent(i, j int) (int, int) {
	glued := func(k int) bool {
		t := sc.toks[k]
		return !t.used && (t.kind == kWord || t.kind == kNum)
	}
	for i >= 2 && sc.tight(i) && sc.isPunct(i-1, '-') && sc.tight(i-1) && glued(i-2) || i >= 1 && sc.tight(i) && glued(i-1) {
		if sc.isPunct(i-1, '-') {
			i -= 2
		} else {
			i--
		}
	}
	for j+2 < len(sc.toks) && sc.tight(j+1) && sc.isPunct(j+1, '-') && sc.tight(j+2) && glued(j+2) || j+1 < len(sc.toks) && sc.tight(j+1) && glued(j+1) {
		if sc.isPunct(j+1, '-') {
			j += 2
		} else {
			j++
		}
	}
	return i, j
}

// pager reports a pager or extension keyword right before token i, after
// which short numbers are phone numbers.
func (sc *scanner) pager(i int) bool {
	p := sc.prevWord(i, 3)
	if p < 0 {
		return false
	}
	switch sc.lower(p) {
	case "pager", "beeper", "ext", "extension", "x", "pgr":
		return true
	}
	return false
}

// zipCue reports "zip", "CP", "postal code" among the three words before i.
func (sc *scanner) zipCue(i int) bool {
	k := i
	for n := 0; n < 3; n++ {
		k = sc.prevWord(k, 2)
		if k < 0 {
			return false
		}
		if sc.toks[k].lx&fZipCue != 0 {
			return true
		}
	}
	return false
}

// countWord precedes "n/m" when it counts steps rather than dates.
func countWord(w string) bool {
	switch w {
	case "day", "days", "cycle", "cycles", "dose", "doses", "week", "weeks", "session", "sessions", "visit", "step", "stage", "grade", "pod":
		return true
	}
	return false
}

// wordAges finds ages over 89 written in words: "ninety-two year old",
// "a hundred and one years old", "Ninety-one yo".
func (sc *scanner) wordAges() {
	for i := 0; i < len(sc.toks); i++ {
		t := sc.toks[i]
		if t.kind != kWord || t.used || t.lx&fAgeWord == 0 {
			continue
		}
		a, k := i, i+1
		if sc.lower(i) == "hundred" {
			if p := i - 1; p >= 0 && sc.toks[p].kind == kWord && (sc.lower(p) == "a" || sc.lower(p) == "one") {
				a = p
			}
		}
		// "-two", " and one"
		if sc.isPunct(k, '-') && sc.tight(k) && k+1 < len(sc.toks) && sc.toks[k+1].kind == kWord && sc.tight(k+1) {
			k += 2
		} else if k+1 < len(sc.toks) && sc.toks[k].kind == kWord && sc.lower(k) == "and" && sc.toks[k+1].kind == kWord {
			k += 2
		}
		if n := sc.nextWord(k-1, 1); n >= 0 && n <= k+1 {
			switch sc.lower(n) {
			case "year", "years", "yo", "yr", "yrs", "años":
				e := n
				for e+2 < len(sc.toks) && sc.isPunct(e+1, '-') && sc.toks[e+2].kind == kWord && sc.toks[e+2].e-sc.toks[e+2].s <= 4 {
					e += 2 // "-year-old"
				}
				sc.mark(a, e, Age, 0.8)
				i = e
			}
		}
	}
}
