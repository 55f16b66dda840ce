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
	benchBackends(b, func(b *testing.B, e *env) { benchIngest(b, e, 0) })
}

// BenchmarkIngestPaced offers a steady 1,000 items/s as one-item
// deliveries (one Ingest call per item, every millisecond, as webhooks
// arrive) and reports the achieved rate and the receipt-to-event latency
// at that load.
//
//	go test -run '^$' -bench BenchmarkIngestPaced -benchtime 20000x ./internal/inbox/
func BenchmarkIngestPaced(b *testing.B) {
	benchBackends(b, func(b *testing.B, e *env) { benchIngest(b, e, 1000) })
}

func benchBackends(b *testing.B, fn func(b *testing.B, e *env)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, newEnv(b, OrgConfig{})) })
	b.Run("postgres", func(b *testing.B) {
		s, err := postgres.Open(context.Background(), pgtest.URL(b), sqlstore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		fn(b, newEnvOn(b, s, OrgConfig{}))
	})
}

// benchIngest ingests b.N items: as fast as 4 producers can (rate 0), or
// at rate items/s in one-item calls.
func benchIngest(b *testing.B, e *env, rate int) {
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
	makeBatch := func(p int, first, n int64) []rapport.SocialItem {
		var items []rapport.SocialItem
		for i := first; i < min(first+n, int64(b.N)); i++ {
			it := item(fmt.Sprintf("bench-%d-%d", p, i), texts[int(i)%len(texts)])
			if i%5 == 4 {
				it.ParentID, it.RootID = fmt.Sprintf("bench-%d-%d", p, i-1), fmt.Sprintf("bench-%d-%d", p, i-1)
			}
			items = append(items, it)
		}
		return items
	}
	ingest := func(items []rapport.SocialItem) {
		if _, err := e.svc.Ingest(context.Background(), e.org.ID, items); err != nil {
			b.Error(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	if rate > 0 {
		// Batch k is due at start + k*interval; a late batch goes at once,
		// so the offered load stays at rate however the scheduler jitters.
		const per = 1
		interval := time.Second * per / time.Duration(rate)
		sem := make(chan struct{}, 1024) // concurrent deliveries in flight
		for k, first := 0, int64(0); first < int64(b.N); k, first = k+1, first+per {
			time.Sleep(time.Until(start.Add(time.Duration(k) * interval)))
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				ingest(makeBatch(0, first, per))
			}()
		}
	} else {
		for p := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					first := next.Add(batch) - batch
					if first >= int64(b.N) {
						return
					}
					ingest(makeBatch(p, first, batch))
				}
			}()
		}
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
