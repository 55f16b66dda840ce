//go:build !race

// The race detector slows EM about tenfold; this test checks accuracy, not
// concurrency (TestSelectKDoesNotDependOnWorkers and TestFitAutoCancelled
// run the worker pool under -race), so it runs only without -race.

package segment

import "testing"

// TestFitAutoAtSelectionSize fits a population exactly as large as the
// default selection subsample (10,000), so K is chosen on every row, as it
// is on the subsample of a big file. Fewer starts and resamples than the
// defaults keep it fast.
func TestFitAutoAtSelectionSize(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 10,000 respondents")
	}
	pop := DefaultPopulation()
	rs, truth := Simulate(pop, 10000, 5)
	m, err := Fit(t.Context(), rs, FitOptions{Seed: 5, KMax: 6, Starts: 3, Bootstraps: 2, ShortItems: -1})
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if got, want := len(m.Segments), len(pop.Classes); got != want {
		t.Fatalf("Fit chose K = %d, want %d", got, want)
	}
	if m.Fit.SelectionRows != 0 || m.Fit.Final != nil {
		t.Errorf("Fit subsampled %d rows of %d, want none", m.Fit.SelectionRows, rs.Len())
	}
	if got := accuracy(t, m, rs, truth); got < 0.90 {
		t.Errorf("accuracy after label matching = %.3f, want >= 0.90", got)
	}
}
