package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/rapport-health/rapport/internal/postgres"
	"github.com/rapport-health/rapport/internal/postgres/pgtest"
	"github.com/rapport-health/rapport/internal/sqlstore"
	"github.com/rapport-health/rapport/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, cfg sqlstore.Config) (*sqlstore.Store, *sql.DB) {
		url := pgtest.URL(t)
		s, err := postgres.Open(context.Background(), url, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		raw, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return s, raw
	})
}
