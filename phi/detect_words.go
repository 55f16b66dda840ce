package phi

// labels handles "Label: value" lines of forms and clinical headers:
// "Nombre: Ignacio", "Localidad/ Provincia: Valencia", "Patient: John Roe".
func (sc *scanner) labels() {
	for i := 0; i+1 < len(sc.toks); i++ {
		t := sc.toks[i]
		if t.kind != kWord || t.shape&shCap == 0 || t.lx&fIDKey == 0 {
			continue
		}
		typ, ok := labelTypes[sc.lower(i)]
		if !ok {
			continue
		}
		if sc.lower(i) == "cc" && sc.isPunct(i+1, ':') && i+2 < len(sc.toks) && sc.toks[i+2].lx&fCommon != 0 && sc.toks[i+2].lx&fFirst == 0 {
			continue // "CC: Chest pain" is a chief complaint, not a copy list
		}
		// The label may be "Localidad/ Provincia" or "Nombre del paciente".
		k := i + 1
		for k < len(sc.toks) && k < i+4 && !sc.isPunct(k, ':') && !sc.toks[k].nl && (sc.toks[k].kind == kWord && sc.toks[k].lx&(fCommon|fSpanish) != 0 || sc.isPunct(k, '/')) {
			k++
		}
		if !sc.isPunct(k, ':') || k+1 >= len(sc.toks) || sc.toks[k+1].nl {
			continue
		}
		a := k + 1
		b := a - 1
		for m := a; m < len(sc.toks) && !sc.toks[m].nl && m < a+12; m++ {
			tm := sc.toks[m]
			if tm.used || m > a && tm.s-sc.toks[m-1].e >= 3 || tm.lx&fIDKey != 0 && m > a {
				break // a column gap or the next label ends the value
			}
			if tm.kind == kPunct {
				c := sc.text[tm.s]
				initial := m > 0 && sc.toks[m-1].kind == kWord && sc.toks[m-1].e-sc.toks[m-1].s == 1
				if c == '.' && !initial && (m+1 >= len(sc.toks) || sc.toks[m+1].nl || sc.toks[m+1].sp && sc.toks[m+1].shape&shCap != 0 && typ == Name) {
					break
				}
				if typ == Name && c == ',' && m+1 < len(sc.toks) && sc.toks[m+1].kind == kWord && sc.toks[m+1].shape&shCap != 0 && sc.toks[m+1].lx&(fStop|fIDKey) == 0 {
					continue // "WHITCOMBE, HAROLD"
				}
				if typ == Name && c != '.' && c != '-' && c != '\'' {
					break
				}
				if c == ';' || c == '(' || c == ':' {
					break
				}
				continue
			}
			if typ == Name && (tm.kind != kWord || tm.shape&shCap == 0 || tm.lx&(fStop|fTitle) != 0 && tm.lx&fNameList == 0) {
				if tm.lx&fTitle != 0 {
					continue
				}
				break
			}
			if typ == Location && tm.kind == kWord && tm.shape&shLower != 0 && tm.lx&fDict != 0 && sc.toks[m-1].kind == kPunct && sc.text[sc.toks[m-1].s] == '.' {
				break
			}
			b = m
		}
		if b >= a {
			if typ == Location && b == a && sc.toks[a].lx&fRegion != 0 {
				continue
			}
			sc.mark(a, b, typ, 0.9)
			i = b
		}
	}
}

// monthDates finds dates built around a month or weekday name:
// "March 3rd, 2020", "3 de marzo de 2010", "diciembre de 2013", "Jan. 5",
// "the 3rd of March", "on Tuesday", "Christmas".
func (sc *scanner) monthDates() {
	for i := 0; i < len(sc.toks); i++ {
		t := sc.toks[i]
		if t.kind != kWord || t.used || t.lx&(fMonth|fWeekday|fHoliday) == 0 {
			continue
		}
		cap := t.shape&shCap != 0
		if t.lx&fHoliday != 0 && t.lx&(fMonth|fWeekday) == 0 {
			if cap {
				sc.mark(i, i, Date, 0.6)
			}
			continue
		}
		a, b := i, i
		if sc.isPunct(b+1, '.') && sc.tight(b+1) && t.e-t.s <= 4 {
			b++
		}
		// Day after the month: "March 3rd", "Jan. 5,", then a year.
		dayAfter := false
		if n := b + 1; n < len(sc.toks) && sc.toks[n].kind == kNum && !sc.toks[n].nl {
			if v := sc.numVal(n); v >= 1 && v <= 31 && sc.numLen(n) <= 2 {
				b = n
				dayAfter = true
				if o := b + 1; o < len(sc.toks) && sc.tight(o) && sc.toks[o].kind == kWord && ordinal(sc.lower(o)) {
					b = o
				}
			}
		}
		// Day before the month: "3 March", "3rd of March", "27 de febrero".
		dayBefore := false
		k := a - 1
		hyphen := false
		if (sc.isPunct(k, '-') || sc.isPunct(k, '/')) && sc.tight(a) && sc.tight(k) {
			k-- // "02-Feb-2095", "4/Jun"
			hyphen = true
		}
		if k >= 0 && sc.toks[k].kind == kWord && (sc.lower(k) == "de" || sc.lower(k) == "of") && !sc.toks[a].nl {
			k--
		}
		if k >= 0 && sc.toks[k].kind == kWord && ordinal(sc.lower(k)) && sc.tight(k) {
			k--
		}
		if k >= 0 && sc.toks[k].kind == kNum && !sc.toks[k].used {
			if v := sc.numVal(k); v >= 1 && v <= 31 && sc.numLen(k) <= 2 {
				a = k
				dayBefore = true
				if p := a - 2; p >= 0 && sc.toks[a-1].kind == kWord && sc.lower(a-1) == "the" {
					_ = p
				}
			}
		}
		// Year: ", 2020", " 2020", " de 2020", " del 2020", " '20".
		yearAfter := false
		y := b + 1
		if sc.isPunct(y, ',') || hyphen && (sc.isPunct(y, '-') || sc.isPunct(y, '/')) && sc.tight(y) && sc.tight(y+1) {
			y++
		}
		if y < len(sc.toks) && sc.toks[y].kind == kWord && (sc.lower(y) == "de" || sc.lower(y) == "del" || sc.lower(y) == "of") {
			y++
		}
		if sc.isPunct(y, '\'') || sc.is(y, "’") {
			y++
		}
		if y < len(sc.toks) && sc.toks[y].kind == kNum && !sc.toks[y].nl && (sc.numLen(y) == 4 || sc.numLen(y) == 2 && (sc.isPunct(y-1, '\'') || sc.is(y-1, "’"))) {
			b = y
			yearAfter = true
		}
		digits := dayAfter || dayBefore || yearAfter
		if t.lx&fWeekday != 0 {
			// Weekdays: capitalised, or after a date preposition; "Tuesday, March 3" joins the month.
			p := sc.prevWord(i, 0)
			prep := p >= 0 && sc.toks[p].lx&fDatePrep != 0
			if !(cap && t.e-t.s > 3 || prep || digits) {
				continue
			}
			if p >= 0 && prep && sc.toks[p].shape&shLower != 0 && (sc.lower(p) == "last" || sc.lower(p) == "next" || sc.lower(p) == "this" || sc.lower(p) == "pasado") {
				a = p
			}
			sc.mark(a, b, Date, 0.6)
			i = b
			continue
		}
		if !digits {
			// A bare month: only if unambiguous, or capitalised after a date preposition.
			p := sc.prevWord(i, 0)
			prep := p >= 0 && sc.toks[p].lx&fDatePrep != 0
			if t.lx&fMonthAmb != 0 && !(cap && prep) {
				continue
			}
			if t.e-t.s <= 3 && !(cap && prep) {
				continue // "mar", "dic" alone are not dates
			}
			if !cap && t.lx&fCommon != 0 && !prep {
				continue
			}
		}
		if t.lx&fMonthAmb != 0 && !cap && !digits {
			continue
		}
		sc.mark(a, b, Date, 0.85)
		i = b
	}
}

func ordinal(s string) bool {
	switch s {
	case "st", "nd", "rd", "th", "º", "ª", "o", "er":
		return true
	}
	return false
}

// directions may sit between a house number and the street name.
func direction(s string) bool {
	switch s {
	case "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west", "old", "new":
		return true
	}
	return false
}

// streets finds street addresses: "123 Main Street, Apt 4", "6750 Koskikatu 25",
// "C/ Virgen de La Paloma, 14", "Redondo Beach Blvd", then extends over a
// following city, state and ZIP code.
func (sc *scanner) streets() {
	for i := 0; i < len(sc.toks); i++ {
		t := sc.toks[i]
		if t.used {
			continue
		}
		switch {
		case t.kind == kWord && t.e-t.s <= 7 && (sc.low != "" && (sc.low[t.s] == 'p' || sc.low[t.s] == 'u' || sc.low[t.s] == 'c') || sc.low == "") && sc.poBox(i) > i:
			b := sc.addressTail(sc.poBox(i))
			sc.mark(i, b, Location, 0.8)
			i = b
		case t.kind == kNum && sc.numLen(i) <= 6:
			if b := sc.usStreet(i); b > i {
				b = sc.addressTail(b)
				sc.mark(i, b, Location, 0.85)
				i = b
			}
		case t.kind == kWord && t.shape&shCap != 0 && highway(sc.lower(i)) && (sc.numLen(i+1) > 0 || sc.isPunct(i+1, '-') && sc.numLen(i+2) > 0):
			b := i + 1
			if sc.isPunct(b, '-') {
				b++
			}
			sc.mark(i, b, Location, 0.75)
			i = b
		case t.kind == kWord && t.lx&fStreetPre != 0 && (t.shape&shCap != 0):
			if b := sc.esStreet(i); b > i {
				b = sc.addressTail(b)
				a := i
				if i > 0 && sc.toks[i-1].kind == kNum && !sc.toks[i-1].used && !sc.toks[i].nl && sc.numLen(i-1) <= 5 && sc.toks[i].sp {
					a = i - 1 // "3482 Via Franscini 71"
					if a > 0 && sc.toks[a-1].kind == kNum && !sc.toks[a-1].used && !sc.toks[a].nl && sc.numLen(a-1) <= 5 && sc.toks[a].sp {
						a-- // "8116 56 rue La Boétie"
					}
				}
				sc.mark(a, b, Location, 0.85)
				i = b
			}
		case t.kind == kWord && t.shape&shCap != 0 && t.lx&fStreetSuf != 0 && t.e-t.s >= 4:
			// Named street without a number: "on Redondo Beach Blvd", "Main Street".
			a := i
			for k := i - 1; k >= 0 && k >= i-3 && sc.toks[k].kind == kWord && sc.toks[k].shape&shCap != 0 && !sc.toks[k+1].nl && !sc.toks[k].used && sc.toks[k].lx&(fStop|fTitle|fPlacePrep) == 0; k-- {
				a = k
			}
			if n := i + 1; n < len(sc.toks) && sc.toks[n].kind == kWord && sc.toks[n].lx&fCareSite != 0 && sc.toks[n].shape&shCap != 0 {
				continue // "Nashoba Valley Medical Center" is a care site
			}
			if a < i && sc.toks[a].lx&fFirst != 0 && sc.toks[a].lx&fCommon == 0 && t.lx&fLast != 0 {
				if p := sc.prevWord(a, 0); p < 0 || sc.toks[p].lx&fPlacePrep == 0 && sc.lower(p) != "on" {
					continue // "Julie Ann Park", "Wendy Hill": a person
				}
			}
			if a < i {
				b := i
				if sc.isPunct(b+1, '.') && sc.tight(b+1) {
					b++
				}
				sc.mark(a, b, Location, 0.75)
				i = b
			}
		}
	}
}

// usStreet matches a house number followed by a street name and either a
// street word, a unit, or a second number. It returns the last token or i.
func (sc *scanner) usStreet(i int) int {
	k := i + 1
	if k < len(sc.toks) && sc.toks[k].kind == kWord && sc.tight(k) && sc.toks[k].e-sc.toks[k].s == 1 && (k+1 >= len(sc.toks) || !sc.tight(k+1)) {
		k++ // 12B
	}
	if k < len(sc.toks) && sc.tight(k) || i > 0 && sc.tight(i) && sc.toks[i-1].kind != kPunct {
		return i // part of a code such as 1EG4-TE5
	}
	if k < len(sc.toks) && sc.toks[k].kind == kNum && sc.toks[k].sp && !sc.toks[k].nl && sc.numLen(k) <= 4 && k+1 < len(sc.toks) && sc.toks[k+1].kind == kWord && sc.toks[k+1].shape&shCap != 0 {
		k++ // "935 69 Gordon Terrace": building and house numbers
	}
	words, unknown := 0, false
	for ; k < len(sc.toks) && words < 5; k++ {
		n := sc.toks[k]
		if n.nl || n.used || n.kind != kPunct && !n.sp && !(n.kind == kWord && ordinal(sc.lower(k))) {
			break
		}
		if n.kind == kPunct {
			if sc.text[n.s] == '.' && words > 0 && sc.tight(k) {
				continue
			}
			break
		}
		if n.kind == kNum {
			// "5th Avenue" is a word with a number; "Koskikatu 25" ends the name.
			if o := k + 1; o < len(sc.toks) && sc.tight(o) && sc.toks[o].kind == kWord && ordinal(sc.lower(o)) {
				k++
				words++
				continue
			}
			if words > 0 && unknown && sc.numLen(k) <= 5 {
				return sc.unit(k)
			}
			break
		}
		lw := sc.lower(k)
		if n.shape&shCap == 0 && !direction(lw) && n.lx&fDict != 0 {
			if words > 0 && unknown && n.e-n.s <= 5 && n.lx&fStop == 0 && sc.toks[k-1].kind == kWord && sc.toks[k-1].shape&shCap != 0 && sc.toks[k-1].lx&fDict == 0 && k+1 < len(sc.toks) && sc.toks[k+1].kind == kNum && !sc.toks[k+1].nl && sc.numLen(k+1) <= 4 {
				words++ // "Luite tee 87", "Trenerys gate 232"
				continue
			}
			break
		}
		if n.lx&fStreetSuf != 0 && words > 0 {
			end := k
			if sc.isPunct(k+1, '.') && sc.tight(k+1) {
				end = k + 1
			}
			return sc.unit(end)
		}
		if n.lx&(fStop|fMonth|fWeekday|fTitle) != 0 && n.lx&fStreetSuf == 0 {
			break
		}
		if n.lx&fDict == 0 {
			unknown = true
		}
		words++
	}
	return i
}

// unit extends an address over "Apt. 864", "Suite 200", "#12", ", 3A".
func (sc *scanner) unit(b int) int {
	k := b + 1
	if sc.isPunct(k, ',') {
		k++
	}
	if k < len(sc.toks) && !sc.toks[k].nl && (sc.toks[k].kind == kWord && sc.toks[k].lx&fUnit != 0 || sc.isPunct(k, '#')) {
		m := k + 1
		if sc.isPunct(m, '.') {
			m++
		}
		if m < len(sc.toks) && !sc.toks[m].nl && (sc.toks[m].kind == kNum || sc.toks[m].kind == kWord && sc.toks[m].e-sc.toks[m].s <= 2) {
			b = m
			for b+1 < len(sc.toks) && sc.tight(b+1) && (sc.toks[b+1].kind == kNum || sc.toks[b+1].kind == kWord && sc.toks[b+1].e-sc.toks[b+1].s <= 2 || sc.isPunct(b+1, '-')) {
				b++
			}
		}
	}
	return b
}

// esStreet matches a Spanish street: a street word ("Calle", "C/", "Avda.")
// then up to eight words and a house number, with floor and door after it.
func (sc *scanner) esStreet(i int) int {
	k := i + 1
	lw := sc.lower(i)
	if lw == "c" || lw == "cl" || lw == "av" || lw == "pº" || lw == "po" || lw == "pl" || lw == "rr" || lw == "box" {
		// Abbreviations must carry their mark: "C/", "Av.", "Pº".
		if !(sc.isPunct(k, '/') || sc.isPunct(k, '.')) && lw != "pº" {
			return i
		}
	}
	words := 0
	for ; k < len(sc.toks) && k < i+12; k++ {
		n := sc.toks[k]
		if n.nl || n.used {
			return i
		}
		switch n.kind {
		case kNum:
			if words == 0 && lw != "calle" && lw != "carrera" {
				return i
			}
			b := k
			for b+1 < len(sc.toks) && !sc.toks[b+1].nl && b < k+8 {
				m := sc.toks[b+1]
				if m.kind == kNum || m.kind == kWord && (m.e-m.s <= 2 || m.lx&fUnit != 0) && (m.shape&shLower == 0 || m.lx&fUnit != 0) ||
					m.kind == kPunct && (sc.text[m.s] == '-' || sc.text[m.s] == '#' || sc.text[m.s] == ',' || sc.text[m.s] == 'º' || sc.is(b+1, "º") || sc.is(b+1, "ª")) && b+2 < len(sc.toks) && !sc.toks[b+2].nl && (sc.toks[b+2].kind == kNum || sc.toks[b+2].kind == kWord && sc.toks[b+2].e-sc.toks[b+2].s <= 2 && sc.toks[b+2].shape&shLower == 0) {
					b++
					continue
				}
				break
			}
			return b
		case kWord:
			if n.shape&shLower != 0 && n.lx&fCommon != 0 && words > 0 && n.e-n.s > 3 {
				return i
			}
			words++
		case kPunct:
			c := sc.text[n.s]
			if c == '.' && k+1 < len(sc.toks) && (sc.toks[k+1].sp && sc.toks[k+1].shape&shCap != 0 && words > 1) {
				return i
			}
			if c != '/' && c != '.' && c != ',' && c != '\'' && c != '-' && c != '´' {
				return i
			}
		}
	}
	return i
}

// addressTail extends an address over ", City, ST 12345" or lines of a
// multi-line address (city, region, country, postal code).
func (sc *scanner) addressTail(b int) int {
	end := b
	for k := b + 1; k < len(sc.toks) && k < b+14; k++ {
		n := sc.toks[k]
		if n.used {
			break
		}
		switch n.kind {
		case kPunct:
			if c := sc.text[n.s]; c == ',' || c == '-' || c == '.' || c == '#' || c == '(' || c == ')' || c == '>' || c == '|' || c == '?' && (n.nl || sc.isPunct(k-1, '?') && sc.tight(k)) {
				continue
			}
			return end
		case kNum:
			if sc.numLen(k) <= 6 {
				end = k
				continue
			}
			return end
		case kWord:
			if n.nl && sc.lower(k) == "nan" {
				continue // an empty field of an exported address
			}
			if n.shape&shCap == 0 && n.lx&fUnit == 0 || n.lx&(fStop|fMonth|fWeekday) != 0 && n.lx&fRegion == 0 {
				return end
			}
			end = k
		}
	}
	return end
}

// careSites finds hospitals and clinics by name: "Hospital Universitario de
// Getafe", "Centro de Salud Tarancón", "St. Mary's Hospital", "Mercy Medical Center".
func (sc *scanner) careSites() {
	for i := 0; i < len(sc.toks); i++ {
		t := sc.toks[i]
		if t.used || t.kind != kWord || t.shape&shCap == 0 || t.shape&shAll != 0 || t.lx&fCareSite == 0 {
			continue // an upper-case HOSPITAL is a heading
		}
		// Forward: "Hospital Universitario de La Princesa".
		b := i
		for k := i + 1; k < len(sc.toks) && k < i+8; k++ {
			n := sc.toks[k]
			if n.nl || n.used {
				break
			}
			if n.kind == kWord && n.shape&shCap != 0 {
				b = k
				continue
			}
			if n.kind == kWord && (sc.lower(k) == "de" || sc.lower(k) == "del" || sc.lower(k) == "la" || sc.lower(k) == "of" || sc.lower(k) == "d") && k+1 < len(sc.toks) && sc.toks[k+1].shape&shCap != 0 {
				continue
			}
			if n.kind == kPunct && (sc.text[n.s] == '\'' || sc.word(k) == "´" || sc.word(k) == "’" || sc.text[n.s] == '.') && sc.tight(k) {
				continue
			}
			break
		}
		// Backward: "Mercy Medical Center", "St. Mary's Hospital".
		a := i
		for k := i - 1; k >= 0 && k >= i-5; k-- {
			n := sc.toks[k]
			if sc.toks[k+1].nl && n.kind != kWord || n.used {
				break // a line break inside a name ("Beth Israel Deaconess\nMedical Center") is kept
			}
			if n.kind == kWord && n.shape&shCap != 0 && (n.lx&(fStop|fTitle) == 0 || n.lx&(fCareSite|fHeading) != 0 && n.lx&fTitle == 0 && k > 0 && sc.toks[k-1].kind == kWord && sc.toks[k-1].shape&shCap != 0) {
				a = k // "Coastal Neurology Associates"
				continue
			}
			if n.kind == kPunct && (sc.text[n.s] == '\'' || sc.text[n.s] == '.' && k > 0 && sc.toks[k-1].e-sc.toks[k-1].s <= 3 || sc.word(k) == "’" || sc.text[n.s] == '-' && sc.tight(k) && sc.tight(k+1)) && k > 0 && sc.toks[k-1].kind == kWord {
				continue
			}
			if n.kind == kWord && n.shape&shLower != 0 && sc.lower(k) == "s" {
				continue
			}
			break
		}
		if (b > i || a < i) && !sc.heading(a, b) {
			// "Hospital" alone at a sentence start is only a word.
			sc.mark(a, b, Location, 0.7)
			i = b
		}
	}
}

func highway(w string) bool {
	switch w {
	case "route", "highway", "hwy", "interstate", "i", "rte", "sr", "us", "county":
		return true
	}
	return false
}

// heading reports whether tokens [a, b] only name a service or a document
// ("Anticoagulation Clinic", "Nursing Note", "Department of Surgery"): no
// word of it could pick out one place.
func (sc *scanner) heading(a, b int) bool {
	for k := a; k <= b; k++ {
		if t := sc.toks[k]; t.kind == kWord && t.lx&fHeading == 0 && !(t.lx&fStop != 0 && t.lx&fNameList == 0) {
			return false
		}
	}
	return true
}

// poBox matches a post-office or military box: "P.O. Box 242", "PO Box
// 12", "Postbox 53", "PSC 5420, Box 2708", "Unit 4526 Box 0671". It returns
// the last token or i.
func (sc *scanner) poBox(i int) int {
	k := i
	switch sc.lower(i) {
	case "p":
		// "P.O." or "P. O."
		if !sc.isPunct(i+1, '.') || !sc.wordIs(i+2, "o") {
			return i
		}
		k = i + 2
		if sc.isPunct(k+1, '.') {
			k++
		}
	case "po", "postbox", "psc", "unit", "cmr":
	default:
		return i
	}
	if sc.lower(i) == "postbox" {
		if sc.numLen(k+1) > 0 {
			return k + 1
		}
		return i
	}
	if sc.lower(i) == "psc" || sc.lower(i) == "unit" || sc.lower(i) == "cmr" {
		// Military mail: a number, then ", Box N".
		if sc.numLen(k+1) == 0 {
			return i
		}
		k++
		if sc.isPunct(k+1, ',') {
			k++
		}
	}
	if k+2 < len(sc.toks) && sc.wordIs(k+1, "box") && sc.toks[k+2].kind == kNum {
		return k + 2
	}
	return i
}

// wordIs reports whether token k exists, is a word and reads w in lower case.
func (sc *scanner) wordIs(k int, w string) bool {
	return k >= 0 && k < len(sc.toks) && sc.toks[k].kind == kWord && sc.lower(k) == w
}
