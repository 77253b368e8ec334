package locker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
)

// AllocRequest says what kind of compartment a parcel needs.
type AllocRequest struct {
	Size         Size            // the parcel's size class
	Accessible   bool            // only compartments within reach range
	Refrigerated bool            // only refrigerated compartments
	Exclude      map[string]bool // compartment ids not to use (e.g. a door that failed)
}

// Allocate picks a compartment for a parcel from comps: the smallest free
// size that fits (the parcel's own size if one is free, else the next larger
// one with a free door, reported as upsized); only accessible ones when
// asked, only refrigerated ones when asked (and non-refrigerated ones
// preferred otherwise); the least recently used among equals. It never
// picks a compartment that is not available. It returns ErrTooLarge when no
// compartment of the bank is large enough at all and ErrLockerFull when
// every fitting one is taken.
func Allocate(comps []Compartment, req AllocRequest) (c Compartment, upsized bool, err error) {
	if !req.Size.Valid() {
		return Compartment{}, false, fmt.Errorf("%w: unknown parcel size %q", ErrInvalid, req.Size)
	}
	want := req.Size.Rank()
	anyFits := false
	best := -1
	for i, k := range comps {
		r := k.Size.Rank()
		if r < want {
			continue
		}
		anyFits = true
		if k.Status != StatusAvailable || req.Exclude[k.ID] {
			continue
		}
		if req.Accessible && !k.Accessible {
			continue
		}
		if req.Refrigerated && !k.Refrigerated {
			continue
		}
		if best < 0 || allocBetter(k, comps[best], req) {
			best = i
		}
	}
	if best < 0 {
		if !anyFits {
			return Compartment{}, false, fmt.Errorf("%w: no compartment holds size %s", ErrTooLarge, req.Size)
		}
		return Compartment{}, false, fmt.Errorf("%w: no free compartment for size %s%s", ErrLockerFull, req.Size, reqNote(req))
	}
	c = comps[best]
	return c, c.Size.Rank() > want, nil
}

// allocBetter reports whether a is a better choice than b.
func allocBetter(a, b Compartment, req AllocRequest) bool {
	if ra, rb := a.Size.Rank(), b.Size.Rank(); ra != rb {
		return ra < rb
	}
	if !req.Refrigerated && a.Refrigerated != b.Refrigerated {
		return !a.Refrigerated // keep refrigerated doors for those who need them
	}
	if !req.Accessible && a.Accessible != b.Accessible {
		return !a.Accessible // keep accessible doors for those who need them
	}
	if !a.LastUsed.Equal(b.LastUsed) {
		return a.LastUsed.Before(b.LastUsed)
	}
	return a.ID < b.ID
}

func reqNote(req AllocRequest) string {
	var s []string
	if req.Accessible {
		s = append(s, "accessible")
	}
	if req.Refrigerated {
		s = append(s, "refrigerated")
	}
	if len(s) == 0 {
		return ""
	}
	return " (" + strings.Join(s, ", ") + ")"
}

// addToDoorCandidateLocked returns a compartment this visit already filled
// for the current recipient that the current parcel fits in, newest first.
func (s *Service) addToDoorCandidateLocked() string {
	p := s.sess.parcel
	for i := len(s.sess.receipts) - 1; i >= 0; i-- {
		r := s.sess.receipts[i]
		if r.RecipientID != s.sess.recipient.ID {
			continue
		}
		c, ok := s.compIn(nil, r.CompartmentID)
		if !ok || c.Status != StatusOccupied || !s.holdsOnlyLocked(nil, c.ID, s.sess.recipient.ID) {
			continue
		}
		if p.Refrigerated && !c.Refrigerated {
			continue
		}
		if p.Size != "" && p.Size.Rank() > c.Size.Rank() {
			continue
		}
		stillIn := false
		for _, q := range s.parcelsIn(nil, c.ID) {
			stillIn = stillIn || (q.ID == r.ParcelID && q.Status == ParcelDeposited)
		}
		if stillIn {
			return c.ID
		}
	}
	return ""
}

// excludeOfflineLocked returns the compartments on boards reported offline,
// plus extra.
func (s *Service) excludeOfflineLocked(extra ...string) map[string]bool {
	ex := map[string]bool{}
	for _, c := range s.comps {
		if s.offline[c.Addr.Board] {
			ex[c.ID] = true
		}
	}
	for _, id := range extra {
		if id != "" {
			ex[id] = true
		}
	}
	return ex
}

// allBoardsOfflineLocked reports whether every board with a compartment is
// reported offline (e.g. the lock-bus adapter is missing): every door is
// out of order.
func (s *Service) allBoardsOfflineLocked() bool {
	if len(s.offline) == 0 || len(s.comps) == 0 {
		return false
	}
	for _, c := range s.comps {
		if !s.offline[c.Addr.Board] {
			return false
		}
	}
	return true
}

// lockerFullLocked records a locker.full event (best effort: the caller
// returns the allocation error either way).
func (s *Service) lockerFullLocked(ctx context.Context, z Size, barcode string) {
	ch := &Change{}
	s.addEvent(ch, EvtLockerFull, map[string]any{"size": z, "barcode": barcode})
	s.addAudit(ch, "system", "locker.full", string(z), barcode)
	if err := s.commitLocked(ctx, ch); err != nil {
		s.log.Warn("locker.full event not stored", "err", err)
	}
}

// allocateLocked allocates a compartment for the draft parcel, reserves it
// with the parcel as depositing in one Apply and queues the unlock. The
// compartments in exclude are skipped. On failure the draft is dropped and
// the flow goes back to StepScan, except when the store is down; when the
// bank is full the flow goes to StepShareDoor or StepFull (full.go).
func (s *Service) allocateLocked(ctx context.Context, exclude map[string]bool) error {
	p := s.sess.parcel
	ex := s.excludeOfflineLocked()
	for id := range exclude {
		ex[id] = true
	}
	c, upsized, err := Allocate(s.comps, AllocRequest{
		Size: p.Size, Accessible: s.sess.recipient.Accessible, Refrigerated: p.Refrigerated, Exclude: ex,
	})
	if err != nil {
		if errors.Is(err, ErrLockerFull) && len(s.offline) > 0 {
			// Is it full, or are the free doors on a silent board?
			all := maps.Clone(exclude)
			if all == nil {
				all = map[string]bool{}
			}
			if _, _, aerr := Allocate(s.comps, AllocRequest{Size: p.Size, Accessible: s.sess.recipient.Accessible, Refrigerated: p.Refrigerated, Exclude: all}); aerr == nil {
				err = fmt.Errorf("%w: the free doors are on a silent lock board (out of order)", ErrBusUnavailable)
			}
		}
		if errors.Is(err, ErrLockerFull) {
			return s.fullLocked(ctx, nil, err, ex) // full.go: a door of the same recipient, or refused
		}
		s.dropDraftLocked()
		return err
	}
	p.CompartmentID = c.ID
	p.Upsized = upsized
	p.Status = ParcelDepositing
	ch := &Change{}
	putParcel(ch, p)
	c.Status = StatusReserved
	putComp(ch, c)
	s.addAudit(ch, s.courierActor(), "parcel.reserve", p.ID, fmt.Sprintf("barcode=%s compartment=%s", p.Barcode, c.ID))
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	s.sess.parcel = p
	s.sess.addToDoor = ""
	s.sess.notice = Notice{}
	if upsized {
		s.sess.notice = Notice{Kind: NoticeUpsized, Compartment: c.ID, Size: c.Size,
			Text: fmt.Sprintf("No free %s door: using %s door %s.", p.Size, c.Size, c.ID)}
	}
	s.setDoorLocked(jobDeposit, c.ID)
	return nil
}
