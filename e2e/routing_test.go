package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// sentence returns the translation of message id in language tag, as the
// kiosk shows it.
func sentence(t *testing.T, tag, id string) string {
	t.Helper()
	b, err := assets.Translation(tag)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	s, ok := m[id].(string)
	if !ok {
		t.Fatalf("no message %s in %s", id, tag)
	}
	return s
}

// waitMessage waits for screen to show message in its red bar.
func (h *harness) waitMessage(screen, message string) {
	h.t.Helper()
	if waitFor(20*time.Second, func() bool {
		m, ok := h.layout()
		return ok && m.Screen == screen && m.Message == message
	}) {
		return
	}
	m, _ := h.layout()
	h.shot("no-message")
	h.t.Fatalf("screen %q did not say %q; it shows %q saying %q", screen, message, m.Screen, m.Message)
}

// visitEnd is the data of a visit.finished event.
type visitEnd struct {
	VisitID   string `json:"visit_id"`
	CourierID string `json:"courier_id"`
	EndedBy   string `json:"ended_by"`
	Receipt   string `json:"receipt"`
	Parcels   []struct {
		ParcelID    string `json:"parcel_id"`
		Barcode     string `json:"barcode"`
		Compartment string `json:"compartment"`
	} `json:"parcels"`
}

// visitEnds returns the visit.finished events after the first n.
func (h *harness) visitEnds(n int) []visitEnd {
	h.t.Helper()
	_ = h.events.sync()
	var out []visitEnd
	for _, e := range h.events.findAfter(n, ofType(locker.EvtVisitFinished)) {
		var env struct {
			Data visitEnd `json:"data"`
		}
		if err := json.Unmarshal(e.Raw, &env); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, env.Data)
	}
	return out
}

// waitVisitEnd waits for a visit.finished event after the first n events
// ended by how, and returns it.
func (h *harness) waitVisitEnd(n int, how string) visitEnd {
	h.t.Helper()
	var found visitEnd
	if !waitFor(20*time.Second, func() bool {
		for _, v := range h.visitEnds(n) {
			if v.EndedBy == how {
				found = v
				return true
			}
		}
		return false
	}) {
		h.shot("no-visit-end")
		h.t.Fatalf("no visit.finished ended by %s", how)
	}
	return found
}

// TestScansGoWhereMeant runs the lobby's day against the real kiosk, lock
// simulator and NATS: a resident's pickup QR and another courier's badge
// in the middle of a deposit are answered in both languages and change
// nothing; the directory is searched, never browsed; after a committed
// deposit the courier who walked away is signed out by the resident's QR
// (the receipt in visit.finished) or by the next courier's badge.
func TestScansGoWhereMeant(t *testing.T) {
	h := newHarness(t, options{})
	h.seed(30)
	h.command("directory.upsert", map[string]any{"recipients": []map[string]any{
		{"id": "RZQ", "name": "Zelda Quixote-Brambleworth", "unit": "9Z"}}})
	h.expect("1Z999AA10000000017", "UPS", "R001", locker.SizeS)
	h.expect("1Z999AA10000000025", "UPS", "R002", locker.SizeS)

	// A parcel for R001 from an earlier visit: the resident's QR code.
	h.signIn(couriers[2].badge)
	d1 := h.depositScanned(couriers[2].badge, "1Z999AA10000000017")
	h.finishVisit()

	// A courier in the middle of a deposit: the parcel is not pre-advised.
	h.signIn(couriers[0].badge)
	h.scan("TRACK-E2E-0001")
	if !h.waitScreen("deposit.recipient", 20*time.Second) {
		h.shot("no-recipient")
		t.Fatal("the parcel scan did not ask who it is for")
	}
	unlocks, marks := h.unlockCount(), h.events.count()
	h.scan(d1.Data.QR)
	h.waitMessage("deposit.recipient", sentence(t, "en", "scan.busy_deposit_qr"))
	h.shot("deposit-recipient-qr-refused")
	h.pressFor("deposit.recipient", "Español", func() bool {
		m, _ := h.layout()
		return m.Message == sentence(t, "es", "scan.busy_deposit_qr")
	})
	h.pressFor("deposit.recipient", "English", func() bool {
		m, _ := h.layout()
		return m.Message == sentence(t, "en", "scan.busy_deposit_qr")
	})
	signins := h.auditCount("courier.signin")
	h.scan(couriers[1].badge)
	h.waitMessage("deposit.recipient", sentence(t, "en", "scan.busy_deposit_badge"))
	if n := h.auditCount("courier.signin"); n != signins {
		t.Errorf("another courier's badge mid-deposit signed in (%d sign-ins, was %d)", n, signins)
	}
	if n := h.unlockCount(); n != unlocks {
		t.Errorf("%d doors unlocked by scans in the middle of a deposit", n-unlocks)
	}
	if v := h.visitEnds(marks); len(v) != 0 {
		t.Errorf("a scan in the middle of a deposit ended the visit: %+v", v)
	}
	if n := len(h.events.findAfter(marks, parcelEvent(locker.EvtParcelPickedUp, d1.Data.ParcelID))); n != 0 {
		t.Errorf("the resident's parcel was picked up in the middle of a deposit")
	}

	// The directory: nobody before two characters, at most one page.
	results := func() int {
		m, _ := h.layout()
		n := 0
		for _, it := range m.Items {
			if strings.HasPrefix(it.Label, "recipient:") {
				n++
			}
		}
		return n
	}
	if n := results(); n != 0 {
		t.Fatalf("the directory lists %d people before anything was typed", n)
	}
	h.typeText("1")
	time.Sleep(time.Second)
	if n := results(); n != 0 {
		t.Fatalf("one character lists %d people", n)
	}
	h.typeText("0") // "10": units 101-110, residents 010 and 100 ... : more than a page
	if !waitFor(10*time.Second, func() bool { return results() > 0 }) {
		h.shot("no-results")
		t.Fatal("no results for 10")
	}
	time.Sleep(500 * time.Millisecond)
	if n := results(); n != locker.DefaultPageSize {
		t.Errorf("%d results for 10, want one page of %d", n, locker.DefaultPageSize)
	}
	h.shot("directory-one-page")
	h.key("BackSpace")
	h.key("BackSpace")
	h.typeText("quix")
	h.pressFor("deposit.recipient", "recipient:RZQ", h.onScreen("deposit.size"))
	h.pressFor("deposit.size", "size:S", func() bool { return h.unlockCount() > unlocks })
	dz := h.events.wait(20*time.Second, "parcel.deposited TRACK-E2E-0001", func(e event) bool {
		return e.Type == locker.EvtParcelDeposited && e.Data.Barcode == "TRACK-E2E-0001"
	})
	if dz.Data.RecipientID != "RZQ" {
		t.Fatalf("the searched parcel went to %s", dz.Data.RecipientID)
	}
	if !h.waitScreen("deposit.done", 20*time.Second) {
		t.Fatal("no \"next parcel or finish\" screen after the deposit")
	}

	// The courier walks away. The resident's QR ends the visit and opens
	// the resident's door.
	marks = h.events.count()
	h.untilUnlock("pickup QR after a deposit", func() { h.scan(d1.Data.QR) })
	if got := h.lastUnlocks(1); len(got) != 1 || got[0] != h.comps[d1.Data.Compartment] {
		t.Errorf("the QR unlocked %s, want door %s", joinAddrs(got), d1.Data.Compartment)
	}
	v := h.waitVisitEnd(marks, locker.VisitEndedPickup)
	if len(v.Parcels) != 1 || v.Parcels[0].Barcode != "TRACK-E2E-0001" || v.Parcels[0].Compartment != dz.Data.Compartment ||
		v.CourierID != couriers[0].id || !strings.HasPrefix(v.Receipt, locker.ReceiptPrefix) {
		t.Errorf("visit.finished %+v, want the receipt of TRACK-E2E-0001 in %s by %s", v, dz.Data.Compartment, couriers[0].id)
	}
	h.events.wait(20*time.Second, "parcel.picked_up "+d1.Data.ParcelID, parcelEvent(locker.EvtParcelPickedUp, d1.Data.ParcelID))
	h.pickupDone()

	// Another courier's badge after a deposit starts their own visit.
	h.signIn(couriers[0].badge)
	h.depositScanned(couriers[0].badge, "1Z999AA10000000025")
	if !h.waitScreen("deposit.done", 20*time.Second) {
		t.Fatal("no \"next parcel or finish\" screen after the second deposit")
	}
	marks = h.events.count()
	h.signIn(couriers[1].badge)
	v = h.waitVisitEnd(marks, locker.VisitEndedCourier)
	if len(v.Parcels) != 1 || v.Parcels[0].Barcode != "1Z999AA10000000025" || v.CourierID != couriers[0].id {
		t.Errorf("visit.finished %+v, want the receipt of 1Z999AA10000000025 by %s", v, couriers[0].id)
	}
	if !h.waitScreen("deposit.scan", 20*time.Second) {
		t.Fatal("the next courier's badge did not start a visit")
	}
	h.shot("next-courier")
	h.mustPress("deposit.scan", "Cancel")
	if !h.waitScreen("home", 20*time.Second) {
		t.Fatal("cancel did not go home")
	}

	// directory.delete: the name leaves the kiosk's files; the id stays.
	fragments := []string{"zelda", "quixote", "brambleworth"}
	if found := filesHolding(t, h.dataDir, fragments); len(found) == 0 {
		t.Fatal("the resident's name is in no file of the data directory before the delete: wrong directory?")
	}
	h.command("directory.delete", map[string]any{"ids": []string{"RZQ"}})
	if !waitFor(20*time.Second, func() bool { return len(filesHolding(t, h.dataDir, fragments)) == 0 }) {
		t.Fatalf("after directory.delete the name is still in %v", filesHolding(t, h.dataDir, fragments))
	}
	for _, e := range h.waitDrained(20 * time.Second) {
		if bytes.Contains(bytes.ToLower(e.Raw), []byte("quixote")) {
			t.Errorf("event %s carried the name: %s", e.Type, e.Raw)
		}
	}
	if p, ok := h.parcels()[dz.Data.ParcelID]; !ok || p.Status != string(locker.ParcelDeposited) {
		t.Errorf("the deleted resident's parcel is %+v, want it deposited still", p)
	}
	h.checkAudit()
}

// filesHolding lists "file: fragment" for each fragment found, in any
// case, in the files of dir (not below).
func filesHolding(t *testing.T, dir string, fragments []string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // a file going away (a temporary) holds nothing
		}
		low := bytes.ToLower(b)
		for _, f := range fragments {
			if bytes.Contains(low, []byte(f)) {
				out = append(out, e.Name()+": "+f)
			}
		}
	}
	return out
}
