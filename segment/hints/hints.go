package hints

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rapport-health/rapport/segment"
)

// Item is one HINTS variable used as a segmentation item.
type Item struct {
	Name    string // the HINTS variable name, also the item id in the output
	Valid   int    // substantive codes are 1..Valid; anything else is missing
	Reverse bool   // recode v as Valid+1-v so that higher means more
	Meaning string // what a high recoded answer means
}

// Items returns the variables Convert keeps, in output order.
func Items() []Item {
	trust := func(name, src string) Item {
		return Item{name, 4, true, "trusts " + src + " more (4 = a lot)"}
	}
	agree := func(name, what string) Item {
		return Item{name, 4, true, "agrees more that " + what + " (4 = strongly agree)"}
	}
	always := func(name, what string) Item {
		return Item{name, 4, true, "providers more often " + what + " (4 = always)"}
	}
	return []Item{
		trust("HC07aTrustDoctor", "doctors"), trust("HC07bTrustFamily", "family"), trust("HC07cTrustNewsMag", "newspapers and magazines"),
		trust("HC07dTrustRadio", "radio"), trust("HC07eTrustInternet", "the internet"), trust("HC07fTrustTV", "television"),
		trust("HC07gTrustGov", "government health agencies"), trust("HC07hTrustCharities", "charities"), trust("HC07iTrustReligiousOrgs", "religious organisations"),
		{"HC06ConfidentGetHealthInfo", 5, true, "more confident of getting health information (5 = completely)"},
		{"HS11TakeCareHealth", 5, true, "more confident of taking care of own health (5 = completely)"},
		{"HS12AvoidDoc", 2, true, "avoids the doctor (2 = true, 1 = not true)"},
		agree("CS05CancerFatal", "cancer means death"),
		agree("CS08BehaviorCausesCancer", "cancer is caused by behaviour"),
		agree("CS09CheckEarlyDetect", "check-ups find cancer early"),
		agree("CS11EarlyDetectCured", "early cancer can be cured"),
		agree("CS12EverythingCauseCancer", "everything causes cancer"),
		agree("CS13PreventNotPossible", "little can be done to prevent cancer"),
		agree("CS14TooManyRecommendations", "there are too many recommendations"),
		{"CS07FreqWorryCancer", 4, false, "worries more often about cancer (4 = all the time)"},
		{"CS02MedStats", 4, false, "finds medical statistics harder (4 = very hard)"},
		agree("CS03AttentionStats", "health information with many numbers is uncomfortable"),
		agree("CS04NumbersHelpful", "numbers help health decisions"),
		{"HS18EMR", 3, true, "sharing records between providers matters more (3 = very important)"},
		{"HS19PHR", 3, true, "getting own records electronically matters more (3 = very important)"},
		agree("HS20InfoSafe", "information given to doctors is safely guarded"),
		{"HD01GeneralHealth", 5, true, "rates own health better (5 = excellent)"},
		always("HS07aAskQuestions", "let them ask all their questions"),
		always("HS07bFeelingsAddressed", "attended to their feelings"),
		always("HS07cInvolvedInDecisions", "involved them in decisions"),
		always("HS07dUnderstoodNextSteps", "made sure they understood next steps"),
		always("HS07eHelpUncertainty", "helped with uncertainty"),
		always("HS07fDrTakeCareNeeds", "could be relied on"),
	}
}

// Report counts, per item, substantive answers, blanks (not asked or not
// answered) and refused/don't-know/other codes turned into missing.
type Report struct {
	Rows     int
	Answered map[string]int
	Blank    map[string]int
	Excluded map[string]int
}

// Convert reads the HINTS CSV (header of variable names, CaseNo first) and
// returns the recoded response table, ids being CaseNo.
func Convert(r io.Reader) (*segment.Responses, *Report, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, nil, &segment.Error{Code: segment.EINVALID, Message: "empty HINTS file"}
	}
	if err != nil {
		return nil, nil, &segment.Error{Code: segment.EINVALID, Message: "reading HINTS header", Err: err}
	}
	col := map[string]int{}
	for j, h := range head {
		col[h] = j
	}
	items := Items()
	idCol, ok := col["CaseNo"]
	if !ok {
		return nil, nil, &segment.Error{Code: segment.EINVALID, Message: "line 1: no CaseNo column", Line: 1}
	}
	cols := make([]int, len(items))
	rs := &segment.Responses{}
	rep := &Report{Answered: map[string]int{}, Blank: map[string]int{}, Excluded: map[string]int{}}
	for i, it := range items {
		c, ok := col[it.Name]
		if !ok {
			return nil, nil, &segment.Error{Code: segment.EINVALID, Message: fmt.Sprintf("line 1: no %s column", it.Name), Line: 1}
		}
		cols[i] = c
		rs.Items = append(rs.Items, it.Name)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, &segment.Error{Code: segment.EINVALID, Message: fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err), Line: pe.Line, Column: pe.Column}
			}
			return nil, nil, &segment.Error{Code: segment.EINVALID, Message: "reading HINTS", Err: err}
		}
		line, _ := cr.FieldPos(0)
		rep.Rows++
		rs.IDs = append(rs.IDs, strings.TrimSpace(rec[idCol]))
		for i, it := range items {
			cell := strings.TrimSpace(rec[cols[i]])
			if cell == "" {
				rep.Blank[it.Name]++
				rs.Values = append(rs.Values, 0)
				continue
			}
			v, err := strconv.Atoi(cell)
			if err != nil {
				return nil, nil, &segment.Error{Code: segment.EINVALID, Message: fmt.Sprintf("line %d, column %d (%s): not an integer", line, cols[i]+1, it.Name), Line: line, Column: cols[i] + 1}
			}
			if v < 1 || v > it.Valid {
				rep.Excluded[it.Name]++
				rs.Values = append(rs.Values, 0)
				continue
			}
			if it.Reverse {
				v = it.Valid + 1 - v
			}
			rep.Answered[it.Name]++
			rs.Values = append(rs.Values, uint8(v))
		}
	}
	if rep.Rows == 0 {
		return nil, nil, &segment.Error{Code: segment.EINVALID, Message: "HINTS file has a header but no rows"}
	}
	return rs, rep, nil
}
