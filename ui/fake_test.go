package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/parcelkiosk/locker"
)

// fakeClock is a settable locker.Clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeService is a small scripted stand-in for locker.Service: it walks
// the flows the way the domain documents them, so every screen can be
// reached, and records each call.
type fakeService struct {
	mu       sync.Mutex
	v        locker.View
	subs     []func(locker.View)
	calls    []string
	failNext error // returned once by the next action
	people   []locker.Recipient
}

// testBank is a bank of 3 columns like the demo's.
func testBank() []locker.Compartment {
	var cs []locker.Compartment
	sizes := [][]locker.Size{
		{locker.SizeS, locker.SizeS, locker.SizeM, locker.SizeM, locker.SizeL},
		{locker.SizeXS, locker.SizeXS, locker.SizeS, locker.SizeM, locker.SizeXL},
		{locker.SizeS, locker.SizeM, locker.SizeM, locker.SizeL, locker.SizeL},
	}
	for col, zs := range sizes {
		for row, z := range zs {
			cs = append(cs, locker.Compartment{
				ID: fmt.Sprintf("%c%d", 'A'+col, row+1), Size: z, Column: col + 1, Row: row + 1,
				Addr: locker.LockAddr{Board: col, Lock: row + 1}, Status: locker.StatusAvailable, Door: locker.DoorClosed,
				Accessible: row >= 1 && row <= 3,
			})
		}
	}
	cs[2].Status = locker.StatusOccupied
	cs[6].Status = locker.StatusOutOfService
	cs[6].Reason = "repair"
	cs[8].Status = locker.StatusFaulty
	cs[11].Status = locker.StatusReserved
	cs[12].Door = locker.DoorOpen
	return cs
}

func newFakeService() *fakeService {
	f := &fakeService{}
	f.v = locker.View{Rev: 1, Compartments: testBank(), BoardsOnline: true}
	names := []string{"Ana García", "Bruno Díaz", "Carla Ruiz", "David Kim", "Elena Novak", "Farid Haddad",
		"Grace Liu", "Hugo Martin", "Ines Costa", "Jonas Berg", "Karin Oz", "Luis Mora",
		"Marta Núñez", "Nils Ek", "Olga Petrova", "Pablo Serrano", "Quinn Adams", "Rosa Blanco", "Omar Said", "Tomás Vidal",
		"Maximiliano Fernández-Castellanos"}
	for i, n := range names {
		f.people = append(f.people, locker.Recipient{ID: fmt.Sprintf("r%d", i+1), Name: n, Unit: fmt.Sprintf("%d%c", 100+i*10, 'A'+i%4)})
	}
	return f
}

func (f *fakeService) Subscribe(fn func(locker.View)) func() {
	f.mu.Lock()
	f.subs = append(f.subs, fn)
	f.mu.Unlock()
	return func() {}
}

func (f *fakeService) View() locker.View {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v
}

// update changes the View and publishes it to the subscribers.
func (f *fakeService) update(fn func(v *locker.View)) {
	f.mu.Lock()
	fn(&f.v)
	f.v.Rev++
	v := f.v
	subs := append([]func(locker.View){}, f.subs...)
	f.mu.Unlock()
	for _, s := range subs {
		s(v)
	}
}

// record logs a call and returns the scripted failure, if any.
func (f *fakeService) record(format string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	err := f.failNext
	f.failNext = nil
	return err
}

func (f *fakeService) called() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, "; ")
}

func (f *fakeService) comp(id string) locker.Compartment {
	for _, c := range f.v.Compartments {
		if c.ID == id {
			return c
		}
	}
	return locker.Compartment{}
}

func (f *fakeService) CourierSignIn(_ context.Context, code string) error {
	if err := f.record("CourierSignIn(%s)", code); err != nil {
		return err
	}
	if code != "4711" && code != "BADGE-UPS-7" {
		return fmt.Errorf("fake: courier %q: %w", code, locker.ErrNotFound)
	}
	f.update(func(v *locker.View) {
		v.Flow, v.Step = locker.FlowDeposit, locker.StepScan
		v.Courier = locker.Courier{ID: "c1", Name: "Sam Rivera", Carrier: "UPS"}
	})
	return nil
}

func (f *fakeService) ScanParcel(_ context.Context, barcode, carrier string) error {
	if err := f.record("ScanParcel(%s,%s)", barcode, carrier); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		v.Step = locker.StepRecipient
		v.Parcel = locker.Parcel{ID: "p1", Barcode: barcode, Carrier: carrier}
		v.Notice = locker.Notice{}
		if strings.HasPrefix(barcode, "PRE") { // pre-advised: straight to the door
			v.Step = locker.StepDoorOpen
			v.Recipient = f.people[0]
			v.Compartment = f.comp("A2")
		}
	})
	return nil
}

func (f *fakeService) SearchRecipients(_ context.Context, query string, page int) (locker.RecipientPage, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf("SearchRecipients(%s,%d)", query, page))
	var all []locker.Recipient
	for _, r := range f.people {
		if strings.Contains(strings.ToLower(r.Name+" "+r.Unit), strings.ToLower(query)) {
			all = append(all, r)
		}
	}
	f.mu.Unlock()
	const size = 8
	p := locker.RecipientPage{Query: query, Page: page, PageSize: size, Total: len(all)}
	lo, hi := min(page*size, len(all)), min(page*size+size, len(all))
	p.Items = all[lo:hi]
	return p, nil
}

func (f *fakeService) ChooseRecipient(_ context.Context, id string) error {
	if err := f.record("ChooseRecipient(%s)", id); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		v.Step = locker.StepSize
		for _, r := range f.people {
			if r.ID == id {
				v.Recipient = r
			}
		}
		if len(v.Receipts) > 0 {
			v.AddToDoor = v.Receipts[0].CompartmentID
		}
	})
	return nil
}

func (f *fakeService) ChooseSize(_ context.Context, z locker.Size) error {
	if err := f.record("ChooseSize(%s)", z); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		v.Step = locker.StepDoorOpen
		for _, c := range v.Compartments {
			if c.Size == z && c.Status == locker.StatusAvailable {
				v.Compartment = c
				break
			}
		}
	})
	return nil
}

func (f *fakeService) ChooseDims(context.Context, [3]int) error { return nil }

func (f *fakeService) AddToDoor(context.Context) error {
	if err := f.record("AddToDoor"); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		v.Step = locker.StepDoorOpen
		v.Compartment = f.comp(v.AddToDoor)
	})
	return nil
}

func (f *fakeService) DoesntFit(context.Context) error {
	if err := f.record("DoesntFit"); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		v.Compartment = f.comp("C5")
		v.Notice = locker.Notice{Kind: locker.NoticeMovedLarger, Compartment: "C5", Text: "moved to C5"}
	})
	return nil
}

func (f *fakeService) DoorDidntOpen(context.Context) error {
	if err := f.record("DoorDidntOpen"); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		v.Notice = locker.Notice{Kind: locker.NoticeRetrying, Compartment: v.Compartment.ID, Text: "retrying"}
	})
	return nil
}

// closeDoor is the lock bus reporting the door closed.
func (f *fakeService) closeDoor() {
	f.update(func(v *locker.View) {
		switch v.Flow {
		case locker.FlowDeposit:
			v.Step = locker.StepDeposited
			v.Receipts = append(v.Receipts, locker.ReceiptItem{ParcelID: v.Parcel.ID, Barcode: v.Parcel.Barcode, CompartmentID: v.Compartment.ID, Size: v.Compartment.Size})
			v.LastCredential = locker.Credential{PIN: "482913", QR: "PKQ1.demo-token-482913"}
		case locker.FlowPickup:
			v.Step = locker.StepDone
			for i := range v.Pickup {
				v.Pickup[i].State = locker.PickupDone
			}
		case locker.FlowMaintenance:
			v.Step = locker.StepMenu
		}
		v.Notice = locker.Notice{}
	})
}

func (f *fakeService) NextParcel(context.Context) error {
	if err := f.record("NextParcel"); err != nil {
		return err
	}
	f.update(func(v *locker.View) { v.Step = locker.StepScan; v.Parcel = locker.Parcel{} })
	return nil
}

func (f *fakeService) FinishDeposit(context.Context) (locker.Receipt, error) {
	if err := f.record("FinishDeposit"); err != nil {
		return locker.Receipt{}, err
	}
	var r locker.Receipt
	f.update(func(v *locker.View) {
		r = locker.Receipt{VisitID: "V1", CourierID: v.Courier.ID, Items: v.Receipts, Text: "PKR1.V1.sig"}
		*v = locker.View{Rev: v.Rev, Compartments: v.Compartments, BoardsOnline: true, LastCredential: v.LastCredential}
	})
	return r, nil
}

func (f *fakeService) Cancel(context.Context) error {
	if err := f.record("Cancel"); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		*v = locker.View{Rev: v.Rev, Compartments: v.Compartments, BoardsOnline: true, LastCredential: v.LastCredential,
			Locked: v.Locked, LockedUntil: v.LockedUntil}
	})
	return nil
}

func (f *fakeService) pickup(code string) error {
	switch code {
	case "482913", "PKQ1.demo-token-482913":
		f.update(func(v *locker.View) {
			v.Flow, v.Step = locker.FlowPickup, locker.StepDoorOpen
			v.Compartment = f.comp("B3")
			v.Pickup = []locker.PickupItem{{CompartmentID: "B3", State: locker.PickupOpen}, {CompartmentID: "C2", State: locker.PickupWaiting}}
		})
		return nil
	case "999999":
		return fmt.Errorf("fake: parcel: %w", locker.ErrExpired)
	case "666666":
		f.update(func(v *locker.View) { v.Locked, v.LockedUntil = true, time.Date(2026, 1, 2, 10, 5, 0, 0, time.UTC) })
		return fmt.Errorf("fake: %w", locker.ErrLockedOut)
	case "66666666": // the day's budget of wrong PINs spent
		f.update(func(v *locker.View) { v.Locked, v.LockedUntil = true, time.Date(2026, 1, 3, 9, 0, 0, 0, time.UTC) })
		return fmt.Errorf("fake: %w", locker.ErrLockedOut)
	}
	return fmt.Errorf("fake: code: %w", locker.ErrWrongCode)
}

func (f *fakeService) PickupWithPIN(_ context.Context, pin string) error {
	if err := f.record("PickupWithPIN(%s)", pin); err != nil {
		return err
	}
	return f.pickup(pin)
}

func (f *fakeService) PickupWithQR(_ context.Context, token string) error {
	if err := f.record("PickupWithQR(%s)", token); err != nil {
		return err
	}
	return f.pickup(token)
}

func (f *fakeService) StaffSignIn(_ context.Context, pin, totp string) error {
	if err := f.record("StaffSignIn(%s,%s)", pin, totp); err != nil {
		return err
	}
	if pin != "2468" || totp != "123456" {
		return fmt.Errorf("fake: staff: %w", locker.ErrUnauthorized)
	}
	f.update(func(v *locker.View) {
		v.Flow, v.Step = locker.FlowMaintenance, locker.StepMenu
		v.Staff = locker.Staff{ID: "s1", Name: "Alex Tech"}
		v.ExpiredCount = 2
	})
	return nil
}

func (f *fakeService) StaffOpenDoor(_ context.Context, id, reason string) error {
	if err := f.record("StaffOpenDoor(%s,%s)", id, reason); err != nil {
		return err
	}
	f.update(func(v *locker.View) { v.Step = locker.StepDoorOpen; v.Compartment = f.comp(id) })
	return nil
}

func (f *fakeService) SetCompartmentStatus(_ context.Context, id string, st locker.CompartmentStatus, reason string) error {
	if err := f.record("SetCompartmentStatus(%s,%s,%s)", id, st, reason); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		for i := range v.Compartments {
			if v.Compartments[i].ID == id {
				v.Compartments[i].Status = st
				v.Compartments[i].Reason = reason
			}
		}
	})
	return nil
}

func (f *fakeService) ExpiredParcels() []locker.Parcel {
	exp := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	return []locker.Parcel{
		{ID: "p7", Barcode: "1Z999AA10123456784", CompartmentID: "A3", ExpiresAt: exp},
		{ID: "p8", Barcode: "9400111899223197428490", CompartmentID: "C4", ExpiresAt: exp},
	}
}

func (f *fakeService) RetrieveExpired(context.Context) error {
	if err := f.record("RetrieveExpired"); err != nil {
		return err
	}
	f.update(func(v *locker.View) {
		v.Step = locker.StepDoorOpen
		v.Compartment = f.comp("A3")
		v.Pickup = []locker.PickupItem{{CompartmentID: "A3", State: locker.PickupOpen}, {CompartmentID: "C4", State: locker.PickupWaiting}}
	})
	return nil
}

func (f *fakeService) AuditPage(_ context.Context, page int) (locker.AuditPage, error) {
	f.record("AuditPage(%d)", page)
	const size, total = 8, 45
	p := locker.AuditPage{Page: page, PageSize: size, Total: total}
	t0 := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	for i := page * size; i < min(total, page*size+size); i++ {
		p.Entries = append(p.Entries, locker.AuditEntry{Seq: int64(i + 1), Time: t0.Add(time.Duration(i) * time.Minute),
			Actor: "courier:c1", Action: "parcel.deposited", Subject: fmt.Sprintf("A%d", i%5+1), Detail: "size S"})
	}
	return p, nil
}

func (f *fakeService) SignOut(context.Context) error {
	if err := f.record("SignOut"); err != nil {
		return err
	}
	f.update(func(v *locker.View) { *v = locker.View{Rev: v.Rev, Compartments: v.Compartments, BoardsOnline: true} })
	return nil
}

// fakeDiag is a Diagnostics source.
type fakeDiag struct{}

func (fakeDiag) Diagnostics(context.Context) (DiagReport, error) {
	t := time.Date(2026, 1, 2, 9, 59, 58, 0, time.UTC)
	return DiagReport{
		Boards:          []BoardStatus{{Board: 0, Online: true, LastPoll: t}, {Board: 1, Online: false, LastPoll: t.Add(-time.Minute)}},
		UplinkConnected: true, Backlog: 3, DBSizeBytes: 2_400_000, Version: "v0.1.0",
	}, nil
}

// harness is a UI on a test app with a fake service and a fake clock,
// running service calls synchronously.
type harness struct {
	t     *testing.T
	u     *UI
	svc   *fakeService
	clock *fakeClock
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	svc := newFakeService()
	clock := &fakeClock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	o.Clock = clock
	u, err := New(a, svc, o)
	if err != nil {
		t.Fatal(err)
	}
	u.async = func(f func()) { f() }
	svc.Subscribe(func(v locker.View) { fyne.Do(func() { u.setView(v) }) })
	u.render()
	return &harness{t: t, u: u, svc: svc, clock: clock}
}

func (f *fakeService) Reconcile(context.Context) ([]locker.Discrepancy, error) {
	if err := f.record("Reconcile"); err != nil {
		return nil, err
	}
	return []locker.Discrepancy{{CompartmentID: "B2", Kind: locker.DiscDoorState, Stored: "closed", Actual: "open", Detail: "door sensor differs from the stored state"}}, nil
}

func (f *fakeService) ResolveInterrupted(_ context.Context, id string, inside bool) error {
	return f.record("ResolveInterrupted(%s,%v)", id, inside)
}
