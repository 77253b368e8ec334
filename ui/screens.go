package ui

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// render redraws the whole window from the UI's state and the last View.
//
// A screen that needs more room than the window has is drawn again
// denser (see touchTheme), up to maxDense; one that still does not fit
// scrolls, so nothing is ever cut off.
//
// Changing the density re-applies the theme to the whole window, which
// costs far more than a redraw, so a screen drawn again with the same
// layout (same screen, language, text size and bars) starts at the
// density it had.
func (u *UI) render() {
	defer u.writeLayout()
	size := u.win.Canvas().Size()
	u.drawnFor = size
	key := layoutKey{screen: u.screen(), lang: u.tr.cur, accessible: u.accessible,
		msg: u.msgText() != "", notice: u.noticeText() != "", warned: u.warned}
	start := 0
	if key == u.laidOut {
		start = u.dense
	}
	u.laidOut = key
	for d := start; ; d++ {
		u.dense = d
		root := u.draw(false)
		if size.Width <= 0 || size.Height <= 0 {
			return // not shown yet: nothing to measure against
		}
		if need := root.MinSize(); need.Width <= size.Width+0.5 && need.Height <= size.Height+0.5 {
			u.scrolls = false
			return
		}
		if d == maxDense {
			u.draw(true)
			u.scrolls = true
			return
		}
	}
}

// layoutKey is what the density a screen needs depends on.
type layoutKey struct {
	screen, lang                    string
	accessible, msg, notice, warned bool
}

// px is a fixed size in pixels at the current density.
func (u *UI) px(v float32) float32 {
	return v * fixedScale(u.app.Settings().Theme())
}

// draw builds the window's content at u.dense; scroll puts the body in a
// scroll container. It returns the root, laid out.
func (u *UI) draw(scroll bool) fyne.CanvasObject {
	// The accessibility mode is for the public; staff screens keep the
	// standard look so the maintenance tools fit.
	want := touchTheme{accessible: u.accessible && u.view.Flow != locker.FlowMaintenance, dense: u.dense}
	if cur, ok := u.app.Settings().Theme().(touchTheme); !ok || cur != want {
		u.app.Settings().SetTheme(want)
	}
	for _, f := range []*field{u.fields.courier, u.fields.barcode, u.fields.search, u.fields.pin, u.fields.staffPIN, u.fields.staffTOTP} {
		f.render()
	}
	u.kept.next()
	th := u.app.Settings().Theme()
	bg := canvas.NewRectangle(th.Color(theme.ColorNameBackground, 0))
	key := u.screen()
	body := u.body(key)
	u.screenKey = key
	u.wantPreview.Store(key == "pickup" && u.o.Camera != nil)
	var bottom []fyne.CanvasObject
	if m := u.msgText(); m != "" && !(key == "pickup" && u.view.Locked) {
		bottom = append(bottom, banner(m, theme.ColorNameError, theme.ColorNameForegroundOnError, assets.IconWarning))
	}
	if n := u.noticeText(); n != "" && (u.view.Flow != locker.FlowIdle || homeNotice(u.view.Notice.Kind)) {
		bottom = append(bottom, banner(n, theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, assets.IconWarning))
	}
	pad := u.px(24)
	body = container.New(layout.NewCustomPaddedLayout(u.px(8), u.px(8), pad, pad), body)
	if scroll {
		body = container.NewVScroll(body)
	}
	content := container.NewBorder(u.header(), container.NewPadded(container.NewVBox(bottom...)), nil, nil, body)
	objs := []fyne.CanvasObject{bg, content}
	if u.warned {
		objs = append(objs, u.idleOverlay())
	}
	inner := container.NewStack(objs...)
	u.drawn = inner
	root := container.New(&settled{}, inner)
	u.win.SetContent(root)
	// Wrapped labels know their height only once they know their width: a
	// second pass lays them out at their real size.
	root.Refresh()
	return inner
}

// header is the bar on every screen: logo, name, accessibility and language.
func (u *UI) header() fyne.CanvasObject {
	logo := canvas.NewImageFromResource(iconRes(assets.IconLogo, false))
	logo.SetMinSize(fyne.NewSquareSize(u.px(64)))
	logo.FillMode = canvas.ImageFillContain
	name := widget.NewLabelWithStyle(u.tr.T("app.name"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	name.Truncation = fyne.TextTruncateEllipsis
	next := u.tr.next()
	langBtn := widget.NewButtonWithIcon(u.tr.langName(next), iconRes(assets.IconLanguage, true), u.touched(func() {
		u.tr.setLang(next)
		u.relabelFields()
		u.render()
	}))
	a11y := widget.NewButtonWithIcon(u.tr.T("btn.accessible"), iconRes(assets.IconAccessibility, true), u.touched(func() {
		u.accessible = !u.accessible
		u.render()
	}))
	if u.accessible {
		a11y.Importance = widget.HighImportance
	}
	right := container.NewHBox(a11y, langBtn)
	bar := container.NewBorder(nil, nil, logo, right, name)
	th := u.app.Settings().Theme()
	line := canvas.NewRectangle(th.Color(theme.ColorNamePrimary, 0))
	line.SetMinSize(fyne.NewSize(1, 4))
	return container.NewVBox(container.New(layout.NewCustomPaddedLayout(u.px(8), u.px(8), u.px(16), u.px(16)), bar), line)
}

// relabelFields translates the entry boxes' hints after a language change.
func (u *UI) relabelFields() {
	u.fields.courier.hint = u.tr.T("field.code")
	u.fields.barcode.hint = u.tr.T("field.barcode")
	u.fields.search.hint = u.tr.T("field.search")
	u.fields.pin.hint = u.tr.T("field.pin")
	u.fields.staffPIN.hint = u.tr.T("field.staff_pin")
	u.fields.staffTOTP.hint = u.tr.T("field.totp")
}

// idleOverlay asks whether the person is still there.
func (u *UI) idleOverlay() fyne.CanvasObject {
	left := u.o.IdleTimeout - u.o.Clock.Now().Sub(u.lastTouch)
	secs := int(math.Ceil(left.Seconds()))
	if secs < 0 {
		secs = 0
	}
	th := u.app.Settings().Theme()
	shade := canvas.NewRectangle(th.Color(theme.ColorNameShadow, 0))
	shade.FillColor = color.NRGBA{A: 0xb0}
	card := canvas.NewRectangle(th.Color(theme.ColorNameOverlayBackground, 0))
	card.CornerRadius = 20
	card.StrokeColor, card.StrokeWidth = th.Color(theme.ColorNamePrimary, 0), 4
	stay := widget.NewButton(u.tr.T("btn.still_here"), u.touched(func() {}))
	stay.Importance = widget.HighImportance
	box := container.NewVBox(
		heading(u.tr.T("idle.title")),
		text(u.tr.T("idle.body", map[string]any{"Count": secs})),
		stay,
	)
	inner := container.NewStack(card, container.New(layout.NewCustomPaddedLayout(32, 32, 32, 32), box))
	return container.NewStack(shade, container.NewCenter(container.New(&minWidth{w: 640}, inner)))
}

// settled reports no minimum size until it has been laid out once. Wrapped
// labels know their height only once they know their width: before the
// first layout a paragraph claims a line per word, and a window that is not
// full screen would grow to that height and stay there.
type settled struct{ laidOut bool }

func (l *settled) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if !l.laidOut || len(objs) == 0 {
		return fyne.Size{}
	}
	return objs[0].MinSize()
}

func (l *settled) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	if s.Width > 0 && s.Height > 0 {
		l.laidOut = true
	}
	for _, o := range objs {
		o.Resize(s)
		o.Move(fyne.NewPos(0, 0))
	}
}

// minWidth gives its single child at least w units of width.
type minWidth struct{ w float32 }

func (m *minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := objs[0].MinSize()
	return fyne.NewSize(max(s.Width, m.w), s.Height)
}

func (m *minWidth) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	for _, o := range objs {
		o.Resize(s)
		o.Move(fyne.NewPos(0, 0))
	}
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

// body builds the screen named key.
func (u *UI) body(key string) fyne.CanvasObject {
	u.focus = nil
	switch key {
	case "deposit.scan":
		return u.depositScan()
	case "deposit.recipient":
		return u.depositRecipient()
	case "deposit.size":
		return u.depositSize()
	case "deposit.door":
		return u.depositDoor()
	case "deposit.done":
		return u.depositDone()
	case "pickup.done":
		return u.pickupDone()
	case "pickup.door":
		return u.pickupDoor()
	case "maint.door":
		return u.maintDoor()
	case "maint.menu":
		return u.maintMenu()
	case "receipt":
		return u.receiptScreen()
	case "courier":
		return u.courierSignIn()
	case "pickup":
		return u.pickupEntry()
	case "staff":
		return u.staffSignIn()
	}
	return u.home()
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
	return split{ratio: ratio, portrait: u.portrait()}
}

// splitFit is split where, in portrait, the first pane takes only the
// height it needs.
func (u *UI) splitFit(ratio float32) fyne.Layout {
	return split{ratio: ratio, portrait: u.portrait(), fitFirst: true}
}

// nav shows a local screen.
func (u *UI) nav(l local) func() {
	return u.touched(func() {
		u.local = l
		u.msg = message{}
		u.resetFields()
		u.staffOnTOTP = false
		u.render()
	})
}

// button returns a large button; primary ones are filled.
func (u *UI) button(label string, imp widget.Importance, tap func()) *widget.Button {
	id := ""
	if label != "" {
		id = "label:" + label
	}
	return u.buttonID(id, label, imp, tap)
}

// buttonID returns a button that stands for id ("" for none), reusing the
// previous redraw's button of the same id. Fyne taps only the object that
// was pressed: a redraw between a finger's press and its release (search
// results arriving while the person types, a door's state changing) would
// otherwise lose the tap.
func (u *UI) buttonID(id, label string, imp widget.Importance, tap func()) *widget.Button {
	if id == "" {
		b := widget.NewButton(label, u.touched(tap))
		b.Importance = imp
		return b
	}
	for n := 1; ; n++ { // the same label twice on a screen: two ids
		k := fmt.Sprintf("%s#%d", id, n)
		if _, taken := u.kept.now[k]; taken {
			continue
		}
		b, ok := u.kept.last[k].(*widget.Button)
		if !ok || b.Text != label {
			b = widget.NewButton(label, nil)
		}
		b.OnTapped = u.touched(tap)
		b.Importance = imp
		b.Enable() // callers disable it again where it applies
		u.kept.now[k] = b
		return b
	}
}

// tile returns a home-screen tile, the previous redraw's when it has the
// same words (see buttonID).
func (u *UI) tile(label, sub, icon string, accent bool, tap func()) *tile {
	k := "tile:" + label + "\n" + sub + "\n" + icon
	t, ok := u.kept.last[k].(*tile)
	if !ok || t.accent != accent {
		t = newTile(label, sub, icon, accent, nil)
	}
	t.onTap = tap
	u.kept.now[k] = t
	return t
}

// reusable holds what the last redraw built and what the one under way
// has built so far, by id (see buttonID).
type reusable struct {
	last, now map[string]fyne.CanvasObject
}

// next starts a redraw: the buttons just built become the ones to reuse.
func (r *reusable) next() {
	r.last = r.now
	r.now = map[string]fyne.CanvasObject{}
}

// act returns a button that calls one service method.
func (u *UI) act(label string, imp widget.Importance, fn func(ctx context.Context) error) *widget.Button {
	return u.button(label, imp, func() { u.call(fn) })
}

// cancelButton cancels the flow.
func (u *UI) cancelButton() *widget.Button {
	return u.act(u.tr.T("btn.cancel"), widget.DangerImportance, u.svc.Cancel)
}

// backButton returns to the home screen.
func (u *UI) backButton() *widget.Button {
	b := widget.NewButtonWithIcon(u.tr.T("btn.back"), iconRes(assets.IconBack, true), u.touched(u.goHome))
	return b
}

// home is the start screen.
func (u *UI) home() fyne.CanvasObject {
	drop := u.tile(u.tr.T("home.dropoff"), u.tr.T("home.dropoff_sub"), assets.IconDropOff, false, u.nav(localCourier))
	pick := u.tile(u.tr.T("home.pickup"), u.tr.T("home.pickup_sub"), assets.IconPickUp, true, u.nav(localPickup))
	tiles := container.New(u.split(0.5), drop, pick)
	scanIcon := icon(assets.IconScan, u.px(56), true)
	hint := container.NewBorder(nil, nil, scanIcon, nil, text(u.tr.T("home.scan_hint")))
	staff := widget.NewButtonWithIcon(u.tr.T("btn.staff"), iconRes(assets.IconStaff, true), u.nav(localStaff))
	staff.Importance = widget.LowImportance
	bottom := container.NewBorder(nil, nil, nil, staff, hint)
	if !u.view.BoardsOnline && len(u.view.Compartments) > 0 {
		bottom = container.NewVBox(banner(u.tr.T("home.locks_offline"), theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, assets.IconWarning), bottom)
	}
	main := container.NewBorder(heading(u.tr.T("home.welcome")), bottom, nil, nil, tiles)
	if d := u.demoPanel(); d != nil {
		return container.New(u.split(0.68), main, d)
	}
	return main
}

// demoPanel shows the newest deposit's PIN and QR (only with Options.Demo).
func (u *UI) demoPanel() fyne.CanvasObject {
	if !u.o.Demo {
		return nil
	}
	c := u.view.LastCredential
	th := u.app.Settings().Theme()
	card := canvas.NewRectangle(th.Color(theme.ColorNameOverlayBackground, 0))
	card.CornerRadius = 16
	card.StrokeColor, card.StrokeWidth = colAmber, 4
	var box *fyne.Container
	if c.PIN == "" && c.QR == "" {
		box = container.NewVBox(subheading(u.tr.T("demo.title")), text(u.tr.T("demo.empty")))
	} else {
		pin := widget.NewLabelWithStyle(c.PIN, fyne.TextAlignCenter, fyne.TextStyle{Bold: true, Monospace: true})
		pin.SizeName = theme.SizeNameHeadingText
		use := u.button(u.tr.T("demo.use_qr"), widget.MediumImportance, func() {
			u.onScan(Scan{Text: c.QR, Kind: ScanPickupQR, Source: "demo", Symbology: "QR"})
		})
		box = container.NewVBox(subheading(u.tr.T("demo.title")))
		if !u.accessible { // the larger text leaves room for the code only
			box.Add(text(u.tr.T("demo.body")))
		}
		box.Add(pin)
		if !u.accessible {
			box.Add(container.NewCenter(qrObject(c.QR, 170)))
		}
		box.Add(use)
	}
	return container.NewStack(card, container.NewPadded(box))
}

// courierSignIn asks for the badge or the courier code.
func (u *UI) courierSignIn() fyne.CanvasObject {
	f := u.fields.courier
	u.focus = f
	left := container.NewVBox(heading(u.tr.T("courier.title")), text(u.tr.T("courier.body")), f.obj)
	right := keypad(u, f, u.tr.T("btn.ok"))
	return container.NewBorder(nil, container.NewHBox(u.backButton()), nil, nil, container.New(u.splitFit(0.45), left, right))
}

// depositScan waits for a parcel barcode; it can be typed too.
func (u *UI) depositScan() fyne.CanvasObject {
	v := u.view
	f := u.fields.barcode
	u.focus = f
	scan := icon(assets.IconScan, u.px(96), true)
	title := u.tr.T("scan.title")
	if len(v.Receipts) > 0 {
		title = u.tr.T("scan.title_next")
	}
	hello := u.tr.T("scan.hello", map[string]any{"Name": v.Courier.Name, "Carrier": v.Courier.Carrier})
	top := container.NewVBox(heading(title), text(hello),
		container.NewBorder(nil, nil, scan, nil, text(u.tr.T("scan.body"))), f.obj)
	kb := keyboard(u, f, u.tr.T("btn.ok"), u.tr.T("btn.space"))
	buttons := container.NewHBox(u.cancelButton())
	if len(v.Receipts) > 0 {
		buttons.Add(layout.NewSpacer())
		buttons.Add(text(u.tr.T("scan.count", map[string]any{"Count": len(v.Receipts)})))
		buttons.Add(u.finishButton())
	}
	return container.NewBorder(nil, buttons, nil, nil, container.New(u.splitFit(0.42), top, kb))
}

// finishButton ends the visit and keeps the receipt for the receipt screen.
func (u *UI) finishButton() *widget.Button {
	return u.act(u.tr.T("btn.finish"), widget.HighImportance, func(ctx context.Context) error {
		r, err := u.svc.FinishDeposit(ctx)
		if err == nil {
			fyne.Do(func() {
				u.receipt = &r
				u.render()
			})
		}
		return err
	})
}

// depositRecipient is the directory search with paging buttons.
func (u *UI) depositRecipient() fyne.CanvasObject {
	f := u.fields.search
	u.focus = f
	p := u.search
	// Two columns of name-and-unit tiles, so a page of 8 fits 1280x800
	// with every tile higher than 60 px.
	th := u.app.Settings().Theme()
	var tiles []fyne.CanvasObject
	u.recipientButtons = map[string]*widget.Button{}
	for _, r := range p.Items {
		b := u.buttonID("recipient:"+r.ID, "", widget.MediumImportance, func() {
			u.call(func(ctx context.Context) error { return u.svc.ChooseRecipient(ctx, r.ID) })
		})
		u.recipientButtons[r.ID] = b
		name := canvas.NewText(cut(r.Name, 22), th.Color(theme.ColorNameForeground, 0))
		name.TextStyle.Bold = true
		name.TextSize = th.Size(theme.SizeNameText)
		sub := r.Unit
		if r.Accessible {
			sub += " · " + u.tr.T("recipient.accessible")
		}
		unit := canvas.NewText(cut(sub, 28), th.Color(theme.ColorNameForeground, 0))
		unit.TextSize = th.Size(theme.SizeNameCaptionText)
		var lines fyne.CanvasObject = container.NewVBox(name, unit)
		if u.accessible { // one line each, so a page of the larger text fits
			name.Text = cut(r.Name, 12)
			unit.Text = cut(r.Unit, 8)
			lines = container.NewHBox(name, container.NewCenter(unit))
		}
		tiles = append(tiles, container.NewStack(b, container.New(layout.NewCustomPaddedLayout(u.px(8), u.px(8), u.px(10), u.px(10)), lines)))
	}
	var list fyne.CanvasObject = container.New(&fixedGrid{cols: 2, minCell: fyne.NewSize(u.px(200), u.px(72))}, tiles...)
	if len(p.Items) == 0 {
		list = text(u.tr.T("recipient.none"))
	}
	list = container.NewVBox(list)
	pages := 1
	if p.PageSize > 0 && p.Total > 0 {
		pages = (p.Total + p.PageSize - 1) / p.PageSize
	}
	prev := u.button(u.tr.T("btn.prev"), widget.MediumImportance, func() { u.runSearch(u.query, p.Page-1) })
	next := u.button(u.tr.T("btn.next"), widget.MediumImportance, func() { u.runSearch(u.query, p.Page+1) })
	if p.Page <= 0 {
		prev.Disable()
	}
	if p.Page+1 >= pages {
		next.Disable()
	}
	pager := container.NewBorder(nil, nil, prev, next,
		widget.NewLabelWithStyle(u.tr.T("page.of", map[string]any{"Page": p.Page + 1, "Pages": pages}), fyne.TextAlignCenter, fyne.TextStyle{}))
	left := container.NewBorder(f.obj, pager, nil, nil, list)
	kb := keyboard(u, f, u.tr.T("btn.search"), u.tr.T("btn.space"))
	parcel := text(u.tr.T("recipient.parcel", map[string]any{"Barcode": u.view.Parcel.Barcode}))
	top := container.NewBorder(nil, nil, nil, u.cancelButton(), subheading(u.tr.T("recipient.title")))
	return container.NewBorder(top, nil, nil, nil,
		container.New(u.splitFit(0.5), left, container.NewBorder(parcel, nil, nil, nil, kb)))
}

// depositSize is the size picker with drawings, and "add to door".
func (u *UI) depositSize() fyne.CanvasObject {
	v := u.view
	free := map[locker.Size]int{}
	have := map[locker.Size]bool{}
	for _, c := range v.Compartments {
		have[c.Size] = true
		if c.Status == locker.StatusAvailable {
			free[c.Size]++
		}
	}
	var tiles []fyne.CanvasObject
	u.sizeButtons = map[locker.Size]*widget.Button{}
	for _, z := range locker.Sizes {
		if !have[z] {
			continue
		}
		d := z.Dims()
		dims := fmt.Sprintf("%.0f × %.0f × %.0f cm", float64(d[0])/10, float64(d[1])/10, float64(d[2])/10)
		b := u.buttonID("size:"+string(z), "", widget.MediumImportance, func() {
			u.call(func(ctx context.Context) error { return u.svc.ChooseSize(ctx, z) })
		})
		if free[z] == 0 {
			b.Disable()
		}
		u.sizeButtons[z] = b
		name := widget.NewLabelWithStyle(string(z), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		name.SizeName = theme.SizeNameSubHeadingText
		info := widget.NewLabelWithStyle(dims, fyne.TextAlignCenter, fyne.TextStyle{})
		info.SizeName = theme.SizeNameCaptionText
		left := widget.NewLabelWithStyle(u.tr.T("size.free", map[string]any{"Count": free[z]}), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
		left.SizeName = theme.SizeNameCaptionText
		card := container.NewBorder(name, container.NewVBox(info, left), nil, nil, newSizeDrawing(z))
		tiles = append(tiles, container.NewStack(b, container.NewPadded(card)))
	}
	maxCols := 5
	if u.portrait() {
		maxCols = 2
	}
	grid := container.New(&flowGrid{minCell: fyne.NewSize(u.px(200), u.px(260)), maxCols: maxCols}, tiles...)
	top := container.NewVBox(heading(u.tr.T("size.title")),
		text(u.tr.T("size.body", map[string]any{"Name": v.Recipient.Name, "Unit": v.Recipient.Unit})))
	if v.AddToDoor != "" {
		add := u.act(u.tr.T("size.add_to_door", map[string]any{"Door": v.AddToDoor}), widget.HighImportance, u.svc.AddToDoor)
		top.Add(add)
	}
	return container.NewBorder(top, container.NewHBox(u.cancelButton()), nil, nil, grid)
}

// doorPanel is the "door A7 is open" heading, instruction and drawing.
func (u *UI) doorPanel(instruction string) fyne.CanvasObject {
	v := u.view
	id := v.Compartment.ID
	title := u.tr.T("door.open", map[string]any{"Door": id})
	if v.Step == locker.StepUnlocking {
		title = u.tr.T("door.opening", map[string]any{"Door": id})
	}
	big := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	big.SizeName = theme.SizeNameHeadingText
	big.Wrapping = fyne.TextWrapWord
	info := container.NewVBox(big, subheading(instruction))
	return container.New(u.splitFit(0.5), info, newBankMap(v.Compartments, id, nil))
}

// depositDoor shows the open door and the ways out of trouble.
func (u *UI) depositDoor() fyne.CanvasObject {
	buttons := container.NewGridWithColumns(3,
		u.act(u.tr.T("btn.doesnt_fit"), widget.WarningImportance, u.svc.DoesntFit),
		u.act(u.tr.T("btn.door_didnt_open"), widget.MediumImportance, u.svc.DoorDidntOpen),
		u.cancelButton())
	return container.NewBorder(nil, buttons, nil, nil, u.doorPanel(u.tr.T("door.put_in")))
}

// depositDone offers the next parcel or finishing the visit.
func (u *UI) depositDone() fyne.CanvasObject {
	v := u.view
	list := container.NewVBox()
	for _, r := range v.Receipts {
		list.Add(text(fmt.Sprintf("%s  →  %s", r.Barcode, r.CompartmentID)))
	}
	check := colouredIcon(assets.IconCheck, u.px(96), theme.ColorNameSuccess)
	top := container.NewBorder(nil, nil, check, nil,
		heading(u.tr.T("deposited.title", map[string]any{"Door": v.Compartment.ID})))
	buttons := container.NewGridWithColumns(2,
		u.act(u.tr.T("btn.next_parcel"), widget.MediumImportance, u.svc.NextParcel),
		u.finishButton())
	return container.NewBorder(container.NewVBox(top, subheading(u.tr.T("deposited.body"))), buttons, nil, nil, list)
}

// receiptScreen shows the receipt QR the courier scans as proof.
func (u *UI) receiptScreen() fyne.CanvasObject {
	r := u.receipt
	list := container.NewVBox()
	for _, it := range r.Items {
		list.Add(text(fmt.Sprintf("%s  →  %s", it.Barcode, it.CompartmentID)))
	}
	left := container.NewVBox(heading(u.tr.T("receipt.title")), text(u.tr.T("receipt.body", map[string]any{"Count": len(r.Items)})), list)
	done := u.button(u.tr.T("btn.done"), widget.HighImportance, u.goHome)
	return container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), container.New(&minWidth{w: 320}, done)), nil, nil,
		container.New(u.splitFit(0.5), left, container.NewCenter(qrObject(r.Text, 360))))
}

// pickupEntry asks for the pickup code, or a QR code at the camera.
func (u *UI) pickupEntry() fyne.CanvasObject {
	v := u.view
	f := u.fields.pin
	var left, right fyne.CanvasObject
	if v.Locked {
		wait := v.LockedUntil.Sub(u.o.Clock.Now()).Round(time.Second)
		if wait < 0 {
			wait = 0
		}
		m, s := int(wait.Minutes()), int(wait.Seconds())%60
		msg := u.tr.T("pickup.locked", map[string]any{"Time": fmt.Sprintf("%d:%02d", m, s)})
		if wait > time.Hour { // the day's budget of wrong PINs is spent
			msg = u.tr.T("pickup.locked_today")
		}
		locked := container.NewVBox(heading(u.tr.T("pickup.title")),
			banner(msg,
				theme.ColorNameError, theme.ColorNameForegroundOnError, assets.IconWarning))
		var body fyne.CanvasObject = locked
		if d := u.demoPanel(); d != nil && !u.accessible {
			body = container.New(u.split(0.72), locked, d)
		}
		return container.NewBorder(nil, container.NewHBox(u.backButton()), nil, nil, body)
	}
	u.focus = f
	left = container.NewVBox(heading(u.tr.T("pickup.title")), text(u.tr.T("pickup.body")), f.obj)
	right = keypad(u, f, u.tr.T("btn.open"))
	var qr fyne.CanvasObject
	if u.o.Camera != nil {
		qr = container.NewBorder(subheading(u.tr.T("pickup.camera")), nil, nil, nil, u.preview)
	} else {
		qr = container.NewBorder(nil, nil, container.NewVBox(icon(assets.IconScan, u.px(72), true)), nil, text(u.tr.T("pickup.scanner")))
	}
	// Back sits under the left column so the keypad gets the full height.
	leftCol := container.NewBorder(left, container.NewHBox(u.backButton()), nil, nil, qr)
	main := container.New(u.splitFit(0.5), leftCol, right)
	if d := u.demoPanel(); d != nil && !u.accessible { // on home only with the larger text
		return container.New(u.split(0.72), main, d)
	}
	return main
}

// pickupDoor shows the open door; more doors of the queue are listed.
func (u *UI) pickupDoor() fyne.CanvasObject {
	v := u.view
	instr := u.tr.T("door.take_out")
	if n := len(v.Pickup); n > 1 {
		done := 0
		for _, p := range v.Pickup {
			if p.State == locker.PickupDone || p.State == locker.PickupFailed {
				done++
			}
		}
		instr += "\n" + u.tr.T("pickup.queue", map[string]any{"Done": done + 1, "Total": n})
	}
	buttons := container.NewHBox(u.act(u.tr.T("btn.door_didnt_open"), widget.MediumImportance, u.svc.DoorDidntOpen))
	return container.NewBorder(nil, buttons, nil, nil, u.doorPanel(instr))
}

// pickupDone thanks the recipient.
func (u *UI) pickupDone() fyne.CanvasObject {
	check := colouredIcon(assets.IconCheck, u.px(160), theme.ColorNameSuccess)
	failed := 0
	for _, p := range u.view.Pickup {
		if p.State == locker.PickupFailed {
			failed++
		}
	}
	title := heading(u.tr.T("done.title"))
	title.Alignment, title.Wrapping = fyne.TextAlignCenter, fyne.TextWrapOff
	body := text(u.tr.T("done.body"))
	body.Alignment, body.Wrapping = fyne.TextAlignCenter, fyne.TextWrapOff
	box := container.NewVBox(container.NewCenter(check), title, body)
	if failed > 0 {
		box.Add(banner(u.tr.T("done.failed", map[string]any{"Count": failed}), theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, assets.IconWarning))
	}
	box.Add(container.NewCenter(container.New(&minWidth{w: 360}, u.act(u.tr.T("btn.done"), widget.HighImportance, u.svc.Cancel))))
	return container.NewCenter(box)
}

// staffSignIn asks for the staff PIN and the authenticator code.
func (u *UI) staffSignIn() fyne.CanvasObject {
	f := u.fields.staffPIN
	if u.staffOnTOTP {
		f = u.fields.staffTOTP
	}
	u.focus = f
	pinBtn := u.button(u.tr.T("staff.pin"), widget.LowImportance, func() { u.staffOnTOTP = false; u.render() })
	totpBtn := u.button(u.tr.T("staff.totp"), widget.LowImportance, func() { u.staffOnTOTP = true; u.render() })
	if u.staffOnTOTP {
		totpBtn.Importance = widget.HighImportance
	} else {
		pinBtn.Importance = widget.HighImportance
	}
	left := container.NewVBox(heading(u.tr.T("staff.title")),
		pinBtn, u.fields.staffPIN.obj, totpBtn, u.fields.staffTOTP.obj)
	return container.NewBorder(nil, container.NewHBox(u.backButton()), nil, nil,
		container.New(u.splitFit(0.45), left, keypad(u, f, u.tr.T("btn.ok"))))
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
