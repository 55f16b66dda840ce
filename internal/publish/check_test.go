package publish

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/rapport-health/rapport"
)

func TestCheckTextPhrases(t *testing.T) {
	rules := rapport.PhraseRules{Banned: []string{"miracle cure", "guaranteed"}, Required: []string{"#GeneralHealth"}}
	tests := []struct {
		name  string
		text  string
		want  []string // code@start-end
		block bool
	}{
		{"clean", "Flu shots Saturday #GeneralHealth", nil, false},
		{"banned, any case and spacing", "A MIRACLE   Cure! #generalhealth", []string{"BANNED_PHRASE@2-16"}, true},
		{"banned twice", "guaranteed, guaranteed. #GeneralHealth", []string{"BANNED_PHRASE@0-10", "BANNED_PHRASE@12-22"}, true},
		{"inside a longer word is not the phrase", "ungaranteed… unguaranteed #GeneralHealth", nil, false},
		{"required missing", "Flu shots Saturday", []string{"MISSING_REQUIRED_PHRASE@0-0"}, true},
		{"hashtag needs its #", "Flu shots GeneralHealth", []string{"MISSING_REQUIRED_PHRASE@0-0"}, true},
		{"offsets count code points", "Ünïcödé guaranteed #GeneralHealth", []string{"BANNED_PHRASE@8-18"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CheckText(nil, nil, rules, tt.text)
			var got []string
			for _, r := range c.Reasons {
				got = append(got, fmt.Sprintf("%s@%d-%d", r.Code, r.Start, r.End))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || c.Blocked != tt.block {
				t.Errorf("CheckText(%q) blocked=%v, want %v; reasons (-want +got):\n%s", tt.text, c.Blocked, tt.block, diff)
			}
		})
	}
}

// FuzzCheckText asserts properties of the phrase checks: no panic, spans
// inside the text and covering the phrase (ignoring case), and a banned
// phrase placed between spaces is always found.
func FuzzCheckText(f *testing.F) {
	f.Add("Try our miracle cure!", "miracle cure")
	f.Add("ÄÖÜ  x", "äöü")
	f.Add("", "")
	f.Add("a\u00a0b", "a b")
	f.Fuzz(func(t *testing.T, text, phrase string) {
		if !utf8.ValidString(text) || !utf8.ValidString(phrase) {
			return
		}
		c := CheckText(nil, nil, rapport.PhraseRules{Banned: []string{phrase}}, text)
		rs := []rune(text)
		for _, r := range c.Reasons {
			if r.Start < 0 || r.End > len(rs) || r.Start >= r.End {
				t.Fatalf("span %d-%d outside text of %d code points", r.Start, r.End, len(rs))
			}
		}
		if len(fieldsOf(phrase)) == 0 {
			return
		}
		joined := text + " " + phrase + " "
		c = CheckText(nil, nil, rapport.PhraseRules{Banned: []string{phrase}}, joined)
		if !c.Blocked {
			t.Fatalf("banned phrase %q not found in %q", phrase, joined)
		}
	})
}
