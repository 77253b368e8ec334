package locker

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
)

// InterruptedReason is the Reason of a compartment whose deposit was
// interrupted by a restart and could not be confirmed by the item sensor.
const InterruptedReason = "interrupted deposit: check contents"

// Start loads the stored state, creates the kiosk secret on a new
// database, merges the configured compartments, recovers deposits a crash
// interrupted and records kiosk.started, all in one Apply.
func (s *Service) Start(ctx context.Context) error {
	snap, err := s.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("locker: start: %w: %w", ErrStoreDown, err)
	}
	s.mu.Lock()
	err = s.startLocked(ctx, snap)
	s.publishLocked()
	s.mu.Unlock()
	s.deliver()
	return err
}

func (s *Service) startLocked(ctx context.Context, snap *Snapshot) error {
	if s.started {
		return fmt.Errorf("%w: already started", ErrBadState)
	}
	ch := &Change{}
	secret := slices.Clone(snap.Secret)
	if len(secret) == 0 {
		secret = make([]byte, SecretLen)
		if _, err := io.ReadFull(s.rand, secret); err != nil {
			return fmt.Errorf("locker: start: new secret: %w", err)
		}
		ch.Secret = secret
	}
	s.secret = secret

	s.parcels = map[string]Parcel{}
	for _, p := range snap.Parcels {
		if p.Status.Active() {
			s.parcels[p.ID] = p
		}
	}
	s.lockout = snap.Lockout.clone()
	s.returnsLoadedLocked(snap.Returns)

	// Merge the configuration with the stored state.
	stored := map[string]Compartment{}
	for _, c := range snap.Compartments {
		stored[c.ID] = c
	}
	var comps []Compartment
	if len(s.o.Compartments) == 0 {
		comps = slices.Clone(snap.Compartments)
	} else {
		for _, c := range s.o.Compartments {
			old, ok := stored[c.ID]
			if ok {
				c.Status, c.Reason, c.LastUsed, c.Door = old.Status, old.Reason, old.LastUsed, old.Door
			}
			if c.Status == "" {
				c.Status = StatusAvailable
			}
			if !ok || old != c {
				putComp(ch, c)
			}
			comps = append(comps, c)
			delete(stored, c.ID)
		}
		// A stored compartment no longer configured keeps its parcels
		// findable; it is never allocated again.
		for _, id := range slices.Sorted(maps.Keys(stored)) {
			hasParcel := false
			for _, p := range s.parcels {
				hasParcel = hasParcel || p.CompartmentID == id
			}
			if !hasParcel {
				continue
			}
			c := stored[id]
			if c.Status != StatusOutOfService {
				c.Status, c.Reason = StatusOutOfService, "not in the configuration"
				putComp(ch, c)
			}
			comps = append(comps, c)
		}
	}
	s.comps = comps
	s.compIdx = map[string]int{}
	s.addrIdx = map[LockAddr]int{}
	for i, c := range comps {
		s.compIdx[c.ID] = i
		s.addrIdx[c.Addr] = i
	}
	// Door states from the bus where it already knows them.
	for _, c := range comps {
		st := s.bus.State(c.Addr)
		door := DoorUnknown
		if st.Online && st.Door != "" {
			door = st.Door
		}
		if c.Door != door {
			c.Door = door
			putComp(ch, c)
		}
	}

	if err := s.recoverReturnsLocked(ch); err != nil {
		return err
	}
	if err := s.recoverLocked(ch); err != nil {
		return err
	}
	s.addEvent(ch, EvtKioskStarted, map[string]any{"version": s.o.Version, "compartments": len(comps)})
	s.addAudit(ch, "system", "kiosk.started", s.o.Kiosk, s.o.Version)
	if err := s.commitLocked(ctx, ch); err != nil {
		return fmt.Errorf("locker: start: %w", err)
	}
	s.started = true
	return nil
}

// recoverLocked finishes what a crash interrupted: a deposit whose parcel
// the item sensor sees is committed; with Options.ItemSensors, one whose
// door is seen closed and empty is cancelled (recoverEmptyIn); any other
// interrupted deposit makes its compartment faulty for staff to check; a
// reserved compartment with no parcel is freed.
func (s *Service) recoverLocked(ch *Change) error {
	for _, p := range s.activeWhere(ch, func(p Parcel) bool { return p.Status == ParcelDepositing }) {
		c, ok := s.compIn(ch, p.CompartmentID)
		if !ok {
			continue
		}
		others := 0
		for _, q := range s.parcelsIn(ch, c.ID) {
			if q.ID != p.ID {
				others++
			}
		}
		st := s.bus.State(c.Addr)
		if s.recoverEmptyIn(ch, p, c, st, others) {
			continue
		}
		if st.Online && st.Item == ItemPresent && others == 0 {
			if _, _, err := s.depositIn(ch, p, nil, "system"); err != nil {
				return err
			}
			if c.Status == StatusFaulty && c.Reason == InterruptedReason {
				if _, err := s.setStatusIn(ch, c.ID, StatusAvailable, "", "system"); err != nil {
					return err
				}
			}
			continue
		}
		if c.Status != StatusFaulty || c.Reason != InterruptedReason {
			if _, err := s.setStatusIn(ch, c.ID, StatusFaulty, InterruptedReason, "system"); err != nil {
				return err
			}
		}
	}
	for _, c := range s.comps {
		c, _ = s.compIn(ch, c.ID)
		n := len(s.parcelsIn(ch, c.ID)) + s.returnsIn(ch, c.ID)
		switch {
		case c.Status == StatusReserved && n == 0:
			if _, err := s.setStatusIn(ch, c.ID, StatusAvailable, "", "system"); err != nil {
				return err
			}
		case (c.Status == StatusAvailable || c.Status == StatusReserved) && n > 0:
			if _, err := s.setStatusIn(ch, c.ID, StatusOccupied, "", "system"); err != nil {
				return err
			}
		}
	}
	return nil
}
