package phi

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"", "Dr. Smith saw Maria Lopez on 03/04/2020 at 1422 Birchwood Ave, Apt 3B, Boston, MA 02118.",
		"Call (312) 555-0187 or mail j.doe@example.com, MRN: 123456, SSN 123-45-6789",
		"Domicilio: C/ Mayor, 23, 3º A. CP: 28034 Madrid. NHC: 5467980. 27 de febrero de 2013",
		"my son jayden 😀 is 97 years old lol https://t.co/x 10.0.0.1 ::1 fe80::1:2:3",
		"the 3rd of March, 1HGCM82633A004352 ES9121000418450200051332 4532-7719-0041-2287",
		"\xff\xfe bad utf8 Ñ \u2028 line",
	} {
		f.Add(s)
	}
	d := NewDetector(Config{StaffNames: []string{"Ana Ruiz"}, OrgPhones: []string{"555-0100"}})
	f.Fuzz(func(t *testing.T, text string) {
		spans := d.Scan(text)
		n := utf8.RuneCountInString(text)
		prevEnd := 0
		for k, s := range spans {
			if s.Start < 0 || s.End > n || s.Start >= s.End {
				t.Fatalf("span %d %+v outside text of %d code points", k, s, n)
			}
			if s.Start < prevEnd {
				t.Fatalf("span %d %+v overlaps or is out of order (previous end %d)", k, s, prevEnd)
			}
			if !isContractType(s.Type) {
				t.Fatalf("span %d has type %q outside the contract", k, s.Type)
			}
			prevEnd = s.End
		}
		if again := d.Scan(text); !reflect.DeepEqual(again, spans) {
			t.Fatalf("Scan is not deterministic: %v then %v", spans, again)
		}
	})
}
