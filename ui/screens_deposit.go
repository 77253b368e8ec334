package ui

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// courierScreen asks for the badge or the courier code.
type courierScreen struct {
	u           *UI
	obj         fyne.CanvasObject
	title, body *widget.Label
	pad         *keys
	back        *iconButton
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
	setButton(&s.back.Button, u.tr.T("btn.back"), widget.MediumImportance, true)
}

// scanScreen waits for a parcel barcode; it can be typed too.
type scanScreen struct {
	u                  *UI
	obj                fyne.CanvasObject
	title, hello, body *widget.Label
	count              *widget.Label
	kb                 *keys
	cancel, finish     *widget.Button
	collect            *collectBar       // returns to collect (screens_returns.go)
	scanRow            fyne.CanvasObject // the scan icon and instruction
}

func (u *UI) newScanScreen() *scanScreen {
	s := &scanScreen{u: u, title: heading(""), hello: text(""), body: text(""), count: text(""), kb: u.newKeyboard()}
	s.count.Wrapping = fyne.TextWrapOff
	s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
	s.finish = u.act(widget.HighImportance, u.finish)
	s.collect = u.newCollectBar()
	s.scanRow = container.NewBorder(nil, nil, icon(&u.look, assets.IconScan, 96, true), nil, s.body)
	top := container.NewVBox(s.title, s.hello, s.collect.obj, s.scanRow, u.fields.barcode.obj)
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
	s.collect.update()
	// With the larger text the collection takes the instruction's room.
	show(s.scanRow, !u.accessible || !s.collect.shown())
}

// recipientScreen is the directory search. The directory is searched,
// never browsed: nobody shows before two characters are typed, at most one
// page of results, names shortened ("Ana G.", see locker.ShortName). The
// results are a list whose rows (two name-and-unit tiles each) are reused
// as the results change.
type recipientScreen struct {
	u            *UI
	obj          fyne.CanvasObject
	title        *widget.Label
	parcel       *widget.Label
	none         *widget.Label // type more, or nobody found
	more         *widget.Label // more match than show
	list         *widget.List
	kb           *keys
	cancel       *widget.Button
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
	s := &recipientScreen{u: u, title: subheading(""), parcel: text(""), none: text(""), more: text(""), kb: u.newKeyboard()}
	s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
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
	left := container.NewBorder(u.fields.search.obj, s.more, nil, nil, results)
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
	if utf8.RuneCountInString(strings.TrimSpace(u.query)) < locker.MinSearchRunes {
		setText(s.none, u.tr.T("recipient.type", map[string]any{"Count": locker.MinSearchRunes}))
		p = locker.RecipientPage{} // results of a longer query erased since
	} else {
		setText(s.none, u.tr.T("recipient.none"))
	}
	show(s.none, len(p.Items) == 0)
	show(s.list, len(p.Items) > 0)
	setText(s.more, u.tr.T("recipient.more", map[string]any{"Count": p.Total, "Shown": len(p.Items)}))
	show(s.more, p.Total > len(p.Items))
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
