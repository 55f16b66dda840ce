// Command rapport is the Rapport patient-engagement platform: one binary
// with sub-commands for the server, imports, administration, the
// segmentation engine and the PHI guard.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := run(ctx, e, os.Args[1:]); err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "rapport:", err)
		}
		os.Exit(1)
	}
}

// env is what a sub-command may touch of the outside world. Tests build
// their own so that every command runs in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// errSilent is returned by a command that has already reported its failure
// and wants only a non-zero exit status.
var errSilent = errors.New("failed")

// command is one sub-command of rapport.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"start the HTTP server", runServe},
		"import":  {"import patients and consent from CSV or FHIR R4 files", runImport},
		"admin":   {"administration: tokens, users, organisations", runAdmin},
		"audit":   {"verify the tamper-evident audit log", runAudit},
		"segment": {"fit, evaluate and apply psychographic segmentation models", runSegment},
		"phi":     {"detect and redact PHI; check public replies", runPhi},
		"bench":   {"run the built-in benchmarks", runBench},
		"email":   {"apply bounce and complaint reports (DSN, ARF) read on standard input", runEmail},
	}
}

func run(ctx context.Context, e *env, args []string) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout, cmds)
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(e.stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Usage: rapport COMMAND [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'rapport COMMAND -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}
