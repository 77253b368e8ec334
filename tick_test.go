package locker

import (
	"testing"
	"time"
)

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

func TestIdleTimeoutEndsDeposit(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.clk.Advance(DefaultIdleTimeout - time.Second)
	r.s.Tick(r.ctx)
	r.step(StepRecipient)
	r.clk.Advance(2 * time.Second)
	r.s.Tick(r.ctx)
	r.step(StepIdle)
	// The idle timeout never ends a door step (only DoorTimeout does, see
	// TestDoorTimeout).
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.clk.Advance(DefaultDoorTimeout - time.Second)
	r.s.Tick(r.ctx)
	r.step(StepUnlocking)
}
