package locker

import (
	"fmt"
	"slices"
	"strings"
)

// Size is a compartment or parcel size class, from XS (smallest) to XL.
type Size string

// The size classes a locker bank can have, smallest first.
const (
	SizeXS Size = "XS"
	SizeS  Size = "S"
	SizeM  Size = "M"
	SizeL  Size = "L"
	SizeXL Size = "XL"
)

// Sizes lists every size class, smallest first.
var Sizes = []Size{SizeXS, SizeS, SizeM, SizeL, SizeXL}

// sizeDims holds the inner dimensions of each size in millimetres, smallest
// first (height x width x depth sorted ascending). S and XL follow the
// common US parcel-locker sizes (5x12x12 in and 24x24x36 in).
var sizeDims = map[Size][3]int{
	SizeXS: {76, 305, 305},
	SizeS:  {127, 305, 305},
	SizeM:  {254, 305, 457},
	SizeL:  {381, 457, 610},
	SizeXL: {610, 610, 914},
}

// ParseSize parses a size letter such as "m" or "XL".
func ParseSize(s string) (Size, error) {
	z := Size(strings.ToUpper(strings.TrimSpace(s)))
	if _, ok := sizeDims[z]; !ok {
		return "", fmt.Errorf("locker: unknown size %q (want XS, S, M, L or XL)", s)
	}
	return z, nil
}

// Valid reports whether z is one of the known size classes.
func (z Size) Valid() bool {
	_, ok := sizeDims[z]
	return ok
}

// Rank returns the position of z in Sizes (0 for XS), or -1 if z is unknown.
func (z Size) Rank() int { return slices.Index(Sizes, z) }

// Dims returns the inner dimensions of z in millimetres, sorted ascending.
func (z Size) Dims() [3]int { return sizeDims[z] }

// Larger returns the next larger size and true, or "" and false for XL.
func (z Size) Larger() (Size, bool) {
	r := z.Rank()
	if r < 0 || r+1 >= len(Sizes) {
		return "", false
	}
	return Sizes[r+1], true
}

// FitSize returns the smallest size whose inner space holds a box of the
// given dimensions in millimetres, in any orientation. It returns
// ErrTooLarge when no size holds it.
func FitSize(dims [3]int) (Size, error) {
	d := dims
	for _, v := range d {
		if v <= 0 {
			return "", fmt.Errorf("locker: parcel dimensions must be positive, got %v", dims)
		}
	}
	slices.Sort(d[:])
	for _, z := range Sizes {
		in := z.Dims()
		if d[0] <= in[0] && d[1] <= in[1] && d[2] <= in[2] {
			return z, nil
		}
	}
	return "", ErrTooLarge
}
