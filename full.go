package locker

import (
	"context"
	"fmt"
)

// A full bank. Before refusing a parcel for want of a free door, the
// kiosk offers the door that already holds this recipient's parcels when
// the size allows (StepShareDoor: the courier confirms it fits, AddToDoor);
// a door only ever holds parcels of one recipient, and opening it for any
// of that recipient's codes delivers them all (pickup.go). When nothing is
// left, the parcel is refused (StepFull, parcel.refused) and nothing of it
// stays recorded as in the locker.

// Steps of a full bank.
const (
	// StepShareDoor: deposit: no free door fits; View.AddToDoor names the
	// door that holds only this recipient's parcels. The courier puts the
	// parcel in with them (AddToDoor) or says it does not fit
	// (DeclineDoor).
	StepShareDoor Step = "share_door"
	// StepFull: deposit: the parcel was refused, the bank has no door for
	// it (parcel.refused). The courier scans the next parcel or finishes.
	StepFull Step = "full"
)

// RefusedFull is the reason of a parcel.refused event for want of a door.
const RefusedFull = "full"

// holdsOnlyLocked reports whether compartment id holds parcels and every
// active parcel in it (with ch applied) is deposited for recipient rid,
// with its expiry clock running: a door this recipient's next parcel may
// share.
func (s *Service) holdsOnlyLocked(ch *Change, id, rid string) bool {
	in := s.parcelsIn(ch, id)
	if len(in) == 0 || rid == "" {
		return false
	}
	for _, q := range in {
		if q.RecipientID != rid || q.Status != ParcelDeposited || !q.PausedSince.IsZero() {
			return false
		}
	}
	return true
}

// shareCandidateLocked returns the door to offer the draft parcel when no
// free door fits: occupied only by parcels of the same recipient, on an
// answering board, not in exclude, large enough for the parcel's size,
// refrigerated and within reach when those are needed. Among several, the
// largest door (more likely to have room), then the one holding fewest
// parcels, then the lowest id. "" when none.
func (s *Service) shareCandidateLocked(exclude map[string]bool) string {
	p, r := s.sess.parcel, s.sess.recipient
	best, bestN := Compartment{}, 0
	for _, c := range s.comps {
		switch {
		case c.Status != StatusOccupied, exclude[c.ID], s.offline[c.Addr.Board],
			!p.Size.Valid() || p.Size.Rank() > c.Size.Rank(),
			p.Refrigerated && !c.Refrigerated,
			r.Accessible && !c.Accessible,
			!s.holdsOnlyLocked(nil, c.ID, r.ID):
			continue
		}
		n := len(s.parcelsIn(nil, c.ID))
		if best.ID == "" || c.Size.Rank() > best.Size.Rank() ||
			(c.Size.Rank() == best.Size.Rank() && (n < bestN || (n == bestN && c.ID < best.ID))) {
			best, bestN = c, n
		}
	}
	return best.ID
}

// fullLocked handles an allocation that found no free door (err wraps
// ErrLockerFull) for the draft parcel: it records locker.full, then offers
// a door of the same recipient (StepShareDoor, nil error) or refuses the
// parcel (StepFull, err). ch, when not nil, holds what must be committed
// with the refusal (the draft's reservation cancelled).
func (s *Service) fullLocked(ctx context.Context, ch *Change, err error, exclude map[string]bool) error {
	p := s.sess.parcel
	s.lockerFullLocked(ctx, p.Size, p.Barcode)
	if ch == nil && p.Status != ParcelDepositing {
		if id := s.shareCandidateLocked(exclude); id != "" {
			s.sess.addToDoor = id
			s.sess.step = StepShareDoor
			s.sess.door, s.sess.job = "", jobNone
			return nil
		}
	}
	if rerr := s.refuseLocked(ctx, ch, RefusedFull); rerr != nil {
		return rerr
	}
	return err
}

// refuseLocked records the refusal of the draft parcel (event
// parcel.refused, an audit row) with ch, forgets the draft and moves to
// StepFull. The screen keeps the refused parcel's barcode, size and
// recipient to show; nothing of it is active.
func (s *Service) refuseLocked(ctx context.Context, ch *Change, reason string) error {
	p := s.sess.parcel
	if ch == nil {
		ch = &Change{}
	}
	s.addEvent(ch, EvtParcelRefused, map[string]any{
		"barcode": p.Barcode, "carrier": p.Carrier, "recipient_id": p.RecipientID, "size": p.Size,
		"reason": reason, "courier_id": s.sess.courier.ID, "expected_id": p.ExpectedID,
	})
	s.addAudit(ch, s.courierActor(), "parcel.refused", p.Barcode,
		fmt.Sprintf("size=%s recipient=%s reason=%s", p.Size, p.RecipientID, reason))
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	shown := Parcel{Barcode: p.Barcode, Carrier: p.Carrier, RecipientID: p.RecipientID, Size: p.Size, Refrigerated: p.Refrigerated}
	r := s.sess.recipient
	s.dropDraftLocked()
	s.sess.parcel, s.sess.recipient = shown, r
	s.sess.step = StepFull
	s.sess.notice = Notice{}
	return nil
}

// DeclineDoor is the courier saying the parcel does not fit the door
// offered at StepShareDoor: the parcel is refused (StepFull).
func (s *Service) DeclineDoor(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || s.sess.step != StepShareDoor {
			return fmt.Errorf("%w: no door offered", ErrBadState)
		}
		return s.refuseLocked(ctx, nil, RefusedFull)
	})
}
