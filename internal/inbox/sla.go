package inbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// Span is a stretch of a day in minutes after local midnight, End
// exclusive; 24:00 is 1440.
type Span struct{ Start, End int }

// Calendar is an organisation's business hours: weekly opening spans in a
// time zone, and holidays (local dates) when it is closed all day.
type Calendar struct {
	Location *time.Location
	Weekly   [7][]Span // by time.Weekday
	Holidays map[string]bool
}

// CalendarConfig is a calendar as configured, for example
//
//	{"time_zone": "America/Chicago",
//	 "hours": {"mon": ["08:00-12:00", "13:00-17:00"], "sat": ["09:00-13:00"]},
//	 "holidays": ["2026-12-25"]}
type CalendarConfig struct {
	TimeZone string              `json:"time_zone"`
	Hours    map[string][]string `json:"hours"`
	Holidays []string            `json:"holidays,omitempty"`
}

// weekday parses a three-letter day name.
func weekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(s, d.String()[:3]) {
			return d, true
		}
	}
	return 0, false
}

// ParseCalendar validates cfg. Errors name the field at fault.
func ParseCalendar(cfg CalendarConfig) (*Calendar, error) {
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil || cfg.TimeZone == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "calendar.time_zone: %q is not an IANA time zone", cfg.TimeZone)
	}
	c := &Calendar{Location: loc, Holidays: map[string]bool{}}
	for day, spans := range cfg.Hours {
		wd, ok := weekday(day)
		if !ok {
			return nil, rapport.Errorf(rapport.EINVALID, "calendar.hours.%s: unknown day (want sun, mon, tue, wed, thu, fri or sat)", day)
		}
		for i, sp := range spans {
			s, err := parseSpan(sp)
			if err != nil {
				return nil, rapport.Errorf(rapport.EINVALID, "calendar.hours.%s[%d]: %v", day, i, err)
			}
			c.Weekly[wd] = append(c.Weekly[wd], s)
		}
	}
	for i, h := range cfg.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return nil, rapport.Errorf(rapport.EINVALID, "calendar.holidays[%d]: %q is not a YYYY-MM-DD date", i, h)
		}
		c.Holidays[h] = true
	}
	return c, nil
}

func parseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	start, err1 := parseClock(a)
	end, err2 := parseClock(b)
	if err1 != nil || err2 != nil {
		return Span{}, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	if end <= start {
		return Span{}, fmt.Errorf("%q ends before it starts", s)
	}
	return Span{start, end}, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("bad time")
	}
	return hh*60 + mm, nil
}

// BusinessMinutes returns the minutes between from and to that fall in
// business hours. Spans are placed on each local date with time.Date, so a
// span that crosses a daylight-saving change counts the hour that really
// elapsed (a 00:00-24:00 day is 23 or 25 hours long on change days).
func (c *Calendar) BusinessMinutes(from, to time.Time) float64 {
	if c == nil || !to.After(from) {
		return 0
	}
	lf, lt := from.In(c.Location), to.In(c.Location)
	day := time.Date(lf.Year(), lf.Month(), lf.Day(), 12, 0, 0, 0, c.Location)
	last := time.Date(lt.Year(), lt.Month(), lt.Day(), 12, 0, 0, 0, c.Location)
	var total time.Duration
	for n := 0; !day.After(last) && n < 3700; n++ {
		y, m, d := day.Date()
		if !c.Holidays[day.Format(time.DateOnly)] {
			for _, sp := range c.Weekly[day.Weekday()] {
				s := time.Date(y, m, d, 0, sp.Start, 0, 0, c.Location)
				e := time.Date(y, m, d, 0, sp.End, 0, 0, c.Location)
				if s.Before(from) {
					s = from
				}
				if e.After(to) {
					e = to
				}
				if e.After(s) {
					total += e.Sub(s)
				}
			}
		}
		day = time.Date(y, m, d+1, 12, 0, 0, 0, c.Location)
	}
	return total.Minutes()
}

// Targets are an organisation's SLA targets. Zero disables a target.
// Business targets count business minutes when the organisation has a
// calendar, raw minutes otherwise.
type Targets struct {
	FirstResponseMinutes float64 `json:"first_response_minutes"`
	ResolutionMinutes    float64 `json:"resolution_minutes"`
}

// SLA is a conversation's timers: time to first response and to
// resolution, in raw minutes and in business minutes (equal to raw when
// there is no calendar). A timer still running is measured to now and
// marked pending.
type SLA struct {
	FirstResponseMinutes         float64 `json:"first_response_minutes"`
	FirstResponseBusinessMinutes float64 `json:"first_response_business_minutes"`
	FirstResponsePending         bool    `json:"first_response_pending"`
	ResolutionMinutes            float64 `json:"resolution_minutes"`
	ResolutionBusinessMinutes    float64 `json:"resolution_business_minutes"`
	ResolutionPending            bool    `json:"resolution_pending"`
	FirstResponseBreached        bool    `json:"first_response_breached"`
	ResolutionBreached           bool    `json:"resolution_breached"`
}

// ComputeSLA measures c's timers at now against cal (may be nil) and t.
func ComputeSLA(c rapport.Conversation, cal *Calendar, t Targets, now time.Time) SLA {
	var s SLA
	business := func(from, to time.Time) float64 {
		if cal == nil {
			return to.Sub(from).Minutes()
		}
		return cal.BusinessMinutes(from, to)
	}
	end := c.FirstResponseAt
	if end.IsZero() {
		end, s.FirstResponsePending = now, true
	}
	s.FirstResponseMinutes = max(end.Sub(c.CreatedAt).Minutes(), 0)
	s.FirstResponseBusinessMinutes = business(c.CreatedAt, end)
	end = c.ResolvedAt
	if end.IsZero() {
		end, s.ResolutionPending = now, true
	}
	s.ResolutionMinutes = max(end.Sub(c.CreatedAt).Minutes(), 0)
	s.ResolutionBusinessMinutes = business(c.CreatedAt, end)
	s.FirstResponseBreached = t.FirstResponseMinutes > 0 && s.FirstResponseBusinessMinutes > t.FirstResponseMinutes
	s.ResolutionBreached = t.ResolutionMinutes > 0 && s.ResolutionBusinessMinutes > t.ResolutionMinutes
	return s
}
