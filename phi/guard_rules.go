package phi

import "strings"

// The clause-level rules of the reply guard. Each rule reads one sentence:
// who it addresses (second person, a relative, "the patient"), whether it
// tells of the past (tense, "last week", "Tuesday", a date) or speaks to
// everyone (an instruction, "you can", "if you"), and which health terms it
// holds and how they attach ("your knee", "your son's asthma").

// nameStop are capitalised words that are not names.
func nameStop(w string) bool {
	return gIsAny(w, "we", "our", "us", "you", "your", "i", "the", "a", "an", "so", "thanks", "thank", "team", "everyone",
		"all", "again", "to", "for", "and", "hi", "hello", "hey", "happy", "congrats", "congratulations", "dear", "sorry",
		"please", "welcome", "there", "folks", "god", "ha", "wow", "yes", "no", "ok", "okay", "oh", "it", "this", "that",
		"what", "great", "glad", "good", "morning", "evening", "afternoon", "friend", "friends", "neighbor", "neighbors",
		"patient", "patients", "doctor", "nurse", "staff", "we're", "we've", "we'll", "it's", "let's", "hope", "love",
		"nurses", "doctors", "mr", "mrs", "ms", "dr", "miss", "mx", "st", "here", "just", "much", "very", "so", "again",
		"everybody", "guys", "y'all", "sir", "madam", "ma'am", "all", "one", "best", "regards", "cheers", "take", "care",
		"stay", "safe", "well", "soon", "today", "tonight", "tomorrow", "health", "hospital", "clinic", "center",
		"centre", "medical", "family", "dental", "new", "year", "christmas", "thanksgiving", "and", "or", "but", "if",
		"relations", "financial", "services", "service", "campus", "main", "americans", "department", "office",
		"information", "management", "experience", "unit", "floor", "west", "east", "north", "south", "street",
		"avenue", "road", "lobby", "garage", "entrance", "emergency", "urgent", "community", "foundation", "center's",
		"pharmacy", "portal", "mychart", "magnet", "board", "nursing", "week", "month", "day", "national", "awareness",
		"i'm", "i've", "i'd", "i'll", "advocate", "advocates", "coordinator", "navigator", "representative",
		"manager", "director", "officer", "desk", "line", "hotline", "ombudsman", "liaison", "specialist", "specialists",
		"counselors", "educator", "chaplain", "volunteer", "volunteers", "attn", "re", "fwd", "ps", "he", "she", "they", "my", "his", "her", "their", "its", "who", "where", "when",
		"why", "how", "which", "never", "always", "still", "finally", "also", "only", "even", "got", "had", "was")
}

// isNameWord reports whether t could be (part of) a personal name.
func (a *replyCheck) isNameWord(t gtok) bool {
	if !t.title || t.allCaps || nameStop(t.norm) || isMonthOrDay(t.norm) || isMonthOrDay(strings.TrimSuffix(t.norm, "s")) || gHasDigit(t.norm) {
		return false
	}
	if _, n := a.g.lex.match([]gtok{t}, 0); n > 0 {
		return false
	}
	return !a.isOrgContact(t.raw)
}

// postNames returns the words the post capitalises mid-sentence (or after
// "my sister" and the like) that could be names, and the detector's names.
func (a *replyCheck) postNames() map[string]bool {
	out := map[string]bool{}
	if a.in.Post == "" {
		return out
	}
	prs := []rune(a.in.Post)
	pt := gtokenize(prs)
	inTerm := a.g.lex.covered(pt)
	for i, t := range pt {
		if inTerm[i] {
			continue
		}
		if i > 0 && gIsAny(pt[i-1].norm, "dr", "nurse", "doctor", "dentist", "hygienist", "therapist", "pa", "np", "midwife") {
			continue
		}
		if !t.first && a.isNameWord(t) {
			out[t.norm] = true
		}
	}
	if a.g.det != nil {
		for _, sp := range a.g.det.Scan(a.in.Post) {
			if sp.Type != Name || sp.Start < 0 || sp.End > len(prs) || sp.Start >= sp.End {
				continue
			}
			for _, w := range strings.Fields(string(prs[sp.Start:sp.End])) {
				if lw := strings.ToLower(strings.Trim(w, ".,!?;:'’")); lw != "" && !nameStop(lw) {
					out[strings.TrimSuffix(lw, "'s")] = true
				}
			}
		}
	}
	return out
}

// names finds personal names the guard can see without the detector: after
// a courtesy title, in a greeting or a direct address, "baby Liam", and
// names the post mentions. A name the poster chose (the handle) is fine.
func (a *replyCheck) names() {
	post := a.postNames()
	inTerm := a.g.lex.covered(a.toks)
	seen := map[int]bool{}
	const (
		srcTitle = iota
		srcGreeting
		srcPost
	)
	report := func(i, j, src int) {
		if seen[i] {
			return
		}
		foreign := false
		for k := i; k < j; k++ {
			seen[k] = true
			if !a.inAuthor(a.toks[k].raw) {
				foreign = true
			}
		}
		if !foreign {
			return
		}
		s, e := a.toks[i].start, a.toks[j-1].end
		inPost := false
		for k := i; k < j; k++ {
			if post[a.toks[k].norm] {
				inPost = true
			}
		}
		switch {
		case src == srcPost || inPost:
			a.add(CodeIdentifier, s, e, "Names a person mentioned in the post. Never repeat a patient's or relative's name in public.")
		case a.author != "":
			a.add(CodePosterUnmasked, s, e, "Uses a name the poster did not choose to show. Address posters only by their public handle, or not at all.")
		case src == srcTitle:
			a.add(CodeIdentifier, s, e, "Names a person with a courtesy title. Never name a patient or reviewer in public.")
		default:
			a.add(CodePossibleName, s, e, "Addresses someone by name; make sure it is the name the poster shows publicly.")
		}
	}
	nameRun := func(i int) int {
		j := i
		for j < len(a.toks) && j < i+3 && a.toks[j].sent == a.toks[i].sent && a.isNameWord(a.toks[j]) {
			j++
			if a.toks[j-1].sentEnd || a.toks[j-1].commaAfter {
				break
			}
		}
		return j
	}
	for i := 0; i < len(a.toks); i++ {
		t := a.toks[i]
		switch {
		case gIsAny(t.norm, "mr", "mrs", "ms", "miss", "mx") && !t.sentEnd:
			if j := nameRun(i + 1); j > i+1 {
				report(i, j, srcTitle)
			}
		case !t.sentEnd && a.isRelativeWord(t):
			if j := nameRun(i + 1); j > i+1 {
				report(i+1, j, srcTitle)
			}
		case gIsAny(t.norm, "hi", "hello", "hey", "dear", "thanks", "congrats", "congratulations", "welcome") && !t.sentEnd,
			t.norm == "you" && i > 0 && a.toks[i-1].norm == "thank" && !t.sentEnd:
			if j := nameRun(i + 1); j > i+1 && (a.toks[j-1].sentEnd || a.toks[j-1].commaAfter) {
				report(i+1, j, srcGreeting)
			}
		case t.commaPrev && a.isNameWord(t):
			// A direct address at the end of a sentence: "We're sorry, Kaylee."
			if j := nameRun(i); j > i && a.toks[j-1].sentEnd {
				report(i, j, srcGreeting)
			}
		}
		if i > 0 && (isStrongCareVerb(a.toks[i-1].norm) || isWeakCareVerb(a.toks[i-1].norm)) && a.isNameWord(t) &&
			t.sent == a.toks[i-1].sent && !a.toks[i-1].sentEnd {
			// "loves seeing Mason", "treated Anna": the person cared for.
			report(i, nameRun(i), srcPost)
		}
		if post[t.norm] && !inTerm[i] && a.isNameWord(t) && !(i > 0 && gIsAny(a.toks[i-1].norm, "dr", "nurse", "doctor")) {
			report(i, i+1, srcPost)
		}
	}
}

// Verbs that by themselves say the organisation gave care.
func isStrongCareVerb(w string) bool {
	return gIsAny(w, "treated", "treating", "examined", "admitted", "discharged", "diagnosed", "prescribed", "operated",
		"delivered", "triaged", "stitched", "hospitalized", "hospitalised", "cared", "caring", "x-rayed", "billed",
		"charged", "referred", "tested", "scanned", "extracted", "documented", "noted", "treats")
}

// Verbs that say it only next to a care word ("the PA who saw you").
func isWeakCareVerb(w string) bool {
	return gIsAny(w, "saw", "seen", "seeing", "met", "meeting", "helped", "supporting", "support", "supported",
		"visited", "stayed", "came", "coming", "remembers", "remember", "enjoyed", "loved", "bringing", "brought",
		"worked", "working", "called", "left", "handled", "took", "taking", "having", "fit", "fitted", "welcomed")
}

// careContext reports a care word in the clause.
func (c *gclause) careContext() bool {
	if c.classes()&(hProvider|hSpecialty|hCareEvent|hProcedure|hDiagnosis|hBodyPart|hMedication|hResult|hRecovery|hPreventive) != 0 {
		return true
	}
	for i := range c.toks {
		switch {
		case c.w(i) == "here" && i > 0 && gIsAny(c.w(i-1), "were", "was", "you", "in"):
			return true
		case c.phrase(i, "with", "us"):
			return true
		case c.w(i) == "our" && gIsAny(c.w(i+1), "team", "staff", "teams", "nurses", "doctors", "providers", "clinicians", "hospital", "clinic", "office"):
			return true
		case c.w(i) == "patient" || c.w(i) == "patients":
			return true
		}
	}
	return false
}

// relativeRefs returns the indices of matches that refer to the poster's
// relatives ("your son", "your mother's").
func (c *gclause) relativeRefs() []int {
	var out []int
	for k, h := range c.hits {
		if h.class&hRelative == 0 {
			continue
		}
		t := c.toks[h.i]
		named := h.i+h.n < len(c.toks) && c.toks[h.i+h.n].title && !t.sentEnd && !c.toks[h.i+h.n-1].sentEnd
		if isSecondPoss(c.w(h.i-1)) || isSecondPoss(c.w(h.i-2)) && !c.toks[h.i-1].sentEnd || t.title && !t.first || t.title && named {
			out = append(out, k)
		}
	}
	return out
}

// stopAhead ends the noun phrase after "your".
func stopAhead(w string) bool {
	return gIsAny(w, "with", "to", "about", "for", "from", "of", "and", "or", "the", "a", "an", "our", "their", "his",
		"her", "this", "that", "is", "are", "was", "were", "has", "have", "had", "will", "on", "at", "in", "by", "as",
		"so", "but", "we", "you", "it", "be", "been", "which", "who", "if", "when", "after", "before", "since", "into",
		"can", "could", "would", "should", "may", "must", "not", "isn't", "aren't", "wasn't", "weren't", "did", "does",
		"do", "went", "got", "came", "seems", "look", "looks", "looked", "turned", "feel", "feels", "felt", "made",
		"make", "mean", "means", "meant", "matter", "matters", "being", "while", "during", "through", "until", "along",
		"kind", "words", "feedback", "experience", "concerns", "concern", "review", "message", "comments", "story",
		"patience", "time", "family", "loved", "life", "questions", "question", "input", "thoughts", "support", "trust")
}

func (a *replyCheck) clause(c *gclause) {
	if len(c.toks) == 0 {
		return
	}
	gen, past := c.generic(), c.past()
	// A date the detector found ties the clause to a moment, like
	// "Tuesday"; it says nothing of tense ("today" may be an announcement).
	dated := -1
	for _, d := range a.dates {
		for i, t := range c.toks {
			if dated < 0 && t.start < d[1] && d[0] < t.end {
				dated = i
			}
		}
	}
	you := c.addressesYou()
	rels := c.relativeRefs()

	// Record lookups: "our records show", "we reviewed your chart".
	for i := range c.toks {
		w := c.w(i)
		switch {
		case w == "our" && (gIsAny(c.w(i+1), "records", "record", "system", "files", "file", "chart", "charts", "notes") ||
			c.w(i+1) == "medical" && gIsAny(c.w(i+2), "records", "record")):
			s, e := c.span(i, i+2)
			a.add(CodeCareRelation, s, e, "Refers to the organisation's records about the poster, which confirms they are a patient. Never look up or cite a poster's records in public.")
		case gIsAny(w, "according", "per") && (c.w(i+1) == "our" || isSecondPoss(c.w(i+1))):
			s, e := c.span(i, i+3)
			a.add(CodeCareRelation, s, e, "Cites records about the poster, which confirms they are a patient.")
		case c.phrase(i, "on", "file") || c.phrase(i, "no", "record") || c.phrase(i, "in", "our", "system"):
			s, e := c.span(i, i+2)
			a.add(CodeCareRelation, s, e, "Refers to records about the poster. Neither confirm nor deny that someone is a patient.")
		case gIsAny(w, "reviewed", "checked", "looked", "pulled", "researched", "investigated", "documented", "noted", "located", "found") &&
			(isSecondPoss(c.w(i+1)) || isSecondPoss(c.w(i+2)) || isSecondPoss(c.w(i+3)) || c.w(i+1) == "that" && you):
			s, e := c.span(i, i+2)
			a.add(CodeCareRelation, s, e, "Says the organisation looked into the poster's records or case, which confirms they are a patient.")
		}
	}

	// Possessives: "your knee", "your chart", "your son's asthma".
	for i := range c.toks {
		if !isSecondPoss(c.w(i)) && !(a.relative && gIsAny(c.w(i), "his", "her", "their")) {
			continue
		}
		var cls healthClass
		item, itemEnd := -1, -1
		for k := i + 1; k < len(c.toks) && k <= i+4; k++ {
			if stopAhead(c.w(k)) {
				break
			}
			h := c.hitAt[k]
			if h < 0 {
				if c.toks[k].sentEnd {
					break
				}
				continue
			}
			hit := c.hits[h]
			if hit.class&^hRelative == 0 || hit.class&^hSensitive == 0 && c.w(hit.i+hit.n-1) == "health" {
				// Relatives are handled below; "mental health" alone is
				// general language (it matters only in reminders).
				k = hit.i + hit.n - 1
				if c.toks[k].sentEnd {
					break
				}
				continue
			}
			cls, item, itemEnd = hit.class, hit.i, hit.i+hit.n
			break
		}
		if item < 0 {
			continue
		}
		about := gIsAny(c.w(i-1), "about", "regarding", "concerning", "re", "with", "after", "since", "during", "from")
		// "his" and "her" point at a known relative, and "is due" at one
		// person's schedule: neither is general information.
		if !isSecondPoss(c.w(i)) || c.find("due") > i || c.find("overdue") > i {
			about = true
		}
		s, e := c.span(i, itemEnd)
		head := c.w(itemEnd - 1)
		switch {
		case cls&hRecord != 0:
			if gen && !past && !about {
				continue
			}
			a.add(CodeCareRelation, s, e, "Refers to the poster's records, which confirms they are a patient.")
		case cls&hBilling != 0 && cls&(hDiagnosis|hProcedure) == 0:
			if c.imperative() && !past && !about {
				continue
			}
			a.add(CodeBillingDetail, s, e, "Mentions the poster's insurance, bill, balance or cost. Billing details are PHI; discuss them only in private.")
		case cls&(hDiagnosis|hMedication|hResult|hRecovery) != 0 && cls&hPreventive == 0:
			if gen && !past && !about && cls&hResult == 0 {
				a.add(CodeHealthInference, s, e, "Speaks of the reader's condition; make sure it reads as general information, not as the poster's own.")
				continue
			}
			a.add(CodeHealthDetail, s, e, "Mentions the poster's (or a relative's) condition, medication or results. Health details are PHI, even when the poster shared them first.")
		case cls&hProvider != 0:
			if !past && c.adviceBefore(i) {
				continue
			}
			a.add(CodeCareRelation, s, e, "Refers to the poster's clinician or care team, which confirms they are a patient.")
		default: // procedures, body parts, visits, units, preventive services
			if gen && !past && !about && cls&(hPreventive|hBodyPart) != 0 {
				continue
			}
			if head == "care" && !past {
				a.add(CodePersonalContext, s, e, "Speaks of the poster's care; prefer wording that does not imply they are a patient.")
				continue
			}
			if cls&(hProcedure|hBodyPart) != 0 {
				a.add(CodeHealthDetail, s, e, "Mentions the poster's (or a relative's) procedure, treatment or body. Health details are PHI, even when the poster shared them first.")
			} else {
				a.add(CodeCareRelation, s, e, "Refers to the poster's visit, appointment or stay, which confirms they are a patient.")
			}
		}
	}

	// Care verbs: "the team that treated you", "loved caring for you".
	person := you || len(rels) > 0 || c.has("patient", "patients")
	ctx := c.careContext()
	for i := range c.toks {
		w := c.w(i)
		strong := isStrongCareVerb(w) || c.phrase(i, "took", "care") || c.phrase(i, "taking", "care") || c.phrase(i, "looked", "after")
		switch {
		case strong && person && !(gen && !past && !c.nearYou(i)):
			s, e := c.span(i, i+1)
			a.add(CodeCareRelation, s, e, "Says the organisation cared for, treated or billed the poster (or a relative), which confirms a care relationship.")
		case isWeakCareVerb(w) && person && ctx && !(gen && !past) && (c.nearYou(i) || len(rels) > 0):
			s, e := c.span(i, i+1)
			a.add(CodeCareRelation, s, e, "Says the organisation saw, met or helped the poster in a care setting, which confirms they are a patient.")
		case gIsAny(w, "thanks", "thank") && (c.w(i+1) == "for" || c.w(i+1) == "you" && c.w(i+2) == "for"):
			k := i + 2
			if c.w(i+1) == "you" {
				k = i + 3
			}
			if gIsAny(c.w(k), "coming", "delivering", "visiting", "staying", "bringing", "trusting", "letting") &&
				!(c.w(k) == "trusting" && !ctx) &&
				!(c.w(k) == "letting" && !gIsAny(c.w(k+2), "care", "treat", "help", "see", "deliver", "be")) {
				s, e := c.span(i, k+1)
				a.add(CodeCareRelation, s, e, "Thanks the poster for a visit or for receiving care, which confirms they are a patient.")
			}
		case you && gIsAny(w, "were", "was") && i > 0 && gIsAny(c.w(i-1), "you", "u") &&
			(gIsAny(c.w(i+1), "here", "admitted", "seen", "treated", "discharged", "in") || c.phrase(i+1, "with", "us")):
			s, e := c.span(i-1, i+2)
			a.add(CodeCareRelation, s, e, "Says when or that the poster was at the facility, which confirms they are a patient.")
		}
	}

	// Relatives: "your mother's pneumonia", "bringing your daughter in".
	if len(rels) > 0 {
		h := c.hits[rels[0]]
		s, e := c.span(h.i-1, h.i+h.n)
		other := c.classes() &^ hRelative
		switch {
		case gen && !past && other&(hDiagnosis|hMedication|hResult|hRecovery) != 0:
			a.add(CodeHealthInference, s, e, "Gives health advice about the poster's relative; make sure it reads as general information.")
		case gen && !past && c.onlyRoutine():
		case other&(hDiagnosis|hProcedure|hMedication|hResult|hRecovery|hBodyPart|hPreventive) != 0:
			a.add(CodeHealthDetail, s, e, "Speaks of the health or care of the poster's relative. A relative's health details are PHI.")
		case other&(hProvider|hSpecialty|hCareEvent|hRecord) != 0 || c.hasCareVerb():
			a.add(CodeCareRelation, s, e, "Speaks of the care of the poster's relative, which confirms a care relationship.")
		case other&hBilling != 0:
			a.add(CodeBillingDetail, s, e, "Mentions a relative's insurance or bill. Billing details are PHI.")
		case !gen:
			a.add(CodePersonalContext, s, e, "Mentions the poster's relative; keep the reply general and move the conversation to a private channel.")
		}
	}

	// Health terms said to "you": "glad you're recovering from the bypass".
	if you {
		var kinds healthClass
		first := -1
		for k, h := range c.hits {
			if h.class&(hDiagnosis|hMedication|hResult) != 0 || h.class&hProcedure != 0 && h.class&hPreventive == 0 {
				kinds |= h.class
				if first < 0 {
					first = k
				}
			}
		}
		switch {
		case first >= 0 && (!gen || past):
			h := c.hits[first]
			s, e := c.span(h.i, h.i+h.n)
			a.add(CodeHealthDetail, s, e, "Speaks of a condition, treatment or result in a sentence addressed to the poster. Health details are PHI, even when the poster shared them first.")
		case first < 0 && c.classes()&hRecovery != 0 && !gen:
			k := c.firstHit(hRecovery)
			h := c.hits[k]
			s, e := c.span(h.i, h.i+h.n)
			if past || c.classes()&(hBodyPart|hCareEvent) != 0 {
				a.add(CodeHealthDetail, s, e, "Speaks of the poster's recovery, which reveals health information.")
			} else {
				a.add(CodeHealthInference, s, e, "Wishes the poster well in a way that implies a health condition; consider a general wish instead.")
			}
		case c.classes()&(hSpecialty|hProvider|hCareEvent) != 0 && past && !gen:
			k := c.firstHit(hSpecialty | hProvider | hCareEvent)
			h := c.hits[k]
			s, e := c.span(h.i, h.i+h.n)
			a.add(CodeCareRelation, s, e, "Ties the poster to a past visit, unit or clinician, which confirms they are a patient.")
		}
		// Billing said to "you" with a past event or an amount.
		if k := c.firstHit(hBilling); k >= 0 && (past || c.hasAmount()) && !gen {
			h := c.hits[k]
			s, e := c.span(h.i, h.i+h.n)
			a.add(CodeBillingDetail, s, e, "Speaks of charges, insurance or a bill in a sentence addressed to the poster. Billing details are PHI.")
		}
		// A moment in time said to "you": "when you were here Tuesday".
		for i := range c.toks {
			if !c.temporalAt(i) && i != dated {
				continue
			}
			s, e := c.span(i, i+1)
			switch {
			case gen && !c.pastExcept(i):
			case ctx || c.hasCareVerb():
				a.add(CodeCareRelation, s, e, "Ties the poster to a visit at a particular time, which confirms they are a patient.")
			default:
				a.add(CodePersonalContext, s, e, "Refers to a particular time in the poster's life; make sure it does not imply a visit.")
			}
			break
		}
	}

	// "this patient", "patient Smith", "were such great patients".
	for i := range c.toks {
		w := c.w(i)
		if w != "patient" && w != "patients" {
			continue
		}
		switch {
		case c.toks[i].title && !c.toks[i].first:
			// "our Patient Relations team"
		case gIsAny(c.w(i-1), "this", "the", "that") && w == "patient" && !gIsAny(c.w(i+1), "portal", "experience", "relations", "advocate", "advocates", "financial", "services", "care", "safety", "rights"),
			i+1 < len(c.toks) && c.toks[i+1].title && a.isNameWord(c.toks[i+1]),
			gIsAny(c.w(i-1), "great", "such", "good", "wonderful", "brave", "best", "favorite", "favourite", "a") && c.has("was", "were", "you're", "are", "is") && (you || len(rels) > 0 || c.toks[0].title && !c.toks[0].first):
			s, e := c.span(i-1, i+2)
			a.add(CodeCareRelation, s, e, "Refers to a specific person as a patient, which discloses a care relationship.")
		case gIsAny(c.w(i-2), "were", "was") || gIsAny(c.w(i-3), "were", "was"):
			if you || len(rels) > 0 || c.hasNameAt(a) {
				s, e := c.span(i-1, i+1)
				a.add(CodeCareRelation, s, e, "Says that someone was a patient, which discloses a care relationship.")
			}
		}
	}
}

// nearYou reports a second-person word within four words of i.
func (c *gclause) nearYou(i int) bool {
	for k := i - 4; k <= i+4; k++ {
		if k != i && c.youAt(k) {
			return true
		}
	}
	return false
}

// adviceBefore reports advice to see one's own clinician ("talk to your
// doctor"), which is general health information, before index i.
func (c *gclause) adviceBefore(i int) bool {
	if c.imperative() {
		return true
	}
	for k := i - 3; k < i; k++ {
		if gIsAny(c.w(k), "talk", "ask", "consult", "speak", "tell", "check", "call", "contact", "see", "visit") {
			return true
		}
	}
	return false
}

func (c *gclause) hasCareVerb() bool {
	for i := range c.toks {
		if isStrongCareVerb(c.w(i)) || isWeakCareVerb(c.w(i)) {
			return true
		}
	}
	return false
}

// pastExcept reports a past marker other than at i.
func (c *gclause) pastExcept(i int) bool {
	for k := range c.toks {
		if k != i && (isPastWord(c.w(k)) || c.temporalAt(k)) {
			return true
		}
	}
	return false
}

func (c *gclause) hasAmount() bool {
	for i := range c.toks {
		if c.toks[i].money || gHasDigit(c.w(i)) && gIsAny(c.w(i+1), "dollars", "usd") {
			return true
		}
	}
	return false
}

// hasNameAt reports a capitalised non-initial word that could be a name.
func (c *gclause) hasNameAt(a *replyCheck) bool {
	for i := range c.toks {
		if c.toks[i].title && a.isNameWord(c.toks[i]) {
			return true
		}
	}
	return false
}

// suggest returns a safe rewrite for a blocked reply: thanks without
// confirming care for praise, otherwise an apology and an invitation to the
// organisation's own contacts.
func (g *Guard) suggest(org Org, toks []gtok) string {
	praise, complaint := false, false
	for _, t := range toks {
		switch {
		case gIsAny(t.norm, "thank", "thanks", "congrats", "congratulations", "glad", "happy", "kind", "wonderful", "love", "loved", "proud", "great"):
			praise = true
		case gIsAny(t.norm, "sorry", "apologize", "apologise", "apologies", "apology", "frustration", "frustrating", "understand", "concern", "concerns", "disappointed", "unfortunately"):
			complaint = true
		}
	}
	contact := contactPhrase(org)
	if praise && !complaint {
		return "Thank you for the kind words! We'll share them with our teams."
	}
	return "We're sorry to hear this and would like to learn more. " + contact
}

func contactPhrase(org Org) string {
	phone, email, url := gFirst(org.Phones), gFirst(org.Emails), gFirst(org.URLs)
	switch {
	case phone != "" && email != "":
		return "Please contact our Patient Relations team at " + phone + " or " + email + " so we can follow up privately."
	case phone != "":
		return "Please contact our Patient Relations team at " + phone + " so we can follow up privately."
	case email != "":
		return "Please contact our Patient Relations team at " + email + " so we can follow up privately."
	case url != "":
		return "Please contact our Patient Relations team through " + url + " so we can follow up privately."
	}
	return "Please send us a private message so our Patient Relations team can follow up."
}

func gFirst(ss []string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// isRelativeWord reports a family word that a name may follow ("baby Liam",
// "Grandpa Joe").
func (a *replyCheck) isRelativeWord(t gtok) bool {
	cl, n := a.g.lex.match([]gtok{t}, 0)
	return n == 1 && cl&hRelative != 0
}

// onlyRoutine reports that every procedure or body part in the clause is
// a routine service offered to everyone (a physical, a flu shot).
func (c *gclause) onlyRoutine() bool {
	for _, h := range c.hits {
		if h.class&(hProcedure|hBodyPart) != 0 && h.class&hPreventive == 0 {
			return false
		}
	}
	return true
}
