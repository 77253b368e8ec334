package locker

import (
	"context"
	"fmt"
	"time"
)

// DoorTimeoutReason is the Reason of a compartment whose door stayed
// unlocked or open past Options.DoorTimeout during a pickup or a staff
// opening: staff check it.
const DoorTimeoutReason = "door not seen closed in time: check contents"

// StaffSessionMax is the longest a staff session lasts, whatever is on
// screen; a door job running then finishes first. Each staff door job (a
// door opened, the expired parcels retrieved) also ends the session.
const StaffSessionMax = 5 * time.Minute

// Tick does what time does: retries door events the store refused, marks
// parcels expired, ends idle flows and lifts the keypad lockout on the
// screen. Call it about once a second.
func (s *Service) Tick(ctx context.Context) {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return
	}
	changed := false
	if len(s.retry) > 0 {
		s.flushRetryLocked(ctx)
		changed = true
	}
	now := s.clock.Now()
	changed = s.expireLocked(ctx, now) || changed
	changed = s.remindLocked(ctx, now) || changed
	changed = s.overdueReturnsLocked(ctx, now) || changed
	if s.shownLocked != s.pinLockedLocked(now) {
		s.shownLocked = !s.shownLocked
		changed = true
	}
	changed = s.timeoutLocked(ctx, now) || changed
	reqs := s.unlocks
	s.unlocks = nil
	if changed {
		s.publishLocked()
	}
	s.mu.Unlock()
	_ = s.sendUnlocks(ctx, reqs)
	s.deliver()
}

// expireLocked marks deposited parcels past their expiry as expired, in one
// Apply. A paused parcel (its door faulty) does not expire.
func (s *Service) expireLocked(ctx context.Context, now time.Time) bool {
	ch := &Change{}
	due := s.activeWhere(nil, func(p Parcel) bool {
		return p.Status == ParcelDeposited && p.PausedSince.IsZero() && !now.Before(p.ExpiresAt)
	})
	for _, p := range due {
		p.Status = ParcelExpired
		putParcel(ch, p)
		s.addEvent(ch, EvtParcelExpired, map[string]any{
			"parcel_id": p.ID, "barcode": p.Barcode, "compartment": p.CompartmentID,
			"recipient_id": p.RecipientID, "expires_at": p.ExpiresAt.UTC().Format(time.RFC3339Nano),
		})
		s.addAudit(ch, "system", "parcel.expired", p.ID, p.CompartmentID)
	}
	if len(ch.Parcels) == 0 {
		return false
	}
	if err := s.commitLocked(ctx, ch); err != nil {
		s.log.Warn("expiry not stored; will retry", "err", err)
		return false
	}
	return true
}

// timeoutLocked ends a flow left alone: never while a door is unlocked or
// open, unless for longer than Options.DoorTimeout.
func (s *Service) timeoutLocked(ctx context.Context, now time.Time) bool {
	if s.sess.flow == FlowIdle {
		return false
	}
	if s.sess.step == StepUnlocking || s.sess.step == StepDoorOpen {
		if s.sess.door == "" || now.Sub(s.sess.doorAt) < s.o.DoorTimeout {
			return false
		}
		if err := s.doorTimeoutLocked(ctx, now); err != nil {
			s.lastErr = err
		}
		return true
	}
	if s.sess.flow == FlowPickup && s.sess.step == StepDone || s.sess.flow == FlowReturn && s.sess.step == StepReturned {
		if now.Sub(s.sess.doneAt) >= s.o.DoneTimeout {
			s.resetSessionLocked()
			return true
		}
		return false
	}
	if s.sess.flow == FlowMaintenance && now.Sub(s.sess.signedInAt) >= StaffSessionMax {
		ch := &Change{}
		s.addAudit(ch, s.staffActor(), "staff.logout", s.sess.staff.ID, "session time over")
		if err := s.commitLocked(ctx, ch); err != nil {
			s.log.Warn("sign-out not audited", "err", err)
		}
		s.resetSessionLocked()
		s.lastErr = nil
		return true
	}
	if now.Sub(s.sess.lastAction) < s.o.IdleTimeout {
		return false
	}
	if err := s.cancelLocked(ctx)(); err != nil {
		s.lastErr = err
		return true
	}
	s.lastErr = nil
	return true
}

// doorTimeoutLocked gives every door screen a way out: a door unlocked or
// open for longer than Options.DoorTimeout (its board went silent, the door
// was left open, the sensor never reported) is flagged for staff and the
// session ends. Nothing recorded is undone: a deposit's parcel stays
// recorded as depositing in the flagged door (staff settle it like an
// interrupted deposit, or the bus does when the door is seen closed, see
// settleFlaggedLocked); a pickup's parcels stay deposited.
func (s *Service) doorTimeoutLocked(ctx context.Context, now time.Time) error {
	id := s.sess.door
	reason := DoorTimeoutReason
	if s.sess.job == jobDeposit && s.sess.parcel.Status == ParcelDepositing {
		reason = InterruptedReason
	}
	ch := &Change{}
	if _, err := s.setStatusIn(ch, id, StatusFaulty, reason, "system"); err != nil {
		return err
	}
	s.addAudit(ch, "system", "door.timeout", id, fmt.Sprintf("%s: door %s for %v", s.sess.step, id, now.Sub(s.sess.doorAt).Round(time.Second)))
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	s.log.Warn("door not seen closed in time: flagged for staff, session ended", "compartment", id, "step", s.sess.step)
	s.resetSessionLocked()
	s.sess.notice = Notice{Kind: NoticeDoorTimeout, Compartment: id,
		Text: fmt.Sprintf("Door %s was not seen closed. Staff have been told; nothing is lost.", id)}
	return nil
}
