// Package lockio drives the lock boards of a parcel-locker bank over one
// serial bus: the Kerong KR-CU16 protocol ("kerong-cu16") and the generic
// 0x8A protocol ("gen8a"), a bus scheduler with one command in flight, door
// sensing that turns polled sensor state into locker.DoorEvents, a serial
// port that reopens itself after the USB adapter is unplugged, and a
// simulator of a bank of boards that serves either protocol on any
// io.ReadWriter (the master side of a pseudo-terminal in tests and demos).
//
// # Addresses
//
// A locker.LockAddr holds the board address as set on the board's switches
// and the lock as the 1-based connector number printed on the board. The
// driver maps them to wire values:
//
//   - kerong-cu16: board 0-15, lock 1-16; wire ADDR = board<<4 | (lock-1).
//   - gen8a: board 1-32, lock 1-24; the wire lock byte is the connector number.
//
// # Frames
//
// kerong-cu16 (19200 8N1): STX(0x02) ADDR CMD ETX(0x03) SUM, SUM = low byte
// of the sum of all preceding bytes. Commands: 0x30 read state (ADDR =
// board<<4), 0x31 unlock one lock (02 00 31 03 36 unlocks board 0 lock 1).
// The board answers both with the 9-byte state frame
// 02 ADDR 35 hook1-8 hook9-16 ir1-8 ir9-16 03 SUM. Bit order (an assumption
// to confirm on real boards): in hook1-8 bit 0 (LSB) is lock 1 and bit 7 is
// lock 8; in hook9-16 bit 0 is lock 9; the ir bytes likewise. An ir bit set
// means an item is present. A reply is accepted only when its checksum is
// right and the high nibble of ADDR is the board asked.
//
// gen8a (9600 8N1): 5-byte requests CMD board lock FUNC XOR, XOR = exclusive
// or of the preceding bytes. Unlock is 8A board lock 11 XOR (8A 01 01 11 9B);
// the board echoes 8A board lock STATE XOR (STATE 0x00 opened, 0x11 still
// locked: the lock did not open, which is no acknowledgement). Query one lock is
// 80 board lock 33 XOR, answered by 80 board lock STATE XOR (0x11 locked /
// 0x00 open). Query all is 80 board 00 33 XOR, answered by the 7-byte frame
// 80 board S17-24 S9-16 S1-8 33 XOR: bit 0 (LSB) of S1-8 is lock 1, bit 7
// lock 8; bit 0 of S9-16 is lock 9; bit 0 of S17-24 is lock 17. The board
// has no item sensor, so State reports locker.ItemNoSensor.
//
// # Unlocks without a reply
//
// Some firmware opens the lock and sends nothing back, and a reply can be
// lost on the line. After an unlock with no valid reply (or gen8a's "still
// locked"), Bus.Unlock polls the board first and pulses again only when the
// sensor says the door is still shut; an open door is never pulsed again,
// and a door whose state cannot be read is not pulsed blind.
//
// The door-sensor polarity differs between installations:
// Options.SensorClosedBit is the value of a lock's sensor bit while its door
// is closed (the configuration's default is 1: bit set = closed).
//
// Decoders scan for the start byte and check length, ETX (Kerong) and the
// checksum; anything else is skipped one byte at a time, so the bus
// resynchronises after noise or a truncated frame.
package lockio
