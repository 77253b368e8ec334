package ui

import (
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2/test"
)

// FuzzField types and erases arbitrary text in an entry box: it never
// holds more than its maximum, a digits box holds only digits, and erasing
// everything empties it.
func FuzzField(f *testing.F) {
	f.Add("482913", true, 6, 2)
	f.Add("héllo wörld\x00\t", false, 8, 20)
	f.Add("ÑANDÚ-12'.", false, 40, 0)
	test.NewTempApp(f)
	f.Fuzz(func(t *testing.T, s string, digits bool, max, erase int) {
		if max < 0 || max > 200 || erase < 0 || erase > 300 {
			t.Skip()
		}
		fd := newField(nil, "hint", max, digits, false, 20)
		for _, r := range s {
			fd.typeRune(r)
		}
		n := utf8.RuneCountInString(fd.text)
		if max > 0 && n > max {
			t.Fatalf("%d runes in a field of %d", n, max)
		}
		if digits {
			for _, r := range fd.text {
				if r < '0' || r > '9' {
					t.Fatalf("digits field holds %q", fd.text)
				}
			}
		}
		for range erase {
			fd.backspace()
		}
		if want := max0(n - erase); utf8.RuneCountInString(fd.text) != want {
			t.Fatalf("after %d erases %d runes left, want %d", erase, utf8.RuneCountInString(fd.text), want)
		}
	})
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}
