package publish

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/phi"
)

// Reason codes of the phrase rules, next to the PHI guard's codes.
const (
	CodeBannedPhrase  = "BANNED_PHRASE"
	CodeMissingPhrase = "MISSING_REQUIRED_PHRASE"
)

// Check is the verdict on a post text: blocked or not, and why. Reasons
// use the PHI guard's shape, with code-point offsets into the text.
type Check struct {
	Blocked bool         `json:"blocked"`
	Reasons []phi.Reason `json:"reasons"`
	// Suggestion is the PHI guard's safe rewrite when it blocked the text.
	Suggestion string `json:"suggestion,omitempty"`
}

// Summary lists the reason codes, for a one-line message.
func (c Check) Summary() string {
	var codes []string
	for _, r := range c.Reasons {
		codes = append(codes, r.Code)
	}
	return strings.Join(codes, ", ")
}

// CheckText checks a post text with guard (nil skips the PHI check) and
// rules. org, when set, is the organisation's own names and contacts,
// which a post may always name (its phone number is not a patient's). The
// guard blocks on a Block verdict; its warnings are reported without
// blocking. Every banned phrase found and every required phrase missing
// blocks.
func CheckText(guard *phi.Guard, org *phi.Org, rules rapport.PhraseRules, text string) Check {
	c := Check{Reasons: []phi.Reason{}}
	if guard != nil {
		v := guard.CheckReply(phi.ReplyInput{Reply: text, Org: org})
		c.Reasons = append(c.Reasons, v.Reasons...)
		if v.Action == phi.Block {
			c.Blocked, c.Suggestion = true, v.Suggestion
		}
	}
	words := fieldsOf(text)
	for _, p := range rules.Banned {
		for _, m := range findPhrase(words, p) {
			c.Blocked = true
			c.Reasons = append(c.Reasons, phi.Reason{Code: CodeBannedPhrase, Start: m[0], End: m[1],
				Message: fmt.Sprintf("the organisation does not allow %q in posts", p)})
		}
	}
	for _, p := range rules.Required {
		if len(findPhrase(words, p)) == 0 {
			c.Blocked = true
			c.Reasons = append(c.Reasons, phi.Reason{Code: CodeMissingPhrase, Start: 0, End: 0,
				Message: fmt.Sprintf("posts must include %q", p)})
		}
	}
	return c
}

// word is a whitespace-separated token with its surrounding punctuation
// trimmed, and its code-point offsets in the text.
type word struct {
	s          string
	start, end int
}

// edgePunct is trimmed from both ends of a word; '#' and '@' stay because
// hashtags and handles differ from plain words.
func edgePunct(r rune) bool {
	return (unicode.IsPunct(r) || unicode.IsSymbol(r)) && r != '#' && r != '@'
}

func fieldsOf(text string) []word {
	var out []word
	rs := []rune(text)
	for i := 0; i < len(rs); {
		for i < len(rs) && unicode.IsSpace(rs[i]) {
			i++
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) {
			j++
		}
		s, e := i, j
		for s < e && edgePunct(rs[s]) {
			s++
		}
		for e > s && edgePunct(rs[e-1]) {
			e--
		}
		if s < e {
			out = append(out, word{s: string(rs[s:e]), start: s, end: e})
		}
		i = j
	}
	return out
}

// findPhrase returns the code-point spans where phrase occurs as a run of
// whole words, ignoring case, spacing and edge punctuation.
func findPhrase(words []word, phrase string) [][2]int {
	pw := fieldsOf(phrase)
	if len(pw) == 0 {
		return nil
	}
	var out [][2]int
	for i := 0; i+len(pw) <= len(words); i++ {
		ok := true
		for k := range pw {
			if !strings.EqualFold(words[i+k].s, pw[k].s) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, [2]int{words[i].start, words[i+len(pw)-1].end})
		}
	}
	return out
}
