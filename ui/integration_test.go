package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/pquerna/otp/totp"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
)

// doorBus is a lock bus for the integration test: it records unlocks; the
// test plays the door sensor through Service.HandleDoorEvent.
type doorBus struct {
	mu       sync.Mutex
	unlocked []locker.LockAddr
}

func (b *doorBus) Unlock(_ context.Context, a locker.LockAddr) error {
	b.mu.Lock()
	b.unlocked = append(b.unlocked, a)
	b.mu.Unlock()
	return nil
}

func (b *doorBus) State(locker.LockAddr) locker.LockState {
	return locker.LockState{Door: locker.DoorClosed, Online: true}
}

// take returns and forgets the unlocks so far.
func (b *doorBus) take() []locker.LockAddr {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.unlocked
	b.unlocked = nil
	return u
}

// TestRealServiceDepositAndPickup drives the screens against the real
// domain service on a real SQLite file: a courier signs in on the keypad,
// scans a parcel, picks the recipient and size, the door opens and closes;
// then the recipient types the PIN the demo panel shows and takes it out.
func TestRealServiceDepositAndPickup(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bus := &doorBus{}
	comps := testBank()
	for i := range comps {
		comps[i].Status, comps[i].Door, comps[i].Reason = "", "", ""
	}
	svc, err := locker.NewService(locker.Options{Site: "t", Kiosk: "k1", Store: db, Bus: bus, Compartments: comps})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "UPS", Name: "Sam Rivera"}, "471100"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpsertRecipients(ctx, []locker.Recipient{{ID: "r1", Name: "Ana García", Unit: "100A"}, {ID: "r2", Name: "Bruno Díaz", Unit: "110B"}}); err != nil {
		t.Fatal(err)
	}

	a := test.NewTempApp(t)
	u, err := New(a, svc, Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	u.async = func(f func()) { f() }
	svc.Subscribe(func(v locker.View) { fyne.Do(func() { u.setView(v) }) })
	h := &harness{t: t, u: u}
	door := func(kind locker.DoorEventKind) {
		t.Helper()
		unlocks := bus.take()
		if kind == locker.EventOpened && len(unlocks) != 1 {
			t.Fatalf("%d unlocks before the door opened, want 1", len(unlocks))
		}
		addr := u.view.Compartment.Addr
		svc.HandleDoorEvent(ctx, locker.DoorEvent{Kind: kind, Addr: addr, Commanded: true, At: time.Now()})
	}

	h.tap("Drop off")
	h.keys("471100")
	h.tap("OK")
	h.wantScreen("deposit.scan")
	h.u.HandleScan(Scan{Text: "1Z999AA10123456784", Kind: ScanParcel, Source: "hid"})
	h.wantScreen("deposit.recipient")
	h.wantText("Type at least 2 letters")
	h.keys("ga")
	h.wantText("Ana G.")
	if h.has("García") {
		t.Fatalf("the full name shows: %s", h.texts())
	}
	h.tapPicture("recipient:r1")
	h.wantScreen("deposit.size")
	h.tapPicture("size:M")
	h.wantScreen("deposit.door")
	id := u.view.Compartment.ID
	if u.view.Compartment.Size != locker.SizeM {
		t.Fatalf("door %s of size %s, want M", id, u.view.Compartment.Size)
	}
	door(locker.EventOpened)
	h.wantText(fmt.Sprintf("Door %s is open", id))
	door(locker.EventClosed)
	h.wantScreen("deposit.done")
	h.tap("Finish")
	h.wantScreen("receipt")
	if u.receipt == nil || len(u.receipt.Items) != 1 || u.receipt.Text == "" {
		t.Fatalf("receipt = %+v", u.receipt)
	}
	h.tap("Done")
	h.wantScreen("home")

	pin := u.view.LastCredential.PIN
	if len(pin) != locker.DefaultPINDigits {
		t.Fatalf("demo panel PIN %q", pin)
	}
	h.wantText(pin)
	h.tap("Pick up")
	h.keys("000000")
	h.tap("Open")
	h.wantText("That code is not right")
	h.keys(pin)
	h.tap("Open")
	h.wantScreen("pickup.door")
	door(locker.EventOpened)
	h.wantText(fmt.Sprintf("Door %s is open", id))
	door(locker.EventClosed)
	h.wantScreen("pickup.done")
	h.tap("Done")
	h.wantScreen("home")

	// Staff: a wrong authenticator code, then the right one; open a door.
	secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	if err := svc.UpsertStaff(ctx, locker.Staff{ID: "s1", Name: "Alex Tech", TOTPSecret: secret}, "246800"); err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
	signInStaff(h, "246800", wrong)
	h.wantScreen("staff")
	h.wantText("Wrong PIN or authenticator code.")
	h.u.fields.staffTOTP.clear()
	h.keys(code)
	h.tap("OK")
	h.wantScreen("maint.menu")
	h.wantText("Maintenance: Alex Tech")
	m := h.bankMap()
	p, _ := m.centre("C1")
	tapAt(m, p)
	h.tap("Open door")
	h.tap("Inspection")
	h.wantScreen("maint.door")
	door(locker.EventOpened)
	h.wantText("Door C1 is open")
	door(locker.EventClosed)
	h.wantScreen("home") // the staff session ends with its door job
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
