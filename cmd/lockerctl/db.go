package main

import (
	"context"
	"errors"
	"io"
)

// runDB is replaced by the package that owns this subcommand.
func runDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("lockerctl: db: not built yet")
}
