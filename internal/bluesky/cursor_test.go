package bluesky

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
)

func TestParseCursor(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // String() of the result; "" with wantErr
		err  bool
	}{
		{"empty", "", "", false},
		{"mark only", "v1|2026-11-21T10:00:00.123Z|", "v1|2026-11-21T10:00:00.123Z|", false},
		{"sorts and dedupes", "v1|2026-11-21T10:00:00Z|at://b/x/1,at://a/x/1,at://b/x/1", "v1|2026-11-21T10:00:00Z|at://a/x/1,at://b/x/1", false},
		{"offset time normalised", "v1|2026-11-21T12:00:00+02:00|at://a/x/1", "v1|2026-11-21T10:00:00Z|at://a/x/1", false},
		{"wrong version", "v2|2026-11-21T10:00:00Z|", "", true},
		{"listNotifications cursor", "2026-11-21T10:00:00.000Z", "", true},
		{"bad time", "v1|yesterday|", "", true},
		{"bad uri", "v1|2026-11-21T10:00:00Z|https://x", "", true},
		{"empty uri", "v1|2026-11-21T10:00:00Z|at://a/x/1,", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCursor(tt.in)
			if tt.err {
				if rapport.ErrorCode(err) != rapport.EINVALID {
					t.Errorf("parseCursor(%q) error = %v, want EINVALID", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseCursor(%q): %v", tt.in, err)
			}
			if got := c.String(); got != tt.want {
				t.Errorf("parseCursor(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCursorAdvance(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	var c cursor
	c = c.advance(t0, "at://a/p/1")
	c = c.advance(t0, "at://a/p/2")
	c = c.advance(t0.Add(-time.Second), "at://a/p/0") // older: changes nothing
	if got, want := c.String(), "v1|2026-11-21T10:00:00Z|at://a/p/1,at://a/p/2"; got != want {
		t.Fatalf("cursor = %q, want %q", got, want)
	}
	seen := []struct {
		at   time.Time
		uri  string
		want bool
	}{
		{t0, "at://a/p/1", true},
		{t0, "at://a/p/3", false}, // same millisecond, new item
		{t0.Add(-time.Millisecond), "at://a/p/9", true},
		{t0.Add(time.Millisecond), "at://a/p/1", false},
	}
	for _, s := range seen {
		if got := c.isSeen(s.at, s.uri); got != s.want {
			t.Errorf("isSeen(%v, %s) = %t, want %t", s.at, s.uri, got, s.want)
		}
	}
	c = c.advance(t0.Add(time.Second), "at://a/p/4")
	if got, want := c.String(), "v1|2026-11-21T10:00:01Z|at://a/p/4"; got != want {
		t.Errorf("cursor after a newer item = %q, want %q", got, want)
	}
}

// FuzzParseCursor: parsing never panics, and whatever parses prints to a
// form that parses to the same cursor.
func FuzzParseCursor(f *testing.F) {
	f.Add("")
	f.Add("v1|2026-11-21T10:00:00.123Z|at://did:plc:x/app.bsky.feed.post/3k")
	f.Add("v1|2026-11-21T10:00:00Z|at://a,at://b")
	f.Add("v1||")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		again, err := parseCursor(c.String())
		if err != nil {
			t.Fatalf("parseCursor(%q) = %q, which does not parse: %v", s, c.String(), err)
		}
		if again.String() != c.String() || !again.mark.Equal(c.mark) {
			t.Errorf("round trip of %q: %q then %q", s, c.String(), again.String())
		}
		if strings.Count(c.String(), "|") > 2 && !c.isZero() {
			t.Errorf("cursor %q has a stray separator", c.String())
		}
	})
}
