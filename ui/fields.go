package ui

import (
	"context"
)

// fields are the entry boxes, each built once for its screen.
type fields struct {
	courier, barcode, search, pin, staffPIN, staffTOTP *field
	returnCode                                         *field // screens_returns.go
}

// makeFields builds the entry boxes, once.
func (u *UI) makeFields() {
	size := float32(44)
	l := &u.look
	u.fields = fields{
		courier:   newField(l, u.tr.T("field.code"), 32, false, true, size),
		barcode:   newField(l, u.tr.T("field.barcode"), 64, false, false, 36),
		search:    newField(l, u.tr.T("field.search"), 40, false, false, 30),
		pin:       newField(l, u.tr.T("field.pin"), 12, true, false, 56),
		staffPIN:  newField(l, u.tr.T("field.staff_pin"), 12, true, true, size),
		staffTOTP: newField(l, u.tr.T("field.totp"), 6, true, false, size),
	}
	u.makeReturnFields()
	f := &u.fields
	// Spoken guidance says the recipient's PIN digits as they are typed
	// (it is for people who cannot see them); staff and courier codes,
	// never.
	f.courier.secret, f.staffPIN.secret, f.staffTOTP.secret = true, true, true
	f.courier.onSubmit = func(code string) {
		u.fields.courier.clear() // a wrong code is typed again from scratch
		u.call(func(ctx context.Context) error { return u.svc.CourierSignIn(ctx, code) })
	}
	f.barcode.onSubmit = func(code string) {
		carrier := u.view.Courier.Carrier
		u.call(func(ctx context.Context) error { return u.svc.ScanParcel(ctx, code, carrier) })
	}
	f.search.onChange = func(q string) { u.runSearch(q) }
	f.search.onSubmit = func(q string) { u.runSearch(q) }
	f.pin.onSubmit = func(pin string) {
		u.fields.pin.clear()
		u.call(func(ctx context.Context) error { return u.svc.PickupWithPIN(ctx, pin) })
	}
	f.staffPIN.onSubmit = func(string) {
		u.staffOnTOTP = true
		u.refresh()
	}
	f.staffTOTP.onSubmit = func(code string) {
		pin := u.fields.staffPIN.text
		u.call(func(ctx context.Context) error { return u.svc.StaffSignIn(ctx, pin, code) })
	}
}

// resetFields empties every entry box.
func (u *UI) resetFields() {
	for _, f := range u.allFields() {
		f.clear()
	}
}

// relabelFields translates the entry boxes' hints after a language change.
func (u *UI) relabelFields() {
	f := &u.fields
	f.courier.setHint(u.tr.T("field.code"))
	f.barcode.setHint(u.tr.T("field.barcode"))
	f.search.setHint(u.tr.T("field.search"))
	f.pin.setHint(u.tr.T("field.pin"))
	f.staffPIN.setHint(u.tr.T("field.staff_pin"))
	f.staffTOTP.setHint(u.tr.T("field.totp"))
	f.returnCode.setHint(u.tr.T("field.return_code"))
}
