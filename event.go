package locker

import (
	"crypto/rand"
	"encoding/json"
	"time"
)

// Event types published to the uplink (subject suffix after "evt.").
const (
	EvtParcelDeposited   = "parcel.deposited"
	EvtParcelPickedUp    = "parcel.picked_up"
	EvtParcelExpired     = "parcel.expired"
	EvtParcelRetrieved   = "parcel.retrieved"
	EvtParcelCancelled   = "parcel.cancelled"
	EvtPINReissued       = "parcel.pin_reissued"
	EvtDoorOpened        = "door.opened"
	EvtDoorClosed        = "door.closed"
	EvtDoorForced        = "door.forced"
	EvtDoorLeftOpen      = "door.left_open"
	EvtDoorJammed        = "door.jammed"
	EvtCompartmentStatus = "compartment.status"
	EvtPINLockout        = "pin.lockout"
	EvtSecurityAlert     = "security.alert"
	EvtStaffLogin        = "staff.login"
	EvtKioskStarted      = "kiosk.started"
	EvtLockerFull        = "locker.full"
	EvtBoardStatus       = "board.status"
	EvtDoorRemoteOpen    = "door.remote_open"
	EvtStaffChanged      = "staff.changed"
	EvtCourierChanged    = "courier.changed"
	EvtAuditAnchor       = "audit.anchor"
	// Reminders, holds, help (issue 14).
	EvtParcelExpiring   = "parcel.expiring"
	EvtParcelExtended   = "parcel.extended"
	EvtIncidentReported = "incident.reported"
	// Item sensor and full bank (issue 14).
	EvtParcelLeftInside = "parcel.left_inside"
	EvtParcelRefused    = "parcel.refused"
)

// Event is the uplink envelope. Seq is gap-free per kiosk and set by the
// store when the event is committed.
type Event struct {
	ID    string          `json:"id"` // ULID
	Seq   uint64          `json:"seq"`
	Type  string          `json:"type"`
	Time  time.Time       `json:"time"`
	Site  string          `json:"site"`
	Kiosk string          `json:"kiosk"`
	Data  json.RawMessage `json:"data"`
}

// NewULID returns a new ULID string for t: 48 bits of milliseconds and 80
// random bits, in Crockford base32, so ids sort by time.
func NewULID(t time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on Linux
	// 128 bits -> 26 characters of 5 bits, the first holding 3 bits.
	var out [26]byte
	var acc uint64
	var hi uint64
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
	}
	for i := 8; i < 16; i++ {
		acc = acc<<8 | uint64(b[i])
	}
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[acc&31]
		acc = acc>>5 | (hi&31)<<59
		hi >>= 5
	}
	return string(out[:])
}
