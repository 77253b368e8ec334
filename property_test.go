package locker

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// propModel drives a rig with random user actions and checks the
// invariants after each one.
type propModel struct {
	r       *rig
	n       int  // barcode counter
	failing bool // the store refuses writes
}

// expected reports whether err is one the action may legitimately return.
func (m *propModel) expected(t *rapid.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, ok := range []error{ErrLockerFull, ErrTooLarge, ErrDuplicate, ErrDoorNotOpened, ErrBadState,
		ErrWrongCode, ErrLockedOut, ErrExpired, ErrNotFound, ErrInvalid} {
		if errors.Is(err, ok) {
			return
		}
	}
	if m.failing && errors.Is(err, ErrStoreDown) {
		return
	}
	t.Fatalf("%s: unexpected error %v", what, err)
}

// credentials returns the newest PIN and QR of every credential issued.
func (m *propModel) credentials() map[string][2]string {
	out := map[string][2]string{}
	for _, typ := range []string{EvtParcelDeposited, EvtPINReissued} {
		for _, e := range m.r.st.events(typ) {
			d := eventData(m.r.t, e)
			id, _ := d["credential_id"].(string)
			if id == "" {
				continue
			}
			out[id] = [2]string{d["pin"].(string), d["qr"].(string)}
		}
	}
	return out
}

// driveDoor finishes the door step of any flow with a random outcome.
func (m *propModel) driveDoor(t *rapid.T) {
	for range 10 {
		v := m.r.s.View()
		if v.Step != StepUnlocking && v.Step != StepDoorOpen {
			return
		}
		id := v.Compartment.ID
		switch rapid.IntRange(0, 9).Draw(t, "door outcome") {
		case 0:
			m.expected(t, "door didn't open", m.r.s.DoorDidntOpen(m.r.ctx))
		case 1:
			if v.Flow == FlowDeposit {
				m.expected(t, "doesn't fit", m.r.s.DoesntFit(m.r.ctx))
			}
		case 2:
			m.expected(t, "cancel", m.r.s.Cancel(m.r.ctx))
		case 3:
			m.r.door(EventJammed, id, true)
		default:
			if v.Step == StepUnlocking {
				m.r.door(EventOpened, id, true)
			}
			m.r.door(EventClosed, id, true)
		}
	}
}

func (m *propModel) deposit(t *rapid.T) {
	r := m.r
	v := r.s.View()
	if v.Flow != FlowDeposit {
		if v.Flow != FlowIdle {
			m.expected(t, "cancel", r.s.Cancel(r.ctx))
		}
		m.expected(t, "sign in", r.s.CourierSignIn(r.ctx, testCourierCode))
		if r.s.View().Flow != FlowDeposit {
			return
		}
	}
	bc := fmt.Sprint("BC", m.n)
	if m.n > 0 && rapid.IntRange(0, 9).Draw(t, "duplicate") == 0 {
		bc = fmt.Sprint("BC", rapid.IntRange(0, m.n-1).Draw(t, "dup of"))
	}
	m.n++
	m.expected(t, "scan", r.s.ScanParcel(r.ctx, bc, ""))
	if r.s.View().Step == StepRecipient {
		rc := rapid.SampledFrom([]string{"r1", "r2", "r3"}).Draw(t, "recipient")
		m.expected(t, "recipient", r.s.ChooseRecipient(r.ctx, rc))
	}
	if v := r.s.View(); v.Step == StepSize {
		if v.AddToDoor != "" && rapid.Bool().Draw(t, "add to door") {
			m.expected(t, "add to door", r.s.AddToDoor(r.ctx))
		} else {
			z := rapid.SampledFrom(Sizes).Draw(t, "size")
			m.expected(t, "size", r.s.ChooseSize(r.ctx, z))
		}
	}
	m.driveDoor(t)
	if rapid.IntRange(0, 3).Draw(t, "finish") == 0 {
		_, err := r.s.FinishDeposit(r.ctx)
		m.expected(t, "finish", err)
	}
}

func (m *propModel) pickup(t *rapid.T) {
	r := m.r
	if v := r.s.View(); v.Flow != FlowIdle && !(v.Flow == FlowPickup && v.Step == StepDone) {
		m.expected(t, "cancel", r.s.Cancel(r.ctx))
	}
	creds := m.credentials()
	if len(creds) == 0 {
		return
	}
	ids := sortedKeys(creds)
	c := creds[rapid.SampledFrom(ids).Draw(t, "credential")]
	if rapid.Bool().Draw(t, "by qr") {
		m.expected(t, "pickup qr", r.s.PickupWithQR(r.ctx, c[1]))
	} else {
		m.expected(t, "pickup pin", r.s.PickupWithPIN(r.ctx, c[0]))
	}
	m.driveDoor(t)
}

func (m *propModel) staff(t *rapid.T) {
	r := m.r
	if r.s.View().Flow != FlowIdle {
		m.expected(t, "cancel", r.s.Cancel(r.ctx))
	}
	r.clk.Advance(31 * time.Second) // a fresh TOTP step
	code, _ := TOTPCode(testTOTPSecret, r.clk.Now())
	m.expected(t, "staff sign in", r.s.StaffSignIn(r.ctx, testStaffPIN, code))
	if r.s.View().Flow != FlowMaintenance {
		return
	}
	comps := r.s.View().Compartments
	c := comps[rapid.IntRange(0, len(comps)-1).Draw(t, "compartment")]
	switch rapid.IntRange(0, 3).Draw(t, "staff action") {
	case 0:
		st := rapid.SampledFrom([]CompartmentStatus{StatusAvailable, StatusOutOfService}).Draw(t, "status")
		m.expected(t, "set status", r.s.SetCompartmentStatus(r.ctx, c.ID, st, "prop"))
	case 1:
		m.expected(t, "retrieve", r.s.RetrieveExpired(r.ctx))
		for range 10 {
			m.driveDoor(t)
		}
	case 2:
		m.expected(t, "resolve", r.s.ResolveInterrupted(r.ctx, c.ID, rapid.Bool().Draw(t, "inside")))
	case 3:
		_, err := r.s.Reconcile(r.ctx)
		m.expected(t, "reconcile", err)
	}
	m.expected(t, "sign out", r.s.SignOut(r.ctx))
}

func (m *propModel) check(t *rapid.T) {
	m.r.checkInvariants()
	// Nothing lost: every parcel ever deposited is still in the locker or
	// was handed out.
	for _, e := range m.r.st.events(EvtParcelDeposited) {
		id := eventData(t, e)["parcel_id"].(string)
		switch st := m.r.st.parcel(id).Status; st {
		case ParcelDeposited, ParcelExpired, ParcelPickedUp, ParcelRetrieved:
		default:
			t.Fatalf("deposited parcel %s is now %q", id, st)
		}
	}
}

func TestPropertyFlows(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &propModel{r: newRig(t, testBank())}
		t.Repeat(map[string]func(*rapid.T){
			"deposit": m.deposit,
			"pickup":  m.pickup,
			"staff":   m.staff,
			"wrong code": func(t *rapid.T) {
				if m.r.s.View().Flow == FlowIdle {
					m.expected(t, "wrong pin", m.r.s.PickupWithPIN(m.r.ctx, "00000"))
				}
			},
			"time passes": func(t *rapid.T) {
				m.r.clk.Advance(time.Duration(rapid.IntRange(1, 100).Draw(t, "hours")) * time.Hour)
				m.r.s.Tick(m.r.ctx)
			},
			"store flips": func(t *rapid.T) {
				m.failing = !m.failing
				if m.failing {
					m.r.st.setFailApply(errors.New("disk full"))
				} else {
					m.r.st.setFailApply(nil)
					m.r.s.Tick(m.r.ctx) // let kept door events through
				}
			},
			"stray door event": func(t *rapid.T) {
				comps := m.r.s.View().Compartments
				c := comps[rapid.IntRange(0, len(comps)-1).Draw(t, "compartment")]
				k := rapid.SampledFrom([]DoorEventKind{EventForced, EventLeftOpen, EventClosed, EventItem}).Draw(t, "kind")
				m.r.door(k, c.ID, false)
			},
			"crash and restart": func(t *rapid.T) {
				if m.failing {
					return
				}
				for _, c := range m.r.s.View().Compartments {
					item := rapid.SampledFrom([]ItemState{ItemNoSensor, ItemPresent, ItemEmpty}).Draw(t, "item")
					m.r.bus.setState(c.Addr, LockState{Door: DoorClosed, Item: item, Online: true})
				}
				m.r.restart(testBank())
			},
			"": m.check,
		})
	})
}
