package campaign

import (
	"strconv"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/message"
)

// BenchmarkAssign is the launch-time cost per recipient of holdout and arm
// assignment (two SHA-256 hashes).
func BenchmarkAssign(b *testing.B) {
	a := Assigner(&rapport.Campaign{HoldoutPercent: 10, Variants: []rapport.Variant{{Segment: "planner", Arm: "A"}, {Segment: "planner", Arm: "B"}}})
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = "01a2008923c9b7824b083ece4761" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a("01a2008923c9b7824b083ece47619dce", ids[i%len(ids)], "planner")
	}
}

// BenchmarkRender is the per-recipient cost of rendering an email variant.
func BenchmarkRender(b *testing.B) {
	c, err := compile(rapport.Variant{Subject: "Hello {{first_name|there}}",
		Text: "Hi {{first_name|there}}, flu shots are in at {{clinic_name}}.\n{{postal_address}}\nUnsubscribe: {{unsubscribe_url}}"})
	if err != nil {
		b.Fatal(err)
	}
	id := Identity{Secret: []byte("k"), BaseURL: "https://r.example.org", OrgName: "General", PostalAddress: "1 Main St"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := render(c, message.Values{FieldFirstName: "Alex", FieldClinicName: id.OrgName,
			message.FieldUnsubscribeURL: id.UnsubscribeURL("01a2008923c9b7824b083ece47619dce"), message.FieldPostalAddress: id.PostalAddress}); err != nil {
			b.Fatal(err)
		}
	}
}
