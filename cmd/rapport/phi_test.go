package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rapport-health/rapport/phi"
)

func runPhiTool(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := run(context.Background(), e, append([]string{"phi"}, args...))
	return out.String(), err
}

func TestPhiScanContract(t *testing.T) {
	in := `{"id": "a", "text": "Call Maria Lopez at (312) 555-0187."}` + "\n" +
		"\n" +
		`{"id": "b", "text": "Señora Núñez 😀 llamó al 913 908 121"}` + "\n" +
		`{"id": "c", "text": "What are your visiting hours?"}`
	out, err := runPhiTool(t, in, "scan", "-workers", "2")
	if err != nil {
		t.Fatalf("phi scan: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("phi scan wrote %d lines, want 3:\n%s", len(lines), out)
	}
	texts := []string{"Call Maria Lopez at (312) 555-0187.", "Señora Núñez 😀 llamó al 913 908 121", "What are your visiting hours?"}
	wantIDs := []string{"a", "b", "c"}
	for k, line := range lines {
		var got struct {
			ID    string `json:"id"`
			Spans []struct {
				Start, End int
				Type       string
			} `json:"spans"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d %q: %v", k+1, line, err)
		}
		if got.ID != wantIDs[k] {
			t.Errorf("line %d id = %q, want %q (order kept)", k+1, got.ID, wantIDs[k])
		}
		if got.Spans == nil {
			t.Errorf("line %d: spans is null, want a list", k+1)
		}
		r := []rune(texts[k])
		for _, s := range got.Spans {
			if s.Start < 0 || s.End > len(r) || s.Start >= s.End {
				t.Errorf("line %d: span %+v outside the text", k+1, s)
			}
		}
	}
	if !strings.Contains(lines[0], `"type":"PHONE"`) || !strings.Contains(lines[1], `"start":24,"end":35,"type":"PHONE"`) {
		t.Errorf("phi scan output = %s, want phones at code-point offsets", out)
	}
}

func TestPhiRedact(t *testing.T) {
	out, err := runPhiTool(t, `{"id": 7, "text": "Email carla.nguyen84@yahoo.com or call 555-301-7742."}`, "redact")
	if err != nil {
		t.Fatalf("phi redact: %v", err)
	}
	want := `{"id":7,"text":"Email [EMAIL] or call [PHONE]."}` + "\n"
	if out != want {
		t.Errorf("phi redact = %q, want %q", out, want)
	}
}

func TestPhiMalformedLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad json", `{"id":"1","text":"ok"}` + "\n" + `{"id": "2", "text": }`, "line 2"},
		{"missing text", `{"id":"1"}`, `line 1: missing field "text"`},
		{"two values", `{"id":"1","text":"a"} {"id":"2","text":"b"}`, "line 1"},
		{"text not a string", "\n\n" + `{"id":"1","text":5}`, "line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runPhiTool(t, tt.in, "scan")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("phi scan(%q) error = %v, want one naming %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestPhiEvalOwnSet(t *testing.T) {
	out, err := runPhiTool(t, "", "eval", "-gold", "../../phi/testdata/posts.jsonl")
	if err != nil {
		t.Fatalf("phi eval: %v", err)
	}
	for _, want := range []string{"ALL", "NAME", "throughput", "MB/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("phi eval output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runPhiTool(t, "", "eval"); err == nil {
		t.Error("phi eval without -gold succeeded, want an error")
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("Call Maria Lopez at (312) 555-0187 on 03/04/2020 😀")
	f.Add("Domicilio: C/ Mayor, 23. NHC: 5467980")
	det := phi.NewDetector(phi.Config{})
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // the JSON layer never hands the detector invalid UTF-8
		}
		spans := det.Scan(text)
		got := redact(text, spans)
		if len(spans) == 0 && got != text {
			t.Fatalf("redact with no spans changed %q to %q", text, got)
		}
		if n := strings.Count(got, "["); n < len(spans) {
			t.Fatalf("redact(%q) = %q has %d markers, want at least %d", text, got, n, len(spans))
		}
		line, err := json.Marshal(map[string]string{"id": "x", "text": text})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := phiLine(det, "scan", line); err != nil {
			t.Fatalf("phiLine(%s): %v", line, err)
		}
	})
}
