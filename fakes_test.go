package locker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parcelkiosk/locker/internal/lockertest"
)

// newFakeClock returns the rig's clock, at 09:00 UTC on a Monday.
func newFakeClock() *lockertest.Clock {
	return lockertest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
}

// fakeBus records unlocks and serves states set by the test.
type fakeBus struct {
	mu         sync.Mutex
	unlocks    []LockAddr
	states     map[LockAddr]LockState
	failUnlock error
}

func newFakeBus() *fakeBus { return &fakeBus{states: map[LockAddr]LockState{}} }

func (b *fakeBus) Unlock(ctx context.Context, a LockAddr) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failUnlock != nil {
		return b.failUnlock
	}
	b.unlocks = append(b.unlocks, a)
	return nil
}

func (b *fakeBus) State(a LockAddr) LockState {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, ok := b.states[a]
	if !ok {
		return LockState{Door: DoorClosed, Online: true}
	}
	return st
}

func (b *fakeBus) setState(a LockAddr, st LockState) {
	b.mu.Lock()
	b.states[a] = st
	b.mu.Unlock()
}

func (b *fakeBus) takeUnlocks() []LockAddr {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.unlocks
	b.unlocks = nil
	return u
}

// fakeStore is an in-memory Store with the same atomicity as the real one:
// an Apply either takes the whole Change or nothing.
type fakeStore struct {
	mu         sync.Mutex
	secret     []byte
	comps      map[string]Compartment
	parcels    map[string]Parcel
	recipients map[string]Recipient
	couriers   map[string]Courier
	staff      map[string]Staff
	expected   map[string]Expected
	lockout    Lockout
	outbox     []Event
	audit      []AuditEntry
	nextSeq    uint64
	failApply  error // Apply fails with it while set
	failLookup error // lookups fail with it while set
	applies    int
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		comps: map[string]Compartment{}, parcels: map[string]Parcel{}, recipients: map[string]Recipient{},
		couriers: map[string]Courier{}, staff: map[string]Staff{}, expected: map[string]Expected{}, nextSeq: 1,
	}
}

func (f *fakeStore) Load(ctx context.Context) (*Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return nil, f.failLookup
	}
	snap := &Snapshot{Secret: slices.Clone(f.secret), Lockout: f.lockout.clone(), NextSeq: f.nextSeq}
	for _, id := range slices.Sorted(maps.Keys(f.comps)) {
		snap.Compartments = append(snap.Compartments, f.comps[id])
	}
	for _, id := range slices.Sorted(maps.Keys(f.parcels)) {
		if p := f.parcels[id]; p.Status.Active() {
			snap.Parcels = append(snap.Parcels, p)
		}
	}
	return snap, nil
}

func (f *fakeStore) Apply(ctx context.Context, c *Change) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failApply != nil {
		return f.failApply
	}
	for _, e := range c.Events {
		if e.ID == "" || e.Site == "" || e.Kiosk == "" || e.Time.IsZero() || !json.Valid(e.Data) {
			return fmt.Errorf("fakestore: bad envelope %+v", e)
		}
	}
	f.applies++
	if len(c.Secret) > 0 {
		if len(f.secret) > 0 {
			return errors.New("fakestore: secret set twice")
		}
		f.secret = slices.Clone(c.Secret)
	}
	for _, x := range c.Compartments {
		f.comps[x.ID] = x
	}
	for _, x := range c.Parcels {
		f.parcels[x.ID] = x
	}
	for _, x := range c.Recipients {
		f.recipients[x.ID] = x
	}
	for _, id := range c.DeleteRecipients {
		delete(f.recipients, id)
	}
	for _, x := range c.Couriers {
		f.couriers[x.ID] = x
	}
	for _, id := range c.DeleteCouriers {
		delete(f.couriers, id)
	}
	for _, x := range c.Staff {
		f.staff[x.ID] = x
	}
	for _, id := range c.DeleteStaff {
		delete(f.staff, id)
	}
	for _, x := range c.Expected {
		f.expected[x.ID] = x
	}
	for _, id := range c.DeleteExpected {
		delete(f.expected, id)
	}
	if c.Lockout != nil {
		f.lockout = c.Lockout.clone()
	}
	for i := range c.Events {
		c.Events[i].Seq = f.nextSeq
		f.nextSeq++
		f.outbox = append(f.outbox, c.Events[i])
	}
	for i := range c.Audit {
		c.Audit[i].Seq = int64(len(f.audit) + 1)
		f.audit = append(f.audit, c.Audit[i])
	}
	return nil
}

func (f *fakeStore) Recipient(ctx context.Context, id string) (Recipient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return Recipient{}, f.failLookup
	}
	r, ok := f.recipients[id]
	if !ok {
		return Recipient{}, fmt.Errorf("fakestore: recipient %q: %w", id, ErrNotFound)
	}
	return r, nil
}

func (f *fakeStore) SearchRecipients(ctx context.Context, query string, offset, limit int) ([]Recipient, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return nil, 0, f.failLookup
	}
	var all []Recipient
	q := strings.ToLower(query)
	for _, r := range f.recipients {
		if strings.Contains(strings.ToLower(r.Name+" "+r.Unit), q) {
			all = append(all, r)
		}
	}
	slices.SortFunc(all, func(a, b Recipient) int { return strings.Compare(a.Name, b.Name) })
	total := len(all)
	if offset > total {
		offset = total
	}
	end := min(offset+limit, total)
	return all[offset:end], total, nil
}

func (f *fakeStore) CourierByCode(ctx context.Context, codeHash string) (Courier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return Courier{}, f.failLookup
	}
	for _, c := range f.couriers {
		if c.CodeHash == codeHash {
			return c, nil
		}
	}
	return Courier{}, fmt.Errorf("fakestore: courier: %w", ErrNotFound)
}

func (f *fakeStore) StaffByPIN(ctx context.Context, pinHash string) (Staff, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return Staff{}, f.failLookup
	}
	for _, s := range f.staff {
		if s.PINHash == pinHash {
			return s, nil
		}
	}
	return Staff{}, fmt.Errorf("fakestore: staff: %w", ErrNotFound)
}

func (f *fakeStore) StaffByID(ctx context.Context, id string) (Staff, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return Staff{}, f.failLookup
	}
	if s, ok := f.staff[id]; ok {
		return s, nil
	}
	return Staff{}, fmt.Errorf("fakestore: staff %s: %w", id, ErrNotFound)
}

func (f *fakeStore) CourierByID(ctx context.Context, id string) (Courier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return Courier{}, f.failLookup
	}
	if c, ok := f.couriers[id]; ok {
		return c, nil
	}
	return Courier{}, fmt.Errorf("fakestore: courier %s: %w", id, ErrNotFound)
}

func (f *fakeStore) AuditHead(ctx context.Context) (int64, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.audit) == 0 {
		return 0, "", nil
	}
	a := f.audit[len(f.audit)-1]
	return a.Seq, fmt.Sprintf("fake-%d", a.Seq), nil
}

func (f *fakeStore) ExpectedByBarcode(ctx context.Context, barcode string) (Expected, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return Expected{}, f.failLookup
	}
	for _, e := range f.expected {
		if e.Barcode == barcode {
			return e, nil
		}
	}
	return Expected{}, fmt.Errorf("fakestore: expected %q: %w", barcode, ErrNotFound)
}

func (f *fakeStore) ExpectedByKey(ctx context.Context, key string) (Expected, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return Expected{}, f.failLookup
	}
	for _, e := range f.expected {
		if e.IdempotencyKey == key {
			return e, nil
		}
	}
	return Expected{}, fmt.Errorf("fakestore: expected key %q: %w", key, ErrNotFound)
}

func (f *fakeStore) Parcel(ctx context.Context, id string) (Parcel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.parcels[id]
	if !ok {
		return Parcel{}, fmt.Errorf("fakestore: parcel %q: %w", id, ErrNotFound)
	}
	return p, nil
}

func (f *fakeStore) AuditPage(ctx context.Context, offset, limit int) ([]AuditEntry, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLookup != nil {
		return nil, 0, f.failLookup
	}
	total := len(f.audit)
	offset = min(offset, total)
	end := min(offset+limit, total)
	return slices.Clone(f.audit[offset:end]), total, nil
}

// events returns the outbox events of type typ, in order.
func (f *fakeStore) events(typ string) []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Event
	for _, e := range f.outbox {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// parcel returns the stored parcel id.
func (f *fakeStore) parcel(id string) Parcel {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.parcels[id]
}

func (f *fakeStore) comp(id string) Compartment {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.comps[id]
}

func (f *fakeStore) setFailApply(err error) {
	f.mu.Lock()
	f.failApply = err
	f.mu.Unlock()
}

// checkSeq fails t when the outbox seq has a gap.
func (f *fakeStore) checkSeq(t tb) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, e := range f.outbox {
		if e.Seq != uint64(i+1) {
			t.Fatalf("outbox seq gap: event %d has seq %d", i, e.Seq)
		}
	}
}

// eventData decodes an event's data.
func eventData(t tb, e Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Data, &m); err != nil {
		t.Fatalf("event %s data: %v", e.Type, err)
	}
	return m
}

// ---- the rig ---------------------------------------------------------------

// tb is what the rig needs of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

const (
	testCourierCode = "C-1111"
	testStaffPIN    = "432109"
	testTOTPSecret  = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
)

// testBank is a small bank: two S, one M (accessible), one L, one XL, one
// refrigerated M.
func testBank() []Compartment {
	return []Compartment{
		{ID: "A1", Size: SizeS, Addr: LockAddr{Board: 0, Lock: 1}, Column: 1, Row: 1},
		{ID: "A2", Size: SizeS, Addr: LockAddr{Board: 0, Lock: 2}, Column: 1, Row: 2},
		{ID: "A3", Size: SizeM, Addr: LockAddr{Board: 0, Lock: 3}, Column: 1, Row: 3, Accessible: true},
		{ID: "B1", Size: SizeL, Addr: LockAddr{Board: 1, Lock: 1}, Column: 2, Row: 1},
		{ID: "B2", Size: SizeXL, Addr: LockAddr{Board: 1, Lock: 2}, Column: 2, Row: 2},
		{ID: "B3", Size: SizeM, Addr: LockAddr{Board: 1, Lock: 3}, Column: 2, Row: 3, Refrigerated: true},
	}
}

type rig struct {
	t     tb
	ctx   context.Context
	s     *Service
	st    *fakeStore
	bus   *fakeBus
	clk   *lockertest.Clock
	views []View
	vmu   sync.Mutex
}

func newRig(t tb, comps []Compartment, opt ...func(*Options)) *rig {
	t.Helper()
	r := &rig{t: t, ctx: context.Background(), st: newFakeStore(), bus: newFakeBus(), clk: newFakeClock()}
	o := Options{Site: "demo", Kiosk: "k1", Version: "test", Store: r.st, Bus: r.bus, Clock: r.clk, Compartments: comps}
	for _, f := range opt {
		f(&o)
	}
	s, err := NewService(o)
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	r.s = s
	s.Subscribe(func(v View) {
		r.vmu.Lock()
		r.views = append(r.views, v)
		r.vmu.Unlock()
	})
	r.must(s.Start(r.ctx))
	r.seed()
	return r
}

// seed adds a courier, a staff member and a small directory.
func (r *rig) seed() {
	r.t.Helper()
	r.must(r.s.UpsertCourier(r.ctx, Courier{ID: "c1", Carrier: "ups", Name: "Una"}, testCourierCode))
	r.must(r.s.UpsertStaff(r.ctx, Staff{ID: "s1", Name: "Sam", TOTPSecret: testTOTPSecret}, testStaffPIN))
	_, err := r.s.UpsertRecipients(r.ctx, []Recipient{
		{ID: "r1", Name: "Ada Lovelace", Unit: "101"},
		{ID: "r2", Name: "Alan Turing", Unit: "102"},
		{ID: "r3", Name: "Grace Hopper", Unit: "103", Accessible: true},
	})
	r.must(err)
}

func (r *rig) must(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr fails unless errors.Is(err, target).
func (r *rig) wantErr(err, target error) {
	r.t.Helper()
	if !errors.Is(err, target) {
		r.t.Fatalf("error = %v, want %v", err, target)
	}
}

func (r *rig) addr(id string) LockAddr {
	r.t.Helper()
	for _, c := range r.s.View().Compartments {
		if c.ID == id {
			return c.Addr
		}
	}
	r.t.Fatalf("no compartment %s", id)
	return LockAddr{}
}

func (r *rig) door(kind DoorEventKind, id string, commanded bool) {
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: kind, Addr: r.addr(id), Commanded: commanded, At: r.clk.Now()})
}

// openClose reports the door of id opening and closing.
func (r *rig) openClose(id string) {
	r.door(EventOpened, id, true)
	r.door(EventClosed, id, true)
}

func (r *rig) step(want Step) {
	r.t.Helper()
	if v := r.s.View(); v.Step != want {
		r.t.Fatalf("step = %q, want %q (flow %q, err %v)", v.Step, want, v.Flow, v.Err)
	}
}

func (r *rig) signIn() {
	r.t.Helper()
	r.must(r.s.CourierSignIn(r.ctx, testCourierCode))
}

// deposit runs one full deposit of barcode for recipient at size and
// returns the parcel (as committed) and its credential.
func (r *rig) deposit(barcode, recipient string, z Size) (Parcel, Credential) {
	r.t.Helper()
	r.must(r.s.ScanParcel(r.ctx, barcode, ""))
	if r.s.View().Step == StepRecipient {
		r.must(r.s.ChooseRecipient(r.ctx, recipient))
	}
	if r.s.View().Step == StepSize {
		r.must(r.s.ChooseSize(r.ctx, z))
	}
	v := r.s.View()
	if v.Step != StepUnlocking {
		r.t.Fatalf("after size: step %q err %v", v.Step, v.Err)
	}
	r.openClose(v.Compartment.ID)
	v = r.s.View()
	if v.Step != StepDeposited {
		r.t.Fatalf("after close: step %q err %v", v.Step, v.Err)
	}
	return r.st.parcel(v.Parcel.ID), v.LastCredential
}

func (r *rig) staffSignIn() {
	r.t.Helper()
	code, err := TOTPCode(testTOTPSecret, r.clk.Now())
	r.must(err)
	r.must(r.s.StaffSignIn(r.ctx, testStaffPIN, code))
}

// checkInvariants asserts the properties that must always hold.
func (r *rig) checkInvariants() {
	r.t.Helper()
	v := r.s.View()
	byComp := map[string]string{}
	seenPIN := map[string]string{}
	comps := map[string]Compartment{}
	for _, c := range v.Compartments {
		comps[c.ID] = c
	}
	r.s.mu.Lock()
	parcels := slices.Collect(maps.Values(r.s.parcels))
	r.s.mu.Unlock()
	for _, p := range parcels {
		c, ok := comps[p.CompartmentID]
		if !ok {
			r.t.Fatalf("parcel %s in unknown compartment %q", p.ID, p.CompartmentID)
		}
		if rc, ok := byComp[c.ID]; ok && rc != p.RecipientID {
			r.t.Fatalf("compartment %s holds parcels of %s and %s", c.ID, rc, p.RecipientID)
		}
		byComp[c.ID] = p.RecipientID
		if c.Status == StatusAvailable {
			r.t.Fatalf("compartment %s available but holds parcel %s (%s)", c.ID, p.ID, p.Status)
		}
		if p.Status != ParcelDepositing {
			if other, ok := seenPIN[p.PINHash]; ok && other != p.CredentialID {
				r.t.Fatalf("PIN shared by credentials %s and %s", other, p.CredentialID)
			}
			seenPIN[p.PINHash] = p.CredentialID
		}
		if sp := r.st.parcel(p.ID); sp != p {
			r.t.Fatalf("memory and store differ for %s:\n%+v\n%+v", p.ID, p, sp)
		}
	}
	for _, c := range v.Compartments {
		if c.Status == StatusReserved {
			if v.Flow != FlowDeposit || v.Parcel.CompartmentID != c.ID {
				r.t.Fatalf("compartment %s reserved outside a deposit", c.ID)
			}
		}
		if sc := r.st.comp(c.ID); sc != c {
			r.t.Fatalf("memory and store differ for %s:\n%+v\n%+v", c.ID, c, sc)
		}
	}
	r.st.checkSeq(r.t)
}
