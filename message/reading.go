package message

import (
	"strings"
	"unicode"
)

// Reading is a text's Flesch–Kincaid reading level.
type Reading struct {
	Words, Sentences, Syllables int
	// Grade is the Flesch–Kincaid grade level:
	// 0.39 × words/sentences + 11.8 × syllables/words − 15.59.
	// Patient materials should aim for grade 6 to 8 (AMA, NIH).
	Grade float64
}

// ReadingLevel measures text. Template fields ({{…}}) count as one
// two-syllable word; URLs and e-mail addresses are skipped. A text with no
// words has grade 0.
func ReadingLevel(text string) Reading {
	var r Reading
	inSentence := false
	for _, tok := range strings.Fields(text) {
		if strings.Contains(tok, "://") || strings.Contains(tok, "@") || strings.HasPrefix(tok, "www.") {
			continue
		}
		if strings.HasPrefix(tok, "{{") {
			r.Words++
			r.Syllables += 2
			inSentence = true
			continue
		}
		word := strings.ToLower(strings.TrimFunc(tok, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }))
		if word != "" {
			r.Words++
			r.Syllables += Syllables(word)
			inSentence = true
		}
		if inSentence && strings.ContainsAny(tok[len(tok)-1:], ".!?") {
			r.Sentences++
			inSentence = false
		}
	}
	if inSentence {
		r.Sentences++
	}
	if r.Words == 0 {
		return r
	}
	r.Grade = 0.39*float64(r.Words)/float64(r.Sentences) + 11.8*float64(r.Syllables)/float64(r.Words) - 15.59
	return r
}

// Syllables estimates the syllables of one lower-case English word: vowel
// groups (y counts as a vowel after the first letter), less a silent final
// "e" (but not "-le" after a consonant), at least one. Digits count as one
// syllable per number. The heuristic is within one syllable for most
// words; it is meant for grade levels, not for poetry.
func Syllables(word string) int {
	if word == "" {
		return 0
	}
	if unicode.IsDigit([]rune(word)[0]) {
		return 1
	}
	rs := []rune(word)
	isVowel := func(i int) bool {
		switch rs[i] {
		case 'a', 'e', 'i', 'o', 'u', 'á', 'é', 'í', 'ó', 'ú':
			return true
		case 'y':
			return i > 0
		}
		return false
	}
	n := 0
	for i := range rs {
		if isVowel(i) && (i == 0 || !isVowel(i-1)) {
			n++
		}
	}
	l := len(rs)
	if l > 2 && rs[l-1] == 'e' && !isVowel(l-2) && !(rs[l-2] == 'l' && l > 3 && !isVowel(l-3)) {
		n--
	}
	if l > 3 && rs[l-1] == 's' && rs[l-2] == 'e' && !isVowel(l-3) && !strings.ContainsRune("scxzgh", rs[l-3]) {
		n-- // "makes", "times": silent e before a plural s
	}
	if l > 3 && rs[l-1] == 'd' && rs[l-2] == 'e' && !strings.ContainsRune("td", rs[l-3]) && !isVowel(l-3) {
		n-- // "walked", "called": silent -ed
	}
	return max(n, 1)
}
