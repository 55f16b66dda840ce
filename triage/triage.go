package triage

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/jonreiter/govader"

	"github.com/rapport-health/rapport"
)

// Intent is what the author of an item wants.
type Intent string

// Intents, in the order they are decided (see Triager.Triage).
const (
	IntentCrisis             Intent = "crisis"
	IntentSpam               Intent = "spam"
	IntentComplaint          Intent = "complaint"
	IntentAppointmentRequest Intent = "appointment_request"
	IntentBillingRequest     Intent = "billing_request"
	IntentMedicalQuestion    Intent = "medical_question"
	IntentQuestion           Intent = "question"
	IntentPraise             Intent = "praise"
	IntentOther              Intent = "other"
)

// Intents lists every intent, for validation and for the dashboard.
func Intents() []Intent {
	return []Intent{IntentCrisis, IntentSpam, IntentComplaint, IntentAppointmentRequest,
		IntentBillingRequest, IntentMedicalQuestion, IntentQuestion, IntentPraise, IntentOther}
}

// Urgency orders items in a queue. The zero value is not a valid urgency.
type Urgency int

// Urgencies, from least to most urgent.
const (
	UrgencyLow Urgency = iota + 1
	UrgencyNormal
	UrgencyHigh
	UrgencyCritical
)

func (u Urgency) String() string {
	switch u {
	case UrgencyLow:
		return "low"
	case UrgencyNormal:
		return "normal"
	case UrgencyHigh:
		return "high"
	case UrgencyCritical:
		return "critical"
	}
	return fmt.Sprintf("urgency(%d)", int(u))
}

// ParseUrgency parses "low", "normal", "high" or "critical".
func ParseUrgency(s string) (Urgency, error) {
	for u := UrgencyLow; u <= UrgencyCritical; u++ {
		if u.String() == s {
			return u, nil
		}
	}
	return 0, rapport.Errorf(rapport.EINVALID, "unknown urgency %q (want low, normal, high or critical)", s)
}

// MarshalText writes the urgency's name.
func (u Urgency) MarshalText() ([]byte, error) {
	if u < UrgencyLow || u > UrgencyCritical {
		return nil, rapport.Errorf(rapport.EINVALID, "invalid urgency %d", int(u))
	}
	return []byte(u.String()), nil
}

// UnmarshalText reads an urgency's name.
func (u *Urgency) UnmarshalText(b []byte) error {
	v, err := ParseUrgency(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// Input is what triage looks at: the fields of a rapport.SocialItem that
// matter, so that callers can triage text that is not (yet) an item.
type Input struct {
	Network      rapport.Network
	Kind         rapport.ItemKind
	AuthorID     string
	AuthorHandle string
	Text         string
	Rating       int // 1..5 for reviews, else 0
	Private      bool
}

// InputFrom takes the fields triage needs from an item.
func InputFrom(it rapport.SocialItem) Input {
	return Input{
		Network: it.Network, Kind: it.Kind, AuthorID: it.AuthorID, AuthorHandle: it.AuthorHandle,
		Text: it.Text, Rating: it.Rating, Private: it.Private,
	}
}

// Result is the outcome of triage.
type Result struct {
	Intent Intent
	// Sentiment is VADER's compound score, from -1 (most negative) to +1.
	Sentiment float64
	Urgency   Urgency
	// Crisis is true when the item must be escalated at once to the on-call
	// role with CrisisGuidance. CrisisCategory and CrisisReason say why;
	// CrisisMatch holds the normalised words that matched, for the on-call
	// reviewer (it is the author's own text: never log it).
	Crisis         bool
	CrisisCategory CrisisCategory
	CrisisReason   string
	CrisisMatch    string
}

// Triager classifies items. It is safe for concurrent use.
type Triager struct {
	crisis    *scorer
	sentiment *govader.SentimentIntensityAnalyzer
	cues      map[Intent]*lexicon
	escalate  *lexicon
	question  *regexp.Regexp
}

// intentLexicons are keyword families per intent, matched on normalised
// tokens (see lexicon for the syntax). Triage decides the order.
func intentLexicons() map[Intent]string {
	return map[Intent]string{
		IntentSpam: `click here|click now|click the link|link in bio|link in my bio|giveaway|crypto|bitcoin|btc|forex|followers|f4f|follow for follow|` +
			`hot singles|viagra|earn #|make money|get rich|guaranteed profit|guaranteed return*|# returns|seo services|win a free|claim your prize|` +
			`claim your reward|free iphone|gift card|investment opportunity|limited offer|act now|boost your page|boost your account|dm me for|bit ly`,
		IntentComplaint: `terrible|horrible|awful|worst|ridiculous|unacceptable|disgrace*|disgust*|appall*|rude*|dismissive|filthy|dirty|` +
			`frustrat*|disappoint*|upset|nightmare|incompeten*|useless|angry|furious|complain*|never coming back|not impressed|mess|inedible|` +
			`ignored|hung up|scratched|overcharged|nobody answers|nobody helps|nobody returned|nobody told|nobody checked|nobody cares|nobody care|` +
			`nobody apologi*|no one answers|no one helps|no one cares|treated like|poor communication|poor service|poor care|lawsuit|lawyer|` +
			`sue you|attorney|killing me|death trap|death of me|lose it|lose my mind|late and|still waiting|on hold|keeps crashing|been down|` +
			`doesnt work|wont let me|wrong dose|cancelled last minute|lost my|lost our|lost the|lost *`,
		IntentAppointmentRequest: `appointment|appointments|book|booking|schedule|scheduling|reschedule|availability|opening|openings|available slot|` +
			`earlier slot|slot|same day|consultation|see a doctor|see a specialist|see a dermatologist|see a cardiologist|see a pediatrician|see a physical therapist|see a surgeon|first visit|follow up visit|telehealth visit`,
		IntentBillingRequest: `bill|bills|billing|billed|charge|charged|charges|invoice|payment|pay my|insurance|insured|uninsured|claim|copay|co pay|` +
			`refund|itemized|itemised|statement|cost|costs|price|prices|financial assistance|charity care|medicare|medicaid|eob|hsa|fsa|collections|` +
			`deductible|pre authorization|pre authorisation|facility fee|overpayment|covered`,
		IntentMedicalQuestion: `fever|rash|side effect|side effects|medication|medicine|meds|dose|dosage|ibuprofen|tylenol|acetaminophen|antibiotic|` +
			`antibiotics|amoxicillin|incision|stitches|cough*|blood sugar|blood pressure|blood thinner|blood test|vaccine|vaccines|chemo|pain|swollen|` +
			`infected|infection|symptom|symptoms|mole|biopsy|ldl|cholesterol|heart rate|palpitations|melatonin|antidepressant|breastfeed*|tetanus|` +
			`concussion|x ray|c section|strep|headache|inhaler|allergy|allergic|shortness of breath|pregnan*|soreness|sore|itchy|bleeding|dizzy|` +
			`nausea|vomit*|diarrh*|insulin`,
		IntentPraise: `thank|thanks|thankful|grateful|amazing|wonderful|best|great|excellent|love|loved|lovely|kudos|shoutout|shout out|fantastic|` +
			`kind|kindness|5 stars|five stars|highly recommend|appreciate*|top notch|superb|outstanding|professional|delicious|saved my life|congrats|` +
			`perfect*|beautiful|killed it|to die for|could die for|incredibl*`,
	}
}

// escalationLexicon holds words that make a complaint urgent: legal or media
// action.
const escalationLexicon = `lawyer|lawsuit|attorney|sue|suing|legal action|news|reporter|press|media|viral|ombudsman|joint commission|report you|malpractice`

// New builds a Triager. It fails only if a built-in pattern does not compile,
// which the tests rule out.
func New() (*Triager, error) {
	cd, err := newScorer()
	if err != nil {
		return nil, err
	}
	t := &Triager{crisis: cd, sentiment: govader.NewSentimentIntensityAnalyzer()}
	t.cues = map[Intent]*lexicon{}
	for in, entries := range intentLexicons() {
		t.cues[in] = newLexicon(entries)
	}
	t.escalate = newLexicon(escalationLexicon)
	t.question, err = regexp.Compile(`^ (what|whats|where|wheres|when|who|whom|why|how|hows|is|are|do|does|did|can|could|will|would|should|may|any|anyone|am|which)\b`)
	if err != nil {
		return nil, fmt.Errorf("question cue: %w", err)
	}
	return t, nil
}

func (t *Triager) cue(in Intent, tokens []string) bool {
	return t.cues[in].match(tokens)
}

// Triage classifies one input. It never fails and never panics: any text,
// including empty or invalid UTF-8, yields a Result with a valid intent and
// urgency.
//
// Intent is decided in this order, the first that applies winning: crisis;
// spam; complaint (complaint words, a 1–2 star rating, or a clearly negative
// sentiment without another request); appointment request; billing request;
// medical question (medical words plus a question); question; praise (praise
// words, a 4–5 star rating, or a clearly positive sentiment); other.
//
// Urgency: critical for a crisis; high for a complaint that threatens legal
// or media action, has a 1-star rating or a compound sentiment of -0.6 or
// below, and for a private medical question; normal for other complaints,
// requests and questions; low for praise, spam and other.
func (t *Triager) Triage(in Input) Result {
	norm := normalize(in.Text)
	s := t.sentiment.PolarityScores(in.Text).Compound
	r := Result{Sentiment: s}

	tokens := strings.Fields(norm)
	d := t.crisis.detect(in.Text)
	if d.crisis {
		r.Intent, r.Urgency = IntentCrisis, UrgencyCritical
		r.Crisis, r.CrisisCategory, r.CrisisReason, r.CrisisMatch = true, d.category, d.reason, d.match
		return r
	}

	isQuestion := strings.Contains(in.Text, "?") || t.question.MatchString(norm)
	appointment := t.cue(IntentAppointmentRequest, tokens)
	billing := t.cue(IntentBillingRequest, tokens)
	medical := t.cue(IntentMedicalQuestion, tokens)
	praise := t.cue(IntentPraise, tokens)
	records := strings.Contains(norm, " record") || strings.Contains(norm, " records ")
	complaint := t.cue(IntentComplaint, tokens) ||
		(in.Rating >= 1 && in.Rating <= 2) ||
		(s <= -0.5 && !d.excluded && !appointment && !billing && !isQuestion && !praise)

	switch {
	case t.cue(IntentSpam, tokens):
		r.Intent = IntentSpam
	case complaint && !(praise && s > 0.3 && in.Rating != 1 && in.Rating != 2):
		r.Intent = IntentComplaint
	case appointment:
		r.Intent = IntentAppointmentRequest
	case billing:
		r.Intent = IntentBillingRequest
	case medical && isQuestion && !records:
		r.Intent = IntentMedicalQuestion
	case isQuestion:
		r.Intent = IntentQuestion
	case praise || in.Rating >= 4 || s >= 0.6:
		r.Intent = IntentPraise
	default:
		r.Intent = IntentOther
	}

	switch r.Intent {
	case IntentComplaint:
		r.Urgency = UrgencyNormal
		if in.Rating == 1 || (s <= -0.6 && !d.excluded) || t.escalate.match(tokens) {
			r.Urgency = UrgencyHigh
		}
	case IntentMedicalQuestion:
		r.Urgency = UrgencyNormal
		if in.Private {
			r.Urgency = UrgencyHigh
		}
	case IntentAppointmentRequest, IntentBillingRequest, IntentQuestion:
		r.Urgency = UrgencyNormal
	default:
		r.Urgency = UrgencyLow
	}
	return r
}
