package lockio

import "github.com/parcelkiosk/locker"

// Kerong KR-CU16 wire constants.
const (
	kerongSTX      = 0x02
	kerongETX      = 0x03
	kerongRead     = 0x30
	kerongUnlock   = 0x31
	kerongState    = 0x35
	kerongShortLen = 5
	kerongStateLen = 9
)

// kerong is the Kerong KR-CU16 protocol.
type kerong struct{}

func (kerong) name() string         { return ProtocolKerong }
func (kerong) boards() (lo, hi int) { return 0, 15 }
func (kerong) locks() int           { return 16 }

// kerongSum is the low byte of the sum of b.
func kerongSum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

func kerongFrame(addr, cmd byte) []byte {
	f := []byte{kerongSTX, addr, cmd, kerongETX, 0}
	f[4] = kerongSum(f[:4])
	return f
}

func (kerong) unlockFrame(a locker.LockAddr) []byte {
	return kerongFrame(byte(a.Board&0x0F)<<4|byte((a.Lock-1)&0x0F), kerongUnlock)
}

func (kerong) statusFrame(board int) []byte {
	return kerongFrame(byte(board&0x0F)<<4, kerongRead)
}

// scan finds the first valid Kerong frame: the 9-byte state frame when CMD
// is 0x35, else a 5-byte frame. The kind is not needed: CMD tells the length.
func (kerong) scan(buf []byte, _ frameKind) (start, n int, ok bool) {
	for i := 0; i < len(buf); i++ {
		if buf[i] != kerongSTX {
			continue
		}
		rest := buf[i:]
		if len(rest) < 3 {
			return i, 0, false
		}
		want := kerongShortLen
		if rest[2] == kerongState {
			want = kerongStateLen
		}
		if len(rest) < want {
			return i, 0, false
		}
		if rest[want-2] == kerongETX && kerongSum(rest[:want-1]) == rest[want-1] {
			return i, want, true
		}
	}
	return len(buf), 0, false
}

func (kerong) isUnlockReply(f []byte, a locker.LockAddr) bool {
	return len(f) == kerongStateLen && f[2] == kerongState && int(f[1]>>4) == a.Board&0x0F
}

// unlockRefused: a Kerong unlock reply is the board's state frame; the
// door sensor, not the reply, tells whether the door opened.
func (kerong) unlockRefused([]byte) bool { return false }

func (kerong) parseStatus(f []byte, board int) (sense, bool) {
	if len(f) != kerongStateLen || f[2] != kerongState || int(f[1]>>4) != board&0x0F {
		return sense{}, false
	}
	return sense{
		hook:  uint32(f[3]) | uint32(f[4])<<8,
		ir:    uint32(f[5]) | uint32(f[6])<<8,
		hasIR: true,
	}, true
}

func kerongStateFrame(addr byte, s sense) []byte {
	f := []byte{kerongSTX, addr, kerongState,
		byte(s.hook), byte(s.hook >> 8), byte(s.ir), byte(s.ir >> 8),
		kerongETX, 0}
	f[8] = kerongSum(f[:8])
	return f
}

func (kerong) simReply(req []byte, bank simBank) []byte {
	if len(req) != kerongShortLen {
		return nil
	}
	addr := req[1]
	board := int(addr >> 4)
	if !bank.has(board) {
		return nil
	}
	switch req[2] {
	case kerongRead:
		return kerongStateFrame(addr&0xF0, bank.sense(board))
	case kerongUnlock:
		bank.unlock(locker.LockAddr{Board: board, Lock: int(addr&0x0F) + 1})
		if bank.quietUnlock() {
			return nil
		}
		return kerongStateFrame(addr, bank.sense(board))
	}
	return nil
}
