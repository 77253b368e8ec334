package uplink

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// deposit runs one deposit for r1 on k's service and returns the
// credential the screen shows.
func deposit(t *testing.T, k *kioskRig, courierCode, barcode string) locker.Credential {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(k.svc.CourierSignIn(ctx, courierCode))
	must(k.svc.ScanParcel(ctx, barcode, "ups"))
	if k.svc.View().Step == locker.StepRecipient {
		must(k.svc.ChooseRecipient(ctx, "r1"))
	}
	if k.svc.View().Step == locker.StepSize {
		must(k.svc.ChooseSize(ctx, locker.SizeS))
	}
	v := k.svc.View()
	a := v.Compartment.Addr
	k.svc.HandleDoorEvent(ctx, locker.DoorEvent{Kind: locker.EventOpened, Addr: a, Commanded: true, At: time.Now()})
	k.svc.HandleDoorEvent(ctx, locker.DoorEvent{Kind: locker.EventClosed, Addr: a, At: time.Now()})
	v = k.svc.View()
	if v.Step != locker.StepDeposited || v.LastCredential.PIN == "" {
		t.Fatalf("deposit: step %s, err %v", v.Step, v.Err)
	}
	must(k.svc.Cancel(ctx))
	return v.LastCredential
}

// TestSealedCredentials checks that with a notify key neither the outbox
// nor the stream holds a PIN or QR in clear, and that the notification
// service, with its private curve key, recovers both.
func TestSealedCredentials(t *testing.T) {
	notify, err := nkeys.CreateCurveKeys()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := notify.PublicKey()
	sealer, err := NewNotifySealer(pub)
	if err != nil {
		t.Fatal(err)
	}
	k := newKiosk(t, t.TempDir(), func(o *locker.Options) { o.Sealer = sealer })
	ctx := context.Background()
	if err := k.svc.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups", Name: "Una"}, "BADGE-0001"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.svc.UpsertRecipients(ctx, []locker.Recipient{{ID: "r1", Name: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	cred := deposit(t, k, "BADGE-0001", "SEAL-1")
	if err := k.svc.ReissuePIN(ctx, cred.ParcelIDs[0], "s1"); err != nil {
		t.Fatal(err)
	}

	// The outbox: no clear credential.
	var creds []string
	for _, ev := range k.pending(t) {
		if strings.Contains(string(ev.Data), cred.PIN) || strings.Contains(string(ev.Data), cred.QR) {
			t.Errorf("outbox event %s holds the credential in clear: %s", ev.Type, ev.Data)
		}
	}

	// The stream: no clear credential; the notifier opens both events.
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	stop := runRelay(t, NewRelay(nc, k.db, fastRelay()))
	lockertest.WaitFor(t, 20*time.Second, "outbox drained", func() bool { return k.backlog() == 0 })
	stop()
	msgs := readStream(t, nc, "")
	for _, m := range msgs {
		raw, _ := json.Marshal(m.Event)
		if strings.Contains(string(raw), cred.PIN) || strings.Contains(string(raw), cred.QR) {
			t.Errorf("stream event %s holds the credential in clear", m.Event.Type)
		}
		if m.Event.Type != locker.EvtParcelDeposited && m.Event.Type != locker.EvtPINReissued {
			continue
		}
		var d struct {
			PIN        string `json:"pin"`
			QR         string `json:"qr"`
			SealedFrom string `json:"sealed_from"`
			SealedTo   string `json:"sealed_to"`
		}
		if err := json.Unmarshal(m.Event.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.SealedTo != pub || d.SealedFrom == "" {
			t.Errorf("%s: sealed_from %q sealed_to %q", m.Event.Type, d.SealedFrom, d.SealedTo)
		}
		pin, err := OpenSealed(notify, d.PIN, d.SealedFrom)
		if err != nil {
			t.Fatalf("%s: open pin: %v", m.Event.Type, err)
		}
		qr, err := OpenSealed(notify, d.QR, d.SealedFrom)
		if err != nil {
			t.Fatalf("%s: open qr: %v", m.Event.Type, err)
		}
		if len(pin) < 6 || strings.Trim(pin, "0123456789") != "" || !strings.HasPrefix(qr, locker.QRPrefix) {
			t.Errorf("%s: opened pin %q qr %q", m.Event.Type, pin, qr)
		}
		if m.Event.Type == locker.EvtParcelDeposited {
			creds = append(creds, "deposited")
			if pin != cred.PIN || qr != cred.QR {
				t.Errorf("opened %q %q, the screen showed %q %q", pin, qr, cred.PIN, cred.QR)
			}
		} else {
			creds = append(creds, "reissued")
			if err := k.svc.PickupWithPIN(ctx, pin); err != nil {
				t.Errorf("the reissued PIN opened from the stream does not work: %v", err)
			}
		}
		// Someone else's curve key opens nothing.
		if other, _ := nkeys.CreateCurveKeys(); other != nil {
			if _, err := OpenSealed(other, d.PIN, d.SealedFrom); err == nil {
				t.Error("another curve key opened the sealed PIN")
			}
		}
	}
	if strings.Join(creds, ",") != "deposited,reissued" {
		t.Errorf("sealed credential events %v", creds)
	}
}

func TestNotifyKeyChecked(t *testing.T) {
	u, _ := nkeys.CreateUser()
	upub, _ := u.PublicKey()
	for _, k := range []string{"", upub, "XNOTAKEY"} {
		if _, err := NewNotifySealer(k); err == nil {
			t.Errorf("NewNotifySealer(%q) accepted it", k)
		}
	}
}

// TestHeartbeatAnchorsAudit runs a heartbeat on a real server with a real
// service and store: every heartbeat carries the audit head, and Run
// records an audit.anchor event with the head at start.
func TestHeartbeatAnchorsAudit(t *testing.T) {
	k := newKiosk(t, t.TempDir())
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	sub, err := nc.SubscribeSync(Subjects{Site: "demo", Kiosk: "k1"}.Status())
	if err != nil {
		t.Fatal(err)
	}
	hb, err := NewHeartbeat(nc, k.svc, HeartbeatOptions{Site: "demo", Kiosk: "k1", Interval: time.Hour, Audit: k.db, Anchor: k.svc})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seq, hash, err := k.db.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run(t, hb.Run)
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var msg HeartbeatMsg
	if err := json.Unmarshal(m.Data, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.AuditSeq != seq || msg.AuditHash != hash || len(hash) != 64 {
		t.Errorf("heartbeat audit head %d %q, store %d %q", msg.AuditSeq, msg.AuditHash, seq, hash)
	}
	var anchor map[string]any
	for _, ev := range k.pending(t) {
		if ev.Type == locker.EvtAuditAnchor {
			_ = json.Unmarshal(ev.Data, &anchor)
		}
	}
	if anchor["audit_seq"] != float64(seq) || anchor["audit_hash"] != hash {
		t.Errorf("audit.anchor %v, store head %d %q", anchor, seq, hash)
	}
}
