package message

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rapport-health/rapport"
)

var allowed = []string{"first_name", "clinic_name", "appointment_date", FieldUnsubscribeURL, FieldPostalAddress}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		src  string
		mode Mode
		v    Values
		want string
	}{
		{"plain", "Hi {{first_name}}!", Text, Values{"first_name": "Ana"}, "Hi Ana!"},
		{"fallback used when empty", "Hi {{first_name|there}}!", Text, Values{}, "Hi there!"},
		{"fallback used when blank", "Hi {{first_name|there}}!", Text, Values{"first_name": "  "}, "Hi there!"},
		{"fallback ignored when set", "Hi {{ first_name | there }}!", Text, Values{"first_name": "Ana"}, "Hi Ana!"},
		{"fallback keeps its spaces", "Hi{{first_name| friend}}!", Text, nil, "Hi friend!"},
		{"empty fallback", "Hi{{first_name|}}!", Text, nil, "Hi!"},
		{"repeated field", "{{first_name}} {{first_name}}", Text, Values{"first_name": "Li"}, "Li Li"},
		{"literal braces", `Use {{"{{"}} carefully`, Text, nil, "Use {{ carefully"},
		{"no fields", "Reply STOP to opt out", Text, nil, "Reply STOP to opt out"},
		{"html escapes values", "<p>Hi {{first_name}}</p>", HTML, Values{"first_name": `<b>"Bo" & 'Al'</b>`}, "<p>Hi &lt;b&gt;&#34;Bo&#34; &amp; &#39;Al&#39;&lt;/b&gt;</p>"},
		{"html escapes fallbacks", "<p>{{clinic_name|A&B}}</p>", HTML, nil, "<p>A&amp;B</p>"},
		{"text keeps values", "{{clinic_name}}", Text, Values{"clinic_name": "A&B <x>"}, "A&B <x>"},
		{"unicode", "¡Hola {{first_name|amigo}}! 😀", Text, Values{"first_name": "José"}, "¡Hola José! 😀"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := Parse(tc.src, tc.mode, allowed)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.src, err)
			}
			got, err := tpl.Render(tc.v)
			if err != nil || got != tc.want {
				t.Errorf("Render(%q, %v) = %q, %v, want %q", tc.src, tc.v, got, err, tc.want)
			}
		})
	}
}

func TestRenderMissing(t *testing.T) {
	tpl, err := Parse("Hi {{first_name}}, see you {{appointment_date|soon}}", Text, allowed)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(Values{"first_name": ""})
	var me *MissingError
	if !errors.As(err, &me) || me.Field != "first_name" {
		t.Errorf("Render without first_name = %v, want a MissingError for first_name", err)
	}
	if got := tpl.Fields(); strings.Join(got, ",") != "first_name,appointment_date" {
		t.Errorf("Fields() = %v, want [first_name appointment_date]", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src        string
		line, col  int
		field, msg string
	}{
		{"Hi {{frist_name}}", 1, 4, "frist_name", "unknown field"},
		{"Hi\nthere {{first_name", 2, 7, "", "unclosed"},
		{"Hi {{First Name}}", 1, 4, "", "bad field name"},
		{"Hi {{}}", 1, 4, "", "bad field name"},
		{"Hi }} there", 1, 4, "", "without an opening"},
		{"ñandú {{first_name|a|b}}", 1, 7, "first_name", "may not contain"},
		{"{{first_name|{x}}", 1, 1, "first_name", "may not contain"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.src, Text, allowed)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, want an *Error", tc.src, err)
			continue
		}
		if e.Line != tc.line || e.Column != tc.col || e.Field != tc.field || !strings.Contains(e.Message, tc.msg) || e.Code != EINVALID {
			t.Errorf("Parse(%q) = line %d col %d field %q %q, want line %d col %d field %q containing %q",
				tc.src, e.Line, e.Column, e.Field, e.Message, tc.line, tc.col, tc.field, tc.msg)
		}
	}
	if _, err := Parse("\xff", Text, allowed); err == nil {
		t.Error("Parse(invalid UTF-8) = nil error")
	}
}

func TestMeasureSMS(t *testing.T) {
	r := strings.Repeat
	tests := []struct {
		name     string
		in       string
		enc      Encoding
		units    int
		segments int
	}{
		{"empty", "", GSM7, 0, 0},
		{"hello", "Hello", GSM7, 5, 1},
		{"160 GSM", r("a", 160), GSM7, 160, 1},
		{"161 GSM", r("a", 161), GSM7, 161, 2},
		{"306 GSM", r("a", 306), GSM7, 306, 2},
		{"307 GSM", r("a", 307), GSM7, 307, 3},
		{"extension counts double", "[test]", GSM7, 8, 1},
		{"80 euro signs fit", r("€", 80), GSM7, 160, 1},
		{"81 euro signs do not", r("€", 81), GSM7, 162, 2},
		{"escape is never split", r("a", 152) + "€" + r("a", 152), GSM7, 306, 3},
		{"GSM accents", "Año, café, Ñandú?", UCS2, 17, 1}, // ú is not GSM-7
		{"gsm latin", "Ça va? Ünd ßé", GSM7, 13, 1},
		{"70 UCS-2", r("Ж", 70), UCS2, 70, 1},
		{"71 UCS-2", r("Ж", 71), UCS2, 71, 2},
		{"134 UCS-2", r("Ж", 134), UCS2, 134, 2},
		{"135 UCS-2", r("Ж", 135), UCS2, 135, 3},
		{"emoji are two units", r("😀", 35), UCS2, 70, 1},
		{"36 emoji", r("😀", 36), UCS2, 72, 2},
		{"surrogate pair never split", r("a", 66) + "😀" + r("a", 66), UCS2, 134, 3},
		{"curly apostrophe forces UCS-2", "Don’t forget", UCS2, 12, 1},
		{"newline is GSM", "a\nb", GSM7, 3, 1},
	}
	for _, tc := range tests {
		got := MeasureSMS(tc.in)
		if got.Encoding != tc.enc || got.Units != tc.units || got.Segments != tc.segments {
			t.Errorf("%s: MeasureSMS = %s %d units %d segments, want %s %d units %d segments", tc.name, got.Encoding, got.Units, got.Segments, tc.enc, tc.units, tc.segments)
		}
	}
	if got := MeasureSMS("Don’t ’ ü ж ж"); string(got.NonGSM) != "’ж" {
		t.Errorf("NonGSM = %q, want %q", string(got.NonGSM), "’ж")
	}
}

func TestSyllables(t *testing.T) {
	for w, want := range map[string]int{
		"cat": 1, "the": 1, "table": 2, "make": 1, "makes": 1, "walked": 1, "wanted": 2, "appointment": 3,
		"reminder": 3, "colonoscopy": 5, "screening": 2, "every": 3, "health": 1, "you": 1, "yes": 1,
		"times": 1, "boxes": 2, "please": 1, "a": 1, "2026": 1, "little": 2, "doctor": 2, "vaccination": 4,
	} {
		if got := Syllables(w); got != want {
			t.Errorf("Syllables(%q) = %d, want %d", w, got, want)
		}
	}
}

func TestReadingLevel(t *testing.T) {
	got := ReadingLevel("The cat sat on the mat.")
	if got.Words != 6 || got.Sentences != 1 || got.Syllables != 6 || math.Abs(got.Grade-(-1.45)) > 1e-9 {
		t.Errorf("ReadingLevel(cat) = %+v, want 6 words, 1 sentence, 6 syllables, grade -1.45", got)
	}
	simple := ReadingLevel("Hi {{first_name|there}}. It is time for your flu shot. Call us to book. Reply STOP to opt out.")
	hard := ReadingLevel("Comprehensive colorectal cancer screening, recommended for asymptomatic individuals beginning at age forty-five, substantially reduces mortality through early identification of precancerous adenomatous polyps.")
	if simple.Grade > 4 || hard.Grade < 14 {
		t.Errorf("grades: simple %.1f (want <= 4), hard %.1f (want >= 14)", simple.Grade, hard.Grade)
	}
	if got := ReadingLevel("https://x.example/a b@c.d"); got.Words != 0 || got.Grade != 0 {
		t.Errorf("ReadingLevel(urls) = %+v, want no words", got)
	}
}

func codes(fs []Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Code)
	}
	return strings.Join(s, ",")
}

func TestCheck(t *testing.T) {
	p := Policy{PostalAddress: "1 Main St, Springfield, IL 62701"}
	long := strings.Repeat("Your visit is soon. ", 20)
	tests := []struct {
		name string
		c    Content
		want string
	}{
		{"good sms", Content{Channel: rapport.ChannelSMS, Text: "Hi {{first_name|there}}, your flu shot is due. Reply STOP to opt out."}, ""},
		{"text STOP to end", Content{Channel: rapport.ChannelSMS, Text: "Flu shots today. Text STOP to end."}, ""},
		{"STOP=opt-out", Content{Channel: rapport.ChannelSMS, Text: "Flu shots today. STOP to opt-out"}, ""},
		{"spanish", Content{Channel: rapport.ChannelSMS, Text: "Vacunas hoy. Responda BAJA para cancelar."}, ""},
		{"sms without stop", Content{Channel: rapport.ChannelSMS, Text: "Your flu shot is due."}, FindingNoStop},
		{"stop mentioned is not an instruction", Content{Channel: rapport.ChannelSMS, Text: "Stop by for your flu shot."}, FindingNoStop},
		{"long unicode sms", Content{Channel: rapport.ChannelSMS, Text: "Don’t forget! " + long + "Reply STOP to opt out."}, FindingSegments + "," + FindingUCS2},
		{"empty sms", Content{Channel: rapport.ChannelSMS, Text: " "}, FindingEmpty},
		{"hard sms", Content{Channel: rapport.ChannelSMS, Text: "Comprehensive colorectal cancer screening substantially reduces mortality through identification of precancerous adenomatous polyps. Reply STOP to opt out."}, FindingReadingLevel},
		{"good email", Content{Channel: rapport.ChannelEmail, Subject: "Flu shots", Text: "Hi. Get your flu shot.\n{{postal_address}}\nUnsubscribe: {{unsubscribe_url}}",
			HTML: `<p>Hi.</p><p>1 Main St, Springfield, IL 62701</p><a href="{{unsubscribe_url}}">Unsubscribe</a>`}, ""},
		{"email without unsubscribe or address", Content{Channel: rapport.ChannelEmail, Subject: "Flu", Text: "Get your flu shot."}, FindingNoUnsubscribe + "," + FindingNoPostal},
		{"html-only email", Content{Channel: rapport.ChannelEmail, Subject: "Flu", HTML: `<p>{{postal_address}} <a href="{{ unsubscribe_url }}">x</a></p>`}, FindingNoPlainText},
		{"email no subject", Content{Channel: rapport.ChannelEmail, Text: "{{postal_address}} {{unsubscribe_url}}"}, FindingNoSubject},
		{"voice", Content{Channel: rapport.ChannelVoice, Text: "x"}, FindingUnknownChannel},
	}
	for _, tc := range tests {
		got := Check(tc.c, p)
		if codes(got) != tc.want {
			t.Errorf("%s: Check = %s, want %s (%+v)", tc.name, codes(got), tc.want, got)
		}
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Hi {{first_name|there}}", `{{"{{"}}`, "{{", "}}", "{{ clinic_name }}", "a{{first_name|}}b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, mode := range []Mode{Text, HTML} {
			tpl, err := Parse(src, mode, allowed)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code != EINVALID {
					t.Fatalf("Parse(%q) error %v is not an invalid *Error", src, err)
				}
				continue
			}
			if !strings.Contains(src, "{{") && mode == Text {
				if got, err := tpl.Render(nil); err != nil || got != src {
					t.Fatalf("Parse(%q) without fields renders %q, %v", src, got, err)
				}
			}
			v := Values{}
			for _, f := range tpl.Fields() {
				v[f] = "V"
			}
			got, err := tpl.Render(v)
			if err != nil {
				t.Fatalf("Render(%q) with every field set: %v", src, err)
			}
			if strings.Count(got, "{{") > strings.Count(src, `{{"{{"}}`) {
				t.Fatalf("Render(%q) = %q leaves an unrendered field", src, got)
			}
		}
	})
}

func BenchmarkRender(b *testing.B) {
	tpl, err := Parse("Hi {{first_name|there}}, your {{appointment_date|upcoming}} visit at {{clinic_name}} is confirmed. Reply STOP to opt out.", Text, allowed)
	if err != nil {
		b.Fatal(err)
	}
	v := Values{"first_name": "Ana", "clinic_name": "Mercy Clinic"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, err = tpl.Append(buf[:0], v)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderString(b *testing.B) {
	tpl, _ := Parse("Hi {{first_name|there}}, your {{appointment_date|upcoming}} visit at {{clinic_name}} is confirmed. Reply STOP to opt out.", Text, allowed)
	v := Values{"first_name": "Ana", "clinic_name": "Mercy Clinic"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMeasureSMS(b *testing.B) {
	s := "Hi Ana, your flu shot is due at Mercy Clinic. Book at https://x.example/b. Reply STOP to opt out."
	for b.Loop() {
		MeasureSMS(s)
	}
}
