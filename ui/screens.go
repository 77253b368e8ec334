package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// screen names the screen the state shows.
func (u *UI) screen() string {
	v := u.view
	switch v.Flow {
	case locker.FlowDeposit:
		switch v.Step {
		case locker.StepScan:
			return "deposit.scan"
		case locker.StepRecipient:
			return "deposit.recipient"
		case locker.StepSize:
			return "deposit.size"
		case locker.StepUnlocking, locker.StepDoorOpen:
			return "deposit.door"
		case locker.StepDeposited:
			return "deposit.done"
		}
	case locker.FlowPickup:
		if v.Step == locker.StepDone {
			return "pickup.done"
		}
		return "pickup.door"
	case locker.FlowMaintenance:
		if v.Step == locker.StepUnlocking || v.Step == locker.StepDoorOpen {
			return "maint.door"
		}
		return "maint.menu"
	}
	switch {
	case u.receipt != nil:
		return "receipt"
	case u.local == localCourier:
		return "courier"
	case u.local == localPickup:
		return "pickup"
	case u.local == localStaff:
		return "staff"
	}
	return "home"
}

// build builds the screen named key, once.
func (u *UI) build(key string) screen {
	switch key {
	case "deposit.scan":
		return u.newScanScreen()
	case "deposit.recipient":
		return u.newRecipientScreen()
	case "deposit.size":
		return u.newSizeScreen()
	case "deposit.door", "pickup.door", "maint.door":
		return u.newDoorScreen(key)
	case "deposit.done":
		return u.newDepositedScreen()
	case "pickup.done":
		return u.newPickupDoneScreen()
	case "maint.menu":
		return u.newMaintScreen()
	case "receipt":
		return u.newReceiptScreen()
	case "courier":
		return u.newCourierScreen()
	case "pickup":
		return u.newPickupScreen()
	case "staff":
		return u.newStaffScreen()
	}
	return u.newHomeScreen()
}

// portrait reports whether the window is higher than wide.
//
// Only a full-screen window follows its shape. A window that is not full
// screen grows when its content needs more room than it has, and a window
// that grew taller than wide would switch to the portrait layouts, need
// more height again and grow without end: it keeps the configured
// orientation.
func (u *UI) portrait() bool {
	s := u.win.Canvas().Size()
	if s.Width == 0 || s.Height == 0 || !u.win.FullScreen() {
		return u.o.Portrait
	}
	return s.Height > s.Width
}

// split returns the two-pane layout for the window's orientation.
func (u *UI) split(ratio float32) fyne.Layout {
	return split{ratio: ratio, look: &u.look}
}

// splitFit is split where, in portrait, the first pane takes only the
// height it needs.
func (u *UI) splitFit(ratio float32) fyne.Layout {
	return split{ratio: ratio, look: &u.look, fitFirst: true}
}

// nav shows a local screen.
func (u *UI) nav(l local) func() {
	return u.touched(func() {
		u.local = l
		u.msg = message{}
		u.resetFields()
		u.staffOnTOTP = false
		u.refresh()
	})
}

// button returns a large button whose label update sets.
func (u *UI) button(imp widget.Importance, tap func()) *widget.Button {
	b := widget.NewButton("", u.touched(tap))
	b.Importance = imp
	return b
}

// act returns a button that calls one service method.
func (u *UI) act(imp widget.Importance, fn func(ctx context.Context) error) *widget.Button {
	return u.button(imp, func() { u.call(fn) })
}

// backButton returns a button to the home screen.
func (u *UI) backButton() *widget.Button {
	return widget.NewButtonWithIcon("", iconRes(assets.IconBack, true), u.touched(u.goHome))
}

// finish ends the visit and keeps the receipt for the receipt screen.
func (u *UI) finish(ctx context.Context) error {
	r, err := u.svc.FinishDeposit(ctx)
	if err == nil {
		fyne.Do(func() {
			u.receipt = &r
			u.refresh()
		})
	}
	return err
}

// homeScreen is the start screen.
type homeScreen struct {
	u          *UI
	obj        fyne.CanvasObject
	welcome    *widget.Label
	drop, pick *tile
	hint       *widget.Label
	staff      *widget.Button
	offline    *banner
	demo       *demoPanel
}

func (u *UI) newHomeScreen() *homeScreen {
	s := &homeScreen{u: u, welcome: heading(""), hint: text("")}
	s.drop = newTile("", "", assets.IconDropOff, false, u.nav(localCourier))
	s.pick = newTile("", "", assets.IconPickUp, true, u.nav(localPickup))
	s.staff = widget.NewButtonWithIcon("", iconRes(assets.IconStaff, true), u.nav(localStaff))
	s.staff.Importance = widget.LowImportance
	s.offline = newBanner(theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, assets.IconWarning)
	hint := container.NewBorder(nil, nil, icon(&u.look, assets.IconScan, 56, true), nil, s.hint)
	bottom := container.NewVBox(s.offline, container.NewBorder(nil, nil, nil, s.staff, hint))
	main := container.NewBorder(s.welcome, bottom, nil, nil, container.New(u.split(0.5), s.drop, s.pick))
	s.demo = u.newDemoPanel()
	s.obj = container.New(u.split(0.68), main, s.demo.obj)
	return s
}

func (s *homeScreen) object() fyne.CanvasObject { return s.obj }

func (s *homeScreen) update() {
	u := s.u
	setText(s.welcome, u.tr.T("home.welcome"))
	s.drop.setText(u.tr.T("home.dropoff"), u.tr.T("home.dropoff_sub"))
	s.pick.setText(u.tr.T("home.pickup"), u.tr.T("home.pickup_sub"))
	setText(s.hint, u.tr.T("home.scan_hint"))
	setButton(s.staff, u.tr.T("btn.staff"), widget.LowImportance, true)
	s.offline.SetText(u.tr.T("home.locks_offline"))
	show(s.offline, !u.view.BoardsOnline && len(u.view.Compartments) > 0)
	s.demo.update(u.o.Demo)
}

// demoPanel shows the newest deposit's PIN and QR (only with Options.Demo).
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
	d.pin = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true, Monospace: true})
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

// courierScreen asks for the badge or the courier code.
type courierScreen struct {
	u           *UI
	obj         fyne.CanvasObject
	title, body *widget.Label
	pad         *keys
	back        *widget.Button
}

func (u *UI) newCourierScreen() *courierScreen {
	s := &courierScreen{u: u, title: heading(""), body: text(""), pad: u.newKeypad(), back: u.backButton()}
	left := container.NewVBox(s.title, s.body, u.fields.courier.obj)
	s.obj = container.NewBorder(nil, container.NewHBox(s.back), nil, nil, container.New(u.splitFit(0.45), left, s.pad.obj))
	return s
}

func (s *courierScreen) object() fyne.CanvasObject { return s.obj }

func (s *courierScreen) update() {
	u := s.u
	u.focus = u.fields.courier
	setText(s.title, u.tr.T("courier.title"))
	setText(s.body, u.tr.T("courier.body"))
	setButton(s.pad.ok, u.tr.T("btn.ok"), widget.HighImportance, true)
	setButton(s.back, u.tr.T("btn.back"), widget.MediumImportance, true)
}

// scanScreen waits for a parcel barcode; it can be typed too.
type scanScreen struct {
	u                  *UI
	obj                fyne.CanvasObject
	title, hello, body *widget.Label
	count              *widget.Label
	kb                 *keys
	cancel, finish     *widget.Button
}

func (u *UI) newScanScreen() *scanScreen {
	s := &scanScreen{u: u, title: heading(""), hello: text(""), body: text(""), count: text(""), kb: u.newKeyboard()}
	s.count.Wrapping = fyne.TextWrapOff
	s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
	s.finish = u.act(widget.HighImportance, u.finish)
	top := container.NewVBox(s.title, s.hello,
		container.NewBorder(nil, nil, icon(&u.look, assets.IconScan, 96, true), nil, s.body), u.fields.barcode.obj)
	buttons := container.NewHBox(s.cancel, layout.NewSpacer(), s.count, s.finish)
	s.obj = container.NewBorder(nil, buttons, nil, nil, container.New(u.splitFit(0.42), top, s.kb.obj))
	return s
}

func (s *scanScreen) object() fyne.CanvasObject { return s.obj }

func (s *scanScreen) update() {
	u, v := s.u, s.u.view
	u.focus = u.fields.barcode
	if len(v.Receipts) > 0 {
		setText(s.title, u.tr.T("scan.title_next"))
	} else {
		setText(s.title, u.tr.T("scan.title"))
	}
	setText(s.hello, u.tr.T("scan.hello", map[string]any{"Name": v.Courier.Name, "Carrier": v.Courier.Carrier}))
	setText(s.body, u.tr.T("scan.body"))
	setButton(s.kb.ok, u.tr.T("btn.ok"), widget.HighImportance, true)
	setButton(s.kb.space, u.tr.T("btn.space"), widget.MediumImportance, true)
	setButton(s.cancel, u.tr.T("btn.cancel"), widget.DangerImportance, true)
	setButton(s.finish, u.tr.T("btn.finish"), widget.HighImportance, true)
	setText(s.count, u.tr.T("scan.count", map[string]any{"Count": len(v.Receipts)}))
	show(s.count, len(v.Receipts) > 0)
	show(s.finish, len(v.Receipts) > 0)
}

// recipientScreen is the directory search with paging buttons. The
// results are a list whose rows (two name-and-unit tiles each) are reused
// as the results change.
type recipientScreen struct {
	u            *UI
	obj          fyne.CanvasObject
	title        *widget.Label
	parcel       *widget.Label
	none         *widget.Label
	page         *widget.Label
	list         *widget.List
	kb           *keys
	cancel       *widget.Button
	prev, next   *widget.Button
	tiles        []*recipientTile // every tile the list has made
	shownResults locker.RecipientPage
}

// recipientTile is one result of the directory search.
type recipientTile struct {
	btn        *picButton
	name, unit *plainText
	obj        fyne.CanvasObject
	index      int // the result it shows, -1 for none
}

// resultRows is the number of rows on a page of results: 8 recipients, two a row.
const resultRows = 4

func (u *UI) newRecipientScreen() *recipientScreen {
	s := &recipientScreen{u: u, title: subheading(""), parcel: text(""), none: text(""), kb: u.newKeyboard()}
	s.page = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
	s.prev = u.button(widget.MediumImportance, func() { u.runSearch(u.query, u.search.Page-1) })
	s.next = u.button(widget.MediumImportance, func() { u.runSearch(u.query, u.search.Page+1) })
	s.list = widget.NewList(
		func() int { return (len(u.search.Items) + 1) / 2 },
		func() fyne.CanvasObject {
			a, b := s.newTile(), s.newTile()
			return container.New(&fixedGrid{look: &u.look, cols: 2, minCell: fyne.NewSize(200, 72)}, a.obj, b.obj)
		},
		func(row widget.ListItemID, o fyne.CanvasObject) {
			objs := o.(*fyne.Container).Objects
			for i, cell := range objs {
				s.bind(s.tileOf(cell), row*2+i)
			}
		})
	s.list.HideSeparators = true
	// A list refreshes its rows' texts, not their look: a new theme (the
	// larger text, a denser screen) reaches the tiles through here.
	u.restylers = append(u.restylers, func(fyne.Theme) {
		for _, t := range s.tiles {
			t.name.Refresh() // the texts first: the tile lays them out by their size
			t.unit.Refresh()
			t.obj.Refresh()
		}
	})
	results := container.New(&sized{look: &u.look, h: resultRows*72 + (resultRows-1)*8}, s.list, s.none)
	pager := container.NewBorder(nil, nil, s.prev, s.next, s.page)
	left := container.NewBorder(u.fields.search.obj, pager, nil, nil, results)
	top := container.NewBorder(nil, nil, nil, s.cancel, s.title)
	s.obj = container.NewBorder(top, nil, nil, nil,
		container.New(u.splitFit(0.5), left, container.NewBorder(s.parcel, nil, nil, nil, s.kb.obj)))
	return s
}

// newTile makes a result tile for the list.
func (s *recipientScreen) newTile() *recipientTile {
	u := s.u
	t := &recipientTile{name: newPlainText(theme.SizeNameText, true), unit: newPlainText(theme.SizeNameCaptionText, false), index: -1}
	t.btn = newPicButton("", nil)
	t.btn.OnTapped = u.touched(func() {
		if t.index < 0 || t.index >= len(u.search.Items) {
			return
		}
		id := u.search.Items[t.index].ID
		u.call(func(ctx context.Context) error { return u.svc.ChooseRecipient(ctx, id) })
	})
	texts := container.New(&nameUnit{oneLine: &u.accessible}, t.name, t.unit)
	t.obj = container.NewStack(t.btn, container.New(&margins{look: &u.look, top: 8, bottom: 8, left: 10, right: 10}, texts))
	s.tiles = append(s.tiles, t)
	return t
}

// tileOf finds the tile whose object is o.
func (s *recipientScreen) tileOf(o fyne.CanvasObject) *recipientTile {
	for _, t := range s.tiles {
		if t.obj == o {
			return t
		}
	}
	return nil
}

// bind shows result i on t (none when i is past the results).
func (s *recipientScreen) bind(t *recipientTile, i int) {
	u := s.u
	items := u.search.Items
	if t == nil {
		return
	}
	t.index = i
	if i >= len(items) {
		t.index = -1
		t.btn.name = ""
		t.obj.Hide()
		return
	}
	t.obj.Show()
	r := items[i]
	t.btn.name = "recipient:" + r.ID
	if u.accessible { // one line each, so a page of the larger text fits
		t.name.SetText(cut(r.Name, 12))
		t.unit.SetText(cut(r.Unit, 8))
		return
	}
	sub := r.Unit
	if r.Accessible {
		sub += " · " + u.tr.T("recipient.accessible")
	}
	t.name.SetText(cut(r.Name, 22))
	t.unit.SetText(cut(sub, 28))
}

// nameUnit lays a recipient's name over the unit, or beside it on one
// line when oneLine is set (the larger text).
type nameUnit struct{ oneLine *bool }

func (l *nameUnit) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	if *l.oneLine {
		return fyne.NewSize(a.Width+theme.Padding()+b.Width, max(a.Height, b.Height))
	}
	return fyne.NewSize(max(a.Width, b.Width), a.Height+b.Height)
}

func (l *nameUnit) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	if *l.oneLine {
		objs[0].Move(fyne.NewPos(0, (s.Height-a.Height)/2))
		objs[0].Resize(a)
		objs[1].Move(fyne.NewPos(a.Width+theme.Padding(), (s.Height-b.Height)/2))
		objs[1].Resize(fyne.NewSize(max(s.Width-a.Width-theme.Padding(), 0), b.Height))
		return
	}
	top := (s.Height - a.Height - b.Height) / 2
	objs[0].Move(fyne.NewPos(0, top))
	objs[0].Resize(fyne.NewSize(s.Width, a.Height))
	objs[1].Move(fyne.NewPos(0, top+a.Height))
	objs[1].Resize(fyne.NewSize(s.Width, b.Height))
}

func (s *recipientScreen) object() fyne.CanvasObject { return s.obj }

func (s *recipientScreen) update() {
	u := s.u
	u.focus = u.fields.search
	p := u.search
	setText(s.title, u.tr.T("recipient.title"))
	setText(s.parcel, u.tr.T("recipient.parcel", map[string]any{"Barcode": u.view.Parcel.Barcode}))
	setText(s.none, u.tr.T("recipient.none"))
	show(s.none, len(p.Items) == 0)
	show(s.list, len(p.Items) > 0)
	pages := 1
	if p.PageSize > 0 && p.Total > 0 {
		pages = (p.Total + p.PageSize - 1) / p.PageSize
	}
	setText(s.page, u.tr.T("page.of", map[string]any{"Page": p.Page + 1, "Pages": pages}))
	setButton(s.prev, u.tr.T("btn.prev"), widget.MediumImportance, p.Page > 0)
	setButton(s.next, u.tr.T("btn.next"), widget.MediumImportance, p.Page+1 < pages)
	setButton(s.cancel, u.tr.T("btn.cancel"), widget.DangerImportance, true)
	setButton(s.kb.ok, u.tr.T("btn.search"), widget.HighImportance, true)
	setButton(s.kb.space, u.tr.T("btn.space"), widget.MediumImportance, true)
	if !sameResults(s.shownResults, p) {
		s.shownResults = p
		s.list.Refresh() // rows are bound to the new results in place
		s.list.ScrollToTop()
	}
}

// sameResults reports whether two pages list the same people.
func sameResults(a, b locker.RecipientPage) bool {
	if a.Page != b.Page || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	return true
}

// sizeScreen is the size picker with drawings, and "add to door".
type sizeScreen struct {
	u           *UI
	obj         fyne.CanvasObject
	title, body *widget.Label
	add, cancel *widget.Button
	cells       []sizeCell
	grid        *flowGrid // two columns in portrait
}

// sizeCell is one size's tile: a button under its name, drawing and
// dimensions, and how many doors of the size are free.
type sizeCell struct {
	z    locker.Size
	obj  fyne.CanvasObject
	btn  *picButton
	free *widget.Label
}

func (u *UI) newSizeScreen() *sizeScreen {
	s := &sizeScreen{u: u, title: heading(""), body: text("")}
	s.add = u.act(widget.HighImportance, u.svc.AddToDoor)
	s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
	var cells []fyne.CanvasObject
	for _, z := range locker.Sizes {
		d := z.Dims()
		btn := newPicButton("size:"+string(z), func() {
			u.call(func(ctx context.Context) error { return u.svc.ChooseSize(ctx, z) })
		})
		btn.OnTapped = u.touched(btn.OnTapped)
		name := widget.NewLabelWithStyle(string(z), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		name.SizeName = theme.SizeNameSubHeadingText
		info := widget.NewLabelWithStyle(fmt.Sprintf("%.0f × %.0f × %.0f cm", float64(d[0])/10, float64(d[1])/10, float64(d[2])/10),
			fyne.TextAlignCenter, fyne.TextStyle{})
		info.SizeName = theme.SizeNameCaptionText
		free := widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
		free.SizeName = theme.SizeNameCaptionText
		card := container.NewBorder(name, container.NewVBox(info, free), nil, nil, newSizeDrawing(z))
		c := sizeCell{z: z, obj: container.NewStack(btn, container.NewPadded(card)), btn: btn, free: free}
		s.cells = append(s.cells, c)
		cells = append(cells, c.obj)
	}
	s.grid = &flowGrid{look: &u.look, minCell: fyne.NewSize(200, 260), maxCols: 5}
	top := container.NewVBox(s.title, s.body, s.add)
	s.obj = container.NewBorder(top, container.NewHBox(s.cancel), nil, nil, container.New(s.grid, cells...))
	return s
}

func (s *sizeScreen) object() fyne.CanvasObject { return s.obj }

func (s *sizeScreen) update() {
	u, v := s.u, s.u.view
	free := map[locker.Size]int{}
	have := map[locker.Size]bool{}
	for _, c := range v.Compartments {
		have[c.Size] = true
		if c.Status == locker.StatusAvailable {
			free[c.Size]++
		}
	}
	for _, c := range s.cells {
		show(c.obj, have[c.z])
		setText(c.free, u.tr.T("size.free", map[string]any{"Count": free[c.z]}))
		if free[c.z] == 0 {
			c.btn.Disable()
		} else {
			c.btn.Enable()
		}
	}
	s.grid.maxCols = 5
	if u.look.portrait {
		s.grid.maxCols = 2
	}
	setText(s.title, u.tr.T("size.title"))
	setText(s.body, u.tr.T("size.body", map[string]any{"Name": v.Recipient.Name, "Unit": v.Recipient.Unit}))
	setButton(s.add, u.tr.T("size.add_to_door", map[string]any{"Door": v.AddToDoor}), widget.HighImportance, true)
	show(s.add, v.AddToDoor != "")
	setButton(s.cancel, u.tr.T("btn.cancel"), widget.DangerImportance, true)
}

// doorScreen is "door A7 is open": the heading, the instruction, the bank
// with the door drawn out, and the ways out of trouble. The deposit, the
// pickup and staff each have one.
type doorScreen struct {
	u                 *UI
	key               string
	obj               fyne.CanvasObject
	title, instr      *widget.Label
	bank              *bankMap
	doesntFit, cancel *widget.Button
	didntOpen         *widget.Button
}

func (u *UI) newDoorScreen(key string) *doorScreen {
	s := &doorScreen{u: u, key: key, title: heading(""), instr: subheading(""), bank: newBankMap(nil, "", nil)}
	s.didntOpen = u.act(widget.MediumImportance, u.svc.DoorDidntOpen)
	var buttons fyne.CanvasObject = container.NewHBox(s.didntOpen)
	if key == "deposit.door" {
		s.doesntFit = u.act(widget.WarningImportance, u.svc.DoesntFit)
		s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
		buttons = container.NewGridWithColumns(3, s.doesntFit, s.didntOpen, s.cancel)
	}
	panel := container.New(u.splitFit(0.5), container.NewVBox(s.title, s.instr), s.bank)
	s.obj = container.NewBorder(nil, buttons, nil, nil, panel)
	return s
}

func (s *doorScreen) object() fyne.CanvasObject { return s.obj }

func (s *doorScreen) update() {
	u, v := s.u, s.u.view
	id := v.Compartment.ID
	if v.Step == locker.StepUnlocking {
		setText(s.title, u.tr.T("door.opening", map[string]any{"Door": id}))
	} else {
		setText(s.title, u.tr.T("door.open", map[string]any{"Door": id}))
	}
	setText(s.instr, s.instruction())
	s.bank.set(v.Compartments, id, "")
	setButton(s.didntOpen, u.tr.T("btn.door_didnt_open"), widget.MediumImportance, true)
	if s.doesntFit != nil {
		setButton(s.doesntFit, u.tr.T("btn.doesnt_fit"), widget.WarningImportance, true)
		setButton(s.cancel, u.tr.T("btn.cancel"), widget.DangerImportance, true)
	}
}

// instruction says what to do at the open door.
func (s *doorScreen) instruction() string {
	u, v := s.u, s.u.view
	switch s.key {
	case "pickup.door":
		instr := u.tr.T("door.take_out")
		if n := len(v.Pickup); n > 1 {
			done := 0
			for _, p := range v.Pickup {
				if p.State == locker.PickupDone || p.State == locker.PickupFailed {
					done++
				}
			}
			instr += "\n" + u.tr.T("pickup.queue", map[string]any{"Done": min(done+1, n), "Total": n})
		}
		return instr
	case "maint.door":
		if n := len(v.Pickup); n > 0 {
			return u.tr.T("door.retrieve", map[string]any{"Count": n})
		}
		return u.tr.T("door.staff_close")
	}
	return u.tr.T("door.put_in")
}

// depositedScreen offers the next parcel or finishing the visit.
type depositedScreen struct {
	u            *UI
	obj          fyne.CanvasObject
	title, body  *widget.Label
	list         *widget.Label
	next, finish *widget.Button
}

func (u *UI) newDepositedScreen() *depositedScreen {
	s := &depositedScreen{u: u, title: heading(""), body: subheading(""), list: text("")}
	s.next = u.act(widget.MediumImportance, u.svc.NextParcel)
	s.finish = u.act(widget.HighImportance, u.finish)
	top := container.NewBorder(nil, nil, colouredIcon(&u.look, assets.IconCheck, 96, theme.ColorNameSuccess), nil, s.title)
	s.obj = container.NewBorder(container.NewVBox(top, s.body), container.NewGridWithColumns(2, s.next, s.finish), nil, nil, s.list)
	return s
}

func (s *depositedScreen) object() fyne.CanvasObject { return s.obj }

func (s *depositedScreen) update() {
	u, v := s.u, s.u.view
	setText(s.title, u.tr.T("deposited.title", map[string]any{"Door": v.Compartment.ID}))
	setText(s.body, u.tr.T("deposited.body"))
	setText(s.list, receiptLines(v.Receipts))
	setButton(s.next, u.tr.T("btn.next_parcel"), widget.MediumImportance, true)
	setButton(s.finish, u.tr.T("btn.finish"), widget.HighImportance, true)
}

// receiptLines lists parcels and their doors, one a line.
func receiptLines(items []locker.ReceiptItem) string {
	var b strings.Builder
	for i, r := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s  →  %s", r.Barcode, r.CompartmentID)
	}
	return b.String()
}

// receiptScreen shows the receipt QR the courier scans as proof.
type receiptScreen struct {
	u                 *UI
	obj               fyne.CanvasObject
	title, body, list *widget.Label
	qr                *qrView
	done              *widget.Button
}

func (u *UI) newReceiptScreen() *receiptScreen {
	s := &receiptScreen{u: u, title: heading(""), body: text(""), list: text(""), qr: newQRView(&u.look, 360)}
	s.done = u.button(widget.HighImportance, u.goHome)
	left := container.NewVBox(s.title, s.body, s.list)
	s.obj = container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), container.New(&minWidth{w: 320}, s.done)), nil, nil,
		container.New(u.splitFit(0.5), left, container.NewCenter(s.qr.obj)))
	return s
}

func (s *receiptScreen) object() fyne.CanvasObject { return s.obj }

func (s *receiptScreen) update() {
	u, r := s.u, s.u.receipt
	setText(s.title, u.tr.T("receipt.title"))
	setText(s.body, u.tr.T("receipt.body", map[string]any{"Count": len(r.Items)}))
	setText(s.list, receiptLines(r.Items))
	s.qr.set(r.Text)
	setButton(s.done, u.tr.T("btn.done"), widget.HighImportance, true)
}

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
	back, back2       *widget.Button
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
	s.demo = u.newDemoPanel()
	s.obj = container.New(u.split(0.72), container.NewStack(s.entry, s.locked), s.demo.obj)
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
	setButton(s.back, u.tr.T("btn.back"), widget.MediumImportance, true)
	setButton(s.back2, u.tr.T("btn.back"), widget.MediumImportance, true)
	s.demo.update(u.o.Demo && !u.accessible) // on home only with the larger text
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
		s.title, s.body, s.failed, container.NewCenter(container.New(&minWidth{w: 360}, s.done)))
	s.obj = container.NewCenter(box)
	return s
}

func (s *pickupDoneScreen) object() fyne.CanvasObject { return s.obj }

func (s *pickupDoneScreen) update() {
	u := s.u
	failed := 0
	for _, p := range u.view.Pickup {
		if p.State == locker.PickupFailed {
			failed++
		}
	}
	setText(s.title, u.tr.T("done.title"))
	setText(s.body, u.tr.T("done.body"))
	s.failed.SetText(u.tr.T("done.failed", map[string]any{"Count": failed}))
	show(s.failed, failed > 0)
	setButton(s.done, u.tr.T("btn.done"), widget.HighImportance, true)
}

// staffScreen asks for the staff PIN and the authenticator code.
type staffScreen struct {
	u              *UI
	obj            fyne.CanvasObject
	title          *widget.Label
	pinBtn, totpBt *widget.Button
	pad            *keys
	back           *widget.Button
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
	setButton(s.back, u.tr.T("btn.back"), widget.MediumImportance, true)
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
