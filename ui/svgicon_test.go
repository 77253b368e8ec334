package ui

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/parcelkiosk/locker/assets"
)

func TestSVGIconDrawsOncePerColour(t *testing.T) {
	a := test.NewTempApp(t)
	l := &look{}
	a.Settings().SetTheme(l)
	ic := newSVGIcon(iconRes(assets.IconWarning, false), theme.ColorNameForeground)
	test.NewTempWindow(t, container.NewWithoutLayout(ic))
	ic.Resize(fyne.NewSize(64, 64))
	first := ic.img.Image
	if first == nil {
		t.Fatal("the icon was not drawn when laid out")
	}
	if got := first.Bounds().Dx(); got != 64 {
		t.Errorf("drawn %d pixels wide at 64 units, want 64", got)
	}
	// Smaller sizes (a denser look) are scaled, not drawn again.
	for _, s := range []float32{48, 24, 64} {
		ic.Resize(fyne.NewSize(s, s))
		ic.Refresh()
		if ic.img.Image != first {
			t.Fatalf("drawn again at %v units", s)
		}
	}
	// Larger (the larger text) draws it again, sharp.
	ic.Resize(fyne.NewSize(96, 96))
	larger := ic.img.Image
	if larger == first || larger.Bounds().Dx() != 96 {
		t.Fatalf("at 96 units the icon is %v pixels, drawn again: %v", larger.Bounds(), larger != first)
	}
	// The larger-text look's other foreground colour draws it again.
	l.th.accessible = true
	ic.Refresh()
	if ic.img.Image == larger {
		t.Fatal("not drawn again in the new colour")
	}
}

func TestRasterizeSVG(t *testing.T) {
	for _, tc := range []struct {
		name    string
		svg     string
		px      int
		w, h    int
		wantErr bool
	}{
		{"square", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`, 40, 40, 40, false},
		{"wide keeps its aspect", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="20" height="10"/></svg>`, 40, 40, 20, false},
		{"tall keeps its aspect", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 40"><rect width="10" height="40"/></svg>`, 40, 10, 40, false},
		{"not an svg", `hello`, 40, 0, 0, true},
		{"empty view box", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 0"></svg>`, 40, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := rasterizeSVG([]byte(tc.svg), tc.px)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error for %q", tc.svg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds(); got != image.Rect(0, 0, tc.w, tc.h) {
				t.Fatalf("bounds %v, want %dx%d", got, tc.w, tc.h)
			}
			if _, _, _, a := img.At(tc.w/2, tc.h/2).RGBA(); a == 0 {
				t.Error("the middle of a filled rectangle is transparent")
			}
		})
	}
}
