package triage

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCrisisTokens(t *testing.T) {
	spell := spellings()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"I can't do this anymore", "i cant do this anymore"},
		{"sooo done, pleeease help", "so done please help"},
		{"gonna kms tonite", "going to kill myself tonight"},
		{"i have the pills rn 💊💊", "i have the pills right now pills pills"},
		{"🔪🪦🔫💣", "knife grave gun bomb"},
		{"I'm dead 😂💀", "im dead lol lol"},
		{"mi hijo se tragó pastillas", "mi hijo se trago pastillas"},
		{"Mi papá NO puede respirar", "mi papa no puede respirar"},
		{"he'll torch it", "hell torch it"},
		{"a\xffb", "a b"},
	} {
		if got := strings.Join(crisisTokens(tc.in, spell), " "); got != tc.want {
			t.Errorf("crisisTokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDeElongate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sooo", "so"}, {"soo", "soo"}, {"helllp", "help"}, {"aaa", "a"}, {"book", "book"}, {"", ""},
	} {
		if got := deElongate([]rune(tc.in)); got != tc.want {
			t.Errorf("deElongate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Figurative speech and talk about a topic must not be escalated, while the
// same words used literally must be. Each case pairs a hard negative with a
// crisis that shares its key words.
func TestCrisisContext(t *testing.T) {
	tr := newTriager(t)
	for _, tc := range []struct {
		name     string
		negative string
		crisis   string
	}{
		{"killing me", "this wait is killing me", "my husband says he is going to kill me tonight"},
		{"die for", "I could die for your cafeteria's cookies", "I just want to die"},
		{"rather than", "honestly i'd rather jump off a bridge than call your billing office again lol", "i'd rather be dead than go on like this"},
		{"dying to", "dying to try the new cafe", "my dad is dying, he's not breathing"},
		{"laughing", "laughing so hard I can't breathe 😂", "my son can't breathe and his lips are blue"},
		{"awareness", "suicide prevention month event at the main campus", "I'm suicidal and alone tonight"},
		{"risk score", "what's my heart attack risk score mean? it says 12%", "I think I'm having a heart attack, my left arm is numb"},
		{"news", "new study: overdose deaths fell 20% in our county this year", "my friend overdosed and won't wake up"},
		{"past", "the ER team saved my life after my heart attack in 2019, forever grateful", "my dad collapsed and isn't breathing"},
		{"question", "what are the signs of an overdose? making a poster for our youth group", "i took 30 of my xanax idk what to do"},
		{"bomb slang", "the new hospital wing is a bomb design, love it", "there's a bomb in the lobby"},
		{"Spanish hyperbole", "esta espera me está matando", "me quiero morir, ya no aguanto"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tr.Triage(Input{Text: tc.negative}); got.Crisis {
				t.Errorf("Triage(%q) = crisis (%s: %q), want no crisis", tc.negative, got.CrisisReason, got.CrisisMatch)
			}
			if got := tr.Triage(Input{Text: tc.crisis}); !got.Crisis {
				t.Errorf("Triage(%q) = no crisis, want a crisis", tc.crisis)
			}
		})
	}
}

// The reason names the category, the score and the strongest features, so
// that the on-call reviewer sees why an item was escalated.
func TestCrisisReason(t *testing.T) {
	tr := newTriager(t)
	got := tr.Triage(Input{Text: "i wrote my note. sorry mom, goodbye"})
	if !got.Crisis || got.CrisisCategory != CrisisSelfHarm {
		t.Fatalf("Triage = {crisis %v, category %q}, want a self-harm crisis", got.Crisis, got.CrisisCategory)
	}
	for _, want := range []string{"self_harm score", "farewell"} {
		if !strings.Contains(got.CrisisReason, want) {
			t.Errorf("CrisisReason = %q, want it to contain %q", got.CrisisReason, want)
		}
	}
	if got.CrisisMatch == "" {
		t.Error("CrisisMatch is empty, want the matched words")
	}
}

// TestFinalHeldOut measures batch B (final_*.txt), which was written before
// the scorer and never used to tune it. Evaluated once, at the end
// (docs/social.md): 55 of 60 crisis posts (91.7 %; the old detector 38,
// 63.3 %) and 4 of 50 hard negatives flagged (8 %; the old detector 9). The
// same person wrote it just before writing the lexicons, so it is likely
// optimistic: batches written after tuning scored about 50 % as written.
// The floors sit a little below what was measured. Do not tune on these
// files: write a new batch instead.
const (
	minFinalRecall    = 0.85
	maxFinalFalsePosR = 0.10
)

func TestFinalHeldOut(t *testing.T) {
	checkSet(t, newTriager(t), "final", minFinalRecall, maxFinalFalsePosR)
}

// maxGeneralFlagRate bounds how many general social posts (WNUT-17 tweets,
// Reddit and YouTube comments, shared/data/phi) are flagged. Few of them are
// crises, so this approximates the false-positive rate on text nobody on
// the project wrote. Measured 35 of 2,296 (1.5 %; the old pattern detector
// flagged 31).
const maxGeneralFlagRate = 0.025

func TestGeneralTextFlagRate(t *testing.T) {
	tr := newTriager(t)
	n, flagged := 0, 0
	for _, name := range []string{"wnut17_dev.jsonl", "wnut17_test.jsonl"} {
		path := filepath.Join("..", "..", "shared", "data", "phi", name)
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") != "true" {
			t.Skipf("shared data absent (%v); CI=true makes this a failure", err)
		}
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for line := 1; sc.Scan(); line++ {
			var rec struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				f.Close()
				t.Fatalf("%s:%d: %v", name, line, err)
			}
			n++
			if got := tr.Triage(Input{Text: rec.Text}); got.Crisis {
				flagged++
				if testing.Verbose() {
					t.Logf("%s:%d flagged (%s): %q", name, line, got.CrisisReason, rec.Text)
				}
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
	}
	if n < 2000 {
		t.Fatalf("read %d general posts, want at least 2000", n)
	}
	rate := float64(flagged) / float64(n)
	t.Logf("general social text flagged: %d of %d (%.1f%%)", flagged, n, 100*rate)
	if rate > maxGeneralFlagRate {
		t.Errorf("general text flag rate %.1f%%, want at most %.1f%%", 100*rate, 100*maxGeneralFlagRate)
	}
}

// Every concept lexicon entry must survive normalisation as written: an
// entry with punctuation or capitals would never match a token.
func TestLexiconEntriesNormalised(t *testing.T) {
	lex := conceptLexicons()
	lex[0] = figurativeLexicon()
	for c, entries := range lex {
		for e := range strings.SplitSeq(entries, "|") {
			if strings.TrimSpace(e) == "" {
				t.Errorf("concept %b: empty entry in %q", c, entries)
				continue
			}
			if got := strings.Join(strings.Fields(normalizeEntry(e)), " "); got != strings.TrimSpace(e) {
				t.Errorf("concept %b: entry %q normalises to %q", c, e, got)
			}
		}
	}
	spell := spellings()
	for from, to := range spell {
		if got := strings.Join(crisisTokens(to, spell), " "); got != to {
			t.Errorf("spelling %q -> %q is not canonical: %q tokenises to %q", from, to, to, got)
		}
	}
	if !slices.Contains(strings.Split(figurativeLexicon(), "|"), "killing me") {
		t.Error(`figurativeLexicon lacks "killing me"`)
	}
}
