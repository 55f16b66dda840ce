package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// Format is an input file format.
type Format string

// The formats Open reads.
const (
	FormatCSV    Format = "csv"
	FormatNDJSON Format = "ndjson"
	FormatJSON   Format = "json" // a FHIR Bundle, or one FHIR resource
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Format forces a format; empty means detect it from the file name
	// and content.
	Format Format
	// DefaultCountry is the numbering plan for phone numbers written
	// without a country code (ISO 3166 alpha-2); "US" when empty. A CSV
	// row's country column, when US, CA or PR, takes precedence.
	DefaultCountry string
	// MaxLineBytes bounds one NDJSON line; 64 MiB when zero.
	MaxLineBytes int
	// MaxBundleBytes bounds a Bundle JSON document; 1 GiB when zero.
	MaxBundleBytes int64
}

// Reader reads import records from one file.
type Reader struct {
	name    string
	format  Format
	opts    Options
	next    func() (rapport.ImportRecord, error)
	ignored map[string]int
	zones   map[string]bool // time zone names already checked
	done    error           // sticky error once the input cannot be read further
}

// Open returns a Reader of the file called name (used in messages and for
// format detection) with content r. It fails when the format cannot be
// read at all, e.g. a CSV header naming an unknown column.
func Open(name string, r io.Reader, opts Options) (*Reader, error) {
	if opts.DefaultCountry == "" {
		opts.DefaultCountry = "US"
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = 64 << 20
	}
	if opts.MaxBundleBytes <= 0 {
		opts.MaxBundleBytes = 1 << 30
	}
	rd := &Reader{
		name:    filepath.Base(name),
		opts:    opts,
		ignored: make(map[string]int),
		zones:   make(map[string]bool),
	}
	br := bufio.NewReaderSize(r, 64<<10)
	rd.format = opts.Format
	if rd.format == "" {
		rd.format = detect(name, br)
	}
	var err error
	switch rd.format {
	case FormatCSV:
		rd.next, err = rd.openCSV(br)
	case FormatNDJSON:
		rd.next = rd.openNDJSON(br)
	case FormatJSON:
		rd.next, err = rd.openJSON(br)
	default:
		return nil, rapport.Errorf(rapport.EINVALID, "%s: unknown import format (want csv, ndjson or json)", rd.name)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Format returns the format being read.
func (r *Reader) Format() Format { return r.format }

// Next returns the next record, or io.EOF after the last. A bad record
// gives a *rapport.RecordError naming the file, line and field; the caller
// may stop, or call Next again to continue with the following record.
// After an error the input cannot be read past (an I/O error, broken JSON
// structure in a Bundle), Next returns that error once and then io.EOF
// (for record errors) or the same error again (for I/O errors).
func (r *Reader) Next() (rapport.ImportRecord, error) {
	if r.done != nil {
		return rapport.ImportRecord{}, r.done
	}
	return r.next()
}

// Ignored returns what was read but not imported, by kind: FHIR resource
// types other than Patient and Consent ("Encounter": 1215), consents
// Rapport does not read ("Consent (not about communication)",
// "Consent (status inactive)"), "(no resourceType)" for NDJSON lines that
// are not resources (a bulk-export log), and telecom values dropped from
// FHIR patients ("Patient phone (not usable)"). The map is a copy.
func (r *Reader) Ignored() map[string]int {
	out := make(map[string]int, len(r.ignored))
	for k, v := range r.ignored {
		out[k] = v
	}
	return out
}

// where formats a record position.
func (r *Reader) where(line int) string {
	return r.name + ":" + strconv.Itoa(line)
}

// recordErr returns a *rapport.RecordError whose Err is an EINVALID error
// with a user-safe message.
func recordErr(where, field, format string, args ...any) error {
	return &rapport.RecordError{Where: where, Field: field, Err: rapport.Errorf(rapport.EINVALID, format, args...)}
}

// relocate gives a *rapport.RecordError from package fhir the record's
// position; any other error is wrapped in one.
func relocate(err error, where string) error {
	var re *rapport.RecordError
	if errors.As(err, &re) {
		return &rapport.RecordError{Where: where, Field: re.Field, Err: re.Err}
	}
	return &rapport.RecordError{Where: where, Err: err}
}

// checkZone reports whether name is a time zone in the local database,
// caching the answer: LoadLocation reads a file on every call.
func (r *Reader) checkZone(name string) bool {
	ok, seen := r.zones[name]
	if !seen {
		_, err := time.LoadLocation(name)
		ok = err == nil && name != "Local"
		r.zones[name] = ok
	}
	return ok
}

// detect chooses a format from the file extension, else from the content.
func detect(name string, br *bufio.Reader) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		return FormatCSV
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	}
	head, _ := br.Peek(64 << 10)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if strings.EqualFold(filepath.Ext(name), ".json") {
			return FormatJSON
		}
		return FormatCSV
	}
	// One complete JSON object on the first line, followed by another
	// object (or nothing): NDJSON. A pretty-printed document spreads its
	// first object over many lines.
	if i := bytes.IndexByte(trimmed, '\n'); i >= 0 {
		first := bytes.TrimSpace(trimmed[:i])
		rest := bytes.TrimLeft(trimmed[i:], " \t\r\n")
		if len(first) > 0 && first[len(first)-1] == '}' && (len(rest) == 0 || rest[0] == '{') && jsonValid(first) {
			return FormatNDJSON
		}
	}
	return FormatJSON
}

// ignore counts one ignored item.
func (r *Reader) ignore(kind string) { r.ignored[kind]++ }

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
