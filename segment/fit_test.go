package segment

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// fitCase is a simulated population with known classes.
type fitCase struct {
	name string
	pop  Population
	n    int
	seed uint64
}

func fitCases() []fitCase {
	return []fitCase{
		{"default-five-segments", DefaultPopulation(), 1600, 11},
		{"random-four-classes", RandomPopulation(4, 24, 5), 1000, 23},
	}
}

func TestFitAutoFindsTrueKAndRecoversClasses(t *testing.T) {
	for _, tc := range fitCases() {
		t.Run(tc.name, func(t *testing.T) {
			rs, truth := Simulate(tc.pop, tc.n, tc.seed)
			m, err := Fit(context.Background(), rs, FitOptions{Seed: tc.seed, KMax: 6, Starts: 3, Bootstraps: 2, StabilityRows: 600})
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			for _, st := range m.Fit.Table {
				t.Logf("K=%d logL=%.1f BIC=%.1f stab=%.3f ent=%.3f chosen=%v", st.K, st.LogL, st.BIC, st.Stability, st.Entropy, st.Chosen)
			}
			if got, want := len(m.Segments), len(tc.pop.Classes); got != want {
				t.Fatalf("Fit chose K = %d, want %d", got, want)
			}
			sc, err := m.NewScorer(rs.Items, false, 1e-9)
			if err != nil {
				t.Fatal(err)
			}
			pred := make([]int, rs.Len())
			probs := make([]float64, len(m.Segments))
			for i := range pred {
				pred[i], _ = sc.Score(rs.Row(i), probs)
			}
			_, acc := MatchLabels(truth, pred)
			if acc < 0.90 {
				t.Errorf("accuracy after label matching = %.3f, want >= 0.90", acc)
			}
			// The short form against the full form on a fresh sample from the
			// same population (the fit's own test split is small here).
			fresh, _ := Simulate(tc.pop, 4000, tc.seed+1000)
			full, err := m.NewScorer(fresh.Items, false, 1e-9)
			if err != nil {
				t.Fatal(err)
			}
			short, err := m.NewScorer(fresh.Items, true, 1e-9)
			if err != nil {
				t.Fatal(err)
			}
			ref, got := make([]int, fresh.Len()), make([]int, fresh.Len())
			for i := range ref {
				ref[i], _ = full.Score(fresh.Row(i), probs)
				got[i], _ = short.Score(fresh.Row(i), probs)
			}
			a := Compare(ref, got, len(m.Segments))
			t.Logf("accuracy %.3f; short form %d items on a fresh sample: agreement %.3f kappa %.3f recall %.3f", acc, len(m.ShortForm.Items), a.Agreement, a.Kappa, a.Recall)
			if len(m.ShortForm.Items) > 12 {
				t.Errorf("short form has %d items, want <= 12", len(m.ShortForm.Items))
			}
			if a.Agreement < 0.88 {
				t.Errorf("short form agreement = %.3f, want >= 0.88", a.Agreement)
			}
			for h, r := range a.Recall {
				if r < 0.75 {
					t.Errorf("short form recall of segment %d = %.3f, want >= 0.75", h, r)
				}
			}
		})
	}
}

// TestFitAutoOnSubsample chooses K on a subsample smaller than the
// population (SelectRows) and fits the chosen K on all rows: it must still
// find the true K and recover the classes, and the final model must be the
// one a fit with that K fixed gives.
func TestFitAutoOnSubsample(t *testing.T) {
	cases := []struct {
		fitCase
		selectRows int
	}{
		{fitCase{"default-five-segments", DefaultPopulation(), 4000, 11}, 1600},
		{fitCase{"random-four-classes", RandomPopulation(4, 24, 5), 4000, 23}, 1000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs, truth := Simulate(tc.pop, tc.n, tc.seed)
			o := FitOptions{Seed: tc.seed, KMax: 6, Starts: 3, Bootstraps: 2, StabilityRows: 600, SelectRows: tc.selectRows, ShortItems: -1}
			m, err := Fit(t.Context(), rs, o)
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			for _, st := range m.Fit.Table {
				t.Logf("K=%d BIC=%.1f stab=%.3f chosen=%v", st.K, st.BIC, st.Stability, st.Chosen)
			}
			if got, want := len(m.Segments), len(tc.pop.Classes); got != want {
				t.Fatalf("Fit chose K = %d, want %d", got, want)
			}
			if got, want := m.Fit.SelectionRows, tc.selectRows; got != want {
				t.Errorf("Fit.SelectionRows = %d, want %d", got, want)
			}
			if m.Fit.Final == nil || m.Fit.Final.K != len(tc.pop.Classes) || !m.Fit.Final.Chosen {
				t.Fatalf("Fit.Final = %+v, want the chosen K fitted on all rows", m.Fit.Final)
			}
			if got := accuracy(t, m, rs, truth); got < 0.90 {
				t.Errorf("accuracy on all %d rows after label matching = %.3f, want >= 0.90", rs.Len(), got)
			}
			o.K = len(tc.pop.Classes)
			fixed, err := Fit(t.Context(), rs, o)
			if err != nil {
				t.Fatalf("Fit with K fixed: %v", err)
			}
			if got, want := m.Fit.Final.LogL, fixed.Fit.Table[0].LogL; got != want {
				t.Errorf("auto fit's final log-likelihood = %.3f, want %.3f (the fit with K fixed)", got, want)
			}
		})
	}
}

// TestSelectKDoesNotDependOnWorkers runs the K search on one and on three
// workers: the tables must be identical.
func TestSelectKDoesNotDependOnWorkers(t *testing.T) {
	rs, _ := Simulate(RandomPopulation(3, 16, 7), 800, 3)
	var tables [][]KStat
	for _, w := range []int{1, 3} {
		m, err := Fit(t.Context(), rs, FitOptions{Seed: 3, KMax: 5, Starts: 2, Bootstraps: 3, StabilityRows: 400, Workers: w, ShortItems: -1})
		if err != nil {
			t.Fatalf("Fit with %d workers: %v", w, err)
		}
		tables = append(tables, m.Fit.Table)
	}
	if !reflect.DeepEqual(tables[0], tables[1]) {
		t.Errorf("table with 1 worker:\n%+v\nwith 3 workers:\n%+v", tables[0], tables[1])
	}
}

// TestFitAutoCancelled cancels a fit from its progress callback: Fit must
// return the context's error and leave no goroutine behind.
func TestFitAutoCancelled(t *testing.T) {
	rs, _ := Simulate(DefaultPopulation(), 1500, 9)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := Fit(ctx, rs, FitOptions{Seed: 9, Starts: 2, Bootstraps: 2, StabilityRows: 500, Workers: 2, ShortItems: -1,
		Progress: func(st KStat) {
			if st.K == 2 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fit after cancel = %v, want context.Canceled", err)
	}
	// Fit waits for its workers; the runtime may take a moment to reap them.
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("goroutines after a cancelled fit = %d, want <= %d", runtime.NumGoroutine(), before)
}

// accuracy classifies rs with m's full form and returns the share of rows
// whose matched label equals truth.
func accuracy(t *testing.T, m *Model, rs *Responses, truth []int) float64 {
	t.Helper()
	sc, err := m.NewScorer(rs.Items, false, 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]int, rs.Len())
	probs := make([]float64, len(m.Segments))
	for i := range pred {
		pred[i], _ = sc.Score(rs.Row(i), probs)
	}
	_, acc := MatchLabels(truth, pred)
	return acc
}
