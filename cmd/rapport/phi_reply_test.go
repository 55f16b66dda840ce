package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runPhiCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := run(context.Background(), e, append([]string{"phi"}, args...))
	return out.String(), err
}

func TestPhiCheckReplyCommand(t *testing.T) {
	in := `{"id":"r1","reply":"We reviewed your chart and your knee is healing.","author":"jp_outdoors","org":{"names":["Riverside Health"],"phones":["555-0100"]}}
{"id":"r2","reply":"We're sorry to hear this. Please call our Patient Relations team at 555-0100.","org":{"phones":["555-0100"]}}

{"id":"r3","reply":"We hope you're feeling better.","unknown":"ignored"}
{"id":7,"reply":"Ça va? Hi Jennifer 😊, your MRI looked fine.","author":"mommy2three"}
`
	out, err := runPhiCmd(t, in, "check-reply")
	if err != nil {
		t.Fatalf("check-reply: %v", err)
	}
	type reason struct {
		Code       string
		Start, End int
	}
	type line struct {
		ID         json.RawMessage
		Verdict    string
		Reasons    []reason
		Suggestion string
	}
	replies := []string{
		"We reviewed your chart and your knee is healing.",
		"We're sorry to hear this. Please call our Patient Relations team at 555-0100.",
		"We hope you're feeling better.",
		"Ça va? Hi Jennifer 😊, your MRI looked fine.",
	}
	wantIDs := []string{`"r1"`, `"r2"`, `"r3"`, `7`}
	wantVerdicts := []string{"block", "allow", "warn", "block"}
	sc := bufio.NewScanner(strings.NewReader(out))
	n := 0
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %d: %v", n+1, err)
		}
		if n >= len(wantIDs) {
			t.Fatalf("more output lines than inputs: %s", sc.Text())
		}
		if got := string(l.ID); got != wantIDs[n] {
			t.Errorf("line %d id = %s, want %s", n+1, got, wantIDs[n])
		}
		if l.Verdict != wantVerdicts[n] {
			t.Errorf("line %d verdict = %s, want %s (%v)", n+1, l.Verdict, wantVerdicts[n], l.Reasons)
		}
		if (l.Verdict == "block") != (l.Suggestion != "") {
			t.Errorf("line %d: verdict %s with suggestion %q", n+1, l.Verdict, l.Suggestion)
		}
		if l.Reasons == nil {
			t.Errorf("line %d: reasons missing, want a list", n+1)
		}
		rs := []rune(replies[n])
		for _, r := range l.Reasons {
			if r.Start < 0 || r.End > len(rs) || r.Start >= r.End {
				t.Errorf("line %d: reason %v outside the reply (%d code points)", n+1, r, len(rs))
			}
		}
		n++
	}
	if n != len(wantIDs) {
		t.Fatalf("got %d output lines, want %d:\n%s", n, len(wantIDs), out)
	}
	// Code-point offsets: the unmasking reason on line 4 covers "Jennifer".
	var l line
	json.Unmarshal([]byte(strings.Split(strings.TrimSpace(out), "\n")[3]), &l)
	found := false
	for _, r := range l.Reasons {
		if r.Code == "POSTER_UNMASKED" && string([]rune(replies[3])[r.Start:r.End]) == "Jennifer" {
			found = true
		}
	}
	if !found {
		t.Errorf("line 4 reasons = %v, want POSTER_UNMASKED on \"Jennifer\"", l.Reasons)
	}
}

func TestPhiDisclosureCommand(t *testing.T) {
	in := `{"id":"p1","text":"Just got diagnosed with type 2 diabetes."}
{"id":"p2","text":"My dad's stroke recovery has been slow."}
{"id":"p3","text":"Is parking free?"}
`
	out, err := runPhiCmd(t, in, "disclosure")
	if err != nil {
		t.Fatalf("disclosure: %v", err)
	}
	want := []struct {
		discloses bool
		subject   string
	}{{true, "self"}, {true, "other"}, {false, "none"}}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for k, l := range lines {
		var got struct {
			Discloses bool
			Subject   string
			Reasons   []json.RawMessage
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v", k+1, err)
		}
		if got.Discloses != want[k].discloses || got.Subject != want[k].subject {
			t.Errorf("line %d = %v %s, want %v %s", k+1, got.Discloses, got.Subject, want[k].discloses, want[k].subject)
		}
		if got.Reasons == nil {
			t.Errorf("line %d: reasons missing", k+1)
		}
	}
}

func TestPhiReplyCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name, cmd, in, want string
	}{
		{"malformed", "check-reply", "{\"id\":\"a\",\"reply\":\"ok\"}\n{\"id\":\n", "line 2: malformed JSON"},
		{"missing reply", "check-reply", "{\"id\":\"a\",\"reply\":\"ok\"}\n\n{\"id\":\"b\"}\n", `line 3: missing field "reply"`},
		{"two values", "check-reply", `{"reply":"a"} {"reply":"b"}`, "line 1: malformed JSON: more than one value"},
		{"wrong type", "check-reply", `{"reply":42}`, "line 1: malformed JSON"},
		{"disclosure malformed", "disclosure", "{\"text\":\"a\"}\nnot json\n", "line 2: malformed JSON"},
		{"disclosure missing text", "disclosure", `{"id":"x"}`, `line 1: missing field "text"`},
		{"argument", "disclosure", "", "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{tc.cmd}
			if tc.name == "argument" {
				args = append(args, "file.jsonl")
			}
			_, err := runPhiCmd(t, tc.in, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("phi %s error = %v, want it to contain %q", tc.cmd, err, tc.want)
			}
		})
	}
}

// FuzzPhiCheckReplyLines: any input either gives one output line per
// non-blank input line, or an error that names a line; never a panic.
func FuzzPhiCheckReplyLines(f *testing.F) {
	f.Add("{\"id\":\"a\",\"reply\":\"We reviewed your chart.\"}\n{\"id\":\"b\",\"reply\":\"Thanks!\"}\n")
	f.Add("{\"id\":\n")
	f.Add("\n\n{\"reply\":\"Hi Jen\",\"author\":\"x\",\"org\":{\"phones\":[\"555-0100\"]}}")
	f.Add("{\"reply\":null}")
	f.Fuzz(func(t *testing.T, in string) {
		for _, cmd := range []string{"check-reply", "disclosure"} {
			out, err := runPhiCmd(t, in, cmd)
			if err != nil {
				if !strings.Contains(err.Error(), "line ") {
					t.Fatalf("phi %s error %q does not name a line", cmd, err)
				}
				continue
			}
			nonBlank := 0
			for _, l := range strings.Split(in, "\n") {
				if strings.TrimSpace(l) != "" {
					nonBlank++
				}
			}
			if got := strings.Count(out, "\n"); got != nonBlank {
				t.Fatalf("phi %s wrote %d lines for %d input lines", cmd, got, nonBlank)
			}
		}
	})
}
