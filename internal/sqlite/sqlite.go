// Package sqlite opens Rapport's embedded SQLite database: one writer
// connection that takes immediate transactions, and a pool of read-only
// connections, over a WAL journal. It uses modernc.org/sqlite, which needs
// no cgo.
//
// It holds the SQLite DDL (migrations/) and the dialect; the store logic is
// in internal/sqlstore. It must not contain SQL that implements a contract.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rapport-health/rapport/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's dialect.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{Name: "sqlite", SplitCounts: true, MaxParams: 32766, IsUnique: isUnique}
}

func isUnique(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Open opens (creating if needed) the database file at path, migrates it,
// and returns a store. cfg's Writer, Reader and Dialect are filled in.
func Open(ctx context.Context, path string, cfg sqlstore.Config) (*sqlstore.Store, error) {
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// The writer gets a large page cache: a bulk import touches the whole
	// patient and identifier indexes, and a cache miss is a system call.
	w, err := sql.Open("sqlite", base+"?"+common+"&_pragma=journal_mode(WAL)&_pragma=cache_size(-262144)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, w, Dialect(), sub); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate sqlite: %w", err)
	}
	r, err := sql.Open("sqlite", base+"?"+common+"&_pragma=query_only(1)&_pragma=mmap_size(17179869184)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	cfg.Writer, cfg.Reader, cfg.Dialect = w, r, Dialect()
	return sqlstore.New(cfg), nil
}
