package phi

import "testing"

var benchReplies = []ReplyInput{
	{Reply: "We're sorry to hear this. Please call our Patient Relations team at 555-0100 or email patientrelations@riversidehealth.org.", Post: "Waited 4 hours in the ER and nobody told me anything.", Author: "kaylee_runs"},
	{Reply: "Glad your knee is healing after last week's surgery! Dr. Alvarez says hi.", Post: "Great care from the ortho team, thank you!", Author: "jp_outdoors"},
	{Reply: "Thank you for the kind words! We'll share them with our teams."},
	{Reply: "Flu shots are available at all our clinics, no appointment needed! Find hours at riversidehealth.org."},
}

func benchGuard(b *testing.B, det *Detector) {
	g := NewGuard(det, guardTestOrg)
	n := 0
	for _, r := range benchReplies {
		n += len(r.Reply) + len(r.Post)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range benchReplies {
			g.CheckReply(r)
		}
	}
	b.ReportMetric(float64(b.N*len(benchReplies))/b.Elapsed().Seconds(), "replies/s")
}

// BenchmarkCheckReply measures the guard's own rules (no detector).
func BenchmarkCheckReply(b *testing.B) { benchGuard(b, nil) }

// BenchmarkCheckReplyWithDetector measures the guard with the identifier
// detector, as `rapport phi check-reply` runs it.
func BenchmarkCheckReplyWithDetector(b *testing.B) {
	det := NewDetector(Config{})
	if err := det.Err(); err != nil {
		b.Fatal(err)
	}
	benchGuard(b, det)
}

func BenchmarkDisclosure(b *testing.B) {
	g := NewGuard(nil, Org{})
	posts := []string{
		"Just got diagnosed with type 2 diabetes and I'm terrified. Any tips?",
		"My mom was treated terribly on the 4th floor after her fall.",
		"Is parking free at the hospital?",
	}
	n := 0
	for _, p := range posts {
		n += len(p)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range posts {
			g.Disclosure(p)
		}
	}
}

func BenchmarkNewGuard(b *testing.B) {
	for b.Loop() {
		NewGuard(nil, guardTestOrg)
	}
}
