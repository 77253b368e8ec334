package lockio_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/lockio"
)

// Example drives a simulated Kerong board over an in-memory serial line:
// the simulator serves one end of a net.Pipe, the bus speaks on the other.
// On a kiosk the bus gets a *lockio.Port (the USB serial adapter) instead.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	boardEnd, kioskEnd := net.Pipe()
	defer boardEnd.Close()
	defer kioskEnd.Close()

	sim, err := lockio.NewSim(lockio.SimOptions{Protocol: lockio.ProtocolKerong, Locks: 16, SensorClosedBit: 1})
	if err != nil {
		log.Fatal(err)
	}
	go sim.Serve(ctx, boardEnd)

	bus, err := lockio.NewBus(kioskEnd, lockio.Options{
		Protocol:        lockio.ProtocolKerong,
		Boards:          []int{0},
		SensorClosedBit: 1,
		ReplyTimeout:    2 * time.Second, // generous: a busy test machine
	})
	if err != nil {
		log.Fatal(err)
	}
	go bus.Run(ctx)

	door := locker.LockAddr{Board: 0, Lock: 3}
	if err := bus.Unlock(ctx, door); err != nil {
		log.Fatal(err)
	}
	// Run polls the board by itself; Poll reads it now.
	if err := bus.Poll(ctx, door.Board); err != nil {
		log.Fatal(err)
	}
	fmt.Println("door:", bus.State(door).Door)
	for ev := range bus.Events() {
		if ev.Addr == door {
			fmt.Println("event:", ev.Kind, "commanded:", ev.Commanded)
			break
		}
	}
	// Output:
	// door: open
	// event: opened commanded: true
}
