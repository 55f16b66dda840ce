// Package ingest runs an import: it reads files with package importer and
// writes their records through a rapport.PatientStore import transaction,
// all or nothing by default. The command line and the HTTP API both use it.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/importer"
)

// File is one input.
type File struct {
	Name string
	R    io.Reader
}

// Options tune Run.
type Options struct {
	// SkipInvalid imports the valid records and reports the others;
	// otherwise the first invalid record aborts the whole run.
	SkipInvalid bool
	// BatchSize is how many records go to the store at once (1000 if 0).
	BatchSize int
	// DefaultCountry is the phone numbering plan for numbers without one.
	DefaultCountry string
	// Records, if set, is called after every batch with the number of
	// records read so far.
	Records func(n int)
}

// MaxReported bounds how many invalid records a report lists one by one.
const MaxReported = 1000

// Report says what an import did. Its messages name files, lines and
// fields, never values.
type Report struct {
	Files     []string            `json:"files"`
	Read      int                 `json:"records_read"`
	Stats     rapport.ImportStats `json:"stats"`
	Invalid   int                 `json:"invalid"`
	Problems  []string            `json:"problems,omitempty"`
	Ignored   map[string]int      `json:"ignored,omitempty"`
	Committed bool                `json:"committed"`
}

// Run imports files for actor in one transaction.
func Run(ctx context.Context, store rapport.PatientStore, actor rapport.Actor, files []File, opts Options) (*Report, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	rep := &Report{Ignored: map[string]int{}}
	source := "import"
	if len(files) == 1 {
		source = "import " + files[0].Name
	}
	tx, err := store.BeginImport(ctx, actor, source)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	for _, f := range files {
		rep.Files = append(rep.Files, f.Name)
		if err := runFile(ctx, tx, f, opts, rep); err != nil {
			rep.Stats = tx.Stats()
			// A record error's text names the file, line and field (never
			// the value), so it is safe to show as the user message.
			var re *rapport.RecordError
			if errors.As(err, &re) {
				err = &rapport.Error{Code: rapport.EINVALID, Message: re.Error(), Err: re}
			}
			return rep, err
		}
	}
	rep.Stats = tx.Stats()
	if err := tx.Commit(ctx); err != nil {
		return rep, err
	}
	rep.Committed = true
	return rep, nil
}

func (rep *Report) invalid(err error) {
	rep.Invalid++
	if len(rep.Problems) < MaxReported {
		rep.Problems = append(rep.Problems, err.Error())
	}
}

func runFile(ctx context.Context, tx rapport.ImportTx, f File, opts Options, rep *Report) error {
	rd, err := importer.Open(f.Name, f.R, importer.Options{DefaultCountry: opts.DefaultCountry})
	if err != nil {
		return err
	}
	batch := make([]rapport.ImportRecord, 0, opts.BatchSize)
	flush := func() error {
		for len(batch) > 0 {
			n, err := tx.Write(ctx, batch)
			var re *rapport.RecordError
			if err == nil {
				break
			}
			if !errors.As(err, &re) || !opts.SkipInvalid {
				return err
			}
			rep.invalid(re)
			batch = batch[n+1:]
		}
		batch = batch[:0]
		if opts.Records != nil {
			opts.Records(rep.Read)
		}
		return ctx.Err()
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *rapport.RecordError
			if errors.As(err, &re) && opts.SkipInvalid {
				rep.Read++
				rep.invalid(err)
				continue
			}
			return err
		}
		rep.Read++
		batch = append(batch, rec)
		if len(batch) == opts.BatchSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for k, v := range rd.Ignored() {
		rep.Ignored[k] += v
	}
	return nil
}

// Summary is a one-paragraph human summary of the report.
func (rep *Report) Summary() string {
	s := fmt.Sprintf("%d records read: %d patients created, %d updated, %d unchanged, %d consent events added",
		rep.Read, rep.Stats.Created, rep.Stats.Updated, rep.Stats.Unchanged, rep.Stats.ConsentsAdded)
	if rep.Invalid > 0 {
		s += fmt.Sprintf("; %d invalid records skipped", rep.Invalid)
	}
	if len(rep.Ignored) > 0 {
		kinds := make([]string, 0, len(rep.Ignored))
		for k := range rep.Ignored {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		s += "; ignored:"
		for i, k := range kinds {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf(" %s %d", k, rep.Ignored[k])
		}
	}
	if !rep.Committed {
		s += "; nothing was imported"
	}
	return s
}
