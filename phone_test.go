package rapport_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-health/rapport"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		country string
		want    string
	}{
		{"parentheses", "(312) 555-0100", "US", "+13125550100"},
		{"dots", "312.555.0100", "US", "+13125550100"},
		{"plus one spaced", "+1 312 555 0100", "US", "+13125550100"},
		{"leading one", "1-312-555-0100", "US", "+13125550100"},
		{"bare digits", "3125550100", "us", "+13125550100"},
		{"surrounding space", "  312 555 0100\t", "US", "+13125550100"},
		{"tel uri", "tel:+1-312-555-0100", "", "+13125550100"},
		{"tel uri upper with context", "TEL:312-555-0100;phone-context=example.org", "US", "+13125550100"},
		{"canada", "(416) 555-0199", "CA", "+14165550199"},
		{"puerto rico", "787-555-0123", "PR", "+17875550123"},
		{"synthea style", "555-810-7203", "US", "+15558107203"},
		{"nanp international prefix", "011 44 20 7946 0000", "US", "+442079460000"},
		{"plus one elsewhere", "+1 312 555 0100", "NL", "+13125550100"},
		{"netherlands", "+31 6 12345678", "NL", "+31612345678"},
		{"double zero prefix", "0031612345678", "NL", "+31612345678"},
		{"fhir f201", "+31612345678", "", "+31612345678"},
		{"eight digits", "+35 123 456", "", "+35123456"},
		{"fifteen digits", "+423456789012345", "", "+423456789012345"},
		{"slashes", "+49 30/1234567", "DE", "+49301234567"},
		{"already e164", "+13125550100", "US", "+13125550100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rapport.NormalizePhone(tt.in, tt.country)
			if err != nil {
				t.Fatalf("NormalizePhone(%q, %q) error: %v", tt.in, tt.country, err)
			}
			if got != tt.want {
				t.Errorf("NormalizePhone(%q, %q) = %q, want %q", tt.in, tt.country, got, tt.want)
			}
		})
	}
}

func TestNormalizePhoneInvalid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		country string
		msg     string // part of the expected message
	}{
		{"empty", "   ", "US", "empty"},
		{"exchange starts with 0", "(555) 010-0100", "US", "exchange code"},
		{"exchange starts with 1", "312-155-0100", "US", "exchange code"},
		{"area starts with 0", "(03) 5555 6473", "US", "area code"},
		{"area starts with 1", "+1 112 555 0100", "", "area code"},
		{"nine digits", "312 555 010", "US", "10 digits"},
		{"twelve nanp", "+1 312 555 01001", "US", "10 digits after +1"},
		{"extension x", "312-555-0100 x12", "US", "extension"},
		{"extension ext", "312-555-0100 ext. 12", "US", "extension"},
		{"extension hash", "312-555-0100#12", "US", "extension"},
		{"tel ext param", "tel:+1-312-555-0100;ext=12", "", "extension"},
		{"vanity", "1-800-FLOWERS", "US", "letters"},
		{"national without country", "0648352638", "NL", "country code"},
		{"national no default", "3125550100", "", "country code"},
		{"too short international", "+31 612", "", "8 to 15"},
		{"too long international", "+3161234567890123", "", "8 to 15"},
		{"country code zero", "+0 312 555 0100", "", "country code"},
		{"misplaced plus", "31+612345678", "", "'+'"},
		{"two plus", "++31612345678", "", "'+'"},
		{"no digits", "+()-", "US", "no digits"},
		{"unicode digits", "３１２５５５０１００", "US", "not a digit"},
		{"too long input", strings.Repeat("1", 65), "US", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rapport.NormalizePhone(tt.in, tt.country)
			if err == nil {
				t.Fatalf("NormalizePhone(%q, %q) = %q, want an error", tt.in, tt.country, got)
			}
			var e *rapport.Error
			if !errors.As(err, &e) || e.Code != rapport.EINVALID {
				t.Fatalf("NormalizePhone(%q) error %v is not an EINVALID *rapport.Error", tt.in, err)
			}
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("NormalizePhone(%q) message %q, want it to mention %q", tt.in, e.Message, tt.msg)
			}
			assertNoEcho(t, e.Error(), tt.in)
		})
	}
}

// assertNoEcho fails if msg repeats a run of the input's digits or letters
// long enough to identify it.
func assertNoEcho(t *testing.T, msg, in string) {
	t.Helper()
	var b strings.Builder
	for _, r := range in {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '@' {
			b.WriteRune(r)
		}
	}
	core := b.String()
	if len(core) >= 4 && strings.Contains(msg, core) {
		t.Errorf("error message %q repeats the input", msg)
	}
	trimmed := strings.TrimSpace(in)
	if len(trimmed) >= 4 && strings.Contains(msg, trimmed) {
		t.Errorf("error message %q repeats the input", msg)
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"(312) 555-0100", "+31612345678", "tel:+1-312-555-0100;ext=1", "0031612345678",
		"011 44 20 7946 0000", "1-800-FLOWERS", "", "+", "+1", "555-810-7203", "(03) 5555 6473",
	} {
		for _, c := range []string{"US", "NL", ""} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, in, country string) {
		got, err := rapport.NormalizePhone(in, country)
		if err != nil {
			var e *rapport.Error
			if !errors.As(err, &e) || e.Code != rapport.EINVALID {
				t.Fatalf("NormalizePhone(%q, %q) error %v is not an EINVALID *rapport.Error", in, country, err)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", in, country, got)
		}
		for _, c := range []string{country, "US", "NL", ""} {
			again, err := rapport.NormalizePhone(got, c)
			if err != nil || again != got {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want it unchanged", got, c, again, err)
			}
		}
	})
}

func BenchmarkNormalizePhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rapport.NormalizePhone("(312) 555-0142", "US"); err != nil {
			b.Fatal(err)
		}
	}
}
