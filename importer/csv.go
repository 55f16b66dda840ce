package importer

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/fhir"
)

// column kinds of the CSV format (docs/import.md).
type colKind int

const (
	colIgnore colKind = iota
	colMRN
	colFHIRID
	colIdentifier // identifier:<system>
	colFamily
	colGiven
	colBirthDate
	colGender
	colEmail
	colPhone
	colLanguage
	colTimeZone
	colAddressLine
	colAddressLine2
	colCity
	colState
	colPostalCode
	colCountry
	colTags
	colConsent // consent_<channel>_<purpose>
	colConsentAt
	colConsentSource
	colConsentEvidence
)

type column struct {
	kind    colKind
	name    string // as normalised, for messages
	system  string // colIdentifier
	channel rapport.Channel
	purpose rapport.Purpose
}

type csvReader struct {
	r        *Reader
	cr       *csv.Reader
	cols     []column
	hasIDCol bool
	nIDCols  int
	country  int // index of the country column, or -1
	consents bool

	// Slabs: rows take their Patient, identifiers and consent events from
	// chunks allocated together, which halves the allocations per row. A
	// chunk lives while any record from it does.
	patients []rapport.Patient
	ids      []rapport.Identifier
	events   []rapport.ConsentEvent
	strs     []string
	slab     int // current chunk size in rows
	nLines   int // address line columns
}

// maxSlab is the largest chunk, in rows; chunks start small and double,
// so that a short file allocates little.
const maxSlab = 256

func (c *csvReader) newPatient() *rapport.Patient {
	if len(c.patients) == 0 {
		c.slab = min(max(2*c.slab, 8), maxSlab)
		c.patients = make([]rapport.Patient, c.slab)
	}
	p := &c.patients[0]
	c.patients = c.patients[1:]
	return p
}

// take returns an empty slice with capacity n carved from *slab, which
// is refilled with room for rows rows of n when short.
func take[T any](slab *[]T, n, rows int) []T {
	if n == 0 {
		return nil
	}
	if len(*slab) < n {
		*slab = make([]T, n*rows)
	}
	out := (*slab)[:0:n]
	*slab = (*slab)[n:]
	return out
}

func (r *Reader) openCSV(br *bufio.Reader) (func() (rapport.ImportRecord, error), error) {
	if b, _ := br.Peek(3); string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, recordErr(r.where(1), "", "empty file: a CSV import needs a header line (docs/import.md)")
	}
	if err != nil {
		return nil, csvSyntax(r, err)
	}
	c := &csvReader{r: r, cr: cr, country: -1}
	seen := make(map[string]bool)
	for i, h := range header {
		col, err := parseColumn(h)
		if err != nil {
			// Header cells are named by position: a file without a
			// header would otherwise have its first row quoted.
			return nil, &rapport.RecordError{Where: r.where(1), Field: "column " + strconv.Itoa(i+1), Err: err}
		}
		if col.kind != colIgnore {
			if seen[col.name] {
				return nil, recordErr(r.where(1), "column "+strconv.Itoa(i+1), "column appears twice")
			}
			seen[col.name] = true
		}
		switch col.kind {
		case colMRN, colFHIRID, colIdentifier:
			c.hasIDCol = true
			c.nIDCols++
		case colCountry:
			c.country = i
		case colAddressLine, colAddressLine2:
			c.nLines++
		case colConsent:
			c.consents = true
		}
		c.cols = append(c.cols, col)
	}
	if !c.hasIDCol {
		return nil, recordErr(r.where(1), "mrn", "missing: the header needs mrn, fhir_id or an identifier:<system> column")
	}
	return c.next, nil
}

// parseColumn reads one header cell.
func parseColumn(h string) (column, error) {
	h = strings.TrimSpace(h)
	if len(h) > len("identifier:") && strings.EqualFold(h[:len("identifier:")], "identifier:") {
		system := strings.TrimSpace(h[len("identifier:"):])
		return column{kind: colIdentifier, name: "identifier:" + system, system: system}, nil
	}
	name := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(h))
	kinds := map[string]colKind{
		"mrn": colMRN, "fhir_id": colFHIRID, "family": colFamily, "given": colGiven,
		"birth_date": colBirthDate, "gender": colGender, "email": colEmail, "phone": colPhone,
		"language": colLanguage, "time_zone": colTimeZone, "address_line": colAddressLine,
		"address_line2": colAddressLine2, "city": colCity, "state": colState,
		"postal_code": colPostalCode, "country": colCountry, "tags": colTags,
		"consent_at": colConsentAt, "consent_source": colConsentSource, "consent_evidence": colConsentEvidence,
	}
	if k, ok := kinds[name]; ok {
		return column{kind: k, name: name}, nil
	}
	if rest, ok := strings.CutPrefix(name, "consent_"); ok {
		i := strings.LastIndexByte(rest, '_')
		if i > 0 {
			ch, err1 := rapport.ParseChannel(rest[:i])
			pu, err2 := rapport.ParsePurpose(rest[i+1:])
			if err1 == nil && err2 == nil {
				return column{kind: colConsent, name: name, channel: ch, purpose: pu}, nil
			}
		}
		return column{}, rapport.Errorf(rapport.EINVALID, "%s", "unknown consent column (want consent_<channel>_<purpose>, channel email, sms, voice, social_dm or mail, purpose care, operations or marketing)")
	}
	if strings.HasPrefix(name, "x_") || name == "" {
		return column{kind: colIgnore, name: name}, nil
	}
	return column{}, rapport.Errorf(rapport.EINVALID, "unknown column name (see docs/import.md; prefix a column with x_ to have it ignored)")
}

func csvSyntax(r *Reader, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// ParseError's own texts are fixed ("bare \" in non-quoted-field")
		// and never quote the data.
		return recordErr(r.where(pe.StartLine), "", "CSV syntax: %v", pe.Err)
	}
	return &rapport.Error{Code: rapport.EINTERNAL, Message: r.name + ": cannot read file", Err: err}
}

func (c *csvReader) next() (rapport.ImportRecord, error) {
	for {
		rec, err := c.cr.Read()
		if err == io.EOF {
			return rapport.ImportRecord{}, io.EOF
		}
		if err != nil {
			e := csvSyntax(c.r, err)
			var re *rapport.RecordError
			if !errors.As(e, &re) {
				c.r.done = e
			}
			return rapport.ImportRecord{}, e
		}
		line, _ := c.cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(c.cols) {
			return rapport.ImportRecord{}, recordErr(c.r.where(line), "", "row has %s, the header has %d",
				plural(len(rec), "field", "fields"), len(c.cols))
		}
		return c.row(rec, line)
	}
}

// row maps one CSV row. Strings are substrings of the row, so a row costs
// few allocations.
func (c *csvReader) row(rec []string, line int) (rapport.ImportRecord, error) {
	where := c.r.where(line)
	p := c.newPatient()
	country := c.r.opts.DefaultCountry
	if c.country >= 0 {
		if v := strings.TrimSpace(rec[c.country]); v != "" {
			p.Address.Country = v
			if isNANP(v) {
				country = v
			}
		}
	}
	var (
		consentAt               time.Time
		consentSource, evidence string
		consentCols             [16]int // indexes of set consent columns
		nConsent                int
	)
	p.Identifiers = take(&c.ids, c.nIDCols, c.slab)
	for i := range c.cols {
		col := &c.cols[i]
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue
		}
		switch col.kind {
		case colMRN:
			p.Identifiers = append(p.Identifiers, rapport.Identifier{System: rapport.SystemMRN, Value: v, Type: "MR"})
		case colFHIRID:
			p.Identifiers = append(p.Identifiers, rapport.Identifier{System: rapport.SystemFHIRID, Value: v})
		case colIdentifier:
			p.Identifiers = append(p.Identifiers, rapport.Identifier{System: col.system, Value: v})
		case colFamily:
			p.Family = v
		case colGiven:
			p.Given = v
		case colBirthDate:
			if !fhir.IsDate(v) {
				return rapport.ImportRecord{}, recordErr(where, col.name, "not a date (want YYYY-MM-DD)")
			}
			p.BirthDate = v
		case colGender:
			g, ok := parseGender(v)
			if !ok {
				return rapport.ImportRecord{}, recordErr(where, col.name, "not a gender (want male, female, other or unknown)")
			}
			p.Gender = g
		case colEmail:
			e, err := rapport.NormalizeEmail(v)
			if err != nil {
				return rapport.ImportRecord{}, &rapport.RecordError{Where: where, Field: col.name, Err: err}
			}
			p.Email = e
		case colPhone:
			ph, err := rapport.NormalizePhone(v, country)
			if err != nil {
				return rapport.ImportRecord{}, &rapport.RecordError{Where: where, Field: col.name, Err: err}
			}
			p.Phone = ph
		case colLanguage:
			if !fhir.IsLanguageTag(v) {
				return rapport.ImportRecord{}, recordErr(where, col.name, "not a BCP 47 language tag (e.g. en, es-PR)")
			}
			p.Language = v
		case colTimeZone:
			if !fhir.IsTimeZoneName(v) || !c.r.checkZone(v) {
				return rapport.ImportRecord{}, recordErr(where, col.name, "not an IANA time zone (e.g. America/Chicago)")
			}
			p.TimeZone = v
		case colAddressLine, colAddressLine2:
			if p.Address.Lines == nil {
				p.Address.Lines = take(&c.strs, c.nLines, c.slab)
			}
			p.Address.Lines = append(p.Address.Lines, v)
		case colCity:
			p.Address.City = v
		case colState:
			p.Address.State = v
		case colPostalCode:
			p.Address.PostalCode = v
		case colConsent:
			if nConsent == len(consentCols) {
				return rapport.ImportRecord{}, recordErr(where, col.name, "more than %d consent columns set", len(consentCols))
			}
			consentCols[nConsent] = i
			nConsent++
		case colTags:
			p.Tags = take(&c.strs, strings.Count(v, ";")+1, c.slab)
			for rest := v; rest != ""; {
				var t string
				t, rest, _ = strings.Cut(rest, ";")
				if t = strings.TrimSpace(t); t != "" {
					p.Tags = append(p.Tags, t)
				}
			}
			if len(p.Tags) == 0 {
				p.Tags = nil
			}
		case colConsentAt:
			t, ok := parseConsentTime(v)
			if !ok {
				return rapport.ImportRecord{}, recordErr(where, col.name, "not a time (want YYYY-MM-DD or RFC 3339, e.g. 2026-01-31T09:00:00Z)")
			}
			consentAt = t
		case colConsentSource:
			if len(v) > 64 {
				return rapport.ImportRecord{}, recordErr(where, col.name, "longer than 64 characters")
			}
			consentSource = v
		case colConsentEvidence:
			if len(v) > 256 {
				return rapport.ImportRecord{}, recordErr(where, col.name, "longer than 256 characters")
			}
			evidence = v
		}
	}
	if len(p.Identifiers) == 0 {
		field := "mrn"
		for _, col := range c.cols {
			if col.kind == colMRN || col.kind == colFHIRID || col.kind == colIdentifier {
				field = col.name
				break
			}
		}
		return rapport.ImportRecord{}, recordErr(where, field, "missing: every row needs an identifier")
	}
	out := rapport.ImportRecord{Patient: p, Where: where}
	if nConsent == 0 {
		return out, nil
	}
	if consentAt.IsZero() {
		return rapport.ImportRecord{}, recordErr(where, "consent_at", "missing: required when a consent column is set, so that re-imports and later opt-outs order correctly")
	}
	if consentSource == "" {
		consentSource = "import:csv"
	}
	out.Consents = take(&c.events, nConsent, c.slab)
	for _, i := range consentCols[:nConsent] {
		col := &c.cols[i]
		st, ok := parseConsentValue(strings.TrimSpace(rec[i]))
		if !ok {
			return rapport.ImportRecord{}, recordErr(where, col.name, "not a consent value (want granted, revoked, yes, no, y, n, true, false, 1, 0, opt-in or opt-out)")
		}
		out.Consents = append(out.Consents, rapport.ConsentEvent{
			Channel: col.channel, Purpose: col.purpose, Status: st,
			At: consentAt, Source: consentSource, Evidence: evidence,
		})
	}
	return out, nil
}

func isNANP(country string) bool {
	return strings.EqualFold(country, "US") || strings.EqualFold(country, "CA") || strings.EqualFold(country, "PR")
}

func parseGender(v string) (string, bool) {
	switch strings.ToLower(v) {
	case "male", "m":
		return "male", true
	case "female", "f":
		return "female", true
	case "other", "o":
		return "other", true
	case "unknown", "u":
		return "unknown", true
	}
	return "", false
}

func parseConsentValue(v string) (rapport.ConsentStatus, bool) {
	switch strings.ToLower(v) {
	case "granted", "grant", "yes", "y", "true", "1", "opt-in", "optin", "opt_in", "in", "permit":
		return rapport.ConsentGranted, true
	case "revoked", "revoke", "no", "n", "false", "0", "opt-out", "optout", "opt_out", "out", "deny", "denied", "withdrawn":
		return rapport.ConsentRevoked, true
	}
	return "", false
}

// parseConsentTime reads YYYY-MM-DD (midnight UTC), RFC 3339, or
// "YYYY-MM-DDTHH:MM:SS" / "YYYY-MM-DD HH:MM:SS" without zone (UTC).
func parseConsentTime(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
