package compliance

import (
	"regexp"
	"strings"
	"unicode"
)

// Intent is what an inbound reply asks for.
type Intent int

// The intents of an inbound reply.
const (
	IntentNone   Intent = iota // an ordinary reply
	IntentOptOut               // revoke consent for the channel (STOP…)
	IntentOptIn                // re-subscribe (START, UNSTOP)
	IntentHelp                 // ask for help (HELP, INFO)
)

func (i Intent) String() string {
	return [...]string{"none", "opt_out", "opt_in", "help"}[i]
}

// Classification is the outcome of Classify.
type Classification struct {
	Intent Intent
	// Match is the normalised keyword or phrase that decided, for audit
	// evidence ("stop", "no more texts").
	Match string
	// Spanish is set when the match was a Spanish keyword or phrase, so the
	// confirmation can be sent in Spanish.
	Spanish bool
}

// Keywords. A message (or one sentence of it) made only of a keyword and
// filler words is a command: "STOP", "stop please", "Opt-out", "S T O P",
// "Unsubscribe me". Twilio and the CTIA handbook use the same keyword sets.
var (
	optOutWords = map[string]bool{
		"stop": true, "stopall": true, "unsubscribe": true, "unsub": true, "cancel": true, "end": true,
		"quit": true, "revoke": true, "optout": true,
	}
	optOutWordsES = map[string]bool{"baja": true, "alto": true, "parar": true, "pare": true, "cancelar": true, "detener": true}
	optInWords    = map[string]bool{"start": true, "unstop": true}
	optInWordsES  = map[string]bool{"comenzar": true, "iniciar": true}
	helpWords     = map[string]bool{"help": true, "info": true}
	helpWordsES   = map[string]bool{"ayuda": true}
	// Words that are strong enough anywhere in a message.
	anywhereOptOut = map[string]bool{"unsubscribe": true, "stopall": true, "optout": true, "revoke": true}
	fillers        = map[string]bool{
		"please": true, "pls": true, "plz": true, "me": true, "now": true, "thanks": true, "thank": true,
		"you": true, "thx": true, "ok": true, "okay": true, "all": true, "it": true, "text": true, "texts": true,
		"message": true, "messages": true, "msg": true, "msgs": true, "sms": true, "email": true, "emails": true,
		"this": true, "these": true, "list": true, "i": true, "want": true, "to": true, "would": true,
		"like": true, "id": true, "just": true, "yes": true, "immediately": true, "asap": true,
		"por": true, "favor": true, "gracias": true, "ya": true, "de": true, "mensajes": true, "quiero": true,
		"darme": true, "dar": true,
	}
)

// Natural-language revocations, matched on the normalised text (lower case,
// accents removed, apostrophes dropped, other punctuation as spaces).
var (
	contactNoun = `(texts?|texting|txts?|txting|messages?|messaging|msgs?|msging|emails?|emailing|contacting|calling|calls|sms|notifications?|reminders?|alerts?)`
	phrasesEN   = regexp.MustCompile(`\b(stop|quit|cease|end|discontinue|halt) ((sending|sending me|all|the|these|those|your|any|with the|receiving|getting) )*` + contactNoun + `\b` +
		`|\b(dont|do not|never|please dont|please do not) (ever )?(text|txt|message|msg|email|contact|call|send|sms)( me| us| anything| any| this)\b` +
		`|\b(remove|take|delete|unenroll|opt) me (off|from|out)\b|\bremove me\b|\btake me off\b` +
		`|\bno more ` + contactNoun + `\b` +
		`|\b(leave me alone|wrong number|wrong person|not interested|stop contacting|stop (receiving|getting))\b`)
	phrasesES = regexp.MustCompile(`\bno (mas |quiero (recibir )?(mas )?)(mensajes|textos|correos|sms|notificaciones|recordatorios)\b` +
		`|\bno me (envien|envie|envies|mande|manden|mandes|escriban|escriba|contacten|contacte|llamen|textee)\b` +
		`|\bdej(e|en|a) de (enviar|mandar|escribir|textear|contactar)` +
		`|\b(sacame|saquenme|quitenme|borrenme|eliminenme|darme de baja|dar de baja|denme de baja)\b`)
	negated = regexp.MustCompile(`\b(cant|cannot|can not|couldnt|wont|dont|didnt|never) $`)
)

// Classify decides what an inbound SMS or email reply asks for.
//
// It errs toward honouring revocations, because the FCC's 2024 order
// (FCC 24-24) requires revocation "by any reasonable means" to be honoured:
// a keyword alone in any casing, spacing or punctuation, a keyword sentence
// anywhere in the message ("Thanks. STOP"), "unsubscribe"/"opt out"
// anywhere, and common English and Spanish revocation phrases. It keeps
// obvious non-revocations out by never matching a bare "stop", "end" or
// "cancel" inside an ordinary sentence: "I can't stop coughing", "stop by?"
// and "cancel my appointment" are ordinary replies. An opt-out wins over
// an opt-in or help request in the same message.
func Classify(text string) Classification {
	norm := normalise(text)
	sentences := strings.FieldsFunc(norm, func(r rune) bool { return strings.ContainsRune(".!?;,:\n|", r) })
	var best Classification
	consider := func(c Classification) {
		if c.Intent == IntentNone {
			return
		}
		if best.Intent == IntentNone || c.Intent == IntentOptOut && best.Intent != IntentOptOut ||
			c.Intent == IntentOptIn && best.Intent == IntentHelp {
			best = c
		}
	}
	// The whole message with every non-letter removed: "S.T.O.P", "s t o p".
	consider(keyword(compact(norm)))
	for _, s := range sentences {
		toks := joinOptOut(strings.Fields(s))
		consider(keyword(strings.Join(toks, "")))
		consider(keywordSentence(toks))
	}
	if best.Intent == IntentOptOut {
		return best
	}
	flat := strings.Join(joinOptOut(strings.Fields(strings.Map(func(r rune) rune {
		if r == '\n' || unicode.IsPunct(r) || r == '|' {
			return ' '
		}
		return r
	}, norm))), " ")
	for _, t := range strings.Fields(flat) {
		if anywhereOptOut[t] {
			return Classification{Intent: IntentOptOut, Match: t}
		}
	}
	padded := " " + flat + " "
	for _, loc := range phrasesEN.FindAllStringIndex(padded, -1) {
		if negated.MatchString(padded[:loc[0]]) {
			continue
		}
		return Classification{Intent: IntentOptOut, Match: strings.TrimSpace(padded[loc[0]:loc[1]])}
	}
	if m := phrasesES.FindString(padded); m != "" {
		return Classification{Intent: IntentOptOut, Match: strings.TrimSpace(m), Spanish: true}
	}
	return best
}

// keyword classifies a single word.
func keyword(w string) Classification {
	switch {
	case optOutWords[w]:
		return Classification{Intent: IntentOptOut, Match: w}
	case optOutWordsES[w]:
		return Classification{Intent: IntentOptOut, Match: w, Spanish: true}
	case optInWords[w]:
		return Classification{Intent: IntentOptIn, Match: w}
	case optInWordsES[w]:
		return Classification{Intent: IntentOptIn, Match: w, Spanish: true}
	case helpWords[w]:
		return Classification{Intent: IntentHelp, Match: w}
	case helpWordsES[w]:
		return Classification{Intent: IntentHelp, Match: w, Spanish: true}
	}
	return Classification{}
}

// keywordSentence classifies a sentence made of one or more keywords and
// filler words only ("stop please", "unsubscribe me", "STOP STOP").
func keywordSentence(toks []string) Classification {
	var best Classification
	for _, t := range toks {
		c := keyword(t)
		if c.Intent == IntentNone {
			if !fillers[t] {
				return Classification{}
			}
			continue
		}
		if best.Intent == IntentNone || c.Intent == IntentOptOut {
			best = c
		}
	}
	return best
}

// joinOptOut rewrites the two tokens "opt out" (from "opt-out", "Opt Out")
// as the keyword "optout", and "stop all" as "stopall".
func joinOptOut(toks []string) []string {
	out := toks[:0:0]
	for i := 0; i < len(toks); i++ {
		if i+1 < len(toks) && (toks[i] == "opt" && toks[i+1] == "out" || toks[i] == "stop" && toks[i+1] == "all" && len(toks) == 2) {
			out = append(out, toks[i]+toks[i+1])
			i++
			continue
		}
		out = append(out, toks[i])
	}
	return out
}

// normalise lower-cases text, strips accents and apostrophes, and turns
// every other character that is not a letter, digit or sentence mark into
// a space.
func normalise(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range strings.ToLower(text) {
		if a, ok := unaccent[r]; ok {
			r = a
		}
		if r >= 0xFF01 && r <= 0xFF5E { // full-width forms of ASCII
			r -= 0xFEE0
		}
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == '`':
			// "don't" → "dont"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case strings.ContainsRune(".!?;,:\n", r):
			b.WriteRune(r)
		case r == '¡' || r == '¿':
			b.WriteRune(' ')
		default:
			b.WriteRune(' ')
		}
	}
	return b.String()
}

var unaccent = map[rune]rune{'á': 'a', 'é': 'e', 'í': 'i', 'ó': 'o', 'ú': 'u', 'ü': 'u', 'ñ': 'n', 'à': 'a', 'è': 'e', 'ç': 'c'}

func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, s)
}

// Responder answers keyword replies with the texts carriers expect (CTIA
// Messaging Principles: one confirmation after an opt-out, a HELP answer
// naming the sender and how to reach it).
type Responder struct {
	// Sender is the organisation's name as patients know it.
	Sender string
	// Contact is how to reach a person: a phone number or web address.
	Contact string
}

// Reply is what to do with one inbound reply.
type Reply struct {
	Classification
	// Text is the message to send back, or "" for none. An opt-out or
	// opt-in is confirmed once: when the patient is already in the state
	// asked for, Text is empty, so a patient who sends STOP twice gets one
	// confirmation.
	Text string
}

// Respond classifies text from a patient whose channel is currently opted
// out (optedOut) or not, and returns the reply to send. A bare "YES" counts
// as an opt-in only from an opted-out patient, because in an open
// conversation "yes" answers a question.
func (r Responder) Respond(text string, optedOut bool) Reply {
	c := Classify(text)
	if c.Intent == IntentNone && optedOut && compact(normalise(text)) == "yes" {
		c = Classification{Intent: IntentOptIn, Match: "yes"}
	}
	rep := Reply{Classification: c}
	switch {
	case c.Intent == IntentOptOut && !optedOut:
		rep.Text = r.Sender + ": You are unsubscribed and will receive no more messages from us. Reply START to resubscribe."
		if c.Spanish {
			rep.Text = r.Sender + ": Se ha dado de baja y no recibirá más mensajes. Responda START para volver a suscribirse."
		}
	case c.Intent == IntentOptIn && optedOut:
		rep.Text = r.Sender + ": You are resubscribed. Reply HELP for help, STOP to opt out. Msg&data rates may apply."
		if c.Spanish {
			rep.Text = r.Sender + ": Se ha vuelto a suscribir. Responda AYUDA para ayuda, BAJA para cancelar."
		}
	case c.Intent == IntentHelp:
		rep.Text = r.Sender + ": For help call or visit " + r.Contact + ". Reply STOP to opt out. Msg&data rates may apply."
		if c.Spanish {
			rep.Text = r.Sender + ": Para ayuda llame o visite " + r.Contact + ". Responda BAJA para cancelar."
		}
	}
	return rep
}
