package inbox

import (
	"context"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
)

// Group commit. Webhook deliveries usually carry one item each, and every
// transaction pays fixed costs (the audit chain's head is locked and
// advanced, the commit is written). Concurrent Ingest calls for one
// organisation therefore share transactions: the first caller becomes the
// leader and stores its items together with whatever other callers have
// queued meanwhile (up to the batch size); the others wait for their
// results. When the leader's own items are stored it hands the lead to the
// next waiter, so no caller works for others indefinitely and no
// background goroutine is needed.

// pendingStore is one caller's items waiting to be stored.
type pendingStore struct {
	items []*rapport.InboxItem
	res   []rapport.IngestResult
	err   error
	done  chan struct{} // closed when stored
	lead  chan struct{} // closed to make this caller the leader
}

type orgQueue struct {
	mu      sync.Mutex
	waiting []*pendingStore
	leading bool
}

// groupTimeout bounds a shared transaction, which must not fail because
// the one caller that happens to lead has gone away.
const groupTimeout = time.Minute

func (s *Service) queue(orgID string) *orgQueue {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[orgID]
	if q == nil {
		q = &orgQueue{}
		s.queues[orgID] = q
	}
	return q
}

// storeGrouped stores items, possibly in one transaction with other
// callers' items, and returns their results in order.
func (s *Service) storeGrouped(ctx context.Context, orgID string, items []*rapport.InboxItem) ([]rapport.IngestResult, error) {
	q := s.queue(orgID)
	p := &pendingStore{items: items, done: make(chan struct{}), lead: make(chan struct{})}
	q.mu.Lock()
	q.waiting = append(q.waiting, p)
	if q.leading {
		q.mu.Unlock()
		select {
		case <-p.done:
			return p.res, p.err
		case <-p.lead:
		}
		q.mu.Lock()
	}
	q.leading = true
	for {
		// p is in the first group this leader takes: it is first in line.
		n, size := 0, 0
		for n < len(q.waiting) && (n == 0 || size+len(q.waiting[n].items) <= s.batch) {
			size += len(q.waiting[n].items)
			n++
		}
		group := q.waiting[:n:n]
		q.waiting = q.waiting[n:]
		q.mu.Unlock()
		s.storeGroup(ctx, orgID, group, size)
		q.mu.Lock()
		select {
		case <-p.done:
			if len(q.waiting) > 0 {
				close(q.waiting[0].lead)
			} else {
				q.leading = false
			}
			q.mu.Unlock()
			return p.res, p.err
		default:
		}
	}
}

func (s *Service) storeGroup(ctx context.Context, orgID string, group []*pendingStore, size int) {
	all := make([]*rapport.InboxItem, 0, size)
	for _, g := range group {
		all = append(all, g.items...)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	res, err := s.store.StoreItems(ctx, systemActor(orgID), all)
	at := 0
	for _, g := range group {
		if err != nil {
			g.err = err
		} else {
			g.res = res[at : at+len(g.items)]
		}
		at += len(g.items)
		close(g.done)
	}
}
