package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, cfg sqlstore.Config) (*sqlstore.Store, *sql.DB) {
		path := filepath.Join(t.TempDir(), "rapport.db")
		s, err := sqlite.Open(context.Background(), path, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return s, raw
	})
}
