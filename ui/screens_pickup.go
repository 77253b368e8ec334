package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// pickupScreen asks for the pickup code, or a QR code at the scanner or
// camera; while the keypad is locked it shows the countdown instead.
type pickupScreen struct {
	u                 *UI
	obj               fyne.CanvasObject
	entry, locked     fyne.CanvasObject
	title, body, hint *widget.Label
	lockTitle         *widget.Label
	camera            *widget.Label
	pad               *keys
	back, back2       *iconButton
	demo              *demoPanel
}

func (u *UI) newPickupScreen() *pickupScreen {
	s := &pickupScreen{u: u, title: heading(""), body: text(""), hint: text(""), lockTitle: heading(""), camera: subheading(""), pad: u.newKeypad()}
	s.back, s.back2 = u.backButton(), u.backButton()
	var qr fyne.CanvasObject
	if u.o.Camera != nil {
		qr = container.NewBorder(s.camera, nil, nil, nil, u.preview)
	} else {
		qr = container.NewBorder(nil, nil, container.NewVBox(icon(&u.look, assets.IconScan, 72, true)), nil, s.hint)
	}
	left := container.NewVBox(s.title, s.body, u.fields.pin.obj)
	// Back sits under the left column so the keypad gets the full height.
	leftCol := container.NewBorder(left, container.NewHBox(s.back), nil, nil, qr)
	s.entry = container.New(u.splitFit(0.5), leftCol, s.pad.obj)
	lock := newBanner(theme.ColorNameError, theme.ColorNameForegroundOnError, assets.IconWarning)
	lock.bind(u.frame.lockLeft)
	s.locked = container.NewBorder(nil, container.NewHBox(s.back2), nil, nil, container.NewVBox(s.lockTitle, lock))
	s.obj = container.NewStack(s.entry, s.locked)
	if u.o.Demo {
		s.demo = u.newDemoPanel()
		s.obj = container.New(u.split(0.72), s.obj, s.demo.obj)
	}
	return s
}

func (s *pickupScreen) object() fyne.CanvasObject { return s.obj }

func (s *pickupScreen) update() {
	u := s.u
	locked := u.view.Locked
	show(s.entry, !locked)
	show(s.locked, locked)
	if !locked {
		u.focus = u.fields.pin
	}
	setText(s.title, u.tr.T("pickup.title"))
	setText(s.lockTitle, u.tr.T("pickup.title"))
	setText(s.body, u.tr.T("pickup.body"))
	setText(s.hint, u.tr.T("pickup.scanner"))
	setText(s.camera, u.tr.T("pickup.camera"))
	setButton(s.pad.ok, u.tr.T("btn.open"), widget.HighImportance, true)
	setButton(&s.back.Button, u.tr.T("btn.back"), widget.MediumImportance, true)
	setButton(&s.back2.Button, u.tr.T("btn.back"), widget.MediumImportance, true)
	if s.demo != nil {
		s.demo.update(!u.accessible) // on home only with the larger text
	}
}

// pickupDoneScreen thanks the recipient.
type pickupDoneScreen struct {
	u           *UI
	obj         fyne.CanvasObject
	title, body *widget.Label
	failed      *banner
	done        *widget.Button
}

func (u *UI) newPickupDoneScreen() *pickupDoneScreen {
	s := &pickupDoneScreen{u: u, title: heading(""), body: text("")}
	s.title.Alignment, s.title.Wrapping = fyne.TextAlignCenter, fyne.TextWrapOff
	s.body.Alignment, s.body.Wrapping = fyne.TextAlignCenter, fyne.TextWrapOff
	s.failed = newBanner(theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, assets.IconWarning)
	s.done = u.act(widget.HighImportance, u.svc.Cancel)
	box := container.NewVBox(container.NewCenter(colouredIcon(&u.look, assets.IconCheck, 160, theme.ColorNameSuccess)),
		s.title, s.body, container.NewCenter(container.New(&minWidth{w: 760}, s.failed)), container.NewCenter(container.New(&minWidth{w: 360}, s.done)))
	s.obj = container.NewCenter(box)
	return s
}

func (s *pickupDoneScreen) object() fyne.CanvasObject { return s.obj }

func (s *pickupDoneScreen) update() {
	u := s.u
	failed, left := 0, ""
	for _, p := range u.view.Pickup {
		switch p.State {
		case locker.PickupFailed:
			failed++
		case locker.PickupLeftInside:
			left = p.CompartmentID
		}
	}
	setText(s.title, u.tr.T("done.title"))
	setText(s.body, u.tr.T("done.body"))
	switch {
	case failed > 0:
		s.failed.SetText(u.tr.T("done.failed", map[string]any{"Count": failed}))
	case left != "":
		s.failed.SetText(u.tr.T("done.left_inside", map[string]any{"Door": left}))
	}
	show(s.failed, failed > 0 || left != "")
	setButton(s.done, u.tr.T("btn.done"), widget.HighImportance, true)
}
