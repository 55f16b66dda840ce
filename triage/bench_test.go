package triage

import "testing"

// BenchmarkTriage measures throughput over the whole labelled corpus (crisis
// phrasings, hard negatives and ordinary posts), reported as items/s. The
// inbox needs at least 1,000 items/s.
func BenchmarkTriage(b *testing.B) {
	tr := newTriager(b)
	var corpus []Input
	for _, f := range []string{"crisis.txt", "hard_negatives.txt", "posts.txt"} {
		for _, c := range readLabelled(b, f) {
			corpus = append(corpus, Input{Text: c.text})
		}
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		tr.Triage(corpus[n%len(corpus)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkTriageParallel measures throughput with GOMAXPROCS goroutines
// sharing one Triager, as the inbox does.
func BenchmarkTriageParallel(b *testing.B) {
	tr := newTriager(b)
	var corpus []Input
	for _, f := range []string{"crisis.txt", "hard_negatives.txt", "posts.txt"} {
		for _, c := range readLabelled(b, f) {
			corpus = append(corpus, Input{Text: c.text})
		}
	}
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
