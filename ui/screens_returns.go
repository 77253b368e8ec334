package ui

import (
	"context"
	"errors"
	"image/color"
	"maps"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// Returns (issue 15): the resident's "send or return" drop-off, the
// courier's collection on the scan screen, and the returns on the staff
// map.

// ReturnService is the part of the domain service the returns' screens
// call (*locker.Service implements it). A Service without it shows no
// return button and no collection.
type ReturnService interface {
	StartReturn(ctx context.Context) error
	ReturnCode(ctx context.Context, code string) error
	ReturnLabelScan(ctx context.Context, barcode string) error
	ReturnDoesntFit(ctx context.Context) error
	CollectReturns(ctx context.Context, all bool) error
	StaffRetrieveReturn(ctx context.Context, compartmentID, reason string) error
}

// returnSvc returns the service's ReturnService, if it has one.
func (u *UI) returnSvc() (ReturnService, bool) {
	rs, ok := u.svc.(ReturnService)
	return rs, ok
}

// returnCall runs one call of the ReturnService.
func (u *UI) returnCall(fn func(ctx context.Context, rs ReturnService) error) {
	rs, ok := u.returnSvc()
	if !ok {
		return
	}
	u.call(func(ctx context.Context) error { return fn(ctx, rs) })
}

// returnScreenKey names the returns' screen the state shows, or "".
func (u *UI) returnScreenKey() string {
	v := u.view
	switch {
	case v.Flow == locker.FlowReturn && (v.Step == locker.StepUnlocking || v.Step == locker.StepDoorOpen):
		return "return.door"
	case v.Flow == locker.FlowReturn && v.Step == locker.StepReturned:
		return "return.done"
	case v.Flow == locker.FlowReturn:
		return "return.code"
	case v.Flow == locker.FlowDeposit && v.Returns.Collecting:
		return "collect.door"
	}
	return ""
}

// buildReturnScreen builds the returns' screen named key, or returns nil.
func (u *UI) buildReturnScreen(key string) screen {
	switch key {
	case "return.code":
		return u.newReturnCodeScreen()
	case "return.door", "collect.door":
		return u.newDoorScreen(key)
	case "return.done":
		return u.newReturnDoneScreen()
	}
	return nil
}

// makeReturnFields builds the return code's entry box.
func (u *UI) makeReturnFields() {
	u.fields.returnCode = newField(&u.look, u.tr.T("field.return_code"), 64, false, false, 36)
	u.fields.returnCode.onSubmit = func(code string) {
		u.fields.returnCode.clear() // a wrong code is typed again from scratch
		u.returnCall(func(ctx context.Context, rs ReturnService) error { return rs.ReturnCode(ctx, code) })
	}
}

// returnLabel starts the drop-off of the pre-advised return whose label
// barcode is text (the home screen's scan route); a code that is not one,
// or a kiosk without the returns, shows the message fallback.
func (u *UI) returnLabel(text, fallback string) {
	rs, ok := u.returnSvc()
	if !ok {
		u.msg = message{id: fallback}
		u.refresh()
		return
	}
	u.call(func(ctx context.Context) error {
		err := rs.ReturnLabelScan(ctx, text)
		if errors.Is(err, locker.ErrNotFound) {
			fyne.Do(func() {
				u.msg = message{id: fallback}
				u.refresh()
			})
			return nil
		}
		return err
	})
}

// newReturnButton is the home screen's "Send or return" button.
func (u *UI) newReturnButton() *iconButton {
	b := newIconButton("", iconRes(assets.IconDropOff, false), u.touched(func() {
		u.returnCall(func(ctx context.Context, rs ReturnService) error { return rs.StartReturn(ctx) })
	}))
	b.Importance = widget.MediumImportance
	return b
}

// updateReturnButton labels the home screen's return button.
func (u *UI) updateReturnButton(b *iconButton) {
	_, ok := u.returnSvc()
	setButton(&b.Button, u.tr.T("home.return"), widget.MediumImportance, true)
	show(b, ok)
}

// returnCodeScreen asks for the return code; it can be scanned too.
type returnCodeScreen struct {
	u           *UI
	obj         fyne.CanvasObject
	title, body *widget.Label
	kb          *keys
	cancel      *widget.Button
}

func (u *UI) newReturnCodeScreen() *returnCodeScreen {
	s := &returnCodeScreen{u: u, title: heading(""), body: text(""), kb: u.newKeyboard()}
	s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
	top := container.NewVBox(s.title,
		container.NewBorder(nil, nil, icon(&u.look, assets.IconScan, 96, true), nil, s.body), u.fields.returnCode.obj)
	s.obj = container.NewBorder(nil, container.NewHBox(s.cancel), nil, nil, container.New(u.splitFit(0.42), top, s.kb.obj))
	return s
}

func (s *returnCodeScreen) object() fyne.CanvasObject { return s.obj }

func (s *returnCodeScreen) update() {
	u := s.u
	u.focus = u.fields.returnCode
	setText(s.title, u.tr.T("return.title"))
	setText(s.body, u.tr.T("return.body"))
	setButton(s.kb.ok, u.tr.T("btn.ok"), widget.HighImportance, true)
	setButton(s.kb.space, u.tr.T("btn.space"), widget.MediumImportance, true)
	setButton(s.cancel, u.tr.T("btn.cancel"), widget.DangerImportance, true)
}

// returnDoneScreen thanks the resident and shows the receipt QR code.
type returnDoneScreen struct {
	u                 *UI
	obj               fyne.CanvasObject
	title, body, info *widget.Label
	qr                *qrView
	done              *widget.Button
}

func (u *UI) newReturnDoneScreen() *returnDoneScreen {
	s := &returnDoneScreen{u: u, title: heading(""), body: text(""), info: subheading(""), qr: newQRView(&u.look, 320)}
	s.done = u.act(widget.HighImportance, u.svc.Cancel)
	top := container.NewBorder(nil, nil, colouredIcon(&u.look, assets.IconCheck, 96, theme.ColorNameSuccess), nil, s.title)
	left := container.NewVBox(top, s.body, s.info)
	s.obj = container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), container.New(&minWidth{w: 320}, s.done)), nil, nil,
		container.New(u.splitFit(0.55), left, container.NewCenter(s.qr.obj)))
	return s
}

func (s *returnDoneScreen) object() fyne.CanvasObject { return s.obj }

func (s *returnDoneScreen) update() {
	u, r := s.u, s.u.view.Returns
	setText(s.title, u.tr.T("return.done_title", map[string]any{"Door": r.Current.CompartmentID}))
	setText(s.body, u.tr.T("return.done_body"))
	setText(s.info, u.tr.T("return.done_info", map[string]any{"Code": r.Current.Code, "Carrier": r.Current.Carrier}))
	if r.Receipt != "" {
		s.qr.set(r.Receipt)
	}
	setButton(s.done, u.tr.T("btn.done"), widget.HighImportance, true)
}

// collectBar is the courier's "3 parcels to collect" on the scan screen,
// with the two ways to open the doors.
type collectBar struct {
	u        *UI
	obj      fyne.CanvasObject
	count    *widget.Label
	one, all *widget.Button
}

func (u *UI) newCollectBar() *collectBar {
	b := &collectBar{u: u, count: subheading("")}
	b.one = u.button(widget.HighImportance, func() {
		u.returnCall(func(ctx context.Context, rs ReturnService) error { return rs.CollectReturns(ctx, false) })
	})
	b.all = u.button(widget.MediumImportance, func() {
		u.returnCall(func(ctx context.Context, rs ReturnService) error { return rs.CollectReturns(ctx, true) })
	})
	b.obj = container.NewVBox(b.count, container.NewGridWithColumns(2, b.one, b.all))
	return b
}

// shown reports whether the bar offers a collection.
func (b *collectBar) shown() bool { return b.obj.Visible() }

func (b *collectBar) update() {
	u := b.u
	n := u.view.Returns.ToCollect
	_, ok := u.returnSvc()
	show(b.obj, ok && n > 0)
	if !ok || n == 0 {
		return
	}
	setText(b.count, u.tr.T("collect.count", map[string]any{"Count": n}))
	setButton(b.one, u.tr.T("btn.collect_one"), widget.HighImportance, true)
	setButton(b.all, u.tr.T("btn.collect_all"), widget.MediumImportance, true)
}

// stateReturnColors are the map's colours of a door holding a return.
func stateReturnColors() (fill, ink color.Color) {
	return color.NRGBA{R: 0x7e, G: 0x22, B: 0xce, A: 0xff}, colWhite
}

// returnDoors lists the doors holding a return.
func (u *UI) returnDoors() map[string]bool {
	m := map[string]bool{}
	for _, r := range u.view.Returns.InLocker {
		m[r.CompartmentID] = true
	}
	return m
}

// returnAt returns the return in door id, if any.
func (u *UI) returnAt(id string) (locker.Return, bool) {
	for _, r := range u.view.Returns.InLocker {
		if r.CompartmentID == id {
			return r, true
		}
	}
	return locker.Return{}, false
}

// mapReturn is the part of the staff map's door panel for a door holding
// a return: what it is, and retrieving it by hand with a reason.
type mapReturn struct {
	u        *UI
	obj      fyne.CanvasObject
	what     *widget.Label
	retrieve *widget.Button
}

func (u *UI) newMapReturn() *mapReturn {
	m := &mapReturn{u: u, what: text("")}
	m.retrieve = u.button(widget.HighImportance, func() { u.pendingAct = "return"; u.refresh() })
	m.obj = container.NewVBox(m.what, m.retrieve)
	return m
}

// update shows the return in door selected, if any, in place of the
// door's details.
func (m *mapReturn) update(selected string, picking bool, details fyne.CanvasObject) {
	u := m.u
	r, ok := u.returnAt(selected)
	show(m.obj, ok && !picking)
	if !ok {
		return
	}
	details.Hide()
	setText(m.what, u.tr.T("maint.return", map[string]any{"Code": r.Code, "Carrier": r.Carrier,
		"Since": r.DepositedAt.Local().Format("2006-01-02 15:04")}))
	setButton(m.retrieve, u.tr.T("btn.retrieve_return"), widget.HighImportance, true)
}

// stateOf classifies c on this map: a door holding a return has its own
// colour unless its door is open.
func (m *bankMap) stateOf(c locker.Compartment) bankState {
	if st := stateOf(c); st != stateOccupied || !m.returns[c.ID] {
		return st
	}
	return stateReturn
}

// setReturns marks the doors holding a return, redrawing when they changed.
func (m *bankMap) setReturns(doors map[string]bool) {
	if maps.Equal(m.returns, doors) {
		return
	}
	m.returns = doors
	m.Refresh()
}

// returnLegend is the map legend's return colour: shown only while a
// return is in the locker, the legend then taking four columns so that it
// keeps to two rows.
type returnLegend struct {
	u    *UI
	grid *fyne.Container
	item fyne.CanvasObject
	on   bool
}

func (u *UI) newReturnLegend(grid *fyne.Container, item fyne.CanvasObject) *returnLegend {
	item.Hide()
	return &returnLegend{u: u, grid: grid, item: item}
}

func (l *returnLegend) update() {
	on := len(l.u.view.Returns.InLocker) > 0
	if on == l.on {
		return
	}
	l.on = on
	show(l.item, on)
	cols := 3
	if on {
		cols = 4
	}
	l.grid.Layout = layout.NewGridLayoutWithColumns(cols)
	l.grid.Refresh()
}
