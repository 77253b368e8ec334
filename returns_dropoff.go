package locker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The resident's drop-off of a return: the code, the door, "doesn't fit",
// cancel, and what a restart in the middle of one settles.

// StartReturn shows the resident's "send or return" screen: the return
// code is asked for.
func (s *Service) StartReturn(ctx context.Context) error {
	return s.run(ctx, func() error {
		if err := s.pickupAllowedLocked(); err != nil {
			return err
		}
		if s.allBoardsOfflineLocked() {
			return fmt.Errorf("%w: every lock board is silent: the doors are out of order", ErrBusUnavailable)
		}
		s.resetSessionLocked()
		s.sess.flow, s.sess.step = FlowReturn, StepReturnCode
		return nil
	})
}

// ReturnCode takes the return code the resident typed or scanned (the
// code, or the prepaid label's barcode) at StepReturnCode and opens a door
// of the return's size. An unknown code counts on the return counter, so
// the codes cannot be enumerated at the keypad.
func (s *Service) ReturnCode(ctx context.Context, code string) error {
	return s.returnCode(ctx, code, false)
}

// ReturnLabelScan starts a drop-off from the home screen with a scanned
// label barcode pre-advised as a return. Only label barcodes match here
// (never a typed code), and a barcode that is not one is refused with
// ErrNotFound without counting: couriers scan parcels at the home screen
// before signing in.
func (s *Service) ReturnLabelScan(ctx context.Context, barcode string) error {
	return s.returnCode(ctx, barcode, true)
}

func (s *Service) returnCode(ctx context.Context, text string, labelOnly bool) error {
	raw := strings.TrimSpace(text)
	code := NormalizeReturnCode(raw)
	rs, rsErr := s.returnStore()
	var (
		r         Return
		lookupErr = ErrNotFound
	)
	if rsErr == nil && raw != "" && len(raw) <= maxField {
		if labelOnly {
			r, lookupErr = rs.ReturnByCode(ctx, "", raw)
		} else {
			r, lookupErr = rs.ReturnByCode(ctx, code, raw)
		}
	}
	return s.run(ctx, func() error {
		if rsErr != nil {
			return rsErr
		}
		switch {
		case labelOnly:
			if err := s.pickupAllowedLocked(); err != nil {
				return err
			}
		case s.sess.flow != FlowReturn || s.sess.step != StepReturnCode:
			return fmt.Errorf("%w: not waiting for a return code", ErrBadState)
		}
		if err := s.checkLockedLocked(KindReturn); err != nil && !labelOnly {
			return err // a label scan counts nothing, so the closed path does not stop it
		}
		if raw == "" {
			return fmt.Errorf("%w: empty return code", ErrInvalid)
		}
		if lookupErr != nil {
			switch {
			case !errors.Is(lookupErr, ErrNotFound):
				return fmt.Errorf("locker: return lookup: %w: %w", ErrStoreDown, lookupErr)
			case labelOnly:
				return fmt.Errorf("locker: %w: not a pre-advised return label", ErrNotFound)
			}
			return s.wrongCodeLocked(ctx, KindReturn, "return", nil)
		}
		if r.Status != ReturnExpected {
			return fmt.Errorf("%w: this return is already in door %s", ErrDuplicate, r.CompartmentID)
		}
		if s.allBoardsOfflineLocked() {
			return fmt.Errorf("%w: every lock board is silent: the doors are out of order", ErrBusUnavailable)
		}
		if labelOnly {
			s.resetSessionLocked()
			s.sess.flow = FlowReturn
		}
		s.sess.rt.ret = r
		z := r.Size
		if z == "" {
			z = Sizes[0]
		}
		return s.placeReturnLocked(ctx, z, nil)
	})
}

// placeReturnLocked reserves a door of size z or larger (not in exclude,
// keeping each size's held share for deliveries) for the session's return,
// records it as depositing, frees the door it had and queues the unlock.
// On failure the return goes back to expected and the flow to
// StepReturnCode.
func (s *Service) placeReturnLocked(ctx context.Context, z Size, exclude map[string]bool) error {
	r := s.sess.rt.ret
	ch := &Change{}
	c, _, err := s.allocReturnLocked(ch, z, exclude)
	if err != nil {
		if r.Status == ReturnDepositing {
			s.unplaceReturnIn(ch, r)
			r.Status, r.CompartmentID = ReturnExpected, ""
			if cerr := s.commitLocked(ctx, ch); cerr != nil {
				return cerr
			}
		}
		s.sess.rt.ret = Return{}
		s.sess.step, s.sess.job, s.sess.door = StepReturnCode, jobNone, ""
		return err
	}
	if r.Status == ReturnDepositing {
		s.unplaceReturnIn(ch, r)
	}
	r.Status = ReturnDepositing
	r.CompartmentID = c.ID
	putReturn(ch, r)
	c.Status = StatusReserved
	putComp(ch, c)
	s.addAudit(ch, "resident", "return.reserve", r.ID, fmt.Sprintf("code=%s compartment=%s", r.Code, c.ID))
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	s.sess.rt.ret = r
	s.setDoorLocked(jobReturnDeposit, c.ID)
	return nil
}

// unplaceReturnIn frees the door reserved for r in ch.
func (s *Service) unplaceReturnIn(ch *Change, r Return) {
	if c, ok := s.compIn(ch, r.CompartmentID); ok && c.Status == StatusReserved &&
		len(s.parcelsIn(ch, c.ID)) == 0 {
		c.Status = StatusAvailable
		putComp(ch, c)
	}
	r.Status, r.CompartmentID = ReturnExpected, ""
	putReturn(ch, r)
}

// allocReturnLocked picks a door for a return of size z: like Allocate,
// but a size whose free doors are down to its held share
// (Options.ReturnHold) is not used.
func (s *Service) allocReturnLocked(ch *Change, z Size, exclude map[string]bool) (Compartment, bool, error) {
	comps := s.compsIn(ch)
	ex := s.excludeOfflineLocked()
	maps.Copy(ex, exclude)
	total, free := map[Size]int{}, map[Size]int{}
	for _, c := range comps {
		total[c.Size]++
		if c.Status == StatusAvailable && !ex[c.ID] {
			free[c.Size]++
		}
	}
	for _, c := range comps {
		held := int(s.returnHold()*float64(total[c.Size]) + 0.5)
		if free[c.Size] <= held {
			ex[c.ID] = true
		}
	}
	return Allocate(comps, AllocRequest{Size: z, Exclude: ex})
}

// returnHold is the share of each size held for deliveries.
func (s *Service) returnHold() float64 {
	switch h := s.o.ReturnHold; {
	case h == 0:
		return DefaultReturnHold
	case h < 0:
		return 0
	default:
		return min(h, 1)
	}
}

// ReturnDoesntFit moves the return whose door is unlocked or open to a
// larger door and frees the first one.
func (s *Service) ReturnDoesntFit(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowReturn || s.sess.job != jobReturnDeposit ||
			(s.sess.step != StepUnlocking && s.sess.step != StepDoorOpen) {
			return fmt.Errorf("%w: no door is open for a return", ErrBadState)
		}
		old, _ := s.compIn(nil, s.sess.rt.ret.CompartmentID)
		larger, ok := old.Size.Larger()
		if !ok {
			if err := s.cancelReturnLocked(ctx); err != nil {
				return err
			}
			s.sess.rt.ret = Return{}
			s.sess.step, s.sess.job, s.sess.door = StepReturnCode, jobNone, ""
			return fmt.Errorf("locker: nothing larger than %s: %w", old.Size, ErrTooLarge)
		}
		return s.placeReturnLocked(ctx, larger, map[string]bool{old.ID: true})
	})
}

// cancelReturnLocked gives back the door of a drop-off in progress: the
// return is expected again and its code works again.
func (s *Service) cancelReturnLocked(ctx context.Context) error {
	r := s.sess.rt.ret
	if r.Status != ReturnDepositing {
		return nil
	}
	ch := &Change{}
	s.unplaceReturnIn(ch, r)
	s.addAudit(ch, "resident", "return.cancel", r.ID, "drop-off cancelled at door "+r.CompartmentID)
	return s.commitLocked(ctx, ch)
}

// InterruptedReturnReason is the Reason of a compartment whose return
// drop-off a restart interrupted and the item sensor could not settle:
// staff retrieve the return by hand.
const InterruptedReturnReason = "interrupted return drop-off: check contents"

// recoverReturnsLocked settles drop-offs a restart interrupted: the item
// sensor seeing the parcel commits it (return.deposited); with
// Options.ItemSensors, a door seen closed and empty is freed and the
// return expected again (recoverEmptyReturnIn); otherwise the door is
// flagged for staff, the return staying recorded in it. It runs before
// recoverLocked, which sets the doors still holding something occupied.
func (s *Service) recoverReturnsLocked(ch *Change) error {
	now := s.clock.Now()
	for _, id := range slices.Sorted(maps.Keys(s.ret.inLocker)) {
		r := s.ret.inLocker[id]
		if r.Status != ReturnDepositing {
			continue
		}
		c, ok := s.compIn(ch, r.CompartmentID)
		if !ok {
			continue
		}
		if s.recoverEmptyReturnIn(ch, r, c) {
			continue
		}
		if st := s.bus.State(c.Addr); st.Online && st.Item == ItemPresent {
			r.Status, r.DepositedAt = ReturnDeposited, now
			putReturn(ch, r)
			if c.Status == StatusReserved || c.Status == StatusAvailable {
				c.Status = StatusOccupied
				putComp(ch, c)
			}
			s.addEvent(ch, EvtReturnDeposited, map[string]any{
				"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": c.ID, "size": c.Size,
				"label_barcode": r.LabelBarcode, "recipient_id": r.RecipientID, "time": now.UTC().Format(time.RFC3339Nano),
			})
			s.addAudit(ch, "system", "return.deposited", r.ID, "recovered: item sensor sees it in "+c.ID)
			continue
		}
		if c.Status != StatusFaulty {
			if _, err := s.setStatusIn(ch, c.ID, StatusFaulty, InterruptedReturnReason, "system"); err != nil {
				return err
			}
		}
	}
	return nil
}

// askReturnInsideIn adds to ch the audit row of a return's drop-off door
// closed with nothing seen inside door id and returns the flow move: the
// resident is asked (StepCheckInside), the door staying reserved and the
// return depositing. Nothing is committed for the return.
func (s *Service) askReturnInsideIn(ch *Change, id string) func() error {
	r := s.sess.rt.ret
	s.addAudit(ch, "resident", "return.not_seen", r.ID,
		fmt.Sprintf("code=%s door %s closed with its item sensor seeing nothing", r.Code, id))
	return func() error {
		s.sess.step = StepCheckInside
		s.sess.lastAction = s.clock.Now()
		s.sess.notice = Notice{}
		return nil
	}
}

// recoverEmptyReturnIn settles, at start, an interrupted drop-off r in c
// whose door the sensors see closed and empty (e.g. the power failed at
// StepCheckInside): the return is expected again (its code works again)
// and the door freed. It reports whether it did.
func (s *Service) recoverEmptyReturnIn(ch *Change, r Return, c Compartment) bool {
	st := s.bus.State(c.Addr)
	if !s.o.ItemSensors || !st.Online || st.Door != DoorClosed || st.Item != ItemEmpty ||
		len(s.parcelsIn(ch, c.ID)) > 0 || s.returnsIn(ch, c.ID) > 1 {
		return false
	}
	r.Status, r.CompartmentID = ReturnExpected, ""
	putReturn(ch, r)
	s.addAudit(ch, "system", "return.cancel", r.ID, "drop-off not finished: door "+c.ID+" closed empty at restart")
	if c.Status == StatusReserved || c.Status == StatusOccupied ||
		(c.Status == StatusFaulty && (c.Reason == InterruptedReturnReason || c.Reason == DoorTimeoutReason)) {
		_, _ = s.setStatusIn(ch, c.ID, StatusAvailable, "", "system") // c exists: no error
	}
	return true
}
