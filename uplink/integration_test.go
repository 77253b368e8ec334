package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/store"
)

// The real parts implement the interfaces the uplink consumes.
var (
	_ Service      = (*locker.Service)(nil)
	_ StatusSource = (*locker.Service)(nil)
	_ Outbox       = (*store.DB)(nil)
	_ Backlogger   = (*store.DB)(nil)
)

// simBus is a lock bus whose doors open when unlocked, unless jammed.
type simBus struct {
	mu      sync.Mutex
	open    map[locker.LockAddr]bool
	jammed  bool
	unlocks int
}

func (b *simBus) Unlock(ctx context.Context, a locker.LockAddr) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unlocks++
	if !b.jammed {
		if b.open == nil {
			b.open = map[locker.LockAddr]bool{}
		}
		b.open[a] = true
	}
	return nil
}

func (b *simBus) State(a locker.LockAddr) locker.LockState {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := locker.DoorClosed
	if b.open[a] {
		d = locker.DoorOpen
	}
	return locker.LockState{Door: d, Online: true, LastPoll: time.Now()}
}

func (b *simBus) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.unlocks
}

// kioskRig is a kiosk with a real SQLite store and the real service.
type kioskRig struct {
	db  *store.DB
	svc *locker.Service
	bus *simBus
}

// testTOTPSecret is a 160-bit staff TOTP secret.
const testTOTPSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func newKiosk(t testing.TB, dir string, opts ...func(*locker.Options)) *kioskRig {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	bus := &simBus{}
	o := locker.Options{
		Site: "demo", Kiosk: "k1", Version: "test-1", Store: db, Bus: bus,
		Compartments: []locker.Compartment{
			{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}, Column: 1, Row: 1},
			{ID: "A2", Size: locker.SizeM, Addr: locker.LockAddr{Board: 0, Lock: 2}, Column: 1, Row: 2},
			{ID: "A3", Size: locker.SizeL, Addr: locker.LockAddr{Board: 0, Lock: 3}, Column: 1, Row: 3},
		},
	}
	for _, f := range opts {
		f(&o)
	}
	svc, err := locker.NewService(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Remote commands act only for staff on record.
	for i, id := range []string{"s1", "s7"} {
		if err := svc.UpsertStaff(ctx, locker.Staff{ID: id, Name: id, TOTPSecret: testTOTPSecret}, fmt.Sprintf("24681%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	return &kioskRig{db: db, svc: svc, bus: bus}
}

func (k *kioskRig) auditCount(t testing.TB) int {
	t.Helper()
	_, n, err := k.db.AuditPage(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (k *kioskRig) pending(t testing.TB) []locker.Event {
	t.Helper()
	evs, err := k.db.OutboxPending(context.Background(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (k *kioskRig) backlog() int {
	n, _ := k.db.OutboxBacklog(context.Background())
	return n
}

// run starts fn(ctx) in the background until the end of the test.
func run(t testing.TB, fn func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestIntegrationCommandsWithRealServiceAndStore(t *testing.T) {
	k := newKiosk(t, t.TempDir())
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	op := connect(t, srv.URL(), ConnectOptions{})
	cmds, err := NewCommands(nc, k.svc, CommandOptions{Site: "demo", Kiosk: "k1", Backlog: k.db, DoorWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	run(t, cmds.Run)
	ask := func(name, body string) reply {
		t.Helper()
		var m []byte
		deadline := time.Now().Add(5 * time.Second)
		for {
			msg, err := op.Request(Subjects{Site: "demo", Kiosk: "k1"}.Command(name), []byte(body), 5*time.Second)
			if err == nil {
				m = msg.Data
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", name, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		var r reply
		if err := json.Unmarshal(m, &r); err != nil {
			t.Fatalf("%s reply %q: %v", name, m, err)
		}
		return r
	}
	ctx := context.Background()

	// parcel.expect is idempotent on its key: one pre-advice, one id.
	body := `{"barcode":"1Z999AA1","carrier":"ups","recipient_id":"r1","size":"M","idempotency_key":"op-1"}`
	a, b := ask("parcel.expect", body), ask("parcel.expect", body)
	if !a.OK || a.ExpectedID == "" || b.ExpectedID != a.ExpectedID {
		t.Fatalf("parcel.expect twice: %+v, %+v", a, b)
	}
	e, err := k.db.ExpectedByKey(ctx, "op-1")
	if err != nil || e.ID != a.ExpectedID || e.Barcode != "1Z999AA1" || e.Size != locker.SizeM {
		t.Errorf("stored pre-advice %+v, %v", e, err)
	}

	// Refused commands change nothing: no pre-advice, no audit row, no
	// event, no unlock.
	audit, backlog, unlocks := k.auditCount(t), k.backlog(), k.bus.count()
	for _, c := range []struct{ name, body, code string }{
		{"parcel.expect", `{"barcode":"NEW1","carrier":"ups","recipient_id":"r1","note":"x"}`, CodeBadRequest},
		{"parcel.expect", `{"barcode":"NEW1","carrier":"ups"`, CodeBadRequest},
		{"parcel.expect", `{"barcode":"NEW1","carrier":"ups","recipient_id":"r1","dims_mm":[5000,5000,5000]}`, CodeBadRequest},
		{"door.open", `{"compartment":"A1","reason":"no staff"}`, CodeUnauthorized},
		{"door.open", `{"compartment":"A1","staff_id":"ghost","reason":"unknown staff"}`, CodeUnauthorized},
		{"compartment.set", `{"compartment":"A2","status":"out_of_service","staff_id":"ghost","reason":"x"}`, CodeUnauthorized},
		{"door.open", `{"compartment":"A1","staff_id":"s1"}`, CodeBadRequest},
		{"door.open", `{"compartment":"Z9","staff_id":"s1","reason":"x"}`, CodeNotFound},
		{"compartment.set", `{"compartment":"A2","status":"faulty","staff_id":"s1","reason":"x"}`, CodeBadRequest},
		{"parcel.cancel", `{"barcode":"NOPE"}`, CodeNotFound},
		{"pin.reissue", `{"parcel_id":"nope","staff_id":"s1"}`, CodeNotFound},
		{"self.destruct", `{}`, CodeUnknownCommand},
	} {
		if r := ask(c.name, c.body); r.code() != c.code {
			t.Errorf("%s %s: %+v, want code %s", c.name, c.body, r, c.code)
		}
	}
	if _, err := k.db.ExpectedByBarcode(ctx, "NEW1"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("refused pre-advice stored: %v", err)
	}
	if n := k.auditCount(t); n != audit {
		t.Errorf("audit rows %d after refused commands, want %d", n, audit)
	}
	if n := k.backlog(); n != backlog {
		t.Errorf("outbox %d after refused commands, want %d", n, backlog)
	}
	if n := k.bus.count(); n != unlocks {
		t.Errorf("%d unlocks by refused commands", n-unlocks)
	}

	// door.open waits for the sensor and is audited under the staff id.
	if r := ask("door.open", `{"compartment":"A1","staff_id":"s7","reason":"customer call"}`); !r.OK || r.Opened == nil || !*r.Opened {
		t.Errorf("door.open: %+v", r)
	}
	rows, n, err := k.db.AuditPage(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if n != audit+1 || last.Actor != "remote:s7" || last.Action != "door.open" || last.Subject != "A1" || last.Detail != "customer call" {
		t.Errorf("audit after door.open: %d rows, last %+v", n, last)
	}
	k.bus.mu.Lock()
	k.bus.jammed = true
	k.bus.mu.Unlock()
	start := time.Now()
	if r := ask("door.open", `{"compartment":"A2","staff_id":"s7","reason":"check"}`); !r.OK || r.Opened == nil || *r.Opened {
		t.Errorf("door.open of a jammed door: %+v, want ok and opened=false", r)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("jammed door.open replied after %v, before the door wait", d)
	}

	// compartment.set, directory and status.
	if r := ask("compartment.set", `{"compartment":"A3","status":"out_of_service","staff_id":"s7","reason":"hinge"}`); !r.OK {
		t.Errorf("compartment.set: %+v", r)
	}
	if r := ask("directory.upsert", `{"recipients":[{"id":"r1","name":"Ann Lee","unit":"4B"},{"id":"r2","name":"Bo Kim","unit":"5C","accessible":true}]}`); !r.OK || r.Count != 2 {
		t.Errorf("directory.upsert: %+v", r)
	}
	if rc, err := k.db.Recipient(ctx, "r2"); err != nil || rc.Name != "Bo Kim" || !rc.Accessible {
		t.Errorf("recipient r2: %+v %v", rc, err)
	}
	if r := ask("directory.delete", `{"ids":["r1"]}`); !r.OK || r.Count != 1 {
		t.Errorf("directory.delete: %+v", r)
	}
	if _, err := k.db.Recipient(ctx, "r1"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("deleted recipient r1: %v", err)
	}
	if r := ask("courier.upsert", `{"id":"c1","carrier":"ups","name":"Carl","code":"BADGE-0001"}`); !r.OK {
		t.Errorf("courier.upsert: %+v", r)
	}
	if r := ask("staff.upsert", `{"id":"s9","name":"Nia","pin":"975310","totp_secret":"`+testTOTPSecret+`"}`); !r.OK {
		t.Errorf("staff.upsert: %+v", r)
	}
	if st, err := k.db.StaffByPIN(ctx, locker.HashStaffPIN(k.secret(t), "975310")); err != nil || st.ID != "s9" {
		t.Errorf("staff s9 after staff.upsert: %+v, %v", st, err)
	}
	if r := ask("staff.upsert", `{"id":"s9","name":"Nia","pin":"975310","totp_secret":"not base32!"}`); r.OK || r.Error == nil || r.Error.Code != CodeBadRequest {
		t.Errorf("staff.upsert with a bad TOTP secret: %+v", r)
	}
	if r := ask("parcel.cancel", `{"barcode":"1Z999AA1"}`); !r.OK {
		t.Errorf("parcel.cancel: %+v", r)
	}
	st := ask("status", `{}`)
	if !st.OK || st.Version != "test-1" || !st.BoardOnline || st.OutboxBacklog != k.backlog() || len(st.Compartments) != 3 {
		t.Errorf("status: %+v (backlog now %d)", st, k.backlog())
	}
	for _, c := range st.Compartments {
		if c.ID == "A3" && c.Status != locker.StatusOutOfService {
			t.Errorf("A3 status %s after compartment.set", c.Status)
		}
	}
	if st.FreeBySize[locker.SizeL] != 0 || st.FreeBySize[locker.SizeS] != 1 {
		t.Errorf("free_by_size %v", st.FreeBySize)
	}
}

func TestIntegrationRelayFromRealStore(t *testing.T) {
	k := newKiosk(t, t.TempDir())
	ctx := context.Background()
	// 200 committed events: compartment.status back and forth.
	for i := range 100 {
		for _, st := range []locker.CompartmentStatus{locker.StatusOutOfService, locker.StatusAvailable} {
			if err := k.svc.RemoteSetCompartment(ctx, "A1", st, "s1", "test "+strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := k.pending(t)
	if len(want) < 200 {
		t.Fatalf("only %d events in the outbox", len(want))
	}
	for i, ev := range want {
		if ev.Seq != want[0].Seq+uint64(i) || ev.Site != "demo" || ev.Kiosk != "k1" || ev.ID == "" {
			t.Fatalf("outbox event %d: %+v", i, ev)
		}
	}

	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	o := fastRelay()
	o.Batch = 64
	o.Window = 16 // acks come back, and groups get deleted, while later events are in flight

	// The kiosk dies after the second batch was acknowledged but before it
	// was deleted.
	rctx, kill := context.WithCancel(ctx)
	dying := &failingStoreDelete{DB: k.db, okLeft: 1, kill: kill}
	first := NewRelay(nc, dying, o)
	runDone := make(chan error, 1)
	go func() { runDone <- first.Run(rctx) }()
	select {
	case err := <-runDone:
		if err != nil {
			t.Fatalf("Run after kill: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the relay was never killed: %d deleted, backlog %d", first.Stats().Published, k.backlog())
	}
	deleted := int(first.Stats().Published)
	if deleted == 0 || deleted >= len(want) {
		t.Fatalf("first relay deleted %d of %d: not killed in the middle", deleted, len(want))
	}
	if got := k.backlog(); got != len(want)-deleted {
		t.Fatalf("backlog after the kill %d, want %d", got, len(want)-deleted)
	}

	second := NewRelay(nc, k.db, o)
	run(t, second.Run)
	lockertest.WaitFor(t, 20*time.Second, "outbox drained", func() bool { return k.backlog() == 0 })
	// Events committed now are relayed too (Committed wakes the relay).
	if err := k.svc.RemoteSetCompartment(ctx, "A2", locker.StatusOutOfService, "s1", "late"); err != nil {
		t.Fatal(err)
	}
	late := k.pending(t)
	want = append(want, late...)
	lockertest.WaitFor(t, 10*time.Second, "late event relayed", func() bool { return k.backlog() == 0 })
	got := readStream(t, nc, "")
	checkExactlyOnceInOrder(t, got, want)
	for i := 1; i < len(got); i++ {
		if got[i].Event.Seq != got[i-1].Event.Seq+1 {
			t.Fatalf("gap in seq at %d: %d after %d", i, got[i].Event.Seq, got[i-1].Event.Seq)
		}
	}
	if st := second.Stats(); st.Duplicates == 0 {
		t.Errorf("second relay: %+v, want the acknowledged but undeleted events dropped by the server as duplicates", st)
	}
}

// failingStoreDelete is the real store whose deletes fail after okLeft
// calls, killing the relay at that moment.
type failingStoreDelete struct {
	*store.DB
	mu     sync.Mutex
	okLeft int
	kill   context.CancelFunc
}

func (f *failingStoreDelete) OutboxDelete(ctx context.Context, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.okLeft > 0 {
		f.okLeft--
		return f.DB.OutboxDelete(ctx, ids)
	}
	f.kill()
	return errors.New("power cut")
}

func TestIntegrationHeartbeatFromRealService(t *testing.T) {
	k := newKiosk(t, t.TempDir())
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	hb, err := NewHeartbeat(nc, k.svc, HeartbeatOptions{Site: "demo", Kiosk: "k1", Backlog: k.db})
	if err != nil {
		t.Fatal(err)
	}
	m := hb.Message(context.Background())
	if m.Version != "test-1" || !m.BoardOnline || m.OutboxBacklog != k.backlog() || m.OutboxBacklog == 0 {
		t.Errorf("heartbeat %+v", m)
	}
	if m.FreeBySize[locker.SizeS] != 1 || m.FreeBySize[locker.SizeM] != 1 || m.FreeBySize[locker.SizeL] != 1 {
		t.Errorf("free_by_size %v", m.FreeBySize)
	}
}

// secret returns the kiosk's HMAC secret from its database.
func (k *kioskRig) secret(t testing.TB) []byte {
	t.Helper()
	snap, err := k.db.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap.Secret
}
