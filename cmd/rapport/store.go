package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/audit"
	"github.com/rapport-health/rapport/internal/postgres"
	"github.com/rapport-health/rapport/internal/sqlite"
	"github.com/rapport-health/rapport/internal/sqlstore"
)

// storeFlags are the flags of every command that opens the database.
type storeFlags struct {
	data        string
	databaseURL string
	keyFile     string
}

func (f *storeFlags) register(fs *flag.FlagSet, e *env) {
	data := e.getenv("RAPPORT_DATA")
	if data == "" {
		data = "rapport-data"
	}
	fs.StringVar(&f.data, "data", data, "data directory: the embedded SQLite database and the audit signing key (env RAPPORT_DATA)")
	fs.StringVar(&f.databaseURL, "database-url", e.getenv("RAPPORT_DATABASE_URL"), "PostgreSQL URL; empty means embedded SQLite in --data (env RAPPORT_DATABASE_URL)")
	fs.StringVar(&f.keyFile, "audit-key-file", e.getenv("RAPPORT_AUDIT_KEY_FILE"), "Ed25519 seed (hex) signing audit checkpoints; default DATA/audit-signing.key, created if missing (env RAPPORT_AUDIT_KEY_FILE)")
}

// open opens the configured store.
func (f *storeFlags) open(ctx context.Context, log *slog.Logger) (*sqlstore.Store, error) {
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	signer, err := loadSigner(f.keyFile, f.data)
	if err != nil {
		return nil, err
	}
	cfg := sqlstore.Config{Signer: signer, Logger: log}
	if f.databaseURL != "" {
		if !strings.HasPrefix(f.databaseURL, "postgres://") && !strings.HasPrefix(f.databaseURL, "postgresql://") {
			return nil, errors.New("--database-url must be a postgres:// URL")
		}
		return postgres.Open(ctx, f.databaseURL, cfg)
	}
	return sqlite.Open(ctx, filepath.Join(f.data, "rapport.db"), cfg)
}

// loadSigner reads the audit checkpoint key, creating it in dataDir on
// first use. The key never lives in the database it protects.
func loadSigner(keyFile, dataDir string) (*audit.Signer, error) {
	create := false
	if keyFile == "" {
		keyFile = filepath.Join(dataDir, "audit-signing.key")
		create = true
	}
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) && create {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(seed)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("audit key: %w", err)
		}
		b = []byte(hex.EncodeToString(seed))
	} else if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit key %s: want %d bytes of hex", filepath.Base(keyFile), ed25519.SeedSize)
	}
	return audit.NewSigner(ed25519.NewKeyFromSeed(seed)), nil
}

// ensureOrg returns the organisation with slug, creating it if missing.
func ensureOrg(ctx context.Context, s *sqlstore.Store, slug string) (*rapport.Organisation, error) {
	o, err := s.OrgBySlug(ctx, slug)
	if err == nil {
		return o, nil
	}
	if rapport.ErrorCode(err) != rapport.ENOTFOUND {
		return nil, err
	}
	o = &rapport.Organisation{Slug: slug, Name: slug}
	if err := s.CreateOrg(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

func newLogger(e *env) *slog.Logger {
	level := slog.LevelInfo
	if e.getenv("RAPPORT_LOG_LEVEL") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// parseFlags parses args, printing usage to stderr on -h.
func parseFlags(fs *flag.FlagSet, e *env, args []string) error {
	fs.SetOutput(e.stderr)
	return fs.Parse(args)
}
