package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rapport-health/rapport/internal/postgres/pgtest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// backend is one way of storing data: the flags every command gets, and a
// raw connection for tampering.
type backend struct {
	name  string
	flags []string
	raw   func(t *testing.T) *sql.DB
	bind  func(string) string
}

func backends(t *testing.T) []backend {
	dir := t.TempDir()
	sqliteBE := backend{name: "sqlite", flags: []string{"--data", dir},
		raw: func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "rapport.db")+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		bind: func(q string) string { return q }}
	out := []backend{sqliteBE}
	if testing.Short() {
		return out
	}
	url := pgtest.URL(t)
	pgDir := t.TempDir()
	out = append(out, backend{name: "postgres", flags: []string{"--data", pgDir, "--database-url", url},
		raw: func(t *testing.T) *sql.DB {
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		bind: func(q string) string { return strings.Replace(q, "?", "$1", 1) }})
	return out
}

// cli runs one rapport command in-process.
func cli(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err = run(context.Background(), e, args)
	return out.String(), errb.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, args...)
	if err != nil {
		t.Fatalf("rapport %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func sharedData(t *testing.T, rel string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "data", rel))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data %s missing", rel)
		}
		t.Skipf("shared data %s not present", rel)
	}
	return files
}

func TestFoundationEndToEnd(t *testing.T) {
	synthea := sharedData(t, "fhir/synthea-10/*.ndjson")
	examples := append(sharedData(t, "fhir/r4-examples/Patient-*.json"), sharedData(t, "fhir/r4-examples/Consent-*.json")...)
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			imp := func(files ...string) (string, string, error) {
				return cli(t, append(append([]string{"import", "--progress", "never"}, be.flags...), files...)...)
			}
			out, errOut, err := imp(synthea...)
			if err != nil {
				t.Fatalf("import synthea: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "13 patients created") {
				t.Errorf("import synthea: %q, want 13 patients created", out)
			}
			if !strings.Contains(out, "ignored:") || !strings.Contains(out, "Encounter") {
				t.Errorf("import synthea: %q, want other resource types counted as ignored", out)
			}
			out, errOut, err = imp(examples...)
			if err != nil {
				t.Fatalf("import r4 examples: %v\n%s", err, errOut)
			}
			t.Logf("r4 examples: %s", out)
			var exCreated int
			if _, err := fmt.Sscanf(out[strings.Index(out, ": ")+2:], "%d patients created", &exCreated); err != nil || exCreated < 20 {
				t.Errorf("r4 examples created %d patients (%v), want >= 20", exCreated, err)
			}
			// Re-import adds nothing.
			out, _, err = imp(synthea...)
			if err != nil || !strings.Contains(out, "0 patients created, 0 updated, 13 unchanged, 0 consent events added") {
				t.Errorf("re-import synthea: %q, %v; want nothing added", out, err)
			}
			out, _, err = imp(examples...)
			if err != nil || !strings.Contains(out, "0 patients created, 0 updated") || !strings.Contains(out, " 0 consent events added") {
				t.Errorf("re-import examples: %q, %v; want nothing added", out, err)
			}

			// A malformed file is rejected with its line and changes nothing,
			// even though its first records are valid.
			dir := t.TempDir()
			bad := filepath.Join(dir, "bad.csv")
			os.WriteFile(bad, []byte("mrn,family,given,birth_date,phone\nB1,Canaryfamily,Zebulon,1990-01-01,555-201-0100\nB2,Other,Person,1990-13-45,555-201-0101\n"), 0o600)
			out, errOut, err = imp(bad)
			if err == nil {
				t.Fatalf("import bad.csv succeeded: %s", out)
			}
			if !strings.Contains(err.Error(), "bad.csv:3") || !strings.Contains(err.Error(), "birth_date") {
				t.Errorf("import bad.csv error = %v, want it to name bad.csv:3 and birth_date", err)
			}
			if strings.Contains(err.Error()+out+errOut, "1990-13-45") || strings.Contains(err.Error()+out+errOut, "Canaryfamily") {
				t.Errorf("import error repeats patient data: %v %s %s", err, out, errOut)
			}
			// --skip-invalid takes the valid record.
			out, _, err = cli(t, append(append([]string{"import", "--progress", "never", "--skip-invalid"}, be.flags...), bad)...)
			if err != nil || !strings.Contains(out, "1 patients created") || !strings.Contains(out, "1 invalid records skipped") {
				t.Errorf("import --skip-invalid: %q, %v", out, err)
			}

			tokenA := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "ehr", "--role", "admin"}, be.flags...)...))
			tokenB := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "ehr", "--role", "admin", "--org", "other"}, be.flags...)...))
			tokenAud := strings.TrimSpace(mustCLI(t, append([]string{"admin", "token", "--name", "audit", "--role", "auditor"}, be.flags...)...))
			if !strings.HasPrefix(tokenA, "rpt_") || tokenA == tokenB {
				t.Fatalf("tokens %q %q", tokenA, tokenB)
			}

			base, logs, stop := startServer(t, nil, be.flags...)
			get := func(path, token string) (int, map[string]any) {
				t.Helper()
				return apiCall(t, base, token, "GET", path, nil)
			}
			if code, _ := get("/healthz", ""); code != 200 {
				t.Errorf("GET /healthz = %d", code)
			}
			code, body := get("/fhir/Patient?_summary=count", tokenA)
			wantTotal := float64(13 + 1 + exCreated)
			if code != 200 || body["total"] != wantTotal || body["resourceType"] != "Bundle" {
				t.Errorf("count with token = %d %v, want 200 total %v", code, body["total"], wantTotal)
			}
			if code, body := get("/fhir/Patient?_summary=count", ""); code != 401 || body["resourceType"] != "OperationOutcome" {
				t.Errorf("count without token = %d %v, want 401 OperationOutcome", code, body)
			}
			if code, body := get("/fhir/Patient?_summary=count", "rpt_not-a-token"); code != 401 {
				t.Errorf("count with a wrong token = %d %v, want 401", code, body)
			}
			if code, body := get("/fhir/Patient?_summary=count", tokenB); code != 200 || body["total"] != float64(0) {
				t.Errorf("count with another organisation's token = %d %v, want 200 total 0", code, body["total"])
			}
			// The same import over the API: atomic, errors name the line.
			post := func(path, token, body string) (int, map[string]any) {
				req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]any
				json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out
			}
			code, body = post("/api/v1/import?name=api.csv", tokenA, "mrn,family,given\nAPI1,Apiperson,Ann\nAPI2,Apiperson,Bob\n")
			if code != 200 || body["stats"].(map[string]any)["created"] != float64(2) {
				t.Errorf("API import = %d %v, want 2 created", code, body)
			}
			code, body = post("/api/v1/import?name=api2.csv", tokenA, "mrn,family,birth_date\nAPI3,Apiperson,1990-01-01\nAPI4,Apiperson,not-a-date\n")
			if msg, _ := body["error"].(map[string]any); code != 400 || !strings.Contains(fmt.Sprint(msg["message"]), "api2.csv:3") {
				t.Errorf("bad API import = %d %v, want 400 naming api2.csv:3", code, body)
			}
			if code, _ := post("/api/v1/import?name=api.csv", tokenAud, "mrn\nX\n"); code != 403 {
				t.Errorf("auditor imports = %d, want 403", code)
			}
			wantTotal += 2
			if code, body := get("/fhir/Patient?_summary=count", tokenA); code != 200 || body["total"] != wantTotal {
				t.Errorf("count after API imports = %v, want %v (the bad file added nothing)", body["total"], wantTotal)
			}
			if code, _ := get("/fhir/Patient?_summary=count", tokenAud); code != 403 {
				t.Errorf("auditor reads patients = %d, want 403", code)
			}
			// Search by name reaches the canary patient; its id reads back
			// and its consent search answers.
			code, body = get("/fhir/Patient?name=canaryfam", tokenA)
			entries, _ := body["entry"].([]any)
			if code != 200 || len(entries) != 1 {
				t.Fatalf("search by name = %d, %d entries", code, len(entries))
			}
			res := entries[0].(map[string]any)["resource"].(map[string]any)
			id := res["id"].(string)
			if code, body := get("/fhir/Patient/"+id, tokenA); code != 200 || body["id"] != id {
				t.Errorf("read Patient/%s = %d %v", id, code, body["id"])
			}
			if code, _ := get("/fhir/Patient/"+id, tokenB); code != 404 {
				t.Errorf("other organisation reads Patient/%s = %d, want 404", id, code)
			}
			if code, body := get("/fhir/Consent?patient=Patient/"+id, tokenA); code != 200 || body["total"] != float64(0) {
				t.Errorf("Consent search = %d %v", code, body["total"])
			}
			if code, body := get("/api/v1/audit?limit=5", tokenAud); code != 200 || len(body["entries"].([]any)) != 5 {
				t.Errorf("auditor reads audit log = %d %v", code, body)
			}
			resp, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			metrics, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(metrics), `rapport_http_requests_total{method="GET",route="GET /fhir/Patient",status="200"}`) {
				t.Errorf("metrics lack the FHIR search counter:\n%s", metrics)
			}
			if strings.Contains(string(metrics), id) || strings.Contains(string(metrics), "canary") {
				t.Errorf("metrics carry request values")
			}
			stop()

			// PHI never reaches the logs: the server's and every command's.
			for _, canary := range []string{"Canaryfamily", "canaryfam", "Zebulon", "555-201-0100", "2015550100", "1990-01-01", "1990-13-45"} {
				if strings.Contains(logs.String(), canary) {
					t.Errorf("server log contains PHI %q", canary)
				}
			}

			out = mustCLI(t, append([]string{"audit", "verify"}, be.flags...)...)
			if !strings.Contains(out, "audit log verified") {
				t.Errorf("audit verify: %s", out)
			}
			raw := be.raw(t)
			if _, err := raw.Exec(be.bind(`UPDATE audit_log SET outcome = 'denied' WHERE seq = ?`), 3); err != nil {
				t.Fatal(err)
			}
			out, _, err = cli(t, append([]string{"audit", "verify"}, be.flags...)...)
			if err == nil || !strings.Contains(out, "entry 3") {
				t.Errorf("audit verify after an edit: %q, %v; want a failure naming entry 3", out, err)
			}
		})
	}
}

// startServer runs `rapport serve` with getenv (nil: an empty environment)
// on a free port, with args after the listen flags, until stop is called or
// the test ends. stop fails the test if serve does not stop within 30 s.
func startServer(t *testing.T, getenv func(string) string, args ...string) (base string, logs *syncBuffer, stop func()) {
	t.Helper()
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	var out syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: logs, getenv: getenv}
	done := make(chan error, 1)
	go func() { done <- run(ctx, e, append([]string{"serve", "--addr", addr, "--insecure-cookies"}, args...)) }()
	base = "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v\n%s", err, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop within 30 s")
			}
		})
	}
	t.Cleanup(stop)
	return base, logs, stop
}

// apiCall sends method path to the server at base with a bearer token
// ("" for none) and a JSON body (nil for none), and returns the status and
// the decoded JSON answer.
func apiCall(t *testing.T, base, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
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
