package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rapport-health/rapport/instrument"
	"github.com/rapport-health/rapport/segment"
	"github.com/rapport-health/rapport/segment/hints"
)

const segmentUsage = `Usage: rapport segment SUB-COMMAND [flags]

Sub-commands:
  fit         fit a segmentation model to a response CSV
  classify    assign respondents to segments (CSV: id,segment,probability)
  show        print a model's segments, fit statistics and short form
  simulate    write a simulated response CSV from the default segment profiles
  hints-csv   convert the HINTS Puerto Rico 2007 file into a response CSV
  instrument  print the open questionnaire (FHIR R4 Questionnaire JSON)
  bench       measure fitting and classification speed

Response CSV: a header row (id, then item linkIds), one row per respondent,
answers 1..5, empty = not answered.
`

func runSegment(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		io.WriteString(e.stdout, segmentUsage)
		return nil
	}
	sub := map[string]func(context.Context, *env, []string) error{
		"fit":        runSegmentFit,
		"classify":   runSegmentClassify,
		"show":       runSegmentShow,
		"simulate":   runSegmentSimulate,
		"hints-csv":  runSegmentHINTS,
		"instrument": runSegmentInstrument,
		"bench":      runSegmentBench,
	}
	f, ok := sub[args[0]]
	if !ok {
		io.WriteString(e.stderr, segmentUsage)
		return fmt.Errorf("segment: unknown sub-command %q", args[0])
	}
	return f(ctx, e, args[1:])
}

func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("rapport segment "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// openIn opens path for reading; "-" is stdin.
func openIn(e *env, path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(e.stdin), nil
	}
	return os.Open(path)
}

// writeOut writes through fn to path ("-" or empty is stdout), replacing
// the file only when fn succeeds.
func writeOut(e *env, path string, fn func(io.Writer) error) error {
	if path == "" || path == "-" {
		return fn(e.stdout)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := fn(bw); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func readResponses(e *env, path string) (*segment.Responses, error) {
	if path == "" {
		return nil, errors.New("--responses is required")
	}
	f, err := openIn(e, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rs, err := segment.ParseResponsesCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rs, nil
}

func loadModel(e *env, path string) (*segment.Model, error) {
	if path == "" || path == "default" {
		return segment.DefaultModel()
	}
	f, err := openIn(e, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := segment.LoadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func runSegmentFit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "fit")
	responses := fs.String("responses", "", "response CSV (- for stdin)")
	kFlag := fs.String("k", "auto", "number of segments, or auto (BIC + bootstrap stability)")
	kMax := fs.Int("k-max", 8, "largest K tried by --k auto")
	selectRows := fs.Int("select-rows", 10000, "--k auto chooses K on a random subsample of this many respondents, then fits it on all")
	shortItems := fs.Int("short-items", 12, "items in the short form (0: none)")
	seed := fs.Uint64("seed", 1, "random seed")
	starts := fs.Int("starts", 8, "EM random starts per K")
	boots := fs.Int("bootstraps", 5, "bootstrap resamples per K for stability")
	minStab := fs.Float64("min-stability", 0.8, "mean adjusted Rand index a K needs to be chosen")
	threshold := fs.Float64("threshold", 0.5, "classification threshold written into the model")
	id := fs.String("id", "fitted", "model id")
	version := fs.String("version", "1", "model version")
	out := fs.String("out", "", "where to write the model JSON (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("segment fit: --out is required")
	}
	if *selectRows < 10 {
		return fmt.Errorf("segment fit: --select-rows is %d, want at least 10", *selectRows)
	}
	o := segment.FitOptions{KMax: *kMax, SelectRows: *selectRows, ShortItems: *shortItems, Seed: *seed, Starts: *starts, Bootstraps: *boots,
		MinStability: *minStab, Threshold: *threshold, ID: *id, Version: *version, Created: time.Now().UTC().Format(time.RFC3339)}
	if *shortItems == 0 {
		o.ShortItems = -1
	}
	if *kFlag != "auto" {
		k, err := strconv.Atoi(*kFlag)
		if err != nil || k < 1 {
			return fmt.Errorf("segment fit: --k is %q, want auto or a positive integer", *kFlag)
		}
		o.K = k
	}
	rs, err := readResponses(e, *responses)
	if err != nil {
		return fmt.Errorf("segment fit: %w", err)
	}
	o.Progress = func(st segment.KStat) {
		fmt.Fprintf(e.stderr, "K=%d done: BIC %.1f, stability %.3f\n", st.K, st.BIC, st.Stability)
	}
	start := time.Now()
	m, err := segment.Fit(ctx, rs, o)
	if err != nil {
		return fmt.Errorf("segment fit: %w", err)
	}
	fmt.Fprintf(e.stdout, "fitted %d respondents x %d items in %.1fs\n", rs.Len(), m.Fit.Items, time.Since(start).Seconds())
	printFit(e.stdout, m)
	return writeOut(e, *out, m.WriteJSON)
}

func printFit(w io.Writer, m *segment.Model) {
	if m.Fit != nil {
		fmt.Fprintf(w, "respondents %d, items %d, missing answers %.1f%%\n%s\n\n", m.Fit.Respondents, m.Fit.Items, 100*m.Fit.Missing, m.Fit.Selection)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "K\tlogL\tparams\tBIC\tstability\tentropy\tclass sizes %\t")
		for _, st := range m.Fit.Table {
			sizes := make([]string, len(st.Sizes))
			for i, s := range st.Sizes {
				sizes[i] = fmt.Sprintf("%.1f", 100*s)
			}
			mark := ""
			if st.Chosen {
				mark = " <"
			}
			fmt.Fprintf(tw, "%d\t%.1f\t%d\t%.1f\t%.3f\t%.3f\t%s%s\t\n", st.K, st.LogL, st.Params, st.BIC, st.Stability, st.Entropy, strings.Join(sizes, " "), mark)
		}
		tw.Flush()
		if st := m.Fit.Final; st != nil {
			sizes := make([]string, len(st.Sizes))
			for i, s := range st.Sizes {
				sizes[i] = fmt.Sprintf("%.1f", 100*s)
			}
			fmt.Fprintf(w, "table above: a random subsample of %d respondents; K = %d on all %d: logL %.1f, BIC %.1f, entropy %.3f, class sizes %% %s\n",
				m.Fit.SelectionRows, st.K, m.Fit.Respondents, st.LogL, st.BIC, st.Entropy, strings.Join(sizes, " "))
		}
	}
	if sf := m.ShortForm; sf != nil && sf.Evaluation != nil {
		ev := sf.Evaluation
		fmt.Fprintf(w, "\nshort form: %d items %s\n  selection: %s\n  classifier: %s (lambda %g)\n", len(sf.Items), strings.Join(sf.Items, ","), sf.Method, sf.Classifier, ev.Lambda)
		fmt.Fprintf(w, "  held-out test split (%d respondents; train %d, validation %d):\n", ev.Test, ev.Train, ev.Validation)
		for _, c := range []struct {
			name string
			a    segment.Agreement
		}{{"logistic (shipped)", ev.Logistic}, {"naive-Bayes baseline", ev.NaiveBayes}} {
			rec := make([]string, len(c.a.Recall))
			for i, r := range c.a.Recall {
				rec[i] = fmt.Sprintf("%s %.3f", m.Segments[i].ID, r)
			}
			fmt.Fprintf(w, "  %-22s agreement %.3f  kappa %.3f  recall: %s\n", c.name, c.a.Agreement, c.a.Kappa, strings.Join(rec, ", "))
		}
	}
}

func runSegmentClassify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "classify")
	modelPath := fs.String("model", "default", "model JSON, or default for the built-in model")
	responses := fs.String("responses", "", "response CSV (- for stdin)")
	short := fs.Bool("short", false, "use the short form")
	threshold := fs.Float64("threshold", 0, "top probability below which a respondent is unclassified (0: the model's)")
	out := fs.String("out", "-", "output CSV (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := loadModel(e, *modelPath)
	if err != nil {
		return fmt.Errorf("segment classify: %w", err)
	}
	rs, err := readResponses(e, *responses)
	if err != nil {
		return fmt.Errorf("segment classify: %w", err)
	}
	sc, err := m.NewScorer(rs.Items, *short, *threshold)
	if err != nil {
		return fmt.Errorf("segment classify: %w", err)
	}
	return writeOut(e, *out, func(w io.Writer) error { return writeAssignments(ctx, w, m, sc, rs) })
}

func writeAssignments(ctx context.Context, w io.Writer, m *segment.Model, sc *segment.Scorer, rs *segment.Responses) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "segment", "probability"}); err != nil {
		return err
	}
	probs := make([]float64, len(m.Segments))
	rec := make([]string, 3)
	buf := make([]byte, 0, 16)
	for i := range rs.Len() {
		if i%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		seg, p := sc.Score(rs.Row(i), probs)
		rec[0] = rs.IDs[i]
		rec[1] = segment.Unclassified
		if seg >= 0 {
			rec[1] = m.Segments[seg].ID
		}
		buf = strconv.AppendFloat(buf[:0], p, 'f', 4, 64)
		rec[2] = string(buf)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func runSegmentShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "show")
	modelPath := fs.String("model", "default", "model JSON, or default for the built-in model")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := loadModel(e, *modelPath)
	if err != nil {
		return fmt.Errorf("segment show: %w", err)
	}
	w := e.stdout
	fmt.Fprintf(w, "model %s version %s\n%s\n", m.ID, m.Version, m.Description)
	if m.Provenance != "" {
		fmt.Fprintf(w, "provenance: %s\n", m.Provenance)
	}
	fmt.Fprintf(w, "threshold %.2f, full form: %d items, short form: %v\n\n", m.Threshold, len(m.Items), m.HasShortForm())
	for _, s := range m.Segments {
		fmt.Fprintf(w, "%s: %s (%.1f%%)\n  %s\n", s.ID, s.Name, 100*s.Weight, s.Description)
		if len(s.Motivations) > 0 {
			fmt.Fprintf(w, "  motivations: %s\n  say: %s\n  avoid: %s\n  tone: %s\n  channels: %s\n",
				strings.Join(s.Motivations, "; "), strings.Join(s.Say, "; "), strings.Join(s.Avoid, "; "), s.Tone, strings.Join(s.Channels, ", "))
		}
	}
	fmt.Fprintln(w)
	printFit(w, m)
	return nil
}

func runSegmentSimulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "simulate")
	n := fs.Int("n", 1000, "respondents")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "-", "response CSV (- for stdout)")
	truth := fs.String("truth", "", "also write id,segment of the true simulated segments here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("segment simulate: --n is %d, want at least 1", *n)
	}
	pop := segment.DefaultPopulation()
	rs, cls := segment.Simulate(pop, *n, *seed)
	if err := writeOut(e, *out, rs.WriteCSV); err != nil {
		return err
	}
	if *truth == "" {
		return nil
	}
	return writeOut(e, *truth, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "segment"})
		for i, c := range cls {
			cw.Write([]string{rs.IDs[i], pop.Classes[c].Segment.ID})
		}
		cw.Flush()
		return cw.Error()
	})
}

func runSegmentHINTS(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hints-csv")
	in := fs.String("in", "", "hints_pr_2007.csv from the HINTS Puerto Rico 2007 public-use data")
	out := fs.String("out", "-", "response CSV (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("segment hints-csv: --in is required")
	}
	f, err := openIn(e, *in)
	if err != nil {
		return fmt.Errorf("segment hints-csv: %w", err)
	}
	defer f.Close()
	rs, rep, err := hints.Convert(f)
	if err != nil {
		return fmt.Errorf("segment hints-csv: %s: %w", *in, err)
	}
	if err := writeOut(e, *out, rs.WriteCSV); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stderr, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%d respondents, %d items (higher = more; refused/don't know = missing)\nitem\tanswered\tblank\texcluded codes\tmeaning of a high answer\n", rep.Rows, len(rs.Items))
	for _, it := range hints.Items() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", it.Name, rep.Answered[it.Name], rep.Blank[it.Name], rep.Excluded[it.Name], it.Meaning)
	}
	return tw.Flush()
}

func runSegmentInstrument(ctx context.Context, e *env, args []string) error {
	_, err := e.stdout.Write(instrument.Questionnaire())
	return err
}

func runSegmentBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench")
	n := fs.Int("n", 100000, "simulated respondents to fit")
	k := fs.String("k", "5", "K for the fit, or auto")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pop := segment.DefaultPopulation()
	rs, _ := segment.Simulate(pop, *n, *seed)
	o := segment.FitOptions{Seed: *seed, ShortItems: 12}
	if *k != "auto" {
		kk, err := strconv.Atoi(*k)
		if err != nil || kk < 1 {
			return fmt.Errorf("segment bench: --k is %q, want auto or a positive integer", *k)
		}
		o.K = kk
	}
	w := e.stdout
	fmt.Fprintf(w, "GOMAXPROCS %d, %d respondents x %d items, K %s\n", runtime.GOMAXPROCS(0), rs.Len(), len(rs.Items), *k)
	start := time.Now()
	m, err := segment.Fit(ctx, rs, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "fit (LCA + short form): %.2fs, K = %d\n", time.Since(start).Seconds(), len(m.Segments))

	sc, err := m.NewScorer(rs.Items, false, 0)
	if err != nil {
		return err
	}
	probs := make([]float64, len(m.Segments))
	start = time.Now()
	reps := max(1, 2000000/rs.Len())
	for range reps {
		for i := range rs.Len() {
			sc.Score(rs.Row(i), probs)
		}
	}
	el := time.Since(start).Seconds()
	fmt.Fprintf(w, "classify in memory, full form, one goroutine: %.0f respondents/s\n", float64(reps*rs.Len())/el)

	var in bytes.Buffer
	if err := rs.WriteCSV(&in); err != nil {
		return err
	}
	start = time.Now()
	parsed, err := segment.ParseResponsesCSV(bytes.NewReader(in.Bytes()))
	if err != nil {
		return err
	}
	if err := writeAssignments(ctx, io.Discard, m, sc, parsed); err != nil {
		return err
	}
	el = time.Since(start).Seconds()
	fmt.Fprintf(w, "classify CSV end to end (parse + score + write): %.0f respondents/s (%.1f MB/s)\n", float64(rs.Len())/el, float64(in.Len())/el/1e6)
	return nil
}
