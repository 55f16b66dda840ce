package inbox

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
)

func mustCalendar(t testing.TB, cfg CalendarConfig) *Calendar {
	t.Helper()
	c, err := ParseCalendar(cfg)
	if err != nil {
		t.Fatalf("ParseCalendar: %v", err)
	}
	return c
}

func TestBusinessMinutes(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	weekdays := mustCalendar(t, CalendarConfig{TimeZone: "America/Chicago", Holidays: []string{"2026-12-25"},
		Hours: map[string][]string{"mon": {"08:00-12:00", "13:00-17:00"}, "tue": {"08:00-12:00", "13:00-17:00"},
			"wed": {"08:00-12:00", "13:00-17:00"}, "thu": {"08:00-12:00", "13:00-17:00"}, "fri": {"08:00-12:00", "13:00-17:00"}}})
	allDay := map[string][]string{}
	for _, d := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		allDay[d] = []string{"00:00-24:00"}
	}
	always := mustCalendar(t, CalendarConfig{TimeZone: "America/Chicago", Hours: allDay})
	night := mustCalendar(t, CalendarConfig{TimeZone: "America/Chicago", Hours: map[string][]string{"sun": {"01:00-04:00"}}})
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, chicago) }
	for _, tc := range []struct {
		name     string
		cal      *Calendar
		from, to time.Time
		want     float64
	}{
		{"inside one morning", weekdays, at(2026, 11, 16, 9, 0), at(2026, 11, 16, 10, 30), 90},
		{"across lunch", weekdays, at(2026, 11, 16, 11, 0), at(2026, 11, 16, 14, 0), 120},
		{"friday evening to monday morning", weekdays, at(2026, 11, 20, 16, 0), at(2026, 11, 23, 9, 0), 120},
		{"all of a weekend", weekdays, at(2026, 11, 21, 0, 0), at(2026, 11, 23, 0, 0), 0},
		{"christmas is a holiday", weekdays, at(2026, 12, 24, 16, 0), at(2026, 12, 28, 8, 30), 90},
		{"before opening", weekdays, at(2026, 11, 16, 6, 0), at(2026, 11, 16, 7, 0), 0},
		{"reversed range", weekdays, at(2026, 11, 16, 12, 0), at(2026, 11, 16, 9, 0), 0},
		{"from UTC input", weekdays, time.Date(2026, 11, 16, 15, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 16, 0, 0, 0, time.UTC), 60},
		{"a full week", weekdays, at(2026, 11, 16, 0, 0), at(2026, 11, 23, 0, 0), 5 * 8 * 60},
		// DST: Chicago springs forward on 2026-03-08 and falls back on 2026-11-01.
		{"spring-forward day is 23 hours", always, at(2026, 3, 8, 0, 0), at(2026, 3, 9, 0, 0), 23 * 60},
		{"fall-back day is 25 hours", always, at(2026, 11, 1, 0, 0), at(2026, 11, 2, 0, 0), 25 * 60},
		{"ordinary day is 24 hours", always, at(2026, 11, 2, 0, 0), at(2026, 11, 3, 0, 0), 24 * 60},
		{"night span over spring forward", night, at(2026, 3, 8, 0, 0), at(2026, 3, 8, 12, 0), 2 * 60},
		{"night span over fall back", night, at(2026, 11, 1, 0, 0), at(2026, 11, 1, 12, 0), 4 * 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.BusinessMinutes(tc.from, tc.to); got != tc.want {
				t.Errorf("BusinessMinutes(%v, %v) = %v, want %v", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestParseCalendarErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  CalendarConfig
		want string
	}{
		{"zone", CalendarConfig{TimeZone: "Mars/Base"}, "calendar.time_zone"},
		{"empty zone", CalendarConfig{}, "calendar.time_zone"},
		{"day", CalendarConfig{TimeZone: "UTC", Hours: map[string][]string{"monday": {"08:00-09:00"}}}, "calendar.hours.monday"},
		{"span", CalendarConfig{TimeZone: "UTC", Hours: map[string][]string{"mon": {"8-9"}}}, "calendar.hours.mon[0]"},
		{"reversed", CalendarConfig{TimeZone: "UTC", Hours: map[string][]string{"mon": {"17:00-08:00"}}}, "ends before it starts"},
		{"late", CalendarConfig{TimeZone: "UTC", Hours: map[string][]string{"mon": {"08:00-24:30"}}}, "calendar.hours.mon[0]"},
		{"holiday", CalendarConfig{TimeZone: "UTC", Holidays: []string{"25/12/2026"}}, "calendar.holidays[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCalendar(tc.cfg)
			if rapport.ErrorCode(err) != rapport.EINVALID || !strings.Contains(rapport.ErrorMessage(err), tc.want) {
				t.Errorf("ParseCalendar = %v, want EINVALID mentioning %q", err, tc.want)
			}
		})
	}
}

func TestComputeSLA(t *testing.T) {
	cal := mustCalendar(t, CalendarConfig{TimeZone: "UTC", Hours: map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}}})
	created := time.Date(2026, 11, 16, 16, 0, 0, 0, time.UTC) // a Monday
	c := rapport.Conversation{CreatedAt: created, FirstResponseAt: created.Add(18 * time.Hour)}
	got := ComputeSLA(c, cal, Targets{FirstResponseMinutes: 60, ResolutionMinutes: 600}, created.Add(20*time.Hour))
	want := SLA{FirstResponseMinutes: 18 * 60, FirstResponseBusinessMinutes: 120, ResolutionMinutes: 20 * 60,
		ResolutionBusinessMinutes: 240, ResolutionPending: true, FirstResponseBreached: true}
	if got != want {
		t.Errorf("ComputeSLA = %+v, want %+v", got, want)
	}
	// Without a calendar business minutes are raw minutes.
	got = ComputeSLA(c, nil, Targets{}, created.Add(20*time.Hour))
	if got.FirstResponseBusinessMinutes != 18*60 || got.FirstResponseBreached {
		t.Errorf("ComputeSLA without calendar = %+v, want raw minutes and no breach", got)
	}
}
