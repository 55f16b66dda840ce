package compliance

import (
	"testing"
	"time"

	"github.com/rapport-health/rapport"
)

func TestCapsCheck(t *testing.T) {
	hc := HealthcareCaps()
	tests := []struct {
		name     string
		zone     string
		caps     Caps
		now      string
		sent     []string
		allowed  bool
		wantNext string // UTC; "" for zero
	}{
		{"nothing sent", "America/New_York", hc, "2026-06-10 15:00:00", nil, true, "2026-06-10 15:00:00"},
		{"one today blocks until local midnight", "America/New_York", hc, "2026-06-10 19:00:00", []string{"2026-06-10 13:00:00"}, false, "2026-06-11 04:00:00"},
		{"yesterday 23:30 local does not count today", "America/New_York", hc, "2026-06-10 04:30:00", []string{"2026-06-10 03:30:00"}, true, "2026-06-10 04:30:00"},
		{"same instants are one London day", "Europe/London", hc, "2026-06-10 10:00:00", []string{"2026-06-10 03:00:00"}, false, "2026-06-10 23:00:00"},
		{"but two New York days", "America/New_York", hc, "2026-06-10 10:00:00", []string{"2026-06-10 03:00:00"}, true, "2026-06-10 10:00:00"},
		{"25-hour fall-back day is one day", "America/New_York", hc, "2026-11-02 04:30:00", []string{"2026-11-01 04:30:00"}, false, "2026-11-02 05:00:00"},
		{"23-hour spring-forward day ends at EDT midnight", "America/New_York", hc, "2026-03-08 20:00:00", []string{"2026-03-08 14:00:00"}, false, "2026-03-09 04:00:00"},
		{"three in the week block until the oldest leaves", "America/Phoenix", hc, "2026-06-10 18:00:00",
			[]string{"2026-06-05 18:00:00", "2026-06-07 18:00:00", "2026-06-09 18:00:00"}, false, "2026-06-12 07:00:00"},
		{"three in eight days allow", "America/Phoenix", hc, "2026-06-12 18:00:00",
			[]string{"2026-06-05 18:00:00", "2026-06-07 18:00:00", "2026-06-09 18:00:00"}, true, "2026-06-12 18:00:00"},
		{"future send counts as today", "Pacific/Honolulu", hc, "2026-06-10 20:00:00", []string{"2026-06-12 20:00:00"}, false, "2026-06-11 10:00:00"},
		{"custom 2 a day", "America/Puerto_Rico", Caps{{Max: 2, Days: 1}}, "2026-06-10 20:00:00", []string{"2026-06-10 13:00:00"}, true, "2026-06-10 20:00:00"},
		{"max 0 never", "America/Puerto_Rico", Caps{{Max: 0, Days: 1}}, "2026-06-10 20:00:00", nil, false, ""},
		{"no caps", "America/Puerto_Rico", nil, "2026-06-10 20:00:00", []string{"2026-06-10 13:00:00", "2026-06-10 14:00:00"}, true, "2026-06-10 20:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoad(t, tc.zone)
			var sent []time.Time
			for _, s := range tc.sent {
				sent = append(sent, utc(s))
			}
			d := tc.caps.Check(utc(tc.now), loc, sent)
			if d.Allowed != tc.allowed {
				t.Errorf("Check(%s).Allowed = %v, want %v", tc.now, d.Allowed, tc.allowed)
			}
			var want time.Time
			if tc.wantNext != "" {
				want = utc(tc.wantNext)
			}
			if !d.Next.Equal(want) {
				t.Errorf("Check(%s).Next = %s (%s local), want %s", tc.now, d.Next.UTC(), d.Next.In(loc), want)
			}
		})
	}
}

func TestEarliest(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	// Sent at 09:00 EDT today; at 15:00 the day cap defers to midnight and
	// the window to 08:00 the next day.
	got := Earliest(utc("2026-06-10 19:00:00"), ny, DefaultWindow(), HealthcareCaps(), []time.Time{utc("2026-06-10 13:00:00")})
	if want := utc("2026-06-11 12:00:00"); !got.Equal(want) {
		t.Errorf("Earliest = %s, want %s", got.UTC(), want)
	}
	// Nothing sent, 22:00 local: the window alone defers.
	got = Earliest(utc("2026-06-11 02:00:00"), ny, DefaultWindow(), HealthcareCaps(), nil)
	if want := utc("2026-06-11 12:00:00"); !got.Equal(want) {
		t.Errorf("Earliest = %s, want %s", got.UTC(), want)
	}
	if got := Earliest(utc("2026-06-11 02:00:00"), ny, DefaultWindow(), Caps{{Max: 0, Days: 1}}, nil); !got.IsZero() {
		t.Errorf("Earliest with a zero cap = %s, want zero", got)
	}
}

func TestCapsValidate(t *testing.T) {
	if err := HealthcareCaps().Validate(); err != nil {
		t.Errorf("HealthcareCaps().Validate() = %v", err)
	}
	for _, c := range []Caps{{{Max: -1, Days: 1}}, {{Max: 1, Days: 0}}, {{Max: 1, Days: 400}}} {
		if err := c.Validate(); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("%v.Validate() = %v, want an invalid error", c, err)
		}
	}
}

func TestMaySend(t *testing.T) {
	g, r := rapport.ConsentGranted, rapport.ConsentRevoked
	tests := []struct {
		name    string
		purpose rapport.Purpose
		channel rapport.Channel
		st      ConsentState
		want    string
	}{
		{"care sms granted", rapport.PurposeCare, rapport.ChannelSMS, ConsentState{Status: g}, ReasonOK},
		{"care sms unknown", rapport.PurposeCare, rapport.ChannelSMS, ConsentState{}, ReasonNoConsent},
		{"marketing email revoked", rapport.PurposeMarketing, rapport.ChannelEmail, ConsentState{Status: r}, ReasonRevoked},
		{"marketing email granted", rapport.PurposeMarketing, rapport.ChannelEmail, ConsentState{Status: g}, ReasonOK},
		{"channel opt-out beats grant", rapport.PurposeCare, rapport.ChannelSMS, ConsentState{Status: g, OptedOut: true}, ReasonOptedOut},
		{"bounce suppresses", rapport.PurposeOperations, rapport.ChannelEmail, ConsentState{Status: g, Suppressed: true}, ReasonSuppressed},
		{"social dm unsolicited", rapport.PurposeCare, rapport.ChannelSocialDM, ConsentState{Status: g}, ReasonNotFirst},
		{"social dm reply", rapport.PurposeCare, rapport.ChannelSocialDM, ConsentState{Status: g, PatientWroteFirst: true}, ReasonOK},
		{"voice marketing never", rapport.PurposeMarketing, rapport.ChannelVoice, ConsentState{Status: g}, ReasonChannelForbidden},
	}
	for _, tc := range tests {
		got := MaySend(tc.purpose, tc.channel, tc.st)
		if got.Reason != tc.want || got.Allowed != (tc.want == ReasonOK) {
			t.Errorf("%s: MaySend(%s, %s, %+v) = %+v, want reason %q", tc.name, tc.purpose, tc.channel, tc.st, got, tc.want)
		}
	}
	if got := CapsFor(rapport.PurposeCare, rapport.ChannelSMS, nil); len(got) != 2 {
		t.Errorf("CapsFor(care, sms) = %v, want the healthcare caps", got)
	}
	other := Caps{{Max: 5, Days: 7}}
	if got := CapsFor(rapport.PurposeMarketing, rapport.ChannelSMS, other); len(got) != 1 || got[0] != other[0] {
		t.Errorf("CapsFor(marketing, sms) = %v, want %v", got, other)
	}
}
