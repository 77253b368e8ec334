package locker_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/store"
)

// itemBus takes every unlock and reports, per lock, the item sensor the
// test sets (no sensor by default).
type itemBus struct {
	mu      sync.Mutex
	unlocks []locker.LockAddr
	items   map[locker.LockAddr]locker.ItemState
}

func (b *itemBus) Unlock(_ context.Context, a locker.LockAddr) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unlocks = append(b.unlocks, a)
	return nil
}

func (b *itemBus) State(a locker.LockAddr) locker.LockState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return locker.LockState{Door: locker.DoorClosed, Item: b.items[a], Online: true}
}

func (b *itemBus) setItem(a locker.LockAddr, st locker.ItemState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.items == nil {
		b.items = map[locker.LockAddr]locker.ItemState{}
	}
	b.items[a] = st
}

func (b *itemBus) take() []locker.LockAddr {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.unlocks
	b.unlocks = nil
	return u
}

// returnsRig is a service on a real SQLite file with a clock the test moves.
type returnsRig struct {
	t    *testing.T
	ctx  context.Context
	path string
	bank []locker.Compartment
	bus  *itemBus
	clk  *lockertest.Clock
	db   *store.DB
	s    *locker.Service
	opts func(*locker.Options)
}

// returnsBank: four S doors, two M, one L; A1 is accessible.
func returnsBank() []locker.Compartment {
	return []locker.Compartment{
		{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}, Column: 1, Row: 1},
		{ID: "A2", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 2}, Column: 1, Row: 2},
		{ID: "A3", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 3}, Column: 1, Row: 3},
		{ID: "A4", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 4}, Column: 1, Row: 4},
		{ID: "B1", Size: locker.SizeM, Addr: locker.LockAddr{Board: 0, Lock: 5}, Column: 2, Row: 1},
		{ID: "B2", Size: locker.SizeM, Addr: locker.LockAddr{Board: 0, Lock: 6}, Column: 2, Row: 2},
		{ID: "C1", Size: locker.SizeL, Addr: locker.LockAddr{Board: 0, Lock: 7}, Column: 3, Row: 1},
	}
}

func newReturnsRig(t *testing.T, opts func(*locker.Options)) *returnsRig {
	r := &returnsRig{t: t, ctx: context.Background(), path: filepath.Join(t.TempDir(), "kiosk.db"),
		bank: returnsBank(), bus: &itemBus{}, clk: lockertest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), opts: opts}
	r.open()
	t.Cleanup(func() { _ = r.db.Close() })
	r.must(r.s.UpsertCourier(r.ctx, locker.Courier{ID: "c-ups", Carrier: "UPS", Name: "Uma"}, "111111"))
	r.must(r.s.UpsertCourier(r.ctx, locker.Courier{ID: "c-dhl", Carrier: "DHL", Name: "Dora"}, "222222"))
	_, err := r.s.UpsertRecipients(r.ctx, []locker.Recipient{{ID: "r1", Name: "Ada", Unit: "1A"}})
	r.must(err)
	return r
}

// open opens (or reopens, as after a restart) the store and the service.
func (r *returnsRig) open() {
	db, err := store.Open(r.ctx, r.path, store.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	o := locker.Options{Site: "s1", Kiosk: "k1", Version: "test", Store: db, Bus: r.bus, Clock: r.clk, Compartments: r.bank}
	if r.opts != nil {
		r.opts(&o)
	}
	s, err := locker.NewService(o)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := s.Start(r.ctx); err != nil {
		r.t.Fatal(err)
	}
	r.db, r.s = db, s
}

func (r *returnsRig) restart() {
	r.t.Helper()
	r.must(r.db.Close())
	r.open()
}

func (r *returnsRig) must(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *returnsRig) addr(id string) locker.LockAddr {
	for _, c := range r.bank {
		if c.ID == id {
			return c.Addr
		}
	}
	r.t.Fatalf("no compartment %s", id)
	return locker.LockAddr{}
}

func (r *returnsRig) door(kind locker.DoorEventKind, id string) {
	r.s.HandleDoorEvent(r.ctx, locker.DoorEvent{Kind: kind, Addr: r.addr(id), Commanded: true, At: r.clk.Now()})
}

func (r *returnsRig) openClose(id string) {
	r.door(locker.EventOpened, id)
	r.door(locker.EventClosed, id)
}

func (r *returnsRig) expect(code, carrier string, z locker.Size, label string) string {
	r.t.Helper()
	id, err := r.s.ExpectReturn(r.ctx, locker.Return{Code: code, Carrier: carrier, Size: z, LabelBarcode: label})
	r.must(err)
	return id
}

// dropOff drops the return of code off through the keypad and returns its door.
func (r *returnsRig) dropOff(code string) string {
	r.t.Helper()
	r.must(r.s.StartReturn(r.ctx))
	r.must(r.s.ReturnCode(r.ctx, code))
	v := r.s.View()
	if v.Step != locker.StepUnlocking || v.Flow != locker.FlowReturn {
		r.t.Fatalf("after the code: %s/%s err %v", v.Flow, v.Step, v.Err)
	}
	id := v.Compartment.ID
	r.openClose(id)
	if st := r.s.View().Step; st != locker.StepReturned {
		r.t.Fatalf("after the door closed: step %s err %v", st, r.s.View().Err)
	}
	r.must(r.s.Cancel(r.ctx))
	return id
}

// events returns the outbox's events of the types given, in order.
func (r *returnsRig) events(types ...string) []locker.Event {
	r.t.Helper()
	all, err := r.db.OutboxPending(r.ctx, 10000)
	r.must(err)
	var out []locker.Event
	for _, e := range all {
		for _, ty := range types {
			if e.Type == ty {
				out = append(out, e)
			}
		}
	}
	return out
}

func data(t *testing.T, e locker.Event) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (r *returnsRig) status(id string) locker.CompartmentStatus {
	for _, c := range r.s.View().Compartments {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

func TestExpectReturn(t *testing.T) {
	r := newReturnsRig(t, nil)
	for _, tc := range []struct {
		name string
		ret  locker.Return
		want error
	}{
		{"short code", locker.Return{Code: "AB12", Carrier: "UPS"}, locker.ErrInvalid},
		{"long code", locker.Return{Code: "ABCDEFGHIJKLM", Carrier: "UPS"}, locker.ErrInvalid},
		{"bad character", locker.Return{Code: "ABC$123", Carrier: "UPS"}, locker.ErrInvalid},
		{"no carrier", locker.Return{Code: "ABC123"}, locker.ErrInvalid},
		{"bad size", locker.Return{Code: "ABC123", Carrier: "UPS", Size: "XXL"}, locker.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.s.ExpectReturn(r.ctx, tc.ret); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("idempotent", func(t *testing.T) {
		a := r.expect("rt-4567 89", "UPS", locker.SizeS, "")
		b := r.expect("RT456789", "UPS", locker.SizeM, "1ZLABEL")
		if a != b {
			t.Fatalf("same code, two ids: %s %s", a, b)
		}
		got, err := r.db.ReturnByCode(r.ctx, "", "1ZLABEL")
		r.must(err)
		if got.ID != a || got.Size != locker.SizeM || got.Code != "RT456789" {
			t.Errorf("advice not updated: %+v", got)
		}
		if _, err := r.s.ExpectReturn(r.ctx, locker.Return{Code: "OTHER1", Carrier: "UPS", LabelBarcode: "1ZLABEL"}); !errors.Is(err, locker.ErrDuplicate) {
			t.Errorf("a label of another return: %v, want ErrDuplicate", err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		r.expect("CANCEL1", "DHL", "", "")
		r.must(r.s.CancelReturn(r.ctx, "cancel1"))
		if err := r.s.CancelReturn(r.ctx, "CANCEL1"); !errors.Is(err, locker.ErrNotFound) {
			t.Errorf("second cancel: %v, want ErrNotFound", err)
		}
		r.must(r.s.StartReturn(r.ctx))
		if err := r.s.ReturnCode(r.ctx, "CANCEL1"); !errors.Is(err, locker.ErrWrongCode) {
			t.Errorf("a cancelled code: %v, want ErrWrongCode", err)
		}
		r.must(r.s.Cancel(r.ctx))
	})
}

func TestReturnDropOff(t *testing.T) {
	r := newReturnsRig(t, nil)
	id := r.expect("RET001", "UPS", locker.SizeM, "")
	r.must(r.s.StartReturn(r.ctx))
	r.must(r.s.ReturnCode(r.ctx, "ret-001"))
	v := r.s.View()
	if v.Compartment.Size != locker.SizeM || v.Returns.Current.ID != id {
		t.Fatalf("door %+v for return %+v", v.Compartment, v.Returns.Current)
	}
	first := v.Compartment.ID
	if u := r.bus.take(); len(u) != 1 || u[0] != r.addr(first) {
		t.Fatalf("unlocks %v, want %s", u, first)
	}
	// Doesn't fit: the next size up, the first door freed.
	r.door(locker.EventOpened, first)
	r.must(r.s.ReturnDoesntFit(r.ctx))
	v = r.s.View()
	if v.Compartment.ID != "C1" || r.status(first) != locker.StatusAvailable {
		t.Fatalf("doesn't fit: door %s, first door %s", v.Compartment.ID, r.status(first))
	}
	r.door(locker.EventClosed, first) // the resident shuts the first door: nothing happens
	if v := r.s.View(); v.Step != locker.StepUnlocking || v.Compartment.ID != "C1" {
		t.Fatalf("first door closing moved the flow: %s %s", v.Step, v.Compartment.ID)
	}
	r.openClose("C1")
	v = r.s.View()
	if v.Step != locker.StepReturned || r.status("C1") != locker.StatusOccupied {
		t.Fatalf("after closing: step %s C1 %s err %v", v.Step, r.status("C1"), v.Err)
	}
	vid, items, err := locker.VerifyReceipt(mustSecret(t, r), v.Returns.Receipt)
	if err != nil || vid != id || len(items) != 1 || items[0] != id {
		t.Errorf("receipt %q: %v %v %v", v.Returns.Receipt, vid, items, err)
	}
	evs := r.events(locker.EvtReturnDeposited)
	if len(evs) != 1 {
		t.Fatalf("%d return.deposited events", len(evs))
	}
	d := data(t, evs[0])
	if d["code"] != "RET001" || d["carrier"] != "UPS" || d["door"] != "C1" || d["time"] == "" {
		t.Errorf("return.deposited %v", d)
	}
	// The code is spent.
	r.must(r.s.Cancel(r.ctx))
	r.must(r.s.StartReturn(r.ctx))
	if err := r.s.ReturnCode(r.ctx, "RET001"); !errors.Is(err, locker.ErrDuplicate) {
		t.Errorf("code used twice: %v, want ErrDuplicate", err)
	}
	// A cancelled drop-off gives the door back and the code works again.
	r.expect("RET002", "UPS", "", "")
	r.must(r.s.Cancel(r.ctx))
	r.must(r.s.StartReturn(r.ctx))
	r.must(r.s.ReturnCode(r.ctx, "RET002"))
	door := r.s.View().Compartment.ID
	if z := r.s.View().Compartment.Size; z != locker.SizeS {
		t.Errorf("no size advised: door of size %s, want the smallest", z)
	}
	r.must(r.s.Cancel(r.ctx))
	if r.status(door) != locker.StatusAvailable {
		t.Errorf("cancelled drop-off left %s %s", door, r.status(door))
	}
	if got, err := r.db.ReturnByCode(r.ctx, "RET002", ""); err != nil || got.Status != locker.ReturnExpected {
		t.Errorf("after cancel: %+v %v", got, err)
	}
}

// mustSecret returns the kiosk's secret as the store holds it, to verify
// the receipt of a return.
func mustSecret(t *testing.T, r *returnsRig) []byte {
	t.Helper()
	snap, err := r.db.Load(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Secret
}

func TestReturnLabelScanAtHome(t *testing.T) {
	r := newReturnsRig(t, nil)
	r.expect("LBL001", "DHL", locker.SizeS, "JJD0099887766")
	// A code is not a label: refused without counting.
	for range 10 {
		if err := r.s.ReturnLabelScan(r.ctx, "LBL001"); !errors.Is(err, locker.ErrNotFound) {
			t.Fatalf("a typed code scanned at home: %v, want ErrNotFound", err)
		}
	}
	r.must(r.s.ReturnLabelScan(r.ctx, "JJD0099887766"))
	v := r.s.View()
	if v.Flow != locker.FlowReturn || v.Step != locker.StepUnlocking || v.Compartment.Size != locker.SizeS {
		t.Fatalf("label scan: %s/%s door %+v err %v", v.Flow, v.Step, v.Compartment, v.Err)
	}
	r.openClose(v.Compartment.ID)
	if st := r.s.View().Step; st != locker.StepReturned {
		t.Fatalf("step %s", st)
	}
}

func TestReturnWrongCodesLockTheReturnPathOnly(t *testing.T) {
	r := newReturnsRig(t, nil)
	r.expect("GOOD01", "UPS", locker.SizeS, "")
	r.must(r.s.StartReturn(r.ctx))
	for i := range locker.LockoutFailures {
		err := r.s.ReturnCode(r.ctx, "GUESS"+string(rune('A'+i)))
		want := locker.ErrWrongCode
		if i == locker.LockoutFailures-1 {
			want = locker.ErrLockedOut
		}
		if !errors.Is(err, want) {
			t.Fatalf("guess %d: %v, want %v", i+1, err, want)
		}
	}
	// Even the right code waits now: guessing cannot go on.
	if err := r.s.ReturnCode(r.ctx, "GOOD01"); !errors.Is(err, locker.ErrLockedOut) {
		t.Fatalf("right code while locked: %v", err)
	}
	if r.s.View().Locked {
		t.Error("wrong return codes closed the PIN keypad")
	}
	// A label scanned at the home screen counts nothing, so it still works.
	r.must(r.s.Cancel(r.ctx))
	r.expect("LABEL1", "UPS", locker.SizeS, "JJDLOCKED01")
	r.must(r.s.ReturnLabelScan(r.ctx, "JJDLOCKED01"))
	r.must(r.s.Cancel(r.ctx))
	r.must(r.s.StartReturn(r.ctx))
	if evs := r.events(locker.EvtPINLockout); len(evs) != 1 || data(t, evs[0])["kind"] != "return" {
		t.Errorf("lockout events %v", evs)
	}
	r.must(r.s.Cancel(r.ctx))
	r.must(r.s.CourierSignIn(r.ctx, "111111")) // the courier path is open
	r.must(r.s.Cancel(r.ctx))
	r.clk.Advance(locker.LockoutBase + time.Second)
	r.must(r.s.StartReturn(r.ctx))
	r.must(r.s.ReturnCode(r.ctx, "GOOD01"))
}

func TestReturnHoldsDoorsForDeliveries(t *testing.T) {
	r := newReturnsRig(t, nil) // default hold 0.25: of 4 S doors 1 stays, of 2 M doors 1, of the L door none
	var doors []string
	for i := range 5 {
		code := "HOLD0" + string(rune('0'+i))
		r.expect(code, "UPS", locker.SizeS, "")
		doors = append(doors, r.dropOff(code))
	}
	want := []locker.Size{locker.SizeS, locker.SizeS, locker.SizeS, locker.SizeM, locker.SizeL}
	for i, z := range want {
		if got := sizeOf(r.bank, doors[i]); got != z {
			t.Errorf("return %d in %s (%s), want size %s", i, doors[i], got, z)
		}
	}
	// The sixth finds no door: every size is down to its held share.
	r.expect("HOLD06", "UPS", locker.SizeS, "")
	r.must(r.s.StartReturn(r.ctx))
	if err := r.s.ReturnCode(r.ctx, "HOLD06"); !errors.Is(err, locker.ErrLockerFull) {
		t.Fatalf("sixth return: %v, want ErrLockerFull", err)
	}
	if v := r.s.View(); v.Step != locker.StepReturnCode {
		t.Errorf("after no door: step %s", v.Step)
	}
	r.must(r.s.Cancel(r.ctx))
	// A delivery still finds its door.
	r.must(r.s.CourierSignIn(r.ctx, "111111"))
	r.must(r.s.ScanParcel(r.ctx, "1ZHELD", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, locker.SizeS))
	if z := r.s.View().Compartment.Size; z != locker.SizeS {
		t.Errorf("delivery got a %s door", z)
	}
	r.must(r.s.Cancel(r.ctx))
	free := map[locker.Size]int{}
	for _, c := range r.s.View().Compartments {
		if c.Status == locker.StatusAvailable {
			free[c.Size]++
		}
	}
	if free[locker.SizeS] != 1 || free[locker.SizeM] != 1 {
		t.Errorf("free doors left for deliveries: %v, want one S and one M", free)
	}
}

func sizeOf(bank []locker.Compartment, id string) locker.Size {
	for _, c := range bank {
		if c.ID == id {
			return c.Size
		}
	}
	return ""
}

func TestReturnCollectionByCourier(t *testing.T) {
	r := newReturnsRig(t, func(o *locker.Options) { o.ReturnHold = -1 })
	a := r.dropOff(func() string { r.expect("UPS001", "UPS", locker.SizeS, ""); return "UPS001" }())
	b := r.dropOff(func() string { r.expect("UPS002", "ups", locker.SizeM, ""); return "UPS002" }())
	c := r.dropOff(func() string { r.expect("UPS003", "UPS", locker.SizeS, ""); return "UPS003" }())
	dhl := r.dropOff(func() string { r.expect("DHL001", "DHL", locker.SizeS, ""); return "DHL001" }())
	_, err := r.s.ExpectParcel(r.ctx, locker.Expected{Barcode: "1ZDELIVER", RecipientID: "r1", Size: locker.SizeS})
	r.must(err)

	r.must(r.s.CourierSignIn(r.ctx, "111111"))
	if n := r.s.View().Returns.ToCollect; n != 3 {
		t.Fatalf("UPS courier sees %d to collect, want 3", n)
	}
	// Deliver first, then collect, in the same visit.
	r.must(r.s.ScanParcel(r.ctx, "1ZDELIVER", ""))
	r.openClose(r.s.View().Compartment.ID)
	r.bus.take()
	r.must(r.s.CollectReturns(r.ctx, false))
	doors := []string{a, b, c}
	got := r.s.View().Pickup
	if len(got) != 3 {
		t.Fatalf("collection queue %v", got)
	}
	// One by one: the first door; its parcel still inside at the close.
	first := r.s.View().Compartment.ID
	if u := r.bus.take(); len(u) != 1 || u[0] != r.addr(first) {
		t.Fatalf("one by one: unlocks %v", u)
	}
	r.bus.setItem(r.addr(first), locker.ItemPresent)
	r.openClose(first)
	if n := r.s.View().Notice.Kind; n != locker.NoticeReturnStillInside {
		t.Errorf("closed on the parcel: notice %s", n)
	}
	for range 2 {
		id := r.s.View().Compartment.ID
		r.bus.setItem(r.addr(id), locker.ItemEmpty)
		r.openClose(id)
	}
	v := r.s.View()
	if v.Step != locker.StepScan || v.Returns.Collecting || v.Returns.ToCollect != 1 {
		t.Fatalf("after the collection: %s collecting %v to collect %d err %v", v.Step, v.Returns.Collecting, v.Returns.ToCollect, v.Err)
	}
	evs := r.events(locker.EvtReturnCollected)
	if len(evs) != 2 {
		t.Fatalf("%d return.collected, want 2", len(evs))
	}
	for _, e := range evs {
		d := data(t, e)
		if d["courier_id"] != "c-ups" || d["door"] == first || !strings.HasPrefix(d["code"].(string), "UPS") {
			t.Errorf("return.collected %v", d)
		}
	}
	for _, id := range doors {
		want := locker.StatusAvailable
		if id == first {
			want = locker.StatusOccupied
		}
		if st := r.status(id); st != want {
			t.Errorf("door %s %s, want %s", id, st, want)
		}
	}
	if st := r.status(dhl); st != locker.StatusOccupied {
		t.Errorf("the DHL return's door %s", st)
	}
	// The one left: all at once, then a delivery after.
	r.bus.setItem(r.addr(first), locker.ItemEmpty)
	r.must(r.s.CollectReturns(r.ctx, true))
	r.openClose(first)
	if v := r.s.View(); v.Step != locker.StepScan || v.Notice.Kind != locker.NoticeReturnsCollected || v.Notice.Count != 1 {
		t.Fatalf("second collection: %s %+v", v.Step, v.Notice)
	}
	if n := len(r.events(locker.EvtReturnCollected)); n != 3 {
		t.Errorf("%d return.collected, want 3", n)
	}
	if err := r.s.CollectReturns(r.ctx, true); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("nothing left to collect: %v, want ErrNotFound", err)
	}
}

func TestReturnCollectAllAtOnce(t *testing.T) {
	r := newReturnsRig(t, func(o *locker.Options) { o.ReturnHold = -1 })
	var doors []string
	for _, code := range []string{"ALL001", "ALL002", "ALL003"} {
		r.expect(code, "DHL", locker.SizeS, "")
		doors = append(doors, r.dropOff(code))
	}
	r.must(r.s.CourierSignIn(r.ctx, "222222"))
	r.bus.take()
	r.must(r.s.CollectReturns(r.ctx, true))
	if u := r.bus.take(); len(u) != 3 {
		t.Fatalf("all at once: %d unlocks", len(u))
	}
	// The courier closes them in another order than they opened.
	for _, id := range doors {
		r.door(locker.EventOpened, id)
	}
	for _, id := range []string{doors[2], doors[0], doors[1]} {
		r.door(locker.EventClosed, id)
	}
	v := r.s.View()
	if v.Step != locker.StepScan || v.Notice.Count != 3 {
		t.Fatalf("after closing all: %s %+v err %v", v.Step, v.Notice, v.Err)
	}
	var got []string
	for _, e := range r.events(locker.EvtReturnCollected) {
		got = append(got, data(t, e)["door"].(string))
	}
	if strings.Join(got, ",") != strings.Join([]string{doors[2], doors[0], doors[1]}, ",") {
		t.Errorf("return.collected doors %v, want the order the doors closed", got)
	}
}

func TestReturnStaffRetrieveAndOverdue(t *testing.T) {
	r := newReturnsRig(t, func(o *locker.Options) { o.ReturnOverdue = 48 * time.Hour; o.ReturnHold = -1 })
	r.expect("OVER01", "UPS", locker.SizeS, "")
	door := r.dropOff("OVER01")
	r.clk.Advance(47 * time.Hour)
	r.s.Tick(r.ctx)
	if n := len(r.events(locker.EvtReturnOverdue)); n != 0 {
		t.Fatalf("overdue after 47 h: %d events", n)
	}
	r.clk.Advance(2 * time.Hour)
	r.s.Tick(r.ctx)
	r.s.Tick(r.ctx)
	r.restart()
	r.s.Tick(r.ctx)
	evs := r.events(locker.EvtReturnOverdue)
	if len(evs) != 1 || data(t, evs[0])["door"] != door {
		t.Fatalf("return.overdue events %v, want one for %s", evs, door)
	}
	// After the restart the door still holds the return: staff see it and
	// setting it available keeps it occupied.
	if v := r.s.View(); len(v.Returns.InLocker) != 1 || v.Returns.InLocker[0].CompartmentID != door {
		t.Fatalf("returns in the locker after restart: %+v", v.Returns.InLocker)
	}
	// Staff: the retrieval needs a reason.
	r.must(r.s.UpsertStaff(r.ctx, locker.Staff{ID: "st1", Name: "Sam", TOTPSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}, "135790"))
	code, err := locker.TOTPCode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", r.clk.Now())
	r.must(err)
	r.must(r.s.StaffSignIn(r.ctx, "135790", code))
	if err := r.s.StaffRetrieveReturn(r.ctx, door, " "); !errors.Is(err, locker.ErrInvalid) {
		t.Errorf("no reason: %v", err)
	}
	if err := r.s.StaffRetrieveReturn(r.ctx, "C1", "carrier never came"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("a door with no return: %v", err)
	}
	r.must(r.s.StaffRetrieveReturn(r.ctx, door, "carrier never came"))
	r.openClose(door)
	if v := r.s.View(); v.Flow != locker.FlowIdle || r.status(door) != locker.StatusAvailable || len(v.Returns.InLocker) != 0 {
		t.Fatalf("after retrieval: flow %s door %s returns %v", v.Flow, r.status(door), v.Returns.InLocker)
	}
	evs = r.events(locker.EvtReturnRetrieved)
	if len(evs) != 1 || data(t, evs[0])["reason"] != "carrier never came" || data(t, evs[0])["staff_id"] != "st1" {
		t.Fatalf("return.retrieved %v", evs)
	}
}

func TestReturnInterruptedByRestart(t *testing.T) {
	for _, tc := range []struct {
		name string
		item locker.ItemState
		want locker.CompartmentStatus
	}{
		{"item sensor sees it", locker.ItemPresent, locker.StatusOccupied},
		{"no sensor", locker.ItemNoSensor, locker.StatusFaulty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReturnsRig(t, nil)
			r.expect("CRASH1", "UPS", locker.SizeS, "")
			r.must(r.s.StartReturn(r.ctx))
			r.must(r.s.ReturnCode(r.ctx, "CRASH1"))
			door := r.s.View().Compartment.ID
			r.door(locker.EventOpened, door)
			r.bus.setItem(r.addr(door), tc.item)
			r.restart()
			if st := r.status(door); st != tc.want {
				t.Errorf("door %s after restart, want %s", st, tc.want)
			}
			n := len(r.events(locker.EvtReturnDeposited))
			if (n == 1) != (tc.item == locker.ItemPresent) {
				t.Errorf("%d return.deposited", n)
			}
		})
	}
}
