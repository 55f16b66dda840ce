package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/segment"
)

// TestCampaignEditorInBrowser: a marketer builds a campaign in the
// dashboard — the live audience count follows the segment filter, each
// variant stands beside its segment's playbook, the pre-launch checks block
// a variant without an unsubscribe link, and the fixed campaign launches —
// in headless Chromium driven by e2e/campaign-editor.mjs, against the real
// server on SQLite. The counts the page shows are checked against the
// patients imported, and the launch against the API.
func TestCampaignEditorInBrowser(t *testing.T) {
	node, dir := e2eHarness(t)
	model, err := segment.DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	answers := modalAnswers(model)
	data := t.TempDir()
	// 4 patients in each of three segments with email marketing consent,
	// and one never classified.
	segs := []string{"planner", "caregiver", "present"}
	var csv strings.Builder
	csv.WriteString("mrn,family,given,email,time_zone,consent_email_marketing,consent_at,consent_source\n")
	for i := range 13 {
		fmt.Fprintf(&csv, "B%02d,Fam%02d,Giv%02d,b%02d@example.org,America/Chicago,granted,2025-01-01,form\n", i, i, i, i)
	}
	csvPath := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "import", "--progress", "never", "--data", data, csvPath)
	admin := strings.TrimSpace(mustCLI(t, "admin", "token", "--name", "ehr", "--role", "admin", "--data", data))
	const password = "a long enough password"
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(password + "\n"), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if err := run(context.Background(), e, []string{"admin", "user", "--data", data, "--org", "default", "--email", "mark@general.org",
		"--role", "marketer", "create"}); err != nil {
		t.Fatalf("admin user create: %v\n%s", err, errb.String())
	}
	base := startDashboard(t, nil, []string{"--data", data, "--base-url", "https://rapport.test", "--postal-address", "1 Main St, Springfield, IL 62701",
		"--mail-from", "General <news@general.example>"})
	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		return apiCall(t, base, admin, method, path, body)
	}
	for i := range 12 {
		code, b := call("GET", "/fhir/Patient?identifier="+url.QueryEscape(rapport.SystemMRN+"|"+fmt.Sprintf("B%02d", i)), nil)
		if code != 200 || len(b["entry"].([]any)) != 1 {
			t.Fatalf("find B%02d = %d %v", i, code, b)
		}
		id := b["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
		if code, b := call("POST", "/api/v1/patients/"+id+"/assessments", map[string]any{"answers": answers[segs[i/4]]}); code != 201 && code != 200 {
			t.Fatalf("assess B%02d = %d %v", i, code, b)
		}
	}

	shots := t.ArtifactDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "campaign-editor.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RAPPORT_URL="+base, "RAPPORT_ORG=default", "MARKETER_EMAIL=mark@general.org",
		"RAPPORT_PASSWORD="+password, "SCREENSHOT_DIR="+shots, "CHROMIUM="+chromiumPath, "USER_DATA_DIR="+t.TempDir())
	var stderr syncBuffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	t.Logf("browser:\n%s", got)
	if err != nil || !strings.Contains(string(got), "\nDONE\n") {
		t.Fatalf("browser script: %v\nstderr: %s", err, stderr.String())
	}
	// Every segment: the 12 classified; planner and caregiver: 8.
	if !strings.Contains(string(got), "\nCOUNT 12 8\n") {
		t.Errorf("the page's live counts differ from the 12 classified patients and the 8 in planner and caregiver")
	}
	var cid string
	for _, line := range strings.Split(string(got), "\n") {
		if v, ok := strings.CutPrefix(line, "LAUNCHED "); ok {
			cid = v
		}
	}
	code, b := call("GET", "/api/v1/campaigns/"+cid, nil)
	if code != 200 || b["status"] != "launched" || len(b["variants"].([]any)) != 3 {
		t.Fatalf("campaign after the browser launched it = %d %v", code, b)
	}
	d := b["deliveries"].(map[string]any)
	t.Logf("campaign: holdout %v%%, deliveries %v", b["holdout_percent"], d)
	total := 0
	for _, n := range d {
		total += int(n.(float64))
	}
	// One row per recipient, held out or not (the holdout is a hash draw
	// at 10 %, so with 8 recipients it is often empty).
	if total != 8 || d["pending"] == nil {
		t.Errorf("deliveries %v, want 8 rows, pending or held out", d)
	}
	t.Logf("screenshots: %s", filepath.Join(shots, "campaign-2-ready.png"))
}
