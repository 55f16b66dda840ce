package compliance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zone rules must not depend on the host's zoneinfo files

	"github.com/rapport-health/rapport"
)

// Clock is a wall-clock time of day, in seconds since local midnight.
type Clock int

// Wall returns the wall-clock time of day of t in its own location.
func Wall(t time.Time) Clock {
	h, m, s := t.Clock()
	return Clock(h*3600 + m*60 + s)
}

// ParseClock parses "HH:MM" (00:00 to 24:00).
func ParseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, rapport.Errorf(rapport.EINVALID, "time of day %q: want HH:MM between 00:00 and 24:00", s)
	}
	return Clock(hh*3600 + mm*60), nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/3600, int(c)%3600/60) }

// Window is the part of each local day in which messages may be sent:
// from Start (inclusive) to End (exclusive), never on Closed weekdays or on
// Holidays. It is configuration: the default is DefaultWindow, and stricter
// windows per state or per organisation are combined with Intersect.
type Window struct {
	Start, End Clock
	// Closed are weekdays on which nothing is sent (e.g. Sunday).
	Closed []time.Weekday
	// Holidays are local calendar dates on which nothing is sent, as
	// "YYYY-MM-DD".
	Holidays []string
}

// DefaultWindow returns the federal TCPA calling window: 08:00 to 21:00 in
// the recipient's local time, every day.
func DefaultWindow() Window { return Window{Start: 8 * 3600, End: 21 * 3600} }

// ParseWindow parses "HH:MM-HH:MM" with optional comma-separated closed
// weekdays and holidays after a semicolon, e.g.
// "08:00-20:00; closed=sun; holidays=2026-12-25,2027-01-01".
func ParseWindow(s string) (Window, error) {
	parts := strings.Split(s, ";")
	from, to, ok := strings.Cut(parts[0], "-")
	if !ok {
		return Window{}, rapport.Errorf(rapport.EINVALID, "window %q: want HH:MM-HH:MM", s)
	}
	var w Window
	var err error
	if w.Start, err = ParseClock(from); err != nil {
		return Window{}, err
	}
	if w.End, err = ParseClock(to); err != nil {
		return Window{}, err
	}
	for _, p := range parts[1:] {
		key, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		for _, item := range strings.Split(val, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			switch strings.TrimSpace(key) {
			case "closed":
				d, ok := weekdays[strings.ToLower(item)]
				if !ok {
					return Window{}, rapport.Errorf(rapport.EINVALID, "window %q: unknown weekday %q (want sun, mon… sat)", s, item)
				}
				w.Closed = append(w.Closed, d)
			case "holidays":
				if _, err := time.Parse(time.DateOnly, item); err != nil {
					return Window{}, rapport.Errorf(rapport.EINVALID, "window %q: holiday %q is not YYYY-MM-DD", s, item)
				}
				w.Holidays = append(w.Holidays, item)
			default:
				return Window{}, rapport.Errorf(rapport.EINVALID, "window %q: unknown field %q (want closed or holidays)", s, key)
			}
		}
	}
	return w, w.Validate()
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Validate reports whether w can ever allow a send.
func (w Window) Validate() error {
	if w.Start < 0 || w.End > 24*3600 || w.Start >= w.End {
		return rapport.Errorf(rapport.EINVALID, "window %v-%v is empty: start must be before end", w.Start, w.End)
	}
	open := 7
	for d := time.Sunday; d <= time.Saturday; d++ {
		if slices.Contains(w.Closed, d) {
			open--
		}
	}
	if open == 0 {
		return rapport.Errorf(rapport.EINVALID, "window closes every weekday")
	}
	return nil
}

// Intersect returns the window allowed by both w and o: the later start,
// the earlier end, and the union of closed days and holidays. Combining
// the default, a state's and an organisation's windows this way always
// yields the strictest rule.
func (w Window) Intersect(o Window) Window {
	r := Window{Start: max(w.Start, o.Start), End: min(w.End, o.End)}
	r.Closed = append(slices.Clone(w.Closed), o.Closed...)
	r.Holidays = append(slices.Clone(w.Holidays), o.Holidays...)
	return r
}

// Allowed reports whether a message may be sent at instant t to a
// recipient in loc. The test is on the local wall clock, so it is right on
// both sides of a DST change: during a fall-back overlap both occurrences of
// 01:30 are 01:30, and a spring-forward gap simply has no wall times.
func (w Window) Allowed(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	c := Wall(l)
	return c >= w.Start && c < w.End && w.openDay(l)
}

func (w Window) openDay(l time.Time) bool {
	if slices.Contains(w.Closed, l.Weekday()) {
		return false
	}
	if len(w.Holidays) > 0 && slices.Contains(w.Holidays, l.Format(time.DateOnly)) {
		return false
	}
	return true
}

// NextAllowed returns the first instant at or after now at which w allows a
// send to a recipient in loc: now itself when allowed, else the start of
// the next open window in local time. It returns the zero time when w
// never opens within 400 days (an invalid window).
func (w Window) NextAllowed(now time.Time, loc *time.Location) time.Time {
	if w.Allowed(now, loc) {
		return now
	}
	if w.Validate() != nil {
		return time.Time{}
	}
	l := now.In(loc)
	y, m, d := l.Date()
	for i := range 400 {
		s := startOf(y, m, d+i, w.Start, loc)
		if s.Before(now) || !w.openDay(s) || !w.Allowed(s, loc) {
			continue
		}
		return s
	}
	return time.Time{}
}

// startOf returns the first instant of local date (y, m, d) whose wall clock
// is at or after c. In a spring-forward gap that is the transition itself;
// in a fall-back overlap it is the first of the two occurrences.
func startOf(y int, m time.Month, d int, c Clock, loc *time.Location) time.Time {
	t := time.Date(y, m, d, int(c)/3600, int(c)%3600/60, int(c)%60, 0, loc)
	if Wall(t) != c {
		// The wall time does not exist (gap): the zone period t falls in
		// begins at the transition, the earliest later wall time.
		// Depending on the offset time.Date chose, t lies before or after
		// the transition.
		start, end := t.ZoneBounds()
		if Wall(t) < c && !end.IsZero() {
			return end
		}
		if !start.IsZero() && start.YearDay() == t.YearDay() {
			return start
		}
		return t
	}
	// An overlap repeats wall times; take the earlier instant if there is one.
	for _, back := range []time.Duration{2 * time.Hour, time.Hour, 30 * time.Minute} {
		if e := t.Add(-back); Wall(e) == c && e.Day() == t.Day() {
			return e
		}
	}
	return t
}

// Rules are an organisation's quiet-hour rules: the default window, stricter
// windows per state (USPS code, e.g. "FL") and per organisation id, and the
// time zone assumed when a recipient's is unknown.
type Rules struct {
	Default  Window
	States   map[string]Window
	Orgs     map[string]Window
	Fallback *time.Location
}

// Window returns the window that applies to a recipient in state for
// organisation orgID: the intersection of the default and any configured
// state and organisation windows.
func (r Rules) Window(state, orgID string) Window {
	w := r.Default
	if w.Start == 0 && w.End == 0 {
		w = DefaultWindow()
	}
	if s, ok := r.States[strings.ToUpper(strings.TrimSpace(state))]; ok {
		w = w.Intersect(s)
	}
	if o, ok := r.Orgs[orgID]; ok {
		w = w.Intersect(o)
	}
	return w
}

// Zones resolves IANA zone names to locations, caching them, and falls back
// to a default for unknown or empty names. It is safe for concurrent use.
type Zones struct {
	fallback *time.Location
	mu       sync.RWMutex
	m        map[string]*time.Location
}

// NewZones returns a resolver that answers fallback for unknown names.
func NewZones(fallback *time.Location) *Zones {
	return &Zones{fallback: fallback, m: map[string]*time.Location{}}
}

// Location returns the location named name, and whether it was known; for
// an empty or unknown name it returns the fallback and false.
func (z *Zones) Location(name string) (*time.Location, bool) {
	if name == "" {
		return z.fallback, false
	}
	z.mu.RLock()
	loc, ok := z.m[name]
	z.mu.RUnlock()
	if ok {
		return loc, true
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return z.fallback, false
	}
	z.mu.Lock()
	z.m[name] = loc
	z.mu.Unlock()
	return loc, true
}
