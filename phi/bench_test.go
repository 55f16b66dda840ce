package phi

import (
	"bufio"
	"encoding/json"
	"os"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user and system) of the whole process so far.
// The benchmarks report MB per CPU-second as well as the usual wall-clock
// MB/s, because on a shared machine the wall clock also counts the time
// other processes hold the core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchScan(b *testing.B, texts []string) {
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	d := NewDetector(Config{})
	d.Scan(texts[0]) // decode the lists before timing
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	n := 0
	for b.Loop() {
		for _, t := range texts {
			d.Scan(t)
		}
		n++
	}
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(size)*float64(n)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkScanClinicalNote measures scan throughput on one clinical-note
// sized text (about 2.4 kB), single goroutine.
func BenchmarkScanClinicalNote(b *testing.B) {
	note, err := os.ReadFile("testdata/clinical_note.txt")
	if err != nil {
		b.Fatal(err)
	}
	benchScan(b, []string{string(note)})
}

// BenchmarkScanPosts measures scan throughput on short social posts (the
// 158 hand-written posts, about 65 bytes each), single goroutine.
func BenchmarkScanPosts(b *testing.B) {
	f, err := os.Open("testdata/posts.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec GoldRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, rec.Text)
	}
	benchScan(b, texts)
}
