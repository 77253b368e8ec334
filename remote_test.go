package locker

import (
	"context"
	"strings"
	"testing"
	"time"
)

func (b *fakeBus) unlockCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.unlocks)
}

func TestRemoteCommandsNeedStaffOnRecord(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p, _ := r.deposit("RS1", "r1", SizeS)
	r.must(r.s.Cancel(r.ctx))
	audits := len(r.st.audit)
	for _, id := range []string{"", "nobody", "S1"} { // ids are case-sensitive: s1 exists, S1 does not
		t.Run("id "+id, func(t *testing.T) {
			before := r.bus.unlockCount()
			opened, err := r.s.RemoteOpenDoor(r.ctx, p.CompartmentID, id, "let me in")
			r.wantErr(err, ErrUnauthorized)
			if opened {
				t.Error("opened = true for an unknown staff id")
			}
			r.wantErr(r.s.RemoteSetCompartment(r.ctx, "B1", StatusOutOfService, id, "x"), ErrUnauthorized)
			r.wantErr(r.s.ReissuePIN(r.ctx, p.ID, id), ErrUnauthorized)
			if n := r.bus.unlockCount(); n != before {
				t.Errorf("%d unlocks sent for staff id %q", n-before, id)
			}
		})
	}
	if n := len(r.st.audit); n != audits {
		t.Errorf("refused commands wrote %d audit rows", n-audits)
	}
	if c := r.st.comp("B1"); c.Status != StatusAvailable {
		t.Errorf("B1 is %s after refused compartment.set", c.Status)
	}
	if n := len(r.st.events(EvtPINReissued)) + len(r.st.events(EvtDoorRemoteOpen)); n != 0 {
		t.Errorf("%d events from refused commands", n)
	}

	// The same commands for the staff member on record work, and a
	// removed staff member's id stops working at once.
	r.must(r.s.RemoteSetCompartment(r.ctx, "B1", StatusOutOfService, "s1", "x"))
	r.must(r.s.ReissuePIN(r.ctx, p.ID, "s1"))
	r.must(r.s.DeleteStaff(r.ctx, "s1"))
	r.wantErr(r.s.RemoteSetCompartment(r.ctx, "B1", StatusAvailable, "s1", "x"), ErrUnauthorized)
	r.wantErr(r.s.DeleteStaff(r.ctx, "s1"), ErrNotFound)
	for _, a := range r.st.audit {
		if a.Action == "pin.reissue" && a.Actor != "remote:s1" {
			t.Errorf("pin.reissue audited as %q", a.Actor)
		}
	}
}

func TestRemoteOpenDoorEvent(t *testing.T) {
	r := newRig(t, testBank())
	go func() {
		for r.bus.unlockCount() == 0 {
			time.Sleep(time.Millisecond)
		}
		r.door(EventOpened, "B1", true)
	}()
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	opened, err := r.s.RemoteOpenDoor(ctx, "B1", "s1", "courier forgot keys")
	r.must(err)
	ev := r.st.events(EvtDoorRemoteOpen)
	if len(ev) != 1 {
		t.Fatalf("%d door.remote_open events", len(ev))
	}
	d := eventData(t, ev[0])
	if d["compartment"] != "B1" || d["staff_id"] != "s1" || d["reason"] != "courier forgot keys" || d["opened"] != opened || !opened {
		t.Errorf("door.remote_open %v (opened %v)", d, opened)
	}
	found := false
	for _, a := range r.st.audit {
		found = found || (a.Action == "door.open" && a.Actor == "remote:s1" && a.Subject == "B1")
	}
	if !found {
		t.Error("no door.open audit row naming remote:s1")
	}
}

func TestProvisioningValidated(t *testing.T) {
	r := newRig(t, testBank())
	const good = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // 160 bits
	cases := []struct {
		name string
		err  error
	}{
		{"short PIN", r.s.UpsertStaff(r.ctx, Staff{ID: "s2", Name: "N", TOTPSecret: good}, "12345")},
		{"long PIN", r.s.UpsertStaff(r.ctx, Staff{ID: "s2", Name: "N", TOTPSecret: good}, "1234567890123")},
		{"PIN with letters", r.s.UpsertStaff(r.ctx, Staff{ID: "s2", Name: "N", TOTPSecret: good}, "12345a")},
		{"80-bit TOTP", r.s.UpsertStaff(r.ctx, Staff{ID: "s2", Name: "N", TOTPSecret: "JBSWY3DPEHPK3PXP"}, "123456")},
		{"TOTP not base32", r.s.UpsertStaff(r.ctx, Staff{ID: "s2", Name: "N", TOTPSecret: "!!"}, "123456")},
		{"no staff id", r.s.UpsertStaff(r.ctx, Staff{Name: "N", TOTPSecret: good}, "123456")},
		{"short courier code", r.s.UpsertCourier(r.ctx, Courier{ID: "c2"}, "12345")},
		{"long courier code", r.s.UpsertCourier(r.ctx, Courier{ID: "c2"}, strings.Repeat("x", 65))},
		{"control character", r.s.UpsertCourier(r.ctx, Courier{ID: "c2"}, "BADGE\x07123")},
		{"no courier id", r.s.UpsertCourier(r.ctx, Courier{}, "123456")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { r.wantErr(c.err, ErrInvalid) })
	}
	if _, err := r.st.StaffByID(r.ctx, "s2"); err == nil {
		t.Error("an invalid staff.upsert stored s2")
	}
	if _, err := r.st.CourierByID(r.ctx, "c2"); err == nil {
		t.Error("an invalid courier.upsert stored c2")
	}
	r.must(r.s.UpsertStaff(r.ctx, Staff{ID: "s2", Name: "N", TOTPSecret: good}, "123456789012"))
	r.must(r.s.UpsertCourier(r.ctx, Courier{ID: "c2"}, strings.Repeat("x", 64)))
	r.must(r.s.UpsertCourier(r.ctx, Courier{ID: "c3"}, "BADGE:ÜBER-1"))
}

func TestProvisioningEventsAndRevocation(t *testing.T) {
	r := newRig(t, testBank())
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	r.must(r.s.UpsertStaff(r.ctx, Staff{ID: "s1", Name: "Sam", TOTPSecret: secret}, "998877"))
	r.must(r.s.UpsertCourier(r.ctx, Courier{ID: "c1", Carrier: "dhl", Name: "Una"}, testCourierCode))
	r.must(r.s.DeleteCourier(r.ctx, "c1"))
	r.wantErr(r.s.DeleteCourier(r.ctx, "c1"), ErrNotFound)
	r.wantErr(r.s.CourierSignIn(r.ctx, testCourierCode), ErrWrongCode)

	type change struct{ id, kind, fields string }
	var got []change
	for _, e := range r.st.outbox {
		if e.Type != EvtStaffChanged && e.Type != EvtCourierChanged {
			continue
		}
		for _, secret := range []string{"998877", testStaffPIN, secret, testTOTPSecret, testCourierCode} {
			if strings.Contains(string(e.Data), secret) {
				t.Errorf("%s carries a secret: %s", e.Type, e.Data)
			}
		}
		d := eventData(t, e)
		var fs []string
		if l, ok := d["fields"].([]any); ok {
			for _, f := range l {
				fs = append(fs, f.(string))
			}
		}
		got = append(got, change{e.Type + " " + d["id"].(string), d["change"].(string), strings.Join(fs, ",")})
	}
	want := []change{
		{"courier.changed c1", "created", "carrier,name,code"},
		{"staff.changed s1", "created", "name,pin,totp_secret"},
		{"staff.changed s1", "updated", "pin,totp_secret"},
		{"courier.changed c1", "updated", "carrier"},
		{"courier.changed c1", "deleted", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestDeleteStaffEndsSession(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	if v := r.s.View(); v.Flow != FlowMaintenance {
		t.Fatalf("flow %s after staff sign-in", v.Flow)
	}
	r.must(r.s.DeleteStaff(r.ctx, "s1"))
	if v := r.s.View(); v.Flow != FlowIdle {
		t.Errorf("flow %s after the signed-in staff member was deleted", v.Flow)
	}
	r.wantErr(r.s.StaffOpenDoor(r.ctx, "A1", "x"), ErrUnauthorized)
	code, err := TOTPCode(testTOTPSecret, r.clk.Now().Add(30*time.Second))
	r.must(err)
	r.wantErr(r.s.StaffSignIn(r.ctx, testStaffPIN, code), ErrWrongCode)
}

func TestAnchorAudit(t *testing.T) {
	r := newRig(t, testBank())
	r.must(r.s.AnchorAudit(r.ctx))
	ev := r.st.events(EvtAuditAnchor)
	if len(ev) != 1 {
		t.Fatalf("%d audit.anchor events", len(ev))
	}
	d := eventData(t, ev[0])
	last := r.st.audit[len(r.st.audit)-1]
	if d["audit_seq"] != float64(last.Seq) || d["audit_hash"] == "" {
		t.Errorf("anchor %v, audit head seq %d", d, last.Seq)
	}
}

func TestRemoteErrorsStayOffTheScreen(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.wantErr(r.s.RemoteSetCompartment(r.ctx, "Z9", StatusOutOfService, "s1", "x"), ErrNotFound)
	r.wantErr(r.s.ReissuePIN(r.ctx, "nope", "s1"), ErrNotFound)
	if v := r.s.View(); v.Err != nil || v.Step != StepScan {
		t.Errorf("remote errors reached the screen: %v (step %s)", v.Err, v.Step)
	}
	// Remote commands do not keep an idle courier session alive.
	r.clk.Advance(DefaultIdleTimeout / 2)
	_, err := r.s.UpsertRecipients(r.ctx, []Recipient{{ID: "x"}})
	r.must(err)
	r.clk.Advance(DefaultIdleTimeout / 2)
	r.s.Tick(r.ctx)
	r.step(StepIdle)
}
