package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-health/rapport/internal/email/maildev"
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
	md := maildev.Start(t, maildev.Options{})
	dir := t.TempDir()
	bin := filepath.Join(dir, "rapport")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	n := *crashN
	var csv strings.Builder
	csv.WriteString("mrn,family,given,email,time_zone,consent_email_marketing,consent_at,consent_source\n")
	for i := range n {
		fmt.Fprintf(&csv, "K%d,Fam,Giv%d,k%d@example.org,America/Chicago,granted,2025-01-01,form\n", i, i, i)
	}
	csvPath := filepath.Join(dir, "p.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "import", "--progress", "never", "--data", data, csvPath)
	token := strings.TrimSpace(mustCLI(t, "admin", "token", "--name", "mk", "--role", "marketer", "--data", data))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	var logs syncBuffer
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--base-url", "https://rapport.test", "--deliver",
			"--smtp-addr", md.SMTPAddr, "--smtp-no-tls", "--mail-from", "News <news@example.org>", "--postal-address", "1 Main St, Springfield, IL 62701",
			"--message-domain", "crash.test", "--worker-lease", "10s", "--worker-batch", "50",
			"--reconcile-url", md.WebURL+"/email?headers.message-id={message_id}")
		cmd.Env = append(os.Environ(), "RAPPORT_CAMPAIGN_SECRET=crash")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(base + "/healthz")
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
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	cmd := start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
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
	for k := range *crashKills {
		// Kill at a random point while the campaign is being delivered.
		target := (k + 1) * n / (*crashKills + 2)
		target += rng.IntN(max(n/(4*(*crashKills+2)), 1))
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
				cmd.Process.Signal(syscall.SIGQUIT) // the Go runtime prints every goroutine's stack
				cmd.Wait()
				t.Fatalf("deliveries stalled at %d of %d after kill %d; campaign %v; sink: %v\n%s", got, target, k, b["deliveries"], md.Err(), withoutRequests(logs.String()))
			}
			time.Sleep(time.Duration(20+rng.IntN(80)) * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		t.Logf("kill %d after %d recorded sends", k+1, target)
		cmd = start()
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
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "rapport.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE reason = 'reconciled'`).Scan(&reconciled); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d recipients, %d kills: maildev received %d messages, %d duplicates, %d missing; %d in-flight deliveries found already accepted on restart",
		n, *crashKills, len(ms), dups, missing, reconciled)
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
