package scanner

import "math/bits"

// The run lengths of packed rows (bit x%32 of word x/32 is pixel x, as
// gozxing stores a row), found a word at a time from the row's
// transitions: a row of text has hundreds of runs, and finding each with
// BitArray.GetNextSet costs more than the searches that read them.

// wordRuns appends to runs the lengths of the runs of equal pixels of the
// n (at least 1) pixels packed in words, the first run of the first
// pixel's colour (the bits from n on are not read), and returns them.
func wordRuns(words []uint32, n int, runs []int) []int {
	return transitionRuns(words, n, words[0]&1, runs)
}

// rowRuns appends the run lengths of the first w pixels packed in words
// to runs, light first (a run of length 0 when the row starts dark), and
// returns them.
func rowRuns(words []uint32, w int, runs []int) []int {
	if w <= 0 {
		return runs
	}
	return transitionRuns(words, w, 0, runs)
}

// transitionRuns appends to runs the lengths of the runs of the n pixels
// packed in words, counted as if a pixel of colour before (0 light, 1
// dark) came first: a run of length 0 leads when the first pixel differs
// from it.
func transitionRuns(words []uint32, n int, before uint32, runs []int) []int {
	prev, carry := 0, before
	for i, v := range words {
		base := i * 32
		if base >= n {
			break
		}
		// Bit k of d is set where pixel base+k differs from the one
		// before it.
		d := v ^ (v<<1 | carry)
		carry = v >> 31
		if rest := n - base; rest < 32 {
			d &= 1<<uint(rest) - 1
		}
		for d != 0 {
			t := base + bits.TrailingZeros32(d)
			runs = append(runs, t-prev)
			prev = t
			d &= d - 1
		}
	}
	return append(runs, n-prev)
}
