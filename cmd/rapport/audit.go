package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("audit: want a sub-command: verify, checkpoint")
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, e)
	if err := parseFlags(fs, e, args[1:]); err != nil {
		return err
	}
	s, err := sf.open(ctx, newLogger(e))
	if err != nil {
		return err
	}
	defer s.Close()
	switch args[0] {
	case "verify":
		rep, err := s.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		for _, p := range rep.Problems {
			fmt.Fprintln(e.stdout, "FAIL:", p)
		}
		if !rep.OK() {
			return fmt.Errorf("audit log does not verify: %d problems in %d entries", len(rep.Problems), rep.Entries)
		}
		fmt.Fprintf(e.stdout, "audit log verified: %d organisations, %d entries, %d signed checkpoints\n", rep.Orgs, rep.Entries, rep.Checkpoints)
		return nil
	case "checkpoint":
		if err := s.CheckpointAudit(ctx); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "audit chain heads signed")
		return nil
	}
	return fmt.Errorf("audit: unknown sub-command %q", args[0])
}
