package locker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// remoteActor is the audit actor of an uplink command.
func remoteActor(staffID string) string {
	if staffID == "" {
		return "remote"
	}
	return "remote:" + staffID
}

// ExpectParcel stores a pre-advice. It is idempotent on e.IdempotencyKey,
// and a second pre-advice for the same barcode replaces the first.
func (s *Service) ExpectParcel(ctx context.Context, e Expected) (id string, err error) {
	e.Barcode = strings.TrimSpace(e.Barcode)
	if e.Barcode == "" {
		return "", fmt.Errorf("%w: barcode is required", ErrInvalid)
	}
	if e.RecipientID == "" {
		return "", fmt.Errorf("%w: recipient_id is required", ErrInvalid)
	}
	if e.Size != "" {
		z, err := ParseSize(string(e.Size))
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		e.Size = z
	}
	if e.DimsMM != [3]int{} {
		if _, err := FitSize(e.DimsMM); err != nil {
			if errors.Is(err, ErrTooLarge) {
				return "", fmt.Errorf("locker: pre-advice %v mm: %w", e.DimsMM, err)
			}
			return "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if e.IdempotencyKey != "" {
		old, err := s.store.ExpectedByKey(ctx, e.IdempotencyKey)
		if err == nil {
			return old.ID, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("locker: pre-advice: %w: %w", ErrStoreDown, err)
		}
	}
	old, err := s.store.ExpectedByBarcode(ctx, e.Barcode)
	switch {
	case err == nil:
		e.ID = old.ID
	case !errors.Is(err, ErrNotFound):
		return "", fmt.Errorf("locker: pre-advice: %w: %w", ErrStoreDown, err)
	}
	err = s.runRemote(ctx, func() error {
		for _, p := range s.parcels {
			if p.Barcode == e.Barcode {
				return fmt.Errorf("%w: %s is already in compartment %s", ErrDuplicate, e.Barcode, p.CompartmentID)
			}
		}
		now := s.clock.Now()
		if e.ID == "" {
			e.ID = NewULID(now)
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		ch := &Change{Expected: []Expected{e}}
		s.addAudit(ch, "remote", "parcel.expect", e.ID, fmt.Sprintf("barcode=%s recipient=%s", e.Barcode, e.RecipientID))
		return s.commitLocked(ctx, ch)
	})
	if err != nil {
		return "", err
	}
	return e.ID, nil
}

// CancelExpected removes the pre-advice for barcode.
func (s *Service) CancelExpected(ctx context.Context, barcode string) error {
	e, err := s.store.ExpectedByBarcode(ctx, strings.TrimSpace(barcode))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("locker: no pre-advice for %q: %w", barcode, err)
		}
		return fmt.Errorf("locker: cancel pre-advice: %w: %w", ErrStoreDown, err)
	}
	return s.runRemote(ctx, func() error {
		ch := &Change{DeleteExpected: []string{e.ID}}
		s.addAudit(ch, "remote", "parcel.expect_cancelled", e.ID, "barcode="+e.Barcode)
		return s.commitLocked(ctx, ch)
	})
}

// remotePoll is how often RemoteOpenDoor also looks at the polled door state.
const remotePoll = 100 * time.Millisecond

// RemoteOpenDoor unlocks a compartment for a remote staff member (audited
// first) and waits until the door sensor sees it open or ctx ends; opened
// reports what the sensor saw.
func (s *Service) RemoteOpenDoor(ctx context.Context, compartmentID, staffID, reason string) (opened bool, err error) {
	if strings.TrimSpace(reason) == "" {
		return false, fmt.Errorf("%w: a reason is required", ErrInvalid)
	}
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return false, errNotStarted
	}
	i, ok := s.compIdx[compartmentID]
	if !ok {
		s.mu.Unlock()
		return false, fmt.Errorf("%w: compartment %q", ErrNotFound, compartmentID)
	}
	addr := s.comps[i].Addr
	ch := &Change{}
	s.addAudit(ch, remoteActor(staffID), "door.open", compartmentID, reason)
	if err := s.commitLocked(ctx, ch); err != nil {
		s.mu.Unlock()
		return false, err
	}
	w := make(chan struct{})
	s.waiters[compartmentID] = append(s.waiters[compartmentID], w)
	s.mu.Unlock()
	defer s.dropWaiter(compartmentID, w)

	if err := s.bus.Unlock(ctx, addr); err != nil {
		return false, fmt.Errorf("%w: compartment %s: %w", ErrBusUnavailable, compartmentID, err)
	}
	t := time.NewTicker(remotePoll)
	defer t.Stop()
	for {
		if st := s.bus.State(addr); st.Online && st.Door == DoorOpen {
			return true, nil
		}
		select {
		case <-w:
			return true, nil
		case <-ctx.Done():
			return false, nil
		case <-t.C:
		}
	}
}

func (s *Service) dropWaiter(id string, w chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.waiters[id]
	for i, x := range ws {
		if x == w {
			s.waiters[id] = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(s.waiters[id]) == 0 {
		delete(s.waiters, id)
	}
}

// RemoteSetCompartment puts a compartment out of service or back into
// service on a remote staff member's command.
func (s *Service) RemoteSetCompartment(ctx context.Context, compartmentID string, st CompartmentStatus, staffID, reason string) error {
	return s.runRemote(ctx, func() error {
		return s.setCompartmentLocked(ctx, compartmentID, st, reason, remoteActor(staffID))
	})
}

// UpsertRecipients adds or replaces directory entries and returns how many.
func (s *Service) UpsertRecipients(ctx context.Context, rs []Recipient) (int, error) {
	for _, r := range rs {
		if strings.TrimSpace(r.ID) == "" {
			return 0, fmt.Errorf("%w: recipient with an empty id", ErrInvalid)
		}
	}
	err := s.runRemote(ctx, func() error {
		ch := &Change{Recipients: append([]Recipient(nil), rs...)}
		s.addAudit(ch, "remote", "directory.upsert", "", fmt.Sprintf("%d recipients", len(rs)))
		return s.commitLocked(ctx, ch)
	})
	if err != nil {
		return 0, err
	}
	return len(rs), nil
}

// DeleteRecipients removes directory entries and returns how many ids were given.
func (s *Service) DeleteRecipients(ctx context.Context, ids []string) (int, error) {
	err := s.runRemote(ctx, func() error {
		ch := &Change{DeleteRecipients: append([]string(nil), ids...)}
		s.addAudit(ch, "remote", "directory.delete", "", strings.Join(ids, ","))
		return s.commitLocked(ctx, ch)
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// UpsertCourier adds or replaces a courier; code (keypad code or badge
// text) is stored only as its HMAC.
func (s *Service) UpsertCourier(ctx context.Context, c Courier, code string) error {
	code = strings.TrimSpace(code)
	if c.ID == "" || code == "" {
		return fmt.Errorf("%w: courier id and code are required", ErrInvalid)
	}
	return s.runRemote(ctx, func() error {
		c.CodeHash = HashCourierCode(s.secret, code)
		ch := &Change{Couriers: []Courier{c}}
		s.addAudit(ch, "remote", "courier.upsert", c.ID, c.Carrier)
		return s.commitLocked(ctx, ch)
	})
}

// UpsertStaff adds or replaces a staff member; pin is stored only as its
// HMAC, st.TOTPSecret must be base32.
func (s *Service) UpsertStaff(ctx context.Context, st Staff, pin string) error {
	pin = strings.TrimSpace(pin)
	if st.ID == "" || len(pin) < 4 {
		return fmt.Errorf("%w: staff id and a PIN of at least 4 digits are required", ErrInvalid)
	}
	if _, err := decodeTOTPSecret(st.TOTPSecret); err != nil {
		return err
	}
	return s.runRemote(ctx, func() error {
		st.PINHash = HashStaffPIN(s.secret, pin)
		ch := &Change{Staff: []Staff{st}}
		s.addAudit(ch, "remote", "staff.upsert", st.ID, st.Name)
		return s.commitLocked(ctx, ch)
	})
}

// ReissuePIN gives every active parcel sharing parcelID's credential a new
// PIN and QR (the old ones stop working) and sends them in a
// parcel.pin_reissued event.
func (s *Service) ReissuePIN(ctx context.Context, parcelID string) error {
	return s.runRemote(ctx, func() error {
		p, ok := s.parcels[parcelID]
		if !ok || p.Status == ParcelDepositing {
			return fmt.Errorf("%w: no parcel %q in the locker", ErrNotFound, parcelID)
		}
		ch := &Change{}
		cr, err := s.newCredentialLocked(ch, p.RecipientID)
		if err != nil {
			return err
		}
		old := p.CredentialID
		h := HashPIN(s.secret, cr.PIN)
		for _, q := range s.activeWhere(nil, func(q Parcel) bool {
			return (old != "" && q.CredentialID == old) || q.ID == p.ID
		}) {
			q.CredentialID, q.PINHash = cr.CredentialID, h
			putParcel(ch, q)
			cr.ParcelIDs = append(cr.ParcelIDs, q.ID)
			if q.ExpiresAt.After(cr.ExpiresAt) {
				cr.ExpiresAt = q.ExpiresAt
			}
		}
		cr.QR = SignQR(s.secret, QRClaims{CredentialID: cr.CredentialID, ParcelIDs: cr.ParcelIDs, ExpiresAt: cr.ExpiresAt})
		s.addEvent(ch, EvtPINReissued, map[string]any{
			"parcel_id": p.ID, "parcel_ids": cr.ParcelIDs, "recipient_id": p.RecipientID,
			"compartment": p.CompartmentID, "pin": cr.PIN, "qr": cr.QR,
			"expires_at": cr.ExpiresAt.UTC().Format(time.RFC3339Nano),
		})
		s.addAudit(ch, "remote", "pin.reissue", p.ID, "")
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.lastCred = cr
		return nil
	})
}
