package lockio

import (
	"context"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// wireFloor is the time the bytes take on the wire at baud, 8N1 (10 bits a
// byte).
func wireFloor(bytes, baud int) time.Duration {
	return time.Duration(bytes) * 10 * time.Second / time.Duration(baud)
}

func reportFloor(b *testing.B, floor time.Duration) {
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(time.Millisecond), "ms/op")
	b.ReportMetric(float64(floor)/float64(time.Millisecond), "floor-ms")
	b.ReportMetric(float64(per)/float64(floor), "ratio")
}

type benchCase struct {
	proto                  string
	unlockBytes, pollBytes int // request + reply bytes
}

var benchCases = []benchCase{
	{ProtocolKerong, 5 + 9, 5 + 9},
	{ProtocolGen8a, 5 + 5, 5 + 7},
}

func benchBus(b *testing.B, proto string, boards int) (*Bus, *Sim) {
	sim, err := NewSim(SimOptions{Protocol: proto, Boards: boards, SensorClosedBit: 1})
	if err != nil {
		b.Fatal(err)
	}
	p, _ := servePTY(b, sim, "")
	// No boards polled in the background: the benchmark drives the bus.
	bus := busOnPort(b, p.Path, Options{Protocol: proto, SensorClosedBit: 1, UnlockGap: -1, ReplyTimeout: time.Second, PollIdle: time.Hour})
	return bus, sim
}

// BenchmarkUnlockRoundTrip measures one unlock and its acknowledgement over
// a real pty through the reconnecting serial Port, beside the wire-time
// floor of the same bytes at the protocol's default baud rate. The unlock
// gap is switched off to measure the round trip alone.
func BenchmarkUnlockRoundTrip(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.proto, func(b *testing.B) {
			bus, sim := benchBus(b, bc.proto, 1)
			a := locker.LockAddr{Board: sim.BoardAddrs()[0], Lock: 1}
			ctx := context.Background()
			if err := bus.Unlock(ctx, a); err != nil { // open the port
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if err := bus.Unlock(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportFloor(b, wireFloor(bc.unlockBytes, DefaultBaud(bc.proto)))
		})
	}
}

// BenchmarkStatusPoll4Boards measures a status poll of 4 boards over a real
// pty, beside the wire-time floor of the same bytes at the default baud.
func BenchmarkStatusPoll4Boards(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.proto, func(b *testing.B) {
			bus, sim := benchBus(b, bc.proto, 4)
			boards := sim.BoardAddrs()
			ctx := context.Background()
			if err := bus.Poll(ctx, boards[0]); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				for _, n := range boards {
					if err := bus.Poll(ctx, n); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			reportFloor(b, wireFloor(4*bc.pollBytes, DefaultBaud(bc.proto)))
		})
	}
}
