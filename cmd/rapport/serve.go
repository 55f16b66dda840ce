package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/httpapi"
	"github.com/rapport-health/rapport/internal/ingest"
	"github.com/rapport-health/rapport/internal/sqlstore"
)

// runServe starts the HTTP server and stops it gracefully when ctx ends
// (SIGINT or SIGTERM).
func runServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	addr := fs.String("addr", envOr(e, "RAPPORT_ADDR", "127.0.0.1:8080"), "listen address (env RAPPORT_ADDR)")
	insecure := fs.Bool("insecure-cookies", false, "send session cookies without the Secure flag (plain-HTTP development only)")
	baseURL := fs.String("base-url", e.getenv("RAPPORT_BASE_URL"), "public URL of this server, for FHIR fullUrls (env RAPPORT_BASE_URL)")
	modelPath := fs.String("segment-model", e.getenv("RAPPORT_SEGMENT_MODEL"), "segmentation model JSON; empty means the built-in default model (env RAPPORT_SEGMENT_MODEL)")
	checkpointEvery := fs.Duration("audit-checkpoint", 10*time.Minute, "how often to sign the audit chain heads")
	var ibf inboxFlags
	ibf.register(fs, e)
	var cf campaignFlags
	cf.register(fs, e)
	var pf publishFlags
	pf.register(fs, e)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	model, err := loadModel(e, *modelPath)
	if err != nil {
		return err
	}
	log := newLogger(e)
	s, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer s.Close()
	ib, err := ibf.start(ctx, e, s, log)
	if err != nil {
		return err
	}
	defer ib.stop() // the inbox's workers end after the server has shut down
	pub, err := pf.start(ctx, e, s, log, ibf.config)
	if err != nil {
		return err
	}
	defer pub.stop() // the publisher ends after the server has shut down
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	cf.dataDir = sf.data
	cf.connectors = ib.reg
	return serve(ctx, log, s, ln, httpapi.Config{SecureCookies: !*insecure, BaseURL: *baseURL, Model: model, Inbox: ib.svc, Hooks: ib.hooks,
		Publish: pub.svc, Pages: pub.pages}, *checkpointEvery, e.stdout, &cf)
}

func envOr(e *env, key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}

// serve runs the API on ln until ctx ends, with its background work.
func serve(ctx context.Context, log *slog.Logger, s *sqlstore.Store, ln net.Listener, cfg httpapi.Config, checkpointEvery time.Duration, out io.Writer,
	camp *campaignFlags) error {
	cfg.Store, cfg.Logger = s, log
	cfg.Importer = func(ctx context.Context, actor rapport.Actor, name string, body io.Reader, skip bool) (any, error) {
		rep, err := ingest.Run(ctx, s, actor, []ingest.File{{Name: name, R: body}}, ingest.Options{SkipInvalid: skip})
		return rep, err
	}
	api := httpapi.New(cfg)
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	var wg sync.WaitGroup
	bg, stopBG := context.WithCancel(ctx)
	defer func() { stopBG(); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		checkpointLoop(bg, log, s, checkpointEvery)
	}()
	if err := camp.start(bg, &wg, api, s, log, cfg.Model, cfg.BaseURL); err != nil {
		return err
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(out, "rapport listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// A last checkpoint covers what was audited since the previous one.
	if err := s.CheckpointAudit(shutCtx); err != nil {
		log.Error("final audit checkpoint", "err", err)
	}
	return nil
}

func checkpointLoop(ctx context.Context, log *slog.Logger, s *sqlstore.Store, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.CheckpointAudit(ctx); err != nil {
				log.Error("audit checkpoint", "err", err)
			}
		}
	}
}
