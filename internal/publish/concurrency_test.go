package publish_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/mastodon/mastodontest"
	"github.com/rapport-health/rapport/internal/publish"
)

// TestConcurrentWorkers runs four publishers at once over the same jobs:
// every post reaches the network once (SKIP LOCKED on PostgreSQL, the
// single writer on SQLite).
func TestConcurrentWorkers(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			masto := mastodontest.NewServer()
			defer masto.Close()
			clk := &clock{}
			w := newWorld(t, be.open(t, clk.now), masto)
			const posts = 20
			var ids []string
			for i := range posts {
				ids = append(ids, w.approved(t, fmt.Sprintf("Health tip %d: drink water.", i)).ID)
			}
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					pub := publish.NewPublisher(publish.Config{Jobs: w.store, Connectors: w.connectors(true), Lease: time.Minute})
					for {
						did, err := pub.RunOnce(ctx)
						if err != nil {
							errs <- err
							return
						}
						if !did {
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("worker: %v", err)
			}
			if n := len(masto.StatusesBy(w.acct.ID)); n != posts {
				t.Errorf("statuses = %d, want %d", n, posts)
			}
			for _, id := range ids {
				p, err := w.store.ScheduledPost(ctx, w.author, id)
				if err != nil || p.Status != rapport.PostPublished || p.Targets[0].Attempts != 1 {
					t.Errorf("post %s = %+v, %v; want published in one attempt", id, p, err)
				}
			}
		})
	}
}
