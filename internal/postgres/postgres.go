// Package postgres opens Rapport's PostgreSQL database through pgx's
// database/sql driver, migrates it, and hands it to internal/sqlstore.
//
// It holds the PostgreSQL DDL (migrations/) and the dialect; the store logic
// is in internal/sqlstore. It must not contain SQL that implements a
// contract.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/rapport-health/rapport/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's dialect.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{Name: "postgres", Numbered: true, ForUpdate: " FOR UPDATE", SkipLocked: " FOR UPDATE SKIP LOCKED", MaxParams: 65535, IsUnique: isUnique}
}

func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// Open connects to the database at url (a postgres:// URL or key=value
// string), migrates it, and returns a store.
func Open(ctx context.Context, url string, cfg sqlstore.Config) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, db, Dialect(), sub); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate postgres: %w", err)
	}
	cfg.Writer, cfg.Reader, cfg.Dialect = db, db, Dialect()
	return sqlstore.New(cfg), nil
}
