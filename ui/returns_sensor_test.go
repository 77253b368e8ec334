package ui

import (
	"testing"

	"github.com/parcelkiosk/locker"
)

// toReturnCheck: a return's drop-off door closed with nothing seen inside
// (the world has item sensors). It returns the door.
func toReturnCheck(h *harness, code string) locker.Compartment {
	h.t.Helper()
	h.tap("Send or return a parcel")
	h.wantScreen("return.code")
	h.keys(code)
	h.tap("OK")
	h.wantScreen("return.door")
	door := h.u.view.Compartment
	h.opened()
	h.closeWith(locker.ItemEmpty)
	h.wantScreen("return.check")
	return door
}

// TestReturnClosedEmptyAsksOnScreen: the return door closed with the item
// sensor seeing nothing asks "Is the parcel inside?" on the deposit's
// question screen; Open again unlocks the same door and the parcel seen
// commits it; Cancel frees the door and the code works again. With
// UI_SCREENSHOTS=DIR the question is written as DIR/57-*.png.
func TestReturnClosedEmptyAsksOnScreen(t *testing.T) {
	h := newSensorHarness(t, Options{})
	svc := h.w.svc.Service
	for _, r := range []locker.Return{{Code: "RT1234", Carrier: "UPS", Size: locker.SizeS}, {Code: "RT5678", Carrier: "UPS", Size: locker.SizeS}} {
		if _, err := svc.ExpectReturn(h.w.ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	door := toReturnCheck(h, "RT1234")
	h.wantText("Is the parcel inside?")
	h.wantText("Door " + door.ID + " closed")
	h.shot("57-return-check-inside-landscape")
	if n := h.w.count(locker.EvtReturnDeposited); n != 0 {
		t.Fatalf("%d return.deposited for a door closed empty", n)
	}
	if c := compartment(h.u.view, door.ID); c.Status != locker.StatusReserved {
		t.Fatalf("door %s while asking, want reserved", c.Status)
	}
	h.w.bus.take()
	h.tap("Open again")
	h.wantScreen("return.door")
	if u := h.w.bus.take(); len(u) != 1 || u[0] != door.Addr {
		t.Fatalf("unlocks %v, want %v", u, door.Addr)
	}
	h.opened()
	h.closeWith(locker.ItemPresent)
	h.wantScreen("return.done")
	if n := h.w.count(locker.EvtReturnDeposited); n != 1 {
		t.Fatalf("%d return.deposited after the parcel was seen, want 1", n)
	}
	h.tap("Done")
	h.wantScreen("home")

	// The second one is cancelled, in Spanish: the door is free, the code
	// works again.
	h.tap("Español")
	h.tap("Enviar o devolver un paquete")
	h.wantScreen("return.code")
	h.keys("RT5678")
	h.tap("OK")
	h.wantScreen("return.door")
	door = h.u.view.Compartment
	h.opened()
	h.closeWith(locker.ItemEmpty)
	h.wantScreen("return.check")
	h.wantText("¿Está el paquete dentro?")
	h.tap("Cancelar")
	h.wantScreen("home")
	if c := compartment(h.u.view, door.ID); c.Status != locker.StatusAvailable {
		t.Fatalf("door %s after cancel, want available", c.Status)
	}
	h.tap("English")
	toReturnCheck(h, "RT5678") // the code works again
	if n := h.w.count(locker.EvtReturnDeposited); n != 1 {
		t.Fatalf("%d return.deposited, want still 1", n)
	}
}

// count is the number of events of type ty in the outbox.
func (w *world) count(ty string) int {
	w.t.Helper()
	evs, err := w.db.OutboxPending(w.ctx, 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Type == ty {
			n++
		}
	}
	return n
}
