package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/importer"
	"github.com/rapport-health/rapport/internal/ingest"
	"github.com/rapport-health/rapport/internal/sqlstore"
)

// runBench runs the built-in end-to-end benchmarks, whose figures go into
// BENCHMARKS.md.
func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "audience" {
		return runBenchAudience(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "delivery" {
		return runBenchDelivery(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "import" {
		return errors.New("bench: want a benchmark: import, audience or delivery")
	}
	fs := flag.NewFlagSet("bench import", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	n := fs.Int("n", 1_000_000, "patients to import")
	seed := fs.Int64("seed", 1, "seed of the synthetic population")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file")
	if err := parseFlags(fs, e, args[1:]); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "rapport-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if sf.databaseURL == "" {
		sf.data = filepath.Join(tmp, "data") // always a fresh database
	}
	csvPath := filepath.Join(tmp, "patients.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := importer.WriteSyntheticCSV(w, *n, *seed); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	st, _ := f.Stat()
	f.Close()

	s, o, err := openBench(ctx, e, &sf)
	if err != nil {
		return err
	}
	defer s.Close()
	in, err := os.Open(csvPath)
	if err != nil {
		return err
	}
	defer in.Close()
	actor := rapport.Actor{OrgID: o.ID, Role: rapport.RoleAdmin, Name: "system:bench", Addr: "cli"}
	stop, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	start := time.Now()
	rep, err := ingest.Run(ctx, s, actor, []ingest.File{{Name: "patients.csv", R: in}}, ingest.Options{})
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(e.stdout, "import %d patients (%.1f MB CSV) into %s: %.1f s, %.0f patients/s; %s\n",
		*n, float64(st.Size())/1e6, s.Dialect().Name, elapsed.Seconds(), float64(*n)/elapsed.Seconds(), rep.Summary())
	return nil
}

// openBench opens the store and a fresh organisation for one benchmark
// run, so that runs never mix with each other or with real data.
func openBench(ctx context.Context, e *env, sf *storeFlags) (*sqlstore.Store, *rapport.Organisation, error) {
	s, err := sf.open(ctx, newLogger(e))
	if err != nil {
		return nil, nil, err
	}
	o, err := ensureOrg(ctx, s, fmt.Sprintf("bench-%d", time.Now().UnixNano()))
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, o, nil
}

// cpuProfile starts a CPU profile written to path ("" for none) and
// returns the function that stops it.
func cpuProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
