package locker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The courier's collection of returns, the staff's retrieval by hand and
// return.overdue.

// CollectReturns opens the doors of the returns waiting for the signed-in
// courier's carrier: one by one (each after the previous one closed), or
// all at once with all. Each door closing empty (by its item sensor, where
// there is one) records its returns as collected. Deliveries go on after.
func (s *Service) CollectReturns(ctx context.Context, all bool) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || (s.sess.step != StepScan && s.sess.step != StepDeposited) {
			return fmt.Errorf("%w: sign in as a courier first, with no door open", ErrBadState)
		}
		byComp := map[string][]string{}
		for _, r := range s.collectableLocked(s.sess.courier.Carrier) {
			if c, ok := s.compIn(nil, r.CompartmentID); ok && !s.offline[c.Addr.Board] {
				byComp[r.CompartmentID] = append(byComp[r.CompartmentID], r.ID)
			}
		}
		if len(byComp) == 0 {
			return fmt.Errorf("%w: no returns to collect for %s", ErrNotFound, s.sess.courier.Carrier)
		}
		s.sess.parcel, s.sess.recipient, s.sess.addToDoor = Parcel{}, Recipient{}, ""
		s.sess.queue, s.sess.qi = nil, 0
		for _, id := range slices.Sorted(maps.Keys(byComp)) {
			s.sess.queue = append(s.sess.queue, PickupItem{CompartmentID: id, ParcelIDs: byComp[id], State: PickupWaiting})
		}
		s.sess.rt.collecting, s.sess.rt.collected = true, 0
		s.sess.notice = Notice{}
		ch := &Change{}
		s.addAudit(ch, s.courierActor(), "return.collect", s.sess.courier.Carrier, fmt.Sprintf("%d doors, all=%v", len(s.sess.queue), all))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.queue[0].State = PickupUnlocking
		s.setDoorLocked(jobReturnCollect, s.sess.queue[0].CompartmentID)
		if all {
			for i := 1; i < len(s.sess.queue); i++ {
				s.sess.queue[i].State = PickupUnlocking
				s.queueUnlockLocked(s.sess.queue[i].CompartmentID)
			}
		}
		return nil
	})
}

// nextCollectLocked points the collection at the next door not done
// (unlocking it unless it already is), or ends it and goes back to
// scanning parcels.
func (s *Service) nextCollectLocked() error {
	for i, it := range s.sess.queue {
		switch it.State {
		case PickupWaiting:
			s.sess.qi = i
			s.sess.queue[i].State = PickupUnlocking
			s.setDoorLocked(jobReturnCollect, it.CompartmentID)
			return nil
		case PickupUnlocking, PickupOpen:
			s.sess.qi = i
			s.sess.door = it.CompartmentID
			s.sess.gen++
			s.sess.attempts = 1
			s.sess.doorAt = s.clock.Now()
			s.sess.step = StepUnlocking
			if it.State == PickupOpen {
				s.sess.step = StepDoorOpen
			}
			return nil
		}
	}
	n := s.sess.rt.collected
	notice := s.sess.notice
	s.sess.queue, s.sess.qi = nil, 0
	s.sess.rt.collecting = false
	s.sess.job, s.sess.door = jobNone, ""
	s.sess.step = StepScan
	s.sess.notice = Notice{Kind: NoticeReturnsCollected, Count: n, Text: fmt.Sprintf("%d returns collected.", n)}
	if notice.Kind == NoticeReturnStillInside {
		s.sess.notice = notice
	}
	return nil
}

// StaffRetrieveReturn opens the door of the return in compartmentID for
// the signed-in staff member, who takes it out by hand; closing the door
// records return.retrieved with the reason and ends the staff session.
func (s *Service) StaffRetrieveReturn(ctx context.Context, compartmentID, reason string) error {
	return s.run(ctx, func() error {
		if err := s.inMaintenanceLocked(); err != nil {
			return err
		}
		if s.sess.step != StepMenu {
			return fmt.Errorf("%w: finish the current door first", ErrBadState)
		}
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("%w: a reason is required", ErrInvalid)
		}
		if len(s.returnsAtLocked(compartmentID)) == 0 {
			return fmt.Errorf("%w: no return in compartment %q", ErrNotFound, compartmentID)
		}
		ch := &Change{}
		s.addAudit(ch, s.staffActor(), "door.open", compartmentID, "return retrieval: "+reason)
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.notice = Notice{}
		s.sess.rt.reason = reason
		s.setDoorLocked(jobReturnRetrieve, compartmentID)
		return nil
	})
}

// overdueReturnsLocked sends return.overdue once for every return left in
// the locker longer than Options.ReturnOverdue.
func (s *Service) overdueReturnsLocked(ctx context.Context, now time.Time) bool {
	after := s.o.ReturnOverdue
	if after <= 0 {
		after = DefaultReturnOverdue
	}
	ch := &Change{}
	for _, id := range slices.Sorted(maps.Keys(s.ret.inLocker)) {
		r := s.ret.inLocker[id]
		if r.Status != ReturnDeposited || !r.OverdueAt.IsZero() || now.Sub(r.DepositedAt) < after {
			continue
		}
		r.OverdueAt = now
		putReturn(ch, r)
		s.addEvent(ch, EvtReturnOverdue, map[string]any{
			"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": r.CompartmentID,
			"deposited_at": r.DepositedAt.UTC().Format(time.RFC3339Nano),
		})
		s.addAudit(ch, "system", "return.overdue", r.ID, r.CompartmentID)
	}
	if len(ch.Returns) == 0 {
		return false
	}
	if err := s.commitLocked(ctx, ch); err != nil {
		s.log.Warn("return.overdue not stored; will retry", "err", err)
		return false
	}
	return true
}
