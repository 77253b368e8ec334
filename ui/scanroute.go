package ui

import (
	"context"
	"errors"

	"github.com/parcelkiosk/locker"
)

// scanAct is what a screen does with a scanned code.
type scanAct int

const (
	// actSay shows the route's message and changes nothing.
	actSay scanAct = iota
	// actPickup starts the pickup of a QR code (PickupWithQR). A courier's
	// visit waiting between parcels is ended by the service first.
	actPickup
	// actSignIn signs a courier in with the code (CourierSignIn). Another
	// courier's visit waiting between parcels is ended by the service
	// first; the same courier's changes nothing, which the screen says.
	actSignIn
	// actParcel takes the code as the parcel's barcode (ScanParcel).
	actParcel
	// actRecord only records the scan for the diagnostics' scanner test.
	actRecord
	// actReturnCode takes the code as the return code (ReturnCode): the
	// return code screen.
	actReturnCode
	// actReturnLabel starts the drop-off of a pre-advised return label
	// (ReturnLabelScan); a code that is not one shows the route's message.
	actReturnLabel
)

// scanRoute is what one screen does with one kind of scan. doc says it
// for people: README.md's scan table is these texts, and a test holds the
// two together.
type scanRoute struct {
	act scanAct
	msg string // actSay: the message id
	doc string
}

// scanRow is what a screen does with each kind of scan.
type scanRow struct {
	qr, badge, parcel, unknown scanRoute
}

// route returns the row's route for kind.
func (r scanRow) route(k ScanKind) scanRoute {
	switch k {
	case ScanPickupQR:
		return r.qr
	case ScanBadge:
		return r.badge
	case ScanParcel:
		return r.parcel
	}
	return r.unknown
}

// anyOtherScreen is the row for a screen the table does not list.
const anyOtherScreen = "(any other screen)"

// scanTable is the one place that says what each screen (by its key, see
// screen) does with each kind of scan. Our own pickup QR codes and
// couriers' badges are never taken as parcel barcodes.
func scanTable() map[string]scanRow {
	pickup := scanRoute{act: actPickup, doc: "starts the pickup"}
	signIn := scanRoute{act: actSignIn, doc: "signs the courier in"}
	signInFirst := scanRoute{act: actSay, msg: "err.signin_first", doc: "says to scan the badge first"}
	unknown := scanRoute{act: actSay, msg: "err.unknown_code", doc: "says the code is not recognised"}
	idle := scanRow{qr: pickup, badge: signIn, parcel: signInFirst, unknown: unknown}
	// A visit waiting for the next parcel, nothing half-way.
	between := scanRow{
		qr:      scanRoute{act: actPickup, doc: "ends the courier's visit (receipt kept in the audit and `visit.finished`) and starts the pickup"},
		badge:   scanRoute{act: actSignIn, doc: "another courier: ends the visit (receipt kept) and signs them in; the same courier: says they are signed in"},
		parcel:  scanRoute{act: actParcel, doc: "takes it as the next parcel"},
		unknown: scanRoute{act: actParcel, doc: "takes it as the next parcel (a carrier we do not know)"},
	}
	qrBusy := scanRoute{act: actSay, msg: "scan.busy_deposit_qr", doc: "says a parcel is being delivered, to scan again in a moment; changes nothing"}
	badgeBusy := scanRoute{act: actSay, msg: "scan.busy_deposit_badge", doc: "says another courier is delivering; changes nothing"}
	choosing := scanRow{
		qr: qrBusy, badge: badgeBusy,
		parcel:  scanRoute{act: actParcel, doc: "takes it as the parcel instead of the one being set up (it never reached a door)"},
		unknown: scanRoute{act: actParcel, doc: "takes it as the parcel instead of the one being set up"},
	}
	closeFirst := scanRoute{act: actSay, msg: "scan.close_door_first", doc: "says to close the door first; changes nothing"}
	pickupBusy := scanRoute{act: actSay, msg: "scan.busy_pickup", doc: "says a pickup is in progress; changes nothing"}
	record := scanRoute{act: actRecord, doc: "lists it in Diagnostics (the scanner test); changes nothing"}
	notPickup := scanRoute{act: actSay, msg: "scan.not_pickup", doc: "says it is not a pickup code"}
	// The returns (screens_returns.go, screens_sensor.go).
	home := idle
	home.parcel = scanRoute{act: actReturnLabel, msg: "err.signin_first", doc: "a pre-advised return label starts its drop-off; any other says to scan the badge first"}
	home.unknown = scanRoute{act: actReturnLabel, msg: "err.unknown_code", doc: "a pre-advised return label starts its drop-off; any other says the code is not recognised"}
	returnBusy := scanRoute{act: actSay, msg: "scan.busy_return", doc: "says a parcel is being dropped off, to scan again in a moment; changes nothing"}
	returnCode := scanRoute{act: actReturnCode, doc: "takes it as the return code (a wrong one counts like a typed one)"}
	pressDone := scanRoute{act: actSay, msg: "scan.press_done", doc: "says to tap Done first; changes nothing"}
	collectBusy := scanRoute{act: actSay, msg: "scan.busy_collect", doc: "says a courier is collecting parcels, to scan again in a moment; changes nothing"}
	answerReturn := scanRoute{act: actSay, msg: "scan.answer_first_return", doc: "says to open the door again or cancel first; changes nothing"}
	return map[string]scanRow{
		"home":    home,
		"courier": {qr: pickup, badge: signIn, parcel: signInFirst, unknown: scanRoute{act: actSignIn, doc: "signs in with it (a badge without the badge prefix)"}},
		"pickup":  {qr: pickup, badge: signIn, parcel: notPickup, unknown: notPickup},
		"staff":   idle,
		"receipt": {qr: pickup, badge: scanRoute{act: actSignIn, doc: "signs the courier in for a new visit"}, parcel: signInFirst, unknown: unknown},

		"deposit.scan":      between,
		"deposit.done":      between,
		"deposit.recipient": choosing,
		"deposit.size":      choosing,
		"deposit.door":      {qr: qrBusy, badge: badgeBusy, parcel: closeFirst, unknown: closeFirst},

		"pickup.door": {qr: pickupBusy, badge: pickupBusy, parcel: pickupBusy, unknown: pickupBusy},
		"pickup.done": idle,

		// The item sensor and a full bank (screens_sensor.go).
		"deposit.check": {qr: qrBusy, badge: badgeBusy,
			parcel:  scanRoute{act: actSay, msg: "scan.answer_first", doc: "says to open the door again or cancel this parcel first; changes nothing"},
			unknown: scanRoute{act: actSay, msg: "scan.answer_first", doc: "says to open the door again or cancel this parcel first; changes nothing"}},
		"deposit.share": choosing,
		"deposit.full":  between,
		"pickup.inside": {qr: pickupBusy, badge: pickupBusy, parcel: pickupBusy, unknown: pickupBusy},

		// The returns.
		"return.code":  {qr: scanRoute{act: actSay, msg: "scan.return_not_pickup", doc: "says it is a pickup code: Cancel, then Pick up; changes nothing"}, badge: returnBusy, parcel: returnCode, unknown: returnCode},
		"return.door":  {qr: returnBusy, badge: returnBusy, parcel: closeFirst, unknown: closeFirst},
		"return.check": {qr: returnBusy, badge: returnBusy, parcel: answerReturn, unknown: answerReturn},
		"return.done":  {qr: pressDone, badge: pressDone, parcel: pressDone, unknown: pressDone},
		"collect.door": {qr: collectBusy, badge: collectBusy, parcel: closeFirst, unknown: closeFirst},

		"maint.menu": {qr: record, badge: record, parcel: record, unknown: record},
		"maint.door": {qr: record, badge: record, parcel: record, unknown: record},

		anyOtherScreen: {
			qr:      scanRoute{act: actSay, msg: "scan.not_now", doc: "says the screen takes no scans now; changes nothing"},
			badge:   scanRoute{act: actSay, msg: "scan.not_now", doc: "says the screen takes no scans now; changes nothing"},
			parcel:  scanRoute{act: actSay, msg: "scan.not_now", doc: "says the screen takes no scans now; changes nothing"},
			unknown: scanRoute{act: actSay, msg: "scan.not_now", doc: "says the screen takes no scans now; changes nothing"},
		},
	}
}

// routeScan returns what the screen shown does with a scan of kind k.
func (u *UI) routeScan(k ScanKind) scanRoute {
	row, ok := u.routes[u.screenKey]
	if !ok {
		row = u.routes[anyOtherScreen]
	}
	return row.route(k)
}

// sayError is a message shown as the outcome of a service call.
type sayError struct{ id string }

func (e sayError) Error() string { return "ui: " + e.id }

// onScan routes a scanned code by the screen it arrives on (scanTable).
func (u *UI) onScan(s Scan) {
	if s.At.IsZero() {
		s.At = u.o.Clock.Now()
	}
	u.scans = append(u.scans, s)
	if len(u.scans) > 10 {
		u.scans = u.scans[len(u.scans)-10:]
	}
	u.touch()
	r := u.routeScan(s.Kind)
	if r.act != actSay && r.act != actRecord && u.help != helpClosed {
		u.help = helpClosed // the scan acts on the screen under the Help card: show it
	}
	switch r.act {
	case actSay:
		u.msg = message{id: r.msg}
		u.refresh()
	case actRecord:
		u.refresh() // the diagnostics list the scans
	case actParcel:
		carrier := s.Carrier
		if carrier == "" {
			carrier = u.view.Courier.Carrier
		}
		u.call(func(ctx context.Context) error { return u.svc.ScanParcel(ctx, s.Text, carrier) })
	case actReturnCode:
		u.returnCall(func(ctx context.Context, rs ReturnService) error { return rs.ReturnCode(ctx, s.Text) })
	case actReturnLabel:
		u.returnLabel(s.Text, r.msg)
	case actPickup:
		u.receipt = nil
		if u.view.Flow == locker.FlowIdle && u.local != localHome {
			u.local = localPickup // a wrong code reads as one on the pickup screen
		}
		u.call(func(ctx context.Context) error { return u.svc.PickupWithQR(ctx, s.Text) })
	case actSignIn:
		u.receipt = nil
		if u.view.Flow == locker.FlowIdle && u.local != localHome {
			u.local = localCourier // a wrong badge reads as one on the courier screen
		}
		visit := u.view.VisitID
		u.call(func(ctx context.Context) error {
			err := u.svc.CourierSignIn(ctx, s.Text)
			if err == nil && visit != "" && u.svc.View().VisitID == visit {
				return sayError{id: "scan.signed_in"}
			}
			return err
		})
	}
}

// sayText is the sentence of a sayError in err, if it is one.
func (u *UI) sayText(err error) (string, bool) {
	var s sayError
	if errors.As(err, &s) {
		return u.tr.T(s.id), true
	}
	return "", false
}
