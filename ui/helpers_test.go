package ui

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
)

// objects returns everything that shows in the window: hidden objects
// and what is inside them are left out.
func (h *harness) objects() []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		if k, ok := o.(*padKey); ok {
			o = &k.Button // a keypad key is a button to the tests
		}
		out = append(out, o)
		switch t := o.(type) {
		case *fyne.Container:
			for _, c := range t.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(t).Objects() {
				walk(c)
			}
		}
	}
	walk(h.u.win.Canvas().Content())
	return out
}

// asButton is o as a button: a widget.Button, or an iconButton's.
func asButton(o fyne.CanvasObject) (*widget.Button, bool) {
	switch b := o.(type) {
	case *widget.Button:
		return b, true
	case *iconButton:
		return &b.Button, true
	}
	return nil, false
}

// button finds the visible button labelled label.
func (h *harness) button(label string) *widget.Button {
	h.t.Helper()
	for _, o := range h.objects() {
		if b, ok := asButton(o); ok && b.Text == label && b.Visible() {
			return b
		}
	}
	h.t.Fatalf("no button %q on screen %s; texts: %s", label, h.u.screenKey, h.texts())
	return nil
}

// hasButton reports whether a button labelled label shows.
func (h *harness) hasButton(label string) bool {
	for _, o := range h.objects() {
		if b, ok := asButton(o); ok && b.Text == label {
			return true
		}
	}
	return false
}

// tap taps the button labelled label (or a tile).
func (h *harness) tap(label string) {
	h.t.Helper()
	for _, o := range h.objects() {
		if t, ok := o.(*tile); ok && t.label == label {
			test.Tap(t)
			return
		}
	}
	b := h.button(label)
	if b.Disabled() {
		h.t.Fatalf("button %q is disabled", label)
	}
	test.Tap(b)
}

// keys taps the on-screen keys of s, one by one.
func (h *harness) keys(s string) {
	h.t.Helper()
	for _, r := range s {
		h.tap(strings.ToUpper(string(r)))
	}
}

// texts is every label, rich text and canvas text on screen, joined.
func (h *harness) texts() string {
	var out []string
	for _, o := range h.objects() {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.RichText:
			out = append(out, x.String())
		case *widget.Button:
			out = append(out, "["+x.Text+"]")
		case *iconButton:
			out = append(out, "["+x.Text+"]")
		}
	}
	out = append(out, h.canvasTexts()...)
	return strings.Join(out, " | ")
}

// has reports whether s appears in any text on screen.
func (h *harness) has(s string) bool {
	return strings.Contains(h.texts(), s)
}

// wantScreen fails unless the screen shown is key.
func (h *harness) wantScreen(key string) {
	h.t.Helper()
	if h.u.screenKey != key {
		h.t.Fatalf("screen = %q, want %q; texts: %s", h.u.screenKey, key, h.texts())
	}
}

// wantText fails unless s shows.
func (h *harness) wantText(s string) {
	h.t.Helper()
	if !h.has(s) {
		h.t.Fatalf("%q not on screen %s; texts: %s", s, h.u.screenKey, h.texts())
	}
}

// shot writes the window as a PNG when UI_SCREENSHOTS names a folder.
func (h *harness) shot(name string) {
	h.t.Helper()
	h.fits()
	if !h.hasButton("Español") && !h.hasButton("English") {
		h.t.Errorf("screen %s has no language button", h.u.screenKey)
	}
	if !h.hasButton("Help") && !h.hasButton("Ayuda") {
		h.t.Errorf("screen %s has no Help button", h.u.screenKey)
	}
	// The same screen in Spanish, whose sentences are longer, must fit too.
	cur := h.u.tr.cur
	h.u.tr.setLang("es")
	h.u.relabelFields()
	h.u.refresh()
	h.fits()
	if os.Getenv("UI_SCREENSHOTS") != "" {
		h.write(name + "-es")
	}
	h.u.tr.setLang(cur)
	h.u.relabelFields()
	// And with the larger text of the accessibility mode.
	acc := h.u.accessible
	h.u.accessible = true
	h.u.refresh()
	h.fits()
	if os.Getenv("UI_SCREENSHOTS") != "" {
		h.write(name + "-a11y")
	}
	h.u.accessible = acc
	h.fitsWithBanners()
	h.u.refresh()
	h.write(name)
}

// fitsWithBanners checks the screen with both bars at the bottom showing,
// an error and a notice, each the longest there is, in every language and
// with and without the larger text: the worst a person can meet.
func (h *harness) fitsWithBanners() {
	h.t.Helper()
	lang, acc, msg, notice := h.u.tr.cur, h.u.accessible, h.u.msg, h.u.view.Notice
	defer func() {
		h.u.tr.setLang(lang)
		h.u.relabelFields()
		h.u.accessible, h.u.msg, h.u.view.Notice = acc, msg, notice
	}()
	h.u.msg = message{id: "err.expired"}
	h.u.view.Notice = locker.Notice{Kind: locker.NoticeInterrupted, Compartment: "C12", Size: locker.SizeXL}
	for _, tag := range h.u.tr.langs {
		for _, large := range []bool{false, true} {
			h.u.tr.setLang(tag)
			h.u.relabelFields()
			h.u.accessible = large
			h.u.refresh()
			if min, want := h.u.win.Canvas().Content().MinSize(), h.screenSize(); min.Width > want.Width+0.5 || min.Height > want.Height+0.5 {
				h.t.Errorf("screen %s (%s, larger text %v) with an error and a notice showing needs %v, window is %v",
					h.u.screenKey, tag, large, min, want)
			}
			if h.u.scrolls {
				h.t.Errorf("screen %s (%s, larger text %v) with an error and a notice showing scrolls", h.u.screenKey, tag, large)
			}
			if dir := os.Getenv("UI_BARS_SHOTS"); dir != "" {
				h.writeTo(dir, fmt.Sprintf("%s-%s-large%v-d%d", h.u.screenKey, tag, large, h.u.dense))
			}
			if os.Getenv("UI_DENSITY_LOG") != "" {
				h.t.Logf("density %d: %s (%s, larger text %v, both bars)", h.u.dense, h.u.screenKey, tag, large)
			}
		}
	}
}

// write saves the window as DIR/name.png when UI_SCREENSHOTS names DIR.
func (h *harness) write(name string) {
	h.t.Helper()
	if dir := os.Getenv("UI_SCREENSHOTS"); dir != "" {
		h.writeTo(dir, name)
	}
}

// writeTo saves the window as dir/name.png.
func (h *harness) writeTo(dir, name string) {
	h.t.Helper()
	img := h.u.win.Canvas().Capture()
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		h.t.Fatal(err)
	}
}

// canvasTexts is the text of every canvas.Text on screen.
func (h *harness) canvasTexts() []string {
	var out []string
	for _, o := range h.objects() {
		if t, ok := o.(*canvas.Text); ok {
			out = append(out, t.Text)
		}
	}
	return out
}

// toRecipient signs the courier in on the keypad, scans a parcel that was
// not pre-advised and types "ar" into the directory search: 7 people show,
// Ana G. first.
func (h *harness) toRecipient() {
	h.t.Helper()
	h.tap("Drop off")
	h.keys("471100")
	h.tap("OK")
	h.wantScreen("deposit.scan")
	h.u.HandleScan(Scan{Text: "1Z999AA10123456784", Kind: ScanParcel, Carrier: "UPS"})
	h.wantScreen("deposit.recipient")
	if len(h.u.search.Items) != 0 {
		h.t.Fatalf("the directory lists %d people before anything was typed", len(h.u.search.Items))
	}
	h.keys("ar")
	if n := len(h.u.search.Items); n != 7 {
		h.t.Fatalf("search for ar lists %d people, want 7: %s", n, h.texts())
	}
}

// bankMap returns the bank drawing on screen.
func (h *harness) bankMap() *bankMap {
	h.t.Helper()
	for _, o := range h.objects() {
		if m, ok := o.(*bankMap); ok {
			return m
		}
	}
	h.t.Fatalf("no bank map on screen %s", h.u.screenKey)
	return nil
}

// tapAt taps m at p.
func tapAt(m *bankMap, p fyne.Position) {
	test.TapAt(m, p)
}

// fits fails when the screen needs more room than the window has: the
// test window grows to its content, a full-screen kiosk would clip it.
func (h *harness) fits() {
	h.t.Helper()
	want := h.screenSize()
	min := h.u.win.Canvas().Content().MinSize()
	if min.Width > want.Width+0.5 || min.Height > want.Height+0.5 {
		h.t.Errorf("screen %s needs %v, window is %v", h.u.screenKey, min, want)
	}
}

// screenSize is the smallest kiosk screen of the harness's orientation.
func (h *harness) screenSize() fyne.Size {
	if h.u.o.Portrait {
		return fyne.NewSize(1080, 1920)
	}
	return fyne.NewSize(1280, 800)
}

// tapErase taps the erase key of the keypad or keyboard on screen.
func (h *harness) tapErase() {
	h.t.Helper()
	for _, o := range h.objects() {
		if b, ok := o.(*iconButton); ok && b.Text == "" {
			test.Tap(b)
			return
		}
	}
	h.t.Fatal("no erase key")
}

// hasQR reports whether a QR code image shows.
func (h *harness) hasQR() bool {
	for _, o := range h.objects() {
		if img, ok := o.(*canvas.Image); ok && img.Image != nil && img.ScaleMode == canvas.ImageScalePixels {
			return true
		}
	}
	return false
}

// stillCamera is a CameraPreview with one grey frame.
type stillCamera struct{}

func (stillCamera) Preview() image.Image { return image.NewGray(image.Rect(0, 0, 64, 48)) }

// pick searches the directory for the recipient named name, as a courier
// types it, and taps the tile that shows them (by the short name the
// screen shows, "Ana G.").
func (h *harness) pick(name string) {
	h.t.Helper()
	h.u.fields.search.clear()
	for _, r := range name {
		h.u.personKey(r)
	}
	for _, r := range h.u.search.Items {
		if r.Name == locker.ShortName(name) {
			h.tapPicture("recipient:" + r.ID)
			return
		}
	}
	h.t.Fatalf("%s not listed; texts: %s", name, h.texts())
}

// pictures returns the visible picture buttons whose names start with prefix.
func (h *harness) pictures(prefix string) []*picButton {
	var out []*picButton
	for _, o := range h.objects() {
		if b, ok := o.(*picButton); ok && b.Visible() && b.name != "" && strings.HasPrefix(b.name, prefix) {
			out = append(out, b)
		}
	}
	return out
}

// picture finds the visible picture button named name ("size:S", "recipient:r1").
func (h *harness) picture(name string) *picButton {
	h.t.Helper()
	for _, b := range h.pictures(name) {
		if b.name == name {
			return b
		}
	}
	h.t.Fatalf("no %s on screen %s; texts: %s", name, h.u.screenKey, h.texts())
	return nil
}

// tapPicture taps the picture button named name.
func (h *harness) tapPicture(name string) {
	h.t.Helper()
	b := h.picture(name)
	if b.Disabled() {
		h.t.Fatalf("%s is disabled", name)
	}
	test.Tap(b)
}

// ownTexts is the text of every widget on screen that holds one of its
// own (labels, buttons, banners, tiles), by widget.
func (h *harness) ownTexts() map[fyne.CanvasObject]string {
	out := map[fyne.CanvasObject]string{}
	for _, o := range h.objects() {
		switch x := o.(type) {
		case *widget.Label:
			out[o] = x.Text
		case *widget.Button:
			out[o] = x.Text
		case *iconButton:
			out[o] = x.Text
		case *banner:
			out[o] = x.text
		case *plainText:
			out[o] = x.text
		case *tile:
			out[o] = x.label + "\n" + x.sub
		case *textRows:
			out[o] = x.String()
		}
	}
	return out
}
