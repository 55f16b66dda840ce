package phi

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// replyCase is one labelled reply of testdata/replies_*.jsonl.
type replyCase struct {
	ID     string `json:"id"`
	Want   string `json:"want"` // "block" or "allow"
	Reply  string `json:"reply"`
	Post   string `json:"post"`
	Author string `json:"author"`
	Org    *Org   `json:"org"`
}

// postCase is one labelled post of testdata/posts_disclosure_*.jsonl.
type postCase struct {
	ID            string  `json:"id"`
	WantSubject   Subject `json:"want_subject"`
	WantDiscloses bool    `json:"want_discloses"`
	Text          string  `json:"text"`
}

func readJSONL[T any](t testing.TB, name string) []T {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s line %d: %v", name, n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// replyRates returns the share of block-labelled replies blocked (recall)
// and of allow-labelled replies blocked (false blocks).
func replyRates(t *testing.T, g *Guard, cases []replyCase) (recall, falseBlock float64) {
	var blocks, caught, allows, wrong int
	verbose := os.Getenv("PHI_GUARD_MISSES") != ""
	for _, c := range cases {
		v := g.CheckReply(ReplyInput{Reply: c.Reply, Post: c.Post, Author: c.Author, Org: c.Org})
		switch c.Want {
		case "block":
			blocks++
			if v.Action == Block {
				caught++
			} else if verbose {
				t.Logf("missed %s (%s): %s", c.ID, v.Action, c.Reply)
			}
		case "allow":
			allows++
			if v.Action == Block {
				wrong++
				if verbose {
					t.Logf("false block %s %v: %s", c.ID, v.Reasons, c.Reply)
				}
			}
		default:
			t.Fatalf("%s: label %q, want block or allow", c.ID, c.Want)
		}
	}
	if blocks == 0 || allows == 0 {
		t.Fatalf("set has %d blocks and %d allows; want both", blocks, allows)
	}
	return float64(caught) / float64(blocks), float64(wrong) / float64(allows)
}

// The thresholds are the levels measured on 2026-11-21 minus a margin;
// see docs/phi-guard.md. Every held-out set was written before it was first
// run; the figures of that first run are in the doc, and a set used to fix
// the rules afterwards is no longer unseen.
func TestReplySets(t *testing.T) {
	det := NewDetector(Config{})
	if err := det.Err(); err != nil {
		t.Fatal(err)
	}
	g := NewGuard(det, Org{})
	for _, tc := range []struct {
		file          string
		minRecall     float64
		maxFalseBlock float64
	}{
		{"replies_dev.jsonl", 0.97, 0.03},
		{"replies_heldout.jsonl", 0.92, 0.05},
		{"replies_heldout2.jsonl", 0.92, 0.05},
		{"replies_heldout3.jsonl", 0.92, 0.05},
		{"replies_heldout4.jsonl", 0.92, 0.05},
	} {
		t.Run(tc.file, func(t *testing.T) {
			recall, fb := replyRates(t, g, readJSONL[replyCase](t, tc.file))
			t.Logf("%s: blocked %.3f of disclosures, false blocks %.3f", tc.file, recall, fb)
			if recall < tc.minRecall {
				t.Errorf("block recall = %.3f, want >= %.3f", recall, tc.minRecall)
			}
			if fb > tc.maxFalseBlock {
				t.Errorf("false-block rate = %.3f, want <= %.3f", fb, tc.maxFalseBlock)
			}
		})
	}
}

func TestDisclosureSets(t *testing.T) {
	g := NewGuard(nil, Org{})
	verbose := os.Getenv("PHI_GUARD_MISSES") != ""
	for _, tc := range []struct {
		file        string
		minAccuracy float64 // discloses yes/no
		minSubject  float64 // subject exactly right
	}{
		{"posts_disclosure_dev.jsonl", 0.95, 0.95},
		{"posts_disclosure_heldout.jsonl", 0.90, 0.90},
		{"posts_disclosure_heldout2.jsonl", 0.90, 0.90},
		{"posts_disclosure_heldout3.jsonl", 0.90, 0.90},
		{"posts_disclosure_heldout4.jsonl", 0.90, 0.90},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cases := readJSONL[postCase](t, tc.file)
			var ok, subj int
			for _, c := range cases {
				d := g.Disclosure(c.Text)
				if d.Discloses == c.WantDiscloses {
					ok++
				}
				if d.Subject == c.WantSubject {
					subj++
				} else if verbose {
					t.Logf("%s: got %s, want %s: %s", c.ID, d.Subject, c.WantSubject, c.Text)
				}
			}
			acc, sa := float64(ok)/float64(len(cases)), float64(subj)/float64(len(cases))
			t.Logf("%s: discloses accuracy %.3f, subject accuracy %.3f (%d posts)", tc.file, acc, sa, len(cases))
			if acc < tc.minAccuracy {
				t.Errorf("discloses accuracy = %.3f, want >= %.3f", acc, tc.minAccuracy)
			}
			if sa < tc.minSubject {
				t.Errorf("subject accuracy = %.3f, want >= %.3f", sa, tc.minSubject)
			}
		})
	}
}
