package email

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rapport-health/rapport"
)

func TestParseReport(t *testing.T) {
	dsn, err := os.ReadFile(filepath.Join("testdata", "dsn_postfix.eml"))
	if err != nil {
		t.Fatal(err)
	}
	arf, err := os.ReadFile(filepath.Join("testdata", "arf_rfc5965.eml"))
	if err != nil {
		t.Fatal(err)
	}
	// The same DSN with its report part base64-encoded, as some MTAs send.
	i := bytes.Index(dsn, []byte("Content-Type: message/delivery-status\r\n\r\n"))
	j := bytes.Index(dsn[i:], []byte("\r\n--B0UND")) + i
	head := []byte("Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	body := dsn[i+len("Content-Type: message/delivery-status\r\n\r\n") : j]
	dsn64 := append(append(append([]byte{}, dsn[:i]...), head...), []byte(base64.StdEncoding.EncodeToString(body))...)
	dsn64 = append(dsn64, dsn[j:]...)

	const orig = "01a2000000000000000000000000abcd@mercy.example"
	wantDSN := []Report{
		{Kind: ReportBounce, MessageID: orig, Recipient: "pat.one@example.org", Status: "5.1.1"},
		{Kind: ReportDelay, MessageID: orig, Recipient: "pat.two@example.org", Status: "4.4.1"},
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want []Report
	}{
		{"postfix dsn", dsn, wantDSN},
		{"dsn, report part in base64", dsn64, wantDSN},
		{"rfc 5965 arf", arf, []Report{{Kind: ReportComplaint, MessageID: "01a2000000000000000000000000beef@mercy.example",
			Recipient: "pat.three@example.org", FeedbackType: "abuse"}}},
		{"not-spam feedback is no complaint", bytes.Replace(arf, []byte("Feedback-Type: abuse"), []byte("Feedback-Type: not-spam"), 1), nil},
		{"an ordinary email", []byte("From: a@example.org\r\nSubject: out of office\r\n\r\nI am away.\r\n"), nil},
		{"another multipart/report", []byte("Content-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n\r\n--x--\r\n"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseReport(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseReport (-want +got):\n%s", diff)
			}
		})
	}
	// Malformed reports are invalid, and the error never quotes the input.
	for _, bad := range []string{
		"Content-Type: multipart/report; report-type=delivery-status\r\n\r\nno boundary\r\n",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\npat.secret@example.org\r\n--b--\r\n",
		"Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nUser-Agent: x\r\n--b--\r\n",
		"\x00\x01 not headers",
	} {
		_, err := ParseReport(strings.NewReader(bad))
		if rapport.ErrorCode(err) != rapport.EINVALID || strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseReport(%q) = %v, want an invalid error without the input", bad, err)
		}
	}
}

func FuzzParseReport(f *testing.F) {
	for _, name := range []string{"dsn_postfix.eml", "arf_rfc5965.eml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		reps, err := ParseReport(bytes.NewReader(b))
		if err != nil && rapport.ErrorCode(err) != rapport.EINVALID {
			t.Fatalf("error %v is not EINVALID", err)
		}
		for _, r := range reps {
			if r.Kind != ReportBounce && r.Kind != ReportDelay && r.Kind != ReportComplaint {
				t.Fatalf("report kind %q", r.Kind)
			}
		}
	})
}
