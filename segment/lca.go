package segment

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// LCA is a fitted latent class model: K classes, each with a weight and, for
// every item, a categorical distribution over the answers 1..Categories.
// Answers are independent given the class (local independence); a missing
// answer contributes nothing to the likelihood.
type LCA struct {
	K, P    int
	Weights []float64 // K, summing to 1
	Probs   []float64 // K*P*Categories: Probs[(k*P+j)*Categories+c-1] = P(answer c to item j | class k)
	LogL    float64   // log-likelihood of the data it was fitted on
	Iter    int       // EM iterations of the winning start
}

// EMOptions tunes one latent class fit.
type EMOptions struct {
	Starts    int     // random starts, each run ShortIter iterations; the best is run to convergence (default 8)
	ShortIter int     // iterations per start before choosing the best (default 25)
	MaxIter   int     // iteration cap of the final run (default 1000)
	Tol       float64 // stop when the log-likelihood gains less than Tol per respondent (default 1e-7)
	Smoothing float64 // Dirichlet pseudo-count added to every category (default 0.5)
	Seed      uint64
	// Workers is the number of goroutines of the E-step (default
	// GOMAXPROCS). Fits that already run side by side use 1.
	Workers int
}

func (o EMOptions) withDefaults() EMOptions {
	if o.Starts <= 0 {
		o.Starts = 8
	}
	if o.ShortIter <= 0 {
		o.ShortIter = 25
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 1000
	}
	if o.Tol <= 0 {
		o.Tol = 1e-7
	}
	if o.Smoothing <= 0 {
		o.Smoothing = 0.5
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// chunk is the unit of work of the E-step. Partial sums are reduced in chunk
// order, so a fit gives the same numbers whatever the number of cores.
const chunk = 2048

// em holds the working state of one fit. logT is laid out so that the
// answer value indexes it directly: logT[(j*(Categories+1)+v)*K+k], with the
// v = 0 (missing) row all zeros, which skips missing answers without a branch.
type em struct {
	x      []uint8
	n, p   int
	k      int
	alpha  float64
	logW   []float64
	logT   []float64
	counts [][]float64 // per chunk: P*(Categories+1)*K expected counts, then K class totals
	ll     []float64   // per chunk log-likelihood
	sum    []float64   // the M-step's reduction of counts
	post   [][]float64 // per E-step worker: K posteriors of one row
	next   atomic.Int64
}

// newEM prepares a fit whose E-step runs on up to workers goroutines. Every
// buffer is allocated here, so an EM iteration allocates nothing when
// workers is 1 and only its goroutines otherwise.
func newEM(rs *Responses, k int, alpha float64, workers int) *em {
	n, p := rs.Len(), len(rs.Items)
	e := &em{x: rs.Values, n: n, p: p, k: k, alpha: alpha,
		logW: make([]float64, k), logT: make([]float64, p*(Categories+1)*k)}
	nc := (n + chunk - 1) / chunk
	e.counts = make([][]float64, nc)
	for i := range e.counts {
		e.counts[i] = make([]float64, p*(Categories+1)*k+k)
	}
	e.ll = make([]float64, nc)
	e.sum = make([]float64, p*(Categories+1)*k+k)
	e.post = make([][]float64, max(1, min(workers, nc)))
	for i := range e.post {
		e.post[i] = make([]float64, k)
	}
	return e
}

// step runs one E-step and M-step and returns the log-likelihood of the
// parameters it started from.
func (e *em) step() float64 {
	e.estep()
	ll := 0.0
	for _, v := range e.ll {
		ll += v
	}
	e.mstep()
	return ll
}

func (e *em) estep() {
	if len(e.post) == 1 {
		for c := range e.counts {
			e.ll[c] = e.chunkStep(c, e.post[0])
		}
		return
	}
	// Workers take chunks in turn; each chunk's sums land in its own
	// slot, so the result does not depend on who computed what.
	e.next.Store(0)
	var wg sync.WaitGroup
	for _, post := range e.post {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(e.next.Add(1)) - 1
				if c >= len(e.counts) {
					return
				}
				e.ll[c] = e.chunkStep(c, post)
			}
		}()
	}
	wg.Wait()
}

func (e *em) chunkStep(c int, post []float64) float64 {
	k, p := e.k, e.p
	cnt := e.counts[c]
	clear(cnt)
	tot := cnt[p*(Categories+1)*k:]
	lo, hi := c*chunk, min((c+1)*chunk, e.n)
	ll := 0.0
	for i := lo; i < hi; i++ {
		row := e.x[i*p : (i+1)*p]
		copy(post, e.logW)
		for j, v := range row {
			t := e.logT[(j*(Categories+1)+int(v))*k:][:len(post)]
			for h, w := range t {
				post[h] += w
			}
		}
		m := post[0]
		for _, v := range post[1:] {
			m = max(m, v)
		}
		s := 0.0
		for h, v := range post {
			w := math.Exp(v - m)
			post[h] = w
			s += w
		}
		ll += m + math.Log(s)
		inv := 1 / s
		for h := range post {
			post[h] *= inv
			tot[h] += post[h]
		}
		// A missing answer (v = 0) adds to row 0 of its item, which the
		// M-step never reads: cheaper than a branch per answer.
		for j, v := range row {
			a := cnt[(j*(Categories+1)+int(v))*k:][:len(post)]
			for h, w := range post {
				a[h] += w
			}
		}
	}
	return ll
}

func (e *em) mstep() {
	k, p := e.k, e.p
	size := p * (Categories + 1) * k
	sum := e.sum
	clear(sum)
	for _, c := range e.counts {
		for i, v := range c {
			sum[i] += v
		}
	}
	e.setFromCounts(sum[:size], sum[size:])
}

// setFromCounts sets the parameters to the smoothed maximum of the expected
// counts cnt (laid out like logT) and class totals tot.
func (e *em) setFromCounts(cnt, tot []float64) {
	k, p := e.k, e.p
	n := 0.0
	for _, v := range tot {
		n += v
	}
	for h := range k {
		e.logW[h] = math.Log((tot[h] + 1e-3) / (n + 1e-3*float64(k)))
	}
	for j := range p {
		for h := range k {
			den := 0.0
			for v := 1; v <= Categories; v++ {
				den += cnt[(j*(Categories+1)+v)*k+h] + e.alpha
			}
			for v := 1; v <= Categories; v++ {
				i := (j*(Categories+1)+v)*k + h
				e.logT[i] = math.Log((cnt[i] + e.alpha) / den)
			}
			e.logT[(j*(Categories+1))*k+h] = 0
		}
	}
}

// seed initialises the parameters from K distinct respondents chosen
// k-means++ style (each new seed far, in answers, from those already taken):
// class h starts as a smoothed distribution centred on seed h's answers.
func (e *em) seed(rng *rand.Rand) {
	k, p := e.k, e.p
	cnt := make([]float64, p*(Categories+1)*k)
	tot := make([]float64, k)
	dist := make([]float64, e.n)
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	pick := rng.IntN(e.n)
	for h := range k {
		row := e.x[pick*p : (pick+1)*p]
		for j, v := range row {
			for c := 1; c <= Categories; c++ {
				w := 0.15
				if v != 0 {
					d := float64(c - int(v))
					w = math.Exp(-d * d / 1.5)
				}
				cnt[(j*(Categories+1)+c)*k+h] = 10 * w
			}
		}
		tot[h] = 1
		if h == k-1 {
			break
		}
		total := 0.0
		for i := range e.n {
			d := 0.0
			other := e.x[i*p : (i+1)*p]
			for j, v := range row {
				if v != 0 && other[j] != 0 {
					t := float64(int(v) - int(other[j]))
					d += t * t
				}
			}
			dist[i] = min(dist[i], d)
			total += dist[i]
		}
		if total == 0 {
			pick = rng.IntN(e.n)
			continue
		}
		u := rng.Float64() * total
		for i, d := range dist {
			u -= d
			if u <= 0 {
				pick = i
				break
			}
		}
	}
	saved := e.alpha
	e.alpha = 0.5
	e.setFromCounts(cnt, tot)
	e.alpha = saved
}

func (e *em) snapshot(ll float64, iter int) *LCA {
	k, p := e.k, e.p
	m := &LCA{K: k, P: p, Weights: make([]float64, k), Probs: make([]float64, k*p*Categories), LogL: ll, Iter: iter}
	for h := range k {
		m.Weights[h] = math.Exp(e.logW[h])
		for j := range p {
			for c := 1; c <= Categories; c++ {
				m.Probs[(h*p+j)*Categories+c-1] = math.Exp(e.logT[(j*(Categories+1)+c)*k+h])
			}
		}
	}
	return m
}

func (e *em) load(m *LCA) {
	k, p := e.k, e.p
	for h := range k {
		e.logW[h] = math.Log(m.Weights[h])
		for j := range p {
			e.logT[(j*(Categories+1))*k+h] = 0
			for c := 1; c <= Categories; c++ {
				e.logT[(j*(Categories+1)+c)*k+h] = math.Log(m.Probs[(h*p+j)*Categories+c-1])
			}
		}
	}
}

// FitLCA fits a K-class latent class model to rs by EM: o.Starts short runs
// from different seeds, then the best of them run to convergence. Classes
// come out ordered by weight, largest first.
func FitLCA(ctx context.Context, rs *Responses, k int, o EMOptions) (*LCA, error) {
	o = o.withDefaults()
	if k < 1 {
		return nil, invalidf("number of classes is %d, want at least 1", k)
	}
	if rs.Len() < k {
		return nil, invalidf("%d respondents cannot fill %d classes", rs.Len(), k)
	}
	rng := rand.New(rand.NewPCG(o.Seed, uint64(k)))
	e := newEM(rs, k, o.Smoothing, o.Workers)
	var best *LCA
	for range o.Starts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e.seed(rng)
		ll := math.Inf(-1)
		for range o.ShortIter {
			ll = e.step()
		}
		if best == nil || ll > best.LogL {
			best = e.snapshot(ll, o.ShortIter)
		}
		if k == 1 {
			break
		}
	}
	e.load(best)
	prev := math.Inf(-1)
	iter := best.Iter
	for i := 0; i < o.MaxIter; i++ {
		if i%16 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ll := e.step()
		iter++
		if ll-prev < o.Tol*float64(e.n) {
			break
		}
		prev = ll
	}
	e.estep() // the log-likelihood of the final parameters
	ll := 0.0
	for _, v := range e.ll {
		ll += v
	}
	return e.snapshot(ll, iter).sorted(), nil
}

// sorted returns m with classes ordered by weight, largest first.
func (m *LCA) sorted() *LCA {
	order := make([]int, m.K)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return m.Weights[order[a]] > m.Weights[order[b]] })
	out := &LCA{K: m.K, P: m.P, Weights: make([]float64, m.K), Probs: make([]float64, len(m.Probs)), LogL: m.LogL, Iter: m.Iter}
	block := m.P * Categories
	for to, from := range order {
		out.Weights[to] = m.Weights[from]
		copy(out.Probs[to*block:(to+1)*block], m.Probs[from*block:(from+1)*block])
	}
	return out
}

// Params returns the number of free parameters of m.
func (m *LCA) Params() int { return m.K - 1 + m.K*m.P*(Categories-1) }

// BIC returns the Bayesian information criterion of m on n respondents.
func (m *LCA) BIC(n int) float64 { return -2*m.LogL + float64(m.Params())*math.Log(float64(n)) }

// scorer returns the log tables of m in the classification layout.
func (m *LCA) logTables() (logW, logT []float64) {
	k, p := m.K, m.P
	logW = make([]float64, k)
	logT = make([]float64, p*(Categories+1)*k)
	for h := range k {
		logW[h] = math.Log(m.Weights[h])
		for j := range p {
			for c := 1; c <= Categories; c++ {
				logT[(j*(Categories+1)+c)*k+h] = math.Log(m.Probs[(h*p+j)*Categories+c-1])
			}
		}
	}
	return logW, logT
}

// Posteriors returns the class posteriors of every row of rs (row-major,
// rs.Len()*K) and the hard assignments. rs must have m's items in m's order.
func (m *LCA) Posteriors(rs *Responses) (post []float64, class []int) {
	logW, logT := m.logTables()
	k, p := m.K, m.P
	post = make([]float64, rs.Len()*k)
	class = make([]int, rs.Len())
	for i := range rs.Len() {
		class[i] = posterior(rs.Values[i*p:(i+1)*p], logW, logT, post[i*k:(i+1)*k])
	}
	return post, class
}

// posterior writes the normalised posterior of one row into out and returns
// the index of its largest entry.
func posterior(row []uint8, logW, logT, out []float64) int {
	k := len(out)
	copy(out, logW)
	for j, v := range row {
		t := logT[(j*(Categories+1)+int(v))*k:][:k]
		for h := range out {
			out[h] += t[h]
		}
	}
	return softmax(out)
}

// softmax normalises out in place and returns the index of the largest entry.
func softmax(out []float64) int {
	best := 0
	for h, v := range out {
		if v > out[best] {
			best = h
		}
	}
	m := out[best]
	s := 0.0
	for h, v := range out {
		w := math.Exp(v - m)
		out[h] = w
		s += w
	}
	inv := 1 / s
	for h := range out {
		out[h] *= inv
	}
	return best
}
