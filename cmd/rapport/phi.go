package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport/phi"
)

func runPhi(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("phi: want a sub-command: scan, redact, eval, check-reply, disclosure")
	}
	switch args[0] {
	case "scan":
		return runPhiStream(ctx, e, "scan", args[1:])
	case "redact":
		return runPhiStream(ctx, e, "redact", args[1:])
	case "eval":
		return runPhiEval(ctx, e, args[1:])
	case "check-reply":
		return runPhiCheckReply(ctx, e, args[1:])
	case "disclosure":
		return runPhiDisclosure(ctx, e, args[1:])
	}
	return fmt.Errorf("phi: unknown sub-command %q", args[0])
}

// phiIn is one input line of scan and redact.
type phiIn struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
}

// phiSpan is a span of the scan contract: no confidence, so that the output
// stays exactly as documented.
type phiSpan struct {
	Start int      `json:"start"`
	End   int      `json:"end"`
	Type  phi.Type `json:"type"`
}

type phiScanOut struct {
	ID    json.RawMessage `json:"id"`
	Spans []phiSpan       `json:"spans"`
}

type phiRedactOut struct {
	ID   json.RawMessage `json:"id"`
	Text string          `json:"text"`
}

// phiBatch is how many lines the workers share before output is written in
// input order.
const phiBatch = 512

// runPhiStream reads JSONL from stdin and writes one JSONL line per input
// line, in the same order, with the work spread over the CPUs.
func runPhiStream(ctx context.Context, e *env, mode string, args []string) error {
	fs := flag.NewFlagSet("phi "+mode, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parallel workers (output order is kept)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *workers < 1 {
		return fmt.Errorf("phi %s: -workers must be at least 1", mode)
	}
	det := phi.NewDetector(phi.Config{})
	if err := det.Err(); err != nil {
		return fmt.Errorf("phi %s: %w", mode, err)
	}
	r := bufio.NewReaderSize(e.stdin, 1<<20)
	w := bufio.NewWriterSize(e.stdout, 1<<20)
	defer w.Flush()
	lineNo := 0
	lines := make([][]byte, 0, phiBatch)
	outs := make([][]byte, phiBatch)
	errs := make([]error, phiBatch)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		lines = lines[:0]
		eof := false
		for len(lines) < phiBatch {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				lines = append(lines, line)
			}
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return fmt.Errorf("phi %s: read line %d: %w", mode, lineNo+len(lines)+1, err)
			}
		}
		var wg sync.WaitGroup
		n := len(lines)
		per := (n + *workers - 1) / max(*workers, 1)
		for start := 0; start < n; start += per {
			end := min(start+per, n)
			wg.Add(1)
			go func(start, end int) {
				defer wg.Done()
				for k := start; k < end; k++ {
					outs[k], errs[k] = phiLine(det, mode, lines[k])
				}
			}(start, end)
		}
		wg.Wait()
		for k := 0; k < n; k++ {
			lineNo++
			if errs[k] != nil {
				w.Flush()
				return fmt.Errorf("phi %s: line %d: %w", mode, lineNo, errs[k])
			}
			if outs[k] == nil {
				continue // blank line
			}
			w.Write(outs[k])
		}
		if eof {
			return w.Flush()
		}
	}
}

// phiLine handles one input line; a blank line gives no output.
func phiLine(det *phi.Detector, mode string, line []byte) ([]byte, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil, nil
	}
	var in phiIn
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("malformed JSON: more than one value on the line")
	}
	if in.Text == nil {
		return nil, errors.New(`missing field "text"`)
	}
	if len(in.ID) == 0 {
		in.ID = json.RawMessage("null")
	}
	spans := det.Scan(*in.Text)
	var b []byte
	var err error
	if mode == "redact" {
		b, err = json.Marshal(phiRedactOut{ID: in.ID, Text: redact(*in.Text, spans)})
	} else {
		out := phiScanOut{ID: in.ID, Spans: make([]phiSpan, len(spans))}
		for k, s := range spans {
			out.Spans[k] = phiSpan{s.Start, s.End, s.Type}
		}
		b, err = json.Marshal(out)
	}
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// redact replaces each span (code-point offsets) with "[TYPE]".
func redact(text string, spans []phi.Span) string {
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	cp, k := 0, 0
	in := false
	for _, r := range text {
		for k < len(spans) && cp >= spans[k].End {
			k++
			in = false
		}
		if k < len(spans) && cp >= spans[k].Start {
			if !in {
				b.WriteString("[" + string(spans[k].Type) + "]")
				in = true
			}
		} else {
			b.WriteRune(r)
		}
		cp++
	}
	return b.String()
}

// runPhiEval scores the detector on a labelled JSONL file.
func runPhiEval(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("phi eval", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	gold := fs.String("gold", "", "labelled JSONL file (schema of shared/data/phi)")
	examples := fs.Int("examples", 0, "print up to N missed and N spurious spans")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *gold == "" {
		return errors.New("phi eval: -gold FILE.jsonl is required")
	}
	f, err := os.Open(*gold)
	if err != nil {
		return fmt.Errorf("phi eval: %w", err)
	}
	defer f.Close()
	recs, err := readGold(f)
	if err != nil {
		return fmt.Errorf("phi eval: %s: %w", *gold, err)
	}
	det := phi.NewDetector(phi.Config{})
	if err := det.Err(); err != nil {
		return fmt.Errorf("phi eval: %w", err)
	}
	ev := phi.NewEvaluation(*examples)
	preds := make([][]phi.Span, len(recs))
	bytesIn := 0
	for _, r := range recs {
		bytesIn += len(r.Text)
	}
	// Throughput: single goroutine, best of three passes over the texts.
	best := time.Duration(1<<63 - 1)
	for pass := 0; pass < 3; pass++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		for k, r := range recs {
			preds[k] = det.Scan(r.Text)
		}
		best = min(best, time.Since(start))
	}
	for k, r := range recs {
		ev.Add(r, preds[k])
	}
	fmt.Fprintf(e.stdout, "gold %s\n", *gold)
	io.WriteString(e.stdout, ev.Report())
	mbs := float64(bytesIn) / 1e6 / best.Seconds()
	fmt.Fprintf(e.stdout, "throughput %.1f MB/s (%d bytes, single goroutine, best of 3)\n", mbs, bytesIn)
	for _, m := range ev.Missed {
		fmt.Fprintln(e.stdout, "missed  ", m)
	}
	for _, m := range ev.Spurious {
		fmt.Fprintln(e.stdout, "spurious", m)
	}
	return nil
}

// readGold reads a labelled JSONL file, naming the line of any error.
func readGold(r io.Reader) ([]phi.GoldRecord, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var recs []phi.GoldRecord
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if t := bytes.TrimSpace(line); len(t) > 0 {
			var rec phi.GoldRecord
			if jerr := json.Unmarshal(t, &rec); jerr != nil {
				return nil, fmt.Errorf("line %d: malformed JSON: %w", n, jerr)
			}
			nr := len([]rune(rec.Text))
			for _, s := range rec.Spans {
				if s.Start < 0 || s.End <= s.Start || s.End > nr {
					return nil, fmt.Errorf("line %d: span %d-%d outside the text (%d code points)", n, s.Start, s.End, nr)
				}
			}
			recs = append(recs, rec)
		}
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
}
