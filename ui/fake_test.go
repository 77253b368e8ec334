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
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// fakeService is a View the test sets, standing in for the domain service
// where a test is about how a View is drawn (an error of the service's own,
// the locks offline, a deposit interrupted by a power cut) and the
// benchmarks. It runs no flow: actions are recorded and change nothing; the
// test publishes the View the service would (update). Tests where the flow
// matters use the real service (see newWorld).
type fakeService struct {
	mu    sync.Mutex
	v     locker.View
	subs  []func(locker.View)
	calls []string
}

// testBank is a bank of 3 columns like the demo's, in every state.
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
	return &fakeService{v: locker.View{Rev: 1, Compartments: testBank(), BoardsOnline: true}}
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

// update changes the View and publishes it, as the service would.
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

// record logs a call.
func (f *fakeService) record(format string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	return nil
}

func (f *fakeService) called() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, "; ")
}

// comp returns the compartment id of the View's bank.
func (f *fakeService) comp(id string) locker.Compartment {
	for _, c := range f.v.Compartments {
		if c.ID == id {
			return c
		}
	}
	return locker.Compartment{}
}

func (f *fakeService) CourierSignIn(_ context.Context, code string) error {
	return f.record("CourierSignIn(%s)", code)
}

func (f *fakeService) ScanParcel(_ context.Context, barcode, carrier string) error {
	return f.record("ScanParcel(%s,%s)", barcode, carrier)
}

// SearchRecipients lists the first page of a directory of 21 people once
// the query has two characters, as the service does.
func (f *fakeService) SearchRecipients(_ context.Context, query string) (locker.RecipientPage, error) {
	p := locker.RecipientPage{Query: query, PageSize: 8}
	if len([]rune(strings.TrimSpace(query))) < locker.MinSearchRunes {
		return p, nil
	}
	p.Total = 21
	for n := range 8 {
		p.Items = append(p.Items, locker.Recipient{ID: fmt.Sprintf("r%d", n+1), Name: fmt.Sprintf("Resident %c.", 'A'+n), Unit: fmt.Sprintf("%d", 100+n)})
	}
	return p, nil
}

func (f *fakeService) ChooseRecipient(_ context.Context, id string) error {
	return f.record("ChooseRecipient(%s)", id)
}
func (f *fakeService) ChooseSize(_ context.Context, z locker.Size) error {
	return f.record("ChooseSize(%s)", z)
}
func (f *fakeService) AddToDoor(context.Context) error     { return f.record("AddToDoor") }
func (f *fakeService) DoesntFit(context.Context) error     { return f.record("DoesntFit") }
func (f *fakeService) DoorDidntOpen(context.Context) error { return f.record("DoorDidntOpen") }
func (f *fakeService) NextParcel(context.Context) error    { return f.record("NextParcel") }
func (f *fakeService) FinishDeposit(context.Context) (locker.Receipt, error) {
	return locker.Receipt{}, f.record("FinishDeposit")
}
func (f *fakeService) Cancel(context.Context) error       { return f.record("Cancel") }
func (f *fakeService) OpenAgain(context.Context) error    { return f.record("OpenAgain") }
func (f *fakeService) CancelParcel(context.Context) error { return f.record("CancelParcel") }
func (f *fakeService) LeaveParcel(context.Context) error  { return f.record("LeaveParcel") }
func (f *fakeService) DeclineDoor(context.Context) error  { return f.record("DeclineDoor") }
func (f *fakeService) PickupWithPIN(_ context.Context, pin string) error {
	return f.record("PickupWithPIN(%s)", pin)
}
func (f *fakeService) PickupWithQR(_ context.Context, token string) error {
	return f.record("PickupWithQR(%s)", token)
}
func (f *fakeService) StaffSignIn(_ context.Context, pin, code string) error {
	return f.record("StaffSignIn(%s,%s)", pin, code)
}
func (f *fakeService) StaffOpenDoor(_ context.Context, id, reason string) error {
	return f.record("StaffOpenDoor(%s,%s)", id, reason)
}
func (f *fakeService) SetCompartmentStatus(_ context.Context, id string, st locker.CompartmentStatus, reason string) error {
	return f.record("SetCompartmentStatus(%s,%s,%s)", id, st, reason)
}
func (f *fakeService) ExpiredParcels() []locker.Parcel       { return nil }
func (f *fakeService) RetrieveExpired(context.Context) error { return f.record("RetrieveExpired") }
func (f *fakeService) AuditPage(_ context.Context, page int) (locker.AuditPage, error) {
	return locker.AuditPage{Page: page, PageSize: 8}, nil
}
func (f *fakeService) SignOut(context.Context) error { return f.record("SignOut") }
func (f *fakeService) Reconcile(context.Context) ([]locker.Discrepancy, error) {
	return nil, f.record("Reconcile")
}
func (f *fakeService) ResolveInterrupted(_ context.Context, id string, inside bool) error {
	return f.record("ResolveInterrupted(%s,%v)", id, inside)
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

// harness is a UI on a test app with a fake clock, running service calls
// synchronously: over the real service (newServiceHarness) or a View the
// test sets (newHarness).
type harness struct {
	t     *testing.T
	u     *UI
	svc   *fakeService // the stand-in, or nil
	w     *world       // the real service, or nil
	clock *lockertest.Clock
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	svc := newFakeService()
	clock := lockertest.NewClock(time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC))
	o.Clock = clock
	u, err := New(a, svc, o)
	if err != nil {
		t.Fatal(err)
	}
	u.async = func(f func()) { f() }
	svc.Subscribe(func(v locker.View) { fyne.Do(func() { u.setView(v) }) })
	u.refresh()
	return &harness{t: t, u: u, svc: svc, clock: clock}
}
