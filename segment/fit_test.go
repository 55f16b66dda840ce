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
		{"default-five-segments", DefaultPopulation(), 2000, 11},
		{"random-four-classes", RandomPopulation(4, 24, 5), 1200, 23},
	}
}

func TestFitAutoFindsTrueKAndRecoversClasses(t *testing.T) {
	for _, tc := range fitCases() {
		t.Run(tc.name, func(t *testing.T) {
			rs, truth := Simulate(tc.pop, tc.n, tc.seed)
			m, err := Fit(context.Background(), rs, FitOptions{Seed: tc.seed, KMax: 6, Starts: 4, Bootstraps: 2, StabilityRows: 800})
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
			ev := m.ShortForm.Evaluation
			t.Logf("accuracy %.3f; short form %d items: agreement %.3f kappa %.3f recall %v (NB %.3f)", acc, len(m.ShortForm.Items), ev.Logistic.Agreement, ev.Logistic.Kappa, ev.Logistic.Recall, ev.NaiveBayes.Agreement)
			if ev.Logistic.Agreement < 0.88 {
				t.Errorf("short form agreement = %.3f, want >= 0.88", ev.Logistic.Agreement)
			}
			for h, r := range ev.Logistic.Recall {
				if r < 0.75 {
					t.Errorf("short form recall of segment %d = %.3f, want >= 0.75", h, r)
				}
			}
		})
	}
}
