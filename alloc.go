package locker

import (
	"fmt"
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
