package segment

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkClassify measures in-memory classification with the full form,
// one goroutine: respondents/s is the rate per core.
func BenchmarkClassify(b *testing.B) {
	for _, short := range []bool{false, true} {
		name := map[bool]string{false: "full", true: "short"}[short]
		b.Run(name, func(b *testing.B) {
			m := mustDefault(b)
			rs, _ := Simulate(DefaultPopulation(), 10000, 1)
			sc, err := m.NewScorer(rs.Items, short, 0)
			if err != nil {
				b.Fatal(err)
			}
			probs := make([]float64, len(m.Segments))
			b.ResetTimer()
			i := 0
			for b.Loop() {
				sc.Score(rs.Row(i), probs)
				if i++; i == rs.Len() {
					i = 0
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "respondents/s")
		})
	}
}

// BenchmarkClassifyResponse measures the per-patient API the server calls.
func BenchmarkClassifyResponse(b *testing.B) {
	m := mustDefault(b)
	rs, _ := Simulate(DefaultPopulation(), 1000, 1)
	resp := make([]Response, rs.Len())
	for i := range resp {
		resp[i] = rs.Response(i)
	}
	i := 0
	for b.Loop() {
		m.Classify(resp[i])
		if i++; i == len(resp) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "respondents/s")
}

// BenchmarkClassifyCSV measures parse + classify of a CSV file in memory.
func BenchmarkClassifyCSV(b *testing.B) {
	m := mustDefault(b)
	rs, _ := Simulate(DefaultPopulation(), 20000, 1)
	var buf bytes.Buffer
	rs.WriteCSV(&buf)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		parsed, err := ParseResponsesCSV(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		sc, err := m.NewScorer(parsed.Items, false, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sc.ClassifyAll(parsed); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*rs.Len())/b.Elapsed().Seconds(), "respondents/s")
}

// BenchmarkFit100k fits 100,000 simulated respondents x 33 items with K = 5
// and derives the short form (target: under 30 s per fit).
func BenchmarkFit100k(b *testing.B) {
	rs, _ := Simulate(DefaultPopulation(), 100000, 1)
	for b.Loop() {
		if _, err := Fit(context.Background(), rs, FitOptions{K: 5, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitAuto100k fits 100,000 simulated respondents x 33 items with
// automatic K (selection on a subsample, the chosen K on all rows) and
// derives the short form (target: under 30 s per fit on 2 cores).
func BenchmarkFitAuto100k(b *testing.B) {
	rs, _ := Simulate(DefaultPopulation(), 100000, 1)
	for b.Loop() {
		m, err := Fit(context.Background(), rs, FitOptions{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if got := len(m.Segments); got != 5 {
			b.Fatalf("Fit chose K = %d, want 5", got)
		}
	}
}
