package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/parcelkiosk/locker"
)

// newSensorHarness is a UI over the real service with item sensors fitted
// (the world's default).
func newSensorHarness(t *testing.T, o Options) *harness {
	t.Helper()
	return newServiceHarness(t, o)
}

// The scan routing tests' drivers to the screens of this file
// (screenDrivers): each starts from home, with the setup's parcels in.

// toCheckInside: a deposit door closed with nothing seen inside.
func toCheckInside(h *harness) {
	h.t.Helper()
	h.toDoor("DRIVE-0001", "Bruno Díaz", locker.SizeS)
	h.opened()
	h.closeWith(locker.ItemEmpty)
	h.wantScreen("deposit.check")
}

// toShareDoor: the bank full, Ana's door offered for her next parcel.
func toShareDoor(h *harness) {
	h.t.Helper()
	h.onlyDoorA1()
	h.full("A")
	h.u.HandleScan(Scan{Text: "DRIVE-0001", Kind: ScanParcel})
	h.pick("Ana García")
	h.u.call(func(ctx context.Context) error { return h.w.svc.ChooseSize(ctx, locker.SizeS) })
	h.wantScreen("deposit.share")
}

// toFull: the bank full and nothing of Bruno's in it: refused.
func toFull(h *harness) {
	h.t.Helper()
	h.onlyDoorA1()
	h.full("B")
	h.u.HandleScan(Scan{Text: "DRIVE-0001", Kind: ScanParcel})
	h.pick("Bruno Díaz")
	h.u.call(func(ctx context.Context) error { return h.w.svc.ChooseSize(ctx, locker.SizeS) })
	h.wantScreen("deposit.full")
}

// toLeftInside: the pickup of qr, its door closed with something inside.
func toLeftInside(h *harness, qr string) {
	h.t.Helper()
	h.u.HandleScan(Scan{Text: qr, Kind: ScanPickupQR})
	h.wantScreen("pickup.door")
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("pickup.inside")
}

// full signs courier c1 in from home, fills the one door left in service
// (onlyDoorA1) with a parcel for Carla if it is free, and leaves the
// courier on the scan screen. tag keeps barcodes apart.
func (h *harness) full(tag string) {
	h.t.Helper()
	h.tap("Drop off") // courier c1 by code: the routing test's badge is c2's
	h.keys("471100")
	h.tap("OK")
	h.wantScreen("deposit.scan")
	for _, c := range h.u.view.Compartments {
		if c.ID == "A1" && c.Status == locker.StatusAvailable {
			h.u.HandleScan(Scan{Text: "FILL-" + tag, Kind: ScanParcel})
			h.pick("Carla Ruiz")
			h.tapPicture("size:S")
			h.opened()
			h.closeWith(locker.ItemPresent)
			h.wantScreen("deposit.done")
			h.tap("Next parcel")
		}
	}
}

// closeWith plays the flow's door closing with the item sensor reading item.
func (h *harness) closeWith(item locker.ItemState) {
	h.t.Helper()
	v := h.u.view
	h.w.svc.HandleDoorEvent(h.w.ctx, locker.DoorEvent{Kind: locker.EventClosed, Addr: v.Compartment.Addr, Commanded: true, Item: item, At: h.clock.Now()})
}

// opened plays the flow's door opening.
func (h *harness) opened() {
	h.t.Helper()
	h.w.door(h.u.view, locker.EventOpened)
}

// toDoor signs in (unless a visit runs) and walks barcode for name at size z to its door.
func (h *harness) toDoor(barcode, name string, z locker.Size) {
	h.t.Helper()
	if h.u.view.Flow != locker.FlowDeposit {
		h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	}
	h.u.HandleScan(Scan{Text: barcode, Kind: ScanParcel})
	h.wantScreen("deposit.recipient")
	h.pick(name)
	h.tapPicture("size:" + string(z))
}

// onlyDoorA1 takes every door but A1 out of service: a bank with one S door.
func (h *harness) onlyDoorA1() {
	h.t.Helper()
	for _, c := range h.u.view.Compartments {
		if c.ID != "A1" && c.Status == locker.StatusAvailable {
			if err := h.w.svc.RemoteSetCompartment(h.w.ctx, c.ID, locker.StatusOutOfService, "s1", "test"); err != nil {
				h.t.Fatal(err)
			}
		}
	}
}

func TestDepositClosedEmptyAsksOnScreen(t *testing.T) {
	h := newSensorHarness(t, Options{})
	h.toDoor("PKG-1", "Ana García", locker.SizeS)
	h.wantScreen("deposit.door")
	door := h.u.view.Compartment
	h.opened()
	h.closeWith(locker.ItemEmpty)
	h.wantScreen("deposit.check")
	h.wantText("Is the parcel inside?")
	h.wantText("Door " + door.ID + " closed")
	h.w.bus.take()
	h.tap("Open again")
	h.wantScreen("deposit.door")
	if u := h.w.bus.take(); len(u) != 1 || u[0] != door.Addr {
		t.Fatalf("unlocks %v, want %v", u, door.Addr)
	}
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("deposit.done")

	// The next one is given up: the visit goes on, the door is free again.
	h.tap("Next parcel")
	h.toDoor("PKG-2", "Bruno Díaz", locker.SizeS)
	h.opened()
	h.closeWith(locker.ItemEmpty)
	h.tap("Español")
	h.wantScreen("deposit.check")
	h.wantText("¿Está el paquete dentro?")
	h.tap("Cancelar este paquete")
	h.wantScreen("deposit.scan")
	if v := h.u.view; len(v.Receipts) != 1 || v.Parcel.Barcode != "" {
		t.Fatalf("after the cancel: %d receipts, draft %q", len(v.Receipts), v.Parcel.Barcode)
	}
}

func TestPickupLeftInsideOnScreen(t *testing.T) {
	h := newSensorHarness(t, Options{Demo: true})
	h.toDoor("PKG-1", "Ana García", locker.SizeS)
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("deposit.done")
	h.tap("Finish")
	h.tap("Done")
	pin := h.u.view.LastCredential.PIN
	h.tap("Pick up")
	h.keys(pin)
	h.tap("Open")
	h.wantScreen("pickup.door")
	door := h.u.view.Compartment.ID
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("pickup.inside")
	h.wantText("Your parcel may still be inside")
	h.tap("Open again")
	h.wantScreen("pickup.door")
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("pickup.inside")
	h.tap("Leave it here")
	h.wantScreen("pickup.done")
	h.wantText("Something is still in door " + door)
	h.tap("Done")
	h.wantScreen("home")
	// The code still opens the door.
	h.tap("Pick up")
	h.keys(pin)
	h.tap("Open")
	h.wantScreen("pickup.door")
}

func TestFullBankOffersTheDoorThenRefuses(t *testing.T) {
	h := newSensorHarness(t, Options{})
	h.onlyDoorA1()
	h.toDoor("PKG-1", "Ana García", locker.SizeS)
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("deposit.done")
	h.tap("Next parcel")

	h.u.HandleScan(Scan{Text: "PKG-2", Kind: ScanParcel})
	h.pick("Ana García")
	h.wantScreen("deposit.size") // every size button is off: no door free
	h.u.call(func(ctx context.Context) error { return h.w.svc.ChooseSize(ctx, locker.SizeS) })
	h.wantScreen("deposit.share")
	h.wantText("Door A1 already holds parcels for Ana G., 100A")
	h.tap("It fits: open door A1")
	h.wantScreen("deposit.door")
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("deposit.done")
	h.tap("Next parcel")

	h.u.HandleScan(Scan{Text: "PKG-3", Kind: ScanParcel})
	h.pick("Bruno Díaz")
	h.u.call(func(ctx context.Context) error { return h.w.svc.ChooseSize(ctx, locker.SizeS) })
	h.wantScreen("deposit.full")
	h.wantText("The locker is full")
	h.wantText("PKG-3")
	if h.u.msg.err != nil || h.u.msg.id != "" {
		t.Errorf("an error bar on the full screen, which says it already: %q", h.u.msgText())
	}
	h.tap("Español")
	h.wantText("La taquilla está llena")
	h.tap("Terminar")
	h.wantScreen("receipt")
	if !strings.Contains(h.texts(), "PKG-2") {
		t.Errorf("the receipt does not list PKG-2")
	}
}

// TestScreenshotsSensor writes the screens of the item sensor and of a
// full bank (see TestScreenshots), and checks they fit in both languages
// and with the larger text.
func TestScreenshotsSensor(t *testing.T) {
	for _, sz := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1080, Height: 1920}} {
		suffix := "-landscape"
		if sz.Height > sz.Width {
			suffix = "-portrait"
		}
		t.Run(suffix[1:], func(t *testing.T) {
			h := newSensorHarness(t, Options{Demo: true, Portrait: sz.Height > sz.Width})
			h.u.win.Resize(sz)
			h.onlyDoorA1()
			h.toDoor("1Z999AA10123456784", "Ana García", locker.SizeS)
			h.opened()
			h.closeWith(locker.ItemEmpty)
			h.wantScreen("deposit.check")
			h.shot("40-deposit-check-inside" + suffix)
			h.tap("Open again")
			h.opened()
			h.closeWith(locker.ItemPresent)
			h.tap("Next parcel")
			h.u.HandleScan(Scan{Text: "JD014600006281234567", Kind: ScanParcel})
			h.pick("Ana García")
			h.u.call(func(ctx context.Context) error { return h.w.svc.ChooseSize(ctx, locker.SizeS) })
			h.wantScreen("deposit.share")
			h.shot("41-deposit-share-door" + suffix)
			h.tap("It doesn't fit")
			h.wantScreen("deposit.full")
			h.shot("42-deposit-full" + suffix)
			h.tap("Finish")
			h.tap("Done")
			pin := h.u.view.LastCredential.PIN
			h.tap("Pick up")
			h.keys(pin)
			h.tap("Open")
			h.opened()
			h.closeWith(locker.ItemPresent)
			h.wantScreen("pickup.inside")
			h.shot("43-pickup-left-inside" + suffix)
			h.tap("Leave it here")
			h.wantScreen("pickup.done")
			h.shot("44-pickup-done-left-inside" + suffix)
		})
	}
}

// saidList is a Speaker that only records what it is asked to say.
type saidList struct {
	mu   sync.Mutex
	said []string
}

func (s *saidList) Say(lang, text string) {
	s.mu.Lock()
	s.said = append(s.said, lang+": "+text)
	s.mu.Unlock()
}

func (s *saidList) Interrupt() {}

func (s *saidList) joined() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.said, "\n")
}

// TestSensorScreensAreSpoken: in the larger-text mode the questions say
// their heading, sentence and answers, and the end of a pickup says what
// was left inside.
func TestSensorScreensAreSpoken(t *testing.T) {
	sp := &saidList{}
	w := newWorldWith(t, func(o *locker.Options) { o.ItemSensors = true })
	h := newServiceHarnessOn(t, w, Options{Speaker: sp, Demo: true})
	h.toDoor("PKG-1", "Ana García", locker.SizeS)
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.tap("Finish")
	h.tap("Done")
	pin := h.u.view.LastCredential.PIN
	h.tap("Larger text")
	h.tap("Pick up")
	h.keys(pin)
	h.tap("Open")
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("pickup.inside")
	h.tap("Leave it here")
	h.wantScreen("pickup.done")
	said := sp.joined()
	for _, want := range []string{"en: Your parcel may still be inside. Door A1 closed with something still inside.", "Open again. Leave it here.", "Something is still in door A1."} {
		if !strings.Contains(said, want) {
			t.Errorf("not said: %q; said:\n%s", want, said)
		}
	}
}
