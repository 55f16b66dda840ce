package pdstest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts for the slow steps. Installing the Node packages takes about a
// minute and a half on a 2-core machine; starting the network a few seconds.
const (
	installTimeout = 10 * time.Minute
	startTimeout   = 3 * time.Minute
	syncTimeout    = 30 * time.Second
	stopTimeout    = 20 * time.Second
)

// Network is a running local AT Protocol network.
type Network struct {
	// PDSURL is the PDS's base URL; the AppView is reached through it, as a
	// client of bsky.social reaches api.bsky.app.
	PDSURL     string
	PLCURL     string
	AppViewURL string
	AppViewDID string
	// Startup is how long the network took from exec to ready, and
	// NodeStartup the part the Node script measured itself.
	Startup     time.Duration
	NodeStartup time.Duration

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte   // JSON lines from the script's stdout
	done   chan struct{} // closed when the stdout reader has returned
	stderr *tailBuffer
	tmp    string

	mu     sync.Mutex // serialises Sync requests
	closed bool
	client *http.Client
}

// Start starts a network for the test and stops it at cleanup. It skips the
// test when the network cannot start, or fails it when CI=true.
func Start(tb testing.TB) *Network {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout+startTimeout)
	defer cancel()
	n, err := Launch(ctx, tb.Logf)
	if err != nil {
		Unavailable(tb, err)
	}
	tb.Cleanup(func() {
		if err := n.Close(); err != nil {
			tb.Errorf("stop local PDS: %v", err)
		}
	})
	return n
}

// Unavailable ends the test because the network could not start: it fails
// when the environment has CI=true and skips otherwise.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("local PDS unavailable (CI=true, so this fails instead of skipping): %v", err)
	}
	tb.Skipf("local PDS unavailable: %v", err)
}

// Launch installs (when needed) and starts a network; logf, if not nil,
// receives progress notes. The caller must Close it.
func Launch(ctx context.Context, logf func(format string, args ...any)) (*Network, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dir, err := harnessDir()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("node is not installed: %w", err)
	}
	if err := install(ctx, dir, logf); err != nil {
		return nil, err
	}

	tmp, err := os.MkdirTemp("", "rapport-pds-")
	if err != nil {
		return nil, fmt.Errorf("temp dir for the PDS: %w", err)
	}
	begin := time.Now()
	cmd := exec.Command("node", "network.js")
	cmd.Dir = dir
	// The PDS keeps its data and blobs under the OS temp dir; point it at one
	// we remove at Close.
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "RAPPORT_PDS_TMPDIR="+tmp, "NODE_ENV=test", "LOG_ENABLED=false")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	n := &Network{
		cmd:    cmd,
		stdin:  stdin,
		lines:  make(chan []byte, 16),
		done:   make(chan struct{}),
		stderr: &tailBuffer{max: 8 << 10},
		tmp:    tmp,
		client: &http.Client{Timeout: 30 * time.Second},
	}
	cmd.Stderr = n.stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("start node network.js: %w", err)
	}
	go n.readLines(stdout)

	var ready struct {
		Ready     bool   `json:"ready"`
		Error     string `json:"error"`
		PDS       string `json:"pds"`
		PLC       string `json:"plc"`
		Bsky      string `json:"bsky"`
		BskyDID   string `json:"bskyDid"`
		StartupMs int64  `json:"startupMs"`
	}
	wait, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	line, err := n.next(wait)
	if err == nil {
		err = json.Unmarshal(line, &ready)
	}
	if err == nil && !ready.Ready {
		err = fmt.Errorf("network.js: %s", ready.Error)
	}
	if err != nil {
		cerr := n.Close()
		return nil, errors.Join(fmt.Errorf("wait for the network: %w (stderr: %s)", err, n.stderr), cerr)
	}
	n.PDSURL = ready.PDS
	n.PLCURL = ready.PLC
	n.AppViewURL = ready.Bsky
	n.AppViewDID = ready.BskyDID
	n.Startup = time.Since(begin)
	n.NodeStartup = time.Duration(ready.StartupMs) * time.Millisecond
	logf("local AT Protocol network ready in %v (node: %v): pds %s, appview %s", n.Startup.Round(time.Millisecond), n.NodeStartup, n.PDSURL, n.AppViewURL)
	return n, nil
}

// readLines owns the script's stdout until it closes.
func (n *Network) readLines(r io.Reader) {
	defer close(n.done)
	defer close(n.lines)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue // not protocol output
		}
		n.lines <- append([]byte(nil), line...)
	}
}

func (n *Network) next(ctx context.Context) ([]byte, error) {
	select {
	case line, ok := <-n.lines:
		if !ok {
			return nil, errors.New("network.js exited")
		}
		return line, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Sync waits until the AppView has indexed every event the PDS has
// sequenced, so that what a test just wrote is visible in notifications.
func (n *Network) Sync(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errors.New("network closed")
	}
	if _, err := io.WriteString(n.stdin, "sync\n"); err != nil {
		return fmt.Errorf("ask network.js to sync: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	line, err := n.next(ctx)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	var res struct {
		Synced bool   `json:"synced"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal(line, &res); err != nil {
		return fmt.Errorf("sync reply %q: %w", line, err)
	}
	if !res.Synced {
		return fmt.Errorf("sync: %s", res.Error)
	}
	return nil
}

// Close stops the network: it closes the script's stdin (the script then
// closes every server and drops its Postgres schemas), waits, and kills the
// process group if it does not exit in time.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()

	n.stdin.Close()
	exited := make(chan error, 1)
	go func() {
		// Drain stdout before Wait, as os/exec requires; lines nobody
		// asked for are dropped.
		for range n.lines {
		}
		<-n.done
		exited <- n.cmd.Wait()
	}()
	var err error
	select {
	case err = <-exited:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		err = fmt.Errorf("network.js did not stop within %v; killed", stopTimeout)
	}
	if rerr := os.RemoveAll(n.tmp); rerr != nil && err == nil {
		err = rerr
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("network.js exited: %w (stderr: %s)", err, n.stderr)
	}
	return err
}

// harnessDir finds .ci/pds at the module root, walking up from the working
// directory (a test's is its package directory).
func harnessDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			h := filepath.Join(dir, ".ci", "pds")
			if _, err := os.Stat(filepath.Join(h, "network.js")); err != nil {
				return "", fmt.Errorf("harness script: %w", err)
			}
			return h, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// install runs `npm ci` in dir when its pinned packages are missing. A lock
// file keeps two test processes from installing at once.
func install(ctx context.Context, dir string, logf func(string, ...any)) error {
	marker := filepath.Join(dir, "node_modules", "@atproto", "dev-env", "package.json")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "rapport-pds-npm.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("install lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("install lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(marker); err == nil {
		return nil // another process installed it while we waited
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is not installed: %w", err)
	}
	logf("installing @atproto/dev-env with npm ci in %s (about 90 s)", dir)
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	begin := time.Now()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci: %w: %s", err, tail(out, 4<<10))
	}
	logf("npm ci took %v", time.Since(begin).Round(time.Second))
	return nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

// tailBuffer keeps the last max bytes written to it, for error reports.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append([]byte(nil), b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}

// Account is an account created on the local PDS.
type Account struct {
	DID      string
	Handle   string
	Password string // the account password (not an app password)
	// AccessJWT authenticates the harness's own calls for this account.
	AccessJWT string
}

// CreateAccount creates an account whose handle is name + ".test" (the
// dev-env PDS's handle domain). When the PDS requires invite codes it makes
// one with the admin password dev-env sets, as dev-env's own seeding does.
func (n *Network) CreateAccount(ctx context.Context, name string) (Account, error) {
	handle := name + ".test"
	password := name + "-password"
	body := map[string]any{
		"handle":   handle,
		"email":    name + "@rapport.test",
		"password": password,
	}
	var desc struct {
		InviteCodeRequired bool `json:"inviteCodeRequired"`
	}
	if err := n.call(ctx, http.MethodGet, "com.atproto.server.describeServer", "", nil, nil, &desc); err != nil {
		return Account{}, err
	}
	if desc.InviteCodeRequired {
		var inv struct {
			Code string `json:"code"`
		}
		if err := n.call(ctx, http.MethodPost, "com.atproto.server.createInviteCode", "admin", nil, map[string]any{"useCount": 1}, &inv); err != nil {
			return Account{}, err
		}
		body["inviteCode"] = inv.Code
	}
	var out struct {
		DID       string `json:"did"`
		Handle    string `json:"handle"`
		AccessJWT string `json:"accessJwt"`
	}
	if err := n.call(ctx, http.MethodPost, "com.atproto.server.createAccount", "", nil, body, &out); err != nil {
		return Account{}, err
	}
	return Account{DID: out.DID, Handle: out.Handle, Password: password, AccessJWT: out.AccessJWT}, nil
}

// AppPassword creates an app password for the account, which is what an
// organisation gives Rapport.
func (n *Network) AppPassword(ctx context.Context, a Account, name string) (string, error) {
	var out struct {
		Password string `json:"password"`
	}
	err := n.call(ctx, http.MethodPost, "com.atproto.server.createAppPassword", "Bearer "+a.AccessJWT, nil, map[string]any{"name": name}, &out)
	return out.Password, err
}

// Record is a record read back from a repository.
type Record struct {
	URI   string          `json:"uri"`
	CID   string          `json:"cid"`
	Value json.RawMessage `json:"value"`
}

// GetRecord reads one record from the PDS (com.atproto.repo.getRecord).
func (n *Network) GetRecord(ctx context.Context, repo, collection, rkey string) (Record, error) {
	var r Record
	q := url.Values{"repo": {repo}, "collection": {collection}, "rkey": {rkey}}
	err := n.call(ctx, http.MethodGet, "com.atproto.repo.getRecord", "", q, nil, &r)
	return r, err
}

// ListRecords lists up to 100 records of a collection, newest first
// (com.atproto.repo.listRecords).
func (n *Network) ListRecords(ctx context.Context, repo, collection string) ([]Record, error) {
	var out struct {
		Records []Record `json:"records"`
	}
	q := url.Values{"repo": {repo}, "collection": {collection}, "limit": {"100"}}
	err := n.call(ctx, http.MethodGet, "com.atproto.repo.listRecords", "", q, nil, &out)
	return out.Records, err
}

// call is a minimal XRPC call; auth is "", "admin" or an Authorization value.
func (n *Network) call(ctx context.Context, method, nsid, auth string, q url.Values, body, out any) error {
	u := n.PDSURL + "/xrpc/" + nsid
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch auth {
	case "":
	case "admin":
		req.SetBasicAuth("admin", "admin-pass") // dev-env's ADMIN_PASSWORD
	default:
		req.Header.Set("Authorization", auth)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", nsid, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s: read: %w", nsid, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", nsid, resp.Status, tail(b, 512))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decode: %w", nsid, err)
	}
	return nil
}

// CreateRecord writes a record to the account's repository with the
// harness's own session (com.atproto.repo.createRecord), for setting up what
// the code under test reads: profiles, follows, posts by third parties.
func (n *Network) CreateRecord(ctx context.Context, a Account, collection string, record any) (uri, cid string, err error) {
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	body := map[string]any{"repo": a.DID, "collection": collection, "record": record}
	if collection == "app.bsky.actor.profile" {
		body["rkey"] = "self" // the profile's one record key
	}
	err = n.call(ctx, http.MethodPost, "com.atproto.repo.createRecord", "Bearer "+a.AccessJWT, nil, body, &out)
	return out.URI, out.CID, err
}
