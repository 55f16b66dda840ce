package segment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// FitOptions tunes Fit. The zero value fits with automatic K.
type FitOptions struct {
	K             int    // number of segments; 0 chooses it by BIC and bootstrap stability
	KMax          int    // largest K tried when K is 0 (default 8)
	ShortItems    int    // items of the short form (default 12; negative: no short form)
	Seed          uint64 // every random choice derives from it
	Starts        int    // EM random starts (default 8)
	Bootstraps    int    // bootstrap resamples per K for stability (default 5)
	StabilityRows int    // respondents used for the stability check (default 3000)
	// SelectRows caps the respondents on which K is chosen (default
	// 10000): a larger file chooses K on a random subsample of that many
	// (drawn from Seed) and then fits the chosen K on all rows.
	SelectRows int
	// Workers caps the fits of the K search that run at once (default
	// GOMAXPROCS).
	Workers      int
	MinStability float64 // mean adjusted Rand index a K needs to be chosen (default 0.8)
	Threshold    float64 // the model's classification threshold (default 0.5)
	ID, Version  string  // the model's id and version (default "fitted", "1")
	Created      string  // free-form creation stamp written into the model
	Progress     func(KStat)
}

// KStat is one row of the model-selection table.
type KStat struct {
	K         int       `json:"k"`
	LogL      float64   `json:"log_likelihood"`
	Params    int       `json:"parameters"`
	BIC       float64   `json:"bic"`
	Stability float64   `json:"stability"` // mean adjusted Rand index across bootstrap refits
	Entropy   float64   `json:"entropy"`   // relative entropy of the posteriors, 1 = crisp
	Sizes     []float64 `json:"sizes"`     // class shares, largest first
	Chosen    bool      `json:"chosen,omitempty"`
}

// FitReport records how a model was fitted and how well it fits.
type FitReport struct {
	Respondents int     `json:"respondents"`
	Items       int     `json:"items"`
	Missing     float64 `json:"missing_share"`
	Selection   string  `json:"selection"`
	Seed        uint64  `json:"seed"`
	// SelectionRows is the size of the random subsample on which Table was
	// computed, when smaller than Respondents.
	SelectionRows int     `json:"selection_rows,omitempty"`
	Table         []KStat `json:"table"`
	// Final is the chosen K fitted on all respondents, when K was chosen
	// on a subsample; its stability is the subsample's.
	Final *KStat `json:"final,omitempty"`
}

// Fit fits a latent class model to rs and, unless o.ShortItems < 0, derives
// its short form. Columns named ch-* (direct channel questions) are never
// used to segment.
func Fit(ctx context.Context, rs *Responses, o FitOptions) (*Model, error) {
	if o.KMax <= 0 {
		o.KMax = 8
	}
	if o.ShortItems == 0 {
		o.ShortItems = 12
	}
	if o.Bootstraps <= 0 {
		o.Bootstraps = 5
	}
	if o.StabilityRows <= 0 {
		o.StabilityRows = 3000
	}
	if o.MinStability <= 0 {
		o.MinStability = 0.8
	}
	if o.SelectRows <= 0 {
		o.SelectRows = 10000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Threshold == 0 {
		o.Threshold = 0.5
	}
	if o.ID == "" {
		o.ID = "fitted"
	}
	if o.Version == "" {
		o.Version = "1"
	}
	if o.K < 0 {
		return nil, invalidf("k is %d, want 0 (auto) or at least 1", o.K)
	}
	rs = segmentingColumns(rs)
	if len(rs.Items) == 0 {
		return nil, invalidf("no items to segment on (ch-* channel columns are not used)")
	}
	if rs.Len() < 10 {
		return nil, invalidf("%d respondents are too few to fit a model", rs.Len())
	}
	missing := 0
	for _, v := range rs.Values {
		if v == 0 {
			missing++
		}
	}
	rep := &FitReport{Respondents: rs.Len(), Items: len(rs.Items), Missing: float64(missing) / float64(len(rs.Values)), Seed: o.Seed}
	em := EMOptions{Starts: o.Starts, Seed: o.Seed}

	var best *LCA
	if o.K > 0 {
		m, st, err := fitK(ctx, rs, o.K, em, o)
		if err != nil {
			return nil, err
		}
		st.Chosen = true
		rep.Table = append(rep.Table, st)
		rep.Selection = fmt.Sprintf("fixed K = %d", o.K)
		best = m
	} else {
		sel := rs
		if rs.Len() > o.SelectRows {
			rng := rand.New(rand.NewPCG(o.Seed, 0x5e1ec7))
			sel = rs.Subset(rng.Perm(rs.Len())[:o.SelectRows])
			rep.SelectionRows = sel.Len()
		}
		selEM := em
		if sel != rs {
			// Only the ranking of K matters here, and the chosen K is
			// refitted on all rows: converging to a gain of 1e-6 per
			// respondent moves a BIC by a few units (its gaps between K
			// are thousands) and saves hundreds of slow EM iterations
			// on K past the true one.
			selEM.Tol = 1e-6
		}
		table, fits, bestIdx, err := selectK(ctx, sel, selEM, o)
		if err != nil {
			return nil, err
		}
		rep.Table = table
		best = fits[bestIdx]
		rep.Selection = fmt.Sprintf("auto: lowest BIC among K with bootstrap stability (mean adjusted Rand index over %d resamples) >= %.2f; K = %d", o.Bootstraps, o.MinStability, best.K)
		if sel != rs {
			m, st, err := fitK(ctx, rs, best.K, em, o)
			if err != nil {
				return nil, err
			}
			st.Stability, st.Chosen = table[bestIdx].Stability, true
			rep.Final = &st
			best = m
			rep.Selection += fmt.Sprintf(", chosen on a random subsample of %d respondents and then fitted on all %d", sel.Len(), rs.Len())
		}
	}

	m := &Model{Format: ModelFormat, ID: o.ID, Version: o.Version, Created: o.Created, Threshold: o.Threshold, Items: rs.Items, Fit: rep,
		Description: fmt.Sprintf("%d segments fitted by latent class analysis on %d respondents x %d items", best.K, rs.Len(), len(rs.Items))}
	m.Segments = describe(rs, best)
	if err := m.init(); err != nil {
		return nil, &Error{Code: EINTERNAL, Message: "fitted model does not validate", Err: err}
	}
	if o.ShortItems > 0 && best.K > 1 {
		sf, err := fitShortForm(ctx, rs, best, min(o.ShortItems, len(rs.Items)), o.Seed)
		if err != nil {
			return nil, err
		}
		m.ShortForm = sf
		if err := m.init(); err != nil {
			return nil, &Error{Code: EINTERNAL, Message: "fitted short form does not validate", Err: err}
		}
	}
	return m, nil
}

func segmentingColumns(rs *Responses) *Responses {
	var keep []int
	for j, it := range rs.Items {
		if !strings.HasPrefix(it, "ch-") {
			keep = append(keep, j)
		}
	}
	if len(keep) == len(rs.Items) {
		return rs
	}
	p := len(rs.Items)
	out := &Responses{IDs: rs.IDs, Values: make([]uint8, 0, rs.Len()*len(keep))}
	for _, j := range keep {
		out.Items = append(out.Items, rs.Items[j])
	}
	for i := range rs.Len() {
		for _, j := range keep {
			out.Values = append(out.Values, rs.Values[i*p+j])
		}
	}
	return out
}

// fitK fits K classes. Large data sets run their random starts on a
// subsample and only the winning start to convergence on all rows.
func fitK(ctx context.Context, rs *Responses, k int, em EMOptions, o FitOptions) (*LCA, KStat, error) {
	const startRows = 10000
	var m *LCA
	var err error
	if rs.Len() > 2*startRows && k > 1 {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(1000+k)))
		sub := rs.Subset(rng.Perm(rs.Len())[:startRows])
		start, err := FitLCA(ctx, sub, k, EMOptions{Starts: em.Starts, Seed: em.Seed, MaxIter: 50, Workers: em.Workers})
		if err != nil {
			return nil, KStat{}, err
		}
		m, err = continueLCA(ctx, rs, start, em)
		if err != nil {
			return nil, KStat{}, err
		}
	} else {
		m, err = FitLCA(ctx, rs, k, em)
		if err != nil {
			return nil, KStat{}, err
		}
	}
	post, _ := m.Posteriors(rs)
	st := KStat{K: k, LogL: m.LogL, Params: m.Params(), BIC: m.BIC(rs.Len()), Entropy: Entropy(post, k), Sizes: m.Weights, Stability: 1}
	return m, st, nil
}

// continueLCA runs EM on rs from the parameters of start to convergence.
func continueLCA(ctx context.Context, rs *Responses, start *LCA, o EMOptions) (*LCA, error) {
	o = o.withDefaults()
	e := newEM(rs, start.K, o.Smoothing, o.Workers)
	e.load(start)
	prev := math.Inf(-1)
	iter := 0
	for ; iter < o.MaxIter; iter++ {
		if iter%16 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ll := e.step()
		if ll-prev < o.Tol*float64(e.n) {
			break
		}
		prev = ll
	}
	e.estep()
	ll := 0.0
	for _, v := range e.ll {
		ll += v
	}
	return e.snapshot(ll, iter).sorted(), nil
}

// selectK fits K = 1, 2, ... to rs, each with its bootstrap stability, and
// returns the model-selection table, the fits and the index of the chosen
// one: the lowest BIC among K with enough stability. The search stops once
// BIC has risen twice past the best. The fits (main and bootstrap, every K)
// run on a pool of o.Workers goroutines, each fit on one goroutine; results
// are read in K order, so the table is the same whatever the number of
// workers, and fits of K past the stopping point are cancelled.
func selectK(ctx context.Context, rs *Responses, em EMOptions, o FitOptions) ([]KStat, []*LCA, int, error) {
	kMax := min(o.KMax, rs.Len()/5)
	if kMax < 1 {
		return nil, nil, 0, invalidf("%d respondents are too few to choose K", rs.Len())
	}
	// Every random choice is drawn here, in a fixed order, before any fit
	// runs: a fit depends only on its own inputs.
	type boot struct {
		sample *Responses // the stability sample of K
		idx    [][]int    // its bootstrap resamples
	}
	boots := make([]boot, kMax+1)
	type task struct{ k, b int } // b < 0: the main fit of K
	var tasks []task
	for k := 1; k <= kMax; k++ {
		tasks = append(tasks, task{k, -1})
		if k == 1 {
			continue
		}
		rng := rand.New(rand.NewPCG(o.Seed, uint64(7000+k)))
		sample := rs
		if rs.Len() > o.StabilityRows {
			sample = rs.Subset(rng.Perm(rs.Len())[:o.StabilityRows])
		}
		bt := boot{sample: sample, idx: make([][]int, o.Bootstraps)}
		for b := range bt.idx {
			idx := make([]int, sample.Len())
			for i := range idx {
				idx[i] = rng.IntN(sample.Len())
			}
			bt.idx[b] = idx
			tasks = append(tasks, task{k, b})
		}
		boots[k] = bt
	}
	type result struct {
		task
		m   *LCA
		st  KStat
		cls []int // a bootstrap refit's assignment of the stability sample
		err error
	}
	em.Workers = 1
	run := func(ctx context.Context, t task) result {
		r := result{task: t}
		if t.b < 0 {
			r.m, r.st, r.err = fitK(ctx, rs, t.k, em, o)
			return r
		}
		bt := boots[t.k]
		m, err := FitLCA(ctx, bt.sample.Subset(bt.idx[t.b]), t.k, EMOptions{Starts: max(2, o.Starts/2), Seed: o.Seed + uint64(t.b+1)*7919, Workers: 1})
		if err != nil {
			r.err = err
			return r
		}
		_, r.cls = m.Posteriors(bt.sample)
		return r
	}

	ctx, cancel := context.WithCancel(ctx)
	results := make(chan result, len(tasks)) // workers never block on it
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(o.Workers, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(tasks) {
					return
				}
				results <- run(ctx, tasks[i])
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	// On every return: stop the pool and wait until its goroutines are gone.
	defer func() {
		cancel()
		for range results {
		}
	}()

	fits := make([]*LCA, kMax+1)
	stats := make([]KStat, kMax+1)
	cls := make([][][]int, kMax+1)
	missing := make([]int, kMax+1) // results K still waits for
	for k := 1; k <= kMax; k++ {
		missing[k] = 1
		if k > 1 {
			missing[k] += o.Bootstraps
			cls[k] = make([][]int, o.Bootstraps)
		}
	}
	var table []KStat
	bestIdx, worse := -1, 0
	k := 1 // the next K to enter the table
	for r := range results {
		if r.err != nil {
			return nil, nil, 0, r.err
		}
		if r.b < 0 {
			fits[r.k], stats[r.k] = r.m, r.st
		} else {
			cls[r.k][r.b] = r.cls
		}
		missing[r.k]--
		for ; k <= kMax && missing[k] == 0; k++ {
			st := stats[k]
			if k > 1 {
				_, ref := fits[k].Posteriors(boots[k].sample)
				total := 0.0
				for _, c := range cls[k] {
					total += AdjustedRand(ref, c)
				}
				st.Stability = total / float64(o.Bootstraps)
			}
			table = append(table, st)
			if o.Progress != nil {
				o.Progress(st)
			}
			i := len(table) - 1
			if st.Stability >= o.MinStability && (bestIdx < 0 || st.BIC < table[bestIdx].BIC) {
				bestIdx, worse = i, 0
			} else if bestIdx >= 0 && st.BIC > table[bestIdx].BIC {
				worse++
				if worse == 2 { // BIC rose twice past the best: stop searching
					kMax = k
				}
			}
		}
		if k > kMax {
			break
		}
	}
	if k <= kMax { // the pool ended early: cancelled from outside
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		return nil, nil, 0, &Error{Code: EINTERNAL, Message: "model selection ended early"}
	}
	if bestIdx < 0 {
		return nil, nil, 0, invalidf("no K reached the minimum stability %.2f", o.MinStability)
	}
	table[bestIdx].Chosen = true
	return table, fits[1 : len(table)+1], bestIdx, nil
}

// describe makes segments s1..sK for a fitted model, with a description
// generated from the items on which each segment's mean answer differs most
// from everyone's. A hospital replaces names and playbooks by editing the JSON.
func describe(rs *Responses, m *LCA) []Segment {
	texts := map[string]string{}
	for _, it := range Instrument() {
		texts[it.LinkID] = it.Text
	}
	p := m.P
	overall := make([]float64, p)
	for h := range m.K {
		for j := range p {
			overall[j] += m.Weights[h] * meanOf(m.Probs[(h*p+j)*Categories:][:Categories])
		}
	}
	segs := make([]Segment, m.K)
	for h := range m.K {
		type diff struct {
			j int
			d float64
		}
		ds := make([]diff, p)
		s := Segment{ID: fmt.Sprintf("s%d", h+1), Name: fmt.Sprintf("Segment %d", h+1), Weight: m.Weights[h], Probabilities: make([][]float64, p)}
		for j := range p {
			row := m.Probs[(h*p+j)*Categories:][:Categories]
			s.Probabilities[j] = append([]float64(nil), row...)
			ds[j] = diff{j, meanOf(row) - overall[j]}
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a].d > ds[b].d })
		label := func(j int) string {
			if t := texts[rs.Items[j]]; t != "" {
				return fmt.Sprintf("%s (%q)", rs.Items[j], t)
			}
			return rs.Items[j]
		}
		var hi, lo []string
		for _, d := range ds[:min(3, p)] {
			if d.d > 0.3 {
				hi = append(hi, fmt.Sprintf("%s %+.1f", label(d.j), d.d))
			}
		}
		for i := p - 1; i >= max(0, p-3); i-- {
			if ds[i].d < -0.3 {
				lo = append(lo, fmt.Sprintf("%s %+.1f", label(ds[i].j), ds[i].d))
			}
		}
		s.Description = fmt.Sprintf("%.0f%% of respondents.", 100*m.Weights[h])
		if len(hi) > 0 {
			s.Description += " Answers higher than average on: " + strings.Join(hi, "; ") + "."
		}
		if len(lo) > 0 {
			s.Description += " Lower than average on: " + strings.Join(lo, "; ") + "."
		}
		segs[h] = s
	}
	return segs
}

func meanOf(p []float64) float64 {
	m := 0.0
	for c, v := range p {
		m += float64(c+1) * v
	}
	return m
}
