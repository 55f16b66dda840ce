package segment

import "math"

// AdjustedRand returns the adjusted Rand index of two partitions of the
// same items: 1 for identical partitions, about 0 for chance agreement.
func AdjustedRand(a, b []int) float64 {
	if len(a) != len(b) || len(a) < 2 {
		return math.NaN()
	}
	ka, kb := 0, 0
	for i := range a {
		ka, kb = max(ka, a[i]+1), max(kb, b[i]+1)
	}
	tab := make([]float64, ka*kb)
	ra, rb := make([]float64, ka), make([]float64, kb)
	for i := range a {
		tab[a[i]*kb+b[i]]++
		ra[a[i]]++
		rb[b[i]]++
	}
	c2 := func(x float64) float64 { return x * (x - 1) / 2 }
	var sij, sa, sb float64
	for _, v := range tab {
		sij += c2(v)
	}
	for _, v := range ra {
		sa += c2(v)
	}
	for _, v := range rb {
		sb += c2(v)
	}
	exp := sa * sb / c2(float64(len(a)))
	maxi := (sa + sb) / 2
	if maxi == exp {
		return 1 // both partitions trivial
	}
	return (sij - exp) / (maxi - exp)
}

// MatchLabels returns the one-to-one relabelling of predicted classes onto
// true classes that maximises agreement (an exact assignment by dynamic
// programming over subsets, fine for up to ~16 classes), and that agreement.
// perm[p] is the true class matched to predicted class p, or -1.
func MatchLabels(truth, pred []int) (perm []int, accuracy float64) {
	kt, kp := 0, 0
	for i := range truth {
		kt, kp = max(kt, truth[i]+1), max(kp, pred[i]+1)
	}
	tab := make([][]int, kp)
	for p := range tab {
		tab[p] = make([]int, kt)
	}
	for i := range truth {
		tab[pred[i]][truth[i]]++
	}
	// Predicted classes are taken in order; mask is the set of true classes
	// already used and best[mask] the largest agreement reaching it.
	n := 1 << kt
	best := make([]int, n)
	choice := make([][]int, kp+1)
	for i := range best {
		best[i] = -1
	}
	best[0] = 0
	cur := best
	for p := range kp {
		next := make([]int, n)
		ch := make([]int, n)
		for i := range next {
			next[i] = -1
		}
		for mask, v := range cur {
			if v < 0 {
				continue
			}
			if v > next[mask] { // leave p unmatched
				next[mask], ch[mask] = v, -1
			}
			for t := range kt {
				if mask&(1<<t) != 0 {
					continue
				}
				m2 := mask | 1<<t
				if w := v + tab[p][t]; w > next[m2] {
					next[m2], ch[m2] = w, t
				}
			}
		}
		choice[p] = ch
		cur = next
	}
	bestMask, bestV := 0, -1
	for mask, v := range cur {
		if v > bestV {
			bestMask, bestV = mask, v
		}
	}
	perm = make([]int, kp)
	mask := bestMask
	for p := kp - 1; p >= 0; p-- {
		t := choice[p][mask]
		perm[p] = t
		if t >= 0 {
			mask &^= 1 << t
		}
	}
	return perm, float64(bestV) / float64(len(truth))
}

// Agreement summarises how well predicted labels reproduce reference labels.
type Agreement struct {
	N         int       `json:"n"`
	Agreement float64   `json:"agreement"`
	Kappa     float64   `json:"kappa"`
	Recall    []float64 `json:"recall"` // per reference class; 0 for a class absent from ref (see Confusion)
	Confusion [][]int   `json:"confusion"`
}

// Compare returns the agreement, Cohen's kappa, per-class recall and
// confusion matrix (rows = reference) of pred against ref over k classes.
func Compare(ref, pred []int, k int) Agreement {
	a := Agreement{N: len(ref), Recall: make([]float64, k), Confusion: make([][]int, k)}
	for i := range a.Confusion {
		a.Confusion[i] = make([]int, k)
	}
	agree := 0
	for i := range ref {
		a.Confusion[ref[i]][pred[i]]++
		if ref[i] == pred[i] {
			agree++
		}
	}
	n := float64(len(ref))
	if n == 0 {
		return a
	}
	a.Agreement = float64(agree) / n
	pe := 0.0
	for r := range k {
		row, col := 0, 0
		for c := range k {
			row += a.Confusion[r][c]
			col += a.Confusion[c][r]
		}
		pe += float64(row) * float64(col) / (n * n)
		if row > 0 {
			a.Recall[r] = float64(a.Confusion[r][r]) / float64(row)
		}
	}
	if pe < 1 {
		a.Kappa = (a.Agreement - pe) / (1 - pe)
	} else {
		a.Kappa = 1
	}
	return a
}

// Entropy returns the relative entropy of posteriors (row-major n*k): 1 when
// every respondent is assigned with certainty, 0 when all are uniform.
func Entropy(post []float64, k int) float64 {
	if k < 2 || len(post) == 0 {
		return 1
	}
	n := len(post) / k
	h := 0.0
	for _, p := range post {
		if p > 0 {
			h -= p * math.Log(p)
		}
	}
	return 1 - h/(float64(n)*math.Log(float64(k)))
}
