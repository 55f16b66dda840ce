package triage

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rapport-health/rapport"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", " "},
		{"I don't want to be here ANYMORE!!", " i dont want to be here anymore "},
		{"I\u2019m  fine…  really", " im fine really "},
		{"@clinic: chest-pain", " clinic chest pain "},
		{"Ça va? ÉTÉ", " ça va été "},
	} {
		if got := normalize(tc.in); got != tc.want {
			t.Errorf("normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTriage(t *testing.T) {
	tr := newTriager(t)
	for _, tc := range []struct {
		name        string
		in          Input
		wantIntent  Intent
		wantUrgency Urgency
		wantCat     CrisisCategory
	}{
		{"suicidal intent", Input{Text: "I'm going to end it tonight"}, IntentCrisis, UrgencyCritical, CrisisSelfHarm},
		{"slang", Input{Text: "kms"}, IntentCrisis, UrgencyCritical, CrisisSelfHarm},
		{"stroke signs", Input{Text: "my dad's face is drooping"}, IntentCrisis, UrgencyCritical, CrisisEmergency},
		{"threat", Input{Text: "I'm going to shoot up the clinic"}, IntentCrisis, UrgencyCritical, CrisisViolence},
		{"crisis in a 5-star review", Input{Text: "Great staff but I want to kill myself", Rating: 5, Kind: rapport.KindReview}, IntentCrisis, UrgencyCritical, CrisisSelfHarm},
		{"hyperbole", Input{Text: "this wait is killing me"}, IntentComplaint, UrgencyHigh, ""},
		{"cookies", Input{Text: "I could die for your cafeteria's cookies"}, IntentPraise, UrgencyLow, ""},
		{"awareness event", Input{Text: "suicide prevention month event at the main campus"}, IntentOther, UrgencyLow, ""},
		{"legal threat", Input{Text: "Terrible care, my lawyer will hear about this"}, IntentComplaint, UrgencyHigh, ""},
		{"one-star review", Input{Text: "Meh.", Rating: 1, Kind: rapport.KindReview}, IntentComplaint, UrgencyHigh, ""},
		{"two-star review", Input{Text: "The parking was okay", Rating: 2, Kind: rapport.KindReview}, IntentComplaint, UrgencyNormal, ""},
		{"five-star review", Input{Text: "Quick visit.", Rating: 5, Kind: rapport.KindReview}, IntentPraise, UrgencyLow, ""},
		{"appointment", Input{Text: "Can I book a checkup next week?"}, IntentAppointmentRequest, UrgencyNormal, ""},
		{"billing", Input{Text: "Can I set up a payment plan for my bill?"}, IntentBillingRequest, UrgencyNormal, ""},
		{"medical question public", Input{Text: "Is a rash after antibiotics an allergy?"}, IntentMedicalQuestion, UrgencyNormal, ""},
		{"medical question private", Input{Text: "Is a rash after antibiotics an allergy?", Private: true, Kind: rapport.KindDM}, IntentMedicalQuestion, UrgencyHigh, ""},
		{"question", Input{Text: "What are your visiting hours?"}, IntentQuestion, UrgencyNormal, ""},
		{"spam", Input{Text: "Buy followers now, click here"}, IntentSpam, UrgencyLow, ""},
		{"empty", Input{}, IntentOther, UrgencyLow, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tr.Triage(tc.in)
			if got.Intent != tc.wantIntent || got.Urgency != tc.wantUrgency || got.CrisisCategory != tc.wantCat {
				t.Errorf("Triage(%+v) = {intent %s, urgency %v, crisis %q}, want {%s, %v, %q}",
					tc.in, got.Intent, got.Urgency, got.CrisisCategory, tc.wantIntent, tc.wantUrgency, tc.wantCat)
			}
			if got.Crisis != (tc.wantCat != "") {
				t.Errorf("Triage(%q).Crisis = %v, want %v", tc.in.Text, got.Crisis, tc.wantCat != "")
			}
		})
	}
}

func TestSentimentSign(t *testing.T) {
	tr := newTriager(t)
	if got := tr.Triage(Input{Text: "The nurses were wonderful, thank you so much!"}).Sentiment; got <= 0.5 {
		t.Errorf("Sentiment(praise) = %.3f, want > 0.5", got)
	}
	if got := tr.Triage(Input{Text: "Horrible, rude staff and a filthy room."}).Sentiment; got >= -0.5 {
		t.Errorf("Sentiment(complaint) = %.3f, want < -0.5", got)
	}
}

func TestUrgencyText(t *testing.T) {
	for u := UrgencyLow; u <= UrgencyCritical; u++ {
		b, err := u.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText(%d): %v", u, err)
		}
		var back Urgency
		if err := back.UnmarshalText(b); err != nil || back != u {
			t.Errorf("UnmarshalText(%q) = %v, %v, want %v", b, back, err, u)
		}
	}
	if _, err := ParseUrgency("urgent"); rapport.ErrorCode(err) != rapport.EINVALID {
		t.Errorf("ParseUrgency(urgent) error code = %q, want %q", rapport.ErrorCode(err), rapport.EINVALID)
	}
	if _, err := Urgency(0).MarshalText(); err == nil {
		t.Error("Urgency(0).MarshalText() succeeded, want an error")
	}
}

func TestCrisisGuidance(t *testing.T) {
	for _, want := range []string{"emergency number", "988", "Suicide & Crisis Lifeline"} {
		if !strings.Contains(CrisisGuidance, want) {
			t.Errorf("CrisisGuidance lacks %q", want)
		}
	}
}

func TestRoute(t *testing.T) {
	tr := newTriager(t)
	public := false
	r, err := NewRouter("crisis", "general", []Rule{
		{Name: "vip", Queue: "vip", Accounts: []string{"@Journalist@news.example"}},
		{Name: "billing", Queue: "billing", Intents: []Intent{IntentBillingRequest}},
		{Name: "angry-public", Queue: "escalations", Intents: []Intent{IntentComplaint}, MinUrgency: UrgencyHigh, Private: &public},
		{Name: "er", Queue: "emergency-dept", Keywords: []string{"ER", "emergency room"}, Networks: []rapport.Network{rapport.NetworkMastodon}},
	})
	if err != nil {
		t.Fatalf("NewRouter: %v", err)
	}
	for _, tc := range []struct {
		name string
		in   Input
		want Route
	}{
		{"crisis beats every rule", Input{Text: "I want to kill myself, my bill is huge", AuthorHandle: "journalist@news.example"}, Route{"crisis", RuleCrisis}},
		{"account", Input{Text: "hello", AuthorHandle: "journalist@news.example"}, Route{"vip", "vip"}},
		{"rule order: account before intent", Input{Text: "Why was I charged twice?", AuthorHandle: "@journalist@news.example"}, Route{"vip", "vip"}},
		{"intent", Input{Text: "Why was I charged twice?"}, Route{"billing", "billing"}},
		{"intent and urgency, public", Input{Text: "Terrible, rude staff. Calling my lawyer."}, Route{"escalations", "angry-public"}},
		{"private complaint falls through", Input{Text: "Terrible, rude staff. Calling my lawyer.", Private: true}, Route{"general", RuleFallback}},
		{"keyword on its network", Input{Network: rapport.NetworkMastodon, Text: "the er was packed"}, Route{"emergency-dept", "er"}},
		{"keyword phrase", Input{Network: rapport.NetworkMastodon, Text: "Emergency  Room signage is great"}, Route{"emergency-dept", "er"}},
		{"keyword is a whole word", Input{Network: rapport.NetworkMastodon, Text: "the error page is back"}, Route{"general", RuleFallback}},
		{"keyword on another network", Input{Network: rapport.NetworkBluesky, Text: "the er was packed"}, Route{"general", RuleFallback}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Route(tc.in, tr.Triage(tc.in)); got != tc.want {
				t.Errorf("Route(%q) = %+v, want %+v", tc.in.Text, got, tc.want)
			}
		})
	}
}

func TestNewRouterErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		crisis  string
		rules   []Rule
		wantMsg string
	}{
		{"no crisis queue", "", nil, "crisis queue: required"},
		{"no name", "c", []Rule{{Queue: "q", Intents: []Intent{IntentSpam}}}, `rules[0] ("").name: required`},
		{"no queue", "c", []Rule{{Name: "a", Intents: []Intent{IntentSpam}}}, `rules[0] ("a").queue: required`},
		{"duplicate", "c", []Rule{{Name: "a", Queue: "q", Intents: []Intent{IntentSpam}}, {Name: "a", Queue: "q", Intents: []Intent{IntentSpam}}}, `rules[1] ("a").name: duplicate rule name`},
		{"unknown intent", "c", []Rule{{Name: "a", Queue: "q", Intents: []Intent{"rant"}}}, `rules[0] ("a").intents: intent 0: unknown intent "rant"`},
		{"empty keyword", "c", []Rule{{Name: "a", Queue: "q", Keywords: []string{"!!"}}}, `rules[0] ("a").keywords: keyword 0 ("!!") has no letters or digits`},
		{"catch-all", "c", []Rule{{Name: "a", Queue: "q"}}, `rules[0] ("a"): no criterion set`},
		{"bad urgency", "c", []Rule{{Name: "a", Queue: "q", MinUrgency: 9}}, `rules[0] ("a").min_urgency: invalid urgency 9`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRouter(tc.crisis, "fallback", tc.rules)
			var e *rapport.Error
			if !errors.As(err, &e) || e.Code != rapport.EINVALID || !strings.HasPrefix(e.Message, tc.wantMsg) {
				t.Errorf("NewRouter error = %v, want EINVALID starting %q", err, tc.wantMsg)
			}
		})
	}
}

// FuzzTriage asserts that Triage never panics and always returns a valid
// intent and urgency, that a crisis is always critical with a reason, and
// that routing never returns an empty queue.
func FuzzTriage(f *testing.F) {
	for _, s := range []string{"", "kms", "I don't want to be here anymore", "this wait is killing me",
		"\xff\xfe", "🙂🙂🙂", "sooo done 💊🔪 rn", "mi papá no puede respirar", "i'd rather die than wait lol", strings.Repeat("chest pain ", 200), "can't breathe?!", "@a @b #c http://x.y/z"} {
		f.Add(s, 0, false)
	}
	tr := newTriager(f)
	r, err := NewRouter("crisis", "general", []Rule{{Name: "k", Queue: "k", Keywords: []string{"bill"}}})
	if err != nil {
		f.Fatalf("NewRouter: %v", err)
	}
	valid := map[Intent]bool{}
	for _, in := range Intents() {
		valid[in] = true
	}
	spell := spellings()
	f.Fuzz(func(t *testing.T, text string, rating int, private bool) {
		in := Input{Text: text, Rating: rating, Private: private}
		got := tr.Triage(in)
		if !valid[got.Intent] {
			t.Fatalf("Triage(%q).Intent = %q, not a valid intent", text, got.Intent)
		}
		if got.Urgency < UrgencyLow || got.Urgency > UrgencyCritical {
			t.Fatalf("Triage(%q).Urgency = %d, out of range", text, got.Urgency)
		}
		if got.Sentiment < -1 || got.Sentiment > 1 {
			t.Fatalf("Triage(%q).Sentiment = %v, outside [-1, 1]", text, got.Sentiment)
		}
		if got.Crisis != (got.Intent == IntentCrisis) || (got.Crisis && (got.Urgency != UrgencyCritical || got.CrisisReason == "")) {
			t.Fatalf("Triage(%q) = %+v: crisis flag, intent, urgency and reason disagree", text, got)
		}
		if got.Crisis && !utf8.ValidString(got.CrisisMatch) {
			t.Fatalf("Triage(%q).CrisisMatch = %q, not valid UTF-8", text, got.CrisisMatch)
		}
		if rt := r.Route(in, got); rt.Queue == "" || (got.Crisis && rt.Queue != "crisis") {
			t.Fatalf("Route(%q) = %+v, want a queue (crisis for a crisis)", text, rt)
		}
		if n := normalize(text); n != normalize(n) {
			t.Fatalf("normalize is not idempotent on %q: %q then %q", text, n, normalize(n))
		}
		toks := crisisTokens(text, spell)
		joined := strings.Join(toks, " ")
		if again := strings.Join(crisisTokens(joined, spell), " "); again != joined {
			t.Fatalf("crisisTokens is not idempotent on %q: %q then %q", text, joined, again)
		}
		if got.Crisis {
			for w := range strings.FieldsSeq(got.CrisisMatch) {
				if !slices.Contains(toks, w) {
					t.Fatalf("Triage(%q).CrisisMatch = %q: %q is not a word of the text %q", text, got.CrisisMatch, w, toks)
				}
			}
		}
	})
}

func TestPatternCount(t *testing.T) {
	if n := len(crisisExprs()); n > 64 {
		t.Fatalf("%d crisis patterns; detect's candidate array holds 64", n)
	}
}

// TestTriggersCoverPatterns runs every pattern on every labelled text with
// and without the trigger prefilter: a pattern that matches a text its
// triggers do not enable has an incomplete trigger list.
func TestTriggersCoverPatterns(t *testing.T) {
	d, err := newCrisisDetector()
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, f := range []string{"crisis.txt", "hard_negatives.txt", "posts.txt"} {
		for _, c := range readLabelled(t, f) {
			texts = append(texts, normalize(c.text))
		}
	}
	exprs := crisisExprs()
	for _, norm := range texts {
		tokens := strings.Fields(norm)
		for i, p := range d.patterns {
			if !p.re.MatchString(norm) {
				continue
			}
			enabled := false
			for _, tok := range tokens {
				for _, w := range strings.Fields(exprs[i].triggers) {
					if pre, ok := strings.CutSuffix(w, "*"); (ok && strings.HasPrefix(tok, pre)) || tok == w {
						enabled = true
					}
				}
			}
			if !enabled {
				t.Errorf("pattern %d (%s) matches %q but none of its triggers %q occurs", i, p.reason, norm, exprs[i].triggers)
			}
		}
	}
}
