package main

import (
	"context"
	"errors"
	"io"
)

// runEvents is replaced by the package that owns this subcommand.
func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("lockerctl: nats: not built yet")
}

// runCmd is replaced by the uplink work.
func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("lockerctl: cmd: not built yet")
}
