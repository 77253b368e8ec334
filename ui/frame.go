package ui

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// The window is built once (see buildFrame): a header, the screen's body,
// the bars for an error and a notice, and the "are you still there?" card.
// Each screen is a type that builds its widgets the first time it shows and
// changes them in place afterwards (update); the body's content is swapped
// only when the screen itself changes. The look (the density, see fit, and
// the larger text) is the application's theme; a screen, or the header,
// bars and card, is restyled only when it shows in another look than it was
// last drawn in, so showing a screen again costs no restyling. No theme
// override is used: Fyne loads its fonts again for each one (see look).

// screen is one screen of the kiosk.
type screen interface {
	// object is the screen's root, built once.
	object() fyne.CanvasObject
	// update changes the screen's widgets in place to match the UI's
	// state and the last View, and sets UI.focus to its entry box.
	update()
}

// look is how the window is drawn now: its theme (the larger text, the
// density) and its orientation. The UI owns one and makes it the
// application's theme; layouts, keypads and entry boxes keep a pointer to
// it, so a change of density or orientation reaches them without building
// anything again.
type look struct {
	th       touchTheme
	portrait bool
}

// scale is the factor of fixed pixel sizes: 1 as designed, less on a
// screen drawn denser. A nil look is as designed.
func (l *look) scale() float32 {
	if l == nil {
		return 1
	}
	return fixedScale(l.th)
}

// layoutKey is what the density a screen needs depends on.
type layoutKey struct {
	screen, lang                    string
	accessible, msg, notice, warned bool
	size                            fyne.Size
	help                            helpPage // the Help card's page over the screen
}

// shownScreen is a built screen and the look it was last drawn in.
type shownScreen struct {
	screen
	styled touchTheme
	// restylers are the screen's (see UI.restylers), run when the screen
	// is drawn in another look.
	restylers []func(fyne.Theme)
}

// frame is the part of the window around the screens.
type frame struct {
	inner *fyne.Container // background, content, idle card
	// chrome are the header, the bars, the idle card and the Help card,
	// last drawn in the look styled.
	chrome []fyne.CanvasObject
	// chromeStyled is the look each of chrome was last drawn in: a part
	// hidden (the idle card, the Help card) is restyled when it shows.
	chromeStyled []touchTheme
	styled       touchTheme
	bg           *canvas.Rectangle
	slot         *fyne.Container // the screen's object, or a scroll around it
	scroll       *container.Scroll
	errBar       *banner
	notice       *banner
	overlay      *fyne.Container
	shade        *canvas.Rectangle
	card         *canvas.Rectangle
	idleHdr      *widget.Label
	stay         *widget.Button
	hdr          *header
	// idleLeft is the idle card's sentence with its countdown.
	idleLeft binding.String
	// lockLeft is the keypad lockout's sentence with its countdown.
	lockLeft binding.String
	// help is the Help card (help.go), over the screen's body.
	help *helpCard
	// bodyStack holds the screen's body and the Help card over it.
	bodyStack *fyne.Container
}

// header is the bar on every screen: logo, name, accessibility and language.
type header struct {
	obj        fyne.CanvasObject
	name       *lineLabel
	a11y, lang *iconButton
	help       *iconButton
	line       *canvas.Rectangle
}

// buildFrame builds the window's content once.
func (u *UI) buildFrame() {
	f := &u.frame
	f.idleLeft = binding.NewString()
	f.lockLeft = binding.NewString()
	f.bg = canvas.NewRectangle(color.Transparent)
	f.hdr = u.newHeader()
	f.errBar = newBanner(theme.ColorNameError, theme.ColorNameForegroundOnError, assets.IconWarning)
	f.notice = newBanner(theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, assets.IconWarning)
	f.errBar.Hide()
	f.notice.Hide()
	f.slot = container.NewStack()
	f.scroll = container.NewVScroll(nil)
	body := container.New(&margins{look: &u.look, top: 8, bottom: 8, left: 24, right: 24}, f.slot)
	bars := container.NewPadded(container.NewVBox(f.errBar, f.notice))
	// The Help card covers the screen's body only: the header's language,
	// larger-text and Help buttons stay within reach.
	f.help = u.newHelpCard()
	helpBox := container.NewStack(f.help.obj)
	helpBox.Hide()
	f.bodyStack = container.NewStack(body, helpBox)
	content := container.NewBorder(f.hdr.obj, bars, nil, nil, f.bodyStack)
	f.overlay = u.newIdleCard()
	f.overlay.Hide()
	f.chrome = []fyne.CanvasObject{f.hdr.obj, bars, f.overlay, helpBox}
	f.chromeStyled = make([]touchTheme, len(f.chrome))
	for i := range f.chromeStyled {
		f.chromeStyled[i] = u.look.th
	}
	f.inner = container.NewStack(f.bg, content, f.overlay)
	u.win.SetContent(container.New(&settled{}, f.inner))
}

// newHeader builds the header.
func (u *UI) newHeader() *header {
	h := &header{}
	logo := newSVGIcon(iconRes(assets.IconLogo, false), "")
	h.name = newLineLabel(theme.SizeNameSubHeadingText, fyne.TextStyle{Bold: true})
	h.lang = newIconButton("", iconRes(assets.IconLanguage, false), u.touched(func() {
		u.tr.setLang(u.tr.next())
		u.relabelFields()
		u.refresh()
	}))
	h.a11y = newIconButton("", iconRes(assets.IconAccessibility, false), u.touched(func() {
		u.accessible = !u.accessible
		u.refresh()
	}))
	h.help = newIconButton("", theme.HelpIcon(), u.touched(func() {
		if u.help == helpClosed {
			u.setHelp(helpContact)
		} else {
			u.setHelp(helpClosed)
		}
	}))
	bar := container.NewBorder(nil, nil, container.New(&sized{look: &u.look, w: 64, h: 64}, logo), container.NewHBox(h.help, h.a11y, h.lang), h.name)
	h.line = canvas.NewRectangle(color.Transparent)
	h.line.SetMinSize(fyne.NewSize(1, 4))
	h.obj = container.NewVBox(container.New(&margins{look: &u.look, top: 8, bottom: 8, left: 16, right: 16}, bar), h.line)
	return h
}

// newIdleCard builds the card that asks whether the person is still there.
func (u *UI) newIdleCard() *fyne.Container {
	f := &u.frame
	f.shade = canvas.NewRectangle(color.NRGBA{A: 0xb0})
	f.card = canvas.NewRectangle(color.Transparent)
	f.card.CornerRadius = 20
	f.card.StrokeWidth = 4
	f.idleHdr = heading("")
	body := widget.NewLabelWithData(f.idleLeft)
	body.Wrapping = fyne.TextWrapWord
	f.stay = widget.NewButton("", u.touched(func() {}))
	f.stay.Importance = widget.HighImportance
	box := container.NewVBox(f.idleHdr, body, f.stay)
	inner := container.NewStack(f.card, container.New(layout.NewCustomPaddedLayout(32, 32, 32, 32), box))
	return container.NewStack(f.shade, container.NewCenter(container.New(&minWidth{w: 640}, inner)))
}

// refresh brings the window up to date with the UI's state and the last
// View: the screen for the state shows (built the first time), its widgets
// change in place, and it is fitted to the window again only when what
// its density depends on changed.
func (u *UI) refresh() {
	key := u.screen()
	s := u.screens[key]
	if s == nil {
		// The restylers the screen adds while it is built are its own.
		n := len(u.restylers)
		s = &shownScreen{screen: u.build(key), styled: u.look.th}
		s.restylers = slices.Clone(u.restylers[n:])
		u.restylers = u.restylers[:n]
		for _, r := range s.restylers {
			r(&u.look)
		}
		u.screens[key] = s
	}
	u.wantPreview.Store(key == "pickup" && u.o.Camera != nil)
	u.focus = nil
	u.applyTheme()
	s.update()
	u.updateFrame(key)
	swapped := s != u.shown
	if swapped {
		u.shown, u.screenKey = s, key
		u.place(s.object(), false)
	}
	lk := layoutKey{screen: key, lang: u.tr.cur, accessible: u.accessible, msg: u.frame.errBar.Visible(),
		notice: u.frame.notice.Visible(), warned: u.warned, size: u.win.Canvas().Size(), help: u.help}
	if swapped || lk != u.laidOut {
		u.fit(lk)
	} else {
		relayout(u.frame.inner)
	}
	u.writeLayout()
	u.speakScreen()
}

// place puts the screen's object in the body, in a scroll when scroll is set.
func (u *UI) place(o fyne.CanvasObject, scroll bool) {
	f := &u.frame
	var want fyne.CanvasObject = o
	if scroll {
		f.scroll.Content = o
		f.scroll.ScrollToTop()
		want = f.scroll
	}
	if len(f.slot.Objects) == 1 && f.slot.Objects[0] == want {
		return
	}
	f.slot.Objects = []fyne.CanvasObject{want}
	u.scrolls = scroll
}

// fit chooses the density of the screen shown: as designed when it fits
// the window, denser (see touchTheme) up to maxDense when it does not, and
// scrolling if even that is not enough, so nothing is ever cut off. The
// density found is kept for the same screen, language, text size, bars and
// window, so a screen met again starts there and is restyled only if it
// was last drawn at another density.
func (u *UI) fit(key layoutKey) {
	u.laidOut = key
	size := key.size
	u.look.portrait = u.portrait()
	s := u.shown
	d := u.densities[key]
	for {
		u.setDensity(d)
		u.place(s.object(), false)
		u.restyle(s)
		if size.Width <= 0 || size.Height <= 0 {
			return // not shown yet: nothing to measure against
		}
		need := u.frame.inner.MinSize()
		if need.Width <= size.Width+0.5 && need.Height <= size.Height+0.5 {
			u.densities[key] = d
			return
		}
		if d >= maxDense {
			u.densities[key] = d
			u.place(s.object(), true)
			relayout(u.frame.inner)
			return
		}
		// The next level, or straight to the densest when far too big:
		// each try restyles the whole screen.
		if overflow(need, size) > 1/0.92 {
			d = maxDense
		} else {
			d++
		}
	}
}

// overflow is how many times need exceeds size along its worse axis.
func overflow(need, size fyne.Size) float32 {
	return max(need.Width/size.Width, need.Height/size.Height)
}

// setDensity sets the look's density.
func (u *UI) setDensity(d int) {
	u.dense = d
	u.look.th.dense = d
}

// applyTheme turns the larger text on or off in the look. It changes only
// when a person turns the larger text on or off, or staff sign in (staff
// screens keep the standard look so the maintenance tools fit). The look
// is set as the application's theme again so that Fyne drops what it drew
// in the old colours (icons) and the fonts of themes gone.
func (u *UI) applyTheme() {
	acc := u.accessible && u.view.Flow != locker.FlowMaintenance
	if u.look.th.accessible == acc {
		return
	}
	u.look.th.accessible = acc
	u.app.Settings().SetTheme(&u.look)
	u.laidOut = layoutKey{} // fit again
}

// restyle applies the look to the window: the screen s and the header,
// bars and idle card when they were drawn in another look, the entry
// boxes, and the canvas objects coloured from the theme. Nothing is
// restyled when the look did not change.
func (u *UI) restyle(s *shownScreen) {
	f := &u.frame
	th := u.look.th
	f.bg.FillColor = th.Color(theme.ColorNameBackground, 0)
	f.hdr.line.FillColor = th.Color(theme.ColorNamePrimary, 0)
	f.card.FillColor = th.Color(theme.ColorNameOverlayBackground, 0)
	f.card.StrokeColor = th.Color(theme.ColorNamePrimary, 0)
	for _, fd := range u.allFields() {
		fd.render()
	}
	for i, o := range f.chrome {
		if f.chromeStyled[i] != th && o.Visible() {
			f.chromeStyled[i] = th
			restyleTree(o)
		}
	}
	if s.styled != th {
		s.styled = th
		restyleTree(s.object())
		for _, r := range s.restylers {
			r(th)
		}
	}
	for _, r := range u.restylers {
		r(th)
	}
	relayout(f.inner)
}

// allFields lists the entry boxes.
func (u *UI) allFields() []*field {
	f := &u.fields
	return []*field{f.courier, f.barcode, f.search, f.pin, f.staffPIN, f.staffTOTP, f.returnCode}
}

// updateFrame updates the header, the bars and the idle card.
func (u *UI) updateFrame(key string) {
	f := &u.frame
	f.hdr.name.SetText(u.tr.T("app.name"))
	setButton(&f.hdr.lang.Button, u.tr.langName(u.tr.next()), widget.MediumImportance, true)
	imp := widget.MediumImportance
	if u.accessible {
		imp = widget.HighImportance
	}
	setButton(&f.hdr.a11y.Button, u.tr.T("btn.accessible"), imp, true)
	helpImp := widget.MediumImportance
	if u.help != helpClosed {
		helpImp = widget.HighImportance
	}
	setButton(&f.hdr.help.Button, u.tr.T("btn.help"), helpImp, true)
	u.updateHelp()
	m := u.msgText()
	f.errBar.SetText(m)
	show(f.errBar, m != "" && !(key == "pickup" && u.view.Locked))
	n := u.noticeText()
	f.notice.SetText(n)
	show(f.notice, n != "" && (u.view.Flow != locker.FlowIdle || homeNotice(u.view.Notice.Kind)))
	setText(f.idleHdr, u.tr.T("idle.title"))
	setButton(f.stay, u.tr.T("btn.still_here"), widget.HighImportance, true)
	u.countdowns()
	show(f.overlay, u.warned)
}

// countdowns sets the sentences with a countdown (the idle card's and the
// keypad lockout's). A second's tick changes nothing else: each is bound
// to its one label.
func (u *UI) countdowns() {
	now := u.o.Clock.Now()
	if u.warned {
		left := u.o.IdleTimeout - now.Sub(u.lastTouch)
		secs := max(int(math.Ceil(left.Seconds())), 0)
		_ = u.frame.idleLeft.Set(u.tr.T("idle.body", map[string]any{"Count": secs}))
	}
	if u.view.Locked {
		wait := max(u.view.LockedUntil.Sub(now).Round(time.Second), 0)
		m, s := int(wait.Minutes()), int(wait.Seconds())%60
		msg := u.tr.T("pickup.locked", map[string]any{"Time": fmt.Sprintf("%d:%02d", m, s)})
		if wait > time.Hour { // the day's budget of wrong PINs is spent
			msg = u.tr.T("pickup.locked_today")
		}
		_ = u.frame.lockLeft.Set(msg)
	}
}

// restyleTree refreshes the widgets under o, hidden ones too, so that they
// take the look's sizes and colours; relayout then lays them out once.
// Containers are not refreshed: a container's Refresh lays out what it
// holds at every level of the tree, and each new size of an SVG image
// draws it again.
func restyleTree(o fyne.CanvasObject) {
	switch c := o.(type) {
	case *fyne.Container:
		for _, ch := range c.Objects {
			restyleTree(ch)
		}
	case *container.Scroll:
		if c.Content != nil {
			restyleTree(c.Content)
		}
	case fyne.Widget:
		if c.Visible() { // a hidden widget refreshes when it shows
			c.Refresh()
		}
	}
}

// relayout lays out the containers under o again at their sizes, top
// down, after widgets changed in place (a label's text, a part shown or
// hidden). Nothing is built or refreshed.
func relayout(o fyne.CanvasObject) {
	if !o.Visible() {
		return
	}
	switch c := o.(type) {
	case *fyne.Container:
		if c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
		for _, ch := range c.Objects {
			relayout(ch)
		}
	case *container.ThemeOverride:
		if c.Content != nil {
			c.Content.Resize(c.Size())
			relayout(c.Content)
		}
	case *container.Scroll:
		if c.Content != nil {
			relayout(c.Content)
		}
	}
}

// setText sets a label's text when it differs.
func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

// setButton sets a button's label, importance and whether it can be
// tapped, refreshing it only when one of them changed.
func setButton(b *widget.Button, text string, imp widget.Importance, enabled bool) {
	changed := false
	if b.Text != text {
		b.Text, changed = text, true
	}
	if b.Importance != imp {
		b.Importance, changed = imp, true
	}
	if b.Disabled() == enabled {
		if enabled {
			b.Enable()
		} else {
			b.Disable()
		}
		changed = false
	}
	if changed {
		b.Refresh()
	}
}

// show shows or hides o.
func show(o fyne.CanvasObject, on bool) {
	switch {
	case on && !o.Visible():
		o.Show()
	case !on && o.Visible():
		o.Hide()
	}
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

// margins puts fixed space (units at the look's density) around its
// objects, stacked.
type margins struct {
	look                     *look
	top, bottom, left, right float32
}

func (m *margins) MinSize(objs []fyne.CanvasObject) fyne.Size {
	k := m.look.scale()
	var s fyne.Size
	for _, o := range objs {
		if o.Visible() {
			s = s.Max(o.MinSize())
		}
	}
	return s.Add(fyne.NewSize((m.left+m.right)*k, (m.top+m.bottom)*k))
}

func (m *margins) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	k := m.look.scale()
	pos := fyne.NewPos(m.left*k, m.top*k)
	in := s.Subtract(fyne.NewSize((m.left+m.right)*k, (m.top+m.bottom)*k))
	for _, o := range objs {
		o.Move(pos)
		o.Resize(in)
	}
}
