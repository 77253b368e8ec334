package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/config"
	"github.com/parcelkiosk/locker/lockio"
)

const boardUsage = `usage:
  lockerctl board status [--config FILE] --port P --protocol kerong-cu16|gen8a [--baud N] [--sensor-closed-bit 1|0] [--board N]
  lockerctl board open   [--config FILE] --port P --protocol kerong-cu16|gen8a [--baud N] [--sensor-closed-bit 1|0] --board N --lock M [--wait 5s]
  lockerctl board walk   [--config FILE] --port P --protocol kerong-cu16|gen8a [--baud N] [--sensor-closed-bit 1|0] [--board N[,N...]] [--locks N] [--wait 3s]

status prints every lock's door and item sensor (every answering board when
--board is not given); open pulses one lock and reports whether the door
sensor saw the door open; walk opens every lock in turn and prints which
doors the sensors saw open (the wiring check of a new bank). --board is the
address set on the board, --lock the connector number printed on it.

--config FILE takes the port, protocol, baud and sensor polarity from the
kiosk's configuration ([lockboard]); flags given as well override it.
--sensor-closed-bit is the door-sensor bit value of a closed door: 1 (the
default) means bit set = closed. Sensors wired the other way read every
shut door as open: then use --sensor-closed-bit 0 (sensor_closed_bit = 0 in
the configuration).
`

// errBoardCheck reports a check that ran but found a fault (exit code 1).
var errBoardCheck = errors.New("lockerctl: board check failed")

type boardFlags struct {
	config         string
	port, protocol string
	baud           int
	boards         string
	lock, locks    int
	closedBit      int
	wait, timeout  time.Duration
}

func runBoard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, boardUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	if sub != "status" && sub != "open" && sub != "walk" {
		return fmt.Errorf("lockerctl: board: unknown subcommand %q: %w", sub, errUsage)
	}
	fs := flag.NewFlagSet("board "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, boardUsage) }
	var f boardFlags
	fs.StringVar(&f.config, "config", "", "kiosk configuration `file`: port, protocol, baud and sensor polarity from [lockboard]")
	fs.StringVar(&f.port, "port", "", "serial port of the lock bus, e.g. /dev/ttyUSB0")
	fs.StringVar(&f.protocol, "protocol", "", "kerong-cu16 | gen8a")
	fs.IntVar(&f.baud, "baud", 0, "baud rate (default 19200 kerong-cu16, 9600 gen8a)")
	fs.StringVar(&f.boards, "board", "", "board address (walk: a comma list)")
	fs.IntVar(&f.lock, "lock", 0, "lock: connector number printed on the board (1-based)")
	fs.IntVar(&f.locks, "locks", 16, "walk: locks wired on each board")
	fs.IntVar(&f.closedBit, "sensor-closed-bit", 1, "door-sensor bit value of a closed door: 1 = bit set means closed, 0 = the opposite (sensors wired the other way)")
	defWait := 5 * time.Second
	if sub == "walk" {
		defWait = 3 * time.Second
	}
	fs.DurationVar(&f.wait, "wait", defWait, "how long to wait for the door sensor to see a door open")
	fs.DurationVar(&f.timeout, "timeout", 200*time.Millisecond, "reply timeout of one try")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("lockerctl: board %s: %w", sub, errUsage)
	}
	if f.config != "" {
		set := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		if err := f.fromConfig(set); err != nil {
			return err
		}
	}
	if f.closedBit != 0 && f.closedBit != 1 {
		return fmt.Errorf("lockerctl: board %s: --sensor-closed-bit must be 0 or 1: %w", sub, errUsage)
	}
	if f.port == "" || f.protocol == "" {
		return fmt.Errorf("lockerctl: board %s: --port and --protocol are required: %w", sub, errUsage)
	}
	if lockio.DefaultBaud(f.protocol) == 0 {
		return fmt.Errorf("lockerctl: board: %w", lockio.ErrProtocol)
	}
	if f.baud == 0 {
		f.baud = lockio.DefaultBaud(f.protocol)
	}
	boards, err := parseBoards(f.boards)
	if err != nil {
		return err
	}
	switch sub {
	case "status":
		if len(boards) > 1 {
			return fmt.Errorf("lockerctl: board status takes one --board: %w", errUsage)
		}
		return boardStatus(ctx, f, boards, stdout)
	case "open":
		if len(boards) != 1 || f.lock == 0 {
			return fmt.Errorf("lockerctl: board open needs --board N --lock M: %w", errUsage)
		}
		return boardOpen(ctx, f, locker.LockAddr{Board: boards[0], Lock: f.lock}, stdout)
	default:
		return boardWalk(ctx, f, boards, stdout)
	}
}

// fromConfig fills the flags not set on the command line from the kiosk's
// configuration file.
func (f *boardFlags) fromConfig(set map[string]bool) error {
	cfg, err := config.Load(f.config)
	if err != nil {
		return fmt.Errorf("lockerctl: board: %w", err)
	}
	lb := cfg.Lockboard
	if lb.Protocol == config.ProtocolSim && !set["port"] {
		return fmt.Errorf("lockerctl: board: %s uses the simulated lock bank (protocol = \"sim\"): give --port and --protocol", f.config)
	}
	if !set["port"] {
		f.port = lb.Port
	}
	if !set["protocol"] {
		f.protocol = cfg.BusProtocol()
	}
	if !set["baud"] {
		f.baud = lb.Baud
	}
	if !set["sensor-closed-bit"] {
		f.closedBit = lb.SensorClosedBit
	}
	return nil
}

// polarityHint is the advice given when doors read open that are probably
// shut: the other sensor polarity.
func (f boardFlags) polarityHint() string {
	other := 1 - f.closedBit
	return fmt.Sprintf("--sensor-closed-bit %d (sensor_closed_bit = %d in [lockboard] of the kiosk configuration)", other, other)
}

func parseBoards(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("lockerctl: board: bad --board %q: %w", s, errUsage)
		}
		out = append(out, n)
	}
	return out, nil
}

// session is an open port with a running bus.
type session struct {
	bus   *lockio.Bus
	close func()
}

func openSession(ctx context.Context, f boardFlags, boards []int, retries int) (*session, error) {
	port, err := lockio.OpenPort(f.port, f.baud)
	if err != nil {
		return nil, fmt.Errorf("lockerctl: board: %w", err)
	}
	bus, err := lockio.NewBus(port, lockio.Options{
		Protocol:        f.protocol,
		Boards:          boards,
		SensorClosedBit: f.closedBit,
		ReplyTimeout:    f.timeout,
		Retries:         retries,
		PollFast:        50 * time.Millisecond,
		PollIdle:        500 * time.Millisecond,
		EventBuffer:     1024,
	})
	if err != nil {
		port.Close()
		return nil, fmt.Errorf("lockerctl: board: %w", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = bus.Run(rctx)
	}()
	return &session{bus: bus, close: func() {
		cancel()
		<-done
		port.Close()
	}}, nil
}

func boardStatus(ctx context.Context, f boardFlags, boards []int, stdout io.Writer) error {
	retries := 2
	if len(boards) == 0 {
		// Scan every address once, quickly: absent boards only cost a timeout.
		lo, hi, err := lockio.BoardRange(f.protocol)
		if err != nil {
			return err
		}
		for n := lo; n <= hi; n++ {
			boards = append(boards, n)
		}
		retries = -1
	}
	s, err := openSession(ctx, f, nil, retries)
	if err != nil {
		return err
	}
	defer s.close()
	found := 0
	for _, n := range boards {
		if err := s.bus.Poll(ctx, n); err != nil {
			if len(boards) == 1 || errors.Is(err, lockio.ErrAddr) {
				return fmt.Errorf("lockerctl: board %d not answering: %w", n, err)
			}
			continue
		}
		found++
		_, at := s.bus.Online(n)
		fmt.Fprintf(stdout, "board %d (%s): online, polled %s\n", n, f.protocol, at.Format(time.TimeOnly))
		fmt.Fprintln(stdout, "  lock  door    item")
		open := 0
		for l := 1; l <= s.bus.Locks(); l++ {
			st := s.bus.State(locker.LockAddr{Board: n, Lock: l})
			item := string(st.Item)
			if st.Item == locker.ItemNoSensor {
				item = "-"
			}
			fmt.Fprintf(stdout, "  %-4d  %-6s  %s\n", l, st.Door, item)
			if st.Door == locker.DoorOpen {
				open++
			}
		}
		if open == s.bus.Locks() {
			fmt.Fprintf(stdout, "board %d: every lock reads open at once: the door-sensor polarity is probably inverted (sensor_closed_bit = %d now); if the doors are shut, use %s\n",
				n, f.closedBit, f.polarityHint())
		}
	}
	if found == 0 {
		return fmt.Errorf("lockerctl: no board answered on %s (%s at %d baud): %w", f.port, f.protocol, f.baud, errBoardCheck)
	}
	return nil
}

// pulse unlocks a and waits up to wait for the sensor to see it open. It
// returns what it saw: "opened", "already open", or "" (not seen), and the
// other doors seen opening meanwhile (miswired sensors show up here).
func pulse(ctx context.Context, bus *lockio.Bus, a locker.LockAddr, wait time.Duration) (seen string, after time.Duration, others []locker.LockAddr, err error) {
	// Forget events from before this pulse.
	for drained := false; !drained; {
		select {
		case <-bus.Events():
		default:
			drained = true
		}
	}
	if bus.State(a).Door == locker.DoorOpen {
		return "already open", 0, nil, nil
	}
	start := time.Now()
	if err := bus.Unlock(ctx, a); err != nil {
		if errors.Is(err, lockio.ErrNotOpened) {
			return "", 0, nil, nil // the board says the lock stayed locked
		}
		return "", 0, nil, err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", 0, others, ctx.Err()
		case <-t.C:
			return "", 0, others, nil
		case ev := <-bus.Events():
			opening := ev.Kind == locker.EventOpened || ev.Kind == locker.EventForced
			switch {
			case opening && ev.Addr == a:
				return "opened", time.Since(start), others, nil
			case opening:
				others = append(others, ev.Addr)
			}
		}
	}
}

func boardOpen(ctx context.Context, f boardFlags, a locker.LockAddr, stdout io.Writer) error {
	s, err := openSession(ctx, f, []int{a.Board}, 2)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.bus.Poll(ctx, a.Board); err != nil {
		return fmt.Errorf("lockerctl: board %d not answering: %w", a.Board, err)
	}
	seen, after, others, err := pulse(ctx, s.bus, a, f.wait)
	if err != nil {
		return fmt.Errorf("lockerctl: board %d lock %d: %w", a.Board, a.Lock, err)
	}
	for _, o := range others {
		fmt.Fprintf(stdout, "board %d lock %d: sensor saw a door open meanwhile (wiring?)\n", o.Board, o.Lock)
	}
	switch seen {
	case "opened":
		fmt.Fprintf(stdout, "board %d lock %d: unlocked; door opened (sensor, %d ms after the unlock)\n", a.Board, a.Lock, after.Milliseconds())
		return nil
	case "already open":
		fmt.Fprintf(stdout, "board %d lock %d: door already open, not pulsed; close it and try again (if it is shut, the sensors are wired the other way: use %s)\n", a.Board, a.Lock, f.polarityHint())
		return errBoardCheck
	}
	fmt.Fprintf(stdout, "board %d lock %d: unlocked, but the sensor did NOT see the door open within %v\n", a.Board, a.Lock, f.wait)
	return errBoardCheck
}

func boardWalk(ctx context.Context, f boardFlags, boards []int, stdout io.Writer) error {
	if len(boards) == 0 {
		lo, _, err := lockio.BoardRange(f.protocol)
		if err != nil {
			return err
		}
		boards = []int{lo}
	}
	s, err := openSession(ctx, f, boards, 2)
	if err != nil {
		return err
	}
	defer s.close()
	total, ok := 0, 0
	for _, n := range boards {
		if err := s.bus.Poll(ctx, n); err != nil {
			fmt.Fprintf(stdout, "board %d: not answering (%v)\n", n, err)
			total += f.locks
			continue
		}
		for l := 1; l <= f.locks; l++ {
			a := locker.LockAddr{Board: n, Lock: l}
			total++
			seen, after, others, err := pulse(ctx, s.bus, a, f.wait)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			line := fmt.Sprintf("board %d lock %2d: ", n, l)
			switch {
			case err != nil:
				line += "unlock failed: " + err.Error()
			case seen == "opened":
				ok++
				line += fmt.Sprintf("opened (%d ms after the unlock)", after.Milliseconds())
			case seen == "already open":
				line += "already open before the pulse: not checked (if it is shut, use " + f.polarityHint() + ")"
			default:
				line += "NOT seen open"
			}
			for _, o := range others {
				line += fmt.Sprintf("; sensor of board %d lock %d saw an opening", o.Board, o.Lock)
			}
			fmt.Fprintln(stdout, line)
		}
	}
	fmt.Fprintf(stdout, "walk: %d of %d doors seen open\n", ok, total)
	if ok != total {
		return errBoardCheck
	}
	return nil
}
