package inbox

import (
	"sync"
	"sync/atomic"

	"github.com/rapport-health/rapport"
)

// Broker fans events out to the subscribers of each organisation. A
// subscriber that does not keep up loses events rather than slowing
// ingestion: its screen refetches the list on the next event it gets.
// Broker is safe for concurrent use.
type Broker struct {
	mu      sync.RWMutex
	subs    map[string]map[*subscription]struct{} // by org id
	closed  bool
	dropped atomic.Int64
}

type subscription struct {
	ch   chan rapport.InboxEvent
	once sync.Once
}

func (s *subscription) close() { s.once.Do(func() { close(s.ch) }) }

// SubscriberBuffer is how many events wait for a slow subscriber before
// new ones are dropped.
const SubscriberBuffer = 1024

// NewBroker returns an empty broker.
func NewBroker() *Broker {
	return &Broker{subs: map[string]map[*subscription]struct{}{}}
}

// Subscribe returns a channel of orgID's events and a function that ends
// the subscription and closes the channel.
func (b *Broker) Subscribe(orgID string) (<-chan rapport.InboxEvent, func()) {
	sub := &subscription{ch: make(chan rapport.InboxEvent, SubscriberBuffer)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		sub.close()
		return sub.ch, func() {}
	}
	if b.subs[orgID] == nil {
		b.subs[orgID] = map[*subscription]struct{}{}
	}
	b.subs[orgID][sub] = struct{}{}
	b.mu.Unlock()
	return sub.ch, func() {
		b.mu.Lock()
		delete(b.subs[orgID], sub)
		if len(b.subs[orgID]) == 0 {
			delete(b.subs, orgID)
		}
		b.mu.Unlock()
		sub.close()
	}
}

// Close ends every subscription (their channels close, so event streams
// end and a server can shut down) and refuses new ones.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for org, subs := range b.subs {
		for sub := range subs {
			sub.close()
		}
		delete(b.subs, org)
	}
}

// Publish sends e to every subscriber of orgID without blocking.
func (b *Broker) Publish(orgID string, e rapport.InboxEvent) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for sub := range b.subs[orgID] {
		select {
		case sub.ch <- e:
		default:
			b.dropped.Add(1)
		}
	}
}

// Subscribers returns how many subscribers orgID has.
func (b *Broker) Subscribers(orgID string) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs[orgID])
}

// Dropped returns how many events were dropped for slow subscribers.
func (b *Broker) Dropped() int64 { return b.dropped.Load() }
