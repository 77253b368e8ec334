package ui

import (
	"context"
	"testing"

	"github.com/parcelkiosk/locker"
)

// ReturnCode records the call (the scan routes of the return code screen).
func (r *recorder) ReturnCode(ctx context.Context, code string) error {
	r.record("ReturnCode(%s)", code)
	return r.Service.ReturnCode(ctx, code)
}

// ReturnLabelScan records the call (the home screen's scan routes).
func (r *recorder) ReturnLabelScan(ctx context.Context, barcode string) error {
	r.record("ReturnLabelScan(%s)", barcode)
	return r.Service.ReturnLabelScan(ctx, barcode)
}

// expectReturn pre-advises a return of UPS, size S, with code and label.
func (h *harness) expectReturn(code, label string) {
	h.t.Helper()
	if _, err := h.w.svc.ExpectReturn(h.w.ctx, locker.Return{Code: code, Carrier: "UPS", Size: locker.SizeS, LabelBarcode: label}); err != nil {
		h.t.Fatal(err)
	}
}

// toReturnDoor: the door of a new return's drop-off, unlocked.
func toReturnDoor(h *harness, code string) {
	h.t.Helper()
	h.expectReturn(code, "")
	h.tap("Send or return a parcel")
	h.wantScreen("return.code")
	h.keys(code)
	h.tap("OK")
	h.wantScreen("return.door")
}

// returnScreenDrivers are screenDrivers for the returns' screens.
func returnScreenDrivers() map[string]func(h *harness, qr string) {
	return map[string]func(h *harness, qr string){
		"return.code": func(h *harness, _ string) {
			h.tap("Send or return a parcel")
			h.wantScreen("return.code")
		},
		"return.door": func(h *harness, _ string) { toReturnDoor(h, "RT7001") },
		"return.check": func(h *harness, _ string) {
			h.expectReturn("RT7002", "")
			toReturnCheck(h, "RT7002")
		},
		"return.done": func(h *harness, _ string) {
			toReturnDoor(h, "RT7003")
			h.openAndClose()
			h.wantScreen("return.done")
		},
		"collect.door": func(h *harness, _ string) {
			toReturnDoor(h, "RT7004")
			h.openAndClose()
			h.wantScreen("return.done")
			h.tap("Done")
			h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
			h.wantScreen("deposit.scan")
			h.tap("Collect one by one")
			h.wantScreen("collect.door")
		},
	}
}

// TestReturnCodeScreenScans: on the return code screen a scanned label is
// the return code and opens its door; the resident's own pickup QR is not
// taken as a (wrong) return code.
func TestReturnCodeScreenScans(t *testing.T) {
	h := newServiceHarness(t, Options{})
	qr := h.w.depositFor(t, "SETUP-0001")
	h.expectReturn("RT8001", "1ZRETURN0008")
	h.tap("Send or return a parcel")
	h.wantScreen("return.code")
	h.u.HandleScan(Scan{Text: qr, Kind: ScanPickupQR})
	h.wantScreen("return.code")
	h.wantText("That is a pickup code")
	h.u.HandleScan(Scan{Text: "1ZRETURN0008", Kind: ScanParcel, Carrier: "UPS"})
	h.wantScreen("return.door")
	if got := h.u.view.Returns.Current.Code; got != "RT8001" {
		t.Fatalf("return %q at the door, want RT8001", got)
	}
	if calls := h.w.svc.called(); calls != "ReturnCode(1ZRETURN0008)" {
		t.Errorf("calls %q, want only the label's ReturnCode", calls)
	}
}
