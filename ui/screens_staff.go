package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// staffScreen asks for the staff PIN and the authenticator code.
type staffScreen struct {
	u              *UI
	obj            fyne.CanvasObject
	title          *widget.Label
	pinBtn, totpBt *widget.Button
	pad            *keys
	back           *iconButton
}

func (u *UI) newStaffScreen() *staffScreen {
	s := &staffScreen{u: u, title: heading(""), pad: u.newKeypad(), back: u.backButton()}
	s.pinBtn = u.button(widget.LowImportance, func() { u.staffOnTOTP = false; u.refresh() })
	s.totpBt = u.button(widget.LowImportance, func() { u.staffOnTOTP = true; u.refresh() })
	left := container.NewVBox(s.title, s.pinBtn, u.fields.staffPIN.obj, s.totpBt, u.fields.staffTOTP.obj)
	s.obj = container.NewBorder(nil, container.NewHBox(s.back), nil, nil, container.New(u.splitFit(0.45), left, s.pad.obj))
	return s
}

func (s *staffScreen) object() fyne.CanvasObject { return s.obj }

func (s *staffScreen) update() {
	u := s.u
	u.focus = u.fields.staffPIN
	pinImp, totpImp := widget.HighImportance, widget.LowImportance
	if u.staffOnTOTP {
		u.focus = u.fields.staffTOTP
		pinImp, totpImp = totpImp, pinImp
	}
	setText(s.title, u.tr.T("staff.title"))
	setButton(s.pinBtn, u.tr.T("staff.pin"), pinImp, true)
	setButton(s.totpBt, u.tr.T("staff.totp"), totpImp, true)
	setButton(s.pad.ok, u.tr.T("btn.ok"), widget.HighImportance, true)
	setButton(&s.back.Button, u.tr.T("btn.back"), widget.MediumImportance, true)
}
