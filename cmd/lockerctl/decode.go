package main

import (
	"context"
	"errors"
	"io"
)

// runDecode is replaced by the package that owns this subcommand.
func runDecode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("lockerctl: decode: not built yet")
}
