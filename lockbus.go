package locker

import (
	"context"
	"time"
)

// DoorState is what the door sensor last said.
type DoorState string

// Door states. Unknown means the board is not answering.
const (
	DoorUnknown DoorState = "unknown"
	DoorClosed  DoorState = "closed"
	DoorOpen    DoorState = "open"
)

// ItemState is what the item-present sensor last said, where a board has one.
type ItemState string

// Item states. ItemNoSensor is reported by boards without the sensor.
const (
	ItemNoSensor ItemState = ""
	ItemPresent  ItemState = "present"
	ItemEmpty    ItemState = "empty"
)

// DoorEventKind names a change the lock bus saw.
type DoorEventKind string

// Door event kinds. Forced is an opening with no recent unlock; Jammed is an
// unlock the door did not follow within the jam timeout; LeftOpen is a door
// open longer than the left-open time. BoardOffline and BoardOnline concern
// every lock of Addr.Board; their Addr.Lock is 0.
const (
	EventOpened       DoorEventKind = "opened"
	EventClosed       DoorEventKind = "closed"
	EventForced       DoorEventKind = "forced"
	EventJammed       DoorEventKind = "jammed"
	EventLeftOpen     DoorEventKind = "left_open"
	EventItem         DoorEventKind = "item"
	EventBoardOffline DoorEventKind = "board_offline"
	EventBoardOnline  DoorEventKind = "board_online"
)

// DoorEvent is one change reported by the lock bus.
type DoorEvent struct {
	Kind      DoorEventKind
	Addr      LockAddr
	Commanded bool      // the opening followed an unlock we sent
	Item      ItemState // for EventItem (and the latest value on other events)
	At        time.Time
}

// LockState is the last polled state of one lock.
type LockState struct {
	Door     DoorState
	Item     ItemState
	Online   bool
	LastPoll time.Time
}

// LockBus drives the lock boards. Unlock pulses one lock; it returns once
// the board acknowledged (or, with no reply, the sensor saw the door open),
// which is not proof the door opened: only a later EventOpened is. State returns the last polled state. Door events are
// delivered to Service.HandleDoorEvent by the wiring in cmd/.
type LockBus interface {
	Unlock(ctx context.Context, a LockAddr) error
	State(a LockAddr) LockState
}
