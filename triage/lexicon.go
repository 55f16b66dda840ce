package triage

import "strings"

// lexicon matches a list of words and phrases against normalised text, by
// token, without regular expressions: a word list as an alternation compiles
// to a large NFA that costs hundreds of microseconds per item, while a map
// lookup per token costs tens of nanoseconds.
//
// Entry syntax: words separated by spaces; a word ending in '*' matches any
// token with that prefix; '#' matches a token of digits.
type lexicon struct {
	byFirst  map[string][][]string // phrases keyed by an exact first word
	wildcard [][]string            // phrases whose first word is a prefix or '#'
}

func newLexicon(entries string) *lexicon {
	l := &lexicon{byFirst: map[string][][]string{}}
	for e := range strings.SplitSeq(entries, "|") {
		words := strings.Fields(normalizeEntry(e))
		if len(words) == 0 {
			continue
		}
		if first := words[0]; first == "#" || strings.HasSuffix(first, "*") {
			l.wildcard = append(l.wildcard, words)
		} else {
			l.byFirst[first] = append(l.byFirst[first], words)
		}
	}
	return l
}

// normalizeEntry normalises an entry like text but keeps '*' and '#'.
func normalizeEntry(e string) string {
	e = strings.NewReplacer("*", "STARMARK", "#", "NUMMARK").Replace(e)
	n := normalize(e)
	return strings.NewReplacer("starmark", "*", "nummark", "#").Replace(n)
}

func wordMatches(pattern, token string) bool {
	switch {
	case pattern == "#":
		if token == "" {
			return false
		}
		for i := 0; i < len(token); i++ {
			if token[i] < '0' || token[i] > '9' {
				return false
			}
		}
		return true
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(token, pattern[:len(pattern)-1])
	}
	return pattern == token
}

func phraseAt(phrase, tokens []string, i int) bool {
	if i+len(phrase) > len(tokens) {
		return false
	}
	for j, w := range phrase {
		if !wordMatches(w, tokens[i+j]) {
			return false
		}
	}
	return true
}

// match reports whether any entry occurs in the tokens.
func (l *lexicon) match(tokens []string) bool {
	for i, tok := range tokens {
		for _, p := range l.byFirst[tok] {
			if phraseAt(p, tokens, i) {
				return true
			}
		}
		for _, p := range l.wildcard {
			if phraseAt(p, tokens, i) {
				return true
			}
		}
	}
	return false
}

// find returns the token index of every match (the start of each phrase).
func (l *lexicon) find(tokens []string) []int {
	var at []int
	for i, tok := range tokens {
		matched := false
		for _, p := range l.byFirst[tok] {
			if phraseAt(p, tokens, i) {
				matched = true
				break
			}
		}
		for _, p := range l.wildcard {
			if !matched && phraseAt(p, tokens, i) {
				matched = true
			}
		}
		if matched {
			at = append(at, i)
		}
	}
	return at
}

// firstMatch returns the first matching entry's words at its position, or "".
func (l *lexicon) firstMatch(tokens []string) string {
	for i, tok := range tokens {
		for _, p := range l.byFirst[tok] {
			if phraseAt(p, tokens, i) {
				return strings.Join(tokens[i:i+len(p)], " ")
			}
		}
		for _, p := range l.wildcard {
			if phraseAt(p, tokens, i) {
				return strings.Join(tokens[i:i+len(p)], " ")
			}
		}
	}
	return ""
}

// lenAt returns the length in tokens of the longest entry starting at
// tokens[i], or 0.
func (l *lexicon) lenAt(tokens []string, i int) int {
	n := 0
	for _, p := range l.byFirst[tokens[i]] {
		if len(p) > n && phraseAt(p, tokens, i) {
			n = len(p)
		}
	}
	for _, p := range l.wildcard {
		if len(p) > n && phraseAt(p, tokens, i) {
			n = len(p)
		}
	}
	return n
}
