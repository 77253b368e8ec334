package locker

import (
	"errors"
	"fmt"
	"testing"
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
		{"search", nil, func(r *rig) error { _, err := r.s.SearchRecipients(r.ctx, "a", 0); return err }},
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

func TestChooseDims(t *testing.T) {
	tests := []struct {
		dims [3]int
		want Size
		err  error
	}{
		{[3]int{300, 300, 100}, SizeS, nil},
		{[3]int{450, 300, 250}, SizeM, nil},
		{[3]int{0, 1, 1}, "", ErrInvalid},
		{[3]int{3000, 1, 1}, "", ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.dims), func(t *testing.T) {
			r := newRig(t, testBank())
			r.signIn()
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			err := r.s.ChooseDims(r.ctx, tc.dims)
			if tc.err != nil {
				r.wantErr(err, tc.err)
				r.step(StepSize)
				return
			}
			r.must(err)
			if v := r.s.View(); v.Parcel.Size != tc.want || v.Compartment.Size != tc.want {
				t.Errorf("size %s door %s, want %s", v.Parcel.Size, v.Compartment.Size, tc.want)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	r := newRig(t, testBank())
	var rs []Recipient
	for i := range 20 {
		rs = append(rs, Recipient{ID: fmt.Sprint("p", i), Name: fmt.Sprintf("Person %02d", i)})
	}
	_, err := r.s.UpsertRecipients(r.ctx, rs)
	r.must(err)
	p0, err := r.s.SearchRecipients(r.ctx, "person", 0)
	r.must(err)
	p2, err := r.s.SearchRecipients(r.ctx, "person", 2)
	r.must(err)
	if p0.Total != 20 || len(p0.Items) != DefaultPageSize || len(p2.Items) != 4 || p2.Items[0].Name != "Person 16" {
		t.Errorf("pages: %d %d %d %+v", p0.Total, len(p0.Items), len(p2.Items), p2.Items)
	}
	r.staffSignIn()
	a, err := r.s.AuditPage(r.ctx, 0)
	r.must(err)
	if a.Total < 5 || len(a.Entries) != min(a.Total, DefaultPageSize) {
		t.Errorf("audit page %d of %d", len(a.Entries), a.Total)
	}
}

func TestMaintenanceIdleTimeoutSignsOut(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	r.clk.Advance(DefaultIdleTimeout)
	r.s.Tick(r.ctx)
	r.step(StepIdle)
	found := false
	for _, a := range r.st.audit {
		found = found || a.Action == "staff.logout"
	}
	if !found {
		t.Error("timeout sign-out not audited")
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

func TestLeftOpenAsksToClose(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.door(EventOpened, "A1", true)
	r.door(EventLeftOpen, "A1", true)
	if v := r.s.View(); v.Notice.Kind != NoticeCloseDoor || v.Notice.Compartment != "A1" {
		t.Errorf("notice %+v", v.Notice)
	}
	if len(r.st.events(EvtDoorLeftOpen)) != 1 {
		t.Error("no door.left_open event")
	}
}
