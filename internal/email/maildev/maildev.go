// Package maildev installs and runs maildev (npm maildev@2.2.1), a real
// SMTP server that keeps what it receives and serves it over an HTTP API,
// for tests of Rapport's email delivery.
//
// It is test support: Start takes a testing.TB, and it never runs in the
// rapport binary. The npm package is installed, once, into
// .ci/cache/node under the repository root (a git-ignored folder), with
// npm; the server binds to free loopback ports and is stopped by the
// test's cleanup. When node, npm or maildev cannot be started the test is
// skipped, or fails when the environment has CI=true.
//
// maildev runs behind guard.js (node --require): maildev 2.2.1 exits on a
// socket error from a client that vanished mid-reply, which the crash test
// causes on purpose; the guard ignores exactly those errors.
package maildev

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

//go:embed guard.js
var guardJS []byte

// Version is the maildev release the harness installs.
const Version = "2.2.1"

// Options configure Start.
type Options struct {
	// User and Pass, when set, make maildev require SMTP AUTH.
	User, Pass string
}

// Server is a running maildev.
type Server struct {
	SMTPAddr string // host:port of its SMTP service
	WebURL   string // base URL of its HTTP API, e.g. http://127.0.0.1:41234
	cmd      *exec.Cmd
	log      *syncBuffer
	exited   chan struct{}
}

// Start installs maildev if needed, starts it and waits until it answers.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	unavailable := func(format string, args ...any) {
		tb.Helper()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("maildev: "+format, args...)
		}
		tb.Skipf("maildev unavailable (set CI=true to make this fatal): "+format, args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node not found: %v", err)
	}
	bin, err := Install(context.Background())
	if err != nil {
		unavailable("%v", err)
	}
	smtpPort, err1 := freePort()
	webPort, err2 := freePort()
	if err := errors.Join(err1, err2); err != nil {
		unavailable("no free port: %v", err)
	}
	s := &Server{
		SMTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(smtpPort)),
		WebURL:   "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(webPort)),
		log:      &syncBuffer{},
		exited:   make(chan struct{}),
	}
	guard := filepath.Join(tb.TempDir(), "maildev-guard.js")
	if err := os.WriteFile(guard, guardJS, 0o644); err != nil {
		unavailable("write guard: %v", err)
	}
	args := []string{"--require", guard, bin, "--smtp", strconv.Itoa(smtpPort), "--web", strconv.Itoa(webPort),
		"--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--mail-directory", tb.TempDir(), "--silent"}
	if opts.User != "" {
		args = append(args, "--incoming-user", opts.User, "--incoming-pass", opts.Pass)
	}
	s.cmd = exec.Command(node, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		unavailable("start: %v", err)
	}
	exited := s.exited
	go func() { s.cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.WebURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", s.SMTPAddr); err == nil {
					c.Close()
					return s
				}
			}
		}
		select {
		case <-exited:
			unavailable("exited early: %s", s.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			unavailable("not ready after 30 s: %s", s.log.String())
		}
	}
}

// Install makes sure maildev is installed in the repository's node cache
// and returns the path of its executable script. Concurrent test
// processes serialise on a lock file.
func Install(ctx context.Context) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, ".ci", "cache", "node")
	bin := filepath.Join(dir, "node_modules", "maildev", "bin", "maildev")
	pkg := filepath.Join(dir, "node_modules", "maildev", "package.json")
	if installed(pkg) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("node cache: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("node cache lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("node cache lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if installed(pkg) {
		return bin, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm not found: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir, "maildev@"+Version)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm install maildev@%s: %w: %s", Version, err, tail(out))
	}
	if !installed(pkg) {
		return "", fmt.Errorf("npm install maildev@%s did not install version %s", Version, Version)
	}
	return bin, nil
}

func installed(pkgJSON string) bool {
	b, err := os.ReadFile(pkgJSON)
	if err != nil {
		return false
	}
	var p struct{ Version string }
	return json.Unmarshal(b, &p) == nil && p.Version == Version
}

// repoRoot finds the directory of the rapport module's go.mod above the
// working directory (a test's package directory).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/rapport-health/rapport\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod of github.com/rapport-health/rapport) not found above the working directory")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Address is a parsed address in maildev's JSON.
type Address struct {
	Address string `json:"address"`
	Name    string `json:"name"`
}

// Email is one received message as maildev's /email API returns it.
type Email struct {
	ID       string         `json:"id"`
	Subject  string         `json:"subject"`
	Text     string         `json:"text"`
	HTML     string         `json:"html"`
	From     []Address      `json:"from"`
	To       []Address      `json:"to"`
	Headers  map[string]any `json:"headers"`
	Envelope struct {
		From Address   `json:"from"`
		To   []Address `json:"to"`
	} `json:"envelope"`
}

// Header returns the first value of a header (names are lower-case in
// maildev's JSON).
func (e *Email) Header(name string) string {
	switch v := e.Headers[strings.ToLower(name)].(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// Emails returns every message received so far (GET /email).
func (s *Server) Emails(ctx context.Context) ([]Email, error) {
	b, err := s.get(ctx, "/email")
	if err != nil {
		return nil, err
	}
	var out []Email
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("maildev /email: %w", err)
	}
	return out, nil
}

// Source returns a message's raw RFC 5322 bytes as received (GET
// /email/{id}/source).
func (s *Server) Source(ctx context.Context, id string) ([]byte, error) {
	return s.get(ctx, "/email/"+id+"/source")
}

// WaitFor polls until at least n messages have arrived or ctx ends.
func (s *Server) WaitFor(ctx context.Context, n int) ([]Email, error) {
	for {
		es, err := s.Emails(ctx)
		if err == nil && len(es) >= n {
			return es, nil
		}
		select {
		case <-ctx.Done():
			return es, fmt.Errorf("maildev: %d of %d messages arrived: %w", len(es), n, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DeleteAll removes every received message (DELETE /email/all).
func (s *Server) DeleteAll(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.WebURL+"/email/all", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("maildev delete: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("maildev delete: HTTP %d", resp.StatusCode)
	}
	return nil
}

func (s *Server) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.WebURL+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("maildev %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("maildev %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("maildev %s: HTTP %d", path, resp.StatusCode)
	}
	return b, nil
}

// Err returns nil while maildev runs, and an error with the end of its
// output once it has exited.
func (s *Server) Err() error {
	select {
	case <-s.exited:
		return fmt.Errorf("maildev exited: %s", tail([]byte(s.log.String())))
	default:
		return nil
	}
}

// syncBuffer is a bytes.Buffer safe for the process's output copier and a
// reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
