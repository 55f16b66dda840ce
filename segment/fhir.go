package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rapport-health/rapport/instrument"
)

// The minimal FHIR R4 structures segmentation needs. They keep only the
// fields read here; everything else in a resource is ignored.

// Questionnaire is a FHIR R4 Questionnaire, reduced to its items.
type Questionnaire struct {
	ResourceType string              `json:"resourceType"`
	ID           string              `json:"id,omitempty"`
	URL          string              `json:"url,omitempty"`
	Version      string              `json:"version,omitempty"`
	Title        string              `json:"title,omitempty"`
	Item         []QuestionnaireItem `json:"item,omitempty"`
}

// QuestionnaireItem is one question or group of a Questionnaire.
type QuestionnaireItem struct {
	LinkID string              `json:"linkId"`
	Text   string              `json:"text,omitempty"`
	Type   string              `json:"type"`
	Item   []QuestionnaireItem `json:"item,omitempty"`
}

// QuestionnaireResponse is a FHIR R4 QuestionnaireResponse, reduced to what
// scoring needs.
type QuestionnaireResponse struct {
	ResourceType  string         `json:"resourceType"`
	ID            string         `json:"id,omitempty"`
	Questionnaire string         `json:"questionnaire,omitempty"`
	Status        string         `json:"status,omitempty"`
	Subject       *Reference     `json:"subject,omitempty"`
	Authored      string         `json:"authored,omitempty"`
	Item          []ResponseItem `json:"item,omitempty"`
}

// Reference is a FHIR Reference.
type Reference struct {
	Reference string `json:"reference,omitempty"`
}

// ResponseItem is one answered item (or group) of a QuestionnaireResponse.
type ResponseItem struct {
	LinkID string         `json:"linkId"`
	Answer []Answer       `json:"answer,omitempty"`
	Item   []ResponseItem `json:"item,omitempty"`
}

// Answer is one answer value; exactly one of the value fields is set.
type Answer struct {
	ValueInteger *int64   `json:"valueInteger,omitempty"`
	ValueDecimal *float64 `json:"valueDecimal,omitempty"`
	ValueString  *string  `json:"valueString,omitempty"`
	ValueCoding  *Coding  `json:"valueCoding,omitempty"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Item is one question of the open instrument.
type Item struct {
	LinkID  string
	Text    string
	Group   string // the linkId of the enclosing group
	Channel bool   // a direct channel-preference question, never used to segment
}

// Instrument returns the questions of Rapport's open questionnaire (package
// instrument) in order.
func Instrument() []Item {
	var q Questionnaire
	if err := json.Unmarshal(instrument.Questionnaire(), &q); err != nil {
		// The resource is embedded at build time and checked by tests.
		panic("segment: embedded questionnaire is not valid JSON: " + err.Error())
	}
	var out []Item
	var walk func(group string, items []QuestionnaireItem)
	walk = func(group string, items []QuestionnaireItem) {
		for _, it := range items {
			if it.Type == "group" {
				walk(it.LinkID, it.Item)
				continue
			}
			out = append(out, Item{LinkID: it.LinkID, Text: it.Text, Group: group, Channel: strings.HasPrefix(it.LinkID, "ch-")})
		}
	}
	walk("", q.Item)
	return out
}

// ParseQuestionnaireResponse reads a FHIR R4 QuestionnaireResponse and
// returns its answers. The id is the subject reference when present, else
// the resource id. Answers may be valueCoding (code "1".."5"), valueInteger,
// an integral valueDecimal or a numeric valueString; each must be 1..5.
func ParseQuestionnaireResponse(r io.Reader) (Response, error) {
	data, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return Response{}, &Error{Code: EINVALID, Message: "reading QuestionnaireResponse", Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var qr QuestionnaireResponse
	if err := dec.Decode(&qr); err != nil {
		return Response{}, jsonError("QuestionnaireResponse", data, err)
	}
	if qr.ResourceType != "QuestionnaireResponse" {
		return Response{}, invalidf("resourceType is %q, want QuestionnaireResponse", qr.ResourceType)
	}
	resp := Response{ID: qr.ID, Answers: map[string]int{}}
	if qr.Subject != nil && qr.Subject.Reference != "" {
		resp.ID = qr.Subject.Reference
	}
	var walk func(path string, items []ResponseItem) error
	walk = func(path string, items []ResponseItem) error {
		for i, it := range items {
			p := fmt.Sprintf("%s[%d]", path, i)
			if err := walk(p+".item", it.Item); err != nil {
				return err
			}
			if len(it.Answer) == 0 {
				continue
			}
			if it.LinkID == "" {
				return invalidf("%s: answer without a linkId", p)
			}
			if len(it.Answer) > 1 {
				return invalidf("%s (linkId %q): %d answers, want one", p, it.LinkID, len(it.Answer))
			}
			if _, dup := resp.Answers[it.LinkID]; dup {
				return invalidf("%s: linkId %q answered twice", p, it.LinkID)
			}
			v, err := answerValue(it.Answer[0])
			if err != nil {
				return invalidf("%s.answer[0] (linkId %q): %v", p, it.LinkID, err)
			}
			resp.Answers[it.LinkID] = v
		}
		return nil
	}
	if err := walk("item", qr.Item); err != nil {
		return Response{}, err
	}
	return resp, nil
}

func answerValue(a Answer) (int, error) {
	var v float64
	switch {
	case a.ValueCoding != nil:
		n, err := strconv.Atoi(strings.TrimSpace(a.ValueCoding.Code))
		if err != nil {
			return 0, fmt.Errorf("valueCoding.code is not an integer 1..5")
		}
		v = float64(n)
	case a.ValueInteger != nil:
		v = float64(*a.ValueInteger)
	case a.ValueDecimal != nil:
		v = *a.ValueDecimal
	case a.ValueString != nil:
		n, err := strconv.Atoi(strings.TrimSpace(*a.ValueString))
		if err != nil {
			return 0, fmt.Errorf("valueString is not an integer 1..5")
		}
		v = float64(n)
	default:
		return 0, fmt.Errorf("no valueCoding, valueInteger, valueDecimal or valueString")
	}
	if v != math.Trunc(v) || v < 1 || v > Categories {
		return 0, fmt.Errorf("value out of range (want 1..5)")
	}
	return int(v), nil
}

// jsonError turns a decoding error into one that names the line and column.
func jsonError(what string, data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
		err = fmt.Errorf("field %q: wrong JSON type %s", e.Field, e.Value)
	}
	if off < 0 {
		return &Error{Code: EINVALID, Message: what + ": invalid JSON", Err: err}
	}
	line, col := 1, 1
	for _, b := range data[:min(int(off), len(data))] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{Code: EINVALID, Message: fmt.Sprintf("%s: line %d, column %d: invalid JSON", what, line, col), Line: line, Column: col, Err: err}
}
