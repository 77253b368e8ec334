// Command locksim serves a simulated bank of lock boards on a
// pseudo-terminal, so the kiosk and lockerctl can be run without hardware:
//
//	locksim --protocol kerong-cu16|gen8a --boards N --link PATH
//
// It opens a pty, points the symlink PATH at its slave side, prints the path
// and serves until killed. Lines on stdin control the bank (type "help").
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/lockio"
)

const help = `commands (B = board address, L = lock 1-based):
  close B L          close a door
  open B L           force a door open (no unlock)
  jam B L            unlocks of this lock do nothing
  unjam B L          unlocks work again
  jamnext [N]        jam the lock of each of the next N unlocks (default 1)
  item B L on|off    set the item-present sensor (kerong-cu16 reports it)
  unplug             close the pty and remove the link (adapter pulled)
  plug               open a new pty at the link (adapter back)
  mute on|off        stop / resume answering without closing the pty
  quiet on|off       unlocks open the lock but get no reply (firmware that does not acknowledge)
  noise N            write N random bytes on the line
  faults DROP CORRUPT DELAYSHARE DELAYMS   shares 0-1 of replies
  state              print the open doors and the locks whose item sensor sees something
  unlocks            print every unlock received
  help               this text
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("locksim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o lockio.SimOptions
	var link string
	var delayMS int
	fs.StringVar(&o.Protocol, "protocol", lockio.ProtocolKerong, "kerong-cu16 | gen8a")
	fs.IntVar(&o.Boards, "boards", 1, "number of boards (addresses from 0 for kerong-cu16, from 1 for gen8a)")
	fs.IntVar(&o.Locks, "locks", 16, "locks wired on each board")
	fs.StringVar(&link, "link", "", "symlink to make to the pty's slave (required)")
	fs.IntVar(&o.SensorClosedBit, "sensor-closed-bit", 1, "door-sensor bit value of a closed door")
	fs.BoolVar(&o.NoUnlockReply, "no-unlock-reply", false, "open the lock but send no reply to an unlock (firmware that does not acknowledge)")
	fs.DurationVar(&o.AutoClose, "auto-close", 5*time.Second, "a door opened by an unlock closes after this; 0 keeps it open")
	fs.Float64Var(&o.DropRate, "drop", 0, "share of replies dropped (0-1)")
	fs.Float64Var(&o.CorruptRate, "corrupt", 0, "share of replies corrupted (0-1)")
	fs.Float64Var(&o.DelayRate, "delay-share", 0, "share of replies delayed (0-1)")
	fs.IntVar(&delayMS, "delay-ms", 0, "delay of a delayed reply in ms")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the fault generator")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if link == "" {
		fs.Usage()
		return errors.New("locksim: --link is required")
	}
	o.Delay = time.Duration(delayMS) * time.Millisecond
	sim, err := lockio.NewSim(o)
	if err != nil {
		return fmt.Errorf("locksim: %w", err)
	}
	c := &controller{ctx: ctx, sim: sim, link: link, out: stdout}
	if err := c.plug(); err != nil {
		return err
	}
	defer c.unplug()
	fmt.Fprintf(stdout, "locksim: %s boards %v on %s (link %s)\n", o.Protocol, sim.BoardAddrs(), c.path(), link)

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		// stdin closed (e.g. run in the background): keep serving.
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-c.serveErr():
			if err != nil {
				return err
			}
		case line := <-lines:
			if err := c.command(line); err != nil {
				fmt.Fprintln(stdout, "error:", err)
			}
		}
	}
}

// controller owns the current pty and applies stdin commands.
type controller struct {
	ctx  context.Context
	sim  *lockio.Sim
	link string
	out  io.Writer

	mu     sync.Mutex
	pty    *lockio.PTY
	cancel context.CancelFunc
	errc   chan error
	done   chan struct{}
}

func (c *controller) path() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pty == nil {
		return "(unplugged)"
	}
	return c.pty.Path
}

// serveErr delivers a Serve failure of the current pty.
func (c *controller) serveErr() <-chan error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.errc
}

func (c *controller) plug() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pty != nil {
		return errors.New("locksim: already plugged")
	}
	p, err := lockio.OpenPTY(c.link)
	if err != nil {
		return fmt.Errorf("locksim: %w", err)
	}
	ctx, cancel := context.WithCancel(c.ctx)
	errc, done := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(done)
		if err := c.sim.Serve(ctx, p.Master); err != nil && ctx.Err() == nil {
			errc <- err
		}
	}()
	c.pty, c.cancel, c.errc, c.done = p, cancel, errc, done
	return nil
}

func (c *controller) unplug() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pty == nil {
		return errors.New("locksim: already unplugged")
	}
	c.cancel()
	err := c.pty.Close()
	<-c.done
	c.pty, c.errc = nil, nil
	return err
}

func (c *controller) command(line string) error {
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	addr := func() (locker.LockAddr, error) {
		if len(f) < 3 {
			return locker.LockAddr{}, fmt.Errorf("usage: %s B L", f[0])
		}
		b, err1 := strconv.Atoi(f[1])
		l, err2 := strconv.Atoi(f[2])
		if err := errors.Join(err1, err2); err != nil {
			return locker.LockAddr{}, err
		}
		return locker.LockAddr{Board: b, Lock: l}, nil
	}
	switch f[0] {
	case "close", "open", "jam", "unjam", "item":
		a, err := addr()
		if err != nil {
			return err
		}
		switch f[0] {
		case "close":
			err = c.sim.CloseDoor(a)
		case "open":
			err = c.sim.ForceOpen(a)
		case "jam", "unjam":
			err = c.sim.Jam(a, f[0] == "jam")
		case "item":
			if len(f) != 4 || (f[3] != "on" && f[3] != "off") {
				return errors.New("usage: item B L on|off")
			}
			err = c.sim.SetItem(a, f[3] == "on")
		}
		if err == nil {
			fmt.Fprintln(c.out, "ok")
		}
		return err
	case "unplug":
		if err := c.unplug(); err != nil {
			return err
		}
		fmt.Fprintln(c.out, "unplugged")
	case "plug":
		if err := c.plug(); err != nil {
			return err
		}
		fmt.Fprintln(c.out, "plugged:", c.path())
	case "mute":
		if len(f) != 2 {
			return errors.New("usage: mute on|off")
		}
		c.sim.Unplug(f[1] == "on")
		fmt.Fprintln(c.out, "ok")
	case "quiet":
		if len(f) != 2 || (f[1] != "on" && f[1] != "off") {
			return errors.New("usage: quiet on|off")
		}
		c.sim.SetNoUnlockReply(f[1] == "on")
		fmt.Fprintln(c.out, "ok")
	case "jamnext":
		n := 1
		if len(f) > 1 {
			var err error
			if n, err = strconv.Atoi(f[1]); err != nil || n < 0 {
				return errors.New("usage: jamnext [N]")
			}
		}
		c.sim.JamNext(n)
		fmt.Fprintln(c.out, "ok")
	case "noise":
		n := 16
		if len(f) > 1 {
			var err error
			if n, err = strconv.Atoi(f[1]); err != nil {
				return err
			}
		}
		if err := c.sim.Noise(n); err != nil {
			return err
		}
		fmt.Fprintln(c.out, "ok")
	case "faults":
		if len(f) != 5 {
			return errors.New("usage: faults DROP CORRUPT DELAYSHARE DELAYMS")
		}
		var v [4]float64
		for i := range v {
			var err error
			if v[i], err = strconv.ParseFloat(f[i+1], 64); err != nil {
				return err
			}
		}
		c.sim.SetFaults(v[0], v[1], v[2], time.Duration(v[3]*float64(time.Millisecond)))
		fmt.Fprintln(c.out, "ok")
	case "state":
		for _, b := range c.sim.BoardAddrs() {
			var sb, items strings.Builder
			for l := 1; ; l++ {
				open, err := c.sim.DoorOpen(locker.LockAddr{Board: b, Lock: l})
				if err != nil {
					break
				}
				if open {
					sb.WriteString(" " + strconv.Itoa(l) + ":open")
				}
				if on, _ := c.sim.ItemPresent(locker.LockAddr{Board: b, Lock: l}); on {
					items.WriteString(" " + strconv.Itoa(l))
				}
			}
			fmt.Fprintf(c.out, "board %d open doors:%s\n", b, sb.String())
			fmt.Fprintf(c.out, "board %d items:%s\n", b, items.String())
		}
	case "unlocks":
		for _, u := range c.sim.Unlocks() {
			fmt.Fprintf(c.out, "%s board %d lock %d\n", u.At.Format(time.RFC3339Nano), u.Addr.Board, u.Addr.Lock)
		}
	case "help":
		fmt.Fprint(c.out, help)
	default:
		return fmt.Errorf("unknown command %q (type help)", f[0])
	}
	return nil
}
