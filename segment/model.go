package segment

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// ModelFormat is the format tag of the model JSON this package reads and writes.
const ModelFormat = "rapport.segment.model/1"

// Unclassified is the segment given to a respondent whose top probability is
// below the threshold or who answered too few items; they get generic messaging.
const Unclassified = "unclassified"

//go:generate go run ./internal/gendefault -out default_model.json

//go:embed default_model.json
var defaultModel []byte

// Segment is one segment of a model: who its members are, how to talk to
// them, and (for a full-form model) its scoring parameters.
type Segment struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Motivations []string `json:"motivations"`
	Say         []string `json:"say"`   // what to say
	Avoid       []string `json:"avoid"` // what to avoid
	Tone        string   `json:"tone"`
	Channels    []string `json:"channels"` // preferred channels, best first: sms, email, phone, mail, portal, social
	// Weight is the segment's share of the population the model was fitted on.
	Weight float64 `json:"weight,omitempty"`
	// Probabilities[j][c-1] is P(answer c to Model.Items[j] | segment).
	Probabilities [][]float64 `json:"probabilities,omitempty"`
}

// ShortForm is the typing tool: a few items and a multinomial logistic
// classifier on them. Coefficients[k][j*Categories+c-1] is the weight of
// "answered c to Items[j]" for segment k; a missing answer adds nothing.
type ShortForm struct {
	Method       string           `json:"method"`
	Classifier   string           `json:"classifier"`
	Items        []string         `json:"items"`
	Intercepts   []float64        `json:"intercepts"`
	Coefficients [][]float64      `json:"coefficients"`
	Evaluation   *ShortFormReport `json:"evaluation,omitempty"`
}

// Model is a versioned segmentation model. Load one with LoadModel or
// DefaultModel; a loaded Model is read-only and safe for concurrent use.
type Model struct {
	Format      string `json:"format"`
	ID          string `json:"id"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
	Created     string `json:"created,omitempty"`
	// Provenance says how the model was made and on what data.
	Provenance string `json:"provenance,omitempty"`
	// Threshold is the top probability below which a respondent is Unclassified.
	Threshold float64 `json:"threshold"`
	// MinAnswered is the share of a form's items that must be answered (default 0.5).
	MinAnswered float64 `json:"min_answered,omitempty"`
	// Items are the full form's item linkIds; empty for a short-form-only model.
	Items     []string   `json:"items,omitempty"`
	Segments  []Segment  `json:"segments"`
	ShortForm *ShortForm `json:"short_form,omitempty"`
	// Fit holds the statistics of the fit that produced the model, if any.
	Fit *FitReport `json:"fit,omitempty"`

	full, short *form
}

// form is one way of scoring: base[k] plus, per item, a table indexed by
// the answer (row 0, not answered, is zero), then a softmax. Both a latent
// class posterior (log weights, log probabilities) and a logistic
// classifier (intercepts, coefficients) have this shape.
type form struct {
	name  string
	items []string
	base  []float64
	table []float64 // (j*(Categories+1)+v)*K + k
}

// LoadModel reads and validates a model in the ModelFormat JSON. Errors name
// the offending field, or the line and column of a JSON syntax error.
func LoadModel(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: "reading model", Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return nil, invalidf("model: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return nil, jsonError("model", data, err)
	}
	if err := m.init(); err != nil {
		return nil, err
	}
	return &m, nil
}

// DefaultModel returns Rapport's default model (see docs/segmentation.md):
// five segments fitted on a simulated population built from explicit
// segment profiles, for the open instrument.
func DefaultModel() (*Model, error) {
	return LoadModel(bytes.NewReader(defaultModel))
}

// WriteJSON writes m in the ModelFormat JSON.
func (m *Model) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (m *Model) init() error {
	if m.Format != ModelFormat {
		return invalidf("model: format is %q, want %q", m.Format, ModelFormat)
	}
	if strings.TrimSpace(m.ID) == "" || strings.TrimSpace(m.Version) == "" {
		return invalidf("model: id and version are required")
	}
	if m.Threshold < 0 || m.Threshold > 1 || math.IsNaN(m.Threshold) {
		return invalidf("model: threshold is %v, want 0..1", m.Threshold)
	}
	if m.MinAnswered < 0 || m.MinAnswered > 1 {
		return invalidf("model: min_answered is %v, want 0..1", m.MinAnswered)
	}
	if m.MinAnswered == 0 {
		m.MinAnswered = 0.5
	}
	k := len(m.Segments)
	if k == 0 {
		return invalidf("model: no segments")
	}
	ids := map[string]bool{}
	withProbs := 0
	for i, s := range m.Segments {
		if s.ID == "" || s.ID == Unclassified || strings.ContainsAny(s.ID, ",\"\r\n") {
			return invalidf("model: segments[%d].id %q is empty, reserved or contains a comma, quote or newline", i, s.ID)
		}
		if ids[s.ID] {
			return invalidf("model: segments[%d].id %q repeats", i, s.ID)
		}
		ids[s.ID] = true
		if len(s.Probabilities) > 0 {
			withProbs++
		}
	}
	if err := checkItems("items", m.Items); err != nil {
		return err
	}
	switch {
	case withProbs == 0 && len(m.Items) > 0:
		return invalidf("model: items are listed but no segment has probabilities")
	case withProbs > 0 && withProbs < k:
		return invalidf("model: only %d of %d segments have probabilities", withProbs, k)
	case withProbs > 0:
		f := &form{name: "full", items: m.Items, base: make([]float64, k), table: make([]float64, len(m.Items)*(Categories+1)*k)}
		wsum := 0.0
		for h, s := range m.Segments {
			if !(s.Weight > 0) {
				return invalidf("model: segments[%d].weight is %v, want > 0", h, s.Weight)
			}
			wsum += s.Weight
			if len(s.Probabilities) != len(m.Items) {
				return invalidf("model: segments[%d].probabilities has %d rows, want one per item (%d)", h, len(s.Probabilities), len(m.Items))
			}
			for j, row := range s.Probabilities {
				if len(row) != Categories {
					return invalidf("model: segments[%d].probabilities[%d] has %d values, want %d", h, j, len(row), Categories)
				}
				sum := 0.0
				for c, p := range row {
					if !(p > 0 && p <= 1) {
						return invalidf("model: segments[%d].probabilities[%d][%d] is %v, want 0 < p <= 1 (smooth zeros)", h, j, c, p)
					}
					sum += p
				}
				if math.Abs(sum-1) > 1e-3 {
					return invalidf("model: segments[%d].probabilities[%d] sums to %v, want 1", h, j, sum)
				}
				for c, p := range row {
					f.table[(j*(Categories+1)+c+1)*k+h] = math.Log(p / sum)
				}
			}
		}
		if math.Abs(wsum-1) > 1e-3 {
			return invalidf("model: segment weights sum to %v, want 1", wsum)
		}
		for h, s := range m.Segments {
			f.base[h] = math.Log(s.Weight / wsum)
		}
		m.full = f
	}
	if sf := m.ShortForm; sf != nil {
		if err := checkItems("short_form.items", sf.Items); err != nil {
			return err
		}
		if len(sf.Items) == 0 {
			return invalidf("model: short_form.items is empty")
		}
		if len(sf.Intercepts) != k {
			return invalidf("model: short_form.intercepts has %d values, want one per segment (%d)", len(sf.Intercepts), k)
		}
		if len(sf.Coefficients) != k {
			return invalidf("model: short_form.coefficients has %d rows, want one per segment (%d)", len(sf.Coefficients), k)
		}
		f := &form{name: "short", items: sf.Items, base: append([]float64(nil), sf.Intercepts...), table: make([]float64, len(sf.Items)*(Categories+1)*k)}
		for h, row := range sf.Coefficients {
			if len(row) != len(sf.Items)*Categories {
				return invalidf("model: short_form.coefficients[%d] has %d values, want items x %d = %d", h, len(row), Categories, len(sf.Items)*Categories)
			}
			for i, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return invalidf("model: short_form.coefficients[%d][%d] is not finite", h, i)
				}
				j, c := i/Categories, i%Categories+1
				f.table[(j*(Categories+1)+c)*k+h] = v
			}
		}
		for h, v := range f.base {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return invalidf("model: short_form.intercepts[%d] is not finite", h)
			}
		}
		m.short = f
	}
	if m.full == nil && m.short == nil {
		return invalidf("model: neither full-form probabilities nor a short form")
	}
	return nil
}

func checkItems(field string, items []string) error {
	seen := map[string]bool{}
	for i, it := range items {
		if strings.TrimSpace(it) == "" {
			return invalidf("model: %s[%d] is empty", field, i)
		}
		if seen[it] {
			return invalidf("model: %s[%d] %q repeats", field, i, it)
		}
		seen[it] = true
	}
	return nil
}

// HasShortForm reports whether m has a typing tool.
func (m *Model) HasShortForm() bool { return m.short != nil }

// HasFullForm reports whether m can score the full instrument.
func (m *Model) HasFullForm() bool { return m.full != nil }

// SegmentIDs returns the segment ids in model order, the order of
// Assessment.Probabilities.
func (m *Model) SegmentIDs() []string {
	ids := make([]string, len(m.Segments))
	for i, s := range m.Segments {
		ids[i] = s.ID
	}
	return ids
}

// Assessment is the result of classifying one respondent. It is what is
// kept per patient, with the time, as history.
type Assessment struct {
	ModelID      string `json:"model_id"`
	ModelVersion string `json:"model_version"`
	Form         string `json:"form"` // "full" or "short"
	// Segment is the segment id, or Unclassified.
	Segment string `json:"segment"`
	// Probability is the top posterior probability.
	Probability float64 `json:"probability"`
	// Probabilities are all posteriors, in the order of Model.Segments.
	Probabilities []float64 `json:"probabilities"`
	// Answered is how many of the form's items were answered.
	Answered int `json:"answered"`
	// Channels are the channels the respondent rated 4 or 5 on the direct
	// channel questions (ch-*), best first. Asked, never inferred.
	Channels []string `json:"channels,omitempty"`
}

// ClassifyOptions chooses the form and threshold of a classification.
type ClassifyOptions struct {
	Short     bool    // use the short form
	Threshold float64 // 0 means the model's threshold
}

// Classify assigns r to a segment with the full form (or the short form
// if the model has only that) and the model's threshold.
func (m *Model) Classify(r Response) Assessment {
	f := m.full
	if f == nil {
		f = m.short
	}
	return m.assess(f, r, m.Threshold)
}

// ClassifyWith is Classify with a choice of form and threshold.
func (m *Model) ClassifyWith(r Response, o ClassifyOptions) (Assessment, error) {
	f := m.full
	if o.Short {
		f = m.short
	}
	if f == nil {
		return Assessment{}, invalidf("model %s has no %s form", m.ID, map[bool]string{true: "short", false: "full"}[o.Short])
	}
	th := o.Threshold
	if th == 0 {
		th = m.Threshold
	}
	if th < 0 || th > 1 {
		return Assessment{}, invalidf("threshold is %v, want 0..1", th)
	}
	return m.assess(f, r, th), nil
}

func (m *Model) assess(f *form, r Response, threshold float64) Assessment {
	row := make([]uint8, len(f.items))
	for j, it := range f.items {
		if v, ok := r.Answers[it]; ok && v >= 1 && v <= Categories {
			row[j] = uint8(v)
		}
	}
	a := Assessment{ModelID: m.ID, ModelVersion: m.Version, Form: f.name, Probabilities: make([]float64, len(m.Segments))}
	top, answered := f.score(row, a.Probabilities)
	a.Answered = answered
	a.Probability = a.Probabilities[top]
	a.Segment = m.Segments[top].ID
	if a.Probability < threshold || float64(answered) < m.MinAnswered*float64(len(f.items)) {
		a.Segment = Unclassified
	}
	a.Channels = statedChannels(r)
	return a
}

// score writes the posterior of row (aligned with f.items) into out and
// returns the top index and the number of answered items.
func (f *form) score(row []uint8, out []float64) (top, answered int) {
	k := len(out)
	copy(out, f.base)
	for j, v := range row {
		if v == 0 || v > Categories {
			continue
		}
		answered++
		t := f.table[(j*(Categories+1)+int(v))*k:][:k]
		for h := range out {
			out[h] += t[h]
		}
	}
	return softmax(out), answered
}

func statedChannels(r Response) []string {
	type ch struct {
		name string
		v    int
	}
	var cs []ch
	for it, v := range r.Answers {
		if name, ok := strings.CutPrefix(it, "ch-"); ok && v >= 4 && v <= Categories {
			cs = append(cs, ch{name, v})
		}
	}
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].v != cs[b].v {
			return cs[a].v > cs[b].v
		}
		return cs[a].name < cs[b].name
	})
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Scorer classifies rows of a response table whose columns are in a fixed
// order, without per-row lookups: the throughput path for batch files.
type Scorer struct {
	m         *Model
	k         int
	base      []float64
	table     []float64 // by input column
	inForm    []bool
	need      float64
	threshold float64
	form      string
}

// NewScorer returns a Scorer for tables with columns items, using the short
// form if short is set, and threshold (0 means the model's). Columns the form
// does not use are ignored; form items absent from columns count as unanswered.
func (m *Model) NewScorer(items []string, short bool, threshold float64) (*Scorer, error) {
	f := m.full
	if short {
		f = m.short
	}
	if f == nil {
		return nil, invalidf("model %s has no %s form", m.ID, map[bool]string{true: "short", false: "full"}[short])
	}
	if threshold == 0 {
		threshold = m.Threshold
	}
	if threshold < 0 || threshold > 1 {
		return nil, invalidf("threshold is %v, want 0..1", threshold)
	}
	k := len(m.Segments)
	idx := map[string]int{}
	for j, it := range f.items {
		idx[it] = j
	}
	s := &Scorer{m: m, k: k, base: f.base, table: make([]float64, len(items)*(Categories+1)*k), inForm: make([]bool, len(items)),
		need: m.MinAnswered * float64(len(f.items)), threshold: threshold, form: f.name}
	matched := 0
	for col, it := range items {
		j, ok := idx[it]
		if !ok {
			continue
		}
		matched++
		s.inForm[col] = true
		copy(s.table[col*(Categories+1)*k:(col+1)*(Categories+1)*k], f.table[j*(Categories+1)*k:(j+1)*(Categories+1)*k])
	}
	if matched == 0 {
		return nil, invalidf("none of the %s form's %d items is among the response columns", f.name, len(f.items))
	}
	return s, nil
}

// Score writes the posterior of row into probs (len = number of segments)
// and returns the segment index, or -1 for Unclassified, and the top
// probability. Values outside 1..Categories count as unanswered.
func (s *Scorer) Score(row []uint8, probs []float64) (segment int, p float64) {
	k := s.k
	copy(probs, s.base)
	answered := 0
	for j, v := range row {
		if v == 0 || v > Categories {
			continue
		}
		if s.inForm[j] {
			answered++
		}
		t := s.table[(j*(Categories+1)+int(v))*k:][:k]
		for h := range probs {
			probs[h] += t[h]
		}
	}
	top := softmax(probs)
	if probs[top] < s.threshold || float64(answered) < s.need {
		return -1, probs[top]
	}
	return top, probs[top]
}

// ClassifyAll classifies every row of rs and returns assessments in row order.
func (s *Scorer) ClassifyAll(rs *Responses) ([]Assessment, error) {
	if len(rs.Items) != len(s.inForm) {
		return nil, invalidf("scorer built for %d columns, responses have %d", len(s.inForm), len(rs.Items))
	}
	out := make([]Assessment, rs.Len())
	probs := make([]float64, rs.Len()*s.k)
	for i := range out {
		pr := probs[i*s.k : (i+1)*s.k : (i+1)*s.k]
		seg, p := s.Score(rs.Row(i), pr)
		a := Assessment{ModelID: s.m.ID, ModelVersion: s.m.Version, Form: s.form, Segment: Unclassified, Probability: p, Probabilities: pr}
		if seg >= 0 {
			a.Segment = s.m.Segments[seg].ID
		}
		for j, v := range rs.Row(i) {
			if s.inForm[j] && v != 0 {
				a.Answered++
			}
		}
		out[i] = a
	}
	return out, nil
}

func (m *Model) String() string { return fmt.Sprintf("%s@%s", m.ID, m.Version) }
