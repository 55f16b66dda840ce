package segment

import (
	"context"
	"testing"
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
