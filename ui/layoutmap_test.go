package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/parcelkiosk/locker"
)

// readMap reads the layout map the UI wrote last.
func readMap(t *testing.T, path string) LayoutMap {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m LayoutMap
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("layout map: %v\n%s", err, b)
	}
	return m
}

// item finds label in m.
func item(t *testing.T, m LayoutMap, label string) LayoutItem {
	t.Helper()
	var labels []string
	for _, it := range m.Items {
		if it.Label == label {
			return it
		}
		labels = append(labels, it.Label)
	}
	t.Fatalf("no %q on %s; the map has %q", label, m.Screen, labels)
	return LayoutItem{}
}

// tapItem taps the window at the middle of it, the way a finger (or the
// end-to-end tests' xdotool) would.
func tapItem(h *harness, it LayoutItem) {
	s := h.u.win.Canvas().Scale()
	test.TapCanvas(h.u.win.Canvas(), fyne.NewPos((it.X+it.W/2)/s, (it.Y+it.H/2)/s))
}

// TestLayoutMap checks the map names the screen and places every button
// where a tap at its middle reaches it.
func TestLayoutMap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "layout.json")
	h := newServiceHarness(t, Options{LayoutFile: path})

	m := readMap(t, path)
	if m.Screen != "home" || m.Overlay || m.Width != 1280 || m.Height != 800 {
		t.Fatalf("home map: screen %q overlay %v size %vx%v", m.Screen, m.Overlay, m.Width, m.Height)
	}
	for _, it := range m.Items {
		if it.W < 44 || it.H < 44 || it.X < 0 || it.Y < 0 || it.X+it.W > m.Width || it.Y+it.H > m.Height {
			t.Errorf("home: %+v is outside the window or smaller than a thumb", it)
		}
	}
	seq := m.Seq
	tapItem(h, item(t, m, "Pick up"))
	h.wantScreen("pickup")
	if m = readMap(t, path); m.Screen != "pickup" || m.Seq <= seq {
		t.Fatalf("after Pick up: screen %q seq %d (was %d)", m.Screen, m.Seq, seq)
	}
	// The keypad's keys (drawn with larger digits) are on the map and a
	// tap in the middle of each types it.
	for _, k := range []string{"4", "8", "2", "9", "1", "3", "0"} {
		tapItem(h, item(t, m, k))
	}
	if got := h.u.fields.pin.text; got != "4829130" {
		t.Fatalf("keypad taps through the map typed %q, want 4829130", got)
	}
	tapItem(h, item(t, readMap(t, path), "Back"))
	h.wantScreen("home")

	signInStaff(h, "246800", h.totp())
	h.wantScreen("maint.menu")
	m = readMap(t, path)
	if !item(t, m, "Bank").Selected || item(t, m, "Expired (0)").Selected {
		t.Fatal("the map does not mark the open tab")
	}
	bank := h.bankMap()
	door := item(t, m, "door:A1")
	tapItem(h, door)
	if !slices.Contains(h.objects(), fyne.CanvasObject(bank)) {
		t.Fatal("selecting a door replaced the bank map: a door pressed during a redraw would not be tapped")
	}
	if m = readMap(t, path); !item(t, m, "door:A1").Selected {
		t.Fatal("tapping the middle of door:A1 did not select it")
	}
	tapItem(h, item(t, m, "Expired (0)"))
	m = readMap(t, path)
	if !item(t, m, "Expired (0)").Selected {
		t.Fatal("tapping the middle of the Expired tab did not open it")
	}
	if item(t, m, "Open them one by one").Enabled {
		t.Fatal("retrieve button enabled with no expired parcel")
	}

	// The "are you still there?" card covers the screen: only its button
	// can be touched.
	h.clock.Advance(time.Minute - time.Second)
	h.u.tick(h.clock.Now())
	m = readMap(t, path)
	if !m.Overlay || len(m.Items) != 1 || m.Items[0].Label != "I'm still here" {
		t.Fatalf("with the idle card: overlay %v items %+v", m.Overlay, m.Items)
	}
	tapItem(h, m.Items[0])
	if h.u.warned {
		t.Fatal("tapping the middle of \"I'm still here\" did not keep the session")
	}
}

// TestLayoutMapNamesPictureButtons checks that buttons drawn without text
// (sizes, directory results) are named by what they stand for.
func TestLayoutMapNamesPictureButtons(t *testing.T) {
	path := filepath.Join(t.TempDir(), "layout.json")
	h := newServiceHarness(t, Options{LayoutFile: path})
	h.toRecipient()
	m := readMap(t, path)
	var found bool
	for _, it := range m.Items {
		if strings.HasPrefix(it.Label, "recipient:") {
			found = true
			tapItem(h, it)
			break
		}
	}
	if !found {
		t.Fatalf("no recipient result in %+v", m.Items)
	}
	h.wantScreen("deposit.size")
	m = readMap(t, path)
	tapItem(h, item(t, m, "size:S"))
	if got := h.w.svc.called(); !strings.Contains(got, "ChooseSize(S)") {
		t.Fatalf("calls %q, want ChooseSize(S)", got)
	}
}

// TestPressedButtonSurvivesRedraw checks that updates keep the buttons:
// Fyne taps only the object that was pressed, so a finger pressing a key
// while search results arrive must find the same key under it when it
// lifts. Screens are built once and changed in place, so nothing is
// replaced; and a directory tile that came to stand for someone else
// between the press and the release drops the tap instead of picking a
// person the finger did not press.
func TestPressedButtonSurvivesRedraw(t *testing.T) {
	h := newServiceHarness(t, Options{Demo: true})
	tappables := func() []fyne.CanvasObject {
		var out []fyne.CanvasObject
		for _, o := range h.objects() {
			if _, ok := o.(fyne.Tappable); ok {
				out = append(out, o)
			}
		}
		return out
	}
	before := tappables()
	h.deposit("P1", locker.SizeS) // a new credential, a door occupied
	h.deposit("P2", locker.SizeM)
	after := tappables()
	for _, o := range before {
		if !slices.Contains(after, o) {
			t.Fatalf("an update replaced the home screen's %T", o)
		}
	}

	h.toRecipient()
	pressed := h.button("R")
	h.keys("a") // results arrive between the press and the release
	h.tapErase()
	if h.button("R") != pressed {
		t.Fatal("search results replaced the pressed key")
	}
	test.Tap(pressed)
	if got := h.u.fields.search.text; got != "arr" {
		t.Fatalf("the key pressed before the results typed %q, want \"arr\"", got)
	}
	h.tapErase()

	tile := h.picture("recipient:" + h.u.search.Items[0].ID)
	was := tile.name
	calls := h.w.svc.called()
	tile.MouseDown(&desktop.MouseEvent{})
	h.keys("t") // "art": the results change under the finger, the tile is reused
	if tile.name == was {
		t.Fatalf("the tile still stands for %s after the results changed", was)
	}
	test.Tap(tile)
	if h.w.svc.called() != calls {
		t.Fatalf("a tile pressed for %s picked someone else: %s", was, h.w.svc.called())
	}
	now := tile.name
	tile.MouseDown(&desktop.MouseEvent{})
	test.Tap(tile)
	if want := "ChooseRecipient(" + strings.TrimPrefix(now, "recipient:") + ")"; !strings.HasSuffix(h.w.svc.called(), want) {
		t.Fatalf("calls %q, want them to end with %s", h.w.svc.called(), want)
	}
}
