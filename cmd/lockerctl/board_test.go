package main

import (
	"bytes"
	"context"
	"errors"
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
