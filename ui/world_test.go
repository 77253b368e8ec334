package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/pquerna/otp/totp"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/store"
)

// The flow tests drive the screens through the real domain service on a
// real SQLite file: the flows are the domain's own, not a copy. The lock
// bus records unlocks; the test plays the door sensor.

// staffSecret is the test staff member's authenticator secret.
const staffSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// recorder is the real service, recording the actions the UI asks of it.
type recorder struct {
	*locker.Service
	mu    sync.Mutex
	calls []string
}

// record logs one call.
func (r *recorder) record(format string, args ...any) {
	r.mu.Lock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// called lists the calls so far, joined.
func (r *recorder) called() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.calls, "; ")
}

func (r *recorder) CourierSignIn(ctx context.Context, code string) error {
	r.record("CourierSignIn(%s)", code)
	return r.Service.CourierSignIn(ctx, code)
}

func (r *recorder) ScanParcel(ctx context.Context, barcode, carrier string) error {
	r.record("ScanParcel(%s,%s)", barcode, carrier)
	return r.Service.ScanParcel(ctx, barcode, carrier)
}

func (r *recorder) ChooseRecipient(ctx context.Context, id string) error {
	r.record("ChooseRecipient(%s)", id)
	return r.Service.ChooseRecipient(ctx, id)
}

func (r *recorder) ChooseSize(ctx context.Context, z locker.Size) error {
	r.record("ChooseSize(%s)", z)
	return r.Service.ChooseSize(ctx, z)
}

func (r *recorder) AddToDoor(ctx context.Context) error {
	r.record("AddToDoor")
	return r.Service.AddToDoor(ctx)
}

func (r *recorder) DoesntFit(ctx context.Context) error {
	r.record("DoesntFit")
	return r.Service.DoesntFit(ctx)
}

func (r *recorder) DoorDidntOpen(ctx context.Context) error {
	r.record("DoorDidntOpen")
	return r.Service.DoorDidntOpen(ctx)
}

func (r *recorder) NextParcel(ctx context.Context) error {
	r.record("NextParcel")
	return r.Service.NextParcel(ctx)
}

func (r *recorder) FinishDeposit(ctx context.Context) (locker.Receipt, error) {
	r.record("FinishDeposit")
	return r.Service.FinishDeposit(ctx)
}

func (r *recorder) Cancel(ctx context.Context) error {
	r.record("Cancel")
	return r.Service.Cancel(ctx)
}

func (r *recorder) PickupWithPIN(ctx context.Context, pin string) error {
	r.record("PickupWithPIN(%s)", pin)
	return r.Service.PickupWithPIN(ctx, pin)
}

func (r *recorder) PickupWithQR(ctx context.Context, token string) error {
	r.record("PickupWithQR")
	return r.Service.PickupWithQR(ctx, token)
}

func (r *recorder) StaffSignIn(ctx context.Context, pin, code string) error {
	r.record("StaffSignIn(%s)", pin)
	return r.Service.StaffSignIn(ctx, pin, code)
}

func (r *recorder) StaffOpenDoor(ctx context.Context, id, reason string) error {
	r.record("StaffOpenDoor(%s,%s)", id, reason)
	return r.Service.StaffOpenDoor(ctx, id, reason)
}

func (r *recorder) SetCompartmentStatus(ctx context.Context, id string, st locker.CompartmentStatus, reason string) error {
	r.record("SetCompartmentStatus(%s,%s,%s)", id, st, reason)
	return r.Service.SetCompartmentStatus(ctx, id, st, reason)
}

func (r *recorder) RetrieveExpired(ctx context.Context) error {
	r.record("RetrieveExpired")
	return r.Service.RetrieveExpired(ctx)
}

func (r *recorder) SignOut(ctx context.Context) error {
	r.record("SignOut")
	return r.Service.SignOut(ctx)
}

// world is the real service behind a UI under test, with what the test
// plays: the clock, the door sensors.
type world struct {
	t     *testing.T
	ctx   context.Context
	svc   *recorder
	bus   *doorBus
	clock *lockertest.Clock
	db    *store.DB
}

// newWorld starts the service on a new SQLite file with the test bank
// (B2 out of service for repair), the couriers 4711 and
// BADGE-UPS-7 (Sam Rivera, UPS), the directory of testPeople, the staff
// member Alex Tech (PIN 2468) and the pre-advised parcel PRE-0001 for Ana
// García, size S.
func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t)
}

// newWorldWith is newWorld with the service's options changed by opts.
func newWorldWith(t *testing.T, opts ...func(*locker.Options)) *world {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := lockertest.NewClock(time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC))
	bus := &doorBus{}
	comps := testBank()
	for i := range comps {
		comps[i].Status, comps[i].Door, comps[i].Reason = "", "", ""
	}
	// Item sensors on: a door event without an item reading (world.door)
	// behaves as without them; sensor_test.go plays the readings.
	o := locker.Options{Site: "t", Kiosk: "k1", Store: db, Bus: bus, Clock: clock, Compartments: comps, ItemSensors: true}
	for _, f := range opts {
		f(&o)
	}
	svc, err := locker.NewService(o)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.Start(ctx))
	must(svc.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "UPS", Name: "Sam Rivera"}, "471100"))
	must(svc.UpsertCourier(ctx, locker.Courier{ID: "c2", Carrier: "UPS", Name: "Sam Rivera"}, "BADGE-UPS-7"))
	_, err = svc.UpsertRecipients(ctx, testPeople())
	must(err)
	must(svc.UpsertStaff(ctx, locker.Staff{ID: "s1", Name: "Alex Tech", TOTPSecret: staffSecret}, "246800"))
	_, err = svc.ExpectParcel(ctx, locker.Expected{Barcode: "PRE-0001", Carrier: "DHL", RecipientID: "r1", Size: locker.SizeS})
	must(err)
	must(svc.RemoteSetCompartment(ctx, "B2", locker.StatusOutOfService, "s1", "repair"))
	return &world{t: t, ctx: ctx, svc: &recorder{Service: svc}, bus: bus, clock: clock, db: db}
}

// testPeople is the directory: 21 people, Ana García first.
func testPeople() []locker.Recipient {
	names := []string{"Ana García", "Bruno Díaz", "Carla Ruiz", "David Kim", "Elena Novak", "Farid Haddad",
		"Grace Liu", "Hugo Martin", "Ines Costa", "Jonas Berg", "Karin Oz", "Luis Mora",
		"Marta Núñez", "Nils Ek", "Olga Petrova", "Pablo Serrano", "Quinn Adams", "Rosa Blanco", "Omar Said", "Tomás Vidal",
		"Maximiliano Fernández-Castellanos"}
	var out []locker.Recipient
	for i, n := range names {
		out = append(out, locker.Recipient{ID: fmt.Sprintf("r%d", i+1), Name: n, Unit: fmt.Sprintf("%d%c", 100+i*10, 'A'+i%4)})
	}
	return out
}

// newServiceHarness is a UI over a new world, running service calls
// synchronously.
func newServiceHarness(t *testing.T, o Options) *harness {
	t.Helper()
	return newServiceHarnessOn(t, newWorld(t), o)
}

// newServiceHarnessOn is a UI over w, running service calls synchronously.
func newServiceHarnessOn(t *testing.T, w *world, o Options) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	o.Clock = w.clock
	u, err := New(a, w.svc, o)
	if err != nil {
		t.Fatal(err)
	}
	u.async = func(f func()) { f() }
	w.svc.Subscribe(func(v locker.View) { fyne.Do(func() { u.setView(v) }) })
	u.refresh()
	return &harness{t: t, u: u, w: w, clock: w.clock}
}

// door plays the door sensor of the compartment the flow uses.
func (w *world) door(v locker.View, kind locker.DoorEventKind) {
	w.t.Helper()
	w.svc.HandleDoorEvent(w.ctx, locker.DoorEvent{Kind: kind, Addr: v.Compartment.Addr, Commanded: true, At: w.clock.Now()})
}

// openAndClose plays the door of the flow opening and closing.
func (h *harness) openAndClose() {
	h.t.Helper()
	v := h.u.view
	h.w.door(v, locker.EventOpened)
	h.w.door(v, locker.EventClosed)
}

// totp is the staff member's authenticator code now.
func (h *harness) totp() string {
	h.t.Helper()
	code, err := totp.GenerateCode(staffSecret, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return code
}

// deposit walks a deposit of barcode for Ana García, size size, on the
// screens and returns the credential the demo panel would show.
func (h *harness) deposit(barcode string, size locker.Size) locker.Credential {
	h.t.Helper()
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.u.HandleScan(Scan{Text: barcode, Kind: ScanParcel})
	h.wantScreen("deposit.recipient")
	h.pick("Ana García")
	h.tapPicture("size:" + string(size))
	h.wantScreen("deposit.door")
	h.openAndClose()
	h.wantScreen("deposit.done")
	h.tap("Finish")
	h.tap("Done")
	h.wantScreen("home")
	return h.u.view.LastCredential
}
