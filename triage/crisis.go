package triage

import (
	"fmt"
	"regexp"
	"strings"
)

// CrisisCategory says what kind of crisis an item describes.
type CrisisCategory string

// Crisis categories.
const (
	CrisisSelfHarm  CrisisCategory = "self_harm"         // suicidal intent, self-harm
	CrisisViolence  CrisisCategory = "violence"          // threats of violence, abuse, weapons
	CrisisEmergency CrisisCategory = "medical_emergency" // chest pain, can't breathe, stroke signs, overdose…
)

// CrisisGuidance is the public guidance shown with, or sent in answer to,
// any item flagged as a crisis. It is deliberately generic: it names no
// patient and no condition, so it may be posted publicly.
const CrisisGuidance = "If you or someone near you is in danger or having a medical emergency, " +
	"please call your local emergency number now (911 in the US). " +
	"If you are thinking about suicide or self-harm, you can call or text 988, " +
	"the Suicide & Crisis Lifeline (US), or your local crisis line, at any time, day or night."

// crisisPattern is one phrasing family. Patterns run on normalised text
// (see normalize): lowercase, no apostrophes, words separated by one space.
type crisisPattern struct {
	category CrisisCategory
	reason   string
	// triggers are words one of which must occur for expr to be tried
	// ('*' suffix: a prefix). They keep the cost per item low: most items
	// trigger no pattern at all. Every literal word that can start a
	// match of expr must be covered; TestTriggersCoverPatterns checks the
	// labelled set.
	triggers string
	expr     string
}

// exclusionExprs are phrases removed from the normalised text before crisis
// patterns run: awareness campaigns, hyperbole and other hard negatives
// that share words with crisis phrasings. Keep this list short and specific;
// every entry trades recall for precision.
func exclusionExprs() []string {
	return []string{
		`suicide (prevention|awareness|and crisis lifeline|crisis lifeline|lifeline|hotline|loss)`,
		`lost (someone|somebody|a loved one|(a|my|our|his|her) \w+) to suicide`,
		`overdose (prevention|crisis|awareness|epidemic|reversal)`,
		`heart attack awareness`,
		`(to|could|would) die for`,
		`death (certificate|certificates|of me)`,
		`blood (test|tests|drive|drives|pressure|sugar|work|bank|donors?|donation)|donate blood`,
		`(gun|firearm) (violence prevention|safety)`,
		`(heart attack|stroke|overdose|suicide|seizure|choking|cpr|first aid|stop the bleed) (awareness|prevention|training|class|classes|course|courses|survivors?|support group|fund|walk|vigil|month|week|program|rehab|center|centre|unit|team|ward|patients)`,
		`dying to (know|try|see|go|get|meet)`,
	}
}

// crisisExprs are checked in order; the first match gives the reason.
// Self-harm comes first so that "overdosed on purpose" reads as self-harm.
func crisisExprs() []crisisPattern {
	return []crisisPattern{
		// Self-harm and suicidal intent.
		{CrisisSelfHarm, "self-harm or suicide stated", "myself himself herself themselves themself", `\b(kill\w*|hurt\w*|harm\w*|cut\w*|shoot\w*|hang\w*|stab\w*|unaliv\w*|burn\w*|starv\w*|poison\w*|drown\w*|end\w*) (my|him|her|them)sel(f|ves)\b`},
		{CrisisSelfHarm, "suicide mentioned", "suicid* sewerslide unaliv* kms self", `\b(suicid\w*|sewerslide|unaliv\w*|kms|self (harm\w*|injur\w*))\b`},
		{CrisisSelfHarm, "intent to end one's life", "life lives", `\b(end\w*|tak\w*|took) (my|his|her|their) (own )?li(fe|ves)\b`},
		{CrisisSelfHarm, "intent to end it", "end ending", `\b(going to|gonna|want to|wanna|will|im|about to|ready to|decided to|plan to|planning to|try to|trying to|thinking (of|about)|feel\w* like|might) (just )?end(ing)? (it|it all|things|everything|this)\b`},
		{CrisisSelfHarm, "intent to end it", "end ending", `^ ending (it|things|everything)\b`},
		{CrisisSelfHarm, "wish to die", "die", `\b(want|wanna|wanted|ready|deserve) (to )?die\b`},
		{CrisisSelfHarm, "wish to be dead", "dead alive born", `\bwish (i|id) (was|were|could be) dead\b|\bwish (i|id) (wasnt|werent|was not|were not) alive\b|\bwish (i|id) (had )?never (been )?born\b|\bbetter off dead\b`},
		{CrisisSelfHarm, "not wanting to live", "live alive exist wake here", `\b(dont|do not|doesnt|does not|no longer|dont really|dont even) (want to|wanna|wish to) (live|be alive|exist|wake up|be here any ?more|be here no more)\b`},
		{CrisisSelfHarm, "cannot go on", "go", `\b(cant|can not|cannot) go on( like this| any ?more| living| $)`},
		{CrisisSelfHarm, "no reason to live", "liv* life alive go going", `\b(no|dont see (the|any)|lost (the|any|all)) (point|reason|will) (in |of |to )?(liv\w*|life|be alive|being alive|go on|going on)\b`},
		{CrisisSelfHarm, "life not worth living", "life living alive", `\blife (isnt|is not|aint|not) worth (living|it)\b|\bdone with (life|living)\b|\btired of (living|life|being alive)\b`},
		{CrisisSelfHarm, "others better off without them", "better nobody no noone", `\bbetter off (without me|if i (was|were|wasnt|werent|am) (gone|dead|here|around))\b|\b(nobody|no one|noone) (would|will) (miss|notice|care)( about)?( me)? if i\b`},
		{CrisisSelfHarm, "farewell message", "note letter here around goodbye", `\b(suicide|goodbye) (note|letter)\b|\b(wont|will not|not going to|not gonna) be (here|around) (tomorrow|much longer|any ?more|for long)\b|\bgoodbye (everyone|everybody|world|all|forever|cruel world)\b|^ (im|i am) done goodbye\b`},
		{CrisisSelfHarm, "means of self-harm at hand", "pills meds medication tablets ready rope gun noose myself", `\b(took|taken|swallowed|swallow|take|taking|have|got) (all|a (whole )?bottle of|the whole bottle of|too many|handfuls? of|all of)( \w+){0,3} (pills|meds|medication|tablets)\b|\b(have|got) (the|my) (pills|rope|gun) ready\b|\bbought a (rope|gun)\b|\bnoose\b|\b(gun|knife|pills|rope|blade)\b.*\bmyself\b`},
		{CrisisSelfHarm, "intent to jump", "jump jumping standing", `\b(jump|jumping) (off|from|in front of)\b|\bstanding on (the|a) (bridge|ledge|roof|edge)\b`},
		{CrisisSelfHarm, "wish to disappear or not wake up", "disappear wake end stop", `\b(want to|wanna|going to|gonna) disappear forever\b|\b(sleep and|hope i|wish i|want to) (never|dont|do not|wouldnt|wont) wake up\b|\bwant (it all|it|this|everything) to (end|stop)\b`},
		{CrisisSelfHarm, "deliberate overdose", "purpose", `\b(overdosed|od|oded|took (them|it|pills)) on purpose\b`},

		// Violence, threats and abuse.
		{CrisisViolence, "threat of a shooting", "shoot* active", `\bshoot\w* up\b|\bactive shooter\b|\bshooter\b`},
		{CrisisViolence, "threat of violence", "kill murder stab shoot strangle burn bomb attack", `\b(going to|gonna|will|ill|want to|wanna|about to|gon) (kill|murder|stab|shoot|strangle|burn|bomb|attack) (\w+ )?(the|that|this|your|every\w*|all|him|her|them|you|those|his|these|ur)\b`},
		{CrisisViolence, "threat of violence", "hurt beat punch hit", `\b(going to|gonna|will|ill|want to|wanna|about to) (hurt|beat|beat up|punch|hit) (\w+ )?(that|your|him|her|them|you|those|everyone|everybody|the (nurse|doctor|receptionist|staff|surgeon|guard|manager)\w*)\b`},
		{CrisisViolence, "threat of violence", "lives life back know waiting", `\bpay with (their|your|his|her) li(fe|ves)\b|\bwatch your back\b|\bknow where (you|your \w+) (live|park|work)\b|\b(ill|i will|im going to|gonna) be waiting for (your|the|that) (doctor|doctors|nurse|nurses|surgeon|staff|receptionist|dentist)\b`},
		{CrisisViolence, "bomb threat", "bomb explosive blow", `\b(theres|there is|planted|placed|put|left|have|got) an? (bomb|explosive)\b|\b(should|will|going to|gonna) (bomb|blow up)\b`},
		{CrisisViolence, "weapon reported", "gun knife weapon rifle firearm pistol machete", `\b(bring|bringing|brought|coming( \w+){0,4} with|man with|woman with|guy with|someone with|person with|somebody with|threaten\w*( \w+){0,3} with|has|pulled|pointing|waving) an? (gun|knife|weapon|rifle|firearm|pistol|machete)\b`},
		{CrisisViolence, "abuse or threat to the writer", "hitting beating choking abusing strangling abused kill", `\b(hitting|beating|choking|abusing|strangling) me\b|\bbeing abused\b|\b(going to|gonna|will|wants to|threatened to|trying to|tried to) kill me\b`},

		// Medical emergencies.
		{CrisisEmergency, "chest pain", "chest heart cardiac", `\bchest (pain|pains|pressure|tightness|feels tight|is tight|hurts|is hurting)\b|\bpain in (my|his|her|the) chest\b|\bhaving (a )?heart attack\b|\bcardiac arrest\b`},
		{CrisisEmergency, "cannot breathe", "breath breathe breathing", `\b(cant|can not|cannot|couldnt|not|isnt|wasnt|stopped|trouble|difficulty|struggling to|hard to) (breath|breathe|breathing)\b`},
		{CrisisEmergency, "airway or allergic emergency", "throat swell* anaphyla* asthma inhaler", `\bthroat (is )?(closing|swelling|swollen|tight)\b|\b(tongue|face|lips|throat) (is |are )?swell\w*\b|\banaphyla\w*\b|\basthma attack\b|\binhaler (isnt|is not|not) working\b`},
		{CrisisEmergency, "turning blue", "blue", `\b(lips|face|skin) (are |is )?(turning |turned |going )?blue\b|\bturning blue\b`},
		{CrisisEmergency, "stroke signs", "face drooping droopy speech slurred slurring stroke sudden cant", `\bface (is |was )?(drooping|droopy|went droopy|numb)\b|\b(drooping|droopy) face\b|\bface went droopy\b|\bspeech (is |was )?slurred\b|\bslurred speech\b|\bslurring\b|\bhaving a stroke\b|\bstroke (symptoms|signs)\b|\bsudden (numbness|weakness|confusion)\b|\bcant (lift|move|feel) (his|her|my|their) (arm|arms|leg|legs|face|side|body)\b`},
		{CrisisEmergency, "overdose or poisoning", "overdos* odd oded swallowed drank ate ingested", `\boverdos\w*\b|\bod(ed|d)\b|\b(swallowed|drank|ate|ingested)( \w+){0,2} (bleach|drain cleaner|battery|batteries|button battery|poison|detergent|antifreeze|pods?|rat poison|magnets?)\b`},
		{CrisisEmergency, "unconscious or unresponsive", "unconscious unresponsive passed passing pass collapsed limp wake waking responding moving", `\b(unconscious|unresponsive|passed out|passing out|pass out|collapsed|gone limp|is limp|went limp)\b|\b(wont|will not|cant|cannot|doesnt|isnt) wak(e|ing) (him |her |them )?up\b|\b(he|she|hes|shes|dad|mom|mum|baby|son|daughter|husband|wife|brother|sister|grandma|grandpa|child|kid|friend|partner|father|mother) (is )?not (responding|moving)\b|\bisnt moving\b`},
		{CrisisEmergency, "severe bleeding", "bleeding bleed blood", `\bbleeding (heavily|badly|a lot|profusely|wont stop|out|everywhere)\b|\bbleed(ing)? (wont|will not|doesnt|does not|cant|isnt) stop\w*\b|\bsevere bleeding\b|\b(coughing|vomiting|throwing|spitting) up blood\b|\bvomiting blood\b`},
		{CrisisEmergency, "seizure", "seizure seizing convuls*", `\b(having|had|has) a seizure\b|\bseizing\b|\bconvuls\w*\b`},
		{CrisisEmergency, "choking", "choking", `\b(is|im|hes|shes|am|keeps|baby|son|daughter|child|kid) choking\b|^ choking\b`},
		{CrisisEmergency, "emergency signs", "headache thunderclap water baby head", `\bworst headache of (my|his|her) life\b|\bthunderclap headache\b|\bwater (just )?broke\b|\bbaby is coming\b|\bhit (his|her|my|their) head\b.*\b(vomit\w*|confused|unconscious|passed out|bleeding)\b`},
		{CrisisEmergency, "emergency services requested", "ambulance paramedics 911 999 112 000", `\b(need|call|send|get|called|calling|sent) (an |the |me an |me the )?(ambulance|paramedics)\b|\b(call|dial|called|calling|ring) (911|999|112|000)\b|\b911\b`},
		{CrisisEmergency, "fire reported", "fire", `\b(theres|there is) a fire\b|\b(is|are|building|room|hospital) on fire\b`},
	}
}

type compiledCrisis struct {
	category CrisisCategory
	reason   string
	re       *regexp.Regexp
}

// exclusionTriggers are the words without which no exclusion can match.
const exclusionTriggers = "suicide overdose heart die dying death stroke seizure choking cpr first stop blood gun firearm"

// crisisDetector holds the compiled patterns. It is built once per Triager
// and is read-only afterwards, so it is safe for concurrent use.
type crisisDetector struct {
	exclude  *regexp.Regexp
	patterns []compiledCrisis
	// exact maps a trigger word to the patterns it enables; prefixes holds
	// the triggers that end in '*'.
	exact    map[string][]int
	prefixes []prefixTrigger
	excludes map[string]bool
	signals  []compiledSignal
}

type prefixTrigger struct {
	prefix  string
	pattern int
}

func newCrisisDetector() (*crisisDetector, error) {
	ex, err := regexp.Compile(`\b(` + strings.Join(exclusionExprs(), "|") + `)\b`)
	if err != nil {
		return nil, fmt.Errorf("crisis exclusions: %w", err)
	}
	d := &crisisDetector{exclude: ex, exact: map[string][]int{}, excludes: map[string]bool{}, signals: compileSignals()}
	for _, w := range strings.Fields(exclusionTriggers) {
		d.excludes[w] = true
	}
	for i, p := range crisisExprs() {
		re, err := regexp.Compile(p.expr)
		if err != nil {
			return nil, fmt.Errorf("crisis pattern %d (%s): %w", i, p.reason, err)
		}
		if strings.TrimSpace(p.triggers) == "" {
			return nil, fmt.Errorf("crisis pattern %d (%s): no trigger words", i, p.reason)
		}
		d.patterns = append(d.patterns, compiledCrisis{p.category, p.reason, re})
		for _, w := range strings.Fields(p.triggers) {
			if pre, ok := strings.CutSuffix(w, "*"); ok {
				d.prefixes = append(d.prefixes, prefixTrigger{pre, i})
			} else {
				d.exact[w] = append(d.exact[w], i)
			}
		}
	}
	return d, nil
}

// detection is the outcome of crisis detection.
type detection struct {
	crisis   bool
	category CrisisCategory
	reason   string
	match    string
	// excluded is true when an exclusion phrase (an awareness campaign,
	// hyperbole) was found: its negative words say nothing about the
	// author's mood either.
	excluded bool
}

// detect returns the first crisis pattern matching the normalised text,
// whose words are tokens.
func (d *crisisDetector) detect(norm string, tokens []string) detection {
	var out detection
	var candidate [64]bool // more patterns than this fail TestPatternCount
	any, exclusion := false, false
	for _, tok := range tokens {
		exclusion = exclusion || d.excludes[tok]
		for _, i := range d.exact[tok] {
			candidate[i], any = true, true
		}
		for _, p := range d.prefixes {
			if strings.HasPrefix(tok, p.prefix) {
				candidate[p.pattern], any = true, true
			}
		}
	}
	if exclusion && d.exclude.MatchString(norm) {
		norm = d.exclude.ReplaceAllString(norm, " ")
		tokens = strings.Fields(norm)
		out.excluded = true
	}
	for i, p := range d.patterns {
		if !any {
			break
		}
		if !candidate[i] {
			continue
		}
		if m := p.re.FindString(norm); m != "" {
			out.crisis, out.category, out.reason, out.match = true, p.category, p.reason, strings.TrimSpace(m)
			return out
		}
	}
	if cat, reason, m, ok := detectSignal(d.signals, tokens); ok {
		out.crisis, out.category, out.reason, out.match = true, cat, reason, m
	}
	return out
}

// excludedIn reports whether an exclusion phrase occurs in the normalised
// text.
func (d *crisisDetector) excludedIn(norm string) bool {
	for _, tok := range strings.Fields(norm) {
		if d.excludes[tok] {
			return d.exclude.MatchString(norm)
		}
	}
	return false
}
