package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
)

// shiftClock is the wall clock moved by a settable offset.
type shiftClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *shiftClock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off = d
}

func mustUser(t testing.TB) (nkeys.KeyPair, string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return kp, pub
}

// TestSignedCommands attacks a kiosk whose commands need an operator
// signature, through a real NATS server, with a real service and store:
// unsigned, wrongly signed, stale, future, tampered, redirected and
// replayed commands are refused with unauthorized and move nothing; a
// replay after a restart (a new Commands on the reopened database) too.
func TestSignedCommands(t *testing.T) {
	dir := t.TempDir()
	k := newKiosk(t, dir)
	op, opPub := mustUser(t)
	other, _ := mustUser(t)
	srv := startServer(t, EmbeddedOptions{})
	clk := &shiftClock{}
	start := func(db *store.DB, svc Service) (stop func()) {
		nc := connect(t, srv.URL(), ConnectOptions{})
		cmds, err := NewCommands(nc, svc, CommandOptions{Site: "demo", Kiosk: "k1", Backlog: db, DoorWait: 2 * time.Second,
			OperatorKeys: []string{opPub}, Nonces: db, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- cmds.Run(ctx) }()
		stop = func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			nc.Close()
		}
		return stop
	}
	stop := start(k.db, k.svc)
	cli := connect(t, srv.URL(), ConnectOptions{})
	subj := Subjects{Site: "demo", Kiosk: "k1"}
	msg := func(name, body string) *nats.Msg {
		m := nats.NewMsg(subj.Command(name))
		m.Data = []byte(body)
		return m
	}
	signed := func(kp nkeys.KeyPair, name, body string, at time.Time) *nats.Msg {
		m := msg(name, body)
		if err := SignCommand(m, kp, at); err != nil {
			t.Fatal(err)
		}
		return m
	}
	send := func(m *nats.Msg) reply {
		t.Helper()
		var r reply
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := cli.RequestMsg(m, 5*time.Second)
			if err == nil {
				if err := json.Unmarshal(resp.Data, &r); err != nil {
					t.Fatalf("reply %q: %v", resp.Data, err)
				}
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", m.Subject, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	const open = `{"compartment":"A1","staff_id":"s1","reason":"signed test"}`
	if r := send(msg("status", `{}`)); !r.OK {
		t.Fatalf("unsigned status: %+v", r)
	}

	good := signed(op, "door.open", open, time.Now())
	tampered := signed(op, "door.open", open, time.Now())
	tampered.Data = []byte(`{"compartment":"A2","staff_id":"s1","reason":"signed test"}`)
	redirected := signed(op, "door.open", open, time.Now())
	redirected.Header.Set(HeaderSig, signed(op, "door.open", open, time.Now()).Header.Get(HeaderSig))
	toOther := msg("door.open", open)
	toOther.Subject = Subjects{Site: "demo", Kiosk: "k2"}.Command("door.open")
	if err := SignCommand(toOther, op, time.Now()); err != nil {
		t.Fatal(err)
	}
	toOther.Subject = subj.Command("door.open") // signed for k2, sent to k1
	noNonce := signed(op, "door.open", open, time.Now())
	noNonce.Header.Del(HeaderSigNonce)

	audit, unlocks := k.auditCount(t), k.bus.count()
	for _, c := range []struct {
		name string
		m    *nats.Msg
	}{
		{"unsigned", msg("door.open", open)},
		{"unsigned staff.upsert", msg("staff.upsert", `{"id":"x1","name":"X","pin":"123456","totp_secret":"`+testTOTPSecret+`"}`)},
		{"unsigned parcel.expect", msg("parcel.expect", `{"barcode":"B1","carrier":"ups","recipient_id":"r1"}`)},
		{"unknown key", signed(other, "door.open", open, time.Now())},
		{"three minutes old", signed(op, "door.open", open, time.Now().Add(-3*time.Minute))},
		{"a minute ahead", signed(op, "door.open", open, time.Now().Add(time.Minute))},
		{"payload changed", tampered},
		{"signature of another nonce", redirected},
		{"signed for another kiosk", toOther},
		{"no nonce", noNonce},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := send(c.m); r.OK || r.code() != CodeUnauthorized {
				t.Errorf("reply %+v, want %s", r, CodeUnauthorized)
			}
		})
	}
	if n := k.auditCount(t); n != audit {
		t.Errorf("%d audit rows from refused commands", n-audit)
	}
	if n := k.bus.count(); n != unlocks {
		t.Errorf("%d unlocks from refused commands", n-unlocks)
	}
	if _, err := k.db.StaffByID(context.Background(), "x1"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("unsigned staff.upsert stored x1: %v", err)
	}

	if r := send(good); !r.OK || r.Opened == nil || !*r.Opened {
		t.Fatalf("signed door.open: %+v", r)
	}
	unlocks = k.bus.count()
	if r := send(good); r.OK || r.code() != CodeUnauthorized || !strings.Contains(r.Error.Message, "nonce") {
		t.Errorf("replayed door.open: %+v", r)
	}
	// A kiosk clock 20 s slow still takes a fresh command.
	clk.set(-20 * time.Second)
	if r := send(signed(op, "compartment.set", `{"compartment":"A3","status":"out_of_service","staff_id":"s1","reason":"hinge"}`, time.Now())); !r.OK {
		t.Errorf("signed compartment.set with the kiosk 20 s slow: %+v", r)
	}
	clk.set(0)

	// Restart: the nonce is remembered in the database.
	stop()
	k.db.Close()
	db, err := store.Open(context.Background(), filepath.Join(dir, "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	svc2, err := locker.NewService(locker.Options{Site: "demo", Kiosk: "k1", Store: db, Bus: k.bus,
		Compartments: []locker.Compartment{{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}, Column: 1, Row: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer start(db, svc2)()
	if r := send(good); r.OK || r.code() != CodeUnauthorized {
		t.Errorf("door.open replayed after a restart: %+v", r)
	}
	if n := k.bus.count(); n != unlocks {
		t.Errorf("%d unlocks from replays", n-unlocks)
	}
}

func TestOperatorKeysChecked(t *testing.T) {
	_, pub := mustUser(t)
	x, _ := nkeys.CreateCurveKeys()
	xpub, _ := x.PublicKey()
	for _, c := range []struct {
		name string
		o    CommandOptions
	}{
		{"no nonce store", CommandOptions{Site: "demo", Kiosk: "k1", OperatorKeys: []string{pub}}},
		{"curve key", CommandOptions{Site: "demo", Kiosk: "k1", OperatorKeys: []string{xpub}, Nonces: &store.DB{}}},
		{"seed", CommandOptions{Site: "demo", Kiosk: "k1", OperatorKeys: []string{"SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4"}, Nonces: &store.DB{}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewCommands(nil, &fakeService{}, c.o); err == nil {
				t.Error("NewCommands accepted it")
			}
		})
	}
}
