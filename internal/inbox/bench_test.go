package inbox

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/postgres"
	"github.com/rapport-health/rapport/internal/postgres/pgtest"
	"github.com/rapport-health/rapport/internal/sqlstore"
)

// BenchmarkIngest measures sustained ingestion: producers deliver batches
// of items (as webhook deliveries and polls do) through Ingest — triage,
// PHI disclosure, routing, storage with dedupe and threading, one
// transaction per batch — while an agent's subscriber receives the events.
// It reports items/s and the p99 latency from receipt (the Ingest call) to
// the event reaching the subscriber.
//
//	go test -run '^$' -bench BenchmarkIngest -benchtime 5000x ./internal/inbox/
func BenchmarkIngest(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchIngest(b, newEnv(b, OrgConfig{})) })
	b.Run("postgres", func(b *testing.B) {
		s, err := postgres.Open(context.Background(), pgtest.URL(b), sqlstore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		benchIngest(b, newEnvOn(b, s, OrgConfig{}))
	})
}

func benchIngest(b *testing.B, e *env) {
	texts := benchTexts(b)
	e.svc.now = time.Now
	const producers, batch = 4, 50
	events, cancel, err := e.svc.Subscribe(e.agent)
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			lat = append(lat, time.Since(ev.ReceivedAt))
		}
	}()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				first := next.Add(batch) - batch
				if first >= int64(b.N) {
					return
				}
				var items []rapport.SocialItem
				for i := first; i < min(first+batch, int64(b.N)); i++ {
					it := item(fmt.Sprintf("bench-%d-%d", p, i), texts[int(i)%len(texts)])
					if i%5 == 4 {
						it.ParentID, it.RootID = fmt.Sprintf("bench-%d-%d", p, i-1), fmt.Sprintf("bench-%d-%d", p, i-1)
					}
					items = append(items, it)
				}
				if _, err := e.svc.Ingest(context.Background(), e.org.ID, items); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	if len(lat) != b.N {
		b.Fatalf("subscriber got %d events for %d items (dropped %d)", len(lat), b.N, e.svc.broker.Dropped())
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "items/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
}

func benchTexts(b *testing.B) []string {
	var out []string
	for _, f := range []string{"../../triage/testdata/posts.txt", "../../triage/testdata/hard_negatives.txt"} {
		for _, l := range readLabelled(b, f) {
			out = append(out, l[1])
		}
	}
	return out
}
