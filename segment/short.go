package segment

import (
	"context"
	"math"
	"math/rand/v2"
)

// ShortFormReport records how the short form was chosen and how well it
// reproduces the full model on respondents it never saw.
type ShortFormReport struct {
	Train      int             `json:"train"`
	Validation int             `json:"validation"`
	Test       int             `json:"test"`
	Steps      []SelectionStep `json:"steps"`
	Lambda     float64         `json:"lambda"`
	Logistic   Agreement       `json:"logistic"`    // the shipped classifier, on the test split
	NaiveBayes Agreement       `json:"naive_bayes"` // baseline: the latent class posterior on the same items
}

// SelectionStep is one step of greedy forward selection.
type SelectionStep struct {
	Item       string  `json:"item"`
	Validation float64 `json:"validation_agreement"`
}

const (
	shortMethod     = "greedy forward selection by validation agreement of the latent class posterior restricted to the chosen items"
	shortClassifier = "multinomial logistic regression, one-hot answers, L2 penalty chosen on the validation split, trained on full-model posteriors"
)

// fitShortForm splits rs 60/20/20 into train, validation and test; chooses
// n items by greedy forward selection (each step adds the item that most
// raises validation agreement with the full model's assignment); fits a
// multinomial logistic regression on those items; and evaluates it and a
// naive-Bayes baseline on the test split.
func fitShortForm(ctx context.Context, rs *Responses, m *LCA, n int, seed uint64) (*ShortForm, error) {
	rng := rand.New(rand.NewPCG(seed, 0x5f))
	perm := rng.Perm(rs.Len())
	nTrain, nVal := rs.Len()*6/10, rs.Len()*2/10
	trainIdx, valIdx, testIdx := perm[:nTrain], perm[nTrain:nTrain+nVal], perm[nTrain+nVal:]
	// Caps keep the short form's cost bounded on very large files.
	trainIdx = trainIdx[:min(len(trainIdx), 20000)]
	valIdx = valIdx[:min(len(valIdx), 10000)]
	testIdx = testIdx[:min(len(testIdx), 20000)]
	train, val, test := rs.Subset(trainIdx), rs.Subset(valIdx), rs.Subset(testIdx)
	trainPost, _ := m.Posteriors(train)
	_, valRef := m.Posteriors(val)
	_, testRef := m.Posteriors(test)

	logW, logT := m.logTables()
	k, p := m.K, m.P
	// Greedy forward selection.
	chosen := []int{}
	used := make([]bool, p)
	acc := make([]float64, val.Len()*k)
	for i := range val.Len() {
		copy(acc[i*k:(i+1)*k], logW)
	}
	rep := &ShortFormReport{Train: train.Len(), Validation: val.Len(), Test: test.Len()}
	scratch := make([]float64, k)
	for len(chosen) < n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bestJ, bestAcc := -1, -1.0
		for j := range p {
			if used[j] {
				continue
			}
			agree := 0
			for i := range val.Len() {
				copy(scratch, acc[i*k:(i+1)*k])
				t := logT[(j*(Categories+1)+int(val.Values[i*p+j]))*k:][:k]
				top := 0
				for h := range scratch {
					scratch[h] += t[h]
					if scratch[h] > scratch[top] {
						top = h
					}
				}
				if top == valRef[i] {
					agree++
				}
			}
			if a := float64(agree) / float64(val.Len()); a > bestAcc {
				bestJ, bestAcc = j, a
			}
		}
		used[bestJ] = true
		chosen = append(chosen, bestJ)
		for i := range val.Len() {
			t := logT[(bestJ*(Categories+1)+int(val.Values[i*p+bestJ]))*k:][:k]
			for h := range k {
				acc[i*k+h] += t[h]
			}
		}
		rep.Steps = append(rep.Steps, SelectionStep{Item: rs.Items[bestJ], Validation: bestAcc})
	}

	items := make([]string, len(chosen))
	for s, j := range chosen {
		items[s] = rs.Items[j]
	}
	xTrain, xVal, xTest := columns(train, chosen), columns(val, chosen), columns(test, chosen)
	var best *logit
	bestAgree := -1.0
	// The naive-Bayes classifier on the chosen items is itself a logistic
	// model on one-hot answers; the regression starts from it and is shrunk
	// toward it, so that small segments keep the prior's protection.
	prior := &logit{k: k, b: append([]float64(nil), logW...), w: make([]float64, len(chosen)*Categories*k)}
	for s, j := range chosen {
		for c := 1; c <= Categories; c++ {
			copy(prior.w[(s*Categories+c-1)*k:][:k], logT[(j*(Categories+1)+c)*k:][:k])
		}
	}
	for _, lambda := range []float64{1e-1, 1e-2, 1e-3} {
		lr := trainLogit(xTrain, len(chosen), trainPost, prior, lambda)
		a := Compare(valRef, lr.predict(xVal, len(chosen)), k).Agreement
		if a > bestAgree+1e-9 {
			best, bestAgree, rep.Lambda = lr, a, lambda
		}
	}
	rep.Logistic = Compare(testRef, best.predict(xTest, len(chosen)), k)
	// Baseline: the latent class posterior restricted to the chosen items.
	nb := make([]int, test.Len())
	post := make([]float64, k)
	for i := range test.Len() {
		copy(post, logW)
		for _, j := range chosen {
			t := logT[(j*(Categories+1)+int(test.Values[i*p+j]))*k:][:k]
			for h := range k {
				post[h] += t[h]
			}
		}
		nb[i] = softmax(post)
	}
	rep.NaiveBayes = Compare(testRef, nb, k)

	sf := &ShortForm{Method: shortMethod, Classifier: shortClassifier, Items: items, Intercepts: best.b, Evaluation: rep,
		Coefficients: make([][]float64, k)}
	nf := len(chosen) * Categories
	for h := range k {
		sf.Coefficients[h] = make([]float64, nf)
		for f := range nf {
			sf.Coefficients[h][f] = best.w[f*k+h]
		}
	}
	return sf, nil
}

// columns returns rs's columns cols, row-major.
func columns(rs *Responses, cols []int) []uint8 {
	p := len(rs.Items)
	out := make([]uint8, 0, rs.Len()*len(cols))
	for i := range rs.Len() {
		for _, j := range cols {
			out = append(out, rs.Values[i*p+j])
		}
	}
	return out
}

// logit is a multinomial logistic regression on one-hot answers: feature
// j*Categories+c-1 is "answered c to item j"; w is feature-major (f*K+k).
type logit struct {
	k int
	b []float64
	w []float64
}

// trainLogit minimises the mean cross-entropy against soft targets y (n*k)
// plus lambda/2 |w - prior.w|^2, by full-batch Adam started at prior.
func trainLogit(x []uint8, p int, y []float64, prior *logit, lambda float64) *logit {
	n := len(x) / p
	k := prior.k
	nf := p * Categories
	lr := &logit{k: k, b: append([]float64(nil), prior.b...), w: append([]float64(nil), prior.w...)}
	nparam := k + nf*k
	grad := make([]float64, nparam)
	m1, m2 := make([]float64, nparam), make([]float64, nparam)
	const (
		iters = 200
		rate  = 0.02
		b1    = 0.9
		b2    = 0.999
	)
	z := make([]float64, k)
	for it := 1; it <= iters; it++ {
		clear(grad)
		gb, gw := grad[:k], grad[k:]
		for i := range n {
			row := x[i*p : (i+1)*p]
			lr.scores(row, z)
			softmax(z)
			yi := y[i*k : (i+1)*k]
			for h := range k {
				z[h] -= yi[h]
				gb[h] += z[h]
			}
			for j, v := range row {
				if v == 0 {
					continue
				}
				g := gw[(j*Categories+int(v)-1)*k:][:k]
				for h := range k {
					g[h] += z[h]
				}
			}
		}
		inv := 1 / float64(n)
		for i := range grad {
			grad[i] *= inv
		}
		for i := range gw {
			gw[i] += lambda * (lr.w[i] - prior.w[i])
		}
		c1, c2 := 1-math.Pow(b1, float64(it)), 1-math.Pow(b2, float64(it))
		for i, g := range grad {
			m1[i] = b1*m1[i] + (1-b1)*g
			m2[i] = b2*m2[i] + (1-b2)*g*g
			step := rate * (m1[i] / c1) / (math.Sqrt(m2[i]/c2) + 1e-8)
			if i < k {
				lr.b[i] -= step
			} else {
				lr.w[i-k] -= step
			}
		}
	}
	return lr
}

func (lr *logit) scores(row []uint8, z []float64) {
	k := lr.k
	copy(z, lr.b)
	for j, v := range row {
		if v == 0 {
			continue
		}
		w := lr.w[(j*Categories+int(v)-1)*k:][:k]
		for h := range k {
			z[h] += w[h]
		}
	}
}

func (lr *logit) predict(x []uint8, p int) []int {
	n := len(x) / p
	out := make([]int, n)
	z := make([]float64, lr.k)
	for i := range n {
		lr.scores(x[i*p:(i+1)*p], z)
		out[i] = softmax(z)
	}
	return out
}
