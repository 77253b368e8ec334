package main

import (
	"context"
	"errors"
	"io"
)

// runBoard is replaced by the package that owns this subcommand.
func runBoard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("lockerctl: board: not built yet")
}
