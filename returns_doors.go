package locker

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// The returns' door jobs: what a door opening, closing or not opening
// does for a drop-off, a collection or a staff retrieval.

// returnDoorFailedLocked moves on after a door of a return job did not
// open twice; ch already marks it faulty.
func (s *Service) returnDoorFailedLocked(ctx context.Context, ch *Change, id string) error {
	switch s.sess.job {
	case jobReturnDeposit:
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		r := s.sess.rt.ret
		z := r.Size
		if z == "" {
			z = Sizes[0]
		}
		if c, ok := s.compIn(nil, id); ok && c.Size.Rank() > z.Rank() {
			z = c.Size
		}
		if err := s.placeReturnLocked(ctx, z, map[string]bool{id: true}); err != nil {
			return fmt.Errorf("%w: door %s is faulty and %w", ErrDoorNotOpened, id, err)
		}
		s.sess.notice = Notice{Kind: NoticeDoorFaulty, Compartment: s.sess.door, Failed: id,
			Text: fmt.Sprintf("Door %s did not open. Please use door %s.", id, s.sess.door)}
		return nil
	case jobReturnCollect:
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.queue[s.sess.qi].State = PickupFailed
		return s.nextCollectLocked()
	default: // jobReturnRetrieve
		s.addAudit(ch, s.staffActor(), "staff.logout", s.sess.staff.ID, "door job done")
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.resetSessionLocked()
		s.sess.notice = Notice{Kind: NoticeDoorFailed, Compartment: id, Text: fmt.Sprintf("Door %s did not open and is marked faulty.", id)}
		return nil
	}
}

// returnJob reports whether job is one of the returns'.
func returnJob(job doorJob) bool { return job >= jobReturnDeposit && job <= jobReturnRetrieve }

// onReturnOpenedLocked is onOpenedLocked for the returns' door jobs.
func (s *Service) onReturnOpenedLocked(id string) func() error {
	return func() error {
		if s.sess.job == jobReturnCollect {
			for i := range s.sess.queue {
				if it := &s.sess.queue[i]; it.CompartmentID == id && it.State == PickupUnlocking {
					it.State = PickupOpen
				}
			}
		}
		if s.sess.door == id && s.sess.step == StepUnlocking {
			s.sess.step = StepDoorOpen
			s.sess.doorAt = s.clock.Now()
			if s.sess.notice.Kind == NoticeRetrying || s.sess.notice.Kind == NoticeBusError {
				s.sess.notice = Notice{}
			}
		}
		return nil
	}
}

// onReturnClosedLocked is onClosedLocked for the returns' door jobs: it
// adds to ch what the door closing commits and returns the flow move. item
// is what the item sensor saw as the door closed: a drop-off door closed
// with nothing seen is not committed (askReturnInsideIn).
func (s *Service) onReturnClosedLocked(ch *Change, id string, item ItemState) (func() error, error) {
	now := s.clock.Now()
	switch s.sess.job {
	case jobReturnDeposit:
		if s.sess.door != id || s.sess.step != StepDoorOpen {
			return nil, nil
		}
		if s.seenEmptyLocked(item) {
			return s.askReturnInsideIn(ch, id), nil
		}
		r := s.sess.rt.ret
		r.Status = ReturnDeposited
		r.DepositedAt = now
		putReturn(ch, r)
		c, _ := s.compIn(ch, id)
		c.Status = StatusOccupied
		c.LastUsed = now
		putComp(ch, c)
		s.addEvent(ch, EvtReturnDeposited, map[string]any{
			"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": id, "size": c.Size,
			"label_barcode": r.LabelBarcode, "recipient_id": r.RecipientID, "time": now.UTC().Format(time.RFC3339Nano),
		})
		s.addAudit(ch, "resident", "return.deposited", r.ID, fmt.Sprintf("code=%s compartment=%s", r.Code, id))
		rec := Receipt{VisitID: r.ID, CourierID: "return:" + r.Carrier, Time: now,
			Items: []ReceiptItem{{ParcelID: r.ID, Barcode: r.Code, Carrier: r.Carrier, CompartmentID: id, Size: c.Size, DepositedAt: now}}}
		text := signReceipt(s.secret, rec)
		return func() error {
			s.sess.rt.ret = r
			s.sess.rt.receipt = text
			s.sess.step, s.sess.job = StepReturned, jobNone
			s.sess.doneAt = now
			return nil
		}, nil
	case jobReturnCollect:
		qi := -1
		for i, it := range s.sess.queue {
			if it.CompartmentID == id && (it.State == PickupOpen || (it.State == PickupUnlocking && id == s.sess.door && s.sess.step == StepDoorOpen)) {
				qi = i
			}
		}
		if qi < 0 {
			return nil, nil
		}
		c, _ := s.compIn(ch, id)
		if s.bus.State(c.Addr).Item == ItemPresent {
			s.addAudit(ch, s.courierActor(), "return.not_collected", id, "closed with the item seen inside")
			return func() error {
				s.sess.queue[qi].State = PickupFailed
				s.sess.notice = Notice{Kind: NoticeReturnStillInside, Compartment: id,
					Text: fmt.Sprintf("The parcel is still in door %s: it stays for the next collection.", id)}
				if id == s.sess.door {
					return s.nextCollectLocked()
				}
				return nil
			}, nil
		}
		for _, rid := range s.sess.queue[qi].ParcelIDs {
			r, ok := s.ret.inLocker[rid]
			if !ok {
				continue
			}
			r.Status, r.CourierID, r.ClosedAt = ReturnCollected, s.sess.courier.ID, now
			putReturn(ch, r)
			s.addEvent(ch, EvtReturnCollected, map[string]any{
				"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": id,
				"courier_id": s.sess.courier.ID, "time": now.UTC().Format(time.RFC3339Nano),
			})
			s.addAudit(ch, s.courierActor(), "return.collected", r.ID, "compartment="+id)
		}
		s.freeIfEmptyIn(ch, id, now)
		n := len(s.sess.queue[qi].ParcelIDs)
		return func() error {
			s.sess.queue[qi].State = PickupDone
			s.sess.rt.collected += n
			if id == s.sess.door {
				return s.nextCollectLocked()
			}
			return nil
		}, nil
	case jobReturnRetrieve:
		if s.sess.door != id || s.sess.step != StepDoorOpen {
			return nil, nil
		}
		for _, r := range s.returnsAtLocked(id) {
			r.Status, r.ClosedAt = ReturnRetrieved, now
			putReturn(ch, r)
			s.addEvent(ch, EvtReturnRetrieved, map[string]any{
				"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": id,
				"staff_id": s.sess.staff.ID, "reason": s.sess.rt.reason, "time": now.UTC().Format(time.RFC3339Nano),
			})
			s.addAudit(ch, s.staffActor(), "return.retrieved", r.ID, s.sess.rt.reason)
		}
		s.freeIfEmptyIn(ch, id, now)
		s.addAudit(ch, s.staffActor(), "staff.logout", s.sess.staff.ID, "door job done")
		return func() error {
			s.resetSessionLocked() // the staff session ends with its door job
			return nil
		}, nil
	}
	return nil, nil
}

// freeIfEmptyIn makes compartment id available in ch when nothing is left
// in it (an occupied or reserved door; a faulty one stays for staff).
func (s *Service) freeIfEmptyIn(ch *Change, id string, now time.Time) {
	c, ok := s.compIn(ch, id)
	if !ok || (c.Status != StatusOccupied && c.Status != StatusReserved) {
		return
	}
	if len(s.parcelsIn(ch, id)) == 0 && s.returnsIn(ch, id) == 0 {
		c.Status = StatusAvailable
		c.LastUsed = now
		putComp(ch, c)
	}
}

// returnsAtLocked lists the returns in compartment id.
func (s *Service) returnsAtLocked(id string) []Return {
	var out []Return
	for _, r := range s.ret.inLocker {
		if r.CompartmentID == id {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Return) int { return cmpString(a.ID, b.ID) })
	return out
}
