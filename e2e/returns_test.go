package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// returnData is the data of a return event, read from its envelope.
func returnData(t *testing.T, e event) map[string]any {
	t.Helper()
	var env struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(e.Raw, &env); err != nil {
		t.Fatalf("event %s: %v", e.Raw, err)
	}
	return env.Data
}

// returnEvent matches the event of type typ for the return with code.
func returnEvent(t *testing.T, typ, code string) func(event) bool {
	return func(e event) bool { return e.Type == typ && returnData(t, e)["code"] == code }
}

// TestReturns runs the round trip of issue 15 on the real kiosk: two
// returns pre-advised over NATS (return.expect), one dropped off by its
// code typed after "Send or return a parcel", one by its label scanned at
// the home screen; the UPS courier signs in with a badge, delivers a
// parcel and then collects both, one door after the other, each door
// closing empty (the simulator's item sensor). The events arrive once
// each and in order, and the simulator saw exactly the unlocks of those
// doors.
func TestReturns(t *testing.T) {
	h := newHarness(t, options{})
	h.seed(5)
	h.command("return.expect", map[string]any{"code": "RTE2E01", "carrier": "UPS", "size": "S"})
	h.command("return.expect", map[string]any{"code": "RTE2E02", "carrier": "UPS", "label_barcode": "1ZRETURNE2E0002"})
	h.command("return.expect", map[string]any{"code": "RTE2E02", "carrier": "UPS", "label_barcode": "1ZRETURNE2E0002"}) // idempotent
	h.expect("1Z999AA10000000017", "UPS", "R001", locker.SizeS)

	// By code on the keyboard.
	h.untilUnlock("return by code", func() {
		if m, ok := h.layout(); !ok || m.Screen != "return.code" {
			h.pressFor("home", "Send or return a parcel", h.onScreen("return.code"))
		}
		h.typeText("RTE2E01")
		h.key("Return")
	})
	d1 := h.events.wait(20*time.Second, "return.deposited RTE2E01", returnEvent(t, locker.EvtReturnDeposited, "RTE2E01"))
	if !h.waitScreen("return.done", 20*time.Second) {
		h.shot("no-return-done")
		t.Fatal("no receipt screen after the drop-off")
	}
	h.shot("return-done")
	h.pressFor("return.done", "Done", h.onScreen("home"))

	// By the label scanned at the home screen.
	h.untilUnlock("return by label", func() { h.scan("1ZRETURNE2E0002") })
	d2 := h.events.wait(20*time.Second, "return.deposited RTE2E02", returnEvent(t, locker.EvtReturnDeposited, "RTE2E02"))
	h.pressFor("return.done", "Done", h.onScreen("home"))
	doors := []string{returnData(t, d1)["door"].(string), returnData(t, d2)["door"].(string)}
	if doors[0] == doors[1] || h.comps[doors[0]] == (locker.LockAddr{}) {
		t.Fatalf("returns in doors %v", doors)
	}
	if z := doorSize(h, doors[0]); z != "S" {
		t.Errorf("the S return went into a %s door", z)
	}

	// The courier: a delivery first, then the collection.
	h.signIn(couriers[0].badge)
	dep := h.depositScanned(couriers[0].badge, "1Z999AA10000000017")
	h.pressFor("deposit.done", "Next parcel", h.onScreen("deposit.scan"))
	before := h.unlockCount()
	h.pressFor("deposit.scan", "Collect one by one", func() bool { return h.unlockCount() > before })
	h.shot("collecting")
	for _, code := range []string{"RTE2E01", "RTE2E02"} {
		h.events.wait(30*time.Second, "return.collected "+code, returnEvent(t, locker.EvtReturnCollected, code))
	}
	if !h.waitScreen("deposit.scan", 20*time.Second) {
		h.shot("not-back-to-scan")
		t.Fatal("the collection did not go back to the scan screen")
	}
	h.finishVisit()

	all := h.waitDrained(20 * time.Second)
	var got []string
	for _, e := range all {
		switch e.Type {
		case locker.EvtReturnDeposited, locker.EvtReturnCollected:
			d := returnData(t, e)
			got = append(got, fmt.Sprintf("%s %s %s", e.Type, d["code"], d["door"]))
			if e.Type == locker.EvtReturnCollected && d["courier_id"] != couriers[0].id {
				t.Errorf("return.collected by %v, want %s", d["courier_id"], couriers[0].id)
			}
		}
	}
	// The collection opens the doors in the order of their ids.
	codes := []string{"RTE2E01", "RTE2E02"}
	order := []int{0, 1}
	if doors[1] < doors[0] {
		order = []int{1, 0}
	}
	want := []string{"return.deposited RTE2E01 " + doors[0], "return.deposited RTE2E02 " + doors[1]}
	for _, i := range order {
		want = append(want, "return.collected "+codes[i]+" "+doors[i])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("return events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Per door: opened, closed with the drop-off, opened, closed with the collection.
	for _, door := range doors {
		var seq []string
		for _, e := range all {
			switch e.Type {
			case locker.EvtDoorOpened, locker.EvtDoorClosed:
				if e.Data.Compartment == door {
					seq = append(seq, e.Type)
				}
			case locker.EvtReturnDeposited, locker.EvtReturnCollected:
				if returnData(t, e)["door"] == door {
					seq = append(seq, e.Type)
				}
			}
		}
		want := "door.opened door.closed return.deposited door.opened door.closed return.collected"
		if strings.Join(seq, " ") != want {
			t.Errorf("door %s events %v, want %s", door, seq, want)
		}
	}
	// The simulator saw the unlocks of exactly these doors, in this order.
	wantUnlocks := []locker.LockAddr{h.comps[doors[0]], h.comps[doors[1]], h.comps[dep.Data.Compartment],
		h.comps[doors[order[0]]], h.comps[doors[order[1]]]}
	if got := h.sim.unlocks(); joinAddrs(got) != joinAddrs(wantUnlocks) {
		t.Errorf("simulator unlocks %s, want %s", joinAddrs(got), joinAddrs(wantUnlocks))
	}
	st, err := h.status()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range st.Compartments {
		if (c.ID == doors[0] || c.ID == doors[1]) && c.Status != "available" {
			t.Errorf("door %s is %s after the collection", c.ID, c.Status)
		}
	}
	h.checkDoors()
	h.checkAudit()
}

// doorSize is the configured size of door id.
func doorSize(h *harness, id string) string {
	for _, d := range h.doors {
		if d.ID == id {
			return d.Size
		}
	}
	return ""
}
