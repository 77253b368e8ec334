package locker

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestStoreLookupFailuresAreStoreDown(t *testing.T) {
	down := errors.New("database is locked")
	tests := []struct {
		name  string
		setup func(r *rig)
		run   func(r *rig) error
	}{
		{"courier sign-in", nil, func(r *rig) error { return r.s.CourierSignIn(r.ctx, testCourierCode) }},
		{"staff sign-in", nil, func(r *rig) error { return r.s.StaffSignIn(r.ctx, testStaffPIN, "123456") }},
		{"scan", func(r *rig) { r.signIn() }, func(r *rig) error { return r.s.ScanParcel(r.ctx, "B", "") }},
		{"choose recipient", func(r *rig) {
			r.signIn()
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
		}, func(r *rig) error { return r.s.ChooseRecipient(r.ctx, "r1") }},
		{"search", nil, func(r *rig) error { _, err := r.s.SearchRecipients(r.ctx, "ad"); return err }},
		{"audit page", func(r *rig) { r.staffSignIn() }, func(r *rig) error { _, err := r.s.AuditPage(r.ctx, 0); return err }},
		{"expect", nil, func(r *rig) error {
			_, err := r.s.ExpectParcel(r.ctx, Expected{Barcode: "E", RecipientID: "r1"})
			return err
		}},
		{"cancel expected", nil, func(r *rig) error { return r.s.CancelExpected(r.ctx, "E") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testBank())
			if tc.setup != nil {
				tc.setup(r)
			}
			before := r.s.View()
			r.st.mu.Lock()
			r.st.failLookup = down
			r.st.mu.Unlock()
			err := tc.run(r)
			r.wantErr(err, ErrStoreDown)
			if !errors.Is(err, down) {
				t.Errorf("cause lost: %v", err)
			}
			if v := r.s.View(); v.Flow != before.Flow || v.Step != before.Step || v.Locked {
				t.Errorf("state moved: %s/%s -> %s/%s locked=%v", before.Flow, before.Step, v.Flow, v.Step, v.Locked)
			}
		})
	}
}

func TestNewServiceValidates(t *testing.T) {
	st, bus := newFakeStore(), newFakeBus()
	tests := map[string]Options{
		"no store":       {Bus: bus},
		"no bus":         {Store: st},
		"empty id":       {Store: st, Bus: bus, Compartments: []Compartment{{Size: SizeS}}},
		"duplicate id":   {Store: st, Bus: bus, Compartments: []Compartment{{ID: "A", Size: SizeS}, {ID: "A", Size: SizeS, Addr: LockAddr{0, 2}}}},
		"bad size":       {Store: st, Bus: bus, Compartments: []Compartment{{ID: "A", Size: "Q"}}},
		"shared address": {Store: st, Bus: bus, Compartments: []Compartment{{ID: "A", Size: SizeS}, {ID: "B", Size: SizeS}}},
	}
	for name, o := range tests {
		if _, err := NewService(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	r := newRig(t, testBank())
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				switch (i + j) % 4 {
				case 0:
					_ = r.s.PickupWithPIN(r.ctx, "12345")
				case 1:
					r.s.Tick(r.ctx)
				case 2:
					_ = r.s.View()
				case 3:
					r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventClosed, Addr: LockAddr{0, 1}})
				}
			}
		}()
	}
	wg.Wait()
	r.clk.Advance(time.Hour)
	r.st.checkSeq(t)
}
