package triage

import (
	"strings"
	"unicode"
)

// crisisTokens turns text into the tokens the crisis scorer reads. It goes
// further than normalize: Latin accents are folded ("tragó" → "trago"),
// letters repeated three or more times are collapsed ("sooo" → "so",
// "pleeease" → "please"), common misspellings and chat spellings are
// corrected ("tonite" → "tonight", "rn" → "right now"), and emoji that carry
// meaning become words (💊 → "pills", 🔪 → "knife", 🪦 → "grave", 😂 and 💀
// → "lol"). Apostrophes are dropped so contractions read as one token
// ("can't" → "cant"), as in normalize.
func crisisTokens(text string, spell map[string]string) []string {
	out := make([]string, 0, len(text)/5+1)
	var word []rune
	flush := func() {
		if len(word) == 0 {
			return
		}
		out = appendCanon(out, deElongate(word), spell)
		word = word[:0]
	}
	for _, r := range text {
		switch {
		case r == '\'' || r == '\u2019' || r == '\u2018' || r == '`':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, foldRune(unicode.ToLower(r)))
		default:
			flush()
			if w := emojiWord(r); w != "" {
				out = append(out, w)
			}
		}
	}
	flush()
	return out
}

// foldRune removes the accents of the Latin letters that Spanish and the
// other common Western European languages use.
func foldRune(r rune) rune {
	switch r {
	case 'á', 'à', 'â', 'ä', 'ã':
		return 'a'
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'í', 'ì', 'î', 'ï':
		return 'i'
	case 'ó', 'ò', 'ô', 'ö', 'õ':
		return 'o'
	case 'ú', 'ù', 'û', 'ü':
		return 'u'
	case 'ñ':
		return 'n'
	case 'ç':
		return 'c'
	}
	return r
}

// deElongate collapses a rune repeated three or more times to one: people
// stretch words for emphasis ("sooo", "helllp", "diiie"), and no English or
// Spanish word has a letter three times in a row.
func deElongate(w []rune) string {
	n := 0
	for i := 0; i < len(w); i++ {
		j := i
		for j+1 < len(w) && w[j+1] == w[i] {
			j++
		}
		if j-i >= 2 {
			w[n] = w[i]
			n++
		} else {
			for k := i; k <= j; k++ {
				w[n] = w[k]
				n++
			}
		}
		i = j
	}
	return string(w[:n])
}

// appendCanon appends the canonical spelling of tok, which may be several
// tokens ("rn" → "right now").
func appendCanon(out []string, tok string, spell map[string]string) []string {
	c, ok := spell[tok]
	if !ok {
		return append(out, tok)
	}
	for {
		w, rest, more := strings.Cut(c, " ")
		out = append(out, w)
		if !more {
			return out
		}
		c = rest
	}
}

// spellings maps misspellings, chat spellings and dropped-g forms to the
// words the concept lexicons use.
func spellings() map[string]string {
	return map[string]string{
		"tonite": "tonight", "2nite": "tonight", "2night": "tonight", "tnight": "tonight",
		"rn": "right now", "atm": "right now", "u": "you", "ur": "your", "youre": "you are",
		"pls": "please", "plz": "please", "plez": "please", "halp": "help",
		"wanna": "want to", "wana": "want to", "gonna": "going to", "gona": "going to", "gunna": "going to",
		"finna": "going to", "gotta": "got to", "ima": "im going to", "imma": "im going to", "bout": "about",
		"cant": "cant", "cnt": "cant", "cannot": "cant", "caint": "cant", "dont": "dont", "dnt": "dont",
		"wont": "wont", "wnt": "wont", "isnt": "isnt", "aint": "isnt", "doesnt": "doesnt",
		"ded": "dead", "dieing": "dying", "dyin": "dying", "suicde": "suicide", "sucide": "suicide",
		"suicidle": "suicidal", "sucidal": "suicidal", "suiside": "suicide", "sewerslide": "suicide",
		"unalive": "unalive", "kms": "kill myself", "kys": "kill yourself",
		"pils": "pills", "pillz": "pills", "meds": "meds", "od": "overdose", "oded": "overdosed",
		"oding": "overdosing", "odeing": "overdosing", "overdosin": "overdosing",
		"breath": "breathe", "brethe": "breathe", "breth": "breathe", "breathin": "breathing", "breating": "breathing",
		"cheast": "chest", "chst": "chest", "siezure": "seizure", "seizur": "seizure", "sezure": "seizure",
		"siezing": "seizing", "unconcious": "unconscious", "unconsious": "unconscious", "concious": "conscious",
		"bleedin": "bleeding", "bleding": "bleeding", "chokin": "choking", "dyinn": "dying", "stabbin": "stabbing",
		"shootin": "shooting", "killin": "killing", "cuttin": "cutting", "hurtin": "hurting",
		"tmrw": "tomorrow", "tmr": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow",
		"bc": "because", "cuz": "because", "coz": "because", "idk": "i dont know", "ppl": "people",
		"evry1": "everyone", "every1": "everyone", "sum1": "someone", "some1": "someone", "no1": "no one",
		"noone": "no one", "nobdy": "nobody", "ambulence": "ambulance", "amblance": "ambulance",
		"hosptial": "hospital", "docter": "doctor", "nurce": "nurse", "goodby": "goodbye", "gbye": "goodbye",
		"bye": "goodbye", "byee": "goodbye",
	}
}

// emojiWord maps emoji that carry crisis meaning, or mark a joke, to a word.
func emojiWord(r rune) string {
	switch r {
	case '💊':
		return "pills"
	case '🔪', '🗡':
		return "knife"
	case '🔫':
		return "gun"
	case '💣', '🧨':
		return "bomb"
	case '🪦', '⚰':
		return "grave"
	case '🩸':
		return "blood"
	case '🚑':
		return "ambulance"
	case '🆘':
		return "help"
	case '🪢':
		return "rope"
	case '😂', '🤣', '😆', '😹', '💀', '😜', '🤪':
		return "lol"
	}
	return ""
}
