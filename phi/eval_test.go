package phi

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestGoldType(t *testing.T) {
	tests := []struct {
		label, text string
		want        Type
		phi         bool
	}{
		{"PERSON", "Rubija", Name, true},
		{"GPE", "Estonia", Location, false},
		{"GPE", "Artilleros", Location, true},
		{"GPE", "nan", Location, false},
		{"DATE_TIME", "1977", Date, false},
		{"DATE_TIME", "March 3rd", Date, true},
		{"AGE", "74", Age, false},
		{"AGE", "92 years", Age, true},
		{"FAMILIARES_SUJETO_ASISTENCIA", "madre", Name, false},
		{"FAMILIARES_SUJETO_ASISTENCIA", "Lara", Name, true},
		{"TERRITORIO", "Galicia", Location, false},
		{"TERRITORIO", "Getafe", Location, true},
		{"ORGANIZATION", "Persint", "", false},
		{"location", "Texas", Location, false},
		{"NAME", "Tasha", Name, true},
		{"DATE", "2021", Date, false},
	}
	for _, tt := range tests {
		got, phi := GoldType(tt.label, tt.text)
		if got != tt.want || phi != tt.phi {
			t.Errorf("GoldType(%q, %q) = %q, %v, want %q, %v", tt.label, tt.text, got, phi, tt.want, tt.phi)
		}
	}
}

func TestEvaluationCounts(t *testing.T) {
	ev := NewEvaluation(10)
	rec := GoldRecord{ID: "1", Text: "Ana went to Norway with Bob", Spans: []GoldSpan{
		{0, 3, "PERSON", "Ana"}, {12, 18, "GPE", "Norway"}, {24, 27, "PERSON", "Bob"}}}
	ev.Add(rec, []Span{{Start: 0, End: 3, Type: Name}, {Start: 12, End: 18, Type: Location}})
	c := ev.Total
	if c.Gold != 2 || c.Found != 1 || c.Pred != 2 || c.Correct != 1 {
		t.Errorf("counts = %+v, want gold 2, found 1, pred 2, correct 1", c)
	}
	if got, want := c.Recall(), 0.5; got != want {
		t.Errorf("Recall() = %v, want %v", got, want)
	}
}

// devFloor is the minimum lenient recall and precision each development set
// must keep: the measured figures (docs/phi.md) less a small margin.
var devFloor = []struct {
	file              string
	recall, precision float64
}{
	{"../../shared/data/phi/presidio_synth.jsonl", 0.93, 0.85},
	{"../../shared/data/phi/meddocan_test.jsonl", 0.96, 0.85},
	{"../../shared/data/phi/wnut17_dev.jsonl", 0.59, 0.60},
	{"../../shared/data/phi/wnut17_test.jsonl", 0.53, 0.24},
	{"testdata/posts.jsonl", 0.97, 0.96},
	{"testdata/posts_fresh.jsonl", 0.95, 0.90},
	{"testdata/clinical_notes_dev.jsonl", 0.96, 0.95},
	// Held out: evaluated once after the tuning on the dev notes (0.985 /
	// 0.976); the floor only guards against regressions from now on.
	{"testdata/clinical_notes_heldout.jsonl", 0.96, 0.94},
}

func TestDevSetFloors(t *testing.T) {
	d := NewDetector(Config{})
	for _, ds := range devFloor {
		t.Run(filepath.Base(ds.file), func(t *testing.T) {
			f, err := os.Open(ds.file)
			if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") != "true" {
				t.Skipf("%s absent (set CI=true to require it)", ds.file)
			}
			if err != nil {
				t.Fatalf("open %s: %v", ds.file, err)
			}
			defer f.Close()
			ev := NewEvaluation(0)
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<24)
			for n := 1; sc.Scan(); n++ {
				var rec GoldRecord
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatalf("%s line %d: %v", ds.file, n, err)
				}
				ev.Add(rec, d.Scan(rec.Text))
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if r := ev.Total.Recall(); r < ds.recall {
				t.Errorf("recall = %.4f, want >= %.2f", r, ds.recall)
			}
			if p := ev.Total.Precision(); p < ds.precision {
				t.Errorf("precision = %.4f, want >= %.2f", p, ds.precision)
			}
		})
	}
}
