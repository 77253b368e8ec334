package e2e

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	_ "modernc.org/sqlite"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/uplink"
)

// TestKeypadPathsSeparate checks against the real kiosk that junk QR codes
// and wrong PINs close neither the couriers' badges nor the recipients' real
// QR codes: each path has its own counter (the policy's figures are in
// TestBruteForceFigure in the root package).
func TestKeypadPathsSeparate(t *testing.T) {
	h := newHarness(t, options{})
	h.seed(5)
	h.expect("SEP0001", "UPS", "R001", locker.SizeS)
	h.expect("SEP0002", "UPS", "R002", locker.SizeS)
	h.signIn(couriers[0].badge)
	p1 := h.depositScanned(couriers[0].badge, "SEP0001")
	h.finishVisit()

	// until repeats action until the audit log has one more code.wrong row.
	until := func(what string, action func()) {
		t.Helper()
		before := h.auditCount("code.wrong")
		for try := 1; ; try++ {
			action()
			if waitFor(5*time.Second, func() bool { return h.auditCount("code.wrong") > before }) {
				return
			}
			if try == 4 {
				h.shot("not-refused")
				t.Fatalf("%s: no code.wrong audit row", what)
			}
		}
	}
	unlocks := h.unlockCount()
	for i := range 5 {
		junk := locker.SignQR([]byte("an attacker's key, not the kiosk"), locker.QRClaims{
			CredentialID: fmt.Sprint("FAKE", i), ParcelIDs: []string{p1.Data.ParcelID}, ExpiresAt: time.Now().Add(time.Hour)})
		until(fmt.Sprintf("junk QR %d", i+1), func() { h.scan(junk) })
	}
	for i := range locker.LockoutFailures {
		pin := fmt.Sprintf("%010d", 7919*i+1) // 10 digits: never an issued PIN
		until("wrong PIN "+pin, func() {
			if !h.openPickup(20 * time.Second) {
				t.Fatal("no PIN screen")
			}
			h.typeText(pin)
			h.key("Return")
		})
	}
	h.events.wait(20*time.Second, "pin.lockout of the PIN keypad", func(e event) bool {
		return e.Type == locker.EvtPINLockout && strings.Contains(string(e.Raw), `"kind":"pin"`)
	})
	if n := h.unlockCount(); n != unlocks {
		t.Fatalf("junk QR codes and wrong PINs opened %d doors", n-unlocks)
	}
	h.shot("pin-locked")
	h.mustPress("", "Back")

	// A courier with a badge and a recipient with a real QR code still get in.
	h.signIn(couriers[0].badge)
	h.depositScanned(couriers[0].badge, "SEP0002")
	h.finishVisit()
	h.pickupQR(p1.Data.QR, p1.Data.ParcelID)
}

// TestSecurity checks the kiosk end to end against an attacker: commands on
// another kiosk's subjects, replayed and forged QR codes, keypad brute
// force, credentials outside the events that carry them, secrets in the
// log, and a tampered audit row.
func TestSecurity(t *testing.T) {
	h := newHarness(t, options{staff: true})
	h.seed(10)
	h.expect("SEC0001", "UPS", "R001", locker.SizeS)
	h.expect("SEC0002", "UPS", "R002", locker.SizeS)
	h.signIn(couriers[0].badge)
	p1 := h.depositScanned(couriers[0].badge, "SEC0001")
	p2 := h.depositScanned(couriers[0].badge, "SEC0002")
	h.finishVisit()

	noUnlock := func(what string, action func()) {
		t.Helper()
		before := h.unlockCount()
		action()
		time.Sleep(2500 * time.Millisecond)
		if n := h.unlockCount(); n != before {
			t.Errorf("%s opened a door (%d unlocks)", what, n-before)
		}
	}

	t.Run("other kiosk's subjects", func(t *testing.T) {
		_ = h.events.sync()
		events := len(h.events.snapshot())
		for _, subj := range []uplink.Subjects{{Site: h.o.site, Kiosk: "k2"}, {Site: "other", Kiosk: h.o.kiosk}} {
			for name, body := range map[string]any{
				"door.open":     map[string]any{"compartment": p2.Data.Compartment, "staff_id": "S1", "reason": "attack"},
				"parcel.expect": map[string]any{"barcode": "EVIL1", "carrier": "UPS", "recipient_id": "R001"},
				"status":        struct{}{},
			} {
				_, err := h.requestTo(subj, name, body, time.Second)
				if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, nats.ErrTimeout) {
					t.Errorf("%s on %s: err %v, want no responder", name, subj.Command(name), err)
				}
			}
		}
		time.Sleep(time.Second)
		_ = h.events.sync()
		if n := len(h.events.snapshot()); n != events {
			t.Errorf("commands on other kiosks' subjects produced %d events", n-events)
		}
		if u := h.sim.unlocks(); len(u) != 2 {
			t.Errorf("commands on other kiosks' subjects unlocked doors: %s", joinAddrs(u))
		}
	})

	t.Run("replayed QR", func(t *testing.T) {
		h.pickupQR(p1.Data.QR, p1.Data.ParcelID)
		noUnlock("the QR of a parcel already picked up", func() { h.scan(p1.Data.QR) })
	})

	t.Run("forged QR", func(t *testing.T) {
		payload, sig, ok := strings.Cut(strings.TrimPrefix(p2.Data.QR, locker.QRPrefix), ".")
		if !ok {
			t.Fatalf("QR %q has no signature", p2.Data.QR)
		}
		b := []byte(sig)
		b[0] ^= 1
		if b[0] == sig[0] || !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", rune(b[0])) {
			b[0] = 'A' + (sig[0]-'A'+1)%26
		}
		noUnlock("a QR with a bad signature", func() { h.scan(locker.QRPrefix + payload + "." + string(b)) })
		// A token made up by the attacker: right shape, the parcel's
		// credential id from the first token, no key.
		raw, _ := base64.RawURLEncoding.DecodeString(payload)
		fields := strings.Split(string(raw), "|")
		fake := fields[0] + "|" + fmt.Sprint(time.Now().Add(time.Hour).Unix()) + "|" + p2.Data.ParcelID
		noUnlock("a made-up QR", func() {
			h.scan(locker.QRPrefix + base64.RawURLEncoding.EncodeToString([]byte(fake)) + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 16)))
		})
	})

	t.Run("keypad brute force", func(t *testing.T) {
		lockouts := len(h.events.find(ofType(locker.EvtPINLockout)))
		wrong := 0
		for i := 0; wrong < locker.LockoutFailures; i++ {
			pin := fmt.Sprintf("%06d", (123457*i+99991)%1000000)
			if pin == p2.Data.PIN {
				continue
			}
			wrong++
			noUnlock("wrong PIN "+pin, func() {
				if !h.openPickup(20 * time.Second) {
					t.Fatal("no PIN screen")
				}
				h.typeText(pin)
				h.key("Return")
			})
		}
		h.events.wait(20*time.Second, "pin.lockout", func(event) bool { return len(h.events.find(ofType(locker.EvtPINLockout))) > lockouts })
		h.shot("locked-out")
		noUnlock("the right PIN during the lockout", func() {
			if !h.openPickup(20 * time.Second) {
				t.Fatal("no PIN screen")
			}
			h.typeText(p2.Data.PIN)
			h.key("Return")
		})
		t.Logf("lockout after %d wrong PINs", locker.LockoutFailures)
	})

	t.Run("credential only in its events", func(t *testing.T) {
		h.command("pin.reissue", map[string]any{"parcel_id": p2.Data.ParcelID, "staff_id": staffID})
		re := h.events.wait(20*time.Second, "parcel.pin_reissued", ofType(locker.EvtPINReissued))
		if re.Data.PIN == "" || re.Data.PIN == p2.Data.PIN {
			t.Errorf("reissued PIN %q, old %q", re.Data.PIN, p2.Data.PIN)
		}
		all := h.checkStream()
		var creds []string
		for _, e := range all {
			if e.Data.PIN != "" {
				creds = append(creds, e.Data.PIN, e.Data.QR)
			}
		}
		for _, e := range all {
			if e.Type == locker.EvtParcelDeposited || e.Type == locker.EvtPINReissued {
				continue
			}
			for _, c := range creds {
				if regexp.MustCompile(`(^|[^0-9A-Za-z])` + regexp.QuoteMeta(c) + `([^0-9A-Za-z]|$)`).Match(e.Raw) {
					t.Errorf("event %d (%s) carries a pickup credential: %s", e.Seq, e.Type, e.Raw)
				}
			}
		}
		h.checkSecretsNotLogged(all)
	})

	t.Run("tampered audit row", func(t *testing.T) {
		h.stopKiosk(syscall.SIGTERM)
		if out, err := h.lockerctl("db", "check", "--db", h.dbPath()); err != nil {
			t.Fatalf("db check before tampering: %v\n%s", err, out)
		}
		db, err := sql.Open("sqlite", h.dbPath())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'`)
		if err != nil {
			t.Fatal(err)
		}
		var triggers, ddl []string
		for rows.Next() {
			var n, q string
			if err := rows.Scan(&n, &q); err != nil {
				t.Fatal(err)
			}
			triggers, ddl = append(triggers, n), append(ddl, q)
		}
		rows.Close()
		for _, n := range triggers {
			if _, err := db.ExecContext(ctx, `DROP TRIGGER "`+n+`"`); err != nil {
				t.Fatal(err)
			}
		}
		var seq int64
		if err := db.QueryRowContext(ctx, `SELECT seq FROM audit WHERE action = 'parcel.deposited' ORDER BY seq LIMIT 1`).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE audit SET detail = 'barcode=SEC0001 compartment=XX recipient=R009' WHERE seq = ?`, seq); err != nil {
			t.Fatal(err)
		}
		// The attacker puts the append-only triggers back: only the hash
		// chain can tell.
		for _, q := range ddl {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		out, err := h.lockerctl("db", "check", "--db", h.dbPath())
		if err == nil {
			t.Fatalf("lockerctl db check passed a database whose audit row %d was rewritten (triggers %v dropped and restored):\n%s", seq, triggers, out)
		}
		if !strings.Contains(out, fmt.Sprintf("BROKEN at seq %d:", seq)) {
			t.Errorf("lockerctl db check failed but does not name row %d:\n%s", seq, out)
		}
		t.Logf("tampered audit row %d found: %v: %s", seq, err, strings.TrimSpace(out))
	})
}

// TestSecurityUplink attacks the real kiosk from the uplink with operator
// keys set: an unsigned door.open, a signed one for a staff id the kiosk
// does not know and a replayed signed one are refused and unlock nothing;
// the one signed command for a known staff member opens its door and is
// reported in a door.remote_open event naming who asked.
func TestSecurityUplink(t *testing.T) {
	op, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := op.PublicKey()
	h := newHarness(t, options{staff: true, operatorKey: pub})
	comp := h.doors[0].ID
	body := func(staff string) []byte {
		return []byte(fmt.Sprintf(`{"compartment":%q,"staff_id":%q,"reason":"e2e uplink attack"}`, comp, staff))
	}
	signed := func(b []byte) *nats.Msg {
		m := nats.NewMsg(h.subj.Command("door.open"))
		m.Data = b
		if err := uplink.SignCommand(m, op, time.Now()); err != nil {
			t.Fatal(err)
		}
		return m
	}
	send := func(m *nats.Msg) reply {
		t.Helper()
		resp, err := h.nc.RequestMsg(m, 15*time.Second)
		if err != nil {
			t.Fatalf("door.open: %v", err)
		}
		var r reply
		if err := json.Unmarshal(resp.Data, &r); err != nil {
			t.Fatalf("reply %q: %v", resp.Data, err)
		}
		r.raw = resp.Data
		return r
	}
	refused := func(what string, m *nats.Msg) {
		t.Helper()
		before := h.unlockCount()
		if r := send(m); r.OK || r.Error.Code != uplink.CodeUnauthorized {
			t.Errorf("%s: reply %s, want unauthorized", what, r.raw)
		}
		time.Sleep(2 * time.Second) // an unlock would reach the simulator well within this
		if n := h.unlockCount(); n != before {
			t.Errorf("%s unlocked %d doors", what, n-before)
		}
	}

	unsigned := nats.NewMsg(h.subj.Command("door.open"))
	unsigned.Data = body(staffID)
	refused("unsigned door.open", unsigned)
	refused("signed door.open for an unknown staff id", signed(body("GHOST")))

	good := signed(body(staffID))
	before := h.unlockCount()
	if r := send(good); !r.OK {
		t.Fatalf("signed door.open: %s", r.raw)
	}
	if !waitFor(10*time.Second, func() bool { return h.unlockCount() == before+1 }) {
		t.Errorf("signed door.open: %d unlocks, want 1", h.unlockCount()-before)
	}
	refused("replayed door.open", good)

	ev := h.events.wait(20*time.Second, "door.remote_open", ofType(locker.EvtDoorRemoteOpen))
	var d struct {
		Compartment string `json:"compartment"`
		StaffID     string `json:"staff_id"`
		Reason      string `json:"reason"`
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(ev.Raw, &env); err != nil || json.Unmarshal(env.Data, &d) != nil {
		t.Fatalf("door.remote_open %s: %v", ev.Raw, err)
	}
	if d.Compartment != comp || d.StaffID != staffID || d.Reason != "e2e uplink attack" {
		t.Errorf("door.remote_open %s", ev.Raw)
	}
	if n := len(h.events.find(ofType(locker.EvtDoorRemoteOpen))); n != 1 {
		t.Errorf("%d door.remote_open events, want 1 (refused commands report nothing)", n)
	}
	if n := h.auditCount("door.open"); n != 1 {
		t.Errorf("%d door.open audit rows, want 1", n)
	}
}
