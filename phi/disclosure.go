package phi

// Subject is whose health information an inbound post discloses.
type Subject string

// The subjects of a disclosure.
const (
	SubjectNone  Subject = "none"
	SubjectSelf  Subject = "self"
	SubjectOther Subject = "other"
)

// Disclosure codes.
const (
	CodeSelfHealth  = "SELF_HEALTH"
	CodeOtherHealth = "OTHER_HEALTH"
)

// Disclosure says whether an inbound public post discloses health
// information, and whose, so that the inbox can suggest taking the
// conversation private.
type Disclosure struct {
	Discloses bool     `json:"discloses"`
	Subject   Subject  `json:"subject"`
	Reasons   []Reason `json:"reasons"`
}

// Disclosure decides whether an inbound post discloses the poster's own
// health information ("I was admitted with chest pain") or someone else's
// ("my dad's stroke"). A question about services ("when can I get a flu
// shot?") or general talk about health ("get screened!") discloses nothing.
func (g *Guard) Disclosure(text string) Disclosure {
	toks := gtokenize([]rune(text))
	var reasons []Reason
	self, other := 0, 0
	for _, s := range gsentences(toks) {
		c := newGClause(g.lex, toks[s[0]:s[1]])
		subj, k := c.disclosureSubject()
		if subj == SubjectNone {
			continue
		}
		var h ghit
		if k >= 0 {
			h = c.hits[k]
		} else {
			h = ghit{i: 0, n: len(c.toks)}
		}
		st, en := c.span(h.i, h.i+h.n)
		if subj == SubjectSelf {
			self++
			reasons = append(reasons, Reason{Code: CodeSelfHealth, Start: st, End: en,
				Message: "The poster shares their own health or care details; suggest moving the conversation to a private channel."})
		} else {
			other++
			reasons = append(reasons, Reason{Code: CodeOtherHealth, Start: st, End: en,
				Message: "The poster shares someone else's health or care details; suggest moving the conversation to a private channel."})
		}
	}
	d := Disclosure{Subject: SubjectNone, Reasons: reasons}
	if reasons == nil {
		d.Reasons = []Reason{}
	}
	switch {
	case self == 0 && other == 0:
	case other > self:
		d.Discloses, d.Subject = true, SubjectOther
	default:
		d.Discloses, d.Subject = true, SubjectSelf
	}
	return d
}

// implicitSelf reports a sentence that starts with a verb and no subject,
// as posts often do ("Waited 4 hours…", "Got my flu shot…").
func (c *gclause) implicitSelf() bool {
	i := 0
	for i < len(c.toks) && gIsAny(c.w(i), "just", "finally", "still", "so", "already", "also", "ugh", "today", "now", "been") {
		if c.w(i) == "been" {
			return true
		}
		i++
	}
	w := c.w(i)
	if w == "" || c.toks[i].title && !c.toks[i].first {
		return false
	}
	if c.phrase(i, "anyone", "else") {
		return true
	}
	if gIsAny(w, "gave", "came", "fell", "lost", "woke", "ended", "saw", "felt", "made", "left", "found", "got", "had", "went", "spent", "took", "broke", "waited", "tested", "dealing", "finished", "waiting",
		"recovering", "living", "struggling", "diagnosed", "admitted", "discharged", "can't", "cannot", "getting",
		"having", "started", "starting", "heading", "back", "home", "post-op", "day", "six", "two", "three", "one") {
		return true
	}
	if len(w) > 4 && (gHasSuffix(w, "ed") || gHasSuffix(w, "ing")) && !c.toks[i].title {
		return true
	}
	return c.toks[i].first && len(w) > 4 && gHasSuffix(w, "ed")
}

func gHasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// disclosureSubject decides one sentence: whose health it discloses and
// the index of the health match that shows it (or -1).
func (c *gclause) disclosureSubject() (Subject, int) {
	const strong = hDiagnosis | hProcedure | hMedication | hResult | hRecovery | hSelfState | hSensitive
	const weak = hSpecialty | hProvider | hCareEvent | hBilling | hBodyPart
	cls := c.classes() &^ hRelative
	careVerb := false
	for i := range c.toks {
		if isStrongCareVerb(c.w(i)) && !gIsAny(c.w(i), "documented", "noted", "tested") || c.phrase(i, "taking", "care") ||
			c.phrase(i, "took", "care") || gIsAny(c.w(i), "born", "overdosed", "sober", "pregnant", "stitches") ||
			c.w(i) == "had" && gIsAny(c.w(i+1), "her", "a", "the", "my", "our", "their", "his") && gIsAny(c.w(i+2), "baby", "babies", "twins") {
			careVerb = true
		}
	}
	if cls&(strong|weak) == 0 && !careVerb {
		return SubjectNone, -1
	}
	firstStrong, firstPoss, rel, third := false, false, false, false
	for i := range c.toks {
		w := c.w(i)
		switch {
		case isFirstPersonStrong(w):
			firstStrong = true
		case isFirstPersonPoss(w):
			firstPoss = true
		case isThirdPron(w):
			third = true
		case gHasSuffix(w, "-year-old") || gHasSuffix(w, "-month-old"):
			rel = true
		}
		if h := c.hitAt[i]; h >= 0 && c.hits[h].class&hRelative != 0 {
			rel = true
		}
	}
	// A named third person at the start: "Jake from my office was hospitalized".
	if c.toks[0].title && !nameStop(c.w(0)) && !isFirstPersonStrong(c.w(0)) && !gHasSuffix(c.w(0), "ing") && !gHasSuffix(c.w(0), "ed") && gIsAny(c.w(1), "from", "was", "is", "has", "had", "got") {
		third = true
	}
	self := firstStrong || firstPoss || c.implicitSelf()
	if !self && !rel && !third {
		return SubjectNone, -1
	}
	// Questions about services disclose nothing: "When can I get a flu shot?"
	onlyServices := cls&^(hPreventive|hSpecialty|hBilling|hRecord|hCareEvent|hProcedure) == 0
	if c.toks[0].question && onlyServices && !careVerb && !c.ownsCare() && c.find("anyone", "else") < 0 {
		return SubjectNone, -1
	}
	k := c.firstHit(strong)
	if k < 0 && !careVerb {
		// Only weak terms (a unit, a clinician, a bill): they disclose care
		// when owned ("my bill", "my doctor") or told of in the past ("waited
		// in the ER").
		owned := false
		for _, h := range c.hits {
			if h.class&weak != 0 && (isFirstPersonPoss(c.w(h.i-1)) || isFirstPersonPoss(c.w(h.i-2)) || c.w(h.i-1) == "me" ||
				isThirdPron(c.w(h.i-1)) || c.hitAt[max(h.i-1, 0)] >= 0 && c.hits[c.hitAt[max(h.i-1, 0)]].class&hRelative != 0) {
				owned = true
			}
		}
		if c.inCareSite() {
			owned = true
		}
		if !owned && !(c.past() && !c.toks[0].question && (firstStrong || c.implicitSelf() || rel || third)) {
			return SubjectNone, -1
		}
		k = c.firstHit(weak)
	}
	switch {
	case (rel || third) && c.careForMe():
		return SubjectSelf, k
	case rel || third:
		return SubjectOther, k
	}
	return SubjectSelf, k
}

// CheckReminder checks an outbound SMS or e-mail reminder for the minimum
// necessary rule: a reminder may say that an appointment exists, but not
// what it is for. Diagnoses, medications, procedures and specialties whose
// name reveals a condition (oncology, behavioral health, dialysis…) block;
// routine services (a check-up, a cleaning, a flu shot) and billing words
// pass or warn.
func (g *Guard) CheckReminder(text string) Verdict {
	toks := gtokenize([]rune(text))
	var rs []Reason
	for _, s := range gsentences(toks) {
		c := newGClause(g.lex, toks[s[0]:s[1]])
		for _, h := range c.hits {
			st, en := c.span(h.i, h.i+h.n)
			switch {
			case h.class&hSensitive != 0:
				rs = append(rs, Reason{Code: CodeHealthDetail, Start: st, End: en,
					Message: "Names a service or unit that reveals a condition. A reminder should say only that an appointment exists."})
			case h.class&(hDiagnosis|hMedication) != 0 && h.class&hPreventive == 0:
				rs = append(rs, Reason{Code: CodeHealthDetail, Start: st, End: en,
					Message: "Names a condition or medication. A reminder should say only that an appointment exists."})
			case h.class&hProcedure != 0 && h.class&(hPreventive|hCareEvent) == 0:
				rs = append(rs, Reason{Code: CodeHealthDetail, Start: st, End: en,
					Message: "Names a procedure or test. A reminder should say only that an appointment exists."})
			case h.class&hBilling != 0:
				rs = append(rs, Reason{Code: CodeBillingMention, Start: st, End: en,
					Message: "Mentions billing or insurance; make sure the reminder goes only to the patient's verified channel."})
			}
		}
	}
	v := verdictOf(rs)
	if v.Action == Block {
		v.Suggestion = "Reminder: you have an upcoming appointment. " + reminderContact(g.org)
	}
	return v
}

func reminderContact(org Org) string {
	if p := gFirst(org.Phones); p != "" {
		return "Call " + p + " to confirm or reschedule."
	}
	if u := gFirst(org.URLs); u != "" {
		return "Visit " + u + " to confirm or reschedule."
	}
	return "Reply to this message to confirm or reschedule."
}

// careForMe reports care given to the poster ("taking care of me and my
// twins"), which makes a sentence with a relative still about the poster.
func (c *gclause) careForMe() bool {
	for i := range c.toks {
		if isStrongCareVerb(c.w(i)) || c.phrase(i, "taking", "care") || c.phrase(i, "took", "care") {
			for k := i + 1; k <= i+4 && k < len(c.toks); k++ {
				if isFirstPersonStrong(c.w(k)) {
					return true
				}
			}
		}
	}
	return false
}

// ownsCare reports the poster's own bill, insurance, visit or procedure
// ("my ER bill"), which a question may still disclose; records are asked
// for by everyone and do not count.
func (c *gclause) ownsCare() bool {
	for _, h := range c.hits {
		if h.class&hRecord == 0 && h.class&(hBilling|hCareEvent|hProcedure) != 0 && h.class&hPreventive == 0 {
			for k := h.i - 3; k < h.i; k++ {
				if isFirstPersonPoss(c.w(k)) {
					return true
				}
			}
		}
	}
	return false
}

// inCareSite reports someone being in a unit ("is on the cardiac floor",
// "in the ICU").
func (c *gclause) inCareSite() bool {
	for _, h := range c.hits {
		if h.class&hSpecialty == 0 {
			continue
		}
		k := h.i - 1
		if gIsAny(c.w(k), "the", "your", "our", "a") {
			k--
		}
		if gIsAny(c.w(k), "in", "on", "at", "into", "from") && !c.toks[0].question {
			return true
		}
	}
	return false
}
