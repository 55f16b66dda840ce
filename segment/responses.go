package segment

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Categories is the number of answer categories of every item: a Likert
// scale coded 1..5. 0 means "not answered".
const Categories = 5

// Response is one respondent's answers keyed by item linkId. An absent item
// or a 0 means not answered; any other value must be 1..Categories.
type Response struct {
	ID      string
	Answers map[string]int
}

// Responses is a table of answers: one row per respondent, one column per
// item. It is the bulk form used for fitting and batch classification.
type Responses struct {
	Items  []string // item linkIds, in column order
	IDs    []string // respondent ids, in row order
	Values []uint8  // row-major len(IDs)*len(Items); 0 = missing, else 1..Categories
}

// Len returns the number of respondents.
func (rs *Responses) Len() int { return len(rs.IDs) }

// Row returns respondent i's answers, aligned with rs.Items. The slice aliases rs.
func (rs *Responses) Row(i int) []uint8 {
	p := len(rs.Items)
	return rs.Values[i*p : (i+1)*p : (i+1)*p]
}

// Response returns respondent i as a Response.
func (rs *Responses) Response(i int) Response {
	r := Response{ID: rs.IDs[i], Answers: make(map[string]int, len(rs.Items))}
	for j, v := range rs.Row(i) {
		if v != 0 {
			r.Answers[rs.Items[j]] = int(v)
		}
	}
	return r
}

// Subset returns the rows idx of rs, in that order, sharing nothing with rs.
func (rs *Responses) Subset(idx []int) *Responses {
	p := len(rs.Items)
	out := &Responses{Items: rs.Items, IDs: make([]string, len(idx)), Values: make([]uint8, len(idx)*p)}
	for n, i := range idx {
		out.IDs[n] = rs.IDs[i]
		copy(out.Values[n*p:], rs.Row(i))
	}
	return out
}

// ParseResponsesCSV reads a response table: a header row whose first cell
// names the id column and whose other cells are item linkIds, then one row
// per respondent with the id first and integer answers 1..5, empty meaning
// not answered. Every error names the line and column at fault.
func ParseResponsesCSV(r io.Reader) (*Responses, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1 // ragged rows get our own error, with the line
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, invalidf("empty file: want a header row (id, then one column per item)")
	}
	if err != nil {
		return nil, csvError(err)
	}
	if len(head) < 2 {
		return nil, cellError(1, 1, "header has %d column(s), want an id column and at least one item", len(head))
	}
	rs := &Responses{Items: make([]string, len(head)-1)}
	cols := map[string]int{}
	for j, h := range head[1:] {
		h = strings.TrimSpace(h)
		if j == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if h == "" {
			return nil, cellError(1, j+2, "empty item name in header")
		}
		if c, dup := cols[h]; dup {
			return nil, cellError(1, j+2, "item %q repeats column %d", h, c)
		}
		cols[h] = j + 2
		rs.Items[j] = h
	}
	seen := map[string]int{}
	p := len(rs.Items)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != p+1 {
			return nil, cellError(line, min(len(rec), p+1)+1, "row has %d columns, the header has %d", len(rec), p+1)
		}
		id := strings.TrimSpace(rec[0])
		if id == "" {
			return nil, cellError(line, 1, "empty respondent id")
		}
		if first, dup := seen[id]; dup {
			return nil, cellError(line, 1, "duplicate respondent id (first on line %d)", first)
		}
		seen[id] = line
		for j, cell := range rec[1:] {
			v, err := parseAnswer(cell)
			if err != nil {
				return nil, cellError(line, j+2, "item %q: %v", rs.Items[j], err)
			}
			rs.Values = append(rs.Values, v)
		}
		rs.IDs = append(rs.IDs, id)
	}
	if len(rs.IDs) == 0 {
		return nil, invalidf("no respondents: the file has a header but no data rows")
	}
	return rs, nil
}

func parseAnswer(cell string) (uint8, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("not an integer (want 1..5 or empty)")
	}
	if n < 1 || n > Categories {
		return 0, errors.New("out of range (want 1..5 or empty)")
	}
	return uint8(n), nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		e := cellError(pe.Line, pe.Column, "%v", pe.Err)
		e.Err = nil
		return e
	}
	return &Error{Code: EINVALID, Message: "reading responses", Err: err}
}

// WriteCSV writes rs in the format ParseResponsesCSV reads.
func (rs *Responses) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	rec := make([]string, len(rs.Items)+1)
	rec[0] = "id"
	copy(rec[1:], rs.Items)
	if err := cw.Write(rec); err != nil {
		return err
	}
	digits := [...]string{"", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	for i, id := range rs.IDs {
		rec[0] = id
		for j, v := range rs.Row(i) {
			if int(v) < len(digits) {
				rec[j+1] = digits[v]
			} else {
				rec[j+1] = strconv.Itoa(int(v))
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
