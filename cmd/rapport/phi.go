package main

import (
	"context"
	"errors"
)

func runPhi(ctx context.Context, e *env, args []string) error {
	return errors.New("phi: not implemented yet")
}
