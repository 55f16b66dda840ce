package compliance

import (
	"time"

	"github.com/rapport-health/rapport"
)

// Cap limits how many messages one patient may receive within Days local
// calendar days: the day of the send and the Days-1 days before it, in the
// recipient's time zone. Days=1 is "per day" (local midnight to midnight,
// 23 or 25 hours long on DST days); Days=7 is "per week", a rolling window
// of seven local calendar days, which is stricter than a calendar week
// (a calendar week would allow three sends on Saturday and three more on
// Sunday–Tuesday).
type Cap struct {
	Max  int
	Days int
}

// Caps is a set of caps that must all hold.
type Caps []Cap

// HealthcareCaps returns the caps of the TCPA healthcare exemption (FCC
// 15-72, the 2015 TCPA Omnibus Declaratory Ruling and Order): at most one
// message a day and three a week per patient, counting only the exempt
// messages.
func HealthcareCaps() Caps { return Caps{{Max: 1, Days: 1}, {Max: 3, Days: 7}} }

// Validate reports whether every cap is usable.
func (cs Caps) Validate() error {
	for _, c := range cs {
		if c.Max < 0 || c.Days < 1 || c.Days > 366 {
			return rapport.Errorf(rapport.EINVALID, "frequency cap %d per %d days: want max >= 0 and 1 to 366 days", c.Max, c.Days)
		}
	}
	return nil
}

// CapDecision is the outcome of Caps.Check.
type CapDecision struct {
	Allowed bool
	// Cap is the first cap that forbids the send now (zero when Allowed).
	Cap Cap
	// Next is now when Allowed; otherwise the local midnight at which every
	// cap allows a send again, or the zero time if none ever will (Max 0).
	Next time.Time
}

// Check decides whether one more message may be sent at now to a recipient
// in loc who already received messages at the times in sent (in any order;
// sends after now are counted as if they had happened now, so a clock skew
// never lets a cap be exceeded).
func (cs Caps) Check(now time.Time, loc *time.Location, sent []time.Time) CapDecision {
	today := civil(now, loc)
	days := make([]int, 0, len(sent))
	for _, s := range sent {
		d := civil(s, loc)
		if d > today {
			d = today
		}
		days = append(days, d)
	}
	blocking := func(day int) (Cap, bool) {
		for _, c := range cs {
			n := 0
			for _, d := range days {
				if d > day-c.Days && d <= day {
					n++
				}
			}
			if n >= c.Max {
				return c, true
			}
		}
		return Cap{}, false
	}
	c, blocked := blocking(today)
	if !blocked {
		return CapDecision{Allowed: true, Next: now}
	}
	maxDays := 0
	for _, c := range cs {
		if c.Max == 0 {
			return CapDecision{Cap: c}
		}
		maxDays = max(maxDays, c.Days)
	}
	l := now.In(loc)
	for i := 1; i <= maxDays; i++ {
		if _, b := blocking(today + i); !b {
			return CapDecision{Cap: c, Next: startOf(l.Year(), l.Month(), l.Day()+i, 0, loc)}
		}
	}
	return CapDecision{Cap: c}
}

// civil returns t's local calendar date in loc as a day number.
func civil(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Earliest returns the first instant at or after now at which both the
// window and the caps allow a send to a recipient in loc, or the zero time
// if there is none. Deferred sends should be scheduled for this instant.
func Earliest(now time.Time, loc *time.Location, w Window, cs Caps, sent []time.Time) time.Time {
	t := now
	for range 32 {
		d := cs.Check(t, loc, sent)
		if d.Next.IsZero() {
			return time.Time{}
		}
		t = w.NextAllowed(d.Next, loc)
		if t.IsZero() {
			return t
		}
		if cs.Check(t, loc, sent).Allowed {
			return t
		}
	}
	return time.Time{}
}
