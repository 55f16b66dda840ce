package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := run(context.Background(), e, args)
	return out.String(), errb.String(), err
}

func TestSegmentFitAndClassify(t *testing.T) {
	dir := t.TempDir()
	r := filepath.Join(dir, "R.csv")
	model := filepath.Join(dir, "M.json")
	if _, _, err := runCmd(t, "segment", "simulate", "--n", "800", "--seed", "3", "--out", r); err != nil {
		t.Fatalf("simulate: %v", err)
	}
	out, _, err := runCmd(t, "segment", "fit", "--responses", r, "--k", "3", "--short-items", "6", "--seed", "2", "--out", model)
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	for _, want := range []string{"fixed K = 3", "BIC", "stability", "short form: 6 items", "kappa"} {
		if !strings.Contains(out, want) {
			t.Errorf("fit output lacks %q:\n%s", want, out)
		}
	}
	for _, short := range []bool{false, true} {
		args := []string{"segment", "classify", "--model", model, "--responses", r}
		if short {
			args = append(args, "--short")
		}
		out, _, err := runCmd(t, args...)
		if err != nil {
			t.Fatalf("classify (short %v): %v", short, err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if lines[0] != "id,segment,probability" || len(lines) != 801 {
			t.Fatalf("classify output: header %q and %d lines, want id,segment,probability and 801", lines[0], len(lines))
		}
		for _, l := range lines[1:] {
			f := strings.Split(l, ",")
			if len(f) != 3 || !(f[1] == "s1" || f[1] == "s2" || f[1] == "s3" || f[1] == "unclassified") {
				t.Fatalf("classify line %q is not id,segment,probability", l)
			}
		}
	}
	out, _, err = runCmd(t, "segment", "classify", "--model", model, "--responses", r, "--threshold", "1")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, ",unclassified,"); n < 700 {
		t.Errorf("threshold 1 left %d of 800 unclassified, want nearly all", 800-n)
	}
}

func TestSegmentDefaultModelAndErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("id,own-1\np1,3\np2,seven\n"), 0o600)
	_, _, err := runCmd(t, "segment", "classify", "--responses", bad)
	if err == nil || !strings.Contains(err.Error(), "line 3, column 2") {
		t.Errorf("classify of a bad file: error %v, want one naming line 3, column 2", err)
	}
	out, _, err := runCmd(t, "segment", "show")
	if err != nil || !strings.Contains(out, "planner: Planners") || !strings.Contains(out, "SIMULATED") {
		t.Errorf("show of the default model: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "segment", "fit", "--responses", bad, "--k", "x", "--out", filepath.Join(dir, "m.json")); err == nil || !strings.Contains(err.Error(), "--k") {
		t.Errorf("fit --k x: error %v, want one about --k", err)
	}
	if _, _, err := runCmd(t, "segment", "nope"); err == nil {
		t.Errorf("unknown sub-command succeeded")
	}
	out, _, err = runCmd(t, "segment", "instrument")
	if err != nil || !strings.Contains(out, `"resourceType": "Questionnaire"`) {
		t.Errorf("instrument: %v", err)
	}
}

func TestSegmentFitAutoOnSubsample(t *testing.T) {
	dir := t.TempDir()
	r := filepath.Join(dir, "R.csv")
	if _, _, err := runCmd(t, "segment", "simulate", "--n", "800", "--seed", "4", "--out", r); err != nil {
		t.Fatalf("simulate: %v", err)
	}
	out, _, err := runCmd(t, "segment", "fit", "--responses", r, "--k", "auto", "--k-max", "3", "--select-rows", "400",
		"--starts", "2", "--bootstraps", "2", "--short-items", "0", "--out", filepath.Join(dir, "M.json"))
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	for _, want := range []string{"chosen on a random subsample of 400 respondents and then fitted on all 800", "table above: a random subsample of 400 respondents"} {
		if !strings.Contains(out, want) {
			t.Errorf("fit output lacks %q:\n%s", want, out)
		}
	}
	_, _, err = runCmd(t, "segment", "fit", "--responses", r, "--select-rows", "5", "--out", filepath.Join(dir, "M.json"))
	if err == nil || !strings.Contains(err.Error(), "--select-rows") {
		t.Errorf("fit --select-rows 5: error %v, want one about --select-rows", err)
	}
}
