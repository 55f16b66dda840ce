package triage

import "strings"

// concept is a set of concept classes, one bit each. The scorer tags every
// token position with the concepts whose phrases start there and scores
// their co-occurrence (see scorer).
type concept uint64

const (
	cDeath         concept = 1 << iota // dying, death, suicide, "end it", "not be here", "sleep forever"
	cMethod                            // means of self-harm: pills, rope, razor, bridge, "car running"
	cFarewell                          // goodbye, a note, "sorry for everything", giving things away
	cHopeless                          // burden, no point, worthless, "cant go on", no way out
	cDesire                            // want, wish, "thinking about", quiero
	cIntent                            // going to, will, plan, decided, ready, "made up my mind"
	cTime                              // tonight, tomorrow, this time, again, right now, a weekday
	cFirst                             // the author: i, im, me, my, myself
	cRelative                          // a relative or companion: my mom, he, she, my friend
	cUnreach                           // "wont answer", "phone is off", "isnt picking up", "locked herself in"
	cSymptomStrong                     // an emergency on its own: not breathing, seizure, collapsed, overdose
	cSymptom                           // a red-flag body word: chest, numb, slurred, swelling, vomiting, blood
	cSeverity                          // cant, barely, wont stop, suddenly, heavily, worst, help, now
	cIngest                            // swallowed, ate, drank, took, got into
	cSubstance                         // battery, bleach, pills, tablets, fentanyl, "too much", "30 of"
	cInjury                            // fell, hit his head, electrocuted, crash, cut
	cViolentAct                        // kill, stab, shoot, burn down, beat, "body bag", matar
	cWeapon                            // gun, knife, bat, bomb, armed
	cTarget                            // staff and people: doctor, nurse, receptionist, everyone, you
	cThreat                            // veiled threats: "see what happens", "regret it", "mark my words"
	cAbuse                             // hitting my mom, beating his wife, choked me
	cMeta                              // talk about a topic, not an event: awareness, prevention, news, class, study
	cPast                              // survived, years ago, last year, recovery, sober
	cJoke                              // lol, lmao, haha, 😂 💀
	cReassure                          // no pain, no other symptoms, is fine, doing better
	cHypothetical                      // general questions: "what are the signs", "is it normal", "what should i do if"
	cResearch                          // looking means up: "looked up", "how many", "lethal", "ways to"
	cPlace                             // a place to jump or drown from: bridge, ledge, roof, platform, tracks
	cPresence                          // being somewhere: "im at", "standing on", "sitting on"
	cMethodStrong                      // a means with hardly another use: noose, exhaust hose, a whole bottle of pills
	cConcern                           // someone worried: "check on", "worried about", "can someone"
	cResolve                           // a decision taken: "made my decision", "made up my mind", "at peace with it"
	cAssault                           // violence happening: hitting, strangling, being punched
	cFarewellWeak                      // goodbye, "love you all", "thanks for everything": a farewell only with more
	cBodyPart                          // chest, lips, face, head: a red flag only with a sign
	cViolenceNow                       // violence under way whoever the target: shots fired, waving a machete
	cMedicine                          // a medicine, dangerous in quantity
	cAmount                            // a number of 10 or more
)

// conceptLexicons lists, per concept, lexicon entries (see lexicon for the
// syntax: '|' separates entries, '*' ends a prefix, '#' is a number). A
// phrase tags the position of its first word.
func conceptLexicons() map[concept]string {
	return map[concept]string{
		cDeath: `die|dying|dead|death|suicide|suicidal|suicid*|unalive*|kill myself|killing myself|kill herself|kill himself|` +
			`kill themselves|end it|end it all|end things|ending it|ending things|end my life|end this|end everything|` +
			`not be here|not be around|wasnt around|wasnt here|werent here|was gone|were gone|when im gone|im gone|` +
			`be gone|sleep forever|go to sleep forever|never wake|not wake up|stop breathing|stopped breathing|` +
			`not be alive|not being alive|being alive|wont be alive|to be over|be over|it all to end|it to end|all to end|` +
			`let it all go|go quiet forever|gone forever|alive next|stay alive|to live|want to live|wanna live|living like this|keep living|` +
			`disappear|disappear forever|vanish|cease to exist|grave|coffin|funeral|hang myself|hang herself|hang himself|` +
			`drown myself|cut myself|hurt myself|harm myself|self harm*|self harming|last time anyone|last post|` +
			`out of the picture|removing the problem|remove myself|other side|found a way out|morir*|` +
			`only thing stopping me|nothing stopping me|nothing keeping me|` +
			`sick of waking up|tired of waking up|hate waking up|close my eyes and never|never open them|never open my eyes|` +
			`desaparecer|para siempre|dejar de existir|no despertar|not here by|if im not here|im not here|when im not here|i wont be here|be free of|free of all this|` +
			`go black|go dark|stay that way|fade away|lights out|eternal sleep|rest forever|` +
			`morir|muera|muerto|muerta|matarme|suicidarme|vivir|viviendo|me voy a matar|me quiero morir|quiero morir`,
		cMethod: `scars|deeper|go deeper|cut deeper|tylenol|paracetamol|acetaminophen|ibuprofen|xanax|insulin|oxy*|opioid*|fentanyl|heroin|` +
			`driving off|drive off|jump off|jumping off|step in front|stepping in front|pills|pill|tablets|sleeping pills|painkillers|antidepressants|medicine cabinet|meds|overdose|rope|noose|razor|` +
			`razors|blade|blades|knife|wrist|wrists|cutting|cut|bridge|overpass|ledge|roof|rooftop|edge|platform|train|tracks|` +
			`traffic|cliff|car running|garage|gun|shotgun|pistol|drown|lake|river|jump|jumping|hang|hanging|poison|bleach|` +
			`pastillas|puente`,
		cFarewell: `dont wait up|or ever|wrote my will|write my will|writing my will|my last birthday|last birthday|` +
			`last christmas|see you on the other side|see you on the other|on the other side|my last night|my last day|thanks for the memories|nice knowing|it was nice knowing|remember me|` +
			`dont forget me|please forgive me|forgive me|written everyone|wrote everyone|letter to everyone|` +
			`letters to everyone|a letter for everyone|goodbye note|goodbye letter|goodbye message|final goodbye|my note|a note|suicide note|letters for|` +
			`letters to|wrote letters|wrote my note|night everyone|goodnight everyone|goodnight world|bye everyone|` +
			`goodbye everyone|goodbye world|despedida|carta de despedida|me despido|sorry for everything|sorry everyone|` +
			`tell my kids|tell my family|tell my mom|tell my mum|tell my wife|tell my husband|take care of my|` +
			`last post|my last post|final post|final message|last message|gave away my|giving away my|giving my stuff|` +
			`giving my things|gave my|deleted all my|deleted my accounts|when im gone|dont be sad|last time anyone|adios a todos`,
		cFarewellWeak: `im sorry im like this|sorry im like this|sorry for being|goodbye|goodbyes|farewell|see you all|sorry mom|sorry mum|sorry dad|love you all|i love you all|` +
			`thanks for everything|thank you for everything|gave away|giving away|give away|adios`,
		cHopeless: `go on like this|live like this|go on living|keep going like this|out of the picture|be relieved|relieved once|out of their way|im the problem|removing the problem|` +
			`remove myself|removing myself|done fighting|stop fighting|cant fight|everything hurts|cant be saved|beyond saving|beyond help|tired of people trying|im tired of|only thing stopping me|` +
			`nothing stopping me|nothing keeping me|nothing left|nothing to live for|reason to stay|reasons to stay|` +
			`sick of waking up|tired of waking up|hate waking up|sick of living|sick of being alive|burden|a burden|no point|pointless|worthless|waste of space|hopeless|no way out|no way through|` +
			`cant go on|cant take it|cant take this|cant do this|cant keep|cant cope|cant anymore|done with everything|` +
			`done with life|so done with everything|im finished|im done|tired of being|tired of living|tired of life|` +
			`better off without|better without me|happier if i|happier without|nobody would|no one would|nobody will|` +
			`nobody cares|no one cares|nobody even|hate myself|hate my life|want the pain to stop|pain to stop|make it stop|` +
			`give up on life|giving up on life|no reason to|no future|keep pretending|pretending im ok|pretending to be ok|` +
			`a problem for|problem for anyone|world is better|world would be better|everyone would be better|` +
			`people like me|someone like me|im so tired|so tired of|exhausted of|much longer|any longer|` +
			`dont see myself|cant see myself|cant see a way|dont see a way|see a way through|stop trying|` +
			`fine without|better without|without their mum|without their mom|without their dad|without me|deserve to|` +
			`ya no aguanto|no aguanto|no puedo mas|` +
			`ya no quiero|no quiero seguir|no quiero vivir`,
		cDesire: `ganas de|tengo ganas|think about|i think about|imagining|imagine|fantasize|fantasise|dream about|want|wanted|wants|want to|wish|wishing|thinking about|thinking of|keep thinking|cant stop thinking|` +
			`thought about|rather|quiero|quiere|longing|looking at`,
		cIntent: `showing up with|show up with|coming in with|coming to|im coming|on my way|hell|shell|theyll|made my decision|going to|gonna|will|ill|im going to|about to|plan|plans|planning|planned|decided|ready|made up my mind|` +
			`mind is made up|mean it|i mean it|saving up|saved up|stockpil*|looked up|searched|searching for|how many|how much|` +
			`try again|tried to|standing at|standing on|sitting on|sitting in|at the edge|on the edge|voy a|me voy|enough pills|have the|got the|is up|in front of me|in my hand|holding`,
		cTime: `tonight|today|tomorrow|next week|next year|next month|for an hour|for hours|this weekend|this time|again|right now|now|soon|sunday|monday|tuesday|wednesday|` +
			`thursday|friday|saturday|after my shift|next time|hoy|esta noche|manana`,
		cFirst: `i|im|ive|id|ill|me|my|myself|mine|yo|me`,
		cRelative: `bebe|roommate|himself|herself|themselves|mom|mum|mother|mama|dad|father|papa|son|daughter|brother|sister|husband|wife|partner|boyfriend|` +
			`girlfriend|friend|best friend|mate|roommate|grandma|grandmother|grandpa|grandfather|uncle|aunt|cousin|` +
			`baby|toddler|kid|child|teen|he|she|hes|shes|him|her|his|hijo|hija|padre|madre|abuela|abuelo|esposo|esposa`,
		cUnreach: `hasnt come out|havent heard from|not heard from|now nothing|no reply|not replying|gone quiet|wont answer|not answering|isnt answering|isnt picking up|not picking up|wont pick up|phone is off|` +
			`phone off|locked herself|locked himself|locked themselves|cant reach|cant find her|cant find him|` +
			`no answer|not responding to|left a voicemail`,
		cSymptomStrong: `talking gibberish|speaking gibberish|gibberish|no reacciona|no despierta|about to black out|about to pass out|going to pass out|blacking out|black out|` +
			`no puedo respirar|me duele el pecho|duele el pecho|baby is coming|head is coming out|crowning|` +
			`giving birth|in labor|in labour|pumping blood|blood is pumping|blood pumping|not breathing|isnt breathing|stopped breathing|barely breathing|cant breathe|struggling to breathe|` +
			`cant catch my breath|cant catch his breath|cant catch her breath|trouble breathing|hard to breathe|` +
			`unconscious|barely conscious|unresponsive|collapsed|passed out|fainted|seizure|seizing|convuls*|choking|` +
			`turning blue|went blue|turned blue|going blue|overdose|overdosed|overdosing|anaphyla*|heart attack|stroke|cardiac arrest|` +
			`wont wake|cant wake|not waking|wont respond|not responding|not moving|isnt moving|slumped|slumped over|waters broke|water broke|dolor de pecho|dolor en el pecho|not making sense|stopped moving|drowning|is drowning|smoke coming|theres smoke|smoke everywhere|` +
			`flames|on fire|stiff neck|neck is stiff|light hurts|` +
			`throat is closing|throat closing|throat tight|throat swelling|spurting|gushing|pouring|vomiting blood|` +
			`coughing blood|throwing up blood|bleeding heavily|heavy bleeding|bleeding a lot|wont stop bleeding|` +
			`cant feel his legs|cant feel her legs|cant feel my legs|cant move|cant lift|electrocuted|` +
			`no puede respirar|no respira|inconsciente|no responde|convulsion*|se desmayo|desmayo`,
		cSymptom: `went dead|tingling|getting big|getting bigger|swelling up|puffy|stung|sting|fiebre|jumbled|whistling|grunting|stridor|pulling in|sucking in|breathes|breathed|racing|pounding|#bpm|bpm|` +
			`cant get up|cant stand|unable to stand|looks wrong|bent the wrong way|wrong angle|bone sticking out|breathe|breathing|breath|wheez*|gasp*|speech|slur*|garbled|droop*|numb|numbness|confused|confusion|` +
			`dizzy|pale|grey|gray|blue|purple|clammy|sweaty|sweating|shaking|vomiting|throwing up|blood|bleeding|` +
			`swelling|swollen|hives|rash|fever|temp|pulse|headache|crooked|sunken|soft spot|wet nappy|wet diaper|` +
			`wont feed|not feeding|nosebleed|warfarin|blood thinners|sudando|sudor|sleepy|drowsy|limp|floppy|dusky|stiff|` +
			`weird|strangely|allergic|allergic reaction|asthma|inhaler|pregnant|weeks pregnant|months pregnant|snoring|` +
			`weak|elephant|pressure|tight|pain|hurts|hurt|hurting|aching|ache|dolor|sangre|respirar|not waking properly|conscious`,
		cBodyPart: `chest|lips|throat|tongue|face|jaw|left arm|arm|arms|words|mouth|heart|head|neck|ear|eye|eyes|vision|` +
			`legs|leg|stomach|belly|tummy|sugar|blood sugar|pecho|cabeza|side`,
		cSeverity: `gone|went|muy alta|month old|months old|week old|weeks old|newborn|infant|a lot of|lots of|muy|fuerte|muy fuerte|over an hour|for over|cant|barely|wont stop|doesnt stop|wont|isnt|not|suddenly|sudden|out of nowhere|heavily|heavy|worst|` +
			`super|really|very|so|all over|everywhere|keeps|help|please|emergency|now|right now|just|started|min ago|` +
			`minutes ago|mins ago|hours ago|all morning|been|its been|like|huge|high|way too|too much|double|narcan|` +
			`ambulance|911|ayuda|urgente`,
		cIngest: `swallowed|swallow|ate|eaten|drank|drunk|took|taken|got into|ingested|se trago|trago|tomo`,
		cSubstance: `battery|button battery|batteries|bleach|detergent|pods|dishwasher tablets|dishwasher pods|` +
			`laundry pods|magnets|magnet|coin|drain cleaner|antifreeze|poison|something|fentanyl|heroin|cloro|` +
			`way too much|too much|too many|a lot of|a load of|a bunch of|bunch of|handful|# of|all of|double|whole|` +
			`what was left|rest of my|the rest of`,
		cMedicine: `tablets|pills|meds|medicine|medication|prescription|xanax|oxy*|opioid*|paracetamol|tylenol|` +
			`acetaminophen|ibuprofen|advil|insulin|antidepressants|heart pills|sleeping pills|pastillas`,
		cInjury: `fell|fallen|fall|hit his head|hit her head|hit my head|hit their head|hit his|crash|crashed|electrocuted|` +
			`cut|burned|burnt|stabbed|shot|run over|hit by`,
		cViolentAct: `quemar|incendiar|break his|break her|break your|break their|smash|bash|torch|set fire|set it on fire|tiro|` +
			`dar un tiro|pegar un tiro|balazo|apunalar|swinging|swung|swing at|throwing|threw|punch|punching|punched|attack|attacking|kill|killing|murder|stab|stabbing|shoot|shooting|shot|burn down|burn it down|burn that|blow up|` +
			`beat|beating|hurt|hurting|choke|choked|strangle*|body bag|in the ground|finish it|finish him|finish her|` +
			`matar|mato|lastimar|getting hurt|get hurt`,
		cWeapon: `my ar|an ar|ar 15|ar15|ak 47|ak47|glock|glocks|gun|guns|pistol|shotgun|rifle|knife|knives|bat|machete|bomb|armed|weapon|weapons|explosive*|pistola|cuchillo`,
		cTarget: `office|billing office|pharmacist|pharmacy|reception|ward|te|doctor|doctors|nurse|nurses|staff|receptionist|front desk|surgeon|security guard|guard|clinic|hospital|` +
			`billing dept|billing department|everyone|everybody|people|you people|you all|yall|them|him|her|you|your|` +
			`me|us|my mom|my mother|my wife|his wife|my kids|my daughter|my son|a guy|someone|lady|ese|esa|mi hija|mi hijo`,
		cThreat: `coming for|hit list|list of names|watch what happens|what happens to your|you will see|youll see|` +
			`just wait|wait and see|va a pagar|vas a pagar|me las va a pagar|lo voy a buscar|te voy a buscar|voy a buscar|see what happens|find out what happens|watch herself|watch himself|watch yourself|` +
			`watch your back|better watch|regret|regret it|mark my words|whats coming|what is coming|deserve what|` +
			`know what car|know where|when her shift ends|when his shift ends|after her shift|after his shift|` +
			`somebodys getting|someones getting|threatening|threatened|threaten|make everyone|make them pay|` +
			`make you pay|pay for this|vuelve a`,
		cAbuse: `locked in the basement|has her locked|has him locked|locked her in|locked him in|keeping her locked|` +
			`held captive|youre dead if|you are dead if|your dead if|im dead if|dead if i|te voy a matar|te mato|hitting my|hitting me|beating my|beating me|beating his|beating her|choked me|choking me|hit me|` +
			`hits me|strangled me|hurting me|is hitting|is beating|kill me|kill us|shoot me|stab me|` +
			`banging on the door|threatening my|threatening me|threatening to`,
		cMeta: `crisis line|crisis lines|helpline|help line|number for|awareness|prevention|awareness month|walk for|walk to raise|the walk|charity walk|training|class|classes|` +
			`course|drill|study|studies|news about|the news about|in the news|news report|news story|breaking news|podcast|` +
			`documentary|film|movie|episode|project|paper|poster|fundraising|fundraiser|association|program|programme|` +
			`forum|event|campaign|lifeline|hotline|988|statistics|stats|deaths|overdoses|county|research|article|` +
			`greys anatomy|tv|boss fight|fortnite|science fair|nursing school|exam|cert|choir|song|sang|true crime|` +
			`book club|novel|risk score|risk factor*|calculate|photos|support group|group|survivors|patients|` +
			`collection|museum|gun range|shooting range|range|hunting|remembering|in memory|memorial|lost to|vigil|learn how|learn to|teaching|teachers|lecture|talk on|talks`,
		cPast: `going home|finally going home|discharged|happy tears|so happy|survived|survivor|since my|since his|since her|years ago|year ago|years later|one year since|a year since|last year|last month|` +
			`in 20#|recovery|recovering|recovered|rehab|therapy|therapists|physio|sober|clean for|saved my life|` +
			`passed away|thank you|thanks to|grateful|forever grateful|helped me|doing great|doing better|` +
			`doing so much better|there is hope|theres hope`,
		cJoke: `lol|lmao|lmfao|haha*|hehe*|jk|just kidding|kidding|rofl|jaja*`,
		cReassure: `no pain|no other symptoms|is fine|but fine|seems fine|im fine|not suicidal|not an emergency|` +
			`mine stopped|just curious|curious|asking for|asking generally|want to be prepared|to be prepared|` +
			`want to dose right|normal|mild|a little`,
		cPlace: `bridge|overpass|ledge|roof|rooftop|edge|platform|train tracks|tracks|cliff|lake|river|sea|ocean|` +
			`motorway bridge|parking garage roof|top floor|balcony|puente`,
		cPresence: `im at|im on|i am at|i am on|at the|on the|standing|sitting|stood|climbed|up on|out on|estoy en`,
		cMethodStrong: `noose|exhaust|hose from the exhaust|carbon monoxide|car running|charcoal|slit|razor blade|` +
			`bottle of pills|bottle of tablets|whole bottle|all my pills|all my meds|strip of|bathtub filled|bath filled`,
		cConcern: `check on|checking on|worried about|worried for|scared for|im scared|so scared|can someone|` +
			`someone please|please someone|what do i do|what should i do|someone help`,
		cResolve: `found a way out|found a way|made my decision|made up my mind|my mind is made up|mind is made up|decision is made|ive decided|` +
			`i have decided|i decided|feel calm about|calm about it|at peace with it|at peace now|finally at peace|` +
			`know what i have to do|know what i need to do`,
		cAssault: `threw me|pushed me|shoved me|threw her|pushed her|shoved her|slammed me|slammed my head|` +
			`locked me in|wont let me leave|wont let me out|hitting|beating|strangling|choking her|choking him|stabbing|punching|attacking|kicking|slapping|` +
			`being punched|being hit|being beaten|being attacked|being stabbed|being choked|assaulting|assaulted|` +
			`attacked|punched|stabbed|strangled|shot at|dragging her|dragging him`,
		cViolenceNow: `shots fired|gunshots|gun shots|gunfire|heard shots|active shooter|someone has a gun|` +
			`has a knife|has a gun|waving a|pulled a|hostage|bomb threat|brawl|riot|disparos|balacera`,
		cResearch: `researching|highest|tallest|how high|how far|looked up|look up|searched|searching|googled|google|how many|how much|lethal|ways to|how to`,
		cHypothetical: `allowed|permitted|is it dangerous|is it safe|is it bad|can a|could a|can an|does a|asking bc|asking because|asking for a friend|what are the signs|signs of|what should i do if|what do you do if|how do i know|is it normal|` +
			`how long does|can i|can you|can we|should we|should she|should he|should i|do you|does the|is the|` +
			`how do i|what is|whats|what are|where is|are seizures|how to`,
	}
}

// figurativeLexicon lists hyperbole and idioms whose words are removed
// before any concept or pattern is matched: "this wait is killing me",
// "I could die for your cookies", "dying to try it", "the wifi is dead".
// Each entry is specific on purpose; "killing me" about a wait, a queue or
// a price is far more common on a hospital's feed than abuse phrased so.
func figurativeLexicon() string {
	return `killing me|kill me now|end me|to die for|die for|kill for|would kill for|could kill for|` +
		`dying to|dying of|die of embarrassment|dying in here|im dying in here|i was dying|was dying laughing|dying laughing|` +
		`im dead lol|dead lol|death of me|be the death|death trap|could kill|killer|killed it|dead tired|` +
		`is dead again|wifi is dead|battery is dead|phone is dead|phone died|battery died|rip my|lose my mind|losing my mind|` +
		`heart sank|bleeding money|drowning in paperwork|drowning in bills|drowning in medical bills|drowning in debt|drowning in work|` +
		`drowning in emails|wants me dead|want me dead|give me a heart attack|gave me a heart attack|giving me a heart attack|` +
		`heart attack risk|stroke risk|killed me like|me muero de|se murio de risa|murio de risa|me esta matando|` +
		`esta matando|rather die than|id rather die than|overworked to death|bored to death|scared to death|` +
		`worked to death|laughing so hard|cant breathe laughing|cry laughing|look that could kill|killing time|` +
		`killing it|` +
		`a shot|flu shot|booster shot|cutting my hair|hair cut|haircut|jumping for joy|jump for joy|` +
		`hanging on the line|hanging on|hang on|goodbye party|dead end|deadline|stroke unit|stroke team|stroke ward|stroke center|stroke centre|basically poison|is poison|like poison|pure poison|to death|a killing|dying for|political suicide|career suicide|social suicide|` +
		`drop dead|drop dead gorgeous|is a bomb|the bomb|da bomb|bombed|` +
		`almost had a heart attack|nearly had a heart attack|nearly passed out|almost passed out|from boredom|` +
		`laughing so hard i cant breathe|so hard i cant breathe|knife skills|under the knife|` +
		`blood pressure|blood test|blood tests|blood work|bloodwork|blood drive|donate blood|blood donation`
}

// tagEntry is one phrase of a concept lexicon.
type tagEntry struct {
	words []string
	c     concept
}

// tagger finds concept phrases in tokens, like lexicon but carrying each
// phrase's concept and supporting several concepts per position.
type tagger struct {
	byFirst  map[string][]tagEntry
	wildcard []tagEntry
}

func newTagger(lexicons map[concept]string) *tagger {
	t := &tagger{byFirst: map[string][]tagEntry{}}
	for c, entries := range lexicons {
		for e := range strings.SplitSeq(entries, "|") {
			words := strings.Fields(normalizeEntry(e))
			if len(words) == 0 {
				continue
			}
			te := tagEntry{words, c}
			if first := words[0]; first == "#" || strings.HasSuffix(first, "*") {
				t.wildcard = append(t.wildcard, te)
			} else {
				t.byFirst[first] = append(t.byFirst[first], te)
			}
		}
	}
	return t
}

// tagAt returns the concepts whose phrases start at tokens[i], and the
// length of the longest such phrase.
func (t *tagger) tagAt(tokens []string, i int) (concept, int) {
	var c concept
	n := 0
	for _, e := range t.byFirst[tokens[i]] {
		if phraseAt(e.words, tokens, i) {
			c |= e.c
			n = max(n, len(e.words))
		}
	}
	for _, e := range t.wildcard {
		if phraseAt(e.words, tokens, i) {
			c |= e.c
			n = max(n, len(e.words))
		}
	}
	return c, n
}
