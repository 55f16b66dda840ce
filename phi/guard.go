package phi

import (
	"sort"
	"strings"
	"unicode"
)

// Org is an organisation's own public identity. Its names, phone numbers,
// web addresses and e-mail addresses are never PHI, so a reply may give
// them.
type Org struct {
	Names  []string `json:"names,omitempty"`
	Phones []string `json:"phones,omitempty"`
	URLs   []string `json:"urls,omitempty"`
	Emails []string `json:"emails,omitempty"`
}

// merge returns the union of o and p.
func (o Org) merge(p *Org) Org {
	if p == nil {
		return o
	}
	return Org{
		Names:  append(append([]string(nil), o.Names...), p.Names...),
		Phones: append(append([]string(nil), o.Phones...), p.Phones...),
		URLs:   append(append([]string(nil), o.URLs...), p.URLs...),
		Emails: append(append([]string(nil), o.Emails...), p.Emails...),
	}
}

// ReplyInput is a public reply to check and what it answers.
type ReplyInput struct {
	// Reply is the text the social team wants to post.
	Reply string
	// Post is the public post being answered, if any.
	Post string
	// Author is the poster's display name or handle, if known.
	Author string
	// Org, when set, adds contacts to the guard's own for this reply.
	Org *Org
}

// Action is what the guard advises for a text.
type Action string

// The actions, from safest to most severe.
const (
	Allow Action = "allow"
	Warn  Action = "warn"
	Block Action = "block"
)

// Reason is one finding behind a verdict. Start and End are code-point
// offsets into the checked text, End exclusive. Message is written for a
// social-media agent and never quotes the text.
type Reason struct {
	Code    string `json:"code"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Message string `json:"message"`
}

// The reason codes. The first five block a reply; the others warn.
const (
	CodeIdentifier      = "IDENTIFIER"
	CodePosterUnmasked  = "POSTER_UNMASKED"
	CodeCareRelation    = "CARE_RELATIONSHIP"
	CodeHealthDetail    = "HEALTH_DETAIL"
	CodeBillingDetail   = "BILLING_DETAIL"
	CodePossibleName    = "POSSIBLE_NAME"
	CodePersonalContext = "PERSONAL_CONTEXT"
	CodeHealthInference = "HEALTH_INFERENCE"
	CodeExternalLink    = "EXTERNAL_LINK"
	CodeBillingMention  = "BILLING_MENTION"
)

// codeBlocks reports whether a reason with this code blocks the text.
func codeBlocks(code string) bool {
	switch code {
	case CodeIdentifier, CodePosterUnmasked, CodeCareRelation, CodeHealthDetail, CodeBillingDetail:
		return true
	}
	return false
}

// Verdict is the guard's decision on one text.
type Verdict struct {
	Action  Action   `json:"verdict"`
	Reasons []Reason `json:"reasons"`
	// Suggestion is a safe rewrite, given whenever Action is Block.
	Suggestion string `json:"suggestion,omitempty"`
}

// Guard checks outbound public texts for disclosures of PHI and inbound
// posts for health information. A Guard holds no mutable state and is safe
// for concurrent use.
type Guard struct {
	det *Detector
	org Org
	lex *healthLex
}

// NewGuard returns a guard that uses d to find identifiers (d may be nil:
// then only the guard's own checks run) and treats org's contacts as public.
func NewGuard(d *Detector, org Org) *Guard {
	return &Guard{det: d, org: org, lex: newHealthLex()}
}

// replyCheck is the state of one CheckReply call.
type replyCheck struct {
	g       *Guard
	in      ReplyInput
	org     Org
	rs      []rune
	toks    []gtok
	author  string // the author's letters, lower case
	dates   [][2]int
	reasons []Reason
	// relative is set when the reply speaks of the poster's relative, so
	// that "his" and "her" refer to that person.
	relative bool
}

func (a *replyCheck) add(code string, start, end int, msg string) {
	a.reasons = append(a.reasons, Reason{Code: code, Start: start, End: end, Message: msg})
}

// CheckReply decides whether a public reply may be posted.
func (g *Guard) CheckReply(in ReplyInput) Verdict {
	a := &replyCheck{g: g, in: in, org: g.org.merge(in.Org), rs: []rune(in.Reply)}
	a.toks = gtokenize(a.rs)
	a.author = gLetters(in.Author)
	a.identifiers()
	a.names()
	// A relative the post speaks of ("my daughter") is who "his" and "her"
	// in the reply most likely point at.
	if in.Post != "" {
		pt := gtokenize([]rune(in.Post))
		for _, ps := range gsentences(pt) {
			pc := newGClause(g.lex, pt[ps[0]:ps[1]])
			for _, h := range pc.hits {
				if h.class&hRelative != 0 && (isFirstPersonPoss(pc.w(h.i-1)) || isFirstPersonPoss(pc.w(h.i-2))) {
					a.relative = true
				}
			}
		}
	}
	var clauses []*gclause
	for _, s := range gsentences(a.toks) {
		c := newGClause(g.lex, a.toks[s[0]:s[1]])
		clauses = append(clauses, c)
		if len(c.relativeRefs()) > 0 {
			a.relative = true
		}
	}
	for _, c := range clauses {
		a.clause(c)
	}
	v := verdictOf(a.reasons)
	if v.Action == Block {
		v.Suggestion = g.suggest(a.org, a.toks)
	}
	return v
}

func verdictOf(rs []Reason) Verdict {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Start != rs[j].Start {
			return rs[i].Start < rs[j].Start
		}
		return rs[i].Code < rs[j].Code
	})
	// Drop a reason that repeats the code of an overlapping one.
	out := make([]Reason, 0, len(rs))
	for _, r := range rs {
		dup := false
		for _, o := range out {
			if o.Code == r.Code && o.Start < r.End && r.Start < o.End {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, r)
		}
	}
	v := Verdict{Action: Allow, Reasons: out}
	for _, r := range out {
		if codeBlocks(r.Code) {
			v.Action = Block
			break
		}
		v.Action = Warn
	}
	return v
}

// letters returns the letters of s in lower case ("Bill W." → "billw").
func gLetters(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func gDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hostOf returns the host of a web address, lower case, without "www.".
func hostOf(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://", "http://"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "www.")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, ".")
}

// isOrgContact reports whether text is one of the organisation's public
// contacts or names (or a staff member or public figure the detector was
// told about).
func (a *replyCheck) isOrgContact(text string) bool {
	lt := strings.ToLower(strings.TrimSpace(text))
	if d := gDigits(text); len(d) >= 7 {
		for _, p := range a.org.Phones {
			pd := gDigits(p)
			if pd != "" && (d == pd || strings.TrimPrefix(d, "1") == strings.TrimPrefix(pd, "1")) {
				return true
			}
		}
	}
	for _, e := range a.org.Emails {
		if lt == strings.ToLower(strings.TrimSpace(e)) {
			return true
		}
	}
	if h := hostOf(lt); h != "" {
		if at := strings.LastIndexByte(h, '@'); at >= 0 {
			h = h[at+1:]
		}
		for _, u := range a.org.URLs {
			if hostOf(u) == h {
				return true
			}
		}
	}
	ll := gLetters(text)
	if ll == "" {
		return false
	}
	names := a.org.Names
	if a.g.det != nil {
		names = append(append(append(names[:len(names):len(names)], a.g.det.cfg.OrgNames...),
			a.g.det.cfg.StaffNames...), a.g.det.cfg.PublicFigures...)
	}
	for _, n := range names {
		if nl := gLetters(n); nl != "" && (nl == ll || strings.Contains(nl, ll) && len(ll) >= 4) {
			return true
		}
	}
	return false
}

// inAuthor reports whether the word is part of the name or handle the
// poster chose.
func (a *replyCheck) inAuthor(word string) bool {
	w := gLetters(word)
	return len(w) >= 2 && a.author != "" && strings.Contains(a.author, w)
}

// identifiers reports the detector's findings that are not the
// organisation's own, and the identifiers the guard finds itself (e-mail
// addresses, phone-like numbers, room and record numbers) so that the guard
// stays safe whatever the detector misses.
func (a *replyCheck) identifiers() {
	var spans []Span
	if a.g.det != nil {
		spans = a.g.det.Scan(a.in.Reply)
	}
	covered := func(s, e int) bool {
		for _, sp := range spans {
			if sp.Start < e && s < sp.End {
				return true
			}
		}
		return false
	}
	for _, sp := range spans {
		if sp.Start < 0 || sp.End > len(a.rs) || sp.Start >= sp.End {
			continue // a detector bug must not crash the guard
		}
		text := string(a.rs[sp.Start:sp.End])
		if a.isOrgContact(text) {
			continue
		}
		switch sp.Type {
		case Date:
			a.dates = append(a.dates, [2]int{sp.Start, sp.End})
		case Location:
			// Addresses in replies are the organisation's sites; a place tied
			// to the poster is caught by the clause rules.
		case URL:
			a.add(CodeExternalLink, sp.Start, sp.End, "Links to an address that is not one of the organisation's; make sure it does not identify anyone.")
		case Name:
			words := strings.Fields(text)
			mine := len(words) > 0
			for _, w := range words {
				if !a.inAuthor(w) {
					mine = false
				}
			}
			if mine || strings.HasPrefix(strings.ToLower(text), "dr") || !a.plausibleName(sp.Start, sp.End) || a.staffTitleBefore(sp.Start) {
				continue
			}
			a.add(CodeIdentifier, sp.Start, sp.End, "Names a person. Never name a patient, a relative or a reviewer in a public reply.")
		default:
			a.add(CodeIdentifier, sp.Start, sp.End, "Contains an identifier ("+strings.ToLower(string(sp.Type))+") of a person. Public replies may give only the organisation's own contacts.")
		}
	}
	for i, t := range a.toks {
		switch {
		case strings.Contains(t.raw, "@") && strings.Contains(t.raw[strings.IndexByte(t.raw, '@'):], "."):
			if !a.isOrgContact(t.raw) && !covered(t.start, t.end) {
				a.add(CodeIdentifier, t.start, t.end, "Contains an e-mail address that is not the organisation's. Give only the organisation's own contacts.")
			}
		case looksLikeURL(t.norm):
			if !a.isOrgContact(t.raw) && !covered(t.start, t.end) {
				a.add(CodeExternalLink, t.start, t.end, "Links to an address that is not one of the organisation's; make sure it does not identify anyone.")
			}
		case gIsAny(t.norm, "room", "rm", "bed", "mrn", "acct", "account", "member", "policy", "id") && i+1 < len(a.toks) &&
			gHasDigit(a.toks[i+1].norm) && !a.toks[i].sentEnd:
			if !covered(t.start, a.toks[i+1].end) {
				a.add(CodeIdentifier, t.start, a.toks[i+1].end, "Contains a room, record or account number. Such numbers identify a patient.")
			}
		}
	}
	for _, r := range phoneRuns(a.rs) {
		if !a.isOrgContact(string(a.rs[r[0]:r[1]])) && !covered(r[0], r[1]) {
			a.add(CodeIdentifier, r[0], r[1], "Contains a phone or other long number that is not the organisation's. Give only the organisation's own contacts.")
		}
	}
}

func gHasDigit(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0
}

func looksLikeURL(w string) bool {
	if strings.HasPrefix(w, "http") || strings.HasPrefix(w, "www.") {
		return true
	}
	h := hostOf(w)
	dot := strings.LastIndexByte(h, '.')
	if dot <= 0 {
		return false
	}
	return gIsAny(h[dot+1:], "org", "com", "net", "gov", "edu", "io", "us", "health", "info", "co", "care")
}

// phoneRuns returns the runs of digits and phone punctuation that hold
// seven or more digits.
func phoneRuns(rs []rune) [][2]int {
	var out [][2]int
	for i := 0; i < len(rs); {
		if !(rs[i] >= '0' && rs[i] <= '9' || rs[i] == '(' || rs[i] == '+') {
			i++
			continue
		}
		j, n, last := i, 0, i
		for j < len(rs) {
			r := rs[j]
			if r >= '0' && r <= '9' {
				n++
				last = j
			} else if !(r == '(' || r == ')' || r == '-' || r == '.' || r == ' ' || r == '+') {
				break
			}
			j++
		}
		if n >= 7 && n <= 15 && (i == 0 || !isGWordRune(rs[i-1])) && (last+1 >= len(rs) || !isGWordRune(rs[last+1])) {
			out = append(out, [2]int{i, last + 1})
		}
		if j == i {
			j++
		}
		i = j
	}
	return out
}

// plausibleName reports whether a detector NAME span holds at least one
// word that could be a personal name (capitalised, not a common or health
// word), so that a false finding on "We'll" or "Relations" does not block
// a good reply.
func (a *replyCheck) plausibleName(start, end int) bool {
	for i := 0; i < len(a.toks); i++ {
		t := a.toks[i]
		if t.start >= end {
			// "Eastside library": a place, not a person.
			return false
		}
		if _, n := a.g.lex.match(a.toks, i); n > 1 {
			i += n - 1 // "Blue Cross" is an insurer
			continue
		}
		if t.start < end && start < t.end && a.isNameWord(t) {
			if j := a.lastTokenBefore(end); j+1 < len(a.toks) && !a.toks[j].sentEnd &&
				gIsAny(a.toks[j+1].norm, "library", "park", "street", "mall", "school", "campus", "church", "center",
					"centre", "avenue", "road", "branch", "station", "community", "neighborhood", "county", "city") {
				return false
			}
			return true
		}
	}
	return false
}

func (a *replyCheck) lastTokenBefore(end int) int {
	j := -1
	for i, t := range a.toks {
		if t.start < end {
			j = i
		}
	}
	return j
}

// staffTitleBefore reports a clinician's title just before offset start
// ("Dr. Shah"): staff names are public.
func (a *replyCheck) staffTitleBefore(start int) bool {
	for i, t := range a.toks {
		if t.start >= start {
			if i > 0 && gIsAny(a.toks[i-1].norm, "dr", "doctor", "nurse", "np", "pa", "our") {
				return true
			}
			// "our Patient Advocate": a role at the organisation.
			return i > 1 && a.toks[i-2].norm == "our" && a.toks[i-1].title
		}
	}
	return false
}
