package ui

import (
	"context"
	"fmt"
	"net/url"
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

// maintMenu is the maintenance screen: tabs for the bank map, expired
// parcels, the audit log and diagnostics.
func (u *UI) maintMenu() fyne.CanvasObject {
	v := u.view
	tabs := container.New(&fixedGrid{cols: 3, minCell: fyne.NewSize(u.px(150), u.px(60))})
	for _, t := range []struct {
		tab   maintTab
		label string
	}{
		{tabMap, u.tr.T("maint.map")},
		{tabExpired, u.tr.T("maint.expired", map[string]any{"Count": v.ExpiredCount})},
		{tabAudit, u.tr.T("maint.audit")},
		{tabDiag, u.tr.T("maint.diag")},
		{tabTOTP, u.tr.T("maint.totp")},
	} {
		b := u.button(t.label, widget.MediumImportance, func() {
			u.tab = t.tab
			u.msg = message{}
			switch t.tab {
			case tabAudit:
				u.loadAudit(-1)
			case tabDiag:
				u.loadDiag()
			}
			u.render()
		})
		if u.tab == t.tab {
			b.Importance = widget.HighImportance
		}
		tabs.Add(b)
	}
	tabs.Add(u.act(u.tr.T("btn.sign_out"), widget.DangerImportance, u.svc.SignOut))
	title := subheading(u.tr.T("maint.title", map[string]any{"Name": cut(v.Staff.Name, 24)}))
	title.Wrapping = fyne.TextWrapOff
	var body fyne.CanvasObject
	switch u.tab {
	case tabExpired:
		body = u.maintExpired()
	case tabAudit:
		body = u.maintAudit()
	case tabDiag:
		body = u.maintDiag()
	case tabTOTP:
		body = u.maintTOTP()
	default:
		body = u.maintMap()
	}
	top := container.NewBorder(nil, nil, title, nil, tabs)
	if u.portrait() {
		top = container.NewVBox(title, tabs)
	}
	return container.NewBorder(top, nil, nil, nil, body)
}

// legend explains the map's colours.
func (u *UI) legend() fyne.CanvasObject {
	box := container.NewGridWithColumns(3)
	for _, s := range []struct {
		st  bankState
		key string
	}{
		{stateFree, "state.free"}, {stateReserved, "state.reserved"}, {stateOccupied, "state.occupied"},
		{stateOutOfService, "state.out_of_service"}, {stateFaulty, "state.faulty"}, {stateDoorOpen, "state.door_open"},
	} {
		fill, _ := stateColors(s.st)
		sw := canvas.NewRectangle(fill)
		sw.StrokeColor, sw.StrokeWidth = colInk, 1
		sw.SetMinSize(fyne.NewSquareSize(u.px(28)))
		th := u.app.Settings().Theme()
		l := canvas.NewText(u.tr.T(s.key), th.Color(theme.ColorNameForeground, 0))
		l.TextSize = th.Size(theme.SizeNameCaptionText)
		box.Add(container.NewHBox(sw, container.NewCenter(l)))
	}
	return box
}

// maintMap is the bank drawn to its layout; tapping a door shows it.
func (u *UI) maintMap() fyne.CanvasObject {
	v := u.view
	tap := u.touchedID(func(id string) {
		u.selected, u.pendingAct = id, ""
		u.render()
	})
	// The same map from one redraw to the next, so a door pressed while
	// another door's state changes is still tapped (see buttonID).
	m, ok := u.kept.last["bank"].(*bankMap)
	if ok {
		m.comps, m.onTap, m.selected = v.Compartments, tap, u.selected
		m.Refresh()
	} else {
		m = newBankMap(v.Compartments, "", tap)
		m.selected = u.selected
	}
	u.kept.now["bank"] = m
	if u.portrait() {
		return container.New(u.split(0.55), container.NewBorder(nil, u.legend(), nil, nil, m), u.compartmentPanel())
	}
	return container.New(u.split(0.5), m, container.NewBorder(nil, u.legend(), nil, nil, u.compartmentPanel()))
}

// touchedID wraps a callback with an id argument so it counts as activity.
func (u *UI) touchedID(f func(string)) func(string) {
	return func(id string) {
		u.touch()
		f(id)
	}
}

// compartmentPanel shows the selected compartment and its actions.
func (u *UI) compartmentPanel() fyne.CanvasObject {
	var c *locker.Compartment
	for i := range u.view.Compartments {
		if u.view.Compartments[i].ID == u.selected {
			c = &u.view.Compartments[i]
		}
	}
	if c == nil {
		return container.NewVBox(text(u.tr.T("maint.tap_door")))
	}
	yes := func(b bool) string {
		if b {
			return u.tr.T("word.yes")
		}
		return u.tr.T("word.no")
	}
	rows := []string{
		u.tr.T("detail.size") + ": " + string(c.Size),
		u.tr.T("detail.status") + ": " + u.tr.T("status."+string(c.Status)),
		u.tr.T("detail.door") + ": " + u.tr.T("doorstate."+string(c.Door)),
		u.tr.T("detail.lock") + ": " + fmt.Sprintf("%d / %d", c.Addr.Board, c.Addr.Lock),
		u.tr.T("detail.accessible") + ": " + yes(c.Accessible),
	}
	if c.Reason != "" {
		rows = append(rows, u.tr.T("detail.reason")+": "+c.Reason)
	}
	details := lines(rows, theme.SizeNameText, 40)
	box := container.NewVBox(heading(u.tr.T("maint.door", map[string]any{"Door": c.ID})))
	id := c.ID
	if u.pendingAct != "" {
		box.Add(subheading(u.tr.T("maint.why")))
		grid := container.NewGridWithColumns(3)
		for _, r := range reasons() {
			act := u.pendingAct
			grid.Add(u.act(u.tr.T("reason."+r), widget.MediumImportance, func(ctx context.Context) error {
				if act == "open" {
					return u.svc.StaffOpenDoor(ctx, id, r)
				}
				return u.svc.SetCompartmentStatus(ctx, id, locker.StatusOutOfService, r)
			}))
		}
		grid.Add(u.button(u.tr.T("btn.back"), widget.LowImportance, func() { u.pendingAct = ""; u.render() }))
		box.Add(grid)
		return box
	}
	box.Add(details)
	if c.Reason == locker.InterruptedReason {
		// A power cut came in the middle of a deposit into this door: staff
		// open it, look, and say what they found.
		box.Add(text(u.tr.T("maint.interrupted")))
		box.Add(container.NewGridWithColumns(2,
			u.act(u.tr.T("btn.parcel_inside"), widget.SuccessImportance, func(ctx context.Context) error {
				return u.svc.ResolveInterrupted(ctx, id, true)
			}),
			u.act(u.tr.T("btn.door_empty"), widget.MediumImportance, func(ctx context.Context) error {
				return u.svc.ResolveInterrupted(ctx, id, false)
			})))
	}
	actions := container.NewGridWithColumns(2,
		u.button(u.tr.T("btn.open_door"), widget.HighImportance, func() { u.pendingAct = "open"; u.render() }))
	if c.Status == locker.StatusOutOfService || c.Status == locker.StatusFaulty {
		actions.Add(u.act(u.tr.T("btn.in_service"), widget.SuccessImportance, func(ctx context.Context) error {
			return u.svc.SetCompartmentStatus(ctx, id, locker.StatusAvailable, "back in service")
		}))
	} else {
		actions.Add(u.button(u.tr.T("btn.out_of_service"), widget.WarningImportance, func() { u.pendingAct = "oos"; u.render() }))
	}
	box.Add(actions)
	return box
}

// maintExpired lists expired parcels and opens their doors one by one.
func (u *UI) maintExpired() fyne.CanvasObject {
	ps := u.svc.ExpiredParcels() // in-memory read: it does not block
	list := container.NewVBox()
	for i, p := range ps {
		if i == 8 {
			list.Add(text(u.tr.T("expired.more", map[string]any{"Count": len(ps) - 8})))
			break
		}
		list.Add(text(fmt.Sprintf("%s  ·  %s  ·  %s", p.CompartmentID, p.Barcode, p.ExpiresAt.Local().Format("2006-01-02 15:04"))))
	}
	if len(ps) == 0 {
		list.Add(text(u.tr.T("expired.none")))
	}
	b := u.act(u.tr.T("btn.retrieve"), widget.HighImportance, u.svc.RetrieveExpired)
	if len(ps) == 0 {
		b.Disable()
	}
	return container.NewBorder(nil, container.NewHBox(b), nil, nil, list)
}

// maintAudit pages through the audit log.
func (u *UI) maintAudit() fyne.CanvasObject {
	p := u.audit
	var out []string
	for _, e := range p.Entries {
		out = append(out, fmt.Sprintf("%d  %s  %s  %s  %s  %s", e.Seq, e.Time.Local().Format("01-02 15:04:05"), e.Actor, e.Action, e.Subject, e.Detail))
	}
	if len(p.Entries) == 0 {
		out = append(out, u.tr.T("audit.empty"))
	}
	rows := lines(out, theme.SizeNameCaptionText, 90)
	pages := 1
	if p.PageSize > 0 && p.Total > 0 {
		pages = (p.Total + p.PageSize - 1) / p.PageSize
	}
	prev := u.button(u.tr.T("btn.prev"), widget.MediumImportance, func() { u.loadAudit(p.Page - 1) })
	next := u.button(u.tr.T("btn.next"), widget.MediumImportance, func() { u.loadAudit(p.Page + 1) })
	if p.Page <= 0 {
		prev.Disable()
	}
	if p.Page+1 >= pages {
		next.Disable()
	}
	pager := container.NewBorder(nil, nil, prev, next,
		widget.NewLabelWithStyle(u.tr.T("page.of", map[string]any{"Page": p.Page + 1, "Pages": pages}), fyne.TextAlignCenter, fyne.TextStyle{}))
	return container.NewBorder(nil, pager, nil, nil, rows)
}

// maintDiag shows the health of boards, scanners, uplink and database.
func (u *UI) maintDiag() fyne.CanvasObject {
	yes := func(b bool) string {
		if b {
			return u.tr.T("word.yes")
		}
		return u.tr.T("word.no")
	}
	rows := []string{u.tr.T("diag.boards_online") + ": " + yes(u.view.BoardsOnline)}
	if d := u.diag; d != nil {
		for _, b := range d.Boards {
			last := "-"
			if !b.LastPoll.IsZero() {
				last = u.o.Clock.Now().Sub(b.LastPoll).Round(time.Second).String()
			}
			rows = append(rows, u.tr.T("diag.board", map[string]any{"Board": b.Board})+": "+
				u.tr.T("diag.board_line", map[string]any{"Online": yes(b.Online), "Ago": last}))
		}
		rows = append(rows,
			u.tr.T("diag.uplink")+": "+yes(d.UplinkConnected),
			u.tr.T("diag.backlog")+": "+fmt.Sprint(d.Backlog),
			u.tr.T("diag.db_size")+": "+fmt.Sprintf("%.1f MB", float64(d.DBSizeBytes)/1e6))
		if d.Version != "" {
			rows = append(rows, u.tr.T("diag.version")+": "+d.Version)
		}
	} else if u.o.Diag == nil {
		rows = append(rows, u.tr.T("diag.more")+": "+u.tr.T("diag.unavailable"))
	}
	form := lines(rows, theme.SizeNameText, 44)
	scans := container.NewVBox(subheading(u.tr.T("diag.scans")))
	all := u.scans // every scan reaches the UI through HandleScan
	if len(all) > 6 {
		all = all[len(all)-6:]
	}
	var sl []string
	for i := len(all) - 1; i >= 0; i-- {
		s := all[i]
		sl = append(sl, fmt.Sprintf("%s  %s  %s  %s", s.At.Local().Format("15:04:05"), s.Source, s.Symbology, s.Text))
	}
	scans.Add(lines(sl, theme.SizeNameCaptionText, 50))
	if len(all) == 0 {
		scans.Add(text(u.tr.T("diag.scan_hint")))
	}
	refresh := u.button(u.tr.T("btn.refresh"), widget.MediumImportance, u.loadDiag)
	check := u.button(u.tr.T("btn.check_doors"), widget.MediumImportance, u.reconcile)
	if u.found != nil {
		var fl []string
		for _, d := range *u.found {
			fl = append(fl, fmt.Sprintf("%s: %s", d.CompartmentID, d.Detail))
		}
		if len(fl) == 0 {
			fl = append(fl, u.tr.T("diag.doors_agree"))
		}
		scans.Add(subheading(u.tr.T("diag.doors")))
		scans.Add(lines(fl, theme.SizeNameCaptionText, 50))
	}
	return container.NewBorder(nil, container.NewHBox(refresh, check, layout.NewSpacer()), nil, nil,
		container.New(u.split(0.5), form, scans))
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
			u.render()
		})
	})
}

// maintDoor shows a door opened by staff (or the retrieval queue).
func (u *UI) maintDoor() fyne.CanvasObject {
	v := u.view
	instr := u.tr.T("door.staff_close")
	if n := len(v.Pickup); n > 0 {
		instr = u.tr.T("door.retrieve", map[string]any{"Count": n})
	}
	buttons := container.NewHBox(u.act(u.tr.T("btn.door_didnt_open"), widget.MediumImportance, u.svc.DoorDidntOpen))
	return container.NewBorder(nil, buttons, nil, nil, u.doorPanel(instr))
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

// maintTOTP shows the enrollment QR of the signed-in staff member's
// authenticator secret, to add it to an authenticator app.
func (u *UI) maintTOTP() fyne.CanvasObject {
	link := totpURL(u.view.Staff, u.tr.T("app.name"))
	if link == "" {
		return text(u.tr.T("totp.none"))
	}
	return container.New(u.split(0.5), text(u.tr.T("totp.body", map[string]any{"Name": u.view.Staff.Name})),
		container.NewCenter(qrObject(link, 320)))
}
