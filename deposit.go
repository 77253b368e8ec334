package locker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// courierActor is the audit actor of the signed-in courier.
func (s *Service) courierActor() string { return "courier:" + s.sess.courier.ID }

// resetSessionLocked returns to the home screen.
func (s *Service) resetSessionLocked() {
	s.sess = session{lastAction: s.clock.Now()}
}

// CourierSignIn starts a deposit visit for the courier whose keypad code or
// badge text is code. A wrong code counts on the courier counter.
func (s *Service) CourierSignIn(ctx context.Context, code string) error {
	code = strings.TrimSpace(code)
	s.mu.Lock()
	secret := s.secret
	s.mu.Unlock()
	var c Courier
	var lookupErr error
	if code != "" && secret != nil {
		c, lookupErr = s.store.CourierByCode(ctx, HashCourierCode(secret, code))
	}
	return s.run(ctx, func() error {
		takeOver := s.betweenParcelsLocked() // another courier at a visit waiting between parcels
		if s.sess.flow != FlowIdle && !(s.sess.flow == FlowPickup && s.sess.step == StepDone) && !takeOver {
			return fmt.Errorf("%w: finish the current task first", ErrBadState)
		}
		if err := s.checkLockedLocked(KindCourier); err != nil {
			return err
		}
		if code == "" {
			return fmt.Errorf("%w: empty courier code", ErrInvalid)
		}
		if s.allBoardsOfflineLocked() {
			return fmt.Errorf("%w: every lock board is silent: the doors are out of order", ErrBusUnavailable)
		}
		if lookupErr != nil {
			if errors.Is(lookupErr, ErrNotFound) {
				return s.wrongCodeLocked(ctx, KindCourier, "courier", nil)
			}
			return fmt.Errorf("locker: courier sign-in: %w: %w", ErrStoreDown, lookupErr)
		}
		if takeOver && c.ID == s.sess.courier.ID {
			return nil // the same courier again: the visit goes on
		}
		now := s.clock.Now()
		ch := &Change{}
		if takeOver {
			s.visitEndIn(ch, s.receiptOf(s.sess), VisitEndedCourier)
		}
		s.addAudit(ch, "courier:"+c.ID, "courier.signin", c.ID, c.Carrier)
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.resetSessionLocked()
		s.sess.flow, s.sess.step = FlowDeposit, StepScan
		s.sess.courier = c
		s.sess.visitID = NewULID(now)
		s.sess.creds = map[string]Credential{}
		return nil
	})
}

// ScanParcel takes the barcode of the next parcel (at StepScan,
// StepDeposited, or replacing a draft at StepRecipient / StepSize). A pre-advised parcel
// brings its recipient and size; when both are known (and no "add to this
// door" is on offer) the door opens with no further tap. Our own codes
// are never parcel barcodes: a pickup QR code, a courier receipt or a
// courier's badge is refused with ErrInvalid.
func (s *Service) ScanParcel(ctx context.Context, barcode, carrier string) error {
	barcode = strings.TrimSpace(barcode)
	carrier = strings.TrimSpace(carrier)
	var (
		exp    Expected
		expOK  bool
		rcp    Recipient
		rcpOK  bool
		expErr error
		badge  bool
	)
	s.mu.Lock()
	secret := s.secret
	s.mu.Unlock()
	if barcode != "" && secret != nil {
		_, err := s.store.CourierByCode(ctx, HashCourierCode(secret, barcode))
		badge = err == nil
	}
	if barcode != "" {
		e, err := s.store.ExpectedByBarcode(ctx, barcode)
		switch {
		case err == nil:
			exp, expOK = e, true
			if e.RecipientID != "" {
				if r, err := s.store.Recipient(ctx, e.RecipientID); err == nil {
					rcp, rcpOK = r, true
				}
			}
		case !errors.Is(err, ErrNotFound):
			expErr = err
		}
	}
	return s.run(ctx, func() error {
		switch {
		case s.sess.flow != FlowDeposit:
			return fmt.Errorf("%w: not waiting for a parcel", ErrBadState)
		case s.sess.step == StepUnlocking || s.sess.step == StepDoorOpen:
			return fmt.Errorf("%w: close the open door first", ErrBadState)
		case s.sess.step == StepCheckInside:
			return errAnswerFirst
		}
		// At the recipient or size step the draft never reached a door: a new
		// scan simply replaces it.
		if barcode == "" {
			return fmt.Errorf("%w: empty barcode", ErrInvalid)
		}
		if err := notParcel(barcode, badge); err != nil {
			return err
		}
		if expErr != nil {
			return fmt.Errorf("locker: pre-advice lookup: %w: %w", ErrStoreDown, expErr)
		}
		for _, p := range s.parcels {
			if p.Barcode == barcode {
				return fmt.Errorf("%w: %s is already in compartment %s", ErrDuplicate, barcode, p.CompartmentID)
			}
		}
		now := s.clock.Now()
		p := Parcel{
			ID: NewULID(now), Barcode: barcode, Carrier: carrier,
			CourierID: s.sess.courier.ID, VisitID: s.sess.visitID, CreatedAt: now,
		}
		if expOK {
			p.ExpectedID = exp.ID
			p.Refrigerated = exp.Refrigerated
			p.RecipientID = exp.RecipientID
			if p.Carrier == "" {
				p.Carrier = exp.Carrier
			}
			switch {
			case exp.Size.Valid():
				p.Size = exp.Size
			case exp.DimsMM != [3]int{}:
				z, err := FitSize(exp.DimsMM)
				if err != nil {
					return fmt.Errorf("locker: pre-advised size: %w", err)
				}
				p.Size = z
			}
		}
		if p.Carrier == "" {
			p.Carrier = s.sess.courier.Carrier
		}
		s.sess.parcel = p
		s.sess.faulted = 0
		s.sess.recipient = Recipient{}
		s.sess.notice = Notice{}
		s.sess.addToDoor = ""
		s.sess.door = ""
		if rcpOK {
			s.sess.recipient = rcp
		} else {
			s.sess.parcel.RecipientID = ""
		}
		return s.advanceDepositLocked(ctx)
	})
}

// advanceDepositLocked moves the draft parcel on: recipient, then size (or
// the add-to-door offer), then allocation and unlock.
func (s *Service) advanceDepositLocked(ctx context.Context) error {
	if s.sess.recipient.ID == "" {
		s.sess.step = StepRecipient
		return nil
	}
	s.sess.addToDoor = s.addToDoorCandidateLocked()
	if s.sess.parcel.Size == "" || s.sess.addToDoor != "" {
		s.sess.step = StepSize
		return nil
	}
	return s.allocateLocked(ctx, nil)
}

// dropDraftLocked forgets a draft parcel that never reached a door.
func (s *Service) dropDraftLocked() {
	s.sess.parcel = Parcel{}
	s.sess.recipient = Recipient{}
	s.sess.addToDoor = ""
	s.sess.door = ""
	s.sess.job = jobNone
	s.sess.step = StepScan
}

// SearchRecipients returns the directory entries matching query, at most
// one page of them (Options.PageSize) with Total saying how many match in
// all. The directory is searched, not browsed: a query of fewer than
// MinSearchRunes characters lists nobody. Names come shortened (ShortName):
// the kiosk's screens never show a resident's full name.
func (s *Service) SearchRecipients(ctx context.Context, query string) (RecipientPage, error) {
	q := strings.TrimSpace(query)
	n := s.o.PageSize
	if utf8.RuneCountInString(q) < MinSearchRunes {
		return RecipientPage{Query: query, PageSize: n}, nil
	}
	list, total, err := s.store.SearchRecipients(ctx, q, 0, n)
	if err != nil {
		return RecipientPage{}, fmt.Errorf("locker: search recipients: %w: %w", ErrStoreDown, err)
	}
	for i := range list {
		list[i] = list[i].shown()
	}
	return RecipientPage{Query: query, PageSize: n, Total: total, Items: list}, nil
}

// ChooseRecipient sets the recipient of the parcel being deposited.
func (s *Service) ChooseRecipient(ctx context.Context, id string) error {
	r, lookupErr := s.store.Recipient(ctx, id)
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || (s.sess.step != StepRecipient && s.sess.step != StepSize) {
			return fmt.Errorf("%w: not choosing a recipient", ErrBadState)
		}
		if lookupErr != nil {
			if errors.Is(lookupErr, ErrNotFound) {
				return fmt.Errorf("locker: recipient %q: %w", id, lookupErr)
			}
			return fmt.Errorf("locker: recipient lookup: %w: %w", ErrStoreDown, lookupErr)
		}
		s.sess.recipient = r
		s.sess.parcel.RecipientID = r.ID
		return s.advanceDepositLocked(ctx)
	})
}

// ChooseSize sets the parcel's size and allocates a new door for it.
func (s *Service) ChooseSize(ctx context.Context, z Size) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || s.sess.step != StepSize {
			return fmt.Errorf("%w: not choosing a size", ErrBadState)
		}
		if !z.Valid() {
			return fmt.Errorf("%w: unknown size %q", ErrInvalid, z)
		}
		s.sess.parcel.Size = z
		return s.allocateLocked(ctx, nil)
	})
}

// ChooseDims sets the parcel's size from its measured dimensions in
// millimetres and allocates a door.
func (s *Service) ChooseDims(ctx context.Context, dimsMM [3]int) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || s.sess.step != StepSize {
			return fmt.Errorf("%w: not choosing a size", ErrBadState)
		}
		z, err := FitSize(dimsMM)
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return fmt.Errorf("locker: %v mm: %w", dimsMM, err)
			}
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		s.sess.parcel.Size = z
		return s.allocateLocked(ctx, nil)
	})
}

// AddToDoor puts the parcel into View.AddToDoor, the compartment this
// visit already used for the same recipient, and unlocks it.
func (s *Service) AddToDoor(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || (s.sess.step != StepSize && s.sess.step != StepShareDoor) || s.sess.addToDoor == "" {
			return fmt.Errorf("%w: no door to add to", ErrBadState)
		}
		c, ok := s.compIn(nil, s.sess.addToDoor)
		if !ok || c.Status != StatusOccupied {
			return fmt.Errorf("%w: compartment %s is no longer in use", ErrBadState, s.sess.addToDoor)
		}
		if !s.holdsOnlyLocked(nil, c.ID, s.sess.recipient.ID) {
			return fmt.Errorf("%w: compartment %s holds parcels of someone else", ErrBadState, c.ID)
		}
		if s.offline[c.Addr.Board] {
			return fmt.Errorf("%w: the lock board of door %s is not answering", ErrBusUnavailable, c.ID)
		}
		p := s.sess.parcel
		if p.Size == "" {
			p.Size = c.Size
		}
		if p.Size.Rank() > c.Size.Rank() {
			return fmt.Errorf("%w: a %s parcel does not fit a %s door", ErrInvalid, p.Size, c.Size)
		}
		p.CompartmentID = c.ID
		p.Status = ParcelDepositing
		ch := &Change{}
		putParcel(ch, p)
		s.addAudit(ch, s.courierActor(), "parcel.reserve", p.ID, fmt.Sprintf("barcode=%s compartment=%s add-to-door", p.Barcode, c.ID))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.parcel = p
		s.sess.addToDoor = ""
		s.sess.notice = Notice{}
		s.setDoorLocked(jobDeposit, c.ID)
		return nil
	})
}

// DoesntFit moves the parcel whose door is unlocked or open to a larger
// compartment (or, when it was added to a door already holding parcels,
// to a fresh door of its size) and frees the first one.
func (s *Service) DoesntFit(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || s.sess.job != jobDeposit ||
			(s.sess.step != StepUnlocking && s.sess.step != StepDoorOpen) {
			return fmt.Errorf("%w: no door is open for a parcel", ErrBadState)
		}
		p := s.sess.parcel
		old, _ := s.compIn(nil, p.CompartmentID)
		others := 0
		for _, q := range s.parcelsIn(nil, old.ID) {
			if q.ID != p.ID {
				others++
			}
		}
		if others == 0 && s.parcelInsideLocked(p) {
			if err := s.keepParcelLocked(ctx, p, "doesn't fit"); err != nil {
				return err
			}
			n := s.sess.notice
			s.dropDraftLocked()
			s.sess.notice = n
			return nil
		}
		need := p.Size
		if others == 0 {
			larger, ok := old.Size.Larger()
			if !ok {
				err := fmt.Errorf("locker: nothing larger than %s: %w", old.Size, ErrTooLarge)
				return s.cancelParcelLocked(ctx, err, "too large")
			}
			if larger.Rank() > need.Rank() {
				need = larger
			}
		}
		ex := s.excludeOfflineLocked(old.ID)
		c, upsized, err := Allocate(s.comps, AllocRequest{
			Size: need, Accessible: s.sess.recipient.Accessible, Refrigerated: p.Refrigerated, Exclude: ex,
		})
		if err != nil {
			if errors.Is(err, ErrLockerFull) {
				// Refused: the reservation is cancelled with the refusal.
				ch := &Change{}
				s.cancelIn(ch, p, "doesn't fit", s.courierActor())
				s.sess.parcel.Size = need
				return s.fullLocked(ctx, ch, err, ex)
			}
			return s.cancelParcelLocked(ctx, err, "doesn't fit")
		}
		ch := &Change{}
		if others == 0 && old.Status == StatusReserved {
			old.Status = StatusAvailable
			putComp(ch, old)
		}
		p.Size = need
		p.Upsized = upsized
		p.CompartmentID = c.ID
		putParcel(ch, p)
		c.Status = StatusReserved
		putComp(ch, c)
		s.addAudit(ch, s.courierActor(), "parcel.doesnt_fit", p.ID, fmt.Sprintf("from %s to %s", old.ID, c.ID))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.parcel = p
		s.sess.notice = Notice{Kind: NoticeMovedLarger, Compartment: c.ID, Size: c.Size,
			Text: fmt.Sprintf("Close door %s and use door %s (%s).", old.ID, c.ID, c.Size)}
		s.setDoorLocked(jobDeposit, c.ID)
		return nil
	})
}

// cancelParcelLocked abandons the depositing parcel: it is recorded as
// cancelled and its reserved door freed, then the flow goes back to
// StepScan. It returns why (err) unless the store failed.
func (s *Service) cancelParcelLocked(ctx context.Context, why error, reason string) error {
	p := s.sess.parcel
	if p.Status != ParcelDepositing {
		s.dropDraftLocked()
		return why
	}
	ch := &Change{}
	s.cancelIn(ch, p, reason, s.courierActor())
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	s.dropDraftLocked()
	return why
}

// cancelIn records parcel p as cancelled in ch and frees its door if the
// door was reserved for it.
func (s *Service) cancelIn(ch *Change, p Parcel, reason, actor string) {
	p.Status = ParcelCancelled
	p.ClosedAt = s.clock.Now()
	putParcel(ch, p)
	if c, ok := s.compIn(ch, p.CompartmentID); ok && c.Status == StatusReserved && len(s.parcelsIn(ch, c.ID)) == 0 {
		c.Status = StatusAvailable
		putComp(ch, c)
	}
	s.addEvent(ch, EvtParcelCancelled, map[string]any{
		"parcel_id": p.ID, "barcode": p.Barcode, "compartment": p.CompartmentID, "reason": reason,
	})
	s.addAudit(ch, actor, "parcel.cancelled", p.ID, reason)
}

// NextParcel goes back to scanning after a committed deposit.
func (s *Service) NextParcel(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || (s.sess.step != StepDeposited && s.sess.step != StepScan && s.sess.step != StepFull) {
			return fmt.Errorf("%w: the current parcel is not finished", ErrBadState)
		}
		s.sess.step = StepScan
		s.sess.parcel = Parcel{}
		s.sess.recipient = Recipient{}
		s.sess.door = ""
		s.sess.job = jobNone
		s.sess.notice = Notice{}
		return nil
	})
}

// FinishDeposit ends the courier's visit and returns the receipt. A parcel
// still at the recipient or size step is dropped (it never reached a door);
// with a door unlocked or open, it is refused.
func (s *Service) FinishDeposit(ctx context.Context) (Receipt, error) {
	var rec Receipt
	err := s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit {
			return fmt.Errorf("%w: no deposit in progress", ErrBadState)
		}
		if s.sess.step == StepUnlocking || s.sess.step == StepDoorOpen {
			return fmt.Errorf("%w: close the door first", ErrBadState)
		}
		if s.sess.step == StepCheckInside {
			return errAnswerFirst
		}
		rec = s.receiptOf(s.sess)
		ch := &Change{}
		s.visitEndIn(ch, rec, VisitEndedFinish)
		if err := s.commitLocked(ctx, ch); err != nil {
			s.log.Warn("visit end not audited", "err", err)
		}
		s.resetSessionLocked()
		return nil
	})
	if err != nil {
		return Receipt{}, err
	}
	return rec, nil
}

// Cancel leaves any flow at any step and goes back to the home screen.
// A parcel whose door was reserved is recorded as cancelled and the door
// freed; committed deposits stay. Nothing is lost: if the store is down the
// cancel is refused.
func (s *Service) Cancel(ctx context.Context) error {
	return s.run(ctx, s.cancelLocked(ctx))
}

func (s *Service) cancelLocked(ctx context.Context) func() error {
	return func() error {
		switch s.sess.flow {
		case FlowDeposit:
			if p := s.sess.parcel; p.Status == ParcelDepositing && s.parcelInsideLocked(p) {
				if err := s.keepParcelLocked(ctx, p, "cancel"); err != nil {
					return err
				}
				s.endCancelledVisitLocked(ctx)
				n := s.sess.notice
				s.resetSessionLocked()
				s.sess.notice = n
				return nil
			}
			if p := s.sess.parcel; p.Status == ParcelDepositing {
				ch := &Change{}
				s.cancelIn(ch, p, "cancelled by courier", s.courierActor())
				if err := s.commitLocked(ctx, ch); err != nil {
					return err
				}
			}
			s.endCancelledVisitLocked(ctx)
		case FlowReturn:
			if err := s.cancelReturnLocked(ctx); err != nil {
				return err
			}
		case FlowMaintenance:
			ch := &Change{}
			s.addAudit(ch, "staff:"+s.sess.staff.ID, "staff.logout", s.sess.staff.ID, "")
			if err := s.commitLocked(ctx, ch); err != nil {
				s.log.Warn("sign-out not audited", "err", err)
			}
		}
		s.resetSessionLocked()
		return nil
	}
}

// parcelInsideLocked reports whether the door of the depositing parcel p is
// not seen closed while its item sensor sees something: the parcel is
// probably inside, so the door must not be freed nor the parcel forgotten.
func (s *Service) parcelInsideLocked(p Parcel) bool {
	c, ok := s.compIn(nil, p.CompartmentID)
	if !ok || (s.sess.step != StepDoorOpen && s.sess.step != StepUnlocking) {
		return false
	}
	st := s.bus.State(c.Addr)
	return st.Door != DoorClosed && st.Item == ItemPresent
}

// keepParcelLocked keeps the depositing parcel p recorded in its door and
// flags the door for staff, instead of cancelling it (what is the courier's
// cancel or "doesn't fit" while the parcel is inside). When the door is
// later seen closed and empty the parcel is cancelled and the door freed;
// closed with the parcel seen inside, it is deposited (settleFlaggedLocked).
func (s *Service) keepParcelLocked(ctx context.Context, p Parcel, what string) error {
	ch := &Change{}
	if _, err := s.setStatusIn(ch, p.CompartmentID, StatusFaulty, InterruptedReason, s.courierActor()); err != nil {
		return err
	}
	s.addAudit(ch, s.courierActor(), "parcel.kept", p.ID,
		fmt.Sprintf("%s with the parcel seen inside door %s: kept for staff", what, p.CompartmentID))
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	s.sess.notice = Notice{Kind: NoticeParcelKept, Compartment: p.CompartmentID,
		Text: fmt.Sprintf("The parcel is still in door %s and stays recorded; staff have been told. Take it out and close the door to cancel, or close the door on it to deliver it.", p.CompartmentID)}
	return nil
}

// depositIn commits parcel p as deposited in ch: credential (cred, or a
// new one when nil), expiry, compartment occupied, the parcel.deposited
// event with the PIN and a QR covering every parcel of the credential so
// far, and the audit row. It returns the updated parcel and credential.
func (s *Service) depositIn(ch *Change, p Parcel, cred *Credential, actor string) (Parcel, Credential, error) {
	now := s.clock.Now()
	var cr Credential
	if cred != nil {
		cr = *cred
	} else {
		var err error
		if cr, err = s.newCredentialLocked(ch, p.RecipientID); err != nil {
			return Parcel{}, Credential{}, err
		}
	}
	p.Status = ParcelDeposited
	p.CredentialID = cr.CredentialID
	p.PINHash = HashPIN(s.secret, cr.PIN)
	p.DepositedAt = now
	p.ExpiresAt = now.Add(s.o.Expiry)
	p.PausedSince = time.Time{}
	putParcel(ch, p)

	c, ok := s.compIn(ch, p.CompartmentID)
	if !ok {
		return Parcel{}, Credential{}, fmt.Errorf("%w: compartment %q", ErrNotFound, p.CompartmentID)
	}
	for _, q := range s.parcelsIn(ch, c.ID) {
		if q.RecipientID != p.RecipientID {
			// A door holds the parcels of one recipient only: whoever opens
			// it may take everything inside.
			return Parcel{}, Credential{}, fmt.Errorf("%w: compartment %s holds a parcel of another recipient", ErrBadState, c.ID)
		}
	}
	if c.Status == StatusReserved || c.Status == StatusAvailable {
		c.Status = StatusOccupied
	}
	c.LastUsed = now
	putComp(ch, c)

	cr.ParcelIDs = nil
	cr.ExpiresAt = time.Time{}
	for _, q := range s.activeWhere(ch, func(q Parcel) bool {
		return q.CredentialID == cr.CredentialID && q.Status != ParcelDepositing
	}) {
		cr.ParcelIDs = append(cr.ParcelIDs, q.ID)
		if q.ExpiresAt.After(cr.ExpiresAt) {
			cr.ExpiresAt = q.ExpiresAt
		}
	}
	cr.QR = SignQR(s.secret, QRClaims{CredentialID: cr.CredentialID, ParcelIDs: cr.ParcelIDs, ExpiresAt: cr.ExpiresAt})
	cr.RecipientID = p.RecipientID

	if p.ExpectedID != "" {
		ch.DeleteExpected = append(ch.DeleteExpected, p.ExpectedID)
	}
	s.addEvent(ch, EvtParcelDeposited, map[string]any{
		"parcel_id": p.ID, "barcode": p.Barcode, "carrier": p.Carrier, "recipient_id": p.RecipientID,
		"compartment": p.CompartmentID, "size": p.Size, "pin": cr.PIN, "qr": cr.QR,
		"expires_at": p.ExpiresAt.UTC().Format(time.RFC3339Nano), "parcel_ids": cr.ParcelIDs,
		"credential_id": cr.CredentialID, "upsized": p.Upsized, "courier_id": p.CourierID,
	})
	s.addAudit(ch, actor, "parcel.deposited", p.ID, fmt.Sprintf("barcode=%s compartment=%s recipient=%s", p.Barcode, p.CompartmentID, p.RecipientID))
	return p, cr, nil
}
