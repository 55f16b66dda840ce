package phi

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestClinicalNoteGolden redacts the synthetic discharge summary and compares
// the result with testdata/clinical_note.golden (refresh with -update after
// checking the difference by eye).
func TestClinicalNoteGolden(t *testing.T) {
	note, err := os.ReadFile("testdata/clinical_note.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(note)
	spans := NewDetector(Config{}).Scan(text)
	r := []rune(text)
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(string(r[last:s.Start]))
		b.WriteString("[" + string(s.Type) + "]")
		last = s.End
	}
	b.WriteString(string(r[last:]))
	got := b.String()
	const golden = "testdata/clinical_note.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("redacted note differs from %s:\n%s", golden, got)
	}
}
