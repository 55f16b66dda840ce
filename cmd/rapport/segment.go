package main

import (
	"context"
	"errors"
)

func runSegment(ctx context.Context, e *env, args []string) error {
	return errors.New("segment: not implemented yet")
}
