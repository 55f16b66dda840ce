package rapport_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rapport-health/rapport"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "ann@example.org", "ann@example.org"},
		{"trimmed", "  ann@example.org\n", "ann@example.org"},
		{"upper case", "Ann.Lee@Example.ORG", "ann.lee@example.org"},
		{"mailto", "mailto:ann@example.org", "ann@example.org"},
		{"plus tag", "ann+rapport@mail.example.co.uk", "ann+rapport@mail.example.co.uk"},
		{"atext", "o'brien_j!#@example.org", "o'brien_j!#@example.org"},
		{"idn punycode", "ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"},
		{"fhir f001", "p.heuvel@gmail.com", "p.heuvel@gmail.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rapport.NormalizeEmail(tt.in)
			if err != nil {
				t.Fatalf("NormalizeEmail(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeEmailInvalid(t *testing.T) {
	tests := []struct {
		name, in, msg string
	}{
		{"empty", " ", "empty"},
		{"no at", "ann.example.org", "no '@'"},
		{"two at", "ann@lee@example.org", "more than one"},
		{"empty local", "@example.org", "local part"},
		{"long local", strings.Repeat("a", 65) + "@example.org", "local part"},
		{"leading dot", ".ann@example.org", "dot"},
		{"double dot", "ann..lee@example.org", "dot"},
		{"space", "ann lee@example.org", "not allowed before"},
		{"display name", "Ann <ann@example.org>", "not allowed"},
		{"quoted", `"ann"@example.org`, "not allowed before"},
		{"single label", "ann@localhost", "two labels"},
		{"empty label", "ann@example..org", "invalid domain"},
		{"hyphen label", "ann@-example.org", "invalid domain"},
		{"underscore domain", "ann@ex_ample.org", "not allowed in a domain"},
		{"unicode domain", "ann@bücher.example", "not allowed in a domain"},
		{"too long", strings.Repeat("a", 60) + "@" + strings.Repeat("b", 200) + ".org", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rapport.NormalizeEmail(tt.in)
			if err == nil {
				t.Fatalf("NormalizeEmail(%q) = %q, want an error", tt.in, got)
			}
			var e *rapport.Error
			if !errors.As(err, &e) || e.Code != rapport.EINVALID {
				t.Fatalf("NormalizeEmail(%q) error %v is not an EINVALID *rapport.Error", tt.in, err)
			}
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("NormalizeEmail(%q) message %q, want it to mention %q", tt.in, e.Message, tt.msg)
			}
			assertNoEcho(t, e.Error(), tt.in)
		})
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ann@example.org", "Ann.Lee@Example.ORG", "mailto: x@y.z", "@", "a@b", "a..b@c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := rapport.NormalizeEmail(in)
		if err != nil {
			var e *rapport.Error
			if !errors.As(err, &e) || e.Code != rapport.EINVALID {
				t.Fatalf("NormalizeEmail(%q) error %v is not an EINVALID *rapport.Error", in, err)
			}
			return
		}
		if got != strings.ToLower(got) || strings.TrimSpace(got) != got || strings.Count(got, "@") != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q: not trimmed lower-case with one '@'", in, got)
		}
		again, err := rapport.NormalizeEmail(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

func BenchmarkNormalizeEmail(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rapport.NormalizeEmail("Ana.Rivera.17@Example.org"); err != nil {
			b.Fatal(err)
		}
	}
}
