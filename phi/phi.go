package phi

import (
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// Type is a HIPAA Safe Harbor identifier category, as named in the
// `rapport phi scan` contract.
type Type string

// The identifier categories of the scan contract.
const (
	Name       Type = "NAME"
	Location   Type = "LOCATION"
	Date       Type = "DATE"
	Age        Type = "AGE"
	Phone      Type = "PHONE"
	Fax        Type = "FAX"
	Email      Type = "EMAIL"
	SSN        Type = "SSN"
	MRN        Type = "MRN"
	HealthPlan Type = "HEALTH_PLAN"
	Account    Type = "ACCOUNT"
	License    Type = "LICENSE"
	Vehicle    Type = "VEHICLE"
	Device     Type = "DEVICE"
	URL        Type = "URL"
	IP         Type = "IP"
	Biometric  Type = "BIOMETRIC"
	ID         Type = "ID"
)

// Types lists every category of the contract, in contract order.
func Types() []Type {
	return []Type{Name, Location, Date, Age, Phone, Fax, Email, SSN, MRN, HealthPlan, Account,
		License, Vehicle, Device, URL, IP, Biometric, ID}
}

// Span is one finding in a text. Start and End are offsets in Unicode code
// points (End exclusive), so that they agree with the JSONL contract and with
// the development sets.
type Span struct {
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Type       Type    `json:"type"`
	Confidence float64 `json:"confidence,omitempty"`
}

// Config is what the detector must know of the organisation it works for:
// names that are public and therefore never PHI.
type Config struct {
	// OrgNames are the organisation's own names and handles.
	OrgNames []string
	// StaffNames are staff whose names are public (listed in configuration).
	StaffNames []string
	// PublicFigures are other names never treated as PHI.
	PublicFigures []string
	// OrgPhones, OrgEmails and OrgURLs are the organisation's public contacts.
	OrgPhones []string
	OrgEmails []string
	OrgURLs   []string
}

// Detector finds Safe Harbor identifiers. A Detector is safe for concurrent use.
type Detector struct {
	cfg    Config
	lex    *lex
	err    error
	public [][]string // lowercase words of each public name
	phones []string   // digits of the organisation's phones
	hosts  []string   // lowercase e-mails and URLs of the organisation
	pool   sync.Pool  // *scratch
}

// NewDetector returns a detector for cfg. The embedded word lists are
// decoded once per process, on the first call.
func NewDetector(cfg Config) *Detector {
	l, err := lexicon()
	d := &Detector{cfg: cfg, lex: l, err: err}
	if l == nil {
		d.lex = &lex{}
	}
	for _, group := range [][]string{cfg.OrgNames, cfg.StaffNames, cfg.PublicFigures} {
		for _, n := range group {
			if ws := strings.FieldsFunc(strings.ToLower(n), notLetter); len(ws) > 0 {
				d.public = append(d.public, ws)
			}
		}
	}
	for _, p := range cfg.OrgPhones {
		if ds := digitsOf(p); len(ds) >= 7 {
			d.phones = append(d.phones, lastN(ds, 10))
		}
	}
	for _, u := range append(append([]string(nil), cfg.OrgEmails...), cfg.OrgURLs...) {
		u = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(u), "https://"), "http://"), "/")
		u = strings.TrimPrefix(u, "www.")
		if u != "" {
			d.hosts = append(d.hosts, u)
		}
	}
	return d
}

// Err reports a failure to decode the embedded word lists; a detector with
// an error still finds structured identifiers but names poorly.
func (d *Detector) Err() error { return d.err }

// Scan returns the identifiers found in text, sorted by Start and not
// overlapping.
func (d *Detector) Scan(text string) []Span {
	if text == "" {
		return nil
	}
	ascii := isASCII(text)
	if !ascii && !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	sp, _ := d.pool.Get().(*scratch)
	if sp == nil {
		sp = new(scratch)
	}
	sp.low = append(sp.low[:0], text...)
	sc := scanner{text: text, lex: d.lex, cands: sp.cands[:0], ev: sp.ev, capsAt: sp.capsAt[:0]}
	var same bool
	sc.toks, same = tokenize(text, sp.low, d.lex, sp.toks)
	if same {
		// Lowered in place by tokenize; sp.low is not touched again before
		// this scan ends.
		sc.low = unsafe.String(unsafe.SliceData(sp.low), len(sp.low))
	}
	sc.run()
	cs := resolve(sc.cands)
	cs = d.dropPublic(text, cs)
	var out []Span
	if len(cs) > 0 {
		out = toSpans(text, cs, ascii)
	}
	sp.toks, sp.cands, sp.ev, sp.capsAt = sc.toks[:0], sc.cands[:0], sc.ev[:0], sc.capsAt[:0]
	d.pool.Put(sp)
	return out
}

// scratch holds the buffers one Scan call needs, reused through a pool so
// that scanning short posts allocates little.
type scratch struct {
	toks   []token
	cands  []cand
	ev     []int8
	capsAt []int32
	low    []byte
}

// toSpans converts byte offsets to code-point offsets in one forward walk.
func toSpans(text string, cs []cand, ascii bool) []Span {
	out := make([]Span, len(cs))
	if ascii {
		for k, c := range cs {
			out[k] = Span{Start: int(c.s), End: int(c.e), Type: c.typ, Confidence: float64(int(c.conf*100+0.5)) / 100}
		}
		return out
	}
	bytePos, cp := 0, 0
	advance := func(to int) int {
		for bytePos < to {
			if text[bytePos] < utf8.RuneSelf {
				bytePos++
			} else {
				_, size := utf8.DecodeRuneInString(text[bytePos:])
				bytePos += size
			}
			cp++
		}
		return cp
	}
	for k, c := range cs {
		s := advance(int(c.s))
		e := advance(int(c.e))
		out[k] = Span{Start: s, End: e, Type: c.typ, Confidence: float64(int(c.conf*100+0.5)) / 100}
	}
	return out
}

// dropPublic removes findings that are the organisation's own public
// identity: its names, its staff, public figures, its phones and addresses.
func (d *Detector) dropPublic(text string, cs []cand) []cand {
	if len(d.public) == 0 && len(d.phones) == 0 && len(d.hosts) == 0 {
		return cs
	}
	out := cs[:0]
	for _, c := range cs {
		s := text[c.s:c.e]
		if d.isPublic(c.typ, s) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (d *Detector) isPublic(typ Type, s string) bool {
	switch typ {
	case Phone, Fax:
		ds := lastN(digitsOf(s), 10)
		for _, p := range d.phones {
			if ds == p {
				return true
			}
		}
	case Email, URL:
		u := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(s), "https://"), "http://"), "/")
		u = strings.TrimPrefix(u, "www.")
		for _, h := range d.hosts {
			if u == h || strings.HasPrefix(u, h+"/") {
				return true
			}
		}
	default:
		ws := strings.FieldsFunc(strings.ToLower(s), notLetter)
		if len(ws) == 0 {
			return false
		}
		for _, pub := range d.public {
			if subset(ws, pub) {
				return true
			}
		}
	}
	return false
}

// subset reports whether every word of ws (initials aside) is in pub.
func subset(ws, pub []string) bool {
	for _, w := range ws {
		if utf8.RuneCountInString(w) == 1 {
			continue
		}
		found := false
		for _, p := range pub {
			if w == p {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func notLetter(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf && r != '’')
}

func digitsOf(s string) string {
	var b strings.Builder
	for k := 0; k < len(s); k++ {
		if s[k] >= '0' && s[k] <= '9' {
			b.WriteByte(s[k])
		}
	}
	return b.String()
}

func lastN(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func isASCII(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
