package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/parcelkiosk/locker"
)

// TestDensity checks how render fits a screen into the window: a roomy
// screen keeps the designed sizes, a crowded one is drawn denser until it
// fits, and one that cannot fit at all scrolls instead of being cut off.
func TestDensity(t *testing.T) {
	crowd := func(h *harness) {
		h.u.msg = message{id: "err.expired"}
		h.svc.update(func(v *locker.View) {
			v.Notice = locker.Notice{Kind: locker.NoticeInterrupted, Compartment: "C12"}
		})
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
			h := newHarness(t, Options{})
			h.u.win.Resize(tc.size)
			h.u.accessible = tc.accessible
			h.toRecipient()
			if tc.crowd {
				crowd(h)
			}
			h.u.render()
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
			th, ok := h.u.app.Settings().Theme().(touchTheme)
			if !ok || th.dense != h.u.dense {
				t.Errorf("theme = %#v, want density %d", h.u.app.Settings().Theme(), h.u.dense)
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
	h := newHarness(t, Options{})
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
