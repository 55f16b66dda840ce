package triage

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type labelled struct {
	line  int
	label string
	text  string
}

// readLabelled reads a testdata file of label<TAB>text lines; '#' starts a
// comment line.
func readLabelled(t testing.TB, name string) []labelled {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("open labelled set: %v", err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok || label == "" || strings.TrimSpace(text) == "" {
			t.Fatalf("%s:%d: want label<TAB>text, got %q", name, n, line)
		}
		out = append(out, labelled{n, label, text})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return out
}

func newTriager(t testing.TB) *Triager {
	t.Helper()
	tr, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

// trainingCrisisSets returns the crisis files the scorer was tuned on (see
// docs/social.md): crisis.txt, batch A (dev) and batches C, D and E (rounds
// 6 to 8, each measured once as written before it was tuned on).
func trainingCrisisSets() []string {
	return []string{"crisis.txt", "dev_crisis.txt", "round6_crisis.txt", "round7_crisis.txt", "round8_crisis.txt"}
}

// Every crisis phrasing of the training sets must be escalated: flagged as a
// crisis, with critical urgency and a reason.
func TestEveryCrisisPhraseEscalated(t *testing.T) {
	tr := newTriager(t)
	for _, file := range trainingCrisisSets() {
		set := readLabelled(t, file)
		if len(set) < 40 {
			t.Fatalf("%s has %d phrasings, want at least 40", file, len(set))
		}
		agree, missed := 0, 0
		for _, c := range set {
			got := tr.Triage(Input{Text: c.text})
			if !got.Crisis || got.Urgency != UrgencyCritical || got.Intent != IntentCrisis || got.CrisisReason == "" {
				t.Errorf("%s:%d Triage(%q) = {crisis %v, urgency %v, intent %s}, want an escalated crisis",
					file, c.line, c.text, got.Crisis, got.Urgency, got.Intent)
				missed++
				continue
			}
			if string(got.CrisisCategory) == c.label {
				agree++
			}
		}
		t.Logf("%s: %d of %d phrasings escalated; category agrees with the label on %d (%.1f%%)",
			file, len(set)-missed, len(set), agree, 100*float64(agree)/float64(len(set)))
	}
}

// Documented false-positive ceilings (docs/social.md), a little above the
// measured rates: 1 of 170 hard negatives (0.6 %), 0 of 223 ordinary posts,
// 0 of the 110 hard negatives of batches A, C, D and E.
const (
	maxHardNegativeFPRate = 0.03
	maxOrdinaryFPRate     = 0.01
	maxBatchNegFPRate     = 0.03
)

func TestCrisisFalsePositiveRate(t *testing.T) {
	tr := newTriager(t)
	for _, tc := range []struct {
		file    string
		maxRate float64
	}{
		{"hard_negatives.txt", maxHardNegativeFPRate},
		{"posts.txt", maxOrdinaryFPRate},
		{"dev_negatives.txt", maxBatchNegFPRate},
		{"round6_negatives.txt", maxBatchNegFPRate},
		{"round7_negatives.txt", maxBatchNegFPRate},
		{"round8_negatives.txt", maxBatchNegFPRate},
	} {
		set := readLabelled(t, tc.file)
		fp := 0
		for _, c := range set {
			if got := tr.Triage(Input{Text: c.text}); got.Crisis {
				fp++
				t.Logf("%s:%d flagged (%s: %q): %q", tc.file, c.line, got.CrisisReason, got.CrisisMatch, c.text)
			}
		}
		rate := float64(fp) / float64(len(set))
		t.Logf("%s: %d of %d flagged (%.1f%%), ceiling %.0f%%", tc.file, fp, len(set), 100*rate, 100*tc.maxRate)
		if rate > tc.maxRate {
			t.Errorf("%s: false-positive rate %.1f%% (%d of %d), want at most %.0f%%", tc.file, 100*rate, fp, len(set), 100*tc.maxRate)
		}
	}
	n := len(readLabelled(t, "hard_negatives.txt")) + len(readLabelled(t, "posts.txt"))
	if n < 300 {
		t.Errorf("non-crisis sets hold %d posts, want at least 300", n)
	}
}

// minIntentAccuracy is the documented floor for intent agreement with the
// labels of the non-crisis sets.
const minIntentAccuracy = 0.75

func TestIntentAccuracy(t *testing.T) {
	tr := newTriager(t)
	set := append(readLabelled(t, "posts.txt"), readLabelled(t, "hard_negatives.txt")...)
	valid := map[string]bool{}
	for _, in := range Intents() {
		valid[string(in)] = true
	}
	ok := 0
	confusion := map[string]int{}
	for _, c := range set {
		if !valid[c.label] {
			t.Fatalf("line %d: unknown intent label %q", c.line, c.label)
		}
		got := tr.Triage(Input{Text: c.text})
		if string(got.Intent) == c.label {
			ok++
			continue
		}
		confusion[c.label+" -> "+string(got.Intent)]++
		if testing.Verbose() {
			t.Logf("want %s, got %s: %q", c.label, got.Intent, c.text)
		}
	}
	acc := float64(ok) / float64(len(set))
	t.Logf("intent accuracy %.1f%% (%d of %d); confusions: %v", 100*acc, ok, len(set), confusion)
	if acc < minIntentAccuracy {
		t.Errorf("intent accuracy %.1f%%, want at least %.0f%%", 100*acc, 100*minIntentAccuracy)
	}
}

// Round 4 (heldout_crisis.txt) caught 14 of 40 (35 %) as written, with the
// old pattern detector. Its misses were then read while the scorer was
// built, so it is no longer held out: the scorer catches 38 of 40 and
// flags 0 of its 20 hard negatives. The floors guard against regressions;
// the figures that say how well the scorer generalises are the as-written
// ones of rounds 6 to 8 (docs/social.md) and TestFinalHeldOut.
const (
	minHeldOutRecall       = 0.90
	maxHeldOutFalsePosRate = 0.10
)

func TestHeldOutRecall(t *testing.T) {
	checkSet(t, newTriager(t), "heldout", minHeldOutRecall, maxHeldOutFalsePosRate)
}

// checkSet measures crisis recall on testdata/<name>_crisis.txt and the
// false-positive rate on <name>_negatives.txt, logs every miss and false
// flag, and fails below minRecall or above maxFalsePos.
func checkSet(t *testing.T, tr *Triager, name string, minRecall, maxFalsePos float64) {
	t.Helper()
	set := readLabelled(t, name+"_crisis.txt")
	hit := 0
	for _, c := range set {
		if tr.Triage(Input{Text: c.text}).Crisis {
			hit++
		} else {
			t.Logf("%s_crisis.txt:%d missed (%s): %q", name, c.line, c.label, c.text)
		}
	}
	recall := float64(hit) / float64(len(set))
	t.Logf("%s crisis recall %.1f%% (%d of %d)", name, 100*recall, hit, len(set))
	if recall < minRecall {
		t.Errorf("%s crisis recall %.1f%%, want at least %.0f%%", name, 100*recall, 100*minRecall)
	}
	neg := readLabelled(t, name+"_negatives.txt")
	fp := 0
	for _, c := range neg {
		if got := tr.Triage(Input{Text: c.text}); got.Crisis {
			fp++
			t.Logf("%s_negatives.txt:%d flagged (%s): %q", name, c.line, got.CrisisReason, c.text)
		}
	}
	rate := float64(fp) / float64(len(neg))
	t.Logf("%s hard negatives flagged: %d of %d (%.1f%%)", name, fp, len(neg), 100*rate)
	if rate > maxFalsePos {
		t.Errorf("%s false-positive rate %.1f%%, want at most %.0f%%", name, 100*rate, 100*maxFalsePos)
	}
}
