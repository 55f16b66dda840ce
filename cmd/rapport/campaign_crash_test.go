package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-health/rapport/internal/email/maildev"
	"github.com/rapport-health/rapport/internal/postgres/pgtest"
)

var (
	crashN     = flag.Int("crash.n", 2000, "recipients of the crash test (the documented run uses 100000)")
	crashKills = flag.Int("crash.kills", 3, "how many times the crash test SIGKILLs the delivering process")
)

// TestCampaignCrash builds the real rapport binary, runs it as a child
// process delivering a campaign to maildev, SIGKILLs it several times
// mid-delivery and restarts it, then counts what maildev received: every
// recipient exactly once.
func TestCampaignCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts maildev")
	}
	runCrash(t, nil, 1, *crashN, *crashKills)
}

// TestCampaignCrashPostgres is the same with three rapport processes
// sharing one PostgreSQL database (workers claim with FOR UPDATE SKIP
// LOCKED), SIGKILLing one of them at a time while the others deliver.
func TestCampaignCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts maildev")
	}
	url := pgtest.URL(t)
	runCrash(t, &url, 3, *crashN, *crashKills)
}

// runCrash delivers an n-recipient email campaign to maildev with procs
// rapport processes on one database (SQLite in a data directory when pgURL
// is nil), SIGKILLs one process kills times at random points of the
// delivery and restarts it, and checks that maildev received each
// recipient's message exactly once.
func runCrash(t *testing.T, pgURL *string, procs, n, kills int) {
	md := maildev.Start(t, maildev.Options{})
	dir := t.TempDir()
	bin := filepath.Join(dir, "rapport")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	db := []string{"--data", data}
	if pgURL != nil {
		db = append(db, "--database-url", *pgURL)
	}
	var csv strings.Builder
	csv.WriteString("mrn,family,given,email,time_zone,consent_email_marketing,consent_at,consent_source\n")
	for i := range n {
		fmt.Fprintf(&csv, "K%d,Fam,Giv%d,k%d@example.org,America/Chicago,granted,2025-01-01,form\n", i, i, i)
	}
	csvPath := filepath.Join(dir, "p.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, append([]string{"import", "--progress", "never"}, append(db, csvPath)...)...)
	token := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "mk", "--role", "marketer"}, db...)...))

	addrs := make([]string, procs)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = ln.Addr().String()
		ln.Close()
	}
	base := "http://" + addrs[0]
	var logs syncBuffer
	start := func(i int) *exec.Cmd {
		args := append([]string{"serve", "--addr", addrs[i]}, db...)
		args = append(args, "--base-url", "https://rapport.test", "--deliver",
			"--smtp-addr", md.SMTPAddr, "--smtp-no-tls", "--mail-from", "News <news@example.org>", "--postal-address", "1 Main St, Springfield, IL 62701",
			"--message-domain", "crash.test", "--worker-lease", "10s", "--worker-batch", "50",
			"--reconcile-url", md.WebURL+"/email?headers.message-id={message_id}")
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "RAPPORT_CAMPAIGN_SECRET=crash")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get("http://" + addrs[i] + "/healthz")
			if err == nil {
				resp.Body.Close()
				return cmd
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("rapport did not start: %v\n%s", err, logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		return apiCall(t, base, token, method, path, body)
	}
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = start(i)
	}
	defer func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}()
	code, b := call("POST", "/api/v1/campaigns", map[string]any{"name": "crash", "channel": "email", "purpose": "marketing",
		"audience": map[string]any{}, "variants": []map[string]any{{"subject": "Hello {{first_name|there}}",
			"text": "Hi {{first_name|there}}.\n{{postal_address}}\n{{unsubscribe_url}}"}}})
	if code != 201 {
		t.Fatalf("create = %d %v", code, b)
	}
	cid := b["id"].(string)
	if code, b := call("POST", "/api/v1/campaigns/"+cid+"/launch", nil); code != 200 || b["deliveries"] != float64(n) {
		t.Fatalf("launch = %d %v", code, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(1, 2))
	// Kills are timed by the campaign's recorded sends (cheap), not by
	// listing maildev (100,000 messages of JSON).
	received := func() int {
		_, b := call("GET", "/api/v1/campaigns/"+cid, nil)
		d, _ := b["deliveries"].(map[string]any)
		sent, _ := d["sent"].(float64)
		return int(sent)
	}
	for k := range kills {
		// Kill at a random point while the campaign is being delivered;
		// with several processes, a random one of them (never the one
		// answering the API, which the test reads through).
		target := (k + 1) * n / (kills + 2)
		target += rng.IntN(max(n/(4*(kills+2)), 1))
		victim := 0
		if procs > 1 {
			victim = 1 + rng.IntN(procs-1)
		}
		last, lastAt := -1, time.Now()
		for {
			got := received()
			if got >= target {
				break
			}
			if got != last {
				last, lastAt = got, time.Now()
			}
			// A stall fails fast with the server's log instead of hanging
			// until the test binary's timeout.
			if ctx.Err() != nil || time.Since(lastAt) > time.Minute {
				_, b := call("GET", "/api/v1/campaigns/"+cid, nil)
				for _, c := range cmds {
					c.Process.Signal(syscall.SIGQUIT) // the Go runtime prints every goroutine's stack
					c.Wait()
				}
				t.Fatalf("deliveries stalled at %d of %d after kill %d; campaign %v; sink: %v\n%s", got, target, k, b["deliveries"], md.Err(), withoutRequests(logs.String()))
			}
			time.Sleep(time.Duration(20+rng.IntN(80)) * time.Millisecond)
		}
		if err := cmds[victim].Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmds[victim].Wait()
		t.Logf("kill %d (process %d of %d) after %d recorded sends", k+1, victim+1, procs, target)
		cmds[victim] = start(victim)
	}
	// Let it finish: every delivery leaves pending/inflight.
	for {
		_, b := call("GET", "/api/v1/campaigns/"+cid, nil)
		d := b["deliveries"].(map[string]any)
		if d["pending"] == nil && d["inflight"] == nil {
			if d["sent"] != float64(n) {
				t.Errorf("delivery states %v, want %d sent", d, n)
			}
			break
		}
		if ctx.Err() != nil || md.Err() != nil {
			t.Fatalf("not finished: %v; sink: %v", d, md.Err())
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	ms, err := md.Emails(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range ms {
		seen[m.To[0].Address]++
	}
	dups, missing := 0, 0
	for i := range n {
		switch c := seen[fmt.Sprintf("k%d@example.org", i)]; {
		case c == 0:
			missing++
		case c > 1:
			dups += c - 1
		}
	}
	var reconciled int
	var raw *sql.DB
	if pgURL != nil {
		raw, err = sql.Open("pgx", *pgURL)
	} else {
		raw, err = sql.Open("sqlite", "file:"+filepath.Join(data, "rapport.db")+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE reason = 'reconciled'`).Scan(&reconciled); err != nil {
		t.Fatal(err)
	}
	// With several processes the work was shared: the one never killed
	// sent some of it, and not all.
	first := sentBy(t, addrs[0])
	if procs > 1 && (first == 0 || first >= n) {
		t.Errorf("process 1 of %d sent %d of %d: the work was not shared", procs, first, n)
	}
	t.Logf("%d recipients, %d processes, %d kills: maildev received %d messages, %d duplicates, %d missing; %d in-flight deliveries found already accepted on restart; process 1 sent %d",
		n, procs, kills, len(ms), dups, missing, reconciled, first)
	if dups != 0 || missing != 0 || len(ms) != n {
		t.Errorf("received %d messages for %d recipients: %d duplicates, %d missing", len(ms), n, dups, missing)
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// withoutRequests drops the per-request log lines, keeping what explains a
// stall (errors, goroutine stacks).
func withoutRequests(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, `"msg":"request"`) {
			b.WriteString(line + "\n")
		}
	}
	return tail(b.String(), 60000)
}

// sentBy reads a process's count of sent deliveries from its /metrics.
func sentBy(t *testing.T, addr string) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rapport_campaign_deliveries_sent_total "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
