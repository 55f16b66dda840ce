package main

import (
	"context"
	"fmt"
)

func runPhi(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("phi: want a sub-command: scan, redact, eval, check-reply, disclosure")
	}
	switch args[0] {
	case "check-reply":
		return runPhiCheckReply(ctx, e, args[1:])
	case "disclosure":
		return runPhiDisclosure(ctx, e, args[1:])
	}
	return fmt.Errorf("phi: unknown sub-command %q", args[0])
}
