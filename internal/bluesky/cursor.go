package bluesky

import (
	"slices"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// cursor is Fetch's position: the newest notification time seen (its
// indexedAt) and the URIs seen at exactly that time, so that a notification
// indexed in the same millisecond as the last one is neither lost nor
// returned twice. listNotifications' own cursor pages towards older items,
// so it cannot be the "newer than" mark the Connector contract asks for.
//
// Encoded as "v1|<RFC3339Nano>|<uri>,<uri>…"; "" is the zero cursor.
type cursor struct {
	mark time.Time
	seen []string // sorted, no duplicates
}

const cursorVersion = "v1"

func (c cursor) isZero() bool { return c.mark.IsZero() }

func (c cursor) String() string {
	if c.isZero() {
		return ""
	}
	return cursorVersion + "|" + c.mark.UTC().Format(time.RFC3339Nano) + "|" + strings.Join(c.seen, ",")
}

// isSeen reports whether a notification at t with uri was already returned.
func (c cursor) isSeen(t time.Time, uri string) bool {
	if c.isZero() {
		return false
	}
	if t.Before(c.mark) {
		return true
	}
	if t.Equal(c.mark) {
		_, found := slices.BinarySearch(c.seen, uri)
		return found
	}
	return false
}

// advance returns the cursor after also seeing uri at t.
func (c cursor) advance(t time.Time, uri string) cursor {
	switch {
	case c.isZero() || t.After(c.mark):
		return cursor{mark: t, seen: []string{uri}}
	case t.Equal(c.mark):
		i, found := slices.BinarySearch(c.seen, uri)
		if !found {
			c.seen = slices.Insert(slices.Clone(c.seen), i, uri)
		}
	}
	return c
}

// parseCursor reads a cursor made by String. Anything else is EINVALID
// with the part that is wrong.
func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 || parts[0] != cursorVersion {
		return cursor{}, rapport.Errorf(rapport.EINVALID, "bluesky cursor: want %s|time|uris", cursorVersion)
	}
	t, err := time.Parse(time.RFC3339Nano, parts[1])
	if err != nil || t.IsZero() {
		return cursor{}, rapport.Errorf(rapport.EINVALID, "bluesky cursor: time field is not an RFC 3339 time")
	}
	c := cursor{mark: t.UTC()}
	if parts[2] != "" {
		for i, u := range strings.Split(parts[2], ",") {
			if !strings.HasPrefix(u, "at://") || strings.ContainsAny(u, "| ") {
				return cursor{}, rapport.Errorf(rapport.EINVALID, "bluesky cursor: uri %d is not an at:// URI", i+1)
			}
			c.seen = append(c.seen, u)
		}
	}
	slices.Sort(c.seen)
	c.seen = slices.Compact(c.seen)
	return c, nil
}
