package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/lockio"
)

// simOnPTY serves a simulated bank on a real pty and returns its path.
func simOnPTY(t *testing.T, o lockio.SimOptions) (*lockio.Sim, string) {
	t.Helper()
	sim, err := lockio.NewSim(o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := lockio.OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sim.Serve(ctx, p.Master)
	}()
	t.Cleanup(func() {
		cancel()
		p.Close()
		<-done
	})
	return sim, p.Path
}

func TestBoardCommands(t *testing.T) {
	kerong := lockio.SimOptions{Protocol: "kerong-cu16", Boards: 2, SensorClosedBit: 1, AutoClose: 200 * time.Millisecond}
	gen8a := lockio.SimOptions{Protocol: "gen8a", Boards: 1, SensorClosedBit: 1, AutoClose: 200 * time.Millisecond}
	tests := []struct {
		name    string
		sim     lockio.SimOptions
		setup   func(s *lockio.Sim)
		args    []string // after --port P
		wantErr error
		want    []string // substrings of the output
		unlocks int      // distinct locks the simulator saw unlocked
	}{
		{"status one board", kerong, func(s *lockio.Sim) {
			s.ForceOpen(locker.LockAddr{Board: 1, Lock: 2})
			s.SetItem(locker.LockAddr{Board: 1, Lock: 3}, true)
		}, []string{"status", "--protocol", "kerong-cu16", "--board", "1"}, nil,
			[]string{"board 1 (kerong-cu16): online", "  2     open    empty", "  3     closed  present", "  16    closed  empty"}, 0},
		{"status scans all addresses", kerong, nil, []string{"status", "--protocol", "kerong-cu16", "--timeout", "30ms"}, nil,
			[]string{"board 0 (kerong-cu16)", "board 1 (kerong-cu16)"}, 0},
		{"status gen8a has no item sensor", gen8a, nil, []string{"status", "--protocol", "gen8a", "--board", "1"}, nil,
			[]string{"board 1 (gen8a): online", "  24    closed  -"}, 0},
		{"status absent board fails", kerong, nil, []string{"status", "--protocol", "kerong-cu16", "--board", "5", "--timeout", "30ms"}, lockio.ErrTimeout, nil, 0},
		{"open sees the door", kerong, nil, []string{"open", "--protocol", "kerong-cu16", "--board", "1", "--lock", "7"}, nil,
			[]string{"board 1 lock 7: unlocked; door opened"}, 1},
		{"open jammed lock fails", gen8a, func(s *lockio.Sim) { s.Jam(locker.LockAddr{Board: 1, Lock: 4}, true) },
			[]string{"open", "--protocol", "gen8a", "--board", "1", "--lock", "4", "--wait", "500ms"}, errBoardCheck,
			[]string{"did NOT see the door open"}, 1},
		{"open without lock is usage", kerong, nil, []string{"open", "--protocol", "kerong-cu16", "--board", "1"}, errUsage, nil, 0},
		{"walk finds the jammed door", kerong, func(s *lockio.Sim) { s.Jam(locker.LockAddr{Board: 0, Lock: 3}, true) },
			[]string{"walk", "--protocol", "kerong-cu16", "--board", "0", "--locks", "4", "--wait", "400ms"}, errBoardCheck,
			[]string{"board 0 lock  1: opened", "board 0 lock  3: NOT seen open", "walk: 3 of 4 doors seen open"}, 4},
		{"walk two boards", kerong, nil, []string{"walk", "--protocol", "kerong-cu16", "--board", "0,1", "--locks", "2"}, nil,
			[]string{"board 1 lock  2: opened", "walk: 4 of 4 doors seen open"}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, path := simOnPTY(t, tc.sim)
			if tc.setup != nil {
				tc.setup(sim)
			}
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := runBoard(ctx, append([]string{tc.args[0], "--port", path}, tc.args[1:]...), &out, &errOut)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("runBoard: %v\n%s", err, out.String())
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("runBoard error = %v, want %v\n%s", err, tc.wantErr, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			seen := map[locker.LockAddr]bool{}
			for _, u := range sim.Unlocks() {
				seen[u.Addr] = true
			}
			if len(seen) != tc.unlocks {
				t.Errorf("simulator saw %d locks unlocked (%v), want %d", len(seen), seen, tc.unlocks)
			}
		})
	}
}

func TestBoardUsage(t *testing.T) {
	tests := [][]string{
		{},
		{"frobnicate"},
		{"status", "--protocol", "kerong-cu16"},
		{"status", "--port", "/nonexistent", "--protocol", "kerong-cu16", "--board", "x"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out bytes.Buffer
			if err := runBoard(context.Background(), args, &out, &out); !errors.Is(err, errUsage) {
				t.Errorf("err = %v, want errUsage", err)
			}
		})
	}
}

// TestBoardFirmwareWithoutUnlockReply: boards that open the lock and send
// no reply. `board open` reports success because the sensor saw the door
// open, after one pulse: the open door is not pulsed again.
func TestBoardFirmwareWithoutUnlockReply(t *testing.T) {
	for _, proto := range []string{"kerong-cu16", "gen8a"} {
		t.Run(proto, func(t *testing.T) {
			sim, path := simOnPTY(t, lockio.SimOptions{Protocol: proto, Boards: 1, SensorClosedBit: 1, NoUnlockReply: true})
			board := sim.BoardAddrs()[0]
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := runBoard(ctx, []string{"open", "--port", path, "--protocol", proto, "--board", strconv.Itoa(board), "--lock", "3"}, &out, &errOut)
			if err != nil {
				t.Fatalf("board open: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "unlocked; door opened") {
				t.Errorf("output: %s", out.String())
			}
			if n := len(sim.Unlocks()); n != 1 {
				t.Errorf("simulator saw %d unlock requests, want 1 (an open door is never pulsed again)", n)
			}
		})
	}
}

// TestBoardInvertedSensors: with sensors wired the other way every shut
// door reads open; status says the polarity is probably inverted and which
// setting fixes it, open refuses naming the flag, and --config with the
// right sensor_closed_bit reads the doors shut.
func TestBoardInvertedSensors(t *testing.T) {
	sim, path := simOnPTY(t, lockio.SimOptions{Protocol: "gen8a", Boards: 1, SensorClosedBit: 0, AutoClose: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runBoard(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}

	out, err := run("status", "--port", path, "--protocol", "gen8a", "--board", "1")
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	if !strings.Contains(out, "every lock reads open at once: the door-sensor polarity is probably inverted") ||
		!strings.Contains(out, "--sensor-closed-bit 0 (sensor_closed_bit = 0 in [lockboard]") {
		t.Errorf("status lacks the polarity hint:\n%s", out)
	}

	out, err = run("open", "--port", path, "--protocol", "gen8a", "--board", "1", "--lock", "2")
	if !errors.Is(err, errBoardCheck) || !strings.Contains(out, "door already open, not pulsed") || !strings.Contains(out, "--sensor-closed-bit 0") {
		t.Errorf("open with inverted sensors: %v\n%s", err, out)
	}
	if n := len(sim.Unlocks()); n != 0 {
		t.Errorf("a door read open was pulsed (%d unlocks)", n)
	}

	conf := filepath.Join(t.TempDir(), "kiosk.toml")
	src := fmt.Sprintf(`site = "s"
kiosk = "k"

[lockboard]
protocol = "gen8a"
port = %q
sensor_closed_bit = 0

[[compartment]]
id = "A1"
size = "M"
board = 1
lock = 2
column = 1
row = 1
`, path)
	if err := os.WriteFile(conf, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = run("status", "--config", conf, "--board", "1")
	if err != nil {
		t.Fatalf("status --config: %v\n%s", err, out)
	}
	if !strings.Contains(out, "board 1 (gen8a): online") || !strings.Contains(out, "  2     closed  -") || strings.Contains(out, "polarity") {
		t.Errorf("status --config with sensor_closed_bit = 0:\n%s", out)
	}
	out, err = run("open", "--config", conf, "--board", "1", "--lock", "2")
	if err != nil || !strings.Contains(out, "board 1 lock 2: unlocked; door opened") {
		t.Errorf("open --config: %v\n%s", err, out)
	}

	var help bytes.Buffer
	if err := runBoard(ctx, []string{"--help"}, &help, &help); err != nil || !strings.Contains(help.String(), "--sensor-closed-bit") || !strings.Contains(help.String(), "--config FILE") {
		t.Errorf("usage lacks --sensor-closed-bit or --config: %v\n%s", err, help.String())
	}
}
