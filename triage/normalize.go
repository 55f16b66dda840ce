package triage

import (
	"strings"
	"unicode"
)

// normalize lowercases text, drops apostrophes (so "don't" becomes "dont"
// and "I'm" becomes "im"), turns every other non-letter, non-digit rune into
// a space and collapses runs of spaces. The result starts and ends with a
// space so that phrases can be matched on word boundaries with plain
// substring search.
func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range text {
		switch {
		case r == '\'' || r == '\u2019' || r == '\u2018' || r == '`':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// containsPhrase reports whether the normalised text holds the normalised
// phrase as whole words.
func containsPhrase(norm, phrase string) bool {
	return phrase != " " && phrase != "" && strings.Contains(norm, phrase)
}
