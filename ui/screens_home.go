package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// homeScreen is the start screen.
type homeScreen struct {
	u          *UI
	obj        fyne.CanvasObject
	welcome    *widget.Label
	drop, pick *tile
	hint       *widget.Label
	staff      *iconButton
	ret        *iconButton // "Send or return" (screens_returns.go)
	offline    *banner
	demo       *demoPanel
}

func (u *UI) newHomeScreen() *homeScreen {
	s := &homeScreen{u: u, welcome: heading(""), hint: text("")}
	s.drop = newTile("", "", assets.IconDropOff, false, u.nav(localCourier))
	s.pick = newTile("", "", assets.IconPickUp, true, u.nav(localPickup))
	s.staff = newIconButton("", iconRes(assets.IconStaff, false), u.nav(localStaff))
	s.staff.Importance = widget.LowImportance
	s.offline = newBanner(theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, assets.IconWarning)
	hint := container.NewBorder(nil, nil, icon(&u.look, assets.IconScan, 56, true), nil, s.hint)
	s.ret = u.newReturnButton()
	bottom := container.NewVBox(s.ret, s.offline, container.NewBorder(nil, nil, nil, s.staff, hint))
	main := container.NewBorder(s.welcome, bottom, nil, nil, container.New(u.split(0.5), s.drop, s.pick))
	s.obj = main
	if u.o.Demo { // a deployed kiosk never builds (nor measures) the panel
		s.demo = u.newDemoPanel()
		s.obj = container.New(u.split(0.68), main, s.demo.obj)
	}
	return s
}

func (s *homeScreen) object() fyne.CanvasObject { return s.obj }

func (s *homeScreen) update() {
	u := s.u
	setText(s.welcome, u.tr.T("home.welcome"))
	s.drop.setText(u.tr.T("home.dropoff"), u.tr.T("home.dropoff_sub"))
	s.pick.setText(u.tr.T("home.pickup"), u.tr.T("home.pickup_sub"))
	setText(s.hint, u.tr.T("home.scan_hint"))
	setButton(&s.staff.Button, u.tr.T("btn.staff"), widget.LowImportance, true)
	u.updateReturnButton(s.ret)
	s.offline.SetText(u.tr.T("home.locks_offline"))
	show(s.offline, !u.view.BoardsOnline && len(u.view.Compartments) > 0)
	if s.demo != nil {
		s.demo.update(true)
	}
}

// demoPanel shows the newest deposit's PIN and QR. Only a demo
// (Options.Demo) builds one: a deployed kiosk would otherwise lay out the
// hidden panel and load a font face for its PIN (about 2.6 MB of parsed
// faces) that it never shows.
type demoPanel struct {
	u           *UI
	obj         fyne.CanvasObject
	title, body *widget.Label
	pin         *widget.Label
	qr          *qrView
	use         *widget.Button
}

func (u *UI) newDemoPanel() *demoPanel {
	d := &demoPanel{u: u, title: subheading(""), body: text("")}
	card := canvas.NewRectangle(colWhite)
	card.CornerRadius = 16
	card.StrokeColor, card.StrokeWidth = colAmber, 4
	u.restylers = append(u.restylers, func(th fyne.Theme) {
		card.FillColor = th.Color(theme.ColorNameOverlayBackground, 0)
	})
	d.pin = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}) // the bold face's digits are all one width
	d.pin.SizeName = theme.SizeNameHeadingText
	d.qr = newQRView(&u.look, 170)
	d.use = u.button(widget.MediumImportance, func() {
		u.onScan(Scan{Text: u.view.LastCredential.QR, Kind: ScanPickupQR, Source: "demo", Symbology: "QR"})
	})
	box := container.NewVBox(d.title, d.body, d.pin, container.NewCenter(d.qr.obj), d.use)
	// The card's border is 4 units wide: the content keeps clear of it.
	d.obj = container.NewStack(card, container.New(&margins{look: &u.look, top: 12, bottom: 14, left: 14, right: 14}, box))
	return d
}

// update shows the panel when on is set.
func (d *demoPanel) update(on bool) {
	show(d.obj, on)
	if !on {
		return
	}
	u := d.u
	c := u.view.LastCredential
	empty := c.PIN == "" && c.QR == ""
	setText(d.title, u.tr.T("demo.title"))
	if empty {
		setText(d.body, u.tr.T("demo.empty"))
	} else {
		setText(d.body, u.tr.T("demo.body"))
	}
	show(d.body, empty || !u.accessible) // the larger text leaves room for the code only
	setText(d.pin, c.PIN)
	show(d.pin, !empty)
	if !empty {
		d.qr.set(c.QR)
	}
	show(d.qr.obj, !empty && !u.accessible)
	setButton(d.use, u.tr.T("demo.use_qr"), widget.MediumImportance, true)
	show(d.use, !empty)
}

// noticeText translates the View's notice.
func (u *UI) noticeText() string {
	n := u.view.Notice
	if n.Kind == locker.NoticeNone {
		return ""
	}
	s := u.tr.T("notice."+string(n.Kind), map[string]any{"Door": n.Compartment, "Failed": n.Failed, "Size": string(n.Size), "Count": n.Count})
	if s == "notice."+string(n.Kind) {
		return n.Text
	}
	return s
}

// cut shortens s to at most n runes, with an ellipsis.
func cut(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

// homeNotice reports whether a notice of kind k matters on the home
// screen too (it concerns the whole kiosk, not one flow).
func homeNotice(k locker.NoticeKind) bool {
	return k == locker.NoticeStoreDown || k == locker.NoticeInterrupted || k == locker.NoticeBusError ||
		k == locker.NoticeParcelKept || k == locker.NoticeDoorTimeout
}
