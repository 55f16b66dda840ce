package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/importer"
	"github.com/rapport-health/rapport/internal/campaign"
	"github.com/rapport-health/rapport/internal/email"
	"github.com/rapport-health/rapport/internal/ingest"
	"github.com/rapport-health/rapport/internal/sqlstore"
)

// benchPopulation imports n synthetic patients into a fresh organisation
// with the bulk import path and returns the store, the org's admin actor
// and the import time.
func benchPopulation(ctx context.Context, e *env, sf *storeFlags, tmp string, n int, seed int64) (*sqlstore.Store, rapport.Actor, time.Duration, error) {
	csvPath := filepath.Join(tmp, "patients.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		return nil, rapport.Actor{}, 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := importer.WriteSyntheticCSV(w, n, seed); err != nil {
		f.Close()
		return nil, rapport.Actor{}, 0, err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, rapport.Actor{}, 0, err
	}
	f.Close()
	s, o, err := openBench(ctx, e, sf)
	if err != nil {
		return nil, rapport.Actor{}, 0, err
	}
	actor := rapport.Actor{OrgID: o.ID, Role: rapport.RoleAdmin, Name: "system:bench", Addr: "cli"}
	in, err := os.Open(csvPath)
	if err != nil {
		s.Close()
		return nil, rapport.Actor{}, 0, err
	}
	defer in.Close()
	start := time.Now()
	if _, err := ingest.Run(ctx, s, actor, []ingest.File{{Name: "patients.csv", R: in}}, ingest.Options{}); err != nil {
		s.Close()
		return nil, rapport.Actor{}, 0, err
	}
	return s, actor, time.Since(start), nil
}

// hashUnit maps s to [0, 1) deterministically.
func hashUnit(s string) float64 {
	h := sha256.Sum256([]byte(s))
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53)
}

// runBenchAudience measures audience counts over a synthetic population:
// rapport bench audience [--n 1000000] [--database-url …].
func runBenchAudience(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("bench audience", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	n := fs.Int("n", 1_000_000, "patients")
	seed := fs.Int64("seed", 1, "seed of the synthetic population")
	runs := fs.Int("runs", 5, "runs per filter (the median is reported)")
	reuse := fs.String("org", "", "measure an organisation already loaded by an earlier run with --data (skips import and assessment)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *reuse != "" {
		s, err := sf.open(ctx, newLogger(e))
		if err != nil {
			return err
		}
		defer s.Close()
		o, err := s.OrgBySlug(ctx, *reuse)
		if err != nil {
			return err
		}
		return measureAudiences(ctx, e, s, rapport.Actor{OrgID: o.ID, Role: rapport.RoleMarket, Name: "system:bench", Addr: "cli"}, *runs)
	}
	tmp, err := os.MkdirTemp("", "rapport-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if sf.databaseURL == "" && !flagSet(fs, "data") {
		sf.data = filepath.Join(tmp, "data") // a fresh database unless --data names one to keep
	}
	s, admin, took, err := benchPopulation(ctx, e, &sf, tmp, *n, *seed)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(e.stdout, "imported %d patients into %s in %.1f s\n", *n, s.Dialect().Name, took.Seconds())
	segs := []string{"planner", "caregiver", "guided", "present", "explorer"}
	marketer := rapport.Actor{OrgID: admin.OrgID, Role: rapport.RoleMarket, Name: "system:bench", Addr: "cli"}
	start := time.Now()
	classified, err := s.BulkAssess(ctx, marketer, "rapport-default", "bench", func(pid string) (string, float64, bool) {
		u := hashUnit(pid)
		if u < 0.1 {
			return "", 0, false // not assessed
		}
		return segs[int(u*1000)%len(segs)], 0.3 + 0.7*hashUnit(pid+"p"), true
	})
	if err != nil {
		return err
	}
	if err := s.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "assessed %d patients in bulk in %.1f s (and ANALYZE)\n", classified, time.Since(start).Seconds())
	return measureAudiences(ctx, e, s, marketer, *runs)
}

// measureAudiences times CountAudience for a set of filters: wall time,
// and the process's CPU time (user + system), which the load of a shared
// machine does not inflate.
func measureAudiences(ctx context.Context, e *env, s *sqlstore.Store, marketer rapport.Actor, runs int) error {
	filters := []struct {
		name string
		f    rapport.AudienceFilter
	}{
		{"email marketing consent only", rapport.AudienceFilter{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing}},
		{"sms care, by segment (all segments)", rapport.AudienceFilter{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare, ModelID: "rapport-default"}},
		{"email marketing, segment planner p>=0.6", rapport.AudienceFilter{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing,
			ModelID: "rapport-default", Segments: []string{"planner"}, MinProbability: 0.6}},
		{"email marketing, 2 segments, age 40-75, en/es, 3 ZIP prefixes", rapport.AudienceFilter{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing,
			ModelID: "rapport-default", Segments: []string{"planner", "caregiver"}, MinAge: 40, MaxAge: 75, Languages: []string{"en", "es"},
			ZIPPrefixes: []string{"627", "432", "021"}}},
		{"sms care, tag diabetes-program, not contacted 30 days", rapport.AudienceFilter{Channel: rapport.ChannelSMS, Purpose: rapport.PurposeCare,
			Tags: []string{"diabetes-program"}, NotContactedDays: 30}},
	}
	for _, f := range filters {
		var times, cpus []time.Duration
		var total int
		for range max(runs, 1) {
			t0, c0 := time.Now(), cpuTime()
			c, err := s.CountAudience(ctx, marketer, f.f)
			if err != nil {
				return err
			}
			times, cpus = append(times, time.Since(t0)), append(cpus, cpuTime()-c0)
			total = c.Total
		}
		slices.Sort(times)
		slices.Sort(cpus)
		fmt.Fprintf(e.stdout, "%-62s %8d patients  wall median %7.1f ms (min %7.1f, max %7.1f)  CPU median %7.1f ms\n", f.name, total,
			ms(times[len(times)/2]), ms(times[0]), ms(times[len(times)-1]), ms(cpus[len(cpus)/2]))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// timedQueue measures the time a worker spends in the database.
type timedQueue struct {
	campaign.Queue
	claim, complete atomic.Int64
}

func (q *timedQueue) ClaimDeliveries(ctx context.Context, owner string, n int, lease time.Duration) ([]rapport.DeliveryJob, error) {
	t := time.Now()
	defer func() { q.claim.Add(int64(time.Since(t))) }()
	return q.Queue.ClaimDeliveries(ctx, owner, n, lease)
}

func (q *timedQueue) CompleteDeliveries(ctx context.Context, owner string, outs []rapport.DeliveryOutcome) error {
	t := time.Now()
	defer func() { q.complete.Add(int64(time.Since(t))) }()
	return q.Queue.CompleteDeliveries(ctx, owner, outs)
}

// timedSender measures the time spent sending.
type timedSender struct {
	s    *email.Sender
	busy atomic.Int64
}

func (t *timedSender) Send(ctx context.Context, m *email.Message) error {
	t0 := time.Now()
	defer func() { t.busy.Add(int64(time.Since(t0))) }()
	return t.s.Send(ctx, m)
}

// runBenchDelivery measures delivery throughput of one campaign to an SMTP
// sink: rapport bench delivery [--n 20000] [--smtp-addr host:port].
// Without --smtp-addr it starts a minimal in-process Go SMTP sink.
func runBenchDelivery(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("bench delivery", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	n := fs.Int("n", 20_000, "recipients")
	smtpAddr := fs.String("smtp-addr", "", "SMTP sink host:port (e.g. maildev); empty starts an in-process Go sink")
	conns := fs.Int("conns", 4, "SMTP connections")
	workers := fs.Int("workers", 2, "delivery workers")
	batch := fs.Int("batch", 200, "deliveries per claim")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the delivery to this file")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "rapport-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if sf.databaseURL == "" {
		sf.data = filepath.Join(tmp, "data")
	}
	addr := *smtpAddr
	var sink *goSink
	if addr == "" {
		if sink, err = startGoSink(); err != nil {
			return err
		}
		defer sink.Close()
		addr = sink.Addr()
	}
	s, o, err := openBench(ctx, e, &sf)
	if err != nil {
		return err
	}
	defer s.Close()
	admin := rapport.Actor{OrgID: o.ID, Role: rapport.RoleAdmin, Name: "system:bench", Addr: "cli"}
	marketer := rapport.Actor{OrgID: o.ID, Role: rapport.RoleMarket, Name: "system:bench", Addr: "cli"}
	tx, err := s.BeginImport(ctx, admin, "bench")
	if err != nil {
		return err
	}
	at := time.Now().Add(-24 * time.Hour)
	var recs []rapport.ImportRecord
	for i := range *n {
		recs = append(recs, rapport.ImportRecord{Patient: &rapport.Patient{
			Identifiers: []rapport.Identifier{{System: rapport.SystemMRN, Value: fmt.Sprintf("B%d", i)}},
			Family:      "Bench", Given: fmt.Sprintf("P%d", i), Email: fmt.Sprintf("p%d@bench.example", i), TimeZone: "America/Chicago"},
			Consents: []rapport.ConsentEvent{{Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing,
				Status: rapport.ConsentGranted, At: at, Source: "bench"}}})
		if len(recs) == 5000 || i == *n-1 {
			if _, err := tx.Write(ctx, recs); err != nil {
				tx.Rollback()
				return err
			}
			recs = recs[:0]
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	id := campaign.Identity{OrgName: "Bench", PostalAddress: "1 Main St, Springfield, IL 62701",
		From: mail.Address{Name: "Bench", Address: "news@bench.example"}, MessageDomain: "bench.example",
		BaseURL: "https://rapport.bench.example", Secret: []byte("bench")}
	c := &rapport.Campaign{Name: "bench", Channel: rapport.ChannelEmail, Purpose: rapport.PurposeMarketing,
		Variants: []rapport.Variant{{Subject: "Hello {{first_name|there}}",
			Text: "Hi {{first_name|there}}, flu shots are in at {{clinic_name}}.\n{{postal_address}}\nUnsubscribe: {{unsubscribe_url}}"}}}
	if err := s.CreateCampaign(ctx, marketer, c); err != nil {
		return err
	}
	l := campaign.Launcher{Store: s, Previewer: campaign.Previewer{Identity: id}}
	t0 := time.Now()
	res, err := l.Launch(ctx, marketer, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "launched %d deliveries on %s in %.2f s\n", res.Deliveries, s.Dialect().Name, time.Since(t0).Seconds())
	sender, err := email.NewSender(email.Config{Addr: addr, Conns: *conns, DisableTLS: true})
	if err != nil {
		return err
	}
	defer sender.Close()
	q := &timedQueue{Queue: s}
	ts := &timedSender{s: sender}
	stop, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range max(*workers, 1) {
		w := campaign.NewWorker(campaign.WorkerConfig{Queue: q, Email: ts, Identity: id, Owner: fmt.Sprintf("bench-%d", i),
			Batch: *batch, Parallel: *conns})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := w.RunOnce(ctx)
				if err != nil {
					fmt.Fprintf(e.stderr, "worker: %v\n", err)
					return
				}
				if k == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	counts, err := s.DeliveryCounts(ctx, marketer, c.ID)
	if err != nil {
		return err
	}
	sent := counts[rapport.DeliverySent]
	fmt.Fprintf(e.stdout, "delivered %d of %d to %s in %.2f s: %.0f msg/s; states %v\n", sent, res.Deliveries, sinkName(*smtpAddr),
		elapsed.Seconds(), float64(sent)/elapsed.Seconds(), counts)
	fmt.Fprintf(e.stdout, "time summed over workers: claim %.2f s, complete %.2f s; over connections: SMTP send %.2f s\n",
		time.Duration(q.claim.Load()).Seconds(), time.Duration(q.complete.Load()).Seconds(), time.Duration(ts.busy.Load()).Seconds())
	if sink != nil {
		fmt.Fprintf(e.stdout, "go sink received %d messages, %d distinct Message-IDs\n", sink.count.Load(), sink.distinct())
	}
	return nil
}

func sinkName(addr string) string {
	if addr == "" {
		return "the in-process Go sink"
	}
	return addr
}

// goSink is a minimal SMTP server that accepts everything: the floor of
// what delivery costs on our side.
type goSink struct {
	ln    net.Listener
	count atomic.Int64
	mu    sync.Mutex
	ids   map[string]int
	wg    sync.WaitGroup
}

func startGoSink() (*goSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &goSink{ln: ln, ids: map[string]int{}}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			k.wg.Add(1)
			go func() {
				defer k.wg.Done()
				k.serve(c)
			}()
		}
	}()
	return k, nil
}

func (k *goSink) Addr() string { return k.ln.Addr().String() }

func (k *goSink) Close() {
	k.ln.Close()
	k.wg.Wait()
}

func (k *goSink) distinct() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.ids)
}

func (k *goSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(s string) { w.WriteString(s + "\r\n") }
	reply("220 sink ESMTP")
	w.Flush()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			reply("250-sink")
			reply("250-PIPELINING")
			reply("250 8BITMIME")
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"),
			strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			reply("250 ok")
		case cmd == "DATA":
			reply("354 go ahead")
			w.Flush()
			var id string
			for {
				l, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if bytes.Equal(l, []byte(".\r\n")) {
					break
				}
				if id == "" && bytes.HasPrefix(l, []byte("Message-ID:")) {
					id = string(bytes.TrimSpace(l[len("Message-ID:"):]))
				}
			}
			k.count.Add(1)
			k.mu.Lock()
			k.ids[id]++
			k.mu.Unlock()
			reply("250 queued")
		case cmd == "QUIT":
			reply("221 bye")
			w.Flush()
			return
		default:
			reply("502 unknown command")
		}
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// cpuTime returns the CPU time this process has used (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
