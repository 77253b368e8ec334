package locker

import (
	"context"
	"crypto/hmac"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// pickupAllowedLocked reports whether a pickup may start now: also while a
// courier's visit waits between parcels, which the pickup then ends (see
// takeOverLocked).
func (s *Service) pickupAllowedLocked() error {
	if s.sess.flow == FlowIdle || (s.sess.flow == FlowPickup && s.sess.step == StepDone) || s.betweenParcelsLocked() {
		return nil
	}
	return fmt.Errorf("%w: the kiosk is busy", ErrBadState)
}

// PickupWithPIN opens every door holding parcels of the credential whose
// PIN is pin, one after the other. A wrong PIN counts on the PIN counter;
// input that is not a PIN at all is refused without counting.
func (s *Service) PickupWithPIN(ctx context.Context, pin string) error {
	pin = strings.TrimSpace(pin)
	return s.run(ctx, func() error {
		if err := s.pickupAllowedLocked(); err != nil {
			return err
		}
		if err := s.checkLockedLocked(KindPIN); err != nil {
			return err
		}
		if !validPIN(pin) {
			return fmt.Errorf("%w: a PIN has %d to %d digits", ErrWrongCode, minPINDigits, maxPINDigits)
		}
		h := []byte(HashPIN(s.secret, pin))
		var group []Parcel
		buf := make([]byte, 0, len(h))
		s.eachActive(nil, func(p Parcel) {
			buf = append(buf[:0], p.PINHash...)
			if hmac.Equal(buf, h) { // every parcel compared: no early exit
				group = append(group, p)
			}
		})
		if len(group) == 0 {
			return s.wrongCodeLocked(ctx, KindPIN, "pin", nil)
		}
		return s.takeOverLocked(ctx, VisitEndedPickup, func() error { return s.startPickupLocked(group, "pin") })
	})
}

// PickupWithQR verifies a pickup QR token offline and opens every door
// holding parcels of its credential. A forged or malformed token can never
// succeed: it is refused at once, never closes the keypad and is counted on
// the QR counter only (see QRJunkBurst). A valid token works whatever the
// PIN, courier or staff counters say. A courier's visit waiting between
// parcels (the screen after a deposit, or waiting for the next scan) is
// ended first, its receipt kept in the audit and in visit.finished; in the
// middle of a deposit the code is refused with ErrBadState.
func (s *Service) PickupWithQR(ctx context.Context, token string) error {
	return s.run(ctx, func() error {
		if err := s.pickupAllowedLocked(); err != nil {
			return err
		}
		claims, err := ParseQR(s.secret, token)
		if err != nil {
			return s.wrongCodeLocked(ctx, KindQR, "qr", err)
		}
		var group []Parcel
		s.eachActive(nil, func(p Parcel) {
			if p.CredentialID == claims.CredentialID {
				group = append(group, p)
			}
		})
		if len(group) == 0 {
			// Signed by this kiosk, so not a guess: the parcels are gone or
			// the code was reissued.
			return fmt.Errorf("%w: no parcel waits for this code (already collected or code replaced)", ErrNotFound)
		}
		return s.takeOverLocked(ctx, VisitEndedPickup, func() error { return s.startPickupLocked(group, "qr") })
	})
}

// startPickupLocked queues the doors of the deposited parcels in group.
func (s *Service) startPickupLocked(group []Parcel, by string) error {
	byComp := map[string][]string{}
	due := map[string]time.Time{}
	expired := 0
	for _, p := range group {
		switch p.Status {
		case ParcelDeposited:
			byComp[p.CompartmentID] = append(byComp[p.CompartmentID], p.ID)
			if d, ok := due[p.CompartmentID]; !ok || p.ExpiresAt.Before(d) {
				due[p.CompartmentID] = p.ExpiresAt
			}
		case ParcelExpired:
			expired++
		}
	}
	silent := 0
	for id := range byComp {
		if c, ok := s.compIn(nil, id); ok && s.offline[c.Addr.Board] {
			delete(byComp, id) // out of order for now; the code stays valid
			silent++
		}
	}
	s.sameRecipientLocked(byComp)
	for _, p := range group {
		for _, ids := range byComp {
			if p.Status == ParcelExpired && slices.Contains(ids, p.ID) {
				expired-- // handed over with the door it is in
			}
		}
	}
	if len(byComp) == 0 && silent > 0 {
		return fmt.Errorf("%w: the lock board of your door is not answering: the door is out of order for now; your code stays valid, please try later", ErrBusUnavailable)
	}
	if len(byComp) == 0 {
		if expired > 0 {
			return fmt.Errorf("%w: this parcel was not collected in time and is waiting for the staff; please contact the building office", ErrExpired)
		}
		return fmt.Errorf("%w: no parcel waits for this code yet", ErrNotFound)
	}
	s.resetSessionLocked()
	s.sess.flow = FlowPickup
	s.sess.by = by
	for _, id := range slices.Sorted(maps.Keys(byComp)) {
		s.sess.queue = append(s.sess.queue, PickupItem{CompartmentID: id, ParcelIDs: byComp[id], State: PickupWaiting, ExpiresAt: due[id]})
	}
	s.sess.qi = 0
	s.sess.queue[0].State = PickupUnlocking
	s.setDoorLocked(jobPickup, s.sess.queue[0].CompartmentID)
	if expired > 0 {
		s.sess.notice = Notice{Kind: NoticeExpiredWithStaff, Count: expired,
			Text: fmt.Sprintf("%d expired parcel(s) for this code are with the staff.", expired)}
	}
	return nil
}

// sameRecipientLocked adds to each door of byComp the other parcels inside
// it of the same recipient (deposited or expired: whoever opens a door
// takes everything in it), e.g. a parcel a courier put in with them under
// another code when the bank was full. A door never holds parcels of two
// recipients (depositIn refuses it); a door that holds one of another
// recipient or an unsettled deposit is left as it was.
func (s *Service) sameRecipientLocked(byComp map[string][]string) {
	for id, ids := range byComp {
		p, ok := s.parcels[ids[0]]
		if !ok {
			continue
		}
		in := s.parcelsIn(nil, id)
		var add []string
		mixed := false
		for _, q := range in {
			switch {
			case slices.Contains(ids, q.ID):
			case q.RecipientID != p.RecipientID || q.Status == ParcelDepositing:
				mixed = true
			default:
				add = append(add, q.ID)
			}
		}
		if mixed {
			s.log.Warn("a door holds another recipient's parcel or an unsettled deposit: only this code's parcels are handed over", "compartment", id)
			continue
		}
		byComp[id] = append(ids, add...)
	}
}
