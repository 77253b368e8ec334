package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// The crash test: a child process (this test binary, re-executed) runs
// deposits and pickups through locker.Service on a real database file and
// is killed with SIGKILL at random moments; after each kill the parent
// checks the file.

const (
	crashDBEnv   = "STORE_CRASH_DB"
	crashCode    = "471147"
	crashTimeout = 30 * time.Second // a child nobody kills stops by itself
)

// ackBus is a lock bus whose boards take every unlock; the child plays the
// door sensor by feeding an opened and a closed event for each unlock. Its
// item sensors see a parcel everywhere, so a deposit interrupted between
// the door closing and the commit is finished by the service at start.
type ackBus struct {
	mu      sync.Mutex
	pending []locker.LockAddr
}

func (b *ackBus) Unlock(_ context.Context, a locker.LockAddr) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = append(b.pending, a)
	return nil
}

func (b *ackBus) State(locker.LockAddr) locker.LockState {
	return locker.LockState{Door: locker.DoorClosed, Item: locker.ItemPresent, Online: true, LastPoll: time.Now()}
}

func (b *ackBus) take() []locker.LockAddr {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending
	b.pending = nil
	return p
}

func crashBank() []locker.Compartment {
	sizes := []locker.Size{locker.SizeS, locker.SizeS, locker.SizeM, locker.SizeM, locker.SizeL}
	var cs []locker.Compartment
	for i := range 10 {
		cs = append(cs, locker.Compartment{ID: fmt.Sprintf("C%d", i+1), Size: sizes[i%len(sizes)],
			Addr: locker.LockAddr{Board: 0, Lock: i + 1}, Column: i/5 + 1, Row: i%5 + 1})
	}
	return cs
}

// ledger is the child's stand-in for the operator's cloud: the PINs it
// learnt from parcel.deposited events. Events leave the outbox only after
// their PINs are synced here, as the relay deletes only after a PubAck.
type ledger struct {
	f    *os.File
	pins map[string]string // parcel id -> PIN
}

func openLedger(path string) (*ledger, error) {
	l := &ledger{pins: map[string]string{}}
	if b, err := os.ReadFile(path); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && len(f[1]) == 6 {
				l.pins[f[0]] = f[1]
			}
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	l.f = f
	return l, err
}

// relay copies the PINs of pending events into the ledger, syncs it, and
// then deletes the oldest events from the outbox, as the uplink relay does
// after a PubAck.
func (l *ledger) relay(ctx context.Context, db *DB, rng *rand.Rand) error {
	evs, err := db.OutboxPending(ctx, 200)
	if err != nil || len(evs) == 0 {
		return err
	}
	var buf strings.Builder
	for _, e := range evs {
		if e.Type != locker.EvtParcelDeposited && e.Type != locker.EvtPINReissued {
			continue
		}
		var d struct {
			ParcelID  string   `json:"parcel_id"`
			ParcelIDs []string `json:"parcel_ids"`
			PIN       string   `json:"pin"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil || d.PIN == "" {
			return fmt.Errorf("event %d %s: no pin in %s (%v)", e.Seq, e.Type, e.Data, err)
		}
		for _, id := range append(d.ParcelIDs, d.ParcelID) {
			if id != "" {
				l.pins[id] = d.PIN
				fmt.Fprintf(&buf, "%s %s\n", id, d.PIN)
			}
		}
	}
	if _, err := l.f.WriteString(buf.String()); err != nil {
		return err
	}
	if err := l.f.Sync(); err != nil {
		return err
	}
	n := len(evs)
	if rng.IntN(3) == 0 {
		n = rng.IntN(n + 1) // leave some backlog now and then
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = evs[i].ID
	}
	return db.OutboxDelete(ctx, ids)
}

// crashChild drives the service until it is killed.
type crashChild struct {
	t   *testing.T
	ctx context.Context
	svc *locker.Service
	bus *ackBus
	db  *DB
	rng *rand.Rand
	n   int
}

// doors plays the door sensor: every unlocked door opens and closes.
func (c *crashChild) doors() {
	for range 20 {
		addrs := c.bus.take()
		if len(addrs) == 0 {
			return
		}
		for _, a := range addrs {
			now := time.Now()
			c.svc.HandleDoorEvent(c.ctx, locker.DoorEvent{Kind: locker.EventOpened, Addr: a, Commanded: true, At: now})
			c.svc.HandleDoorEvent(c.ctx, locker.DoorEvent{Kind: locker.EventClosed, Addr: a, At: now})
		}
	}
}

func (c *crashChild) home() {
	if v := c.svc.View(); v.Flow != locker.FlowIdle && v.Step != locker.StepDone {
		if err := c.svc.Cancel(c.ctx); err != nil {
			c.t.Fatalf("Cancel: %v", err)
		}
		c.doors()
	}
}

func (c *crashChild) deposit() {
	c.home()
	if err := c.svc.CourierSignIn(c.ctx, crashCode); err != nil {
		c.t.Fatalf("CourierSignIn: %v", err)
	}
	for range 1 + c.rng.IntN(3) {
		c.n++
		bc := fmt.Sprintf("CR%d-%d-%d", os.Getpid(), time.Now().UnixNano(), c.n)
		if err := c.svc.ScanParcel(c.ctx, bc, "ups"); err != nil {
			c.t.Fatalf("ScanParcel: %v", err)
		}
		if c.svc.View().Step == locker.StepRecipient {
			if err := c.svc.ChooseRecipient(c.ctx, fmt.Sprintf("r%d", c.rng.IntN(6)+1)); err != nil {
				c.t.Fatalf("ChooseRecipient: %v", err)
			}
		}
		if c.svc.View().Step == locker.StepSize {
			z := []locker.Size{locker.SizeXS, locker.SizeS, locker.SizeM}[c.rng.IntN(3)]
			if err := c.svc.ChooseSize(c.ctx, z); errors.Is(err, locker.ErrLockerFull) {
				break
			} else if err != nil {
				c.t.Fatalf("ChooseSize: %v", err)
			}
		}
		if c.svc.View().Step == locker.StepShareDoor { // full: in with the recipient's parcels
			if err := c.svc.AddToDoor(c.ctx); err != nil {
				c.t.Fatalf("AddToDoor: %v", err)
			}
		}
		if c.rng.IntN(8) == 0 {
			break // cancel with the door reserved
		}
		c.doors()
		if v := c.svc.View(); v.Step != locker.StepDeposited {
			c.t.Fatalf("after the door closed: step %q err %v", v.Step, v.Err)
		}
		if err := c.svc.NextParcel(c.ctx); err != nil {
			c.t.Fatalf("NextParcel: %v", err)
		}
	}
	c.home()
}

func (c *crashChild) pickup(l *ledger) {
	snap, err := c.db.Load(c.ctx)
	if err != nil {
		c.t.Fatalf("Load: %v", err)
	}
	var pins []string
	for _, p := range snap.Parcels {
		if pin, ok := l.pins[p.ID]; ok && p.Status == locker.ParcelDeposited {
			pins = append(pins, pin)
		}
	}
	if len(pins) == 0 {
		return
	}
	c.home()
	if err := c.svc.PickupWithPIN(c.ctx, pins[c.rng.IntN(len(pins))]); err != nil {
		c.t.Fatalf("PickupWithPIN: %v", err)
	}
	c.doors()
	if v := c.svc.View(); v.Step != locker.StepDone {
		c.t.Fatalf("pickup ended at step %q: %v", v.Step, v.Err)
	}
}

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("run by TestCrashRecovery")
	}
	ctx := context.Background()
	db, err := Open(ctx, path, Options{SkipIntegrityCheck: true, SkipChainCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	bus := &ackBus{}
	svc, err := locker.NewService(locker.Options{Site: "demo", Kiosk: "k1", Version: "crash",
		Store: db, Bus: bus, Compartments: crashBank()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups", Name: "Uma"}, crashCode); err != nil {
		t.Fatal(err)
	}
	var rs []locker.Recipient
	for i := range 6 {
		rs = append(rs, locker.Recipient{ID: fmt.Sprintf("r%d", i+1), Name: fmt.Sprintf("Resident %d", i+1)})
	}
	if _, err := svc.UpsertRecipients(ctx, rs); err != nil {
		t.Fatal(err)
	}
	l, err := openLedger(path + ".ledger")
	if err != nil {
		t.Fatal(err)
	}
	c := &crashChild{t: t, ctx: ctx, svc: svc, bus: bus, db: db,
		rng: rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))}
	fmt.Println("CHILD-READY")
	for end := time.Now().Add(crashTimeout); time.Now().Before(end); {
		if err := l.relay(ctx, db, c.rng); err != nil {
			t.Fatalf("relay: %v", err)
		}
		if c.rng.IntN(5) < 3 {
			c.deposit()
		} else {
			c.pickup(l)
		}
	}
}

// crashCheck is what must hold after every kill.
type crashCheck struct {
	lastSeq   uint64
	auditSeq  int64
	deposited int // parcels ever committed
	pickedUp  int
}

func checkAfterCrash(t *testing.T, path string, prev crashCheck) crashCheck {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open after kill: %v", err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check after kill: %v", err)
	}
	var cur crashCheck
	if cur.lastSeq, err = db.LastSeq(ctx); err != nil {
		t.Fatal(err)
	}
	if cur.auditSeq, _, err = auditHead(ctx, db.r); err != nil {
		t.Fatal(err)
	}
	if cur.lastSeq < prev.lastSeq || cur.auditSeq < prev.auditSeq {
		t.Fatalf("counters went back: seq %d -> %d, audit %d -> %d", prev.lastSeq, cur.lastSeq, prev.auditSeq, cur.auditSeq)
	}
	evs, err := db.OutboxPending(ctx, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Seq != evs[0].Seq+uint64(i) {
			t.Fatalf("outbox gap: seq %d at position %d after %d", e.Seq, i, evs[0].Seq)
		}
	}
	if len(evs) > 0 && evs[len(evs)-1].Seq != cur.lastSeq {
		t.Fatalf("outbox ends at seq %d, last seq handed out %d", evs[len(evs)-1].Seq, cur.lastSeq)
	}
	snap, err := db.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.NextSeq != cur.lastSeq+1 {
		t.Fatalf("NextSeq %d, last seq %d", snap.NextSeq, cur.lastSeq)
	}
	comps := map[string]locker.Compartment{}
	for _, c := range snap.Compartments {
		comps[c.ID] = c
	}
	recipients := map[string]map[string]bool{}
	hashes := map[string]string{} // PIN hash -> credential id
	for _, p := range snap.Parcels {
		c, ok := comps[p.CompartmentID]
		if !ok {
			t.Fatalf("active parcel %s (%s) in no known compartment %q", p.ID, p.Status, p.CompartmentID)
		}
		if recipients[c.ID] == nil {
			recipients[c.ID] = map[string]bool{}
		}
		recipients[c.ID][p.RecipientID] = true
		if len(recipients[c.ID]) > 1 {
			t.Fatalf("compartment %s holds parcels of %v", c.ID, recipients[c.ID])
		}
		if p.Status != locker.ParcelDepositing && c.Status == locker.StatusAvailable {
			t.Fatalf("compartment %s is available with parcel %s (%s) inside", c.ID, p.ID, p.Status)
		}
		if p.PINHash != "" {
			if other, ok := hashes[p.PINHash]; ok && other != p.CredentialID {
				t.Fatalf("one PIN for credentials %s and %s", other, p.CredentialID)
			}
			hashes[p.PINHash] = p.CredentialID
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM parcels GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		switch locker.ParcelStatus(st) {
		case locker.ParcelDeposited, locker.ParcelExpired:
			cur.deposited += n
		case locker.ParcelPickedUp:
			cur.deposited += n
			cur.pickedUp += n
		}
	}
	return cur
}

func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashDBEnv) != "" {
		t.Skip("in the child")
	}
	kills := 50
	if testing.Short() {
		kills = 15
	}
	path := t.TempDir() + "/kiosk.db"
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var state crashCheck
	ready := 0
	for i := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		delay := 50*time.Millisecond + time.Duration(rng.Int64N(int64(550*time.Millisecond)))
		if rng.IntN(8) == 0 {
			delay = time.Duration(rng.Int64N(int64(60 * time.Millisecond))) // while opening or migrating
		}
		select {
		case err := <-done:
			t.Fatalf("kill %d: child ended by itself (%v):\n%s", i, err, out.String())
		case <-time.After(delay):
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-done
		}
		if strings.Contains(out.String(), "CHILD-READY") {
			ready++
		}
		state = checkAfterCrash(t, path, state)
	}
	t.Logf("%d kills (%d after the service started): %d events, %d audit rows, %d parcels deposited, %d picked up",
		kills, ready, state.lastSeq, state.auditSeq, state.deposited, state.pickedUp)
	if state.deposited == 0 || state.pickedUp == 0 {
		t.Errorf("the child made no progress: %d deposited, %d picked up", state.deposited, state.pickedUp)
	}
}
