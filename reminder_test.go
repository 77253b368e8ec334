package locker

import (
	"testing"
	"time"
)

func TestExpiringReminderOncePerParcel(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p, _ := r.deposit("REM-1", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	q, _ := r.deposit("REM-2", "r2", SizeS)
	// Before the lead time: nothing.
	r.clk.Advance(DefaultExpiry - DefaultExpiringLead - time.Minute)
	r.s.Tick(r.ctx)
	if n := len(r.st.events(EvtParcelExpiring)); n != 0 {
		t.Fatalf("%d parcel.expiring before the lead time", n)
	}
	r.clk.Advance(2 * time.Minute)
	r.s.Tick(r.ctx)
	evs := r.st.events(EvtParcelExpiring)
	if len(evs) != 2 {
		t.Fatalf("%d parcel.expiring events at the lead time, want 2", len(evs))
	}
	got := map[string]bool{}
	for _, e := range evs {
		d := eventData(t, e)
		got[d["parcel_id"].(string)] = true
		if left := d["left_s"].(float64); left <= 0 || left > DefaultExpiringLead.Seconds() {
			t.Errorf("left_s = %v", left)
		}
		if d["expires_at"] == "" || d["recipient_id"] == "" || d["compartment"] == "" {
			t.Errorf("event data %v", d)
		}
	}
	if !got[p.ID] || !got[q.ID] {
		t.Errorf("reminders for %v, want %s and %s", got, p.ID, q.ID)
	}
	if r.st.parcel(p.ID).ExpiringSentAt.IsZero() {
		t.Error("the reminder's time is not stored with the parcel")
	}
	// Once only, however many ticks follow.
	for range 5 {
		r.clk.Advance(time.Hour)
		r.s.Tick(r.ctx)
	}
	if n := len(r.st.events(EvtParcelExpiring)); n != 2 {
		t.Errorf("%d parcel.expiring events after more ticks, want 2", n)
	}
	r.checkInvariants()
}

func TestExpiringReminderOptions(t *testing.T) {
	tests := []struct {
		name   string
		expiry time.Duration
		lead   time.Duration
		want   int
	}{
		{"default", 0, 0, 1},
		{"off", 0, -1, 0},
		{"lead not shorter than expiry", 12 * time.Hour, 12 * time.Hour, 0},
		{"short", 2 * time.Hour, time.Hour, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testBank(), func(o *Options) { o.Expiry, o.ExpiringLead = tc.expiry, tc.lead })
			r.signIn()
			r.deposit("OPT-1", "r1", SizeS)
			expiry := tc.expiry
			if expiry == 0 {
				expiry = DefaultExpiry
			}
			// Tick every 30 minutes up to just before the expiry.
			for left := expiry; left > 30*time.Minute; left -= 30 * time.Minute {
				r.clk.Advance(30 * time.Minute)
				r.s.Tick(r.ctx)
			}
			if n := len(r.st.events(EvtParcelExpiring)); n != tc.want {
				t.Errorf("%d parcel.expiring events, want %d", n, tc.want)
			}
		})
	}
}

func TestExpiringReminderSkipsPausedAndExpired(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p, _ := r.deposit("PAUSE-1", "r1", SizeS)
	r.finish()
	// The door turns faulty (as after a door that did not open): the
	// expiry clock of the parcel inside stops.
	r.s.mu.Lock()
	ch := &Change{}
	_, err := r.s.setStatusIn(ch, p.CompartmentID, StatusFaulty, "lock check", "system")
	if err == nil {
		err = r.s.commitLocked(r.ctx, ch)
	}
	r.s.mu.Unlock()
	r.must(err)
	if r.st.parcel(p.ID).PausedSince.IsZero() {
		t.Fatal("the parcel's clock did not stop")
	}
	r.clk.Advance(DefaultExpiry - time.Hour)
	r.s.Tick(r.ctx)
	if n := len(r.st.events(EvtParcelExpiring)); n != 0 {
		t.Fatalf("a paused parcel got %d reminders", n)
	}
	// A kiosk that was off through the whole lead time sends
	// parcel.expired, not a late reminder.
	r2 := newRig(t, testBank())
	r2.signIn()
	r2.deposit("LATE-1", "r1", SizeS)
	r2.clk.Advance(DefaultExpiry + time.Minute)
	r2.s.Tick(r2.ctx)
	if n, m := len(r2.st.events(EvtParcelExpiring)), len(r2.st.events(EvtParcelExpired)); n != 0 || m != 1 {
		t.Errorf("%d reminders and %d expiries, want 0 and 1", n, m)
	}
}

func TestExtendParcel(t *testing.T) {
	r := newRig(t, testBank(), func(o *Options) { o.MaxExtension = 72 * time.Hour })
	r.signIn()
	p, cred := r.deposit("EXT-1", "r1", SizeS)
	r.finish()

	t.Run("refused", func(t *testing.T) {
		tests := []struct {
			name, parcel, staff string
			by                  time.Duration
			want                error
		}{
			{"no staff", p.ID, "", time.Hour, ErrUnauthorized},
			{"unknown staff", p.ID, "nobody", time.Hour, ErrUnauthorized},
			{"unknown parcel", "P-NONE", "s1", time.Hour, ErrNotFound},
			{"zero", p.ID, "s1", 0, ErrInvalid},
			{"negative", p.ID, "s1", -time.Hour, ErrInvalid},
			{"over the cap at once", p.ID, "s1", 73 * time.Hour, ErrExtendLimit},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				n := len(r.st.audit)
				_, err := r.s.ExtendParcel(r.ctx, tc.parcel, tc.staff, tc.by)
				r.wantErr(err, tc.want)
				if got := r.st.parcel(p.ID); !got.ExpiresAt.Equal(p.ExpiresAt) || got.ExtendedBy != 0 {
					t.Errorf("a refused extension changed the parcel: %+v", got)
				}
				if len(r.st.audit) != n {
					t.Error("a refused extension was audited")
				}
			})
		}
	})

	got, err := r.s.ExtendParcel(r.ctx, p.ID, "s1", 48*time.Hour)
	r.must(err)
	if want := p.ExpiresAt.Add(48 * time.Hour); !got.ExpiresAt.Equal(want) || !r.st.parcel(p.ID).ExpiresAt.Equal(want) {
		t.Fatalf("expiry %v (stored %v), want %v", got.ExpiresAt, r.st.parcel(p.ID).ExpiresAt, want)
	}
	evs := r.st.events(EvtParcelExtended)
	if len(evs) != 1 {
		t.Fatalf("%d parcel.extended events", len(evs))
	}
	d := eventData(t, evs[0])
	if d["parcel_id"] != p.ID || d["staff_id"] != "s1" || d["by_s"] != float64(48*3600) || d["extended_by_s"] != float64(48*3600) {
		t.Errorf("parcel.extended data %v", d)
	}
	// 48 h + 25 h passes the 72 h cap; 24 h more does not.
	_, err = r.s.ExtendParcel(r.ctx, p.ID, "s1", 25*time.Hour)
	r.wantErr(err, ErrExtendLimit)
	_, err = r.s.ExtendParcel(r.ctx, p.ID, "s1", 24*time.Hour)
	r.must(err)

	// Past the original expiry the parcel is still collectable, and its
	// PIN and QR code both still open the door.
	r.clk.Advance(DefaultExpiry + time.Hour)
	r.s.Tick(r.ctx)
	if st := r.st.parcel(p.ID).Status; st != ParcelDeposited {
		t.Fatalf("status after the original expiry: %s", st)
	}
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	if v := r.s.View(); v.Flow != FlowPickup || len(v.Pickup) != 1 || !v.Pickup[0].ExpiresAt.Equal(r.st.parcel(p.ID).ExpiresAt) {
		t.Fatalf("pickup view %+v", v.Pickup)
	}
	r.must(r.s.Cancel(r.ctx))
	r.must(r.s.PickupWithQR(r.ctx, cred.QR))
	r.step(StepUnlocking)
	r.must(r.s.Cancel(r.ctx))
	r.checkInvariants()
}

func TestExtendExpiredParcel(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p, cred := r.deposit("EXP-1", "r1", SizeS)
	r.finish()
	r.clk.Advance(DefaultExpiry + 2*time.Hour)
	r.s.Tick(r.ctx)
	if st := r.st.parcel(p.ID).Status; st != ParcelExpired {
		t.Fatalf("status %s, want expired", st)
	}
	r.wantErr(r.s.PickupWithPIN(r.ctx, cred.PIN), ErrExpired)
	// An hour more still leaves it past: refused, nothing changes.
	_, err := r.s.ExtendParcel(r.ctx, p.ID, "s1", time.Hour)
	r.wantErr(err, ErrInvalid)
	if got := r.st.parcel(p.ID); got.Status != ParcelExpired || got.ExtendedBy != 0 {
		t.Fatalf("refused extension changed %+v", got)
	}
	_, err = r.s.ExtendParcel(r.ctx, p.ID, "s1", 24*time.Hour)
	r.must(err)
	if got := r.st.parcel(p.ID); got.Status != ParcelDeposited {
		t.Fatalf("status after the extension: %s", got.Status)
	}
	d := eventData(t, r.st.events(EvtParcelExtended)[0])
	if d["was_expired"] != true {
		t.Errorf("was_expired = %v", d["was_expired"])
	}
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	r.step(StepUnlocking)
}

// finish ends the courier's visit.
func (r *rig) finish() {
	r.t.Helper()
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
}
