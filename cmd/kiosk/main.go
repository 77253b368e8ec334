// Command kiosk runs the parcel locker kiosk: the touchscreen UI, the flows
// service, the lock bus, the scanners and the NATS uplink.
//
//	kiosk --config /etc/parcelkiosk/kiosk.toml
//	kiosk --demo [--data DIR]          everything simulated and embedded
//	kiosk --check-config FILE          validate a configuration and exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// The kiosk's heap is small and mostly long-lived (fonts, the screens,
	// the service's state): a collection at half the default growth keeps
	// its resident memory nearer the live heap on 1 GB boards, for little
	// CPU at a kiosk's allocation rate. GOGC in the environment overrides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	// The same for the C heap, unless glibc's own settings are given.
	if os.Getenv("GLIBC_TUNABLES") == "" && os.Getenv("MALLOC_ARENA_MAX") == "" && os.Getenv("MALLOC_MMAP_THRESHOLD_") == "" {
		tuneCHeap()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Whatever hangs, the kiosk is gone within shutdownTimeout of the
	// signal (systemd would otherwise wait, then kill it anyway).
	context.AfterFunc(ctx, func() {
		time.Sleep(shutdownTimeout)
		fmt.Fprintf(os.Stderr, "kiosk: not stopped within %v of the signal: exiting\n", shutdownTimeout)
		os.Exit(1)
	})
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// flags are the kiosk's command-line options.
type flags struct {
	config      string
	checkConfig string
	demo        bool
	data        string
	headless    bool
	windowed    bool
	portrait    bool
	natsPort    int
	simClose    string
	layoutMap   string
	version     bool
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "configuration `file` (TOML)")
	fs.StringVar(&f.checkConfig, "check-config", "", "validate the configuration `file`, print every problem and exit")
	fs.BoolVar(&f.demo, "demo", false, "run with a simulated lock bank, an embedded NATS server and sample data")
	fs.StringVar(&f.data, "data", "", "data `directory` (overrides data_dir; with --demo the default is a throw-away directory)")
	fs.BoolVar(&f.headless, "headless", false, "run without a window (services only; for tests and trials)")
	fs.BoolVar(&f.windowed, "windowed", false, "run in a window instead of full screen")
	fs.BoolVar(&f.portrait, "portrait", false, "portrait layout (1080x1920)")
	fs.IntVar(&f.natsPort, "nats-port", 0, "with --demo: loopback `port` of the embedded NATS server (0: any free port)")
	fs.StringVar(&f.simClose, "sim-autoclose", "4s", "with a simulated bank: how long an unlocked door stays open before it closes by itself (0: until told)")
	fs.StringVar(&f.layoutMap, "layout-map", "", "rewrite `file` after every redraw with the screen's name and where each button is (JSON; for end-to-end tests and support tools)")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("kiosk: unexpected argument %q", fs.Arg(0))
	}
	if !f.demo && f.config == "" && f.checkConfig == "" && !f.version {
		return f, errors.New("kiosk: give --config FILE or --demo (see kiosk -h)")
	}
	return f, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	switch {
	case f.version:
		fmt.Fprintln(stdout, version)
		return nil
	case f.checkConfig != "":
		return checkConfig(f.checkConfig, stdout)
	}
	k, err := setup(ctx, f, stderr)
	if err != nil {
		return err
	}
	return k.run(ctx)
}
