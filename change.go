package locker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// addEvent appends an event of type typ with data to ch; commitLocked fills
// the envelope.
func (s *Service) addEvent(ch *Change, typ string, data map[string]any) {
	if typ == EvtParcelDeposited || typ == EvtPINReissued {
		s.sealCredential(data)
	}
	b, err := json.Marshal(data)
	if err != nil { // only plain values are passed; keep the event anyway
		b = []byte(`{}`)
	}
	ch.Events = append(ch.Events, Event{Type: typ, Data: b})
}

// addAudit appends an audit row to ch.
func (s *Service) addAudit(ch *Change, actor, action, subject, detail string) {
	ch.Audit = append(ch.Audit, AuditEntry{Actor: actor, Action: action, Subject: subject, Detail: detail})
}

// putComp upserts c into ch.
func putComp(ch *Change, c Compartment) {
	for i := range ch.Compartments {
		if ch.Compartments[i].ID == c.ID {
			ch.Compartments[i] = c
			return
		}
	}
	ch.Compartments = append(ch.Compartments, c)
}

// putParcel upserts p into ch.
func putParcel(ch *Change, p Parcel) {
	for i := range ch.Parcels {
		if ch.Parcels[i].ID == p.ID {
			ch.Parcels[i] = p
			return
		}
	}
	ch.Parcels = append(ch.Parcels, p)
}

// compIn returns compartment id as it stands with ch applied.
func (s *Service) compIn(ch *Change, id string) (Compartment, bool) {
	if ch != nil {
		for _, c := range ch.Compartments {
			if c.ID == id {
				return c, true
			}
		}
	}
	i, ok := s.compIdx[id]
	if !ok {
		return Compartment{}, false
	}
	return s.comps[i], true
}

// eachActive calls fn for every active parcel with ch applied, in no
// particular order, without copying the set.
func (s *Service) eachActive(ch *Change, fn func(p Parcel)) {
	var over map[string]bool
	if ch != nil && len(ch.Parcels) > 0 {
		over = make(map[string]bool, len(ch.Parcels))
		for _, p := range ch.Parcels {
			over[p.ID] = true
		}
	}
	for id, p := range s.parcels {
		if !over[id] {
			fn(p)
		}
	}
	if over != nil {
		for _, p := range ch.Parcels {
			if p.Status.Active() {
				fn(p)
			}
		}
	}
}

// activeWhere returns the active parcels with ch applied for which keep
// is true, sorted by id.
func (s *Service) activeWhere(ch *Change, keep func(p Parcel) bool) []Parcel {
	var out []Parcel
	s.eachActive(ch, func(p Parcel) {
		if keep(p) {
			out = append(out, p)
		}
	})
	slices.SortFunc(out, func(a, b Parcel) int { return cmpString(a.ID, b.ID) })
	return out
}

// parcelsIn returns the active parcels in compartment id with ch applied,
// sorted by id.
func (s *Service) parcelsIn(ch *Change, id string) []Parcel {
	return s.activeWhere(ch, func(p Parcel) bool { return p.CompartmentID == id })
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// commitLocked fills the envelopes of ch's events, writes ch in one Apply
// and, only if that worked, applies it to the in-memory state.
func (s *Service) commitLocked(ctx context.Context, ch *Change) error {
	now := s.clock.Now()
	for i := range ch.Events {
		e := &ch.Events[i]
		if e.ID == "" {
			e.ID = NewULID(now)
		}
		if e.Time.IsZero() {
			e.Time = now
		}
		e.Site, e.Kiosk = s.o.Site, s.o.Kiosk
	}
	for i := range ch.Audit {
		if ch.Audit[i].Time.IsZero() {
			ch.Audit[i].Time = now
		}
	}
	if err := s.store.Apply(ctx, ch); err != nil {
		if errors.Is(err, ErrDuplicate) || errors.Is(err, ErrInvalid) {
			// The store refused the change (a uniqueness or reference
			// rule): the storage works, the request was wrong.
			s.log.Warn("store refused a change", "err", err)
			return fmt.Errorf("locker: refused: %w", err)
		}
		s.log.Error("store apply failed", "err", err)
		return fmt.Errorf("%w: %w", ErrStoreDown, err)
	}
	if s.o.OnCommit != nil && len(ch.Events) > 0 {
		s.o.OnCommit(slices.Clone(ch.Events))
	}
	if len(ch.Secret) > 0 {
		s.secret = slices.Clone(ch.Secret)
	}
	for _, c := range ch.Compartments {
		if i, ok := s.compIdx[c.ID]; ok {
			s.comps[i] = c
		} else {
			s.compIdx[c.ID] = len(s.comps)
			s.addrIdx[c.Addr] = len(s.comps)
			s.comps = append(s.comps, c)
		}
	}
	for _, p := range ch.Parcels {
		if p.Status.Active() {
			s.parcels[p.ID] = p
		} else {
			delete(s.parcels, p.ID)
		}
	}
	if ch.Lockout != nil {
		s.lockout = ch.Lockout.clone()
	}
	s.applyReturnsLocked(ch.Returns)
	return nil
}

// setStatusIn changes compartment id's status in ch, with its
// compartment.status event and audit row. Becoming faulty pauses the
// expiry clock of the parcels inside; leaving faulty resumes it, pushing
// their expiry back by the pause. Asking for StatusAvailable on a
// compartment with active parcels gives StatusOccupied.
func (s *Service) setStatusIn(ch *Change, id string, st CompartmentStatus, reason, actor string) (Compartment, error) {
	c, ok := s.compIn(ch, id)
	if !ok {
		return Compartment{}, fmt.Errorf("%w: compartment %q", ErrNotFound, id)
	}
	now := s.clock.Now()
	inside := s.parcelsIn(ch, id)
	if st == StatusAvailable && (len(inside) > 0 || s.returnsIn(ch, id) > 0) {
		st = StatusOccupied
	}
	old := c.Status
	if st != StatusFaulty && st != StatusOutOfService {
		reason = ""
	}
	if old == st && c.Reason == reason {
		return c, nil
	}
	c.Status, c.Reason = st, reason
	putComp(ch, c)
	for _, p := range inside {
		switch {
		case st == StatusFaulty && old != StatusFaulty && p.PausedSince.IsZero() && p.Status == ParcelDeposited:
			p.PausedSince = now
			putParcel(ch, p)
		case st != StatusFaulty && !p.PausedSince.IsZero():
			p.ExpiresAt = p.ExpiresAt.Add(now.Sub(p.PausedSince))
			p.PausedSince = time.Time{}
			putParcel(ch, p)
		}
	}
	s.addEvent(ch, EvtCompartmentStatus, map[string]any{
		"compartment": id, "status": st, "previous": old, "reason": reason, "by": actor,
	})
	s.addAudit(ch, actor, "compartment.status", id, fmt.Sprintf("%s -> %s %s", old, st, reason))
	return c, nil
}
