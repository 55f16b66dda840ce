package maildev

import (
	"bufio"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSurvivesVanishingClients sends whole messages and resets each TCP
// session before reading maildev's reply, as a SIGKILLed sender does.
// Unguarded, maildev 2.2.1 rethrows the "write ECONNRESET" this causes
// (in about one session in a hundred to a few hundred here, so this test
// alone catches a missing guard only sometimes; TestGuard always does) and
// exits; with the guard it keeps serving and still accepts mail.
func TestSurvivesVanishingClients(t *testing.T) {
	if testing.Short() {
		t.Skip("starts maildev")
	}
	s := Start(t, Options{})
	const session = "EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: cut\r\n\r\nhello\r\n.\r\n"
	for i := range 100 {
		c, err := net.Dial("tcp", s.SMTPAddr)
		if err != nil {
			time.Sleep(300 * time.Millisecond) // let the exit be seen
			t.Fatalf("dial %d: %v (sink: %v)", i, err, s.Err())
		}
		bufio.NewReader(c).ReadString('\n') // the greeting
		c.Write([]byte(session))
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
	time.Sleep(300 * time.Millisecond)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: still here\r\n\r\nbody\r\n"
	if err := smtp.SendMail(s.SMTPAddr, nil, "a@example.org", []string{"c@example.org"}, []byte(msg)); err != nil {
		t.Fatalf("send after the resets: %v (sink: %v)", err, s.Err())
	}
}

// TestGuard runs the guard in front of a script that throws socket errors
// from a callback, as maildev's SMTP error handler does: a vanished
// client's error is logged and ignored, any other error still ends the
// process.
func TestGuard(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found")
		}
		t.Skip("node not found")
	}
	dir := t.TempDir()
	guard := filepath.Join(dir, "guard.js")
	if err := os.WriteFile(guard, guardJS, 0o644); err != nil {
		t.Fatal(err)
	}
	script := func(code string) string {
		return `setTimeout(() => { const e = new Error('boom'); e.code = '` + code + `'; e.syscall = 'write'; throw e }, 10);
setTimeout(() => console.log('alive'), 200)`
	}
	for _, tc := range []struct {
		code      string
		wantAlive bool
	}{{"ECONNRESET", true}, {"EPIPE", true}, {"EACCES", false}, {"", false}} {
		out, err := exec.Command(node, "--require", guard, "-e", script(tc.code)).CombinedOutput()
		alive := strings.Contains(string(out), "alive")
		if alive != tc.wantAlive || (err == nil) != tc.wantAlive {
			t.Errorf("error code %q: alive %v, exit %v, want alive %v\n%s", tc.code, alive, err, tc.wantAlive, out)
		}
	}
}
