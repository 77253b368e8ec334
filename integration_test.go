package locker_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
)

// sensorBus is a lock bus whose boards take every unlock and whose item
// sensors report what the test sets.
type sensorBus struct {
	mu      sync.Mutex
	unlocks []locker.LockAddr
	item    locker.ItemState
}

func (b *sensorBus) Unlock(_ context.Context, a locker.LockAddr) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unlocks = append(b.unlocks, a)
	return nil
}

func (b *sensorBus) State(locker.LockAddr) locker.LockState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return locker.LockState{Door: locker.DoorClosed, Item: b.item, Online: true}
}

// TestServiceOnRealStore runs deposits, a crash in the middle of one and
// pickups through the service on a real SQLite file, then checks the file.
func TestServiceOnRealStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	bank := []locker.Compartment{
		{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}},
		{ID: "A2", Size: locker.SizeM, Addr: locker.LockAddr{Board: 0, Lock: 2}},
		{ID: "A3", Size: locker.SizeL, Addr: locker.LockAddr{Board: 0, Lock: 3}},
	}
	bus := &sensorBus{}
	open := func() (*store.DB, *locker.Service) {
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatalf("store.Open: %v", err)
		}
		s, err := locker.NewService(locker.Options{Site: "it", Kiosk: "k1", Version: "it", Store: db, Bus: bus, Compartments: bank})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		return db, s
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	door := func(s *locker.Service, kind locker.DoorEventKind, id string) {
		for _, c := range s.View().Compartments {
			if c.ID == id {
				s.HandleDoorEvent(ctx, locker.DoorEvent{Kind: kind, Addr: c.Addr, Commanded: true})
				return
			}
		}
		t.Fatalf("no compartment %s", id)
	}

	db, s := open()
	must(s.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups"}, "777777"))
	_, err := s.UpsertRecipients(ctx, []locker.Recipient{{ID: "r1", Name: "Ada"}, {ID: "r2", Name: "Alan"}})
	must(err)
	_, err = s.ExpectParcel(ctx, locker.Expected{Barcode: "PRE", RecipientID: "r1", Size: locker.SizeS})
	must(err)

	// A pre-advised parcel: sign in, scan, the door opens, close it.
	must(s.CourierSignIn(ctx, "777777"))
	must(s.ScanParcel(ctx, "PRE", ""))
	v := s.View()
	if v.Step != locker.StepUnlocking {
		t.Fatalf("pre-advised scan: step %s err %v", v.Step, v.Err)
	}
	door(s, locker.EventOpened, v.Compartment.ID)
	door(s, locker.EventClosed, v.Compartment.ID)
	pin := s.View().LastCredential.PIN
	if pin == "" {
		t.Fatal("no PIN issued")
	}
	// A second parcel, interrupted by a crash with the door open.
	must(s.NextParcel(ctx))
	must(s.ScanParcel(ctx, "CRASHED", ""))
	must(s.ChooseRecipient(ctx, "r2"))
	must(s.ChooseSize(ctx, locker.SizeM))
	door(s, locker.EventOpened, "A2")
	must(db.Close())

	// Restart: the item sensor sees the parcel, so the deposit is committed.
	bus.item = locker.ItemPresent
	db, s = open()
	defer db.Close()
	var crashedPIN string
	pending, err := db.OutboxPending(ctx, 1000)
	must(err)
	for i, e := range pending {
		if e.Seq != pending[0].Seq+uint64(i) {
			t.Fatalf("outbox seq gap at %d: %d", i, e.Seq)
		}
		if e.Type == locker.EvtParcelDeposited {
			var d map[string]any
			must(json.Unmarshal(e.Data, &d))
			if d["barcode"] == "CRASHED" {
				crashedPIN = d["pin"].(string)
			}
		}
	}
	if crashedPIN == "" {
		t.Fatal("interrupted deposit not committed at start")
	}
	for _, p := range []string{pin, crashedPIN} {
		must(s.PickupWithPIN(ctx, p))
		id := s.View().Compartment.ID
		door(s, locker.EventOpened, id)
		door(s, locker.EventClosed, id)
		if st := s.View().Step; st != locker.StepDone {
			t.Fatalf("pickup with %s: step %s err %v", p, st, s.View().Err)
		}
		must(s.Cancel(ctx))
	}
	for _, c := range s.View().Compartments {
		if c.Status != locker.StatusAvailable {
			t.Errorf("%s %s after every pickup", c.ID, c.Status)
		}
	}
	must(db.Check(ctx))
	must(db.VerifyAudit(ctx))
}

// TestStoreRefusalIsNotStorageDown checks that a change the store refuses
// for a uniqueness rule (a courier code another courier already has) is
// reported as invalid input, not as the storage being down.
func TestStoreRefusalIsNotStorageDown(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := locker.NewService(locker.Options{Site: "it", Kiosk: "k1", Store: db, Bus: &sensorBus{},
		Compartments: []locker.Compartment{{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "UPS", Name: "One"}, "424242"); err != nil {
		t.Fatal(err)
	}
	err = s.UpsertCourier(ctx, locker.Courier{ID: "c2", Carrier: "UPS", Name: "Two"}, "424242")
	if err == nil {
		t.Fatal("a second courier with the same code was accepted")
	}
	if errors.Is(err, locker.ErrStoreDown) || !errors.Is(err, locker.ErrInvalid) {
		t.Errorf("err = %v; want ErrInvalid, not ErrStoreDown", err)
	}
	// The store still works: a deposit-side change goes through.
	if err := s.UpsertCourier(ctx, locker.Courier{ID: "c2", Carrier: "UPS", Name: "Two"}, "434343"); err != nil {
		t.Errorf("after the refusal: %v", err)
	}
}

// TestOnCommitSeesCommittedEvents checks that OnCommit gets each committed
// event with the id and seq the store gave it, and nothing of a change the
// store refused.
func TestOnCommitSeesCommittedEvents(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []locker.Event
	s, err := locker.NewService(locker.Options{Site: "it", Kiosk: "k1", Store: db, Bus: &sensorBus{},
		Compartments: []locker.Compartment{{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}}},
		OnCommit:     func(evs []locker.Event) { got = append(got, evs...) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s.HandleDoorEvent(ctx, locker.DoorEvent{Kind: locker.EventForced, Addr: locker.LockAddr{Board: 0, Lock: 1}})
	if len(got) < 2 {
		t.Fatalf("OnCommit got %d events, want kiosk.started and door.forced at least: %+v", len(got), got)
	}
	pending, err := db.OutboxPending(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != len(got) {
		t.Fatalf("outbox has %d events, OnCommit saw %d", len(pending), len(got))
	}
	for i := range got {
		if got[i].ID != pending[i].ID || got[i].Seq != pending[i].Seq || got[i].Type != pending[i].Type {
			t.Errorf("event %d: OnCommit %s/%d/%s, outbox %s/%d/%s", i, got[i].ID, got[i].Seq, got[i].Type, pending[i].ID, pending[i].Seq, pending[i].Type)
		}
	}
	if last := got[len(got)-1]; last.Type != locker.EvtDoorForced {
		t.Errorf("last event %s, want %s", last.Type, locker.EvtDoorForced)
	}
}
