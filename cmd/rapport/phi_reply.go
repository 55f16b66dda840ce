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

	"github.com/rapport-health/rapport/phi"
)

// replyIn is one input line of `rapport phi check-reply`.
type replyIn struct {
	ID     json.RawMessage `json:"id"`
	Reply  *string         `json:"reply"`
	Post   string          `json:"post"`
	Author string          `json:"author"`
	Org    *phi.Org        `json:"org"`
}

type replyOut struct {
	ID         json.RawMessage `json:"id"`
	Verdict    phi.Action      `json:"verdict"`
	Reasons    []phi.Reason    `json:"reasons"`
	Suggestion string          `json:"suggestion,omitempty"`
}

type disclosureOut struct {
	ID        json.RawMessage `json:"id"`
	Discloses bool            `json:"discloses"`
	Subject   phi.Subject     `json:"subject"`
	Reasons   []phi.Reason    `json:"reasons"`
}

// runPhiCheckReply reads replies as JSONL on stdin and writes one verdict
// per line, in the same order.
func runPhiCheckReply(ctx context.Context, e *env, args []string) error {
	g, err := newPhiGuard(e, "check-reply", args)
	if err != nil {
		return err
	}
	return eachJSONLine(ctx, e, "phi check-reply", func(line []byte) (any, error) {
		var in replyIn
		if err := decodeOne(line, &in); err != nil {
			return nil, err
		}
		if in.Reply == nil {
			return nil, errors.New(`missing field "reply"`)
		}
		v := g.CheckReply(phi.ReplyInput{Reply: *in.Reply, Post: in.Post, Author: in.Author, Org: in.Org})
		return replyOut{ID: idOrNull(in.ID), Verdict: v.Action, Reasons: nonNil(v.Reasons), Suggestion: v.Suggestion}, nil
	})
}

// runPhiDisclosure reads inbound posts as JSONL ({"id","text"}) and says
// for each whether it discloses health information, and whose.
func runPhiDisclosure(ctx context.Context, e *env, args []string) error {
	g, err := newPhiGuard(e, "disclosure", args)
	if err != nil {
		return err
	}
	return eachJSONLine(ctx, e, "phi disclosure", func(line []byte) (any, error) {
		var in phiIn
		if err := decodeOne(line, &in); err != nil {
			return nil, err
		}
		if in.Text == nil {
			return nil, errors.New(`missing field "text"`)
		}
		d := g.Disclosure(*in.Text)
		return disclosureOut{ID: idOrNull(in.ID), Discloses: d.Discloses, Subject: d.Subject, Reasons: nonNil(d.Reasons)}, nil
	})
}

func newPhiGuard(e *env, name string, args []string) (*phi.Guard, error) {
	fs := flag.NewFlagSet("phi "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: rapport phi %s < in.jsonl > out.jsonl\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("phi %s: unexpected argument %q (input is read from stdin)", name, fs.Arg(0))
	}
	det := phi.NewDetector(phi.Config{})
	if err := det.Err(); err != nil {
		return nil, fmt.Errorf("phi %s: %w", name, err)
	}
	return phi.NewGuard(det, phi.Org{}), nil
}

// eachJSONLine calls fn for every non-blank line of stdin and writes its
// result as one JSON line. An error names the line.
func eachJSONLine(ctx context.Context, e *env, name string, fn func([]byte) (any, error)) error {
	r := bufio.NewReaderSize(e.stdin, 1<<20)
	w := bufio.NewWriterSize(e.stdout, 1<<16)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := r.ReadBytes('\n')
		if t := bytes.TrimSpace(line); len(t) > 0 {
			out, ferr := fn(t)
			if ferr != nil {
				w.Flush()
				return fmt.Errorf("%s: line %d: %w", name, n, ferr)
			}
			if eerr := enc.Encode(out); eerr != nil {
				return fmt.Errorf("%s: line %d: %w", name, n, eerr)
			}
		}
		if errors.Is(err, io.EOF) {
			return w.Flush()
		}
		if err != nil {
			return fmt.Errorf("%s: read line %d: %w", name, n, err)
		}
	}
}

// decodeOne decodes exactly one JSON object from line.
func decodeOne(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return errors.New("malformed JSON: more than one value on the line")
	}
	return nil
}

func idOrNull(id json.RawMessage) json.RawMessage {
	if len(id) == 0 {
		return json.RawMessage("null")
	}
	return id
}

func nonNil(rs []phi.Reason) []phi.Reason {
	if rs == nil {
		return []phi.Reason{}
	}
	return rs
}
