package phi

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// GoldSpan is one labelled span of a development set, in code points.
type GoldSpan struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Type  string `json:"type"`
	Text  string `json:"text"`
}

// GoldRecord is one line of a development set (../shared/data/phi schema).
type GoldRecord struct {
	Corpus string     `json:"corpus"`
	ID     string     `json:"id"`
	Text   string     `json:"text"`
	Spans  []GoldSpan `json:"spans"`
}

// goldMap maps a corpus label to its Safe Harbor category; "" means the
// label is never PHI. Conditional labels are decided by GoldType.
var goldMap = map[string]Type{
	// presidio
	"PERSON": Name, "STREET_ADDRESS": Location, "GPE": Location, "ZIP_CODE": Location,
	"DATE_TIME": Date, "AGE": Age, "PHONE_NUMBER": Phone, "EMAIL_ADDRESS": Email, "US_SSN": SSN,
	"CREDIT_CARD": Account, "IBAN_CODE": Account, "US_DRIVER_LICENSE": License, "DOMAIN_NAME": URL,
	"IP_ADDRESS": IP, "ORGANIZATION": "", "TITLE": "", "NRP": "",
	// MEDDOCAN
	"NOMBRE_SUJETO_ASISTENCIA": Name, "NOMBRE_PERSONAL_SANITARIO": Name,
	"FAMILIARES_SUJETO_ASISTENCIA": Name, "CALLE": Location, "TERRITORIO": Location,
	"HOSPITAL": Location, "CENTRO_SALUD": Location, "PAIS": "", "FECHAS": Date,
	"EDAD_SUJETO_ASISTENCIA": Age, "NUMERO_TELEFONO": Phone, "NUMERO_FAX": Fax,
	"CORREO_ELECTRONICO": Email, "ID_SUJETO_ASISTENCIA": MRN, "ID_ASEGURAMIENTO": HealthPlan,
	"ID_CONTACTO_ASISTENCIAL": ID, "ID_TITULACION_PERSONAL_SANITARIO": License,
	"SEXO_SUJETO_ASISTENCIA": "", "INSTITUCION": "", "PROFESION": "", "OTROS_SUJETO_ASISTENCIA": "",
	// WNUT-17
	"person": Name, "location": Location, "corporation": "", "group": "", "product": "",
	"creative-work": "",
}

// GoldType returns the Safe Harbor category of a labelled span and whether
// it is PHI under the project's rules (docs/phi.md):
//   - countries, US states and Spanish autonomous communities are not PHI;
//   - a bare year ("1977", "2013") is not PHI; other dates are, weekdays included;
//   - an age is PHI only when it holds a number above 89;
//   - a relative (MEDDOCAN FAMILIARES) is PHI only when a capitalised name is given;
//   - the literal "nan" (a generator artefact) is not PHI;
//   - organisations, titles, nationalities, sex, professions are not PHI.
//
// Types of the project's own sets (the contract names, e.g. "NAME") map to
// themselves and are always PHI.
func GoldType(label, text string) (Type, bool) {
	t, ok := goldMap[label]
	if !ok && isContractType(Type(label)) {
		t = Type(label)
	}
	if t == "" {
		return "", false
	}
	s := strings.TrimSpace(text)
	ls := strings.ToLower(s)
	switch t {
	case Location:
		if ls == "nan" || label == "GPE" && ls == "" {
			return t, false
		}
		if isRegion(ls) {
			return t, false
		}
	case Date:
		if bareYear(s) {
			return t, false
		}
	case Age:
		return t, maxNumber(s) > 89
	case Name:
		if label == "FAMILIARES_SUJETO_ASISTENCIA" {
			for _, w := range strings.Fields(s) {
				r := []rune(w)
				if len(r) > 1 && unicode.IsUpper(r[0]) {
					return t, true
				}
			}
			return t, false
		}
	}
	return t, true
}

func isContractType(t Type) bool {
	for _, c := range Types() {
		if t == c {
			return true
		}
	}
	return false
}

func isRegion(ls string) bool {
	ls = strings.TrimPrefix(strings.TrimPrefix(ls, "the "), "la ")
	for _, r := range regionWords {
		if ls == r {
			return true
		}
	}
	switch ls {
	case "united states", "united kingdom", "estados unidos", "reino unido", "new york state",
		"south africa", "new zealand", "saudi arabia", "sri lanka", "costa rica", "el salvador",
		"puerto rico", "north carolina", "south carolina", "north dakota", "south dakota",
		"new hampshire", "new jersey", "new mexico", "rhode island", "west virginia",
		"castilla y león", "castilla-la mancha", "castilla la mancha", "país vasco", "comunidad valenciana",
		"comunidad de madrid", "la rioja", "czech republic", "dominican republic", "ivory coast",
		"hong kong", "south korea", "north korea", "the netherlands", "great britain", "u.s.", "u.s.a.",
		"united arab emirates", "british columbia", "nova scotia", "new brunswick", "new south wales",
		"northern territory", "western australia", "south australia", "latin america", "middle east", "north america", "south america":
		return true
	}
	return false
}

// bareYear reports whether s is only a year: "1977", "in 2013", "2013.".
func bareYear(s string) bool {
	digits, other := 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsLetter(r):
			other = true
		}
	}
	return digits == 4 && !other && len(strings.Trim(s, "0123456789 .'’")) == 0 || (digits == 2 && strings.HasPrefix(s, "'") && len(s) == 3)
}

func maxNumber(s string) int {
	best, cur, in := -1, 0, false
	for _, r := range s + " " {
		if r >= '0' && r <= '9' {
			cur = cur*10 + int(r-'0')
			in = true
			if cur > 100000 {
				cur = 100000
			}
			continue
		}
		if in && cur > best {
			best = cur
		}
		cur, in = 0, false
	}
	return best
}

// Counts holds the matching counts of one category.
type Counts struct {
	Gold          int // gold PHI spans
	Found         int // gold PHI spans overlapped by any prediction
	FoundStrict   int // gold PHI spans overlapped by a prediction of the same type
	Pred          int // predicted spans
	Correct       int // predictions overlapping a gold PHI span
	CorrectStrict int // predictions overlapping a gold PHI span of the same type
}

// Recall is Found/Gold (1 when there is nothing to find).
func (c Counts) Recall() float64 { return ratio(c.Found, c.Gold) }

// Precision is Correct/Pred (1 when nothing was predicted).
func (c Counts) Precision() float64 { return ratio(c.Correct, c.Pred) }

// StrictRecall is FoundStrict/Gold.
func (c Counts) StrictRecall() float64 { return ratio(c.FoundStrict, c.Gold) }

// StrictPrecision is CorrectStrict/Pred.
func (c Counts) StrictPrecision() float64 { return ratio(c.CorrectStrict, c.Pred) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (c *Counts) add(o Counts) {
	c.Gold += o.Gold
	c.Found += o.Found
	c.FoundStrict += o.FoundStrict
	c.Pred += o.Pred
	c.Correct += o.Correct
	c.CorrectStrict += o.CorrectStrict
}

// Evaluation accumulates the comparison of predictions with gold spans.
//
// Matching rule: a gold PHI span is found when any predicted span overlaps
// it by at least one code point (strict: a predicted span of the same type).
// A predicted span is correct when it overlaps a gold PHI span (strict: of
// its type); a prediction that overlaps only non-PHI gold spans (countries,
// organisations, bare years, ages up to 89) or nothing is a false positive.
type Evaluation struct {
	Total   Counts
	ByType  map[Type]*Counts // recall by gold type, precision by predicted type
	Records int
	Chars   int // code points scanned
	// Missed and Spurious keep up to MaxExamples examples for error analysis.
	Missed      []string
	Spurious    []string
	MaxExamples int
}

// NewEvaluation returns an empty evaluation keeping maxExamples examples.
func NewEvaluation(maxExamples int) *Evaluation {
	return &Evaluation{ByType: map[Type]*Counts{}, MaxExamples: maxExamples}
}

func (ev *Evaluation) counts(t Type) *Counts {
	c := ev.ByType[t]
	if c == nil {
		c = &Counts{}
		ev.ByType[t] = c
	}
	return c
}

// Add compares the predictions for one record with its gold spans.
func (ev *Evaluation) Add(rec GoldRecord, pred []Span) {
	ev.Records++
	runes := []rune(rec.Text)
	ev.Chars += len(runes)
	type g struct {
		s, e int
		t    Type
		phi  bool
	}
	gold := make([]g, 0, len(rec.Spans))
	for _, s := range rec.Spans {
		t, phi := GoldType(s.Type, s.Text)
		gold = append(gold, g{s.Start, s.End, t, phi})
	}
	snippet := func(s, e int) string {
		s, e = max(0, min(s, len(runes))), max(0, min(e, len(runes)))
		a, b := max(0, s-30), min(len(runes), e+30)
		return fmt.Sprintf("%s: %s[[%s]]%s", rec.ID, strings.ReplaceAll(string(runes[a:s]), "\n", " "), string(runes[s:e]), strings.ReplaceAll(string(runes[e:b]), "\n", " "))
	}
	for _, gs := range gold {
		if !gs.phi {
			continue
		}
		c := ev.counts(gs.t)
		c.Gold++
		ev.Total.Gold++
		found, strict := false, false
		for _, p := range pred {
			if p.Start < gs.e && gs.s < p.End {
				found = true
				if p.Type == gs.t {
					strict = true
				}
			}
		}
		if found {
			c.Found++
			ev.Total.Found++
		} else if len(ev.Missed) < ev.MaxExamples {
			ev.Missed = append(ev.Missed, string(gs.t)+" "+snippet(gs.s, gs.e))
		}
		if strict {
			c.FoundStrict++
			ev.Total.FoundStrict++
		}
	}
	for _, p := range pred {
		c := ev.counts(p.Type)
		c.Pred++
		ev.Total.Pred++
		ok, strict := false, false
		for _, gs := range gold {
			if gs.phi && p.Start < gs.e && gs.s < p.End {
				ok = true
				if p.Type == gs.t {
					strict = true
				}
			}
		}
		if ok {
			c.Correct++
			ev.Total.Correct++
		} else if len(ev.Spurious) < ev.MaxExamples {
			ev.Spurious = append(ev.Spurious, string(p.Type)+" "+snippet(p.Start, p.End))
		}
		if strict {
			c.CorrectStrict++
			ev.Total.CorrectStrict++
		}
	}
}

// Report formats the evaluation as a fixed-width table.
func (ev *Evaluation) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "records %d, code points %d\n", ev.Records, ev.Chars)
	fmt.Fprintf(&b, "%-12s %6s %6s %7s %7s %7s %7s\n", "type", "gold", "pred", "recall", "prec", "s-rec", "s-prec")
	line := func(name string, c Counts) {
		fmt.Fprintf(&b, "%-12s %6d %6d %7.4f %7.4f %7.4f %7.4f\n", name, c.Gold, c.Pred, c.Recall(), c.Precision(), c.StrictRecall(), c.StrictPrecision())
	}
	line("ALL", ev.Total)
	types := make([]string, 0, len(ev.ByType))
	for t := range ev.ByType {
		types = append(types, string(t))
	}
	sort.Strings(types)
	for _, t := range types {
		line(t, *ev.ByType[Type(t)])
	}
	return b.String()
}
