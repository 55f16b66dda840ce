package importer

import (
	"bufio"
	"io"
	"math/rand/v2"
	"strconv"
)

// SyntheticHeader is the header WriteSyntheticCSV writes.
const SyntheticHeader = "mrn,family,given,birth_date,gender,email,phone,language,time_zone," +
	"address_line,city,state,postal_code,country,tags," +
	"consent_email_care,consent_sms_care,consent_email_marketing,consent_sms_marketing,consent_voice_operations," +
	"consent_at,consent_source"

// WriteSyntheticCSV writes a header and n rows of made-up patients in the
// import CSV format, the same rows for the same seed. No row describes a
// real person: names are combined at random from common name lists,
// e-mail domains are the reserved example.* ones and phone numbers are in
// the fictional 555-01XX range. MRNs are unique ("SYN" and the row
// number), so importing the file twice must create no duplicates.
func WriteSyntheticCSV(w io.Writer, n int, seed int64) error {
	families := []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
		"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
		"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores"}
	givens := []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
		"Luis", "Ana", "Wei", "Mei", "Ahmed", "Fatima", "Olga", "Ivan", "Priya", "Arjun"}
	places := []struct{ city, state, zone, area, zip string }{
		{"Springfield", "IL", "America/Chicago", "217", "627"},
		{"Columbus", "OH", "America/New_York", "614", "432"},
		{"Austin", "TX", "America/Chicago", "512", "787"},
		{"Denver", "CO", "America/Denver", "303", "802"},
		{"Phoenix", "AZ", "America/Phoenix", "602", "850"},
		{"Portland", "OR", "America/Los_Angeles", "503", "972"},
		{"San Juan", "PR", "America/Puerto_Rico", "787", "009"},
		{"Boston", "MA", "America/New_York", "617", "021"},
	}
	streets := []string{"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Park Rd", "Lake View Dr", "Hill St"}
	langs := []string{"en", "en", "en", "en", "es", "es-PR", "zh", "vi"}
	domains := []string{"example.com", "example.org", "example.net"}
	consentVals := []string{"", "granted", "revoked", "yes", "no"}
	genders := []string{"female", "male", "female", "male", "other", "unknown"}

	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(SyntheticHeader)
	bw.WriteByte('\n')
	b := make([]byte, 0, 512)
	for i := 0; i < n; i++ {
		fam := families[rng.IntN(len(families))]
		giv := givens[rng.IntN(len(givens))]
		pl := places[rng.IntN(len(places))]
		b = b[:0]
		b = append(b, "SYN"...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, ',')
		b = append(b, fam...)
		b = append(b, ',')
		b = append(b, giv...)
		b = append(b, ',')
		b = appendDate(b, 1930+rng.IntN(90), 1+rng.IntN(12), 1+rng.IntN(28))
		b = append(b, ',')
		b = append(b, genders[rng.IntN(len(genders))]...)
		b = append(b, ',')
		if rng.IntN(10) < 8 {
			b = append(b, giv...)
			b = append(b, '.')
			b = append(b, fam...)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, '@')
			b = append(b, domains[rng.IntN(len(domains))]...)
		}
		b = append(b, ',')
		if rng.IntN(10) < 9 {
			b = append(b, '(')
			b = append(b, pl.area...)
			b = append(b, ") 555-01"...)
			b = appendPad2(b, rng.IntN(100))
		}
		b = append(b, ',')
		b = append(b, langs[rng.IntN(len(langs))]...)
		b = append(b, ',')
		b = append(b, pl.zone...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(1+rng.IntN(9999)), 10)
		b = append(b, ' ')
		b = append(b, streets[rng.IntN(len(streets))]...)
		b = append(b, ',')
		b = append(b, pl.city...)
		b = append(b, ',')
		b = append(b, pl.state...)
		b = append(b, ',')
		b = append(b, pl.zip...)
		b = appendPad2(b, rng.IntN(100))
		b = append(b, ",US,"...)
		if rng.IntN(4) == 0 {
			b = append(b, "diabetes-program;newsletter"...)
		}
		hasConsent := false
		for range 5 {
			b = append(b, ',')
			v := consentVals[rng.IntN(len(consentVals))]
			hasConsent = hasConsent || v != ""
			b = append(b, v...)
		}
		b = append(b, ',')
		if hasConsent {
			b = appendDate(b, 2018+rng.IntN(8), 1+rng.IntN(12), 1+rng.IntN(28))
			b = append(b, ",registration-form"...)
		} else {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func appendDate(b []byte, y, m, d int) []byte {
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, '-')
	b = appendPad2(b, m)
	b = append(b, '-')
	return appendPad2(b, d)
}

func appendPad2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}
