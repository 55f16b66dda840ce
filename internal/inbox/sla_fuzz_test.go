package inbox

import (
	"testing"
	"time"
)

// FuzzBusinessMinutes checks, for any calendar span and any interval, that
// parsing never panics and that business minutes stay within 0 and the
// raw minutes of the interval, and add up over a split interval.
func FuzzBusinessMinutes(f *testing.F) {
	f.Add("08:00-17:00", "America/Chicago", int64(1772928000), int64(86400*3), int64(3600))
	f.Add("00:00-24:00", "Europe/London", int64(1792800000), int64(86400), int64(7200))
	f.Add("01:00-04:00", "America/New_York", int64(1772870400), int64(36000), int64(100))
	f.Add("12:60-13:00", "UTC", int64(0), int64(-5), int64(0))
	f.Fuzz(func(t *testing.T, span, zone string, from, length, split int64) {
		cal, err := ParseCalendar(CalendarConfig{TimeZone: zone, Hours: map[string][]string{
			"mon": {span}, "tue": {span}, "wed": {span}, "thu": {span}, "fri": {span}, "sat": {span}, "sun": {span}}})
		if err != nil {
			return
		}
		length %= 40 * 86400 // keep an interval to weeks
		a := time.Unix(from%(1<<33), 0)
		b := a.Add(time.Duration(length) * time.Second)
		got := cal.BusinessMinutes(a, b)
		raw := b.Sub(a).Minutes()
		if got < 0 || (raw > 0 && got > raw+1e-9) || (raw <= 0 && got != 0) {
			t.Fatalf("BusinessMinutes over %v minutes = %v, want within [0, raw]", raw, got)
		}
		if raw > 0 {
			m := a.Add(time.Duration(split%(length+1)) * time.Second)
			if m.Before(a) {
				m = a
			}
			sum := cal.BusinessMinutes(a, m) + cal.BusinessMinutes(m, b)
			if d := sum - got; d > 1e-6 || d < -1e-6 {
				t.Fatalf("split at %v: %v + … = %v, want %v", m, cal.BusinessMinutes(a, m), sum, got)
			}
		}
	})
}
