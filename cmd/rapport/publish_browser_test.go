package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport/internal/mastodon/mastodontest"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// needBrowser skips the test, or fails it with CI=true, when the browser
// harness is missing.
func needBrowser(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("browser test: "+format+" (run e2e/setup.sh)", args...)
	}
	t.Skipf("browser test: "+format+" (run e2e/setup.sh)", args...)
}

// e2eHarness checks for chromium and node and installs the pinned
// playwright-core into e2e/node_modules when it is missing.
func e2eHarness(t *testing.T) (node, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		needBrowser(t, "%s not installed", chromiumPath)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		needBrowser(t, "node not found")
	}
	dir = filepath.Join("..", "..", "e2e")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			needBrowser(t, "npm ci in e2e: %v\n%s", err, out)
		}
	}
	return node, dir
}

// startDashboard runs serve with getenv until the test ends.
func startDashboard(t *testing.T, getenv func(string) string, flags []string) string {
	t.Helper()
	base, _, _ := startServer(t, getenv, flags...)
	return base
}

// TestDashboardInBrowser: an agent signs in, sees a new mention arrive live,
// writes a reply the PHI guard blocks, fixes it and sends it, in headless
// Chromium driven by e2e/inbox-reply.mjs, against the real server on SQLite
// with a Mastodon account on the stand-in server.
func TestDashboardInBrowser(t *testing.T) {
	node, dir := e2eHarness(t)
	masto := mastodontest.NewServer()
	defer masto.Close()
	hosp, hospToken := masto.CreateAccount("generalhospital", "General Hospital")
	_, patientToken := masto.CreateAccount("sam", "Sam Rivera")

	data := t.TempDir()
	const password = "a long enough password"
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(password + "\n"), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if err := run(context.Background(), e, []string{"admin", "user", "--data", data, "--org", "general", "--email", "agent@general.org",
		"--role", "social_agent", "create"}); err != nil {
		t.Fatalf("admin user create: %v\n%s", err, errb.String())
	}
	cfgPath := filepath.Join(t.TempDir(), "inbox.json")
	cfg := fmt.Sprintf(`{"orgs":{"general":{"identity":{"names":["General Hospital"],"phones":["555-0100"]},
		"mastodon":[{"account_id":"masto","server":%q,"token_env":"MASTO_TOKEN"}]}}}`, masto.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"MASTO_TOKEN": hospToken}
	base := startDashboard(t, func(k string) string { return vars[k] },
		[]string{"--data", data, "--inbox-config", cfgPath, "--inbox-poll", "200ms"})

	shots := t.ArtifactDir()
	const blocked = "Sam, we looked at your chart: your ER visit for chest pain yesterday was handled correctly."
	const fixed = "We're sorry to hear this. Please call our Patient Relations team at 555-0100 so we can help."
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "inbox-reply.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RAPPORT_URL="+base, "RAPPORT_ORG=general", "RAPPORT_EMAIL=agent@general.org",
		"RAPPORT_PASSWORD="+password, "BLOCKED_REPLY="+blocked, "FIXED_REPLY="+fixed, "SCREENSHOT_DIR="+shots,
		"CHROMIUM="+chromiumPath, "USER_DATA_DIR="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := false
	var steps []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		t.Log("browser:", line)
		steps = append(steps, line)
		switch {
		case line == "READY":
			// The page is open and live: the patient mentions the
			// hospital; the inbox poller picks it up.
			if _, err := masto.Post(patientToken, "@generalhospital I waited 3 hours in the ER yesterday and nobody told me anything", "public", ""); err != nil {
				t.Fatal(err)
			}
			io.WriteString(stdin, "go\n")
		case line == "DONE":
			done = true
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil || !done {
		t.Fatalf("browser script: %v, done=%v\nsteps: %q\nstderr: %s", err, done, steps, stderr.String())
	}
	t.Logf("screenshots: %s", filepath.Join(shots, "3-reply-sent.png"))
	for _, name := range []string{"1-inbox-live.png", "2-reply-blocked.png", "3-reply-sent.png"} {
		if st, err := os.Stat(filepath.Join(shots, name)); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
	// The network has exactly the fixed reply, never the blocked one.
	statuses := masto.StatusesBy(hosp.ID)
	if len(statuses) != 1 || !strings.Contains(statuses[0].Content, "Patient Relations") || statuses[0].InReplyToID == nil {
		t.Errorf("hospital statuses = %+v, want exactly the fixed reply, in reply to the mention", statuses)
	}
}

// TestPublishingInBrowser: an author drafts a post the phrase rules block,
// sees why, edits and submits it; a reviewer approves it and finds it on
// the calendar; in headless Chromium driven by e2e/publish-queue.mjs.
func TestPublishingInBrowser(t *testing.T) {
	node, dir := e2eHarness(t)
	masto := mastodontest.NewServer()
	defer masto.Close()
	hosp, hospToken := masto.CreateAccount("generalhospital", "General Hospital")
	data := t.TempDir()
	const password = "a long enough password"
	for _, u := range []struct{ email, role string }{{"author@general.org", "marketer"}, {"reviewer@general.org", "admin"}} {
		var out, errb syncBuffer
		e := &env{stdin: strings.NewReader(password + "\n"), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		if err := run(context.Background(), e, []string{"admin", "user", "--data", data, "--org", "general", "--email", u.email,
			"--role", u.role, "create"}); err != nil {
			t.Fatalf("admin user create: %v\n%s", err, errb.String())
		}
	}
	cfgPath := filepath.Join(t.TempDir(), "inbox.json")
	cfg := fmt.Sprintf(`{"orgs":{"general":{"identity":{"names":["General Hospital"],"phones":["555-0100"]},
		"mastodon":[{"account_id":"masto","server":%q,"token_env":"MASTO_TOKEN"}]}}}`, masto.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startDashboard(t, func(k string) string { return map[string]string{"MASTO_TOKEN": hospToken}[k] },
		[]string{"--data", data, "--inbox-config", cfgPath, "--publish-poll", "100ms"})
	// The reviewer sets the house rules over the API.
	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	resp, err := admin.Post(base+"/api/v1/login", "application/json",
		strings.NewReader(`{"org":"general","email":"reviewer@general.org","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login map[string]string
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	req, _ := http.NewRequest("PUT", base+"/api/v1/publish/rules", strings.NewReader(`{"banned":["miracle cure"],"required":["#GeneralHealth"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", login["csrf_token"])
	if resp, err := admin.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("set rules: %v %v", resp, err)
	}

	shots := t.ArtifactDir()
	at := time.Now().UTC().AddDate(0, 0, 2).Truncate(time.Hour)
	const fixed = "Flu shots are free this Saturday, 9am to 1pm. Questions? Call 555-0100. #GeneralHealth"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "publish-queue.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RAPPORT_URL="+base, "RAPPORT_ORG=general", "AUTHOR_EMAIL=author@general.org",
		"REVIEWER_EMAIL=reviewer@general.org", "RAPPORT_PASSWORD="+password, "ACCOUNT=masto",
		"BANNED_TEXT=Our miracle cure for winter blues: flu shots! #GeneralHealth", "FIXED_TEXT="+fixed,
		"PUBLISH_AT="+at.Format("2006-01-02T15:04"), "SCREENSHOT_DIR="+shots, "CHROMIUM="+chromiumPath, "USER_DATA_DIR="+t.TempDir())
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("browser:\n%s", out)
	if err != nil || !strings.Contains(string(out), "\nDONE\n") {
		t.Fatalf("browser script: %v\nstderr: %s", err, stderr.String())
	}
	t.Logf("screenshots: %s", filepath.Join(shots, "publish-3-calendar.png"))
	for _, name := range []string{"publish-1-blocked.png", "publish-2-approved.png", "publish-3-calendar.png"} {
		if st, err := os.Stat(filepath.Join(shots, name)); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
	// The approved post waits for its time: nothing is on the network yet.
	if n := len(masto.StatusesBy(hosp.ID)); n != 0 {
		t.Errorf("statuses = %d before the schedule, want 0", n)
	}
	resp, err = admin.Get(base + "/api/v1/posts")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Posts []struct {
			Text        string    `json:"text"`
			Status      string    `json:"status"`
			Version     int       `json:"version"`
			ScheduledAt time.Time `json:"scheduled_at"`
		} `json:"posts"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Posts) != 1 || list.Posts[0].Text != fixed || list.Posts[0].Status != "approved" || list.Posts[0].Version != 2 ||
		!list.Posts[0].ScheduledAt.Equal(at) {
		t.Errorf("posts = %+v, want the edited post approved at version 2 for %v", list.Posts, at)
	}
}
