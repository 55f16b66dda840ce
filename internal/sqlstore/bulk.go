package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// bulk accumulates rows for one multi-row INSERT. A bulk import writes
// whole batches of new patients in a few statements instead of one
// statement per row, which is where the time of a large import goes.
type bulk struct {
	table  string
	cols   []string
	suffix string // e.g. " ON CONFLICT (…) DO NOTHING"
	args   []any
	rows   int
	stmts  map[int]*sql.Stmt // prepared statements by row count
}

func newBulk(table, cols, suffix string) *bulk {
	return &bulk{table: table, cols: strings.Split(cols, ", "), suffix: suffix}
}

func (b *bulk) add(vals ...any) {
	b.args = append(b.args, vals...)
	b.rows++
}

// flush writes the accumulated rows in statements of at most maxParams
// parameters and 500 rows.
func (b *bulk) flush(ctx context.Context, s *Store, tx *sql.Tx) error {
	n := len(b.cols)
	per := min(max(s.d.MaxParams/n, 1), 500)
	one := "(?" + strings.Repeat(", ?", n-1) + ")"
	for start := 0; start < b.rows; start += per {
		end := min(start+per, b.rows)
		var q strings.Builder
		q.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES ")
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString(one)
		}
		q.WriteString(b.suffix)
		// Parsing a 500-row VALUES list costs as much as executing it, so
		// each statement shape is prepared once per transaction.
		st := b.stmts[end-start]
		if st == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, s.q(q.String())); err != nil {
				return internal("prepare bulk insert "+b.table, err)
			}
			if b.stmts == nil {
				b.stmts = map[int]*sql.Stmt{}
			}
			b.stmts[end-start] = st
		}
		if _, err := st.ExecContext(ctx, b.args[start*n:end*n]...); err != nil {
			return internal("bulk insert "+b.table, err)
		}
	}
	b.args, b.rows = b.args[:0], 0
	return nil
}
