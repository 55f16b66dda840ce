package sqlstore

import (
	"strconv"
	"strings"
)

// Dialect is what an adapter tells the store about its database.
type Dialect struct {
	// Name is "sqlite" or "postgres", for messages.
	Name string
	// Numbered placeholders: rewrite `?` as $1, $2…
	Numbered bool
	// ForUpdate is appended to a SELECT that must lock the rows it reads
	// until the transaction ends (" FOR UPDATE"); empty where the database
	// has a single writer.
	ForUpdate string
	// SkipLocked is appended to a SELECT that claims a queued job, so that
	// concurrent workers pass over rows another holds (" FOR UPDATE SKIP
	// LOCKED"); empty where the database has a single writer.
	SkipLocked string
	// SplitCounts runs an audience count as several statements at once,
	// each over a disjoint share of the patients, on the reader pool: for a
	// database that runs one statement on one core (SQLite). PostgreSQL
	// plans parallel workers itself.
	SplitCounts bool
	// MaxParams is the most bind parameters one statement may carry.
	MaxParams int
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(error) bool
}

// Rebind rewrites `?` placeholders for the dialect. The store's SQL never has
// `?` inside string literals.
func (d Dialect) Rebind(q string) string {
	if !d.Numbered {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
