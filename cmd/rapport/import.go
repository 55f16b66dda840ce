package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/ingest"
)

// runImport imports CSV, FHIR Bundle JSON and FHIR NDJSON files, all in one
// transaction unless --skip-invalid.
func runImport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	org := fs.String("org", "default", "organisation slug; created if it does not exist")
	skip := fs.Bool("skip-invalid", false, "import the valid records and report the invalid ones (default: any invalid record aborts the whole import)")
	country := fs.String("country", "US", "phone numbering plan for numbers written without a country code")
	progress := fs.String("progress", "auto", "progress bar: auto (when stderr is a terminal), always or never")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("import: name at least one file (CSV, FHIR Bundle .json, or FHIR .ndjson)")
	}
	var files []ingest.File
	var total int64
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			total += st.Size()
		}
		files = append(files, ingest.File{Name: filepath.Base(name), R: f})
	}
	if showProgress(*progress, e.stderr) {
		bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("importing"), progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
		for i := range files {
			files[i].R = io.TeeReader(files[i].R, bar)
		}
		defer bar.Finish()
	}
	log := newLogger(e)
	s, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer s.Close()
	o, err := ensureOrg(ctx, s, *org)
	if err != nil {
		return err
	}
	actor := rapport.Actor{OrgID: o.ID, Role: rapport.RoleAdmin, Name: "system:import", Addr: "cli"}
	rep, err := ingest.Run(ctx, s, actor, files, ingest.Options{SkipInvalid: *skip, DefaultCountry: *country})
	for _, p := range rep.Problems {
		fmt.Fprintln(e.stderr, "invalid:", p)
	}
	if err != nil {
		fmt.Fprintln(e.stdout, rep.Summary())
		return fmt.Errorf("import failed, nothing was imported: %w", err)
	}
	if err := s.CheckpointAudit(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, rep.Summary())
	return nil
}

func showProgress(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
