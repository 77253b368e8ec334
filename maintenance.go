package locker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// staffActor is the audit actor of the staff member signed in.
func (s *Service) staffActor() string { return "staff:" + s.sess.staff.ID }

// inMaintenanceLocked returns ErrUnauthorized outside maintenance mode.
func (s *Service) inMaintenanceLocked() error {
	if s.sess.flow != FlowMaintenance {
		return fmt.Errorf("%w: staff sign-in required", ErrUnauthorized)
	}
	return nil
}

// StaffSignIn enters maintenance mode with a staff PIN and the current TOTP
// code (RFC 6238: HMAC-SHA1, 30 s, 6 digits, one step either side). A wrong
// PIN or code counts on the staff counter (burst lockout only); a wrong
// code with a right PIN also counts on the TOTP counter, which has a daily
// budget. A code is accepted once, across restarts. Signing in lifts a closed PIN or courier path: the staff
// member is at the kiosk.
func (s *Service) StaffSignIn(ctx context.Context, pin, totpCode string) error {
	pin, totpCode = strings.TrimSpace(pin), strings.TrimSpace(totpCode)
	s.mu.Lock()
	secret := s.secret
	s.mu.Unlock()
	var st Staff
	var lookupErr error = ErrNotFound
	if pin != "" && secret != nil {
		st, lookupErr = s.store.StaffByPIN(ctx, HashStaffPIN(secret, pin))
	}
	return s.run(ctx, func() error {
		if s.sess.flow != FlowIdle && !(s.sess.flow == FlowPickup && s.sess.step == StepDone) {
			return fmt.Errorf("%w: finish the current task first", ErrBadState)
		}
		if err := s.checkLockedLocked(KindStaff); err != nil {
			return err
		}
		if lookupErr != nil {
			if errors.Is(lookupErr, ErrNotFound) {
				return s.wrongCodeLocked(ctx, KindStaff, "staff", nil)
			}
			return fmt.Errorf("locker: staff sign-in: %w: %w", ErrStoreDown, lookupErr)
		}
		now := s.clock.Now()
		if _, closed := s.lockout.Until(s.policy[KindTOTP], KindTOTP, now); closed {
			// The day's TOTP budget is spent: no code is tried, and the
			// answer is the same as for a wrong code (no hint that the PIN
			// was right).
			return s.wrongCodeLocked(ctx, KindStaff, "totp.budget", nil)
		}
		counter, ok := checkTOTP(st.TOTPSecret, totpCode, now)
		if last, used := s.lockout.TOTPUsed[st.ID]; !ok || (used && counter <= last) {
			return s.wrongCodeLocked(ctx, KindStaff, "totp", nil, KindTOTP)
		}
		l := s.lockout.clone()
		if l.TOTPUsed == nil {
			l.TOTPUsed = map[string]uint64{}
		}
		l.TOTPUsed[st.ID] = counter
		ch := &Change{Lockout: &l}
		s.addEvent(ch, EvtStaffLogin, map[string]any{"staff_id": st.ID, "name": st.Name})
		s.addAudit(ch, "staff:"+st.ID, "staff.login", st.ID, "")
		for _, k := range []CodeKind{KindPIN, KindCourier, KindReturn} {
			if _, closed := l.Until(s.policy[k], k, now); closed {
				delete(l.Counters, k)
				s.addAudit(ch, "staff:"+st.ID, "lockout.cleared", string(k), "")
			}
		}
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.resetSessionLocked()
		s.sess.flow, s.sess.step = FlowMaintenance, StepMenu
		s.sess.staff = st
		s.sess.signedInAt = now
		return nil
	})
}

// SignOut leaves maintenance (or any flow, like Cancel).
func (s *Service) SignOut(ctx context.Context) error { return s.Cancel(ctx) }

// StaffOpenDoor unlocks any compartment for the signed-in staff member; the
// reason is audited.
func (s *Service) StaffOpenDoor(ctx context.Context, compartmentID, reason string) error {
	return s.run(ctx, func() error {
		if err := s.inMaintenanceLocked(); err != nil {
			return err
		}
		if s.sess.job == jobRetrieve {
			return fmt.Errorf("%w: retrieval in progress", ErrBadState)
		}
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("%w: a reason is required", ErrInvalid)
		}
		if _, ok := s.compIdx[compartmentID]; !ok {
			return fmt.Errorf("%w: compartment %q", ErrNotFound, compartmentID)
		}
		ch := &Change{}
		s.addAudit(ch, s.staffActor(), "door.open", compartmentID, reason)
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.notice = Notice{}
		s.setDoorLocked(jobStaffOpen, compartmentID)
		return nil
	})
}

// SetCompartmentStatus puts a compartment out of service or back into
// service (StatusAvailable; a compartment with parcels becomes occupied).
func (s *Service) SetCompartmentStatus(ctx context.Context, compartmentID string, st CompartmentStatus, reason string) error {
	return s.run(ctx, func() error {
		if err := s.inMaintenanceLocked(); err != nil {
			return err
		}
		return s.setCompartmentLocked(ctx, compartmentID, st, reason, s.staffActor())
	})
}

func (s *Service) setCompartmentLocked(ctx context.Context, id string, st CompartmentStatus, reason, actor string) error {
	if st != StatusAvailable && st != StatusOutOfService {
		return fmt.Errorf("%w: status must be available or out_of_service, not %q", ErrInvalid, st)
	}
	c, ok := s.compIn(nil, id)
	if !ok {
		return fmt.Errorf("%w: compartment %q", ErrNotFound, id)
	}
	if c.Status == StatusReserved {
		return fmt.Errorf("%w: compartment %s is in use by a deposit", ErrBadState, id)
	}
	if st == StatusAvailable && c.Status == StatusFaulty && c.Reason == InterruptedReason {
		for _, p := range s.parcelsIn(nil, id) {
			if p.Status == ParcelDepositing {
				return fmt.Errorf("%w: compartment %s has an interrupted deposit: resolve it first", ErrBadState, id)
			}
		}
	}
	ch := &Change{}
	if _, err := s.setStatusIn(ch, id, st, reason, actor); err != nil {
		return err
	}
	if len(ch.Events) == 0 {
		return nil // nothing changed
	}
	return s.commitLocked(ctx, ch)
}

// ExpiredParcels lists the parcels waiting for retrieval, oldest expiry first.
func (s *Service) ExpiredParcels() []Parcel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Parcel
	for _, p := range s.parcels {
		if p.Status == ParcelExpired {
			p.PINHash = ""
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Parcel) int {
		if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
			return c
		}
		return cmpString(a.ID, b.ID)
	})
	return out
}

// RetrieveExpired opens each door holding expired parcels in turn; closing
// a door records its expired parcels as retrieved.
func (s *Service) RetrieveExpired(ctx context.Context) error {
	return s.run(ctx, func() error {
		if err := s.inMaintenanceLocked(); err != nil {
			return err
		}
		if s.sess.step != StepMenu {
			return fmt.Errorf("%w: finish the current door first", ErrBadState)
		}
		byComp := map[string][]string{}
		for _, p := range s.activeWhere(nil, func(p Parcel) bool { return p.Status == ParcelExpired }) {
			byComp[p.CompartmentID] = append(byComp[p.CompartmentID], p.ID)
		}
		if len(byComp) == 0 {
			s.sess.notice = Notice{Kind: NoticeNothingToDo, Text: "No expired parcels."}
			return fmt.Errorf("%w: no expired parcels", ErrNotFound)
		}
		s.sess.queue = nil
		for _, id := range sortedKeys(byComp) {
			s.sess.queue = append(s.sess.queue, PickupItem{CompartmentID: id, ParcelIDs: byComp[id], State: PickupWaiting})
		}
		s.sess.qi = 0
		s.sess.queue[0].State = PickupUnlocking
		s.sess.notice = Notice{}
		s.setDoorLocked(jobRetrieve, s.sess.queue[0].CompartmentID)
		return nil
	})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ResolveInterrupted settles a compartment whose deposit a restart
// interrupted, after staff opened it and looked: with parcelInside the
// deposit is committed (new PIN and QR, parcel.deposited), otherwise the
// parcel is recorded as cancelled. Either way the compartment leaves the
// faulty state.
func (s *Service) ResolveInterrupted(ctx context.Context, compartmentID string, parcelInside bool) error {
	return s.run(ctx, func() error {
		if err := s.inMaintenanceLocked(); err != nil {
			return err
		}
		var ps []Parcel
		for _, p := range s.parcelsIn(nil, compartmentID) {
			if p.Status == ParcelDepositing {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return fmt.Errorf("%w: no interrupted deposit in compartment %q", ErrNotFound, compartmentID)
		}
		if s.sess.flow == FlowDeposit && s.sess.parcel.CompartmentID == compartmentID {
			return fmt.Errorf("%w: a deposit is using this door", ErrBadState)
		}
		ch := &Change{}
		actor := s.staffActor()
		var last Credential
		if parcelInside {
			creds := map[string]*Credential{}
			for _, p := range ps {
				dp, cr, err := s.depositIn(ch, p, creds[p.RecipientID], actor)
				if err != nil {
					return err
				}
				_ = dp
				crc := cr
				creds[p.RecipientID] = &crc
				last = cr
			}
		} else {
			for _, p := range ps {
				s.cancelIn(ch, p, "interrupted deposit: not in the compartment", actor)
			}
		}
		if _, err := s.setStatusIn(ch, compartmentID, StatusAvailable, "", actor); err != nil {
			return err
		}
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		if parcelInside {
			s.lastCred = last
		}
		return nil
	})
}

// Reconcile compares the stored door state of every compartment with what
// the lock bus last polled, stores the polled state and returns the
// differences (also boards offline, items seen in free doors, missing
// items and interrupted deposits).
func (s *Service) Reconcile(ctx context.Context) ([]Discrepancy, error) {
	var out []Discrepancy
	err := s.run(ctx, func() error {
		if err := s.inMaintenanceLocked(); err != nil {
			return err
		}
		out = nil
		ch := &Change{}
		for _, c := range s.comps {
			st := s.bus.State(c.Addr)
			if !st.Online {
				out = append(out, Discrepancy{CompartmentID: c.ID, Kind: DiscBoardOffline, Stored: string(c.Door), Actual: string(DoorUnknown),
					Detail: fmt.Sprintf("board %d does not answer", c.Addr.Board)})
				if c.Door != DoorUnknown {
					c.Door = DoorUnknown
					putComp(ch, c)
				}
				continue
			}
			if st.Door != "" && st.Door != c.Door {
				out = append(out, Discrepancy{CompartmentID: c.ID, Kind: DiscDoorState, Stored: string(c.Door), Actual: string(st.Door),
					Detail: "door sensor differs from the stored state"})
				c.Door = st.Door
				putComp(ch, c)
			}
			inside := s.parcelsIn(nil, c.ID)
			switch {
			case st.Item == ItemPresent && len(inside) == 0 && s.returnsIn(nil, c.ID) == 0:
				out = append(out, Discrepancy{CompartmentID: c.ID, Kind: DiscItemInEmpty, Stored: string(c.Status), Actual: string(st.Item),
					Detail: "item sensor sees something in a compartment with no parcel"})
			case st.Item == ItemEmpty && len(inside) > 0:
				out = append(out, Discrepancy{CompartmentID: c.ID, Kind: DiscEmptyButStored, Stored: fmt.Sprintf("%d parcel(s)", len(inside)), Actual: string(st.Item),
					Detail: "item sensor sees nothing where parcels should be"})
			}
			busy := s.sess.flow == FlowDeposit && s.sess.parcel.CompartmentID == c.ID
			for _, p := range inside {
				if p.Status == ParcelDepositing && !busy {
					out = append(out, Discrepancy{CompartmentID: c.ID, Kind: DiscInterruptedStep, Stored: string(p.Status), Actual: string(st.Item),
						Detail: "interrupted deposit of " + p.Barcode + ": open, check and resolve"})
				}
			}
		}
		s.addAudit(ch, s.staffActor(), "reconcile", "", fmt.Sprintf("%d discrepancies", len(out)))
		return s.commitLocked(ctx, ch)
	})
	return out, err
}

// AuditPage returns one page (0-based) of the audit log; staff only.
func (s *Service) AuditPage(ctx context.Context, page int) (AuditPage, error) {
	s.mu.Lock()
	err := s.inMaintenanceLocked()
	s.mu.Unlock()
	if err != nil {
		return AuditPage{}, err
	}
	if page < 0 {
		page = 0
	}
	n := s.o.PageSize
	list, total, err := s.store.AuditPage(ctx, page*n, n)
	if err != nil {
		return AuditPage{}, fmt.Errorf("locker: audit page: %w: %w", ErrStoreDown, err)
	}
	return AuditPage{Page: page, PageSize: n, Total: total, Entries: list}, nil
}
