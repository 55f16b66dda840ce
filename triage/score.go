package triage

import (
	"fmt"
	"sort"
	"strings"
)

// Crisis scoring. A post is a crisis when the score of one category
// (self-harm, violence, medical emergency) reaches crisisThreshold. Scores
// are sums of hand-set feature weights (weights below), each feature an
// interpretable fact about the post: "a death word near a word of intent",
// "a red-flag symptom near a word of severity", "talk about an awareness
// event". The phrasing families of crisis.go and signals.go are one
// feature among others (legacyWeight), so every phrasing written down so
// far still counts, but context can now outweigh them and, more
// importantly, concepts that co-occur can reach the threshold without any
// phrasing having been written down.
//
// Weights were set by hand, reading the training files (crisis.txt,
// hard_negatives.txt, the round-4 held-out files and dev_*.txt); the frozen
// final_*.txt files were not used. See docs/social.md.

const (
	crisisThreshold = 2.0
	// window is how many tokens apart two concepts may be to co-occur.
	window = 6
	// maxPhraseLen bounds how far back near looks for a phrase ending
	// close to another.
	maxPhraseLen = 8
)

// Feature weights. Positive weights add evidence to one category;
// penalties (context that makes a post talk about a topic rather than
// report an event) subtract from every category.
const (
	legacyWeight = 2.0 // a phrasing family of crisis.go or signals.go matched: enough alone

	wDeath            = 1.2 // a death or ending word
	wDeathNearIntent  = 1.3 // … within window of desire, intent or a time
	wMethodNearIntent = 1.5 // a means of self-harm near desire or intent, or being at a place to jump from
	wMethodNearTime   = 0.8 // … near a time only
	wMethodOwned      = 0.5 // … near the author or a relative
	wResearch         = 1.0 // … near looking up doses or ways
	wFarewell         = 1.6 // goodbye, a note, giving things away
	wFarewellMore     = 0.5 // a second, different farewell
	wFarewellFirst    = 0.4 // a farewell from the author
	wFarewellWeak     = 1.0 // goodbye, "love you all": a farewell only with more
	wHopeless         = 1.2 // burden, no point, cannot go on
	wHopelessMore     = 0.5 // a second hopelessness phrase
	wHopelessFirst    = 0.3 // hopelessness from the author about themselves
	wSelfHarmCombo    = 0.8 // two self-harm concept classes together
	wUnreachable      = 0.8 // the person no longer answers, with another self-harm concept
	wMethodStrong     = 1.2 // a means with hardly another use (noose, exhaust hose)
	wResolve          = 1.0 // a decision taken, calm after it
	wConcern          = 0.6 // someone worried about the person, with a self-harm concept
	wRelativeAtRisk   = 0.3 // a relative with a death or farewell word
	wTimeNear         = 0.5 // tonight, again, a weekday near a self-harm concept

	wSymptomStrong     = 2.2 // an emergency sign on its own (not breathing, seizure, overdose)
	wSymptomStrongMore = 0.4
	wSymptom           = 0.6 // each different red-flag body word, at most maxSymptoms
	maxSymptoms        = 3
	wSymptomSevere     = 0.8 // a red flag near severity or immediacy
	wBodyPart          = 0.4 // chest, lips, face… near a sign or severity
	wIngestion         = 2.4 // swallowed/ate/drank/took near a poison or an amount
	wMedicine          = 1.2 // … near a medicine
	wAmount            = 1.2 // … with a number of 10 or more
	wInjury            = 1.0 // a fall, crash, cut or burn near a symptom, severity or person
	wSymptomPerson     = 0.3 // the author or a relative has the symptom

	wActNearTarget = 1.2 // kill/stab/shoot/beat near a person or staff
	wActNearIntent = 1.0 // … near intent, a threat or a time
	wWeapon        = 1.0 // a weapon
	wWeaponNear    = 1.2 // … near intent, a target, a time or immediacy
	wAbuse         = 2.2 // someone hitting, choking or threatening the author or a relative
	wThreat        = 1.2 // a veiled threat
	wThreatTarget  = 0.8 // … near a person or staff
	wThreatAct     = 0.5 // … with a violent act or a weapon

	// Penalties count once per different phrase, at most maxPenaltyHits
	// times per class.
	pMeta          = -1.5 // awareness, prevention, news, class, study, support group
	pPast          = -1.5 // survived, years ago, recovery, rehab, thanks
	pJoke          = -0.8 // lol, 😂, 💀
	pReassure      = -1.5 // no pain, is fine, just curious
	pHypothetical  = -1.0 // a general question: what are the signs, is it normal
	maxPenaltyHits = 3
)

// scorer computes crisis scores. It is read-only after newScorer and safe
// for concurrent use.
type scorer struct {
	spell      map[string]string
	figurative *lexicon
	tags       *tagger
	legacy     *crisisDetector
}

func newScorer() (*scorer, error) {
	legacy, err := newCrisisDetector()
	if err != nil {
		return nil, err
	}
	return &scorer{
		spell:      spellings(),
		figurative: newLexicon(figurativeLexicon()),
		tags:       newTagger(conceptLexicons()),
		legacy:     legacy,
	}, nil
}

// feature is one fact that contributed to a score.
type feature struct {
	name   string
	weight float64
	match  string
}

// scoreCard is the evidence for one category.
type scoreCard struct {
	category CrisisCategory
	total    float64
	features []feature
}

func (c *scoreCard) add(name string, w float64, match string) {
	c.total += w
	c.features = append(c.features, feature{name, w, match})
}

// assessment is the scorer's full output, for detect and for tests.
type assessment struct {
	cards   [3]scoreCard // self-harm, violence, medical emergency
	penalty float64
	context []feature
	// excluded: an exclusion phrase of crisis.go (an awareness campaign,
	// hyperbole) occurs, so the post's negative words say little about the
	// author's mood.
	excluded bool
}

// best returns the highest-scoring card, penalties included.
func (a *assessment) best() *scoreCard {
	b := &a.cards[0]
	for i := range a.cards {
		if a.cards[i].total > b.total {
			b = &a.cards[i]
		}
	}
	return b
}

// tagged is the post as the scorer sees it: tokens without figurative
// phrases, and the concepts tagged at each position.
type tagged struct {
	original string // every token, figurative ones included, space-separated
	tokens   []string
	at       []concept
	end      []int // end[i] is one past the last token of the longest phrase at i
	all      concept
}

// near reports whether a phrase of concept a and one of concept b, at
// different positions, have at most w tokens between their ends, and the
// words spanning them.
func (t *tagged) near(a, b concept, w int) (string, bool) {
	for i, ci := range t.at {
		if ci&a == 0 {
			continue
		}
		for j := max(0, i-w-maxPhraseLen); j < len(t.at) && j <= t.end[i]+w; j++ {
			if j == i || t.at[j]&b == 0 || (j < i && i-t.end[j] > w) {
				continue
			}
			{
				lo, hi := min(i, j), max(t.end[i], t.end[j])
				return joinTokens(t.tokens[lo:hi]), true
			}
		}
	}
	return "", false
}

// first returns the words of the first phrase tagged with c.
func (t *tagged) first(c concept) string {
	for i, ci := range t.at {
		if ci&c != 0 {
			return joinTokens(t.tokens[i:t.end[i]])
		}
	}
	return ""
}

// count returns how many positions are tagged with c.
func (t *tagged) count(c concept) int {
	n := 0
	for _, ci := range t.at {
		if ci&c != 0 {
			n++
		}
	}
	return n
}

func (t *tagged) has(c concept) bool { return t.all&c != 0 }

// tag tokenises text, drops figurative phrases and tags concepts.
func (s *scorer) tag(text string) tagged {
	toks := crisisTokens(text, s.spell)
	original := " " + strings.Join(toks, " ") + " "
	kept := toks[:0]
	for i := 0; i < len(toks); {
		if n := s.figurative.lenAt(toks, i); n > 0 {
			i += n
			continue
		}
		kept = append(kept, toks[i])
		i++
	}
	kept = s.dropRatherThan(kept)
	t := tagged{original: original, tokens: kept, at: make([]concept, len(kept)), end: make([]int, len(kept))}
	for i := range kept {
		c, n := s.tags.tagAt(kept, i)
		if isAmount(kept[i]) {
			c |= cAmount
		}
		t.at[i], t.end[i] = c, i+max(n, 1)
		t.all |= c
	}
	return t
}

// dropRatherThan removes the first half of "I'd rather jump off a bridge
// than call your billing office": a comparison whose other side is
// mundane is hyperbole. When the other side is itself dark ("rather be
// dead than go on like this") nothing is removed.
func (s *scorer) dropRatherThan(toks []string) []string {
	for i, w := range toks {
		if w != "rather" {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+8; j++ {
			if toks[j] != "than" {
				continue
			}
			for k := j + 1; k < len(toks) && k <= j+6; k++ {
				if c, _ := s.tags.tagAt(toks, k); c&(cDeath|cHopeless|cMethod|cMethodStrong) != 0 {
					return toks
				}
			}
			return append(toks[:i:i], toks[j+1:]...)
		}
	}
	return toks
}

// isAmount reports whether tok is a number of 10 or more: "took 20
// ibuprofen".
func isAmount(tok string) bool {
	if len(tok) < 2 || len(tok) > 4 || tok[0] == '0' {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return false
		}
	}
	return true
}

// assess scores text in every category.
func (s *scorer) assess(text string) assessment {
	t := s.tag(text)
	var a assessment
	a.cards[0].category, a.cards[1].category, a.cards[2].category = CrisisSelfHarm, CrisisViolence, CrisisEmergency
	sh, vi, em := &a.cards[0], &a.cards[1], &a.cards[2]

	norm := " " + strings.Join(t.tokens, " ") + " "
	if len(t.tokens) == 0 {
		norm = " "
	}
	if d := s.legacy.detect(norm, t.tokens); d.crisis {
		for i := range a.cards {
			if a.cards[i].category == d.category {
				a.cards[i].add(d.reason, legacyWeight, d.match)
			}
		}
	}
	a.excluded = s.legacy.excludedIn(t.original)

	anyIntent := cDesire | cIntent | cTime
	person := cFirst | cRelative

	// Self-harm.
	shConcepts := 0
	if t.has(cDeath) {
		shConcepts++
		sh.add("death or ending word", wDeath, t.first(cDeath))
		if m, ok := t.near(cDeath, anyIntent, window); ok {
			sh.add("death word near intent", wDeathNearIntent, m)
		}
	}
	m, ok := t.near(cMethod, cDesire|cIntent|cResearch, window-1)
	if !ok {
		m, ok = t.near(cPlace, cPresence, 2)
	}
	if ok {
		sh.add("means of self-harm near intent", wMethodNearIntent, m)
	} else if m, ok = t.near(cMethod, cTime, window-1); ok {
		sh.add("means of self-harm near a time", wMethodNearTime, m)
	}
	if ok {
		shConcepts++
		if m, ok := t.near(cMethod, person, 4); ok {
			sh.add("means of self-harm at hand", wMethodOwned, m)
		}
		if m, ok := t.near(cMethod, cResearch, window); ok {
			sh.add("researching a means", wResearch, m)
		}
	}
	if t.has(cMethodStrong) {
		shConcepts++
		sh.add("unambiguous means of self-harm", wMethodStrong, t.first(cMethodStrong))
	}
	if t.has(cResolve) {
		shConcepts++
		sh.add("a decision taken", wResolve, t.first(cResolve))
	}
	if t.has(cFarewell) {
		shConcepts++
		sh.add("farewell", wFarewell, t.first(cFarewell))
		if t.count(cFarewell) > 1 {
			sh.add("several farewells", wFarewellMore, "")
		}
		if t.has(cFirst) {
			sh.add("farewell from the author", wFarewellFirst, "")
		}
	}
	if t.has(cFarewellWeak) && !t.has(cFarewell) {
		shConcepts++
		sh.add("a possible farewell", wFarewellWeak, t.first(cFarewellWeak))
	}
	if t.has(cHopeless) {
		shConcepts++
		sh.add("hopelessness", wHopeless, t.first(cHopeless))
		if t.has(cFirst) {
			sh.add("hopelessness about oneself", wHopelessFirst, "")
		}
		if t.count(cHopeless) > 1 {
			sh.add("more hopelessness", wHopelessMore, "")
		}
	}
	if shConcepts >= 2 {
		sh.add("self-harm concepts together", wSelfHarmCombo, "")
	}
	if shConcepts > 0 {
		if t.has(cConcern) {
			sh.add("someone worried", wConcern, t.first(cConcern))
		}
		if t.has(cUnreach) {
			sh.add("no longer answering", wUnreachable, t.first(cUnreach))
		}
		if t.has(cRelative) && t.has(cDeath|cFarewell|cFarewellWeak) {
			sh.add("a relative at risk", wRelativeAtRisk, "")
		}
		if m, ok := t.near(cTime, cDeath|cMethod|cFarewell|cHopeless, window+2); ok {
			sh.add("a time for it", wTimeNear, m)
		}
	}

	// Medical emergency.
	// A phrasing family that matched usually is the emergency sign: count
	// it once.
	if t.has(cSymptomStrong) && em.total == 0 {
		em.add("emergency sign", wSymptomStrong, t.first(cSymptomStrong))
		if t.count(cSymptomStrong) > 1 {
			em.add("several emergency signs", wSymptomStrongMore, "")
		}
	}
	if n := min(t.count(cSymptom), maxSymptoms); n > 0 {
		em.add(fmt.Sprintf("%d red-flag body words", n), wSymptom*float64(n), t.first(cSymptom))
		if m, ok := t.near(cSymptom, cSeverity, 4); ok {
			em.add("red flag near severity", wSymptomSevere, m)
		}
	}
	if m, ok := t.near(cBodyPart, cSymptom|cSymptomStrong|cSeverity, 3); ok {
		em.add("a body part with a sign", wBodyPart, m)
		if t.count(cBodyPart) > 1 {
			em.add("more body parts", wBodyPart, "")
		}
	}
	if m, ok := t.near(cIngest, cSubstance, window-1); ok {
		em.add("swallowed a substance", wIngestion, m)
	} else if m, ok := t.near(cIngest, cMedicine, window-1); ok {
		em.add("took a medicine", wMedicine, m)
		if m, ok := t.near(cAmount, cMedicine|cIngest, 3); ok {
			em.add("a large amount", wAmount, m)
		}
	}
	if m, ok := t.near(cInjury, cSymptom|cSymptomStrong|cSeverity|cRelative, window); ok {
		em.add("injury", wInjury, m)
	}
	if t.has(cSymptom|cSymptomStrong) && t.has(person) {
		em.add("the author or a relative", wSymptomPerson, "")
	}

	// Violence.
	if m, ok := t.near(cAssault, cRelative|cTarget|cFirst, 4); ok {
		vi.add("violence happening to someone", wAbuse, m)
	}
	if m, ok := t.near(cViolentAct, cTarget, window-1); ok {
		vi.add("violent act near a person", wActNearTarget, m)
	}
	if m, ok := t.near(cViolentAct, cIntent|cDesire|cThreat|cTime, 2*window); ok {
		vi.add("violent act near intent", wActNearIntent, m)
	}
	if t.has(cWeapon) {
		vi.add("weapon", wWeapon, t.first(cWeapon))
		if m, ok := t.near(cWeapon, cIntent|cTarget|cTime|cSeverity|cRelative, window); ok {
			vi.add("weapon near intent or a person", wWeaponNear, m)
		}
	}
	if t.has(cViolenceNow) {
		vi.add("violence under way", wAbuse, t.first(cViolenceNow))
	}
	if t.has(cAbuse) {
		vi.add("abuse or a threat to someone", wAbuse, t.first(cAbuse))
	}
	if t.has(cThreat) {
		vi.add("veiled threat", wThreat, t.first(cThreat))
		if m, ok := t.near(cThreat, cTarget, window); ok {
			vi.add("threat near a person", wThreatTarget, m)
		}
		if t.has(cViolentAct | cWeapon) {
			vi.add("threat with violence", wThreatAct, "")
		}
	}

	// Context that turns a post into talk about a topic.
	for _, p := range []struct {
		c    concept
		name string
		w    float64
	}{
		{cMeta, "talk about a topic", pMeta},
		{cPast, "in the past or thanks", pPast},
		{cJoke, "joke", pJoke},
		{cReassure, "reassurance", pReassure},
		{cHypothetical, "general question", pHypothetical},
	} {
		if n := min(t.count(p.c), maxPenaltyHits); n > 0 {
			a.penalty += p.w * float64(n)
			a.context = append(a.context, feature{p.name, p.w * float64(n), t.first(p.c)})
		}
	}
	for i := range a.cards {
		if a.cards[i].total > 0 {
			a.cards[i].total += a.penalty
		}
	}
	return a
}

// detect decides whether text is a crisis.
func (s *scorer) detect(text string) detection {
	a := s.assess(text)
	out := detection{excluded: a.excluded}
	b := a.best()
	if b.total < crisisThreshold {
		return out
	}
	out.crisis, out.category = true, b.category
	fs := append([]feature(nil), b.features...)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].weight > fs[j].weight })
	var names []string
	for _, f := range fs {
		if len(names) < 3 {
			names = append(names, f.name)
		}
		if out.match == "" && f.match != "" {
			out.match = f.match
		}
	}
	out.reason = fmt.Sprintf("%s score %.1f: %s", b.category, b.total, strings.Join(names, ", "))
	for _, f := range a.context {
		out.reason += fmt.Sprintf("; %s %.1f", f.name, f.weight)
	}
	return out
}
