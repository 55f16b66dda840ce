package main

import (
	"context"
	"errors"
)

func runAdmin(ctx context.Context, e *env, args []string) error {
	return errors.New("admin: not implemented yet")
}
