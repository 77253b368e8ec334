package locker

import (
	"context"
	"fmt"
	"time"
)

// The item sensor at a door's close (Options.ItemSensors). A deposit door
// that closes with nothing seen inside is not committed: the courier says
// what happened (StepCheckInside). A pickup door that closes with something
// still seen inside does not deliver its parcels: they stay active, the
// operator hears of it (parcel.left_inside) and the recipient may open the
// door again (StepLeftInside).

// Steps of the item-sensor checks.
const (
	// StepCheckInside: deposit: the door closed but its item sensor saw
	// nothing inside. The parcel is still only reserved (depositing): the
	// courier opens the door again (OpenAgain) or cancels the parcel
	// (CancelParcel). The same step of FlowReturn is a return's drop-off
	// door closed with nothing seen: the return stays depositing in its
	// door; the resident opens it again (OpenAgain) or cancels (Cancel:
	// the door is freed and the return code works again).
	StepCheckInside Step = "check_inside"
	// StepLeftInside: pickup: the door closed with its item sensor still
	// seeing something. The parcels behind it stay deposited and their
	// code keeps working; the recipient opens the door again (OpenAgain)
	// or leaves them (LeaveParcel).
	StepLeftInside Step = "left_inside"
)

// PickupLeftInside is a pickup door closed with the item sensor still
// seeing something: its parcels stay in, waiting for the same code.
const PickupLeftInside PickupState = "left_inside"

// errAnswerFirst refuses what would leave the parcel of StepCheckInside
// reserved and forgotten: a new parcel, the end of the visit.
var errAnswerFirst = fmt.Errorf("%w: open the door again or cancel this parcel first", ErrBadState)

// seenEmptyLocked reports whether item, read as a deposit door closed,
// says the parcel is not inside.
func (s *Service) seenEmptyLocked(item ItemState) bool {
	return s.o.ItemSensors && item == ItemEmpty
}

// seenPresentLocked reports whether item, read as a pickup door closed,
// says something is still inside.
func (s *Service) seenPresentLocked(item ItemState) bool {
	return s.o.ItemSensors && item == ItemPresent
}

// askInsideIn adds to ch the audit row of a deposit door closed with
// nothing seen inside door id and returns the flow move: the courier is
// asked. Nothing is committed for the parcel.
func (s *Service) askInsideIn(ch *Change, id string) func() error {
	p := s.sess.parcel
	s.addAudit(ch, s.courierActor(), "parcel.not_seen", p.ID,
		fmt.Sprintf("barcode=%s door %s closed with its item sensor seeing nothing", p.Barcode, id))
	return func() error {
		s.sess.step = StepCheckInside
		s.sess.lastAction = s.clock.Now()
		s.sess.notice = Notice{}
		return nil
	}
}

// leftInsideIn adds to ch what a pickup door closed with something still
// seen inside records: a parcel.left_inside event and an audit row per
// parcel of the door; the parcels stay deposited. It returns the flow move.
func (s *Service) leftInsideIn(ch *Change, id string) func() error {
	it := s.sess.queue[s.sess.qi]
	now := s.clock.Now()
	for _, pid := range it.ParcelIDs {
		p, ok := s.parcels[pid]
		if !ok {
			continue
		}
		s.addEvent(ch, EvtParcelLeftInside, map[string]any{
			"parcel_id": p.ID, "compartment": id, "barcode": p.Barcode, "recipient_id": p.RecipientID,
			"by": s.sess.by, "closed_at": now.UTC().Format(time.RFC3339Nano),
		})
		s.addAudit(ch, "recipient", "parcel.left_inside", p.ID, "door "+id+" closed with the item sensor seeing something")
	}
	return func() error {
		s.sess.queue[s.sess.qi].State = PickupLeftInside
		s.sess.step = StepLeftInside
		s.sess.lastAction = s.clock.Now()
		return nil
	}
}

// OpenAgain unlocks the door the item sensor questioned once more: at
// StepCheckInside for the courier (or, for a return, the resident) to put
// the parcel in, at StepLeftInside for the recipient to take what is left.
func (s *Service) OpenAgain(ctx context.Context) error {
	return s.run(ctx, func() error {
		id := s.sess.door
		c, ok := s.compIn(nil, id)
		switch {
		case !ok:
			return fmt.Errorf("%w: no door to open again", ErrBadState)
		case s.sess.flow == FlowDeposit && s.sess.step == StepCheckInside && s.sess.job == jobDeposit:
		case s.sess.flow == FlowReturn && s.sess.step == StepCheckInside && s.sess.job == jobReturnDeposit:
		case s.sess.flow == FlowPickup && s.sess.step == StepLeftInside && s.sess.job == jobPickup:
		default:
			return fmt.Errorf("%w: no door to open again", ErrBadState)
		}
		if s.offline[c.Addr.Board] {
			return fmt.Errorf("%w: the lock board of door %s is not answering", ErrBusUnavailable, id)
		}
		ch := &Change{}
		actor := "recipient"
		if s.sess.flow == FlowDeposit {
			actor = s.courierActor()
		}
		s.addAudit(ch, actor, "door.open_again", id, string(s.sess.step))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		if s.sess.flow == FlowPickup {
			s.sess.queue[s.sess.qi].State = PickupUnlocking
		}
		s.setDoorLocked(s.sess.job, id)
		return nil
	})
}

// CancelParcel gives up the parcel whose door closed with nothing seen
// inside (StepCheckInside): it is recorded as cancelled, its door freed
// (and counted as just used, so the next parcel is offered another door
// first), and the courier goes back to scanning; the visit goes on.
func (s *Service) CancelParcel(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || s.sess.step != StepCheckInside || s.sess.parcel.Status != ParcelDepositing {
			return fmt.Errorf("%w: no parcel to cancel", ErrBadState)
		}
		p := s.sess.parcel
		ch := &Change{}
		s.cancelIn(ch, p, "not seen inside", s.courierActor())
		if c, ok := s.compIn(ch, p.CompartmentID); ok {
			c.LastUsed = s.clock.Now()
			putComp(ch, c)
		}
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.dropDraftLocked()
		return nil
	})
}

// LeaveParcel is the recipient leaving what the item sensor still sees
// (StepLeftInside): the parcels stay deposited for the same code, and the
// pickup goes on with its next door or ends.
func (s *Service) LeaveParcel(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowPickup || s.sess.step != StepLeftInside {
			return fmt.Errorf("%w: nothing to leave", ErrBadState)
		}
		ch := &Change{}
		s.addAudit(ch, "recipient", "parcel.left", s.sess.door, "left inside; stays for the same code")
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		return s.nextQueueLocked()
	})
}

// recoverEmptyIn settles, at start, an interrupted deposit p in c whose door
// the sensors see closed and empty (e.g. the power failed at
// StepCheckInside): the parcel is cancelled and the door freed. It reports
// whether it did.
func (s *Service) recoverEmptyIn(ch *Change, p Parcel, c Compartment, st LockState, others int) bool {
	if !s.o.ItemSensors || !st.Online || st.Door != DoorClosed || st.Item != ItemEmpty || others > 0 {
		return false
	}
	s.cancelIn(ch, p, "door closed empty at restart", "system")
	if c, _ = s.compIn(ch, c.ID); c.Status == StatusFaulty && c.Reason == InterruptedReason {
		_, _ = s.setStatusIn(ch, c.ID, StatusAvailable, "", "system") // c exists: no error
	}
	return true
}
