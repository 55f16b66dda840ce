package bluesky

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestFindSpans(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []span
	}{
		{"none", "no mentions here", nil},
		{"mention at start", "@hospital.test hi", []span{{start: 0, end: 14, mention: "hospital.test"}}},
		{"mention mid text, trailing dot", "thanks @Mayo.Clinic.org.", []span{{start: 7, end: 23, mention: "mayo.clinic.org"}}},
		{"in parentheses", "(@a.bsky.social)", []span{{start: 1, end: 15, mention: "a.bsky.social"}}},
		{"email is not a mention", "mail me at pat@example.org", nil},
		{"no dot", "@hospital please", nil},
		{"numeric tld", "@host.123 x", nil},
		{"multibyte before", "café @a.test", []span{{start: 6, end: 13, mention: "a.test"}}},
		{"link, trailing punctuation", "see https://x.org/a?b=1).", []span{{start: 4, end: 23, link: "https://x.org/a?b=1"}}},
		{"bare scheme", "http:// nothing", nil},
		{"link inside word", "xhttps://x.org", nil},
		{"both", "@a.test see http://b.org", []span{{start: 0, end: 7, mention: "a.test"}, {start: 12, end: 24, link: "http://b.org"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findSpans(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(span{})); diff != "" {
				t.Errorf("findSpans(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// FuzzFindSpans: spans never panic, stay inside the text on rune
// boundaries, do not overlap, and cover exactly "@"+handle or the link.
func FuzzFindSpans(f *testing.F) {
	for _, s := range []string{"@a.test", "see https://x.org).", "café @ä.test @b.c", "(@x.y)http://", "\xff@a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, sp := range findSpans(text) {
			if sp.start < prev || sp.end <= sp.start || sp.end > len(text) {
				t.Fatalf("findSpans(%q): span %+v out of order or outside the text", text, sp)
			}
			// Publish refuses invalid UTF-8, so rune boundaries matter only for valid text.
			if utf8.ValidString(text) && (!utf8.RuneStart(text[sp.start]) || (sp.end < len(text) && !utf8.RuneStart(text[sp.end]))) {
				t.Fatalf("findSpans(%q): span %+v splits a rune", text, sp)
			}
			covered := text[sp.start:sp.end]
			switch {
			case sp.mention != "":
				if !strings.EqualFold(covered, "@"+sp.mention) || !validHandle(sp.mention) {
					t.Fatalf("findSpans(%q): mention %q covers %q", text, sp.mention, covered)
				}
			case covered != sp.link || !strings.HasPrefix(sp.link, "http"):
				t.Fatalf("findSpans(%q): link %q covers %q", text, sp.link, covered)
			}
			prev = sp.end
		}
	})
}
