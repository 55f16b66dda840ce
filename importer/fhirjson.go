package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/fhir"
)

func jsonValid(b []byte) bool { return json.Valid(b) }

// resource maps one FHIR resource. ok is false when it is counted as
// ignored instead. fullURL is the Bundle entry's fullUrl, if any; alias
// maps Bundle full URLs of patients to the id they are imported under.
func (r *Reader) resource(raw []byte, where, fullURL string, alias map[string]string) (rec rapport.ImportRecord, ok bool, err error) {
	rt, err := fhir.ResourceType(raw)
	if err != nil {
		return rec, false, relocate(err, where)
	}
	switch rt {
	case "":
		r.ignore("(no resourceType)")
		return rec, false, nil
	case "Patient", "Consent":
	default:
		if !safeType(rt) {
			rt = "(invalid resourceType)"
		}
		r.ignore(rt)
		return rec, false, nil
	}
	v, err := fhir.Decode(raw)
	if err != nil {
		return rec, false, relocate(err, where)
	}
	switch res := v.(type) {
	case *fhir.Patient:
		if res.ID == "" && fullURL != "" {
			res.ID = fullURL
		}
		p, err := fhir.PatientToDomain(res)
		if err != nil {
			return rec, false, relocate(err, where)
		}
		if p.TimeZone != "" && !r.checkZone(p.TimeZone) {
			return rec, false, recordErr(where, "extension", "time zone is not in the time zone database")
		}
		if p.Phone == "" && hasTelecom(res.Telecom, "phone", "sms") {
			r.ignore("Patient phone (not usable)")
		}
		if p.Email == "" && hasTelecom(res.Telecom, "email") {
			r.ignore("Patient email (not usable)")
		}
		return rapport.ImportRecord{Patient: p, Where: where}, true, nil
	case *fhir.Consent:
		ref, events, err := fhir.ConsentToDomain(res)
		if err != nil {
			return rec, false, relocate(err, where)
		}
		if reason := fhir.IgnoreReason(res); reason != "" {
			r.ignore("Consent (" + reason + ")")
			return rec, false, nil
		}
		if ref.System == rapport.SystemFHIRID {
			if id, ok := alias[ref.Value]; ok {
				ref.Value = id
			}
		}
		if len(events) == 0 {
			r.ignore("Consent (no channel or purpose Rapport serves)")
			return rec, false, nil
		}
		return rapport.ImportRecord{PatientRef: ref, Consents: events, Where: where}, true, nil
	}
	return rec, false, recordErr(where, "resourceType", "unexpected resource")
}

func hasTelecom(cps []fhir.ContactPoint, systems ...string) bool {
	for _, cp := range cps {
		for _, s := range systems {
			if cp.System == s && cp.Value != "" && cp.Use != "old" {
				return true
			}
		}
	}
	return false
}

// safeType reports whether s looks like a FHIR resource type name, so
// that it may appear in counts shown to users.
func safeType(s string) bool {
	if len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// openNDJSON reads one resource per line.
func (r *Reader) openNDJSON(br *bufio.Reader) func() (rapport.ImportRecord, error) {
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), r.opts.MaxLineBytes)
	line := 0
	return func() (rapport.ImportRecord, error) {
		for sc.Scan() {
			line++
			b := sc.Bytes()
			if line == 1 {
				b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
			}
			b = bytes.TrimSpace(b)
			if len(b) == 0 {
				continue
			}
			rec, ok, err := r.resource(b, r.where(line), "", nil)
			if err != nil || ok {
				return rec, err
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				r.done = io.EOF
				return rapport.ImportRecord{}, recordErr(r.where(line+1), "", "line longer than %d bytes", r.opts.MaxLineBytes)
			}
			r.done = &rapport.Error{Code: rapport.EINTERNAL, Message: r.name + ": cannot read file", Err: err}
			return rapport.ImportRecord{}, r.done
		}
		return rapport.ImportRecord{}, io.EOF
	}
}

// jsonEntry is one resource of a JSON document, with its position.
type jsonEntry struct {
	line     int
	fullURL  string
	resource json.RawMessage
	err      error
}

// openJSON reads a Bundle or a single resource.
func (r *Reader) openJSON(br *bufio.Reader) (func() (rapport.ImportRecord, error), error) {
	data, err := io.ReadAll(io.LimitReader(br, r.opts.MaxBundleBytes+1))
	if err != nil {
		return nil, &rapport.Error{Code: rapport.EINTERNAL, Message: r.name + ": cannot read file", Err: err}
	}
	if int64(len(data)) > r.opts.MaxBundleBytes {
		return nil, rapport.Errorf(rapport.EINVALID, "%s: JSON document larger than %d bytes; export it as NDJSON", r.name, r.opts.MaxBundleBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := newLineIndex(data)
	entries := r.scanJSON(data, lines)

	// Full URLs of Patient entries, so that Consents referring to
	// "urn:uuid:…" find the patient whatever the entry order.
	alias := make(map[string]string)
	for _, e := range entries {
		if e.err != nil || e.fullURL == "" {
			continue
		}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if json.Unmarshal(e.resource, &head) == nil && head.ResourceType == "Patient" && head.ID != "" {
			alias[e.fullURL] = head.ID
		}
	}
	i := 0
	return func() (rapport.ImportRecord, error) {
		for i < len(entries) {
			e := entries[i]
			i++
			if e.err != nil {
				return rapport.ImportRecord{}, e.err
			}
			rec, ok, err := r.resource(e.resource, r.where(e.line), e.fullURL, alias)
			if err != nil || ok {
				return rec, err
			}
		}
		return rapport.ImportRecord{}, io.EOF
	}, nil
}

// scanJSON splits a document into resources: the entries of a Bundle, or
// the document itself. It streams the top-level object so that a syntax
// error late in a Bundle still yields the entries before it, then an
// error entry at the offending line.
func (r *Reader) scanJSON(data []byte, lines *lineIndex) []jsonEntry {
	start := skipSpace(data, 0)
	dec := json.NewDecoder(bytes.NewReader(data))
	var (
		out          []jsonEntry
		resourceType string
	)
	fail := func(err error) []jsonEntry {
		if resourceType != "Bundle" && resourceType != "" {
			out = nil // a single resource: nothing before the error counts
		}
		return append(out, jsonEntry{err: jsonSyntax(r, err, data, lines)})
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if d, _ := tok.(json.Delim); d != '{' {
		return []jsonEntry{{err: recordErr(r.where(lines.line(start)), "", "not a FHIR resource (want a JSON object)")}}
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		switch key {
		case "resourceType":
			if err := dec.Decode(&resourceType); err != nil {
				return fail(err)
			}
		case "entry":
			entries, err := r.scanEntries(dec, data, lines)
			out = append(out, entries...)
			if err != nil {
				return fail(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(&json.SyntaxError{Offset: dec.InputOffset()})
	}
	if resourceType != "Bundle" {
		// One resource per file, like the official examples.
		return []jsonEntry{{line: lines.line(start), resource: data}}
	}
	return out
}

// scanEntries reads Bundle.entry.
func (r *Reader) scanEntries(dec *json.Decoder, data []byte, lines *lineIndex) ([]jsonEntry, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, _ := tok.(json.Delim); d != '[' {
		return []jsonEntry{{err: recordErr(r.where(lines.line(int(dec.InputOffset()))), "entry", "not an array")}}, nil
	}
	var out []jsonEntry
	for n := 1; dec.More(); n++ {
		pos := skipSpace(data, int(dec.InputOffset()))
		var e struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		}
		if err := dec.Decode(&e); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				out = append(out, jsonEntry{err: recordErr(r.where(lines.line(pos)), "entry", "entry %d is not an object with a resource", n)})
				continue
			}
			return out, err
		}
		if len(e.Resource) == 0 {
			r.ignore("Bundle entry (no resource)")
			continue
		}
		line := lines.line(pos)
		end := min(int(dec.InputOffset()), len(data))
		if rs := bytes.Index(data[pos:end], []byte(`"resource"`)); rs >= 0 {
			// Point at the resource inside the entry: that is where the
			// fields an error names are.
			line = lines.line(pos + rs)
		}
		out = append(out, jsonEntry{line: line, fullURL: e.FullURL, resource: e.Resource})
	}
	_, err = dec.Token() // ]
	return out, err
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n' || data[i] == ',') {
		i++
	}
	return i
}

// jsonSyntax turns a decoding error into a *rapport.RecordError at the
// line of the offending byte.
func jsonSyntax(r *Reader, err error, data []byte, lines *lineIndex) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return recordErr(r.where(lines.line(int(se.Offset))), "", "not valid JSON")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "unexpected end") {
		return recordErr(r.where(lines.line(len(data))), "", "not valid JSON (unexpected end of file)")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return recordErr(r.where(lines.line(int(te.Offset))), "", "JSON %s where a string is expected", te.Value)
	}
	return recordErr(r.where(1), "", "not a valid FHIR JSON document")
}

// lineIndex maps byte offsets to 1-based line numbers.
type lineIndex struct{ starts []int }

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) line(off int) int {
	lo, hi := 0, len(li.starts)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}
