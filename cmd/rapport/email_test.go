package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmailFeedbackCommand pipes mail into "rapport email feedback" as a
// mail server would: an autoreply is accepted and dropped, a DSN about
// mail Rapport did not send is counted as not ours, a malformed report is
// refused without echoing it. The store side is tested in
// internal/campaign (TestBounceAndComplaintReports).
func TestEmailFeedbackCommand(t *testing.T) {
	data := t.TempDir()
	dsn, err := os.ReadFile(filepath.Join("..", "..", "internal", "email", "testdata", "dsn_postfix.eml"))
	if err != nil {
		t.Fatal(err)
	}
	pipe := func(in string) (string, error) {
		var out, errb syncBuffer
		e := &env{stdin: strings.NewReader(in), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		err := run(context.Background(), e, []string{"email", "feedback", "--data", data, "--message-domain", "mercy.example"})
		return out.String(), err
	}
	if out, err := pipe("From: a@example.org\r\nSubject: Out of office\r\n\r\nAway.\r\n"); err != nil || !strings.Contains(out, "ignored") {
		t.Errorf("autoreply: %q, %v; want ignored", out, err)
	}
	if out, err := pipe(string(dsn)); err != nil || !strings.Contains(out, "0 bounced, 0 complaints, 0 delayed, 2 not about campaign email") {
		t.Errorf("DSN about unknown mail: %q, %v", out, err)
	}
	bad := "Content-Type: multipart/report; report-type=delivery-status\r\n\r\npat.secret@example.org\r\n"
	if _, err := pipe(bad); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("malformed report: %v, want an error without the input", err)
	}
}
