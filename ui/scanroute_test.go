package ui

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/parcelkiosk/locker"
)

// screenDrivers brings a new harness to each screen of the kiosk. The
// setup has delivered one parcel for Ana (its QR code is qr); the
// deposits below are by courier c1 (code 471100), so the badge
// BADGE-UPS-7 (courier c2) is another courier's.
func screenDrivers() map[string]func(h *harness, qr string) {
	signIn := func(h *harness) {
		h.tap("Drop off")
		h.keys("471100")
		h.tap("OK")
		h.wantScreen("deposit.scan")
	}
	toRecipient := func(h *harness) {
		signIn(h)
		h.u.HandleScan(Scan{Text: "DRIVE-0001", Kind: ScanParcel})
		h.wantScreen("deposit.recipient")
	}
	toSize := func(h *harness) {
		toRecipient(h)
		h.pick("Bruno Díaz")
		h.wantScreen("deposit.size")
	}
	toDoor := func(h *harness) {
		toSize(h)
		h.tapPicture("size:S")
		h.wantScreen("deposit.door")
	}
	toDone := func(h *harness) {
		toDoor(h)
		h.openAndClose()
		h.wantScreen("deposit.done")
	}
	toPickupDoor := func(h *harness, qr string) {
		h.u.HandleScan(Scan{Text: qr, Kind: ScanPickupQR})
		h.wantScreen("pickup.door")
	}
	toMaint := func(h *harness) {
		signInStaff(h, "246800", h.totp())
		h.wantScreen("maint.menu")
	}
	drivers := map[string]func(h *harness, qr string){
		"home":    func(*harness, string) {},
		"courier": func(h *harness, _ string) { h.tap("Drop off") },
		"pickup":  func(h *harness, _ string) { h.tap("Pick up") },
		"staff":   func(h *harness, _ string) { h.tap("Staff") },
		"receipt": func(h *harness, _ string) {
			toDone(h)
			h.tap("Finish")
			h.wantScreen("receipt")
		},
		"deposit.scan":      func(h *harness, _ string) { signIn(h) },
		"deposit.recipient": func(h *harness, _ string) { toRecipient(h) },
		"deposit.size":      func(h *harness, _ string) { toSize(h) },
		"deposit.door":      func(h *harness, _ string) { toDoor(h) },
		"deposit.done":      func(h *harness, _ string) { toDone(h) },
		"pickup.door":       toPickupDoor,
		"pickup.done": func(h *harness, qr string) {
			toPickupDoor(h, qr)
			h.openAndClose()
			h.wantScreen("pickup.done")
		},
		// The item sensor and a full bank (sensor_test.go).
		"deposit.check": func(h *harness, _ string) { toCheckInside(h) },
		"deposit.share": func(h *harness, _ string) { toShareDoor(h) },
		"deposit.full":  func(h *harness, _ string) { toFull(h) },
		"pickup.inside": toLeftInside,

		"maint.menu": func(h *harness, _ string) { toMaint(h) },
		"maint.door": func(h *harness, _ string) {
			toMaint(h)
			m := h.bankMap()
			p, ok := m.centre("C2")
			if !ok {
				h.t.Fatal("door C2 not drawn")
			}
			tapAt(m, p)
			h.tap("Open door")
			h.tap("Cleaning")
			h.wantScreen("maint.door")
		},
	}
	maps.Copy(drivers, returnScreenDrivers()) // returns_scan_test.go
	return drivers
}

// TestScanTableListsEveryScreen: the routing table has a row for every
// screen the tests can reach, and no row for a screen that does not exist.
func TestScanTableListsEveryScreen(t *testing.T) {
	drivers := screenDrivers()
	table := scanTable()
	for key := range drivers {
		if _, ok := table[key]; !ok {
			t.Errorf("screen %s has no row in scanTable", key)
		}
	}
	for key := range table {
		if _, ok := drivers[key]; !ok && key != anyOtherScreen {
			t.Errorf("scanTable has a row for %s, which no test reaches", key)
		}
	}
	// Our own codes are never parcels, anywhere.
	for key, row := range table {
		if row.qr.act == actParcel || row.badge.act == actParcel {
			t.Errorf("screen %s takes a pickup QR or a badge as a parcel", key)
		}
	}
}

// TestScanRoutesOnEveryScreen scans each kind of code on each screen,
// through the real service, and checks that what happens is what the
// table says.
func TestScanRoutesOnEveryScreen(t *testing.T) {
	kinds := []struct {
		name string
		kind ScanKind
		text string // "" for the pickup QR of the setup's parcel
	}{
		{"pickup QR", ScanPickupQR, ""},
		{"badge", ScanBadge, "BADGE-UPS-7"},
		{"tracking number", ScanParcel, "1Z999AA10123456784"},
		{"unknown text", ScanUnknown, "HELLO-42"},
	}
	table := scanTable()
	drivers := screenDrivers()
	for _, screen := range slices.Sorted(func(yield func(string) bool) {
		for k := range drivers {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, k := range kinds {
			route := table[screen].route(k.kind)
			t.Run(screen+"/"+k.name, func(t *testing.T) {
				h := newServiceHarness(t, Options{})
				// Two parcels for Ana in two visits: two codes, one for the
				// drivers (pickup.door, pickup.done), one to scan.
				qr, scanQR := h.w.depositFor(t, "SETUP-0001"), h.w.depositFor(t, "SETUP-0002")
				drivers[screen](h, qr)
				h.wantScreen(screen)
				text := k.text
				if text == "" {
					text = scanQR
				}
				before, calls := h.u.view, h.w.svc.called()
				events := h.outbox(t)
				h.u.HandleScan(Scan{Text: text, Kind: k.kind, Source: "test"})
				newCalls := strings.TrimPrefix(strings.TrimPrefix(h.w.svc.called(), calls), "; ")
				switch route.act {
				case actSay, actRecord:
					if newCalls != "" {
						t.Fatalf("the scan called %s; the table says %q", newCalls, route.doc)
					}
					h.wantScreen(screen)
					if v := h.u.view; v.Flow != before.Flow || v.Step != before.Step || v.VisitID != before.VisitID || v.Parcel.ID != before.Parcel.ID {
						t.Fatalf("the scan changed the flow: %s/%s -> %s/%s", before.Flow, before.Step, v.Flow, v.Step)
					}
					if got := h.outbox(t); len(got) != len(events) {
						t.Fatalf("the scan wrote %d events", len(got)-len(events))
					}
					if route.act == actSay {
						en := h.u.tr.T(route.msg)
						h.wantText(en)
						// The message is in Spanish too.
						h.u.tr.setLang("es")
						h.u.refresh()
						if es := h.u.tr.T(route.msg); es == en || !h.has(es) {
							t.Fatalf("Spanish message %q not shown", es)
						}
					} else if len(h.u.scans) == 0 || h.u.scans[len(h.u.scans)-1].Text != text {
						t.Fatal("the scan is not recorded for the diagnostics")
					}
				case actPickup:
					if newCalls != "PickupWithQR" {
						t.Fatalf("calls %q, want PickupWithQR", newCalls)
					}
					h.wantScreen("pickup.door")
					if before.Flow == locker.FlowDeposit {
						h.wantVisitFinished(t, before.VisitID, locker.VisitEndedPickup)
					}
				case actSignIn:
					if newCalls != "CourierSignIn("+text+")" {
						t.Fatalf("calls %q, want CourierSignIn(%s)", newCalls, text)
					}
					if k.kind != ScanBadge {
						h.wantText("Badge or courier code not recognised.") // unknown text is no one's code
						return
					}
					h.wantScreen("deposit.scan")
					if v := h.u.view; v.Courier.ID != "c2" || v.VisitID == before.VisitID {
						t.Fatalf("courier %s visit %s after the badge", v.Courier.ID, v.VisitID)
					}
					if before.Flow == locker.FlowDeposit {
						h.wantVisitFinished(t, before.VisitID, locker.VisitEndedCourier)
					}
				case actParcel:
					if !strings.HasPrefix(newCalls, "ScanParcel("+text+",") {
						t.Fatalf("calls %q, want ScanParcel(%s)", newCalls, text)
					}
					h.wantScreen("deposit.recipient")
					if v := h.u.view; v.Parcel.Barcode != text || v.VisitID != before.VisitID {
						t.Fatalf("parcel %q in visit %s, want %s in the same visit", v.Parcel.Barcode, v.VisitID, text)
					}
				case actReturnCode:
					if newCalls != "ReturnCode("+text+")" {
						t.Fatalf("calls %q, want ReturnCode(%s)", newCalls, text)
					}
					h.wantScreen("return.code")
					h.wantText(h.u.tr.T("err.wrong_code")) // no return has this code
				case actReturnLabel:
					if newCalls != "ReturnLabelScan("+text+")" {
						t.Fatalf("calls %q, want ReturnLabelScan(%s)", newCalls, text)
					}
					h.wantScreen(screen) // no return has this label
					h.wantText(h.u.tr.T(route.msg))
				default:
					t.Fatalf("unknown act %d", route.act)
				}
			})
		}
	}
}

// TestSameCourierBadgeBetweenParcels: the courier's own badge again keeps
// the visit and says so.
func TestSameCourierBadgeBetweenParcels(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.wantScreen("deposit.scan")
	visit := h.u.view.VisitID
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.wantScreen("deposit.scan")
	if h.u.view.VisitID != visit {
		t.Fatal("the same badge started a new visit")
	}
	h.wantText("You are signed in already")
}

// TestReadmeScanTableMatchesCode: README.md's table of what each screen
// does with each kind of scan is the routing table's own words.
func TestReadmeScanTableMatchesCode(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	in := false
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "| screen | pickup QR | badge | tracking number | unknown text |") {
			in = true
			continue
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.HasPrefix(cells[0], "---") {
			continue
		}
		key := cells[0] // "`deposit.done` (what it is)"
		if parts := strings.Split(key, "`"); len(parts) >= 3 {
			key = parts[1]
		}
		rows[key] = cells[1:]
	}
	if len(rows) == 0 {
		t.Fatal("README.md has no scan table")
	}
	for key, row := range scanTable() {
		want := []string{row.qr.doc, row.badge.doc, row.parcel.doc, row.unknown.doc}
		got, ok := rows[key]
		if !ok {
			t.Errorf("README.md's scan table has no row for %s; want | `%s` | %s |", key, key, strings.Join(want, " | "))
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("README.md's row for %s:\n got  %q\n want %q", key, got, want)
		}
	}
	for key := range rows {
		if _, ok := scanTable()[key]; !ok {
			t.Errorf("README.md's scan table has a row for %s, which the code does not know", key)
		}
	}
}

// outbox returns the events waiting for the uplink.
func (h *harness) outbox(t *testing.T) []locker.Event {
	t.Helper()
	evs, err := h.w.db.OutboxPending(h.w.ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// wantVisitFinished fails unless visit.finished says visit ended by how.
func (h *harness) wantVisitFinished(t *testing.T, visit, how string) {
	t.Helper()
	for _, e := range h.outbox(t) {
		if e.Type != locker.EvtVisitFinished {
			continue
		}
		var d struct{ VisitID, EndedBy string }
		var raw map[string]any
		if err := json.Unmarshal(e.Data, &raw); err != nil {
			t.Fatal(err)
		}
		d.VisitID, _ = raw["visit_id"].(string)
		d.EndedBy, _ = raw["ended_by"].(string)
		if d.VisitID == visit {
			if d.EndedBy != how {
				t.Fatalf("visit %s ended by %s, want %s", visit, d.EndedBy, how)
			}
			return
		}
	}
	t.Fatalf("no visit.finished for %s", visit)
}

// depositFor delivers a parcel for Ana (r1) through the service, in a visit
// of its own (courier c1), and returns its pickup QR code. It leaves the
// kiosk at home, with no call recorded.
func (w *world) depositFor(t *testing.T, barcode string) string {
	t.Helper()
	s := w.svc.Service
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CourierSignIn(w.ctx, "471100"))
	must(s.ScanParcel(w.ctx, barcode, ""))
	must(s.ChooseRecipient(w.ctx, "r1"))
	must(s.ChooseSize(w.ctx, locker.SizeS))
	v := s.View()
	w.door(v, locker.EventOpened)
	w.door(v, locker.EventClosed)
	qr := s.View().LastCredential.QR
	_, err := s.FinishDeposit(w.ctx)
	must(err)
	if qr == "" {
		t.Fatal("no QR code for the deposit")
	}
	return qr
}

// TestScanUnderTheHelpCard: a pickup QR scanned while Help is open on the
// home screen starts the pickup and closes the card over it.
func TestScanUnderTheHelpCard(t *testing.T) {
	h := newServiceHarness(t, Options{})
	qr := h.w.depositFor(t, "HELP-0001")
	h.tap("Help")
	if h.u.help == helpClosed {
		t.Fatal("the Help card did not open")
	}
	h.u.HandleScan(Scan{Text: qr, Kind: ScanPickupQR})
	h.wantScreen("pickup.door")
	if h.u.help != helpClosed {
		t.Fatal("the Help card still covers the pickup")
	}
}
