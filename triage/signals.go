package triage

// Second-tier crisis signals. The phrasing families in crisis.go are
// precise but miss phrasings nobody wrote down (a held-out set written
// after them caught only 20 %). These signals are broader: strong words and
// phrases that suffice on their own, and weaker ones that count only near
// a word of intent or desire (within signalWindow tokens). They run only
// when no phrasing family matched.

const signalWindow = 6

type signalSpec struct {
	category CrisisCategory
	reason   string
	anchors  string // lexicon entries (see lexicon)
	context  string // empty: an anchor alone suffices
}

func signalSpecs() []signalSpec {
	const intent = `want*|wanna|wish*|thinking|think|thought|thoughts|planning|plan|going|gonna|ready|rather|cant|keep|considering|` +
		`decided|tonight|told|saying|says|said|feel|feeling|stop|started|again|happier|better off|sick of|tired of|about to|need to`
	const person = `he|she|hes|shes|his|her|him|they|theyre|mom|mum|mother|dad|father|son|daughter|husband|wife|partner|boyfriend|girlfriend|` +
		`brother|sister|grandma|grandmother|grandpa|grandfather|baby|child|kid|toddler|friend|roommate|neighbor|neighbour|im|i|my`
	const immediacy = `suddenly|sudden|now|went|gone|arm|face|side|leg|confused|slurring|help|please|and|cant|wont|isnt`
	// Red-flag vocabularies by body system, after first-aid "call an
	// ambulance" lists (breathing, consciousness, stroke and neurology,
	// circulation and bleeding, allergy, seizures, poisoning, trauma,
	// pregnancy, infants). A red flag counts near a word of severity or
	// immediacy.
	const redFlags = `speech|breath|breathe|breathing|wheez*|gasp*|suffocat*|faint|fainted|fainting|floppy|limp|drowsy|unresponsive|` +
		`unconscious|confused|confusion|blurry|blurred|double vision|seeing double|lopsided|droop*|slur*|numb|numbness|` +
		`paralys*|paralyz*|weakness|pale|grey|gray|blue|purple|bleed|bleeding|bled|blood|hives|swelling|swollen|tingling|` +
		`seizure|seizures|fit|fitting|convuls*|vomit*|throwing up|threw up|burned|burnt|burns|drown*|underwater|accident|` +
		`crash|overdos*|swallowed|pills|tablets|poison*|chest|pregnant|newborn|infant|fever|headache|pain`
	const severity = `severe*|terrible|terribly|badly|worst|really|very|super|cant|wont|doesnt|isnt|not|suddenly|sudden|now|` +
		`right now|help|please|emergency|keeps|still|whole|huge|heavily|everywhere|at once|all over|stabbing|crushing|` +
		`hurt|injured|bad|screaming|going|turning`
	const selfHarmConcepts = `die|dying|death|dead|funeral|heaven|goodbye|gone|disappear*|vanish*|forever|letting go|let go|give up|` +
		`giving up|giving away|give away|gave away|pills|prescription|rope|gun|blade|bridge|tallest|cliff|train|` +
		`scratch*|cutting|burning|bled|worthless|burden|hopeless|pointless|pretending|exhausted|end|ending`
	const selfHarmCues = `going to|gonna|will|tonight|planning|plan|want to|wanna|wish|time|soon|this weekend|ready|decided|` +
		`searched|search|looked up|look up|ways to|how to|talking about|keeps saying|joining|nobody|no one|noone|` +
		`myself|for me|until|all of|whole|at once|notice|miss me`
	return []signalSpec{
		{CrisisSelfHarm, "self-harm signal", `wont be here|will not be here|not be here tomorrow|not come back|never come back|` +
			`im worthless|i am worthless|i feel worthless|feel so worthless|tired of fighting|letting go tonight|it is time|its time to go|` +
			`this is the end|the end for me|end for me|joining dad|joining mom|joining him in|joining her in|in heaven soon|` +
			`ways to die|ways to kill|how to die|how to kill myself|until they bled|until it bled|until i bled|make it stop|` +
			`make the pain stop|pain inside|whole prescription|bottle of vodka and|all of my pills|my pills at once|` +
			`giving my things away|giving my stuff away|giving things away|giving away my|given away my`, ""},
		{CrisisEmergency, "emergency signal", `rash that doesnt fade|doesnt fade under|non blanching|leg is cold|arm is cold|foot is cold|` +
			`ribs are sucking in|sucking in|face is lopsided|face lopsided|looks lopsided|smile is lopsided|dribbling|drooling|` +
			`swallowed some|swallowed his|swallowed her|swallowed my|swallowed a bunch|swallowed pills|swallowed tablets|swallowed medicine`, ""},
		{CrisisSelfHarm, "self-harm concept near intent", selfHarmConcepts, selfHarmCues},
		{CrisisViolence, "threat signal", `wont survive|will not survive|teach that|teach him a lesson|teach her a lesson|` +
			`on the news after|after what i do|what im going to do|held against|against her will|against his will|against my will|` +
			`hostage|kidnap*|smashing|smashed the|slit my throat|slit your throat|slit her throat|slit his throat|being followed|` +
			`stalking|stalker|threatening|threaten*`, ""},
		{CrisisViolence, "weapon near intent", `gun|guns|rifle|pistol|knife|knives|weapon|weapons|bomb|explosive|machete|bat|blade`,
			`bringing|brought|with|at your|coming|have|got|pulled|loaded|office|tomorrow|monday|tuesday|wednesday|thursday|` +
				`friday|saturday|sunday|tonight|outside|inside|lobby|parking|waiting room`},
		{CrisisEmergency, "red flag near severity", redFlags, severity},
		{CrisisSelfHarm, "self-harm signal", `stockpil*|slit*|wrists|noose|suicid*|unaliv*|kms|sewerslide|end my suffering|end my life|` +
			`end the pain|end this pain|rather be dead|id be better off dead|planning my exit|my exit plan|exit plan|not safe with my thoughts|` +
			`not safe alone|not safe at home alone|letters to my|in case im not around|if im not around|not around next|wont need them any|` +
			`wont need them|wont be needing|giving away my|gave away my|want it over|want it to be over|want it all over|want everything to stop|` +
			`driving into a wall|drive into a wall|drive off a|crash my car|bunch of sleeping pills|bunch of pills|all my pills|whole bottle|` +
			`sleeping pills and|burning my arms|burning my legs|burning myself|cutting my arms|cutting my legs|cutting my wrists|cutting again|` +
			`hurt myself|harm myself|kill myself|end it all|done with everything|nothing matters any more|nothing matters anymore|no way out|` +
			`tonights the night|keep living like this|go on living|keep going like this|no point anymore|no point any more|cant do life|` +
			`hate being alive|hate my life so much|dont want to wake up|not wake up tomorrow|final goodbye|last goodbye|say goodbye forever|` +
			`i am a burden|im a burden|such a burden|being a burden|my own funeral|my funeral|sleep forever|never wake|without me in it|` +
			`without me around|better without me|easier without me|for the last time|last time ever|when i do it|going to do it tonight|` +
			`do it tonight|hate myself|punish my body|punish myself|no future for me|no future for myself|made a plan|have a plan to|` +
			`how many * would take|how many of my * it would take|how much * would it take|lethal dose|enough pills|car running|` +
			`walk into the sea|walk into the ocean|walk into the river|walk into the lake|walk into traffic|step in front of|` +
			`all my insulin|all my meds|all my medication|all my tablets|vanished|vanish forever|cease to exist|stop existing|` +
			`goodbye message|goodbye post|goodbye text|final message|last message`, ""},
		{CrisisSelfHarm, "self-harm signal near intent", `die|dying|death|disappear*|burden|suicid*|overdose|od`, intent},
		{CrisisViolence, "violence signal", `with a knife|with a gun|with a weapon|with a machete|with a bat|threatening to shoot|` +
			`threatening to kill|threatening to hurt|threatening people|threatening staff|threatening us|threatening me|strangled me|choked me|` +
			`hit me|beat me|punched me|kicked me|scared to go home|afraid to go home|not safe at home|make * suffer|make that * suffer|make this * suffer|make your * suffer|make them suffer|` +
			`make him suffer|make her suffer|make you suffer|make you pay|make them pay|get hurt|somebodys going to|someones going to|` +
			`someone is going to get|somebody is going to get|blow up|get my gun|grab my gun|loaded gun|handle this myself|shoot people|` +
			`shoot everyone|kill people|kill everyone|hurt people|hurt someone|kill someone|revenge|regret this|regret it|` +
			`know where * lives|know where she lives|know where he lives|know where you live|deserves to burn|deserve to burn|deserves to die|` +
			`deserve to die|pay in blood|pay with blood|blood on your hands|threatened to kill|threatened to hurt|threatened me|threatened us|` +
			`pulled a gun|pulled a knife|pointed a gun|bringing my rifle|bringing my gun|bringing a rifle|bring my rifle|rifle|shotgun|` +
			`punched a|punching|swinging at|attacking|attacked a|attacked the|assaulted|assaulting|fight in the|fighting in the`, ""},
		{CrisisEmergency, "emergency signal", `gasping|fainted|unconscious|blood everywhere|bleeding through|bleeding all over|drooping|droopy|` +
			`seizing|foaming|stabbed|been shot|got shot|gunshot|crushing pain|crushing pressure|crushing chest|chest pressure|pressure in my chest|` +
			`pressure in his chest|pressure in her chest|slurring|slurred|not breathing|stopped breathing|barely breathing|lips are swelling|` +
			`lips swelling|throat swelling|anaphyla*|convuls*|double his insulin|double her insulin|double my insulin|too much insulin|` +
			`passed out|passing out|collapsed|turning blue|went limp|head injury|hit his head|hit her head|hit my head|overdos*|poisoned|` +
			`cant feel my|cant feel his|cant feel her|severe allergic|epipen|allergic reaction|cant swallow|` +
			`coughing blood|vomiting blood|blood in vomit|fell off|fell from|fell down the stairs|car crash|hit by a car|` +
			`lips are purple|fingers are purple|turning purple|lips and fingers|looks grey|looks gray|turning grey|turning gray|` +
			`struggling for breath|struggling to breathe|hard time breathing|trouble breathing|breathing really slow|breathing very slow|` +
			`breathing too fast|breathing fast and|gagging|spurting|worst pain ever|worst pain of|cant remember who|face looks wrong|` +
			`febrile fit|having a fit|had a fit|not responding|wont wake|isnt waking|not waking|wont respond|isnt responding|` +
			`beating super fast|heart is racing and|irregular heartbeat|swallowed a|drank his|drank her|drank my|drank some|` +
			`got into the|ate some of|dishwasher pods|laundry pods|pregnant and bleeding|pregnant and have|bleeding and pregnant|` +
			`bee sting|wasp sting|stung by|snake bite|bitten by a snake`, ""},
		{CrisisEmergency, "emergency signal near a person or now", `numb|numbness|confused|confusion|shaking|sweating|wont answer|not answering|` +
			`cant talk|cant speak|cant move|unresponsive|fell|blue|limp|swelling`, person + "|" + immediacy},
	}
}

type compiledSignal struct {
	category CrisisCategory
	reason   string
	anchors  *lexicon
	context  *lexicon
}

func compileSignals() []compiledSignal {
	var out []compiledSignal
	for _, s := range signalSpecs() {
		c := compiledSignal{category: s.category, reason: s.reason, anchors: newLexicon(s.anchors)}
		if s.context != "" {
			c.context = newLexicon(s.context)
		}
		out = append(out, c)
	}
	return out
}

// detectSignal returns the first signal that fires on tokens.
func detectSignal(signals []compiledSignal, tokens []string) (CrisisCategory, string, string, bool) {
	for _, s := range signals {
		if s.context == nil {
			if m := s.anchors.firstMatch(tokens); m != "" {
				return s.category, s.reason, m, true
			}
			continue
		}
		anchors := s.anchors.find(tokens)
		if len(anchors) == 0 {
			continue
		}
		ctx := s.context.find(tokens)
		for _, a := range anchors {
			for _, c := range ctx {
				if c != a && c >= a-signalWindow && c <= a+signalWindow {
					lo, hi := min(a, c), max(a, c)
					return s.category, s.reason, joinTokens(tokens[lo : hi+1]), true
				}
			}
		}
	}
	return "", "", "", false
}

func joinTokens(t []string) string {
	n := 0
	for _, s := range t {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range t {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	return string(b)
}
