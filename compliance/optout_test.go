package compliance

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		want Intent
	}{
		// Keywords in any casing, spacing and punctuation.
		{"STOP", IntentOptOut}, {"stop", IntentOptOut}, {"Stop.", IntentOptOut}, {"stop!!!", IntentOptOut},
		{" S T O P ", IntentOptOut}, {"S.T.O.P", IntentOptOut}, {"sToP", IntentOptOut}, {"\tstop\n", IntentOptOut},
		{"QUIT", IntentOptOut}, {"end", IntentOptOut}, {"End.", IntentOptOut}, {"REVOKE", IntentOptOut},
		{"OPT OUT", IntentOptOut}, {"Opt-out", IntentOptOut}, {"optout", IntentOptOut}, {"opt out please", IntentOptOut},
		{"CANCEL", IntentOptOut}, {"cancel!", IntentOptOut}, {"UNSUBSCRIBE", IntentOptOut}, {"unsubscribe me", IntentOptOut},
		{"STOPALL", IntentOptOut}, {"stop all", IntentOptOut}, {"Stop please", IntentOptOut}, {"please stop", IntentOptOut},
		{"STOP STOP STOP", IntentOptOut}, {"stop it", IntentOptOut}, {"Stop now, thanks", IntentOptOut},
		{"Thanks! STOP", IntentOptOut}, {"STOP. I moved to Texas", IntentOptOut}, {"“Stop”", IntentOptOut},
		{"ＳＴＯＰ", IntentOptOut},
		// Natural-language revocations.
		{"please stop texting me", IntentOptOut}, {"Stop sending me these messages", IntentOptOut},
		{"don't message me anymore", IntentOptOut}, {"Do not text me", IntentOptOut}, {"dont email me again", IntentOptOut},
		{"remove me from this list", IntentOptOut}, {"Take me off your list", IntentOptOut}, {"opt me out", IntentOptOut},
		{"no more texts", IntentOptOut}, {"No more messages please", IntentOptOut}, {"leave me alone", IntentOptOut},
		{"wrong number", IntentOptOut}, {"how do I unsubscribe?", IntentOptOut}, {"I want to opt out of these", IntentOptOut},
		{"I revoke my consent", IntentOptOut}, {"stop the reminders", IntentOptOut}, {"quit calling me", IntentOptOut},
		{"I'd like to stop receiving these", IntentOptOut},
		// Spanish.
		{"no más mensajes", IntentOptOut}, {"No mas mensajes por favor", IntentOptOut}, {"BAJA", IntentOptOut},
		{"baja por favor", IntentOptOut}, {"ALTO", IntentOptOut}, {"No me envíen más mensajes", IntentOptOut},
		{"dejen de enviarme mensajes", IntentOptOut}, {"quiero darme de baja", IntentOptOut}, {"cancelar", IntentOptOut},
		// Not revocations.
		{"I can't stop coughing", IntentNone}, {"when does the clinic close? stop by?", IntentNone},
		{"Can I stop by tomorrow?", IntentNone}, {"cancel my appointment", IntentNone}, {"The end of the day works", IntentNone},
		{"the end", IntentNone}, {"I'll stop at the pharmacy", IntentNone}, {"Stop by the front desk", IntentNone},
		{"yes", IntentNone}, {"Thanks, see you Tuesday", IntentNone}, {"my back pain won't stop", IntentNone},
		{"I can't stop texting my daughter lol", IntentNone}, {"what time do you start?", IntentNone},
		{"", IntentNone}, {"...", IntentNone}, {"🙂", IntentNone}, {"stopwatch", IntentNone}, {"backend", IntentNone},
		// Opt-in and help.
		{"START", IntentOptIn}, {"unstop", IntentOptIn}, {"Start.", IntentOptIn}, {"HELP", IntentHelp}, {"help!", IntentHelp},
		{"info", IntentHelp}, {"AYUDA", IntentHelp}, {"help me please", IntentHelp},
		// Opt-out wins.
		{"HELP STOP", IntentOptOut}, {"start? no, stop", IntentOptOut},
	}
	for _, tc := range tests {
		if got := Classify(tc.in); got.Intent != tc.want {
			t.Errorf("Classify(%q) = %v (match %q), want %v", tc.in, got.Intent, got.Match, tc.want)
		}
	}
}

func TestRespond(t *testing.T) {
	r := Responder{Sender: "Mercy Clinic", Contact: "+1 555 0100"}
	tests := []struct {
		in       string
		optedOut bool
		want     Intent
		wantText string // substring; "" means no reply
	}{
		{"STOP", false, IntentOptOut, "unsubscribed"},
		{"STOP", true, IntentOptOut, ""}, // confirmed once only
		{"BAJA", false, IntentOptOut, "Se ha dado de baja"},
		{"START", true, IntentOptIn, "resubscribed"},
		{"START", false, IntentOptIn, ""},
		{"yes", true, IntentOptIn, "resubscribed"},
		{"yes", false, IntentNone, ""},
		{"HELP", false, IntentHelp, "+1 555 0100"},
		{"HELP", true, IntentHelp, "Reply STOP"},
		{"see you then", false, IntentNone, ""},
	}
	for _, tc := range tests {
		got := r.Respond(tc.in, tc.optedOut)
		if got.Intent != tc.want || (tc.wantText == "") != (got.Text == "") || !strings.Contains(got.Text, tc.wantText) {
			t.Errorf("Respond(%q, %v) = %v %q, want %v with %q", tc.in, tc.optedOut, got.Intent, got.Text, tc.want, tc.wantText)
		}
		if got.Text != "" && !strings.HasPrefix(got.Text, "Mercy Clinic:") {
			t.Errorf("Respond(%q) text %q does not name the sender", tc.in, got.Text)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"STOP", "stop by?", "no más mensajes", "I can't stop coughing", "Opt-out", "HELP", "S T O P", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Classify(s)
		if got.Intent < IntentNone || got.Intent > IntentHelp {
			t.Fatalf("Classify(%q) = intent %d out of range", s, got.Intent)
		}
		if (got.Intent == IntentNone) != (got.Match == "") {
			t.Fatalf("Classify(%q) = %+v: match must be set exactly when an intent is", s, got)
		}
		// Casing of ASCII letters and surrounding space never matter.
		if up := Classify("  " + strings.ToUpper(s) + " \n"); utf8.ValidString(s) && isASCII(s) && up.Intent != got.Intent {
			t.Fatalf("Classify(%q) = %v but upper-cased and padded = %v", s, got.Intent, up.Intent)
		}
		// A message that is a keyword sentence on its own always opts out,
		// whatever comes before it.
		if c := Classify(s + ". STOP"); c.Intent != IntentOptOut {
			t.Fatalf("Classify(%q + \". STOP\") = %v, want opt-out", s, c.Intent)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
