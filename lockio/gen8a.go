package lockio

import "github.com/parcelkiosk/locker"

// Generic 0x8A board wire constants.
const (
	gen8aUnlockCmd = 0x8A
	gen8aQueryCmd  = 0x80
	gen8aUnlockFn  = 0x11
	gen8aQueryFn   = 0x33
	gen8aLocked    = 0x11
	gen8aOpen      = 0x00
	gen8aShortLen  = 5
	gen8aAllLen    = 7
)

// gen8a is the generic "0x8A" lock-board protocol.
type gen8a struct{}

func (gen8a) name() string         { return ProtocolGen8a }
func (gen8a) boards() (lo, hi int) { return 1, 32 }
func (gen8a) locks() int           { return 24 }

// gen8aXOR is the exclusive or of b.
func gen8aXOR(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

func gen8aFrame(cmd, board, lock, fn byte) []byte {
	f := []byte{cmd, board, lock, fn, 0}
	f[4] = gen8aXOR(f[:4])
	return f
}

func (gen8a) unlockFrame(a locker.LockAddr) []byte {
	return gen8aFrame(gen8aUnlockCmd, byte(a.Board), byte(a.Lock), gen8aUnlockFn)
}

func (gen8a) statusFrame(board int) []byte {
	return gen8aFrame(gen8aQueryCmd, byte(board), 0x00, gen8aQueryFn)
}

// scan finds the first valid gen8a frame. A status reply is the 7-byte
// query-all frame (80 board s s s 33 XOR); anything else is 5 bytes.
func (gen8a) scan(buf []byte, k frameKind) (start, n int, ok bool) {
	want := gen8aShortLen
	if k == kindStatus {
		want = gen8aAllLen
	}
	for i := 0; i < len(buf); i++ {
		c := buf[i]
		if c != gen8aUnlockCmd && c != gen8aQueryCmd {
			continue
		}
		if k == kindStatus && c != gen8aQueryCmd {
			continue
		}
		rest := buf[i:]
		if len(rest) < want {
			return i, 0, false
		}
		if want == gen8aAllLen && rest[5] != gen8aQueryFn {
			continue
		}
		if gen8aXOR(rest[:want-1]) == rest[want-1] {
			return i, want, true
		}
	}
	return len(buf), 0, false
}

func (gen8a) isUnlockReply(f []byte, a locker.LockAddr) bool {
	return len(f) == gen8aShortLen && f[0] == gen8aUnlockCmd &&
		int(f[1]) == a.Board && int(f[2]) == a.Lock
}

// unlockRefused: the echo's STATE 0x11 means the lock is still locked.
func (gen8a) unlockRefused(f []byte) bool {
	return len(f) == gen8aShortLen && f[3] == gen8aLocked
}

func (gen8a) parseStatus(f []byte, board int) (sense, bool) {
	if len(f) != gen8aAllLen || f[0] != gen8aQueryCmd || int(f[1]) != board || f[5] != gen8aQueryFn {
		return sense{}, false
	}
	return sense{hook: uint32(f[4]) | uint32(f[3])<<8 | uint32(f[2])<<16}, true
}

func (gen8a) simReply(req []byte, bank simBank) []byte {
	if len(req) != gen8aShortLen {
		return nil
	}
	board, lock := int(req[1]), int(req[2])
	if !bank.has(board) {
		return nil
	}
	switch {
	case req[0] == gen8aUnlockCmd && req[3] == gen8aUnlockFn:
		st := byte(gen8aLocked)
		if bank.unlock(locker.LockAddr{Board: board, Lock: lock}) {
			st = gen8aOpen
		}
		if bank.quietUnlock() {
			return nil
		}
		return gen8aFrame(gen8aUnlockCmd, req[1], req[2], st)
	case req[0] == gen8aQueryCmd && req[3] == gen8aQueryFn && lock == 0:
		s := bank.sense(board)
		f := []byte{gen8aQueryCmd, req[1], byte(s.hook >> 16), byte(s.hook >> 8), byte(s.hook), gen8aQueryFn, 0}
		f[6] = gen8aXOR(f[:6])
		return f
	case req[0] == gen8aQueryCmd && req[3] == gen8aQueryFn && lock >= 1 && lock <= 24:
		// Query one lock: the sensor bit is raw (already polarised by the
		// simulator); report it with the documented 0x11 locked / 0x00 open.
		s := bank.sense(board)
		st := byte(gen8aOpen)
		if bank.doorClosed(s.hook>>(lock-1)&1 == 1) {
			st = gen8aLocked
		}
		return gen8aFrame(gen8aQueryCmd, req[1], req[2], st)
	}
	return nil
}
