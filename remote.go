package locker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	if err := s.checkRemoteStaff(ctx, staffID); err != nil {
		return false, err
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

	defer func() { s.remoteOpened(compartmentID, staffID, reason, opened) }()
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

// remoteOpened records the door.remote_open event of a remote door.open
// once its outcome is known. The audit row was written before the unlock;
// a store failure here is logged, not returned: the door did what it did.
func (s *Service) remoteOpened(compartmentID, staffID, reason string, opened bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.runRemote(ctx, func() error {
		ch := &Change{}
		s.addEvent(ch, EvtDoorRemoteOpen, map[string]any{
			"compartment": compartmentID, "staff_id": staffID, "reason": reason, "opened": opened,
		})
		return s.commitLocked(ctx, ch)
	})
	if err != nil {
		s.log.Warn("door.remote_open not recorded", "compartment", compartmentID, "staff", staffID, "err", err)
	}
}

// checkRemoteStaff returns ErrUnauthorized unless staffID names a staff
// member on record: a remote command acts for someone the kiosk knows, and
// a removed staff member's id stops working at once.
func (s *Service) checkRemoteStaff(ctx context.Context, staffID string) error {
	if strings.TrimSpace(staffID) == "" {
		return fmt.Errorf("%w: a staff_id is required", ErrUnauthorized)
	}
	if _, err := s.store.StaffByID(ctx, staffID); err != nil {
		if errors.Is(err, ErrNotFound) {
			s.log.Warn("remote command for an unknown staff id refused", "staff", staffID)
			return fmt.Errorf("%w: staff %q is not on record", ErrUnauthorized, staffID)
		}
		return fmt.Errorf("locker: staff lookup: %w: %w", ErrStoreDown, err)
	}
	return nil
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
	if err := s.checkRemoteStaff(ctx, staffID); err != nil {
		return err
	}
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

// DeleteRecipients removes directory entries and returns how many ids were
// given. Nothing of a deleted resident but the id stays in the database:
// the audit, the events and the parcels only ever hold the id, and the
// store overwrites the rows and cuts its write-ahead log.
func (s *Service) DeleteRecipients(ctx context.Context, ids []string) (int, error) {
	err := s.runRemote(ctx, func() error {
		ch := &Change{DeleteRecipients: append([]string(nil), ids...)}
		s.addAudit(ch, "remote", "directory.delete", "", strings.Join(ids, ","))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		// A deposit for a deleted resident may be on the screen: it goes
		// on by the id, the name is forgotten.
		if slices.Contains(ids, s.sess.recipient.ID) && s.sess.recipient.ID != "" {
			s.sess.recipient.Name = ""
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// Provisioning limits (staff.upsert, courier.upsert).
const (
	MinStaffPIN       = 6  // digits
	MaxStaffPIN       = 12 // digits
	MinTOTPSecretBits = 128
	MinCourierCode    = 6  // characters
	MaxCourierCode    = 64 // characters
)

// ValidStaffPIN checks a staff PIN: MinStaffPIN to MaxStaffPIN digits.
func ValidStaffPIN(pin string) error {
	if len(pin) < MinStaffPIN || len(pin) > MaxStaffPIN || strings.Trim(pin, "0123456789") != "" {
		return fmt.Errorf("%w: a staff PIN is %d to %d digits", ErrInvalid, MinStaffPIN, MaxStaffPIN)
	}
	return nil
}

// ValidTOTPSecret checks a staff TOTP secret: base32 of at least
// MinTOTPSecretBits bits (RFC 4226 asks for 128, recommends 160).
func ValidTOTPSecret(secret string) error {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return err
	}
	if len(key)*8 < MinTOTPSecretBits {
		return fmt.Errorf("%w: TOTP secret has %d bits, at least %d are required (%d base32 characters)",
			ErrInvalid, len(key)*8, MinTOTPSecretBits, (MinTOTPSecretBits+4)/5)
	}
	return nil
}

// ValidCourierCode checks a courier's keypad code or badge text:
// MinCourierCode to MaxCourierCode printable characters.
func ValidCourierCode(code string) error {
	n := utf8.RuneCountInString(code)
	if n < MinCourierCode || n > MaxCourierCode || !utf8.ValidString(code) {
		return fmt.Errorf("%w: a courier code is %d to %d printable characters", ErrInvalid, MinCourierCode, MaxCourierCode)
	}
	for _, r := range code {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: a courier code is %d to %d printable characters (found %U)", ErrInvalid, MinCourierCode, MaxCourierCode, r)
		}
	}
	return nil
}

// changeKind is "created" or "updated", whichever an upsert of an id whose
// lookup gave err is.
func changeKind(err error) (string, error) {
	switch {
	case err == nil:
		return "updated", nil
	case errors.Is(err, ErrNotFound):
		return "created", nil
	}
	return "", fmt.Errorf("locker: provisioning: %w: %w", ErrStoreDown, err)
}

// UpsertCourier adds or replaces a courier; code (keypad code or badge
// text) is stored only as its HMAC. A courier.changed event names what
// changed, never the code.
func (s *Service) UpsertCourier(ctx context.Context, c Courier, code string) error {
	code = strings.TrimSpace(code)
	if strings.TrimSpace(c.ID) == "" {
		return fmt.Errorf("%w: courier id is required", ErrInvalid)
	}
	if err := ValidCourierCode(code); err != nil {
		return err
	}
	old, err := s.store.CourierByID(ctx, c.ID)
	kind, err := changeKind(err)
	if err != nil {
		return err
	}
	return s.runRemote(ctx, func() error {
		c.CodeHash = HashCourierCode(s.secret, code)
		var fields []string
		if kind == "created" || old.Carrier != c.Carrier {
			fields = append(fields, "carrier")
		}
		if kind == "created" || old.Name != c.Name {
			fields = append(fields, "name")
		}
		if kind == "created" || old.CodeHash != c.CodeHash {
			fields = append(fields, "code")
		}
		ch := &Change{Couriers: []Courier{c}}
		s.addEvent(ch, EvtCourierChanged, map[string]any{"id": c.ID, "change": kind, "fields": fields, "carrier": c.Carrier, "name": c.Name})
		s.addAudit(ch, "remote", "courier.upsert", c.ID, c.Carrier+" "+kind+": "+strings.Join(fields, ","))
		return s.commitLocked(ctx, ch)
	})
}

// DeleteCourier removes a courier: their code stops working at once. A
// courier in the middle of a deposit visit finishes the parcel in hand.
func (s *Service) DeleteCourier(ctx context.Context, id string) error {
	if _, err := s.store.CourierByID(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("locker: courier %q: %w", id, ErrNotFound)
		}
		return fmt.Errorf("locker: delete courier: %w: %w", ErrStoreDown, err)
	}
	return s.runRemote(ctx, func() error {
		ch := &Change{DeleteCouriers: []string{id}}
		s.addEvent(ch, EvtCourierChanged, map[string]any{"id": id, "change": "deleted"})
		s.addAudit(ch, "remote", "courier.delete", id, "")
		return s.commitLocked(ctx, ch)
	})
}

// UpsertStaff adds or replaces a staff member; pin is stored only as its
// HMAC, st.TOTPSecret must be base32 of at least 128 bits. A staff.changed
// event names what changed, never the PIN or the secret.
func (s *Service) UpsertStaff(ctx context.Context, st Staff, pin string) error {
	pin = strings.TrimSpace(pin)
	if strings.TrimSpace(st.ID) == "" {
		return fmt.Errorf("%w: staff id is required", ErrInvalid)
	}
	if err := ValidStaffPIN(pin); err != nil {
		return err
	}
	if err := ValidTOTPSecret(st.TOTPSecret); err != nil {
		return err
	}
	old, err := s.store.StaffByID(ctx, st.ID)
	kind, err := changeKind(err)
	if err != nil {
		return err
	}
	return s.runRemote(ctx, func() error {
		st.PINHash = HashStaffPIN(s.secret, pin)
		var fields []string
		if kind == "created" || old.Name != st.Name {
			fields = append(fields, "name")
		}
		if kind == "created" || old.PINHash != st.PINHash {
			fields = append(fields, "pin")
		}
		if kind == "created" || old.TOTPSecret != st.TOTPSecret {
			fields = append(fields, "totp_secret")
		}
		ch := &Change{Staff: []Staff{st}}
		s.addEvent(ch, EvtStaffChanged, map[string]any{"id": st.ID, "change": kind, "fields": fields, "name": st.Name})
		s.addAudit(ch, "remote", "staff.upsert", st.ID, st.Name+" "+kind+": "+strings.Join(fields, ","))
		return s.commitLocked(ctx, ch)
	})
}

// DeleteStaff removes a staff member: their PIN and their remote commands
// stop working at once, and their maintenance session, if one is open on
// the screen, ends.
func (s *Service) DeleteStaff(ctx context.Context, id string) error {
	if _, err := s.store.StaffByID(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("locker: staff %q: %w", id, ErrNotFound)
		}
		return fmt.Errorf("locker: delete staff: %w: %w", ErrStoreDown, err)
	}
	return s.runRemote(ctx, func() error {
		ch := &Change{DeleteStaff: []string{id}}
		s.addEvent(ch, EvtStaffChanged, map[string]any{"id": id, "change": "deleted"})
		s.addAudit(ch, "remote", "staff.delete", id, "")
		signedIn := s.sess.flow == FlowMaintenance && s.sess.staff.ID == id
		if signedIn {
			s.addAudit(ch, "staff:"+id, "staff.logout", id, "staff member deleted")
		}
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		if signedIn {
			s.resetSessionLocked()
		}
		return nil
	})
}

// AnchorAudit records an audit.anchor event with the audit chain's head
// (seq and hash): once it is on the uplink, a chain rewritten later no
// longer matches it (lockerctl db check --anchors).
func (s *Service) AnchorAudit(ctx context.Context) error {
	return s.runRemote(ctx, func() error {
		// Every audit row is written by commitLocked under s.mu, so the
		// head read here is the head this event follows.
		seq, hash, err := s.store.AuditHead(ctx)
		if err != nil {
			return fmt.Errorf("locker: audit anchor: %w: %w", ErrStoreDown, err)
		}
		ch := &Change{}
		s.addEvent(ch, EvtAuditAnchor, map[string]any{"audit_seq": seq, "audit_hash": hash})
		return s.commitLocked(ctx, ch)
	})
}

// ReissuePIN gives every active parcel sharing parcelID's credential a new
// PIN and QR (the old ones stop working) and sends them in a
// parcel.pin_reissued event, on the command of staff member staffID.
func (s *Service) ReissuePIN(ctx context.Context, parcelID, staffID string) error {
	if err := s.checkRemoteStaff(ctx, staffID); err != nil {
		return err
	}
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
		s.addAudit(ch, remoteActor(staffID), "pin.reissue", p.ID, "")
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.lastCred = cr
		return nil
	})
}
