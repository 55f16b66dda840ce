package main

import (
	"context"
	"errors"
)

func runPhiCheckReply(ctx context.Context, e *env, args []string) error {
	return errors.New("phi check-reply: not implemented yet")
}

func runPhiDisclosure(ctx context.Context, e *env, args []string) error {
	return errors.New("phi disclosure: not implemented yet")
}
