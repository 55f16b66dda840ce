package triage

import (
	"testing"
	"time"
)

// benchCorpus is every labelled file: crisis phrasings, hard negatives and
// ordinary posts.
func benchCorpus(b *testing.B) []Input {
	var corpus []Input
	for _, f := range append(trainingCrisisSets(), "heldout_crisis.txt", "hard_negatives.txt", "posts.txt",
		"heldout_negatives.txt", "dev_negatives.txt", "round6_negatives.txt", "round7_negatives.txt", "round8_negatives.txt") {
		for _, c := range readLabelled(b, f) {
			corpus = append(corpus, Input{Text: c.text})
		}
	}
	return corpus
}

// BenchmarkTriage measures throughput over the labelled corpus, reported as
// items/s. The target is at least 10,000 items/s on one core (the inbox
// needs 1,000).
func BenchmarkTriage(b *testing.B) {
	tr := newTriager(b)
	corpus := benchCorpus(b)
	b.ResetTimer()
	cpu0, cpuOK := cpuTime()
	n := 0
	for b.Loop() {
		tr.Triage(corpus[n%len(corpus)])
		n++
	}
	reportRates(b, n, cpu0, cpuOK)
}

// BenchmarkTriageParallel measures throughput with GOMAXPROCS goroutines
// sharing one Triager, as the inbox does.
func BenchmarkTriageParallel(b *testing.B) {
	tr := newTriager(b)
	corpus := benchCorpus(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			tr.Triage(corpus[i%len(corpus)])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkNew measures building a Triager (lexicon load and pattern
// compilation), which the inbox does once at start.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCrisisScore measures the crisis scorer alone (tokenising,
// figurative masking, concept tagging, the phrasing families and scoring),
// without VADER sentiment and intent cues.
func BenchmarkCrisisScore(b *testing.B) {
	s, err := newScorer()
	if err != nil {
		b.Fatal(err)
	}
	corpus := benchCorpus(b)
	b.ResetTimer()
	cpu0, cpuOK := cpuTime()
	n := 0
	for b.Loop() {
		s.detect(corpus[n%len(corpus)].Text)
		n++
	}
	reportRates(b, n, cpu0, cpuOK)
}

// reportRates reports n items as items/s of wall-clock time and, where the
// platform tells CPU time, items per CPU-second ("items/cpu-s"), which is
// the per-core throughput whatever else the machine runs.
func reportRates(b *testing.B, n int, cpu0 time.Duration, cpuOK bool) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
	if cpu1, ok := cpuTime(); cpuOK && ok && cpu1 > cpu0 {
		b.ReportMetric(float64(n)/(cpu1-cpu0).Seconds(), "items/cpu-s")
	}
}
