package phi

import (
	"strings"
	"sync"
	"testing"
)

var guardTestOrg = Org{
	Names:  []string{"Riverside Health", "@RiversideHealth"},
	Phones: []string{"555-0100"},
	URLs:   []string{"https://www.riversidehealth.org"},
	Emails: []string{"patientrelations@riversidehealth.org"},
}

func TestCheckReplyBlocks(t *testing.T) {
	g := NewGuard(nil, guardTestOrg)
	for _, tc := range []struct {
		name, reply, post, author, code string
	}{
		{"chart", "We reviewed your chart and everything was handled correctly.", "", "", CodeCareRelation},
		{"records", "Our records show you were discharged the same day.", "", "", CodeCareRelation},
		{"here tuesday", "When you were here Tuesday, our staff followed protocol.", "", "", CodeCareRelation},
		{"your visit", "We're sorry about your visit.", "", "", CodeCareRelation},
		{"your appointment", "We apologize that your appointment started late.", "", "", CodeCareRelation},
		{"knee healing", "Glad your knee is healing after last week!", "", "", CodeHealthDetail},
		{"your doctor", "Your doctor will reach out to discuss this.", "", "", CodeCareRelation},
		{"your surgeon", "We've passed this on to your surgeon.", "", "", CodeCareRelation},
		{"stay", "We hope the food improves, and we're sorry about the noise during your stay.", "", "", CodeCareRelation},
		{"team that treated you", "We've shared your feedback with the team that treated you.", "", "", CodeCareRelation},
		{"diagnosis", "We understand your depression diagnosis has been hard.", "", "", CodeHealthDetail},
		{"relative", "We hope your father's stroke recovery goes well.", "", "", CodeHealthDetail},
		{"insurance", "Your insurance did not cover the procedure.", "", "", CodeBillingDetail},
		{"bill", "Please call us about your bill.", "", "", CodeBillingDetail},
		{"medication", "Your metformin dose was correct.", "", "", CodeHealthDetail},
		{"results", "Your results are normal.", "", "", CodeHealthDetail},
		{"unmask", "Hi Jennifer, we're sorry to hear this.", "", "mommy2three", CodePosterUnmasked},
		{"surname", "Thank you, Dana Robinson!", "", "dana_r", CodePosterUnmasked},
		{"courtesy title", "Ms. Patterson, we followed our policy.", "", "", CodeIdentifier},
		{"post name", "We hope Lena is feeling better.", "My sister Lena was in your ICU.", "", CodeIdentifier},
		{"other phone", "We tried you at (555) 867-5309.", "", "", CodeIdentifier},
		{"other email", "We sent the form to jdoe1984@example.com.", "", "", CodeIdentifier},
		{"room", "Congratulations to the family in room 210!", "", "", CodeIdentifier},
		{"thanks for coming", "Thanks for coming in yesterday!", "", "", CodeCareRelation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := g.CheckReply(ReplyInput{Reply: tc.reply, Post: tc.post, Author: tc.author})
			if v.Action != Block {
				t.Fatalf("CheckReply(%q) = %s %v, want block", tc.reply, v.Action, v.Reasons)
			}
			if !hasCode(v.Reasons, tc.code) {
				t.Errorf("CheckReply(%q) reasons = %v, want one with code %s", tc.reply, v.Reasons, tc.code)
			}
			if v.Suggestion == "" {
				t.Errorf("CheckReply(%q) blocked without a suggestion", tc.reply)
			}
			for _, r := range v.Reasons {
				if r.Message == "" {
					t.Errorf("reason %s has no message", r.Code)
				}
			}
		})
	}
}

func TestCheckReplyAllows(t *testing.T) {
	g := NewGuard(nil, guardTestOrg)
	for _, tc := range []struct{ name, reply, author string }{
		{"apology", "We're sorry to hear this. Please call our Patient Relations team at 555-0100 or email patientrelations@riversidehealth.org.", ""},
		{"general info", "Flu shots help protect you and your family.", ""},
		{"praise", "Thank you for the kind words! We'll share them with our teams.", ""},
		{"announcement", "Flu shots are available at all our clinics.", ""},
		{"advice", "Talk to your doctor about when to start colon cancer screening.", ""},
		{"schedule", "Schedule your screening mammogram online at riversidehealth.org.", ""},
		{"handle", "Thanks, Kaylee! We'll pass this along.", "kaylee_runs"},
		{"org url path", "Find hours at riversidehealth.org/locations.", ""},
		{"did you know", "Did you know dry mouth can raise your risk of cavities?", ""},
		{"bring card", "Bring your insurance card to every visit.", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := g.CheckReply(ReplyInput{Reply: tc.reply, Author: tc.author})
			if v.Action != Allow {
				t.Errorf("CheckReply(%q) = %s %v, want allow", tc.reply, v.Action, v.Reasons)
			}
			if v.Suggestion != "" {
				t.Errorf("CheckReply(%q) suggestion = %q, want none", tc.reply, v.Suggestion)
			}
		})
	}
}

func TestCheckReplyWarns(t *testing.T) {
	g := NewGuard(nil, guardTestOrg)
	for _, tc := range []struct{ name, reply string }{
		{"feel better", "We hope you're feeling better."},
		{"relative", "We're sorry to hear about your mom's experience."},
		{"name, no author", "Hi Jennifer, we're sorry to hear this."},
		{"external link", "Read more at example.com/flu."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := g.CheckReply(ReplyInput{Reply: tc.reply})
			if v.Action != Warn {
				t.Errorf("CheckReply(%q) = %s %v, want warn", tc.reply, v.Action, v.Reasons)
			}
		})
	}
}

// A suggested rewrite must itself pass the guard.
func TestSuggestionIsSafe(t *testing.T) {
	for _, org := range []Org{guardTestOrg, {}, {URLs: []string{"riversidehealth.org"}}, {Emails: []string{"help@riversidehealth.org"}}} {
		g := NewGuard(nil, org)
		for _, reply := range []string{
			"We reviewed your chart, Ms. Patterson.",
			"Thank you! So glad your knee surgery went well.",
		} {
			v := g.CheckReply(ReplyInput{Reply: reply})
			if v.Action != Block {
				t.Fatalf("CheckReply(%q) = %s, want block", reply, v.Action)
			}
			if s := g.CheckReply(ReplyInput{Reply: v.Suggestion}); s.Action != Allow {
				t.Errorf("suggestion %q for org %v = %s %v, want allow", v.Suggestion, org, s.Action, s.Reasons)
			}
		}
	}
}

func TestReasonOffsetsPointAtText(t *testing.T) {
	g := NewGuard(nil, guardTestOrg)
	reply := "Ça va? We're glad your knee replacement went well 😊 and your bill is paid."
	v := g.CheckReply(ReplyInput{Reply: reply})
	rs := []rune(reply)
	var got []string
	for _, r := range v.Reasons {
		if r.Start < 0 || r.End > len(rs) || r.Start >= r.End {
			t.Fatalf("reason %v outside the reply of %d code points", r, len(rs))
		}
		got = append(got, string(rs[r.Start:r.End]))
	}
	for _, want := range []string{"your knee replacement", "your bill"} {
		found := false
		for _, g := range got {
			if g == want {
				found = true
			}
		}
		if !found {
			t.Errorf("reason texts = %q, want one to be %q", got, want)
		}
	}
}

func TestCheckReminder(t *testing.T) {
	g := NewGuard(nil, guardTestOrg)
	for _, tc := range []struct {
		text string
		want Action
	}{
		{"Reminder: you have an appointment on Tuesday at 10:00. Reply C to confirm.", Allow},
		{"Reminder: your annual check-up is tomorrow at 9 am.", Allow},
		{"Reminder: your chemotherapy infusion is tomorrow at 9 am.", Block},
		{"Reminder: your colonoscopy prep starts tonight.", Block},
		{"Your appointment at the Behavioral Health clinic is Friday.", Block},
		{"Please bring your metformin to your visit.", Block},
		{"Your balance is due; pay online.", Warn},
		// "plan" alone is no insurance word ("plan ahead", "your flu shot plan").
		{"Your flu shot plan: book now and plan ahead.", Allow},
		{"Your health plan covers this visit.", Warn},
	} {
		v := g.CheckReminder(tc.text)
		if v.Action != tc.want {
			t.Errorf("CheckReminder(%q) = %s %v, want %s", tc.text, v.Action, v.Reasons, tc.want)
		}
		if v.Action == Block && g.CheckReminder(v.Suggestion).Action != Allow {
			t.Errorf("CheckReminder suggestion %q is not allowed", v.Suggestion)
		}
	}
}

func TestDisclosure(t *testing.T) {
	g := NewGuard(nil, Org{})
	for _, tc := range []struct {
		text string
		want Subject
	}{
		{"I was admitted overnight with chest pain.", SubjectSelf},
		{"Just got diagnosed with diabetes.", SubjectSelf},
		{"My dad's stroke recovery has been slow.", SubjectOther},
		{"When can I get a flu shot?", SubjectNone},
		{"Is parking free?", SubjectNone},
		{"Get screened for colon cancer!", SubjectNone},
		{"", SubjectNone},
	} {
		d := g.Disclosure(tc.text)
		if d.Subject != tc.want || d.Discloses != (tc.want != SubjectNone) {
			t.Errorf("Disclosure(%q) = %v %s, want %s", tc.text, d.Discloses, d.Subject, tc.want)
		}
		if d.Reasons == nil {
			t.Errorf("Disclosure(%q) reasons = nil, want a (possibly empty) slice", tc.text)
		}
	}
}

// The guard is used from many goroutines by the inbox.
func TestGuardConcurrent(t *testing.T) {
	g := NewGuard(nil, guardTestOrg)
	in := ReplyInput{Reply: "We reviewed your chart and your knee is healing.", Author: "jp"}
	want := g.CheckReply(in)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				got := g.CheckReply(in)
				if got.Action != want.Action || len(got.Reasons) != len(want.Reasons) {
					t.Errorf("concurrent CheckReply = %v, want %v", got, want)
					return
				}
				g.Disclosure("My mom had surgery")
			}
		}()
	}
	wg.Wait()
}

func hasCode(rs []Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

func TestPhoneRuns(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"call (555) 867-5309 now", []string{"(555) 867-5309"}},
		{"1 in 10 people, 24/7", nil},
		{"MRN 00482913.", []string{"00482913"}},
	} {
		rs := []rune(tc.in)
		var got []string
		for _, r := range phoneRuns(rs) {
			got = append(got, strings.TrimSpace(string(rs[r[0]:r[1]])))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("phoneRuns(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
