package ui

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
)

// reasons returns what a staff member picks from when opening a door or
// taking one out of service; the audit log keeps the English word.
func reasons() []string {
	return []string{"cleaning", "inspection", "stuck_parcel", "repair", "other"}
}

// maintScreen is the maintenance screen: tabs for the bank map, expired
// parcels, the audit log, diagnostics and the authenticator. Each tab's
// panel is built once; the tabs show and hide them.
type maintScreen struct {
	u       *UI
	obj     fyne.CanvasObject
	title   *widget.Label
	tabs    []*widget.Button
	signOut *widget.Button
	panels  []maintPanel
}

// maintPanel is one tab's content.
type maintPanel interface {
	object() fyne.CanvasObject
	update()
}

// maintTabs are the tabs in order, with their message ids.
var maintTabs = []struct {
	tab maintTab
	id  string
}{
	{tabMap, "maint.map"}, {tabExpired, "maint.expired"}, {tabAudit, "maint.audit"}, {tabDiag, "maint.diag"}, {tabTOTP, "maint.totp"},
}

func (u *UI) newMaintScreen() *maintScreen {
	s := &maintScreen{u: u, title: subheading("")}
	s.title.Wrapping = fyne.TextWrapOff
	tabs := container.New(&fixedGrid{look: &u.look, cols: 3, minCell: fyne.NewSize(150, 60)})
	for _, t := range maintTabs {
		b := u.button(widget.MediumImportance, func() {
			u.tab = t.tab
			u.msg = message{}
			switch t.tab {
			case tabAudit:
				u.loadAudit(-1)
			case tabDiag:
				u.loadDiag()
			}
			u.refresh()
		})
		s.tabs = append(s.tabs, b)
		tabs.Add(b)
	}
	s.signOut = u.act(widget.DangerImportance, u.svc.SignOut)
	tabs.Add(s.signOut)
	s.panels = []maintPanel{u.newMapPanel(), u.newExpiredPanel(), u.newAuditPanel(), u.newDiagPanel(), u.newTOTPPanel()}
	body := container.NewStack()
	for _, p := range s.panels {
		body.Add(p.object())
	}
	// The title beside the tabs; above them in portrait.
	top := container.New(split{ratio: 0, look: &u.look, fitFirst: true}, s.title, tabs)
	s.obj = container.NewBorder(top, nil, nil, nil, body)
	return s
}

func (s *maintScreen) object() fyne.CanvasObject { return s.obj }

func (s *maintScreen) update() {
	u, v := s.u, s.u.view
	setText(s.title, u.tr.T("maint.title", map[string]any{"Name": cut(v.Staff.Name, 24)}))
	for i, t := range maintTabs {
		imp := widget.MediumImportance
		if u.tab == t.tab {
			imp = widget.HighImportance
		}
		setButton(s.tabs[i], u.tr.T(t.id, map[string]any{"Count": v.ExpiredCount}), imp, true)
	}
	setButton(s.signOut, u.tr.T("btn.sign_out"), widget.DangerImportance, true)
	for i, p := range s.panels {
		on := maintTabs[i].tab == u.tab
		show(p.object(), on)
		if on {
			p.update()
		}
	}
}

// yesNo is "Yes" or "No" in the current language.
func (u *UI) yesNo(b bool) string {
	if b {
		return u.tr.T("word.yes")
	}
	return u.tr.T("word.no")
}

// pager is the "Previous  Page 2 of 6  Next" bar of a paged list.
type pager struct {
	obj        fyne.CanvasObject
	prev, next *widget.Button
	label      *widget.Label
}

func (u *UI) newPager(load func(page int), page func() int) *pager {
	p := &pager{label: widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})}
	p.prev = u.button(widget.MediumImportance, func() { load(page() - 1) })
	p.next = u.button(widget.MediumImportance, func() { load(page() + 1) })
	p.obj = container.NewBorder(nil, nil, p.prev, p.next, p.label)
	return p
}

// update shows page (0-based) of a list of total items in pages of size.
func (p *pager) update(u *UI, page, size, total int) {
	pages := 1
	if size > 0 && total > 0 {
		pages = (total + size - 1) / size
	}
	setText(p.label, u.tr.T("page.of", map[string]any{"Page": page + 1, "Pages": pages}))
	setButton(p.prev, u.tr.T("btn.prev"), widget.MediumImportance, page > 0)
	setButton(p.next, u.tr.T("btn.next"), widget.MediumImportance, page+1 < pages)
}

// mapPanel is the bank drawn to its layout; tapping a door shows it and
// what can be done with it.
type mapPanel struct {
	u                  *UI
	obj                fyne.CanvasObject
	bank               *bankMap
	legend             []*plainText
	retLegend          *returnLegend // the return colour (screens_returns.go)
	hint, door         *widget.Label
	details            *textRows
	why                *widget.Label
	reasons            *fyne.Container
	reasonBtns         []*widget.Button
	reasonBack         *widget.Button
	interrupted        *fyne.Container
	interruptedText    *widget.Label
	inside, empty      *widget.Button
	actions            *fyne.Container
	openDoor, inOutSvc *widget.Button
	ret                *mapReturn // a return in the door (screens_returns.go)
}

// legendStates are the map's colours in the legend's order.
var legendStates = []struct {
	st  bankState
	key string
}{
	{stateFree, "state.free"}, {stateReserved, "state.reserved"}, {stateOccupied, "state.occupied"},
	{stateOutOfService, "state.out_of_service"}, {stateFaulty, "state.faulty"}, {stateDoorOpen, "state.door_open"},
	{stateReturn, "state.return"},
}

func (u *UI) newMapPanel() *mapPanel {
	p := &mapPanel{u: u, hint: text(""), door: heading(""), details: newTextRows(theme.SizeNameText, 40), why: subheading(""),
		interruptedText: text("")}
	p.bank = newBankMap(nil, "", func(id string) {
		u.touch()
		u.selected, u.pendingAct = id, ""
		u.refresh()
	})
	legend := container.NewGridWithColumns(3)
	for _, s := range legendStates {
		fill, _ := stateColors(s.st)
		sw := canvas.NewRectangle(fill)
		sw.StrokeColor, sw.StrokeWidth = colInk, 1
		l := newPlainText(theme.SizeNameCaptionText, false)
		p.legend = append(p.legend, l)
		item := container.NewHBox(container.New(&sized{look: &u.look, w: 28, h: 28}, sw), l)
		if s.st == stateReturn {
			p.retLegend = u.newReturnLegend(legend, item)
		}
		legend.Add(item)
	}
	p.reasons = container.NewGridWithColumns(3)
	for _, r := range reasons() {
		b := u.button(widget.MediumImportance, func() {
			id, act := u.selected, u.pendingAct
			u.call(func(ctx context.Context) error {
				if act == "open" {
					return u.svc.StaffOpenDoor(ctx, id, r)
				}
				if rs, ok := u.returnSvc(); ok && act == "return" {
					return rs.StaffRetrieveReturn(ctx, id, r)
				}
				return u.svc.SetCompartmentStatus(ctx, id, locker.StatusOutOfService, r)
			})
		})
		p.reasonBtns = append(p.reasonBtns, b)
		p.reasons.Add(b)
	}
	p.reasonBack = u.button(widget.LowImportance, func() { u.pendingAct = ""; u.refresh() })
	p.reasons.Add(p.reasonBack)
	resolve := func(inside bool) func(ctx context.Context) error {
		return func(ctx context.Context) error { return u.svc.ResolveInterrupted(ctx, u.selected, inside) }
	}
	p.inside = u.act(widget.SuccessImportance, resolve(true))
	p.empty = u.act(widget.MediumImportance, resolve(false))
	p.interrupted = container.NewVBox(p.interruptedText, container.NewGridWithColumns(2, p.inside, p.empty))
	p.openDoor = u.button(widget.HighImportance, func() { u.pendingAct = "open"; u.refresh() })
	p.inOutSvc = u.button(widget.WarningImportance, func() {
		c, ok := u.selectedCompartment()
		if !ok {
			return
		}
		if c.Status == locker.StatusOutOfService || c.Status == locker.StatusFaulty {
			id := c.ID
			u.call(func(ctx context.Context) error {
				return u.svc.SetCompartmentStatus(ctx, id, locker.StatusAvailable, "back in service")
			})
			return
		}
		u.pendingAct = "oos"
		u.refresh()
	})
	p.actions = container.NewGridWithColumns(2, p.openDoor, p.inOutSvc)
	p.ret = u.newMapReturn()
	panel := container.NewVBox(p.hint, p.door, p.why, p.reasons, p.details, p.ret.obj, p.interrupted, p.actions)
	p.obj = container.New(u.split(0.5), p.bank, container.NewBorder(nil, legend, nil, nil, panel))
	return p
}

// selectedCompartment is the compartment selected on the map.
func (u *UI) selectedCompartment() (locker.Compartment, bool) {
	for _, c := range u.view.Compartments {
		if c.ID == u.selected {
			return c, true
		}
	}
	return locker.Compartment{}, false
}

func (p *mapPanel) object() fyne.CanvasObject { return p.obj }

func (p *mapPanel) update() {
	u := p.u
	p.bank.set(u.view.Compartments, "", u.selected)
	p.bank.setReturns(u.returnDoors())
	p.retLegend.update()
	for i, s := range legendStates {
		p.legend[i].SetText(u.tr.T(s.key))
	}
	c, ok := u.selectedCompartment()
	setText(p.hint, u.tr.T("maint.tap_door"))
	show(p.hint, !ok)
	show(p.door, ok)
	picking := ok && u.pendingAct != ""
	show(p.why, picking)
	show(p.reasons, picking)
	show(p.details, ok && !picking)
	show(p.interrupted, ok && !picking && c.Reason == locker.InterruptedReason)
	show(p.actions, ok && !picking)
	p.ret.update(u.selected, picking, p.details)
	if !ok {
		return
	}
	setText(p.door, u.tr.T("maint.door", map[string]any{"Door": c.ID}))
	setText(p.why, u.tr.T("maint.why"))
	for i, r := range reasons() {
		setButton(p.reasonBtns[i], u.tr.T("reason."+r), widget.MediumImportance, true)
	}
	setButton(p.reasonBack, u.tr.T("btn.back"), widget.LowImportance, true)
	rows := []string{
		u.tr.T("detail.size") + ": " + string(c.Size),
		u.tr.T("detail.status") + ": " + u.tr.T("status."+string(c.Status)),
		u.tr.T("detail.door") + ": " + u.tr.T("doorstate."+string(c.Door)),
		u.tr.T("detail.lock") + ": " + fmt.Sprintf("%d / %d", c.Addr.Board, c.Addr.Lock),
		u.tr.T("detail.accessible") + ": " + u.yesNo(c.Accessible),
	}
	if c.Reason != "" {
		rows = append(rows, u.tr.T("detail.reason")+": "+c.Reason)
	}
	p.details.SetRows(rows)
	// A power cut came in the middle of a deposit into this door: staff
	// open it, look, and say what they found.
	setText(p.interruptedText, u.tr.T("maint.interrupted"))
	setButton(p.inside, u.tr.T("btn.parcel_inside"), widget.SuccessImportance, true)
	setButton(p.empty, u.tr.T("btn.door_empty"), widget.MediumImportance, true)
	setButton(p.openDoor, u.tr.T("btn.open_door"), widget.HighImportance, true)
	if c.Status == locker.StatusOutOfService || c.Status == locker.StatusFaulty {
		setButton(p.inOutSvc, u.tr.T("btn.in_service"), widget.SuccessImportance, true)
	} else {
		setButton(p.inOutSvc, u.tr.T("btn.out_of_service"), widget.WarningImportance, true)
	}
}

// expiredPanel lists expired parcels and opens their doors one by one.
type expiredPanel struct {
	u        *UI
	obj      fyne.CanvasObject
	rows     *textRows
	retrieve *widget.Button
}

func (u *UI) newExpiredPanel() *expiredPanel {
	p := &expiredPanel{u: u, rows: newTextRows(theme.SizeNameText, 60)}
	p.retrieve = u.act(widget.HighImportance, u.svc.RetrieveExpired)
	p.obj = container.NewBorder(nil, container.NewHBox(p.retrieve), nil, nil, p.rows)
	return p
}

func (p *expiredPanel) object() fyne.CanvasObject { return p.obj }

func (p *expiredPanel) update() {
	u := p.u
	ps := u.svc.ExpiredParcels() // in-memory read: it does not block
	var rows []string
	for i, e := range ps {
		if i == 8 {
			rows = append(rows, u.tr.T("expired.more", map[string]any{"Count": len(ps) - 8}))
			break
		}
		rows = append(rows, fmt.Sprintf("%s  ·  %s  ·  %s", e.CompartmentID, e.Barcode, e.ExpiresAt.Local().Format("2006-01-02 15:04")))
	}
	if len(ps) == 0 {
		rows = append(rows, u.tr.T("expired.none"))
	}
	p.rows.SetRows(rows)
	setButton(p.retrieve, u.tr.T("btn.retrieve"), widget.HighImportance, len(ps) > 0)
}

// auditPanel pages through the audit log; the page's rows are a list that
// reuses its row objects.
type auditPanel struct {
	u     *UI
	obj   fyne.CanvasObject
	list  *widget.List
	rows  []*plainText // every row the list has made
	pager *pager
	shown locker.AuditPage
}

func (u *UI) newAuditPanel() *auditPanel {
	p := &auditPanel{u: u}
	p.list = widget.NewList(
		func() int { return max(len(u.audit.Entries), 1) },
		func() fyne.CanvasObject {
			r := newPlainText(theme.SizeNameCaptionText, false)
			p.rows = append(p.rows, r)
			return r
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*plainText).SetText(cut(p.row(i), 90))
		})
	p.list.HideSeparators = true
	u.restylers = append(u.restylers, func(fyne.Theme) { // see newRecipientScreen
		for _, r := range p.rows {
			r.Refresh()
		}
	})
	p.pager = u.newPager(u.loadAudit, func() int { return u.audit.Page })
	p.obj = container.NewBorder(nil, p.pager.obj, nil, nil, p.list)
	return p
}

// row is the text of the audit list's row i.
func (p *auditPanel) row(i int) string {
	es := p.u.audit.Entries
	if i >= len(es) {
		return p.u.tr.T("audit.empty")
	}
	e := es[i]
	return fmt.Sprintf("%d  %s  %s  %s  %s  %s", e.Seq, e.Time.Local().Format("01-02 15:04:05"), e.Actor, e.Action, e.Subject, e.Detail)
}

func (p *auditPanel) object() fyne.CanvasObject { return p.obj }

func (p *auditPanel) update() {
	u := p.u
	a := u.audit
	if a.Page != p.shown.Page || a.Total != p.shown.Total || !slices.Equal(a.Entries, p.shown.Entries) {
		p.shown = a
		p.shown.Entries = slices.Clone(a.Entries)
		p.list.Refresh()
		p.list.ScrollToTop()
	}
	p.pager.update(u, a.Page, a.PageSize, a.Total)
}

// diagPanel shows the health of boards, scanners, uplink and database.
type diagPanel struct {
	u                 *UI
	obj               fyne.CanvasObject
	form              *textRows
	scansTitle        *widget.Label
	scans             *textRows
	scanHint          *widget.Label
	doorsTitle        *widget.Label
	doors             *textRows
	refreshBtn, check *widget.Button
}

func (u *UI) newDiagPanel() *diagPanel {
	p := &diagPanel{u: u, form: newTextRows(theme.SizeNameText, 44), scansTitle: subheading(""), scans: newTextRows(theme.SizeNameCaptionText, 50),
		scanHint: text(""), doorsTitle: subheading(""), doors: newTextRows(theme.SizeNameCaptionText, 50)}
	p.refreshBtn = u.button(widget.MediumImportance, u.loadDiag)
	p.check = u.button(widget.MediumImportance, u.reconcile)
	right := container.NewVBox(p.scansTitle, p.scans, p.scanHint, p.doorsTitle, p.doors)
	p.obj = container.NewBorder(nil, container.NewHBox(p.refreshBtn, p.check, layout.NewSpacer()), nil, nil,
		container.New(u.split(0.5), p.form, right))
	return p
}

func (p *diagPanel) object() fyne.CanvasObject { return p.obj }

func (p *diagPanel) update() {
	u := p.u
	rows := []string{u.tr.T("diag.boards_online") + ": " + u.yesNo(u.view.BoardsOnline)}
	if d := u.diag; d != nil {
		for _, b := range d.Boards {
			last := "-"
			if !b.LastPoll.IsZero() {
				last = u.o.Clock.Now().Sub(b.LastPoll).Round(time.Second).String()
			}
			rows = append(rows, u.tr.T("diag.board", map[string]any{"Board": b.Board})+": "+
				u.tr.T("diag.board_line", map[string]any{"Online": u.yesNo(b.Online), "Ago": last}))
		}
		rows = append(rows,
			u.tr.T("diag.uplink")+": "+u.yesNo(d.UplinkConnected),
			u.tr.T("diag.backlog")+": "+fmt.Sprint(d.Backlog),
			u.tr.T("diag.db_size")+": "+fmt.Sprintf("%.1f MB", float64(d.DBSizeBytes)/1e6))
		if d.Version != "" {
			rows = append(rows, u.tr.T("diag.version")+": "+d.Version)
		}
	} else if u.o.Diag == nil {
		rows = append(rows, u.tr.T("diag.more")+": "+u.tr.T("diag.unavailable"))
	}
	p.form.SetRows(rows)
	setText(p.scansTitle, u.tr.T("diag.scans"))
	all := u.scans // every scan reaches the UI through HandleScan
	if len(all) > 6 {
		all = all[len(all)-6:]
	}
	var sl []string
	for i := len(all) - 1; i >= 0; i-- {
		s := all[i]
		sl = append(sl, fmt.Sprintf("%s  %s  %s  %s", s.At.Local().Format("15:04:05"), s.Source, s.Symbology, s.Text))
	}
	p.scans.SetRows(sl)
	show(p.scans, len(sl) > 0)
	setText(p.scanHint, u.tr.T("diag.scan_hint"))
	show(p.scanHint, len(sl) == 0)
	var fl []string
	if u.found != nil {
		for _, d := range *u.found {
			fl = append(fl, fmt.Sprintf("%s: %s", d.CompartmentID, d.Detail))
		}
		if len(fl) == 0 {
			fl = append(fl, u.tr.T("diag.doors_agree"))
		}
	}
	setText(p.doorsTitle, u.tr.T("diag.doors"))
	show(p.doorsTitle, u.found != nil)
	p.doors.SetRows(fl)
	show(p.doors, u.found != nil)
	setButton(p.refreshBtn, u.tr.T("btn.refresh"), widget.MediumImportance, true)
	setButton(p.check, u.tr.T("btn.check_doors"), widget.MediumImportance, true)
}

// reconcile compares the stored door states with the sensors, off the UI
// goroutine, and shows what differs.
func (u *UI) reconcile() {
	ctx := u.callCtx()
	u.async(func() {
		found, err := u.svc.Reconcile(ctx)
		fyne.Do(func() {
			if err != nil {
				u.msg = message{err: err}
			} else {
				u.found = &found
			}
			u.refresh()
		})
	})
}

// totpURL is the otpauth URL of the signed-in staff member's TOTP secret
// (Key URI Format), or "" when there is none.
func totpURL(st locker.Staff, issuer string) string {
	if st.TOTPSecret == "" {
		return ""
	}
	label := url.PathEscape(issuer + ":" + st.Name)
	q := url.Values{"secret": {st.TOTPSecret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// totpPanel shows the enrollment QR of the signed-in staff member's
// authenticator secret, to add it to an authenticator app.
type totpPanel struct {
	u          *UI
	obj        fyne.CanvasObject
	none, body *widget.Label
	qr         *qrView
	withQR     fyne.CanvasObject
}

func (u *UI) newTOTPPanel() *totpPanel {
	p := &totpPanel{u: u, none: text(""), body: text(""), qr: newQRView(&u.look, 320)}
	p.withQR = container.New(u.split(0.5), p.body, container.NewCenter(p.qr.obj))
	p.obj = container.NewStack(p.none, p.withQR)
	return p
}

func (p *totpPanel) object() fyne.CanvasObject { return p.obj }

func (p *totpPanel) update() {
	u := p.u
	link := totpURL(u.view.Staff, u.tr.T("app.name"))
	show(p.none, link == "")
	show(p.withQR, link != "")
	setText(p.none, u.tr.T("totp.none"))
	if link == "" {
		return
	}
	setText(p.body, u.tr.T("totp.body", map[string]any{"Name": u.view.Staff.Name}))
	p.qr.set(link)
}
