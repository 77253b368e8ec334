package lockio

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

func runBus(t *testing.T, rw io.ReadWriter, o Options) *Bus {
	t.Helper()
	b, err := NewBus(rw, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Run did not end with its context")
		}
	})
	return b
}

func TestScriptedUnlock(t *testing.T) {
	kOK := "02 00 35 00 00 00 00 03 3A"   // state frame of board 0, reply to an unlock of lock 1
	kShut := "02 00 35 FF FF 00 00 03 38" // state frame of board 0, every door shut
	tests := []struct {
		name    string
		proto   string
		addr    locker.LockAddr
		steps   []lockertest.Step
		wantErr error
	}{
		{"kerong ok", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "02 00 31 03 36"), Reply: hx(t, kOK)},
		}, nil},
		{"kerong bad checksum then retry", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "02 00 31 03 36"), Reply: hx(t, "02 00 35 00 00 00 00 03 3B")},
			{Want: hx(t, "02 00 30 03 35"), Reply: hx(t, kShut)},
			{Want: hx(t, "02 00 31 03 36"), Reply: hx(t, kOK)},
		}, nil},
		{"kerong noise and truncated frame before the reply", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "02 00 31 03 36"), Reply: hx(t, "55 02 00 35 00 "+kOK)},
		}, nil},
		{"kerong wrong board, poll silent then shut, then ok", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "02 00 31 03 36"), Reply: hx(t, "02 10 35 00 00 00 00 03 4A")},
			{Want: hx(t, "02 00 30 03 35"), Reply: nil},
			{Want: hx(t, "02 00 30 03 35"), Reply: hx(t, kShut)},
			{Want: hx(t, "02 00 31 03 36"), Reply: hx(t, kOK)},
		}, nil},
		{"kerong never answers: one pulse, then the poll fails, no blind pulse", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []lockertest.Step{
			{Want: hx(t, "02 24 31 03 5A"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: nil},
		}, ErrTimeout},
		{"kerong no reply but the door is open: not pulsed again", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []lockertest.Step{
			{Want: hx(t, "02 24 31 03 5A"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: hx(t, "02 20 35 EF FF 00 00 03 48")},
		}, nil},
		{"kerong no reply, door shut: polled, then pulsed again", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []lockertest.Step{
			{Want: hx(t, "02 24 31 03 5A"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: hx(t, "02 20 35 FF FF 00 00 03 58")},
			{Want: hx(t, "02 24 31 03 5A"), Reply: hx(t, "02 20 35 EF FF 00 00 03 48")},
		}, nil},
		{"kerong no reply and door shut every time", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []lockertest.Step{
			{Want: hx(t, "02 24 31 03 5A"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: hx(t, "02 20 35 FF FF 00 00 03 58")},
			{Want: hx(t, "02 24 31 03 5A"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: hx(t, "02 20 35 FF FF 00 00 03 58")},
			{Want: hx(t, "02 24 31 03 5A"), Reply: nil},
			{Want: hx(t, "02 20 30 03 55"), Reply: hx(t, "02 20 35 FF FF 00 00 03 58")},
		}, ErrTimeout},
		{"gen8a ok", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 00 8A")},
		}, nil},
		{"gen8a echo for another lock, door shut, then ok", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 02 00 89")},
			{Want: hx(t, "80 01 00 33 B2"), Reply: hx(t, "80 01 FF FF FF 33 4D")},
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 00 8A")},
		}, nil},
		{"gen8a still locked is no acknowledgement: polled, pulsed again", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 11 9B")},
			{Want: hx(t, "80 01 00 33 B2"), Reply: hx(t, "80 01 FF FF FF 33 4D")},
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 00 8A")},
		}, nil},
		{"gen8a still locked but the sensor sees it open", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 11 9B")},
			{Want: hx(t, "80 01 00 33 B2"), Reply: hx(t, "80 01 FF FF FE 33 4C")},
		}, nil},
		{"gen8a still locked every time", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []lockertest.Step{
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 11 9B")},
			{Want: hx(t, "80 01 00 33 B2"), Reply: hx(t, "80 01 FF FF FF 33 4D")},
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 11 9B")},
			{Want: hx(t, "80 01 00 33 B2"), Reply: hx(t, "80 01 FF FF FF 33 4D")},
			{Want: hx(t, "8A 01 01 11 9B"), Reply: hx(t, "8A 01 01 11 9B")},
			{Want: hx(t, "80 01 00 33 B2"), Reply: hx(t, "80 01 FF FF FF 33 4D")},
		}, ErrNotOpened},
		{"gen8a out of range sends nothing", ProtocolGen8a, locker.LockAddr{Board: 0, Lock: 1}, nil, ErrAddr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rw := lockertest.NewPlayback(t, tc.steps...)
			b := runBus(t, rw, Options{Protocol: tc.proto, ReplyTimeout: 40 * time.Millisecond, Retries: 2, SensorClosedBit: 1})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := b.Unlock(ctx, tc.addr)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Unlock: %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Unlock error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestScriptedPollAndGap(t *testing.T) {
	rw := lockertest.NewPlayback(t,
		lockertest.Step{Want: hx(t, "02 00 30 03 35"), Reply: hx(t, "02 00 35 FE FF 01 00 03 38")},
		lockertest.Step{Want: hx(t, "02 00 31 03 36"), Reply: hx(t, "02 00 35 FE FF 01 00 03 38")},
		lockertest.Step{Want: hx(t, "02 01 31 03 37"), Reply: hx(t, "02 01 35 FE FF 01 00 03 39")},
	)
	b := runBus(t, rw, Options{Protocol: ProtocolKerong, ReplyTimeout: 40 * time.Millisecond, UnlockGap: 80 * time.Millisecond, SensorClosedBit: 1})
	ctx := context.Background()
	if err := b.Poll(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if st := b.State(locker.LockAddr{Board: 0, Lock: 1}); st.Door != locker.DoorOpen || st.Item != locker.ItemPresent || !st.Online {
		t.Errorf("lock 1 = %+v, want open, item present, online", st)
	}
	if st := b.State(locker.LockAddr{Board: 0, Lock: 2}); st.Door != locker.DoorClosed || st.Item != locker.ItemEmpty {
		t.Errorf("lock 2 = %+v, want closed, empty", st)
	}
	start := time.Now()
	if err := b.Unlock(ctx, locker.LockAddr{Board: 0, Lock: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(ctx, locker.LockAddr{Board: 0, Lock: 2}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("two unlocks took %v, less than the 80ms gap", d)
	}
}
