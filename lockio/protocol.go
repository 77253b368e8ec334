package lockio

import (
	"errors"
	"fmt"

	"github.com/parcelkiosk/locker"
)

// Protocol names accepted by Options.Protocol and SimOptions.Protocol.
const (
	ProtocolKerong = "kerong-cu16"
	ProtocolGen8a  = "gen8a"
)

// Sentinel errors. Callers compare with errors.Is.
var (
	// ErrProtocol reports an unknown protocol name.
	ErrProtocol = errors.New("lockio: unknown protocol (want kerong-cu16 or gen8a)")
	// ErrAddr reports a board or lock number out of the protocol's range.
	ErrAddr = errors.New("lockio: address out of range")
	// ErrTimeout reports that no valid reply came within the reply timeout
	// (after every retry).
	ErrTimeout = errors.New("lockio: no valid reply")
	// ErrPortGone reports that the serial port is unplugged and not back yet.
	ErrPortGone = errors.New("lockio: serial port not available")
	// ErrNotOpened reports that the board answered an unlock saying the
	// lock is still locked (gen8a status 0x11) and the door stayed shut.
	ErrNotOpened = errors.New("lockio: the board reports the lock did not open")
)

// DefaultBaud returns the factory baud rate of a protocol: 19200 for
// kerong-cu16, 9600 for gen8a, 0 for an unknown name.
func DefaultBaud(protocol string) int {
	switch protocol {
	case ProtocolKerong:
		return 19200
	case ProtocolGen8a:
		return 9600
	}
	return 0
}

// BoardRange returns the lowest and highest board address a protocol
// allows: 0-15 for kerong-cu16, 1-32 for gen8a.
func BoardRange(protocol string) (lo, hi int, err error) {
	p, err := lookup(protocol)
	if err != nil {
		return 0, 0, err
	}
	lo, hi = p.boards()
	return lo, hi, nil
}

// LocksPerBoard returns how many locks one board of a protocol drives: 16
// for kerong-cu16, 24 for gen8a.
func LocksPerBoard(protocol string) (int, error) {
	p, err := lookup(protocol)
	if err != nil {
		return 0, err
	}
	return p.locks(), nil
}

// sense is one board's sensor state: bit i is lock i+1.
type sense struct {
	hook  uint32
	ir    uint32
	hasIR bool
}

// frameKind tells a decoder which reply the bus waits for, where the
// protocol's reply length depends on it.
type frameKind int

const (
	kindRequest frameKind = iota // any 5-byte request (simulator side)
	kindUnlock                   // reply to an unlock
	kindStatus                   // reply to a status poll
)

// protocol is one board protocol: frame building, decoding and parsing for
// the bus, and request handling for the simulator.
type protocol interface {
	name() string
	boards() (lo, hi int)
	locks() int
	unlockFrame(a locker.LockAddr) []byte
	statusFrame(board int) []byte
	// scan looks for the first valid frame of the given kind in buf. When
	// ok, the frame is buf[start:start+n]. When not ok, buf[:start] is
	// garbage that can be dropped and the rest may be a frame's beginning.
	scan(buf []byte, k frameKind) (start, n int, ok bool)
	isUnlockReply(f []byte, a locker.LockAddr) bool
	// unlockRefused tells whether an unlock reply says the lock did not
	// open (gen8a "still locked"); such a reply is no acknowledgement.
	unlockRefused(f []byte) bool
	parseStatus(f []byte, board int) (sense, bool)
	// simReply answers one request frame from a simulated bank; nil means
	// no answer.
	simReply(req []byte, bank simBank) []byte
}

// simBank is what a protocol needs from the simulator to answer requests.
type simBank interface {
	has(board int) bool
	unlock(a locker.LockAddr) (opened bool)
	sense(board int) sense
	// doorClosed tells whether a sensor bit of the given value means closed.
	doorClosed(bitSet bool) bool
	// quietUnlock tells whether the firmware sends no reply to an unlock.
	quietUnlock() bool
}

func lookup(name string) (protocol, error) {
	switch name {
	case ProtocolKerong:
		return kerong{}, nil
	case ProtocolGen8a:
		return gen8a{}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrProtocol, name)
}

func checkAddr(p protocol, a locker.LockAddr) error {
	lo, hi := p.boards()
	if a.Board < lo || a.Board > hi {
		return fmt.Errorf("%w: %s board %d not in %d-%d", ErrAddr, p.name(), a.Board, lo, hi)
	}
	if a.Lock < 1 || a.Lock > p.locks() {
		return fmt.Errorf("%w: %s lock %d not in 1-%d", ErrAddr, p.name(), a.Lock, p.locks())
	}
	return nil
}

func checkBoard(p protocol, board int) error {
	lo, hi := p.boards()
	if board < lo || board > hi {
		return fmt.Errorf("%w: %s board %d not in %d-%d", ErrAddr, p.name(), board, lo, hi)
	}
	return nil
}
