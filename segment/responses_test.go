package segment

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseResponsesCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		line, col  int
		wantInText string
	}{
		{"empty file", "", 0, 0, "empty file"},
		{"header only", "id,a,b\n", 0, 0, "no respondents"},
		{"header without items", "id\n", 1, 1, "header"},
		{"empty item name", "id,a,,b\n", 1, 3, "empty item"},
		{"duplicate item", "id,a,b,a\n", 1, 4, "repeats"},
		{"non-numeric", "id,a,b\nr1,1,2\nr2,x,3\n", 3, 2, `item "a": not an integer`},
		{"decimal", "id,a,b\nr1,1,2.5\n", 2, 3, "not an integer"},
		{"out of range high", "id,a,b\nr1,1,6\n", 2, 3, "out of range"},
		{"out of range zero", "id,a,b\nr1,0,1\n", 2, 2, "out of range"},
		{"ragged short", "id,a,b\nr1,1,2\nr2,1\n", 3, 3, "2 columns"},
		{"ragged long", "id,a,b\nr1,1,2,3\n", 2, 4, "4 columns"},
		{"duplicate id", "id,a\nr1,1\nr2,2\nr1,3\n", 4, 1, "first on line 2"},
		{"empty id", "id,a\n,1\n", 2, 1, "empty respondent id"},
		{"bad quoting", "id,a\nr1,\"1\n", 2, 0, "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResponsesCSV(strings.NewReader(tc.in))
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("ParseResponsesCSV(%q) error = %v, want *Error", tc.in, err)
			}
			if se.Code != EINVALID {
				t.Errorf("code = %q, want %q", se.Code, EINVALID)
			}
			if tc.line != 0 && se.Line != tc.line {
				t.Errorf("ParseResponsesCSV(%q) line = %d, want %d (%v)", tc.in, se.Line, tc.line, err)
			}
			if tc.col != 0 && se.Column != tc.col {
				t.Errorf("ParseResponsesCSV(%q) column = %d, want %d (%v)", tc.in, se.Column, tc.col, err)
			}
			if !strings.Contains(err.Error(), tc.wantInText) {
				t.Errorf("ParseResponsesCSV(%q) error = %q, want it to contain %q", tc.in, err, tc.wantInText)
			}
			if strings.Contains(err.Error(), "r1") && tc.name == "duplicate id" {
				t.Errorf("error %q repeats a respondent id", err)
			}
		})
	}
}

func TestParseResponsesCSV(t *testing.T) {
	in := "\ufeffid,own-1,doc-1\r\np1, 3 ,\r\n\"p,2\",5,1\r\n"
	rs, err := ParseResponsesCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rs.Items, "|"), "own-1|doc-1"; got != want {
		t.Errorf("items = %q, want %q", got, want)
	}
	if got, want := strings.Join(rs.IDs, "|"), "p1|p,2"; got != want {
		t.Errorf("ids = %q, want %q", got, want)
	}
	if got, want := rs.Values, []uint8{3, 0, 5, 1}; !bytes.Equal(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
	if got := rs.Response(0).Answers; len(got) != 1 || got["own-1"] != 3 {
		t.Errorf("Response(0).Answers = %v, want map[own-1:3] (missing left out)", got)
	}
}

func TestResponsesCSVRoundTrip(t *testing.T) {
	rs, _ := Simulate(RandomPopulation(3, 7, 1), 200, 9)
	var buf bytes.Buffer
	if err := rs.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ParseResponsesCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Values, rs.Values) || strings.Join(back.IDs, ",") != strings.Join(rs.IDs, ",") {
		t.Errorf("round trip changed the table")
	}
}

// FuzzParseResponsesCSV checks that the reader never panics, that every
// error is an *Error with a line, and that an accepted table is well formed
// and survives writing and re-reading unchanged.
func FuzzParseResponsesCSV(f *testing.F) {
	for _, s := range []string{
		"id,a,b\nr1,1,2\nr2,,5\n",
		"id,a\n\"x\"\"y\",3\n",
		"id,a,b\nr1,1\n",
		"id,a\nr1,9\n",
		"",
		"id\n",
		"\ufeffid,a\r\nz,4\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ParseResponsesCSV(strings.NewReader(in))
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || se.Code != EINVALID {
				t.Fatalf("error %v is not an EINVALID *Error", err)
			}
			return
		}
		p := len(rs.Items)
		if p == 0 || rs.Len() == 0 || len(rs.Values) != p*rs.Len() {
			t.Fatalf("accepted a malformed table: %d items, %d rows, %d values", p, rs.Len(), len(rs.Values))
		}
		seen := map[string]bool{}
		for _, id := range rs.IDs {
			if id == "" || seen[id] {
				t.Fatalf("accepted an empty or duplicate id")
			}
			seen[id] = true
		}
		for _, v := range rs.Values {
			if v > Categories {
				t.Fatalf("accepted value %d", v)
			}
		}
		var buf bytes.Buffer
		if err := rs.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ParseResponsesCSV(&buf)
		if err != nil {
			t.Fatalf("re-reading written table: %v", err)
		}
		if !bytes.Equal(back.Values, rs.Values) || strings.Join(back.Items, "\x00") != strings.Join(rs.Items, "\x00") || strings.Join(back.IDs, "\x00") != strings.Join(rs.IDs, "\x00") {
			t.Fatalf("write/read round trip changed the table")
		}
	})
}
