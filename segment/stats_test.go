package segment

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestAdjustedRand(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []int
		want float64
	}{
		{"identical", []int{0, 0, 1, 1, 2, 2}, []int{0, 0, 1, 1, 2, 2}, 1},
		{"relabelled", []int{0, 0, 1, 1, 2, 2}, []int{2, 2, 0, 0, 1, 1}, 1},
		{"one moved", []int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 1, 1}, 0.3243243243243243},
		{"crossed", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, -0.5},
	} {
		if got := AdjustedRand(tc.a, tc.b); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("AdjustedRand(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMatchLabels(t *testing.T) {
	truth := []int{0, 0, 0, 1, 1, 2, 2, 2, 2, 0}
	pred := []int{2, 2, 2, 0, 0, 1, 1, 1, 0, 1}
	perm, acc := MatchLabels(truth, pred)
	if want := []int{1, 2, 0}; perm[0] != want[0] || perm[1] != want[1] || perm[2] != want[2] {
		t.Errorf("MatchLabels perm = %v, want %v", perm, want)
	}
	if want := 0.8; math.Abs(acc-want) > 1e-12 {
		t.Errorf("MatchLabels accuracy = %v, want %v", acc, want)
	}
}

func TestCompare(t *testing.T) {
	ref := []int{0, 0, 0, 0, 1, 1, 1, 1}
	pred := []int{0, 0, 0, 1, 1, 1, 1, 0}
	a := Compare(ref, pred, 2)
	if a.Agreement != 0.75 || a.Kappa != 0.5 || a.Recall[0] != 0.75 || a.Recall[1] != 0.75 {
		t.Errorf("Compare = agreement %v kappa %v recall %v, want 0.75 0.5 [0.75 0.75]", a.Agreement, a.Kappa, a.Recall)
	}
}

// TestFitHandlesMissingAnswers checks that missing answers are skipped, not
// read as a category: with half the answers removed at random, the classes
// are still recovered and the fitted answer distributions stay close to
// those fitted on complete data.
func TestFitHandlesMissingAnswers(t *testing.T) {
	pop := RandomPopulation(3, 24, 3)
	pop.Missing = 0
	rs, truth := Simulate(pop, 1500, 4)
	holed := rs.Subset(func() []int {
		idx := make([]int, rs.Len())
		for i := range idx {
			idx[i] = i
		}
		return idx
	}())
	rng := rand.New(rand.NewPCG(8, 8))
	var fits []*LCA
	var perms [][]int
	for i := range holed.Values {
		if rng.IntN(2) == 0 {
			holed.Values[i] = 0
		}
	}
	for _, tc := range []struct {
		name string
		rs   *Responses
	}{{"complete", rs}, {"half missing", holed}} {
		fits = append(fits, nil)
		m, err := FitLCA(t.Context(), tc.rs, 3, EMOptions{Seed: 1, Starts: 4})
		if err != nil {
			t.Fatal(err)
		}
		_, cls := m.Posteriors(tc.rs)
		perm, acc := MatchLabels(truth, cls)
		fits[len(fits)-1] = m
		perms = append(perms, perm)
		if acc < 0.85 {
			t.Errorf("%s: accuracy after matching = %.3f, want >= 0.85", tc.name, acc)
		}
		for h := range m.K {
			for j := range m.P {
				s := 0.0
				for c := range Categories {
					s += m.Probs[(h*m.P+j)*Categories+c]
				}
				if math.Abs(s-1) > 1e-9 {
					t.Fatalf("%s: class %d item %d probabilities sum to %v", tc.name, h, j, s)
				}
			}
		}
	}
	// Align the two fits through the true classes and compare.
	inv := func(perm []int) []int {
		out := make([]int, len(perm))
		for p, t := range perm {
			out[t] = p
		}
		return out
	}
	a, b := inv(perms[0]), inv(perms[1])
	worst := 0.0
	for t := range 3 {
		for j := range fits[0].P {
			for c := range Categories {
				d := fits[0].Probs[(a[t]*fits[0].P+j)*Categories+c] - fits[1].Probs[(b[t]*fits[1].P+j)*Categories+c]
				worst = max(worst, math.Abs(d))
			}
		}
	}
	if worst > 0.12 {
		t.Errorf("largest difference between complete-data and half-missing answer probabilities = %.3f, want <= 0.12", worst)
	}
}
