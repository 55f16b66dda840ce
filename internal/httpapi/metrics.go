package httpapi

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Metrics counts requests and their latency per method, route pattern and
// status, and any counters other capabilities register, and serves them in
// the Prometheus text format. Labels are route patterns, never paths, so
// ids and query values (which can be PHI) never become label values.
type Metrics struct {
	mu       sync.Mutex
	requests map[reqKey]*histogram
	counters map[string]*counter
}

type reqKey struct {
	method, route string
	status        int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

type counter struct {
	help  string
	value uint64
}

// latencyBuckets are the upper bounds, in seconds.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[reqKey]*histogram{}, counters: map[string]*counter{}}
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := reqKey{method, route, status}
	h := m.requests[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.requests[k] = h
	}
	sec := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, sec)
	h.counts[i]++
	h.sum += sec
	h.n++
}

// Add increments the counter name (a Prometheus metric name with no
// labels) by n.
func (m *Metrics) Add(name, help string, n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.counters[name]
	if c == nil {
		c = &counter{help: help}
		m.counters[name] = c
	}
	c.value += n
}

// ServeHTTP writes the metrics in the Prometheus text exposition format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(m.text()))
}

func (m *Metrics) text() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.route != c.route {
			return a.route < c.route
		}
		if a.method != c.method {
			return a.method < c.method
		}
		return a.status < c.status
	})
	b.WriteString("# HELP rapport_http_requests_total HTTP requests by method, route pattern and status.\n# TYPE rapport_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "rapport_http_requests_total{%s} %d\n", labels(k), m.requests[k].n)
	}
	b.WriteString("# HELP rapport_http_request_duration_seconds HTTP request latency by method, route pattern and status.\n# TYPE rapport_http_request_duration_seconds histogram\n")
	for _, k := range keys {
		h := m.requests[k]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "rapport_http_request_duration_seconds_bucket{%s,le=%q} %d\n", labels(k), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "rapport_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels(k), h.n)
		fmt.Fprintf(&b, "rapport_http_request_duration_seconds_sum{%s} %g\n", labels(k), h.sum)
		fmt.Fprintf(&b, "rapport_http_request_duration_seconds_count{%s} %d\n", labels(k), h.n)
	}
	names := make([]string, 0, len(m.counters))
	for n := range m.counters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := m.counters[n]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", n, c.help, n, n, c.value)
	}
	return b.String()
}

func labels(k reqKey) string {
	return fmt.Sprintf(`method="%s",route="%s",status="%d"`, escapeLabel(k.method), escapeLabel(k.route), k.status)
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}
