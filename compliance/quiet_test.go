package compliance

import (
	"math/rand/v2"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustWindow(t testing.TB, s string) Window {
	t.Helper()
	w, err := ParseWindow(s)
	if err != nil {
		t.Fatalf("ParseWindow(%q): %v", s, err)
	}
	return w
}

func TestNextAllowed(t *testing.T) {
	def := "08:00-21:00"
	tests := []struct {
		name   string
		zone   string
		window string
		now    string // UTC
		want   string // UTC
	}{
		{"NY spring-forward night, before gap", "America/New_York", def, "2026-03-08 06:30:00", "2026-03-08 12:00:00"},
		{"NY evening before spring-forward", "America/New_York", def, "2026-03-08 02:30:00", "2026-03-08 12:00:00"},
		{"NY spring-forward day 07:59 EDT", "America/New_York", def, "2026-03-08 11:59:00", "2026-03-08 12:00:00"},
		{"NY spring-forward day 08:59:59 EDT allowed", "America/New_York", def, "2026-03-08 12:59:59", "2026-03-08 12:59:59"},
		{"NY fall-back first 01:30 EDT", "America/New_York", def, "2026-11-01 05:30:00", "2026-11-01 13:00:00"},
		{"NY fall-back second 01:30 EST", "America/New_York", def, "2026-11-01 06:30:00", "2026-11-01 13:00:00"},
		{"NY fall-back day 07:59 EST", "America/New_York", def, "2026-11-01 12:59:00", "2026-11-01 13:00:00"},
		{"NY 21:00 exactly is closed", "America/New_York", def, "2026-07-01 01:00:00", "2026-07-01 12:00:00"},
		{"NY 20:59:59 is open", "America/New_York", def, "2026-07-01 00:59:59", "2026-07-01 00:59:59"},
		{"Phoenix has no DST in March", "America/Phoenix", def, "2026-03-08 14:00:00", "2026-03-08 15:00:00"},
		{"Phoenix has no DST in July", "America/Phoenix", def, "2026-07-01 14:00:00", "2026-07-01 15:00:00"},
		{"NY same instant in July is open", "America/New_York", def, "2026-07-01 14:00:00", "2026-07-01 14:00:00"},
		{"Honolulu on US fall-back day", "Pacific/Honolulu", def, "2026-11-01 17:59:00", "2026-11-01 18:00:00"},
		{"Honolulu late evening", "Pacific/Honolulu", def, "2026-11-02 07:00:00", "2026-11-02 18:00:00"},
		{"Puerto Rico morning", "America/Puerto_Rico", def, "2026-11-01 11:59:00", "2026-11-01 12:00:00"},
		{"Puerto Rico 21:00 AST", "America/Puerto_Rico", def, "2026-01-15 01:00:00", "2026-01-15 12:00:00"},
		{"London BST day start 07:59", "Europe/London", def, "2026-03-29 06:59:00", "2026-03-29 07:00:00"},
		{"London BST day 08:30 open", "Europe/London", def, "2026-03-29 07:30:00", "2026-03-29 07:30:00"},
		{"London day before BST", "Europe/London", def, "2026-03-28 07:59:00", "2026-03-28 08:00:00"},
		{"London GMT returns", "Europe/London", def, "2026-10-25 07:30:00", "2026-10-25 08:00:00"},
		{"London last BST day open", "Europe/London", def, "2026-10-24 07:30:00", "2026-10-24 07:30:00"},
		{"window starting in the gap opens at the transition", "America/New_York", "02:30-21:00", "2026-03-08 06:00:00", "2026-03-08 07:00:00"},
		{"window starting in the overlap opens at its first occurrence", "America/New_York", "01:30-21:00", "2026-11-01 04:00:00", "2026-11-01 05:30:00"},
		{"Sunday closed defers to Monday", "America/New_York", "08:00-20:00; closed=sun", "2026-11-22 01:30:00", "2026-11-23 13:00:00"},
		{"state 20:00 end", "America/New_York", "08:00-20:00", "2026-11-21 01:00:00", "2026-11-21 13:00:00"},
		{"holiday defers a day", "America/New_York", "08:00-21:00; holidays=2026-12-25", "2026-12-25 03:00:00", "2026-12-26 13:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoad(t, tc.zone)
			w := mustWindow(t, tc.window)
			got := w.NextAllowed(utc(tc.now), loc)
			if want := utc(tc.want); !got.Equal(want) {
				t.Errorf("NextAllowed(%s UTC, %s) = %s (%s local), want %s UTC", tc.now, tc.zone, got.UTC(), got.In(loc), tc.want)
			}
			if !w.Allowed(got, loc) {
				t.Errorf("Allowed(NextAllowed) = false at %s", got.In(loc))
			}
		})
	}
}

// TestNextAllowedProperties checks on random instants in every tested zone
// that NextAllowed is allowed, not before now, and that no earlier allowed
// minute was skipped.
func TestNextAllowedProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	windows := []Window{DefaultWindow(), mustWindow(t, "08:00-20:00; closed=sun"), mustWindow(t, "01:30-02:45")}
	base := utc("2026-01-01 00:00:00")
	for _, zone := range []string{"America/New_York", "America/Phoenix", "Pacific/Honolulu", "America/Puerto_Rico", "Europe/London", "Australia/Lord_Howe"} {
		loc := mustLoad(t, zone)
		for i := range 150 {
			w := windows[i%len(windows)]
			now := base.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
			got := w.NextAllowed(now, loc)
			if got.Before(now) || !w.Allowed(got, loc) {
				t.Fatalf("%s %v: NextAllowed(%s) = %s: before now or not allowed", zone, w, now, got.In(loc))
			}
			for m := now.Truncate(time.Minute).Add(time.Minute); m.Before(got); m = m.Add(5 * time.Minute) {
				if w.Allowed(m, loc) {
					t.Fatalf("%s %v: NextAllowed(%s) = %s, but %s was allowed", zone, w, now, got.In(loc), m.In(loc))
				}
			}
		}
	}
}

func TestParseWindowErrors(t *testing.T) {
	for _, in := range []string{"", "08:00", "8-21", "21:00-08:00", "08:00-25:00", "08:60-09:00", "08:00-20:00; closed=funday",
		"08:00-20:00; holidays=25/12/2026", "08:00-20:00; when=sun", "08:00-20:00; closed=sun,mon,tue,wed,thu,fri,sat"} {
		if _, err := ParseWindow(in); err == nil {
			t.Errorf("ParseWindow(%q) = nil error, want an error", in)
		}
	}
}

func TestRulesWindow(t *testing.T) {
	r := Rules{
		States: map[string]Window{"FL": mustWindow(t, "08:00-20:00"), "OK": mustWindow(t, "08:00-21:00; closed=sun")},
		Orgs:   map[string]Window{"org1": mustWindow(t, "09:00-21:00")},
	}
	tests := []struct {
		state, org string
		start, end string
		closedSun  bool
	}{
		{"", "", "08:00", "21:00", false},
		{"fl", "", "08:00", "20:00", false},
		{"FL", "org1", "09:00", "20:00", false},
		{"OK", "", "08:00", "21:00", true},
		{"TX", "org2", "08:00", "21:00", false},
	}
	for _, tc := range tests {
		w := r.Window(tc.state, tc.org)
		closedSun := len(w.Closed) == 1 && w.Closed[0] == time.Sunday
		if w.Start.String() != tc.start || w.End.String() != tc.end || closedSun != tc.closedSun {
			t.Errorf("Window(%q, %q) = %v-%v closed %v, want %s-%s closed sun %v", tc.state, tc.org, w.Start, w.End, w.Closed, tc.start, tc.end, tc.closedSun)
		}
	}
}

func TestZones(t *testing.T) {
	fallback := mustLoad(t, "America/Chicago")
	z := NewZones(fallback)
	for _, tc := range []struct {
		name   string
		want   string
		wantOK bool
	}{
		{"America/New_York", "America/New_York", true},
		{"", "America/Chicago", false},
		{"Mars/Olympus_Mons", "America/Chicago", false},
		{"Local", "America/Chicago", false},
		{"America/New_York", "America/New_York", true},
	} {
		got, ok := z.Location(tc.name)
		if got.String() != tc.want || ok != tc.wantOK {
			t.Errorf("Location(%q) = %s, %v, want %s, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}
