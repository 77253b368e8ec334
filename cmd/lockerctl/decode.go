package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/parcelkiosk/locker/scanner"
)

// runDecode implements `lockerctl decode [-budget D] [-symbologies LIST]
// FILE...`: one line per code found, FILE<TAB>SYMBOLOGY<TAB>TEXT. Every
// file is tried; the command fails (non-zero exit) if any file could not
// be read. A file with no code prints nothing.
func runDecode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	budget := fs.Duration("budget", 4*time.Second, "time spent at most on one image")
	syms := fs.String("symbologies", "", "comma-separated symbologies to read (default all: "+strings.Join(scanner.AllSymbologies(), ",")+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lockerctl decode [-budget D] [-symbologies LIST] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("lockerctl: decode: no files given: %w", errUsage)
	}
	o := scanner.DecodeOptions{Budget: *budget}
	if *syms != "" {
		known := map[string]bool{}
		for _, s := range scanner.AllSymbologies() {
			known[strings.ToLower(s)] = true
		}
		for _, s := range strings.Split(*syms, ",") {
			s = strings.TrimSpace(s)
			if !known[strings.ToLower(s)] {
				return fmt.Errorf("lockerctl: decode: unknown symbology %q (known: %s)", s, strings.Join(scanner.AllSymbologies(), ","))
			}
			for _, k := range scanner.AllSymbologies() {
				if strings.EqualFold(k, s) {
					o.Symbologies = append(o.Symbologies, k)
				}
			}
		}
	}
	d := scanner.NewDecoder(o)
	var failed []string
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		scans, err := decodeFile(ctx, d, name)
		if err != nil {
			fmt.Fprintf(stderr, "lockerctl: decode: %s: %v\n", name, err)
			failed = append(failed, name)
			continue
		}
		for _, s := range scans {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", name, s.Symbology, printable(s.Text))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("lockerctl: decode: %d of %d files could not be read", len(failed), fs.NArg())
	}
	return nil
}

func decodeFile(ctx context.Context, d *scanner.Decoder, name string) ([]scanner.Scan, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return d.DecodeReader(ctx, f)
}

// printable escapes the characters that would break the one-line,
// tab-separated output (tabs, line ends, other control characters such as
// the GS1 separator) as \xNN.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
