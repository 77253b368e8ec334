package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/parcelkiosk/locker"
)

// TestDensity checks how render fits a screen into the window: a roomy
// screen keeps the designed sizes, a crowded one is drawn denser until it
// fits, and one that cannot fit at all scrolls instead of being cut off.
func TestDensity(t *testing.T) {
	crowd := func(h *harness) {
		h.u.msg = message{id: "err.expired"}
		h.u.view.Notice = locker.Notice{Kind: locker.NoticeInterrupted, Compartment: "C12"}
	}
	tests := []struct {
		name       string
		size       fyne.Size
		accessible bool
		crowd      bool
		wantDense  int // -1: any level above 0
		wantScroll bool
	}{
		{name: "roomy", size: fyne.NewSize(1280, 800), wantDense: 0},
		{name: "both bars", size: fyne.NewSize(1280, 800), crowd: true, wantDense: -1},
		{name: "both bars, larger text", size: fyne.NewSize(1280, 800), crowd: true, accessible: true, wantDense: -1},
		{name: "too small for anything", size: fyne.NewSize(900, 480), crowd: true, wantDense: maxDense, wantScroll: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newServiceHarness(t, Options{})
			h.u.win.Resize(tc.size)
			h.u.accessible = tc.accessible
			h.toRecipient()
			if tc.crowd {
				crowd(h)
			}
			h.u.refresh()
			switch {
			case tc.wantDense >= 0 && h.u.dense != tc.wantDense:
				t.Errorf("density = %d, want %d", h.u.dense, tc.wantDense)
			case tc.wantDense < 0 && h.u.dense == 0:
				t.Errorf("density = 0, want denser")
			}
			if h.u.scrolls != tc.wantScroll {
				t.Errorf("scrolls = %v, want %v", h.u.scrolls, tc.wantScroll)
			}
			need := h.u.win.Canvas().Content().MinSize()
			if need.Width > tc.size.Width+0.5 || need.Height > tc.size.Height+0.5 {
				t.Errorf("screen needs %v, window is %v", need, tc.size)
			}
			// The density is the look's, which is the application's theme,
			// and the screen was drawn in it.
			if th := h.u.app.Settings().Theme(); th != fyne.Theme(&h.u.look) {
				t.Errorf("app theme = %#v, want the look", th)
			}
			if sp, _ := denseFactors(h.u.dense); h.u.app.Settings().Theme().Size(sizeNameScale) != sp {
				t.Errorf("app theme's scale = %v, want %v (density %d)", h.u.app.Settings().Theme().Size(sizeNameScale), sp, h.u.dense)
			}
			if h.u.shown.styled != h.u.look.th {
				t.Errorf("the screen was last drawn in %#v, want %#v", h.u.shown.styled, h.u.look.th)
			}
			// Every key stays large enough for a thumb: at least 44 px.
			targets := 0
			for _, o := range test.LaidOutObjects(h.u.win.Canvas().Content()) {
				if _, ok := o.(fyne.Tappable); !ok || !o.Visible() {
					continue
				}
				targets++
				if s := o.Size(); s.Height < 44 && !tc.wantScroll {
					t.Errorf("a %T is %v high, under 44 px", o, s)
				}
			}
			if targets < 40 { // keyboard, directory, paging, header
				t.Errorf("%d touch targets on the directory screen, want at least 40", targets)
			}
		})
	}
}

// TestDensityFollowsTheWindow checks that the once-a-second tick lays the
// screen out again when the window's size changes (first shown, or the
// panel turned), not only when the View does.
func TestDensityFollowsTheWindow(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.win.Resize(fyne.NewSize(1280, 800))
	h.tap("Pick up")
	if h.u.dense != 0 || h.u.scrolls {
		t.Fatalf("at 1280x800: density %d, scrolls %v; want the designed sizes", h.u.dense, h.u.scrolls)
	}
	small := fyne.NewSize(800, 440)
	h.u.win.Resize(small)
	h.u.tick(h.clock.Now())
	if h.u.dense == 0 {
		t.Errorf("after the window shrank to %v the screen is still at density 0", small)
	}
	if need := h.u.win.Canvas().Content().MinSize(); need.Width > small.Width+0.5 || need.Height > small.Height+0.5 {
		t.Errorf("after the window shrank the screen needs %v, window is %v", need, small)
	}
	h.u.win.Resize(fyne.NewSize(1280, 800))
	h.u.tick(h.clock.Now())
	if h.u.dense != 0 || h.u.scrolls {
		t.Errorf("back at 1280x800: density %d, scrolls %v; want the designed sizes", h.u.dense, h.u.scrolls)
	}
}

// TestLargerTextReachesListRows checks that the directory's results, rows
// of a list that reuses them, take the larger text's colours like the rest
// of the screen: a list refreshes its rows' texts, not their look.
func TestLargerTextReachesListRows(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.toRecipient()
	tile := h.pictures("recipient:")[0]
	h.u.accessible = true
	h.u.refresh()
	var bg color.Color
	for _, o := range test.WidgetRenderer(tile).Objects() {
		if r, ok := o.(*canvas.Rectangle); ok && r.FillColor != nil {
			bg = r.FillColor
			break
		}
	}
	want := touchTheme{accessible: true}.Color(theme.ColorNameButton, 0)
	if bg == nil || !sameColor(bg, want) {
		t.Fatalf("a result tile is drawn in %v with the larger text, want %v", bg, want)
	}
}

// sameColor reports whether a and b are the same colour.
func sameColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// TestLargerTextResultsDoNotOverlap checks that a result's name and unit,
// on one line in the larger text, stay apart.
func TestLargerTextResultsDoNotOverlap(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.win.Resize(fyne.NewSize(1280, 800))
	h.toRecipient()
	h.u.accessible = true
	h.u.refresh()
	s := h.u.shown.screen.(*recipientScreen)
	checked := 0
	for _, tile := range s.tiles {
		if tile.index < 0 || !tile.obj.Visible() {
			continue
		}
		name, unit := tile.name, tile.unit
		if end := name.Position().X + name.MinSize().Width; unit.Position().X < end {
			t.Errorf("%q ends at %v, its unit %q starts at %v", name.text, end, unit.text, unit.Position().X)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no result shown")
	}
}
