package phi

import (
	"testing"
)

// find returns the types of the spans of text that exactly cover sub.
func spansText(text string, spans []Span) map[string]Type {
	r := []rune(text)
	out := map[string]Type{}
	for _, s := range spans {
		out[string(r[s.Start:s.End])] = s.Type
	}
	return out
}

func TestScanFinds(t *testing.T) {
	d := NewDetector(Config{})
	if err := d.Err(); err != nil {
		t.Fatalf("NewDetector: %v", err)
	}
	tests := []struct {
		name, text, want string
		typ              Type
	}{
		{"title and surname", "Seen today by Dr. Okafor for follow up.", "Okafor", Name},
		{"full name mid sentence", "Please call Maria Lopez back.", "Maria Lopez", Name},
		{"lower-case relative", "my son jayden broke his arm", "jayden", Name},
		{"name after named", "She named him Frank", "Frank", Name},
		{"initial in name", "Talk by Hanne I. Kreutzmann today", "Hanne I. Kreutzmann", Name},
		{"US phone", "Call (312) 555-0187 today", "(312) 555-0187", Phone},
		{"dashed phone", "my number is 555-301-7742.", "555-301-7742", Phone},
		{"spanish phone", "Teléfono: 963 862 700.", "963 862 700", Phone},
		{"fax keyword", "Fax: 617-555-0177", "617-555-0177", Fax},
		{"email", "write to carla.nguyen84@yahoo.com please", "carla.nguyen84@yahoo.com", Email},
		{"url", "see https://gofund.me/4a7b2c9d now", "https://gofund.me/4a7b2c9d", URL},
		{"bare domain", "visit medbillpay-example.com today", "medbillpay-example.com", URL},
		{"ipv4", "login from 203.0.113.45 at night", "203.0.113.45", IP},
		{"ssn", "SSN 123-45-6789 on file", "123-45-6789", SSN},
		{"mrn", "MRN: 00438817", "00438817", MRN},
		{"member id", "member ID 1EG4-TE5-MK72", "1EG4-TE5-MK72", HealthPlan},
		{"numeric date", "DOB 04/12/1931", "04/12/1931", Date},
		{"iso date", "set for 2024-05-17 per", "2024-05-17", Date},
		{"month day", "discharged on June 3rd and", "June 3rd", Date},
		{"month day year", "on Feb 27, 2024 I got", "Feb 27, 2024", Date},
		{"spanish date", "ingresó el 27 de febrero de 2013 por", "27 de febrero de 2013", Date},
		{"ordinal day", "moved to the 22nd please", "the 22nd", Date},
		{"age over 89", "a 92 year old man", "92 year", Age},
		{"age is", "Grandpa is 97 and tired", "97", Age},
		{"street", "I live at 1422 Birchwood Ave in town", "1422 Birchwood Ave", Location},
		{"spanish street", "Domicilio: C/ Virgen de La Paloma, 14.", "C/ Virgen de La Paloma, 14", Location},
		{"zip after state", "Durham, NC 27702", "27702", Location},
		{"route", "accident on Route 9 today", "Route 9", Location},
		{"hospital", "moved to Mercy General Hospital today", "Mercy General Hospital", Location},
		{"card number", "card 4532-7719-0041-2287 charged", "4532-7719-0041-2287", Account},
		{"vin", "VIN 1HGCM82633A004352", "1HGCM82633A004352", Vehicle},
		{"signing initials line", "Plan: d/c home.\nJT/mk", "mk", Name},
		{"initials after dash", "Brother will be HCP. -LK", "LK", Name},
		{"transcribed by", "Dictated by: Harold Fennimore, MD\nTranscribed by: lmw", "lmw", Name},
		{"surname that is a word after Dr", "Seen with Dr. White today.", "White", Name},
		{"given name and stop-word surname", "Patient is followed by Robert Bell, MD.", "Robert Bell", Name},
		{"last, first", "Smith, John\nMRN: 1234567", "Smith, John", Name},
		{"shouted last, first", "Patient: FITZGERALD, CORNELIUS\nUnit No: 212", "FITZGERALD, CORNELIUS", Name},
		{"sentence-start given name", "David is a very sympathetic person.", "David", Name},
		{"name after question", "What's your last name? Matthíasson", "Matthíasson", Name},
		{"saint hospital", "transferred from St. Elizabeth's to home", "St. Elizabeth's", Location},
		{"practice", "PCP at Riverside Family Practice notified", "Riverside Family Practice", Location},
		{"nursing home", "Arrived from Sunrise Manor Nursing Home today", "Sunrise Manor Nursing Home", Location},
		{"hyphenated hospital", "She presented to Newton-Wellesley Hospital.", "Newton-Wellesley Hospital", Location},
		{"day-month-year", "Date: 02-Feb-2095", "02-Feb-2095", Date},
		{"age label", "Name: X  Age: 94  MRN: 1", "94", Age},
		{"age y.o.", "a 95 y.o. woman", "95 y.o", Age},
		{"age in words", "a ninety-two year old woman", "ninety-two year", Age},
		{"po box", "send it to P.O. Box 242 please", "P.O. Box 242", Location},
		{"house number before via", "Billing address: 3482 Via Franscini 71 Suite 838", "3482 Via Franscini 71 Suite 838", Location},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := spansText(tt.text, d.Scan(tt.text))
			typ, ok := got[tt.want]
			if !ok {
				t.Fatalf("Scan(%q) = %v, want a span %q", tt.text, got, tt.want)
			}
			if typ != tt.typ {
				t.Errorf("Scan(%q): span %q has type %s, want %s", tt.text, tt.want, typ, tt.typ)
			}
		})
	}
}

func TestScanLeavesAlone(t *testing.T) {
	d := NewDetector(Config{})
	tests := []struct{ name, text string }{
		{"generic question", "What are your visiting hours?"},
		{"praise", "Shoutout to the whole team, you guys are amazing"},
		{"bare year", "The orchestra was founded in 1977."},
		{"young age", "My daughter is 16 and needs a sports physical"},
		{"country", "We flew back from Norway last week."},
		{"dose", "Take 500mg twice a day for 10 days."},
		{"money", "They charged me $1,250 for that."},
		{"fraction", "About 3/4 of the staff were out."},
		{"vitals", "heart rate is 112 and bp 140/90"},
		{"handle", "@StMarysHealth thanks for the help"},
		{"time", "Open until 10:30 pm."},
		{"chief complaint", "CC: Chest pain"},
		{"service heading", "Anticoagulation Clinic\nINR 2.4 (goal 2-3)"},
		{"note heading", "Nursing Note"},
		{"cycle count", "remdesivir day 3/5"},
		{"credential before a sentence", "Visit by the nurse, RN. Wound vac changed."},
		{"ninety percent", "Ninety percent of cases resolve."},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Scan(tt.text); len(got) != 0 {
				t.Errorf("Scan(%q) = %v, want no spans", tt.text, spansText(tt.text, got))
			}
		})
	}
}

func TestScanConfigPublic(t *testing.T) {
	d := NewDetector(Config{
		OrgNames:   []string{"Lakeside Health"},
		StaffNames: []string{"Priya Raman"},
		OrgPhones:  []string{"+1 (617) 555-0100"},
		OrgURLs:    []string{"https://lakeside.example.org"},
		OrgEmails:  []string{"care@lakeside.example.org"},
	})
	text := "Dr. Raman says call 617-555-0100 or care@lakeside.example.org, not Maria Lopez at 617-555-0142."
	got := spansText(text, d.Scan(text))
	for _, public := range []string{"Raman", "617-555-0100", "care@lakeside.example.org"} {
		if _, ok := got[public]; ok {
			t.Errorf("Scan(%q) flags the public %q: %v", text, public, got)
		}
	}
	for _, private := range []string{"Maria Lopez", "617-555-0142"} {
		if _, ok := got[private]; !ok {
			t.Errorf("Scan(%q) = %v, want %q flagged", text, got, private)
		}
	}
}

func TestScanCodePoints(t *testing.T) {
	d := NewDetector(Config{})
	text := "Señora Núñez 😀 llamó al 913 908 121 ayer"
	spans := d.Scan(text)
	got := spansText(text, spans)
	if got["913 908 121"] != Phone {
		t.Errorf("Scan(%q) = %v, want the phone at code-point offsets", text, got)
	}
}
