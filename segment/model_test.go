package segment

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func mustDefault(t testing.TB) *Model {
	t.Helper()
	m, err := DefaultModel()
	if err != nil {
		t.Fatalf("DefaultModel: %v", err)
	}
	return m
}

func TestDefaultModel(t *testing.T) {
	m := mustDefault(t)
	if got, want := strings.Join(m.SegmentIDs(), ","), "planner,caregiver,guided,present,explorer"; got != want {
		t.Errorf("segments = %s, want %s", got, want)
	}
	if !m.HasFullForm() || !m.HasShortForm() || len(m.ShortForm.Items) > 12 {
		t.Errorf("default model: full %v, short %v with %d items; want both, short <= 12 items", m.HasFullForm(), m.HasShortForm(), len(m.ShortForm.Items))
	}
	inst := map[string]bool{}
	for _, it := range Instrument() {
		inst[it.LinkID] = !it.Channel
	}
	for _, it := range m.Items {
		if !inst[it] {
			t.Errorf("model item %q is not a segmenting item of the instrument", it)
		}
	}
	for _, s := range m.Segments {
		if s.Name == "" || s.Description == "" || len(s.Motivations) == 0 || len(s.Say) == 0 || len(s.Avoid) == 0 || s.Tone == "" || len(s.Channels) == 0 {
			t.Errorf("segment %s lacks part of its playbook", s.ID)
		}
	}
}

// TestDefaultShortFormAgreesWithFullForm classifies a fresh simulated
// population (a seed the model never saw) with both forms.
func TestDefaultShortFormAgreesWithFullForm(t *testing.T) {
	m := mustDefault(t)
	rs, truth := Simulate(DefaultPopulation(), 4000, 777)
	full, err := m.NewScorer(rs.Items, false, 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	short, err := m.NewScorer(rs.Items, true, 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	k := len(m.Segments)
	ref, got := make([]int, rs.Len()), make([]int, rs.Len())
	probs := make([]float64, k)
	for i := range ref {
		ref[i], _ = full.Score(rs.Row(i), probs)
		got[i], _ = short.Score(rs.Row(i), probs)
	}
	a := Compare(ref, got, k)
	if a.Agreement < 0.88 {
		t.Errorf("short vs full agreement = %.3f, want >= 0.88", a.Agreement)
	}
	for h, r := range a.Recall {
		if r < 0.75 {
			t.Errorf("short-form recall of %s = %.3f, want >= 0.75", m.Segments[h].ID, r)
		}
	}
	_, acc := MatchLabels(truth, ref)
	if acc < 0.90 {
		t.Errorf("full form vs true simulated segment = %.3f, want >= 0.90", acc)
	}
	t.Logf("short vs full: agreement %.3f kappa %.3f recall %.3f; full vs truth %.3f", a.Agreement, a.Kappa, a.Recall, acc)
}

func TestClassify(t *testing.T) {
	m := mustDefault(t)
	rs, _ := Simulate(DefaultPopulation(), 300, 5)
	sc, err := m.NewScorer(rs.Items, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := sc.ClassifyAll(rs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs.Len() {
		got := m.Classify(rs.Response(i))
		want := batch[i]
		if got.Segment != want.Segment || math.Abs(got.Probability-want.Probability) > 1e-12 || got.Answered != want.Answered {
			t.Fatalf("row %d: Classify = %s %.6f (%d answered), Scorer = %s %.6f (%d answered)", i, got.Segment, got.Probability, got.Answered, want.Segment, want.Probability, want.Answered)
		}
		sum := 0.0
		for _, p := range got.Probabilities {
			sum += p
		}
		if math.Abs(sum-1) > 1e-9 || len(got.Probabilities) != len(m.Segments) {
			t.Fatalf("row %d: probabilities %v do not sum to 1 over %d segments", i, got.Probabilities, len(m.Segments))
		}
		if got.ModelID != m.ID || got.ModelVersion != m.Version || got.Form != "full" {
			t.Fatalf("row %d: assessment names model %s@%s form %s", i, got.ModelID, got.ModelVersion, got.Form)
		}
	}
}

func TestClassifyEdgeCases(t *testing.T) {
	m := mustDefault(t)
	planner := Response{Answers: map[string]int{}}
	for j, it := range DefaultPopulation().Items {
		planner.Answers[it] = int(math.Round(DefaultPopulation().Classes[0].Means[j]))
	}
	for _, tc := range []struct {
		name     string
		r        Response
		o        ClassifyOptions
		want     string
		channels string
	}{
		{"typical planner", planner, ClassifyOptions{}, "planner", ""},
		{"typical planner, short form", planner, ClassifyOptions{Short: true}, "planner", ""},
		{"nothing answered", Response{}, ClassifyOptions{}, Unclassified, ""},
		{"threshold above any probability", planner, ClassifyOptions{Threshold: 1}, Unclassified, ""},
		{"out-of-range answers ignored", Response{Answers: map[string]int{"own-1": 9, "doc-1": -2}}, ClassifyOptions{}, Unclassified, ""},
		{"stated channels", Response{Answers: map[string]int{"ch-sms": 4, "ch-email": 5, "ch-mail": 2, "ch-phone": 4}}, ClassifyOptions{}, Unclassified, "email,phone,sms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := m.ClassifyWith(tc.r, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if a.Segment != tc.want {
				t.Errorf("segment = %q (p %.3f), want %q", a.Segment, a.Probability, tc.want)
			}
			if got := strings.Join(a.Channels, ","); got != tc.channels {
				t.Errorf("channels = %q, want %q", got, tc.channels)
			}
		})
	}
	if _, err := m.ClassifyWith(planner, ClassifyOptions{Threshold: 2}); err == nil {
		t.Errorf("ClassifyWith(threshold 2) succeeded, want an error")
	}
}

func TestLoadModelErrors(t *testing.T) {
	base := func() map[string]any {
		var v map[string]any
		m := mustDefault(t)
		var buf bytes.Buffer
		m.WriteJSON(&buf)
		json.Unmarshal(buf.Bytes(), &v)
		return v
	}
	seg0 := func(v map[string]any) map[string]any { return v["segments"].([]any)[0].(map[string]any) }
	for _, tc := range []struct {
		name   string
		edit   func(v map[string]any)
		wantIn string
	}{
		{"wrong format", func(v map[string]any) { v["format"] = "other/2" }, "format"},
		{"no id", func(v map[string]any) { v["id"] = "" }, "id and version"},
		{"unknown field", func(v map[string]any) { v["segmnts"] = 1 }, "unknown field"},
		{"reserved segment id", func(v map[string]any) { seg0(v)["id"] = Unclassified }, "segments[0].id"},
		{"duplicate segment id", func(v map[string]any) { seg0(v)["id"] = "caregiver" }, "repeats"},
		{"probabilities short", func(v map[string]any) { seg0(v)["probabilities"] = seg0(v)["probabilities"].([]any)[:3] }, "segments[0].probabilities has 3 rows"},
		{"probability row not summing to 1", func(v map[string]any) {
			seg0(v)["probabilities"].([]any)[2] = []any{0.5, 0.5, 0.5, 0.5, 0.5}
		}, "segments[0].probabilities[2] sums to"},
		{"zero probability", func(v map[string]any) { seg0(v)["probabilities"].([]any)[1] = []any{0, 0.25, 0.25, 0.25, 0.25} }, "smooth zeros"},
		{"short form coefficients", func(v map[string]any) {
			v["short_form"].(map[string]any)["coefficients"].([]any)[1] = []any{1.0}
		}, "short_form.coefficients[1]"},
		{"threshold", func(v map[string]any) { v["threshold"] = 1.5 }, "threshold"},
		{"neither form", func(v map[string]any) {
			delete(v, "short_form")
			delete(v, "items")
			for _, s := range v["segments"].([]any) {
				delete(s.(map[string]any), "probabilities")
			}
		}, "neither"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := base()
			tc.edit(v)
			b, _ := json.Marshal(v)
			_, err := LoadModel(bytes.NewReader(b))
			var se *Error
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("LoadModel(%s) error = %v, want an *Error containing %q", tc.name, err, tc.wantIn)
			}
		})
	}
	_, err := LoadModel(strings.NewReader("{\n  \"format\": ,\n}"))
	var se *Error
	if !errors.As(err, &se) || se.Line != 2 {
		t.Errorf("LoadModel(bad JSON) = %v, want an *Error on line 2", err)
	}
}

// TestShortFormOnlyModel is the shape of a hospital's licensed commercial
// model: segments with playbooks and a short-form classifier, no full form.
func TestShortFormOnlyModel(t *testing.T) {
	in := `{"format":"rapport.segment.model/1","id":"licensed","version":"3","threshold":0.6,
	"segments":[{"id":"a","name":"A","description":"","motivations":[],"say":[],"avoid":[],"tone":"","channels":["sms"]},
	            {"id":"b","name":"B","description":"","motivations":[],"say":[],"avoid":[],"tone":"","channels":["email"]}],
	"short_form":{"method":"vendor","classifier":"vendor","items":["q1","q2"],"intercepts":[0,0],
	  "coefficients":[[2,1,0,-1,-2, 0,0,0,0,0],[-2,-1,0,1,2, 0,0,0,0,0]]}}`
	m, err := LoadModel(strings.NewReader(in))
	if err != nil {
		t.Fatalf("LoadModel: %v", err)
	}
	for _, tc := range []struct {
		q1   int
		want string
	}{{1, "a"}, {5, "b"}, {3, Unclassified}} {
		a := m.Classify(Response{Answers: map[string]int{"q1": tc.q1, "q2": 3}})
		if a.Segment != tc.want || a.Form != "short" {
			t.Errorf("Classify(q1=%d) = %s (%s form, p %.2f), want %s (short form)", tc.q1, a.Segment, a.Form, a.Probability, tc.want)
		}
	}
	if _, err := m.ClassifyWith(Response{}, ClassifyOptions{Short: false}); err == nil {
		t.Errorf("full-form classification of a short-form-only model succeeded, want an error")
	}
}

func TestParseQuestionnaireResponse(t *testing.T) {
	ok := `{"resourceType":"QuestionnaireResponse","id":"qr1","status":"completed",
	 "subject":{"reference":"Patient/42"},
	 "item":[{"linkId":"g-own","item":[
	   {"linkId":"own-1","answer":[{"valueCoding":{"code":"4"}}]},
	   {"linkId":"own-2","answer":[{"valueInteger":2}]},
	   {"linkId":"own-3"}]},
	  {"linkId":"doc-1","answer":[{"valueDecimal":5}]},
	  {"linkId":"doc-2","answer":[{"valueString":" 1 "}]}]}`
	r, err := ParseQuestionnaireResponse(strings.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"own-1": 4, "own-2": 2, "doc-1": 5, "doc-2": 1}
	if r.ID != "Patient/42" || len(r.Answers) != len(want) {
		t.Errorf("got id %q answers %v, want Patient/42 %v", r.ID, r.Answers, want)
	}
	for k, v := range want {
		if r.Answers[k] != v {
			t.Errorf("answer %s = %d, want %d", k, r.Answers[k], v)
		}
	}
	for _, tc := range []struct{ name, in, wantIn string }{
		{"not JSON", "{\n\"item\": [", "invalid JSON"},
		{"wrong resource", `{"resourceType":"Patient"}`, "resourceType"},
		{"out of range", `{"resourceType":"QuestionnaireResponse","item":[{"linkId":"a","answer":[{"valueInteger":7}]}]}`, `item[0].answer[0] (linkId "a")`},
		{"fraction", `{"resourceType":"QuestionnaireResponse","item":[{"linkId":"a","answer":[{"valueDecimal":2.5}]}]}`, "out of range"},
		{"bad code", `{"resourceType":"QuestionnaireResponse","item":[{"linkId":"g","item":[{"linkId":"a","answer":[{"valueCoding":{"code":"x"}}]}]}]}`, "item[0].item[0]"},
		{"twice", `{"resourceType":"QuestionnaireResponse","item":[{"linkId":"a","answer":[{"valueInteger":1}]},{"linkId":"a","answer":[{"valueInteger":2}]}]}`, "answered twice"},
		{"two answers", `{"resourceType":"QuestionnaireResponse","item":[{"linkId":"a","answer":[{"valueInteger":1},{"valueInteger":2}]}]}`, "2 answers"},
		{"wrong type", `{"resourceType":"QuestionnaireResponse","item":[{"linkId":"a","answer":[{"valueInteger":"1"}]}]}`, "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseQuestionnaireResponse(strings.NewReader(tc.in))
			var se *Error
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("ParseQuestionnaireResponse(%s) error = %v, want an *Error containing %q", tc.name, err, tc.wantIn)
			}
		})
	}
}

func FuzzParseQuestionnaireResponse(f *testing.F) {
	f.Add(`{"resourceType":"QuestionnaireResponse","item":[{"linkId":"a","answer":[{"valueInteger":3}]}]}`)
	f.Add(`{"resourceType":"QuestionnaireResponse","item":[{"linkId":"g","item":[{"linkId":"a","answer":[{"valueCoding":{"code":"2"}}]}]}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseQuestionnaireResponse(strings.NewReader(in))
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		for k, v := range r.Answers {
			if k == "" || v < 1 || v > Categories {
				t.Fatalf("accepted answer %q = %d", k, v)
			}
		}
	})
}

func TestInstrument(t *testing.T) {
	items := Instrument()
	seg, ch := 0, 0
	for _, it := range items {
		if it.Channel {
			ch++
		} else {
			seg++
		}
	}
	if seg != len(DefaultPopulation().Items) || ch != 6 {
		t.Errorf("instrument has %d segmenting and %d channel items, want %d and 6", seg, ch, len(DefaultPopulation().Items))
	}
}
