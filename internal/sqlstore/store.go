package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/audit"
)

// Store implements the rapport store contracts.
type Store struct {
	w      *sql.DB // the writer: one connection on SQLite, the pool on PostgreSQL
	r      *sql.DB // readers
	d      Dialect
	signer *audit.Signer
	now    func() time.Time
	log    *slog.Logger
}

// Config is what an adapter hands to New.
type Config struct {
	Writer  *sql.DB
	Reader  *sql.DB // may equal Writer
	Dialect Dialect
	// Signer signs audit checkpoints; nil disables checkpoints.
	Signer *audit.Signer
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// New returns a store over already-migrated databases.
func New(cfg Config) *Store {
	s := &Store{w: cfg.Writer, r: cfg.Reader, d: cfg.Dialect, signer: cfg.Signer, now: cfg.Now, log: cfg.Logger}
	if s.r == nil {
		s.r = s.w
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

var (
	_ rapport.OrgStore     = (*Store)(nil)
	_ rapport.PatientStore = (*Store)(nil)
	_ rapport.AuditStore   = (*Store)(nil)
)

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.d }

// Close closes the databases.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// q rebinds a query for the dialect.
func (s *Store) q(query string) string { return s.d.Rebind(query) }

// clock returns the current time truncated to what the databases keep.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// newID returns a 128-bit identifier in hex (valid as a FHIR id and
// meaningless outside Rapport): 48 bits of milliseconds since the epoch,
// then 80 random bits, as in UUIDv7. Ids made close in time sort close
// together, so a bulk import appends to the right edge of every index
// instead of splitting pages all over it — several times faster on both
// databases.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("sqlstore: crypto/rand: %v", err))
	}
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return hex.EncodeToString(b[:])
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// internal wraps a database error. Driver errors never carry bound values,
// so the cause is safe to log.
func internal(op string, err error) error {
	return &rapport.Error{Code: rapport.EINTERNAL, Message: "database error", Err: fmt.Errorf("%s: %w", op, err)}
}

// notFound maps sql.ErrNoRows to ENOTFOUND.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return rapport.Errorf(rapport.ENOTFOUND, "%s not found", what)
	}
	return internal("find "+what, err)
}

// inTx runs fn in a write transaction and commits it if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return internal("begin", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return internal("commit", err)
	}
	return nil
}

// Migrate applies the numbered .sql files of migrations that db has not
// seen yet, each in its own transaction, recording them in
// schema_migrations. Files are applied in name order; released files are
// never edited, only added.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, migrations fs.FS) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(name, ".sql")
		var n int
		if err := db.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if n > 0 {
			continue
		}
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
			version, time.Now().UnixMicro()); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}
