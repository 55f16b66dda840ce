package phi

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

func checkReasons(t *testing.T, what, text string, rs []Reason) {
	t.Helper()
	n := utf8.RuneCountInString(text)
	for _, r := range rs {
		if r.Start < 0 || r.End > n || r.Start >= r.End {
			t.Fatalf("%s(%q): reason %v outside the text (%d code points)", what, text, r, n)
		}
		if r.Code == "" || r.Message == "" {
			t.Fatalf("%s(%q): reason %v without code or message", what, text, r)
		}
	}
}

func FuzzCheckReply(f *testing.F) {
	for _, s := range []string{
		"We reviewed your chart, Ms. Patterson.",
		"Thank you for the kind words! We'll share them with our teams.",
		"Glad your knee is healing after last week's surgery! Call 555-0100.",
		"Hi Jennifer 😊, your son's MRI on 3/14 looked fine. jdoe@x.org",
		"When you were here Tuesday…",
		"your your your's 's ' - -- @ . ? !",
		"Dr. Mr. Mrs. baby Liam, Thanks, Bill.",
	} {
		f.Add(s, "My sister Lena was in your ICU.", "jp_outdoors")
	}
	g := NewGuard(nil, guardTestOrg)
	f.Fuzz(func(t *testing.T, reply, post, author string) {
		in := ReplyInput{Reply: reply, Post: post, Author: author}
		v := g.CheckReply(in)
		checkReasons(t, "CheckReply", reply, v.Reasons)
		if again := g.CheckReply(in); !reflect.DeepEqual(v, again) {
			t.Fatalf("CheckReply(%q) not deterministic: %v then %v", reply, v, again)
		}
		blocks, warns := false, false
		for _, r := range v.Reasons {
			if codeBlocks(r.Code) {
				blocks = true
			} else {
				warns = true
			}
		}
		want := Allow
		if blocks {
			want = Block
		} else if warns {
			want = Warn
		}
		if v.Action != want {
			t.Fatalf("CheckReply(%q) = %s with reasons %v, want %s", reply, v.Action, v.Reasons, want)
		}
		if v.Action == Block {
			if v.Suggestion == "" {
				t.Fatalf("CheckReply(%q) blocked without a suggestion", reply)
			}
			if s := g.CheckReply(ReplyInput{Reply: v.Suggestion, Post: post, Author: author}); s.Action == Block {
				t.Fatalf("suggestion %q for %q is itself blocked: %v", v.Suggestion, reply, s.Reasons)
			}
		}
	})
}

func FuzzDisclosure(f *testing.F) {
	for _, s := range []string{
		"Just got diagnosed with type 2 diabetes.",
		"My dad's stroke recovery has been slow.",
		"When can I get a flu shot?",
		"I'm 32 weeks pregnant!? my OB…",
		"",
	} {
		f.Add(s)
	}
	g := NewGuard(nil, Org{})
	f.Fuzz(func(t *testing.T, text string) {
		d := g.Disclosure(text)
		checkReasons(t, "Disclosure", text, d.Reasons)
		if d.Discloses != (d.Subject != SubjectNone) || d.Discloses != (len(d.Reasons) > 0) {
			t.Fatalf("Disclosure(%q) = %v %s with %d reasons: inconsistent", text, d.Discloses, d.Subject, len(d.Reasons))
		}
		if again := g.Disclosure(text); !reflect.DeepEqual(d, again) {
			t.Fatalf("Disclosure(%q) not deterministic", text)
		}
	})
}

func FuzzCheckReminder(f *testing.F) {
	for _, s := range []string{
		"Reminder: your chemotherapy infusion is tomorrow at 9 am.",
		"Reminder: you have an appointment on Tuesday. Reply C to confirm.",
		"Your balance is due",
	} {
		f.Add(s)
	}
	g := NewGuard(nil, guardTestOrg)
	f.Fuzz(func(t *testing.T, text string) {
		v := g.CheckReminder(text)
		checkReasons(t, "CheckReminder", text, v.Reasons)
		if (v.Action == Block) != (v.Suggestion != "") {
			t.Fatalf("CheckReminder(%q) = %s with suggestion %q", text, v.Action, v.Suggestion)
		}
		if v.Action == Block && g.CheckReminder(v.Suggestion).Action == Block {
			t.Fatalf("reminder suggestion %q is itself blocked", v.Suggestion)
		}
	})
}
