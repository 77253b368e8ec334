package ui

import (
	"errors"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
)

// Support is the site's support contact the Help card shows (from the
// configuration's [screen] support_contact and support_url).
type Support struct {
	Contact string // e.g. "Building office, +1 555 0100, 8:00-18:00"
	URL     string // shown as a QR code: "https://...", "tel:+15550100"
}

// helpPage is what the Help card shows; helpClosed when it is not shown.
type helpPage int

const (
	helpClosed  helpPage = iota
	helpContact          // the support contact and "Report a problem"
	helpReport           // what went wrong: the incident kinds
	helpSent             // the report was sent (or could not be)
)

// helpNames are the pages' names in the layout map.
var helpNames = map[helpPage]string{helpContact: "contact", helpReport: "report", helpSent: "sent"}

// helpCard is the card the Help button in the header opens over any
// screen: the site's support contact, and "Report a problem", which sends
// an incident.reported event about the door and parcel of the flow on
// screen. The flow underneath goes on (a door closing still completes
// it); the card closes with Close, on the idle timeout, and never by
// itself otherwise.
type helpCard struct {
	obj         *fyne.Container
	card        *canvas.Rectangle
	title, body *widget.Label
	urlLabel    *widget.Label
	qr          *qrView
	report      *widget.Button
	close       *widget.Button
	back        *widget.Button
	kinds       []*widget.Button
	kindBox     fyne.CanvasObject
	contactBox  fyne.CanvasObject
	// sent is the last report; sendErr its failure.
	sent    locker.Incident
	sendErr error
}

// incidentLabels are the translation ids of the incident kinds' buttons.
var incidentLabels = map[locker.IncidentKind]string{
	locker.IncidentDoorNotOpened: "help.kind.door_not_opened",
	locker.IncidentWrongParcel:   "help.kind.wrong_parcel",
	locker.IncidentDamaged:       "help.kind.damaged_parcel",
	locker.IncidentOther:         "help.kind.other",
}

// newHelpCard builds the Help card once.
func (u *UI) newHelpCard() *helpCard {
	h := &helpCard{title: heading(""), body: text(""), urlLabel: text("")}
	h.urlLabel.Wrapping = fyne.TextWrapBreak
	h.card = canvas.NewRectangle(colWhite)
	h.card.CornerRadius = 20
	h.card.StrokeWidth = 4
	h.qr = newQRView(&u.look, 180)
	h.report = u.helpButton(widget.WarningImportance, func() { u.setHelp(helpReport) })
	h.close = u.helpButton(widget.HighImportance, func() { u.setHelp(helpClosed) })
	h.back = u.helpButton(widget.MediumImportance, func() { u.setHelp(helpContact) })
	var kinds []fyne.CanvasObject
	for _, k := range locker.IncidentKinds {
		b := u.helpButton(widget.MediumImportance, func() { u.reportIncident(k) })
		h.kinds = append(h.kinds, b)
		kinds = append(kinds, b)
	}
	h.kindBox = container.NewGridWithColumns(2, kinds...)
	// The link's QR code stands beside the sentences, so the card fits a
	// landscape panel with both bars showing and the larger text.
	h.contactBox = container.NewCenter(h.qr.obj)
	buttons := container.NewGridWithColumns(2, h.report, h.back, h.close)
	box := container.NewBorder(h.title, buttons, h.contactBox, nil, container.NewVBox(h.body, h.urlLabel, h.kindBox))
	inner := container.NewStack(h.card, container.New(layout.NewCustomPaddedLayout(20, 20, 28, 28), box))
	// The card takes the body's width (long sentences in the larger text
	// wrap less) and stands in the middle of its height.
	mid := container.NewVBox(layout.NewSpacer(), inner, layout.NewSpacer())
	h.obj = container.NewStack(newBlocker(color.NRGBA{A: 0xb0}), container.New(&margins{look: &u.look, top: 8, bottom: 8, left: 8, right: 8}, mid))
	u.restylers = append(u.restylers, func(th fyne.Theme) {
		h.card.FillColor = th.Color(theme.ColorNameOverlayBackground, 0)
		h.card.StrokeColor = th.Color(theme.ColorNamePrimary, 0)
	})
	return h
}

// helpButton is a button of the Help card; it counts as activity.
func (u *UI) helpButton(imp widget.Importance, tap func()) *widget.Button {
	b := widget.NewButton("", u.touched(tap))
	b.Importance = imp
	return b
}

// setHelp shows page p of the Help card (helpClosed hides it).
func (u *UI) setHelp(p helpPage) {
	u.help = p
	u.refresh()
}

// reportIncident sends the report of kind k off the UI goroutine and
// shows the "sent" page with its outcome.
func (u *UI) reportIncident(k locker.IncidentKind) {
	if u.busy {
		return
	}
	u.busy = true
	u.writeLayout()
	ctx := u.callCtx()
	u.async(func() {
		in, err := u.svc.ReportIncident(ctx, k)
		fyne.Do(func() {
			u.busy = false
			h := u.frame.help
			h.sent, h.sendErr = in, err
			if err != nil {
				u.log.Info("ui: incident not reported", "err", err)
			}
			u.help = helpSent
			u.refresh()
		})
	})
}

// updateHelp brings the Help card up to date.
func (u *UI) updateHelp() {
	h := u.frame.help
	// The override around the card is what the body's stack measures:
	// hidden, the closed card takes no room.
	show(u.frame.chrome[3], u.help != helpClosed)
	if u.help == helpClosed {
		return
	}
	contact := strings.TrimSpace(u.o.Support.Contact)
	url := strings.TrimSpace(u.o.Support.URL)
	page := u.help
	show(h.contactBox, page == helpContact && url != "")
	show(h.urlLabel, page == helpContact && url != "")
	show(h.kindBox, page == helpReport)
	show(h.report, page == helpContact)
	show(h.back, page == helpReport)
	setButton(h.report, u.tr.T("help.report"), widget.WarningImportance, true)
	setButton(h.back, u.tr.T("btn.back"), widget.MediumImportance, true)
	setButton(h.close, u.tr.T("btn.close"), widget.HighImportance, true)
	for i, k := range locker.IncidentKinds {
		setButton(h.kinds[i], u.tr.T(incidentLabels[k]), widget.MediumImportance, !u.busy)
	}
	switch page {
	case helpContact:
		setText(h.title, u.tr.T("help.title"))
		body := u.tr.T("help.no_contact")
		if contact != "" {
			body = u.tr.T("help.contact", map[string]any{"Contact": contact})
		}
		setText(h.body, body)
		if url != "" {
			h.qr.set(url)
			setText(h.urlLabel, u.tr.T("help.scan_link", map[string]any{"URL": url}))
		}
	case helpReport:
		setText(h.title, u.tr.T("help.report_title"))
		door := u.incidentDoor()
		if door != "" {
			setText(h.body, u.tr.T("help.report_door", map[string]any{"Door": door}))
		} else {
			setText(h.body, u.tr.T("help.report_body"))
		}
	case helpSent:
		if h.sendErr != nil {
			setText(h.title, u.tr.T("help.not_sent_title"))
			msg := u.errText(h.sendErr)
			if errors.Is(h.sendErr, locker.ErrBadState) {
				msg = u.tr.T("help.too_many")
			}
			if contact != "" {
				msg += "\n" + u.tr.T("help.contact", map[string]any{"Contact": contact})
			}
			setText(h.body, msg)
			break
		}
		setText(h.title, u.tr.T("help.sent_title"))
		ref := h.sent.ID
		if len(ref) > 6 {
			ref = ref[len(ref)-6:]
		}
		id := "help.sent"
		if h.sent.Compartment != "" {
			id = "help.sent_door"
		}
		setText(h.body, u.tr.T(id, map[string]any{"Door": h.sent.Compartment, "Ref": ref}))
	}
}

// incidentDoor is the door a report made now would name, as the service
// chooses it (see locker.Service.ReportIncident).
func (u *UI) incidentDoor() string {
	v := u.view
	switch v.Flow {
	case locker.FlowDeposit:
		if v.Step == locker.StepUnlocking || v.Step == locker.StepDoorOpen {
			return v.Compartment.ID
		}
		if n := len(v.Receipts); n > 0 {
			return v.Receipts[n-1].CompartmentID
		}
	case locker.FlowPickup, locker.FlowMaintenance:
		if v.Compartment.ID != "" {
			return v.Compartment.ID
		}
		if n := len(v.Pickup); n > 0 {
			return v.Pickup[n-1].CompartmentID
		}
	}
	return ""
}

// blocker is a shade that takes the taps meant for what it covers.
type blocker struct {
	widget.BaseWidget
	fill color.Color
}

func newBlocker(c color.Color) *blocker {
	b := &blocker{fill: c}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped swallows a tap on the shade.
func (b *blocker) Tapped(*fyne.PointEvent) {}

func (b *blocker) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(b.fill))
}

// pickupTimeLeft says how long the parcels behind the door being opened
// had left before they expire ("" when unknown).
func (u *UI) pickupTimeLeft() string {
	v := u.view
	for _, it := range v.Pickup {
		if it.CompartmentID != v.Compartment.ID || it.ExpiresAt.IsZero() {
			continue
		}
		left := it.ExpiresAt.Sub(u.o.Clock.Now())
		if left <= 0 {
			return ""
		}
		return u.tr.T("pickup.time_left", map[string]any{"Left": u.duration(left)})
	}
	return ""
}

// duration says d as people do, to the minute: "2 days 5 hours",
// "3 hours 20 minutes", "45 minutes".
func (u *UI) duration(d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	days, hours, minutes := mins/(24*60), mins/60%24, mins%60
	unit := func(id string, n int) string { return u.tr.T(id, map[string]any{"Count": n}) }
	switch {
	case days > 0 && hours > 0:
		return unit("time.days", days) + " " + unit("time.hours", hours)
	case days > 0:
		return unit("time.days", days)
	case hours > 0 && minutes > 0:
		return unit("time.hours", hours) + " " + unit("time.minutes", minutes)
	case hours > 0:
		return unit("time.hours", hours)
	}
	return unit("time.minutes", max(minutes, 1))
}
