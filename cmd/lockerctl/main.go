// Command lockerctl is the installer's and operator's tool: it tests lock
// boards, decodes barcode images, tails events, sends commands to a kiosk and
// checks, exports and backs up the kiosk database.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: lockerctl COMMAND [ARGS]

commands:
  board status|open|walk   test the lock boards on a serial port
  decode FILE...           print the barcodes found in image files
  events --nats URL        tail the kiosk events
  cmd --nats URL ...       send a command to a kiosk and print the reply
  db check|export|backup   check, export or back up a kiosk database

Run 'lockerctl COMMAND -h' for the flags of one command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, errUsage) {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// errUsage asks main to print the usage text.
var errUsage = errors.New("lockerctl: usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	rest := args[1:]
	switch args[0] {
	case "board":
		return runBoard(ctx, rest, stdout, stderr)
	case "decode":
		return runDecode(ctx, rest, stdout, stderr)
	case "events":
		return runEvents(ctx, rest, stdout, stderr)
	case "cmd":
		return runCmd(ctx, rest, stdout, stderr)
	case "db":
		return runDB(ctx, rest, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("lockerctl: unknown command %q: %w", args[0], errUsage)
}
