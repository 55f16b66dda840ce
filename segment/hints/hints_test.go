package hints

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/rapport-health/rapport/segment"
)

const hintsPath = "../../../shared/data/hints-pr-2007/hints_pr_2007.csv"

func openHINTS(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Open(hintsPath)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing in CI: %v", err)
		}
		t.Skipf("shared data not available: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestConvertHINTS(t *testing.T) {
	rs, rep, err := Convert(openHINTS(t))
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	if got, want := rs.Len(), 639; got != want {
		t.Errorf("rows = %d, want %d", got, want)
	}
	// Counts published in the data's README (from NCI's codebook).
	for _, tc := range []struct {
		item            string
		answered, blank int
	}{
		{"HC07aTrustDoctor", 638, 1},
		{"HS12AvoidDoc", 629, 10},
		{"CS13PreventNotPossible", 593, 46},
		{"HC06ConfidentGetHealthInfo", 629, 10},
	} {
		if got := rep.Answered[tc.item]; got != tc.answered {
			t.Errorf("answered %s = %d, want %d", tc.item, got, tc.answered)
		}
		if got := rep.Blank[tc.item]; got != tc.blank {
			t.Errorf("blank %s = %d, want %d", tc.item, got, tc.blank)
		}
	}
	// HC07aTrustDoctor: 501 answered "A lot" (code 1), which recodes to 4.
	j := -1
	for i, it := range rs.Items {
		if it == "HC07aTrustDoctor" {
			j = i
		}
	}
	n4 := 0
	for i := range rs.Len() {
		if rs.Row(i)[j] == 4 {
			n4++
		}
	}
	if n4 != 501 {
		t.Errorf("HC07aTrustDoctor recoded 4 (a lot) count = %d, want 501", n4)
	}
	// The table must survive the CSV round trip that `rapport segment fit` reads.
	var buf bytes.Buffer
	if err := rs.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := segment.ParseResponsesCSV(&buf)
	if err != nil {
		t.Fatalf("ParseResponsesCSV of converted HINTS: %v", err)
	}
	if !bytes.Equal(back.Values, rs.Values) {
		t.Errorf("round trip changed the values")
	}
}

func TestFitHINTS(t *testing.T) {
	rs, _, err := Convert(openHINTS(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := segment.Fit(context.Background(), rs, segment.FitOptions{Seed: 1, KMax: 5, Starts: 4, Bootstraps: 2})
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	chosen := 0
	for _, st := range m.Fit.Table {
		if st.Chosen {
			chosen++
		}
	}
	if chosen != 1 || len(m.Fit.Table) < 2 {
		t.Errorf("selection table has %d rows and %d chosen, want >= 2 rows and exactly 1 chosen", len(m.Fit.Table), chosen)
	}
	var buf bytes.Buffer
	if err := m.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := segment.LoadModel(&buf); err != nil {
		t.Errorf("LoadModel of the HINTS fit: %v", err)
	}
}

func TestConvertErrors(t *testing.T) {
	var header []string
	header = append(header, "CaseNo")
	for _, it := range Items() {
		header = append(header, it.Name)
	}
	row := func(cell string) string {
		cells := []string{"1"}
		for range Items() {
			cells = append(cells, cell)
		}
		return strings.Join(cells, ",")
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"no CaseNo", "X,HC07aTrustDoctor\n", "CaseNo"},
		{"missing item column", "CaseNo,HC07aTrustDoctor\n", "line 1: no "},
		{"text cell", strings.Join(header, ",") + "\n" + row("x") + "\n", "line 2, column 2"},
		{"no rows", strings.Join(header, ",") + "\n", "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Convert(strings.NewReader(tc.in))
			var se *segment.Error
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Convert(%s) error = %v, want a *segment.Error containing %q", tc.name, err, tc.want)
			}
		})
	}
}
