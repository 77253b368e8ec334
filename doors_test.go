package locker

import (
	"slices"
	"testing"
)

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

func TestDoorEvents(t *testing.T) {
	r := newRig(t, testBank())
	tests := []struct {
		kind DoorEventKind
		typ  string
		door DoorState
	}{
		{EventForced, EvtDoorForced, DoorOpen},
		{EventClosed, EvtDoorClosed, DoorClosed},
		{EventOpened, EvtDoorOpened, DoorOpen},
		{EventLeftOpen, EvtDoorLeftOpen, DoorOpen},
		{EventJammed, EvtDoorJammed, DoorOpen},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			r.door(tc.kind, "B1", tc.kind != EventForced)
			ev := r.st.events(tc.typ)
			if len(ev) == 0 {
				t.Fatalf("no %s event", tc.typ)
			}
			d := eventData(t, ev[len(ev)-1])
			if d["compartment"] != "B1" || d["commanded"] != (tc.kind != EventForced) {
				t.Errorf("data %v", d)
			}
			if c := r.st.comp("B1"); c.Door != tc.door {
				t.Errorf("door %s, want %s", c.Door, tc.door)
			}
		})
	}
	forcedAudited := false
	for _, a := range r.st.audit {
		forcedAudited = forcedAudited || (a.Action == "door.forced" && a.Subject == "B1")
	}
	if !forcedAudited {
		t.Error("forced opening not audited")
	}
	// Unknown locks are ignored.
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventOpened, Addr: LockAddr{9, 9}})
	r.st.checkSeq(t)
}

func TestBoardOfflineAndOnline(t *testing.T) {
	r := newRig(t, testBank())
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOffline, Addr: LockAddr{Board: 1}})
	v := r.s.View()
	if v.BoardsOnline || r.s.Status().BoardOnline {
		t.Fatal("board offline not shown")
	}
	for _, c := range v.Compartments {
		if (c.Addr.Board == 1) != (c.Door == DoorUnknown) {
			t.Errorf("%s door %s", c.ID, c.Door)
		}
	}
	// Doors on an offline board are not allocated.
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	// L and XL are all on board 1: out of order, not full.
	r.wantErr(r.s.ChooseSize(r.ctx, SizeL), ErrBusUnavailable)
	if ev := r.st.events(EvtLockerFull); len(ev) != 0 {
		t.Errorf("locker.full sent while the free doors were on a silent board")
	}
	r.must(r.s.Cancel(r.ctx))
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOnline, Addr: LockAddr{Board: 1}})
	v = r.s.View()
	if !v.BoardsOnline {
		t.Fatal("board online not shown")
	}
	for _, c := range v.Compartments {
		if c.Door == DoorUnknown {
			t.Errorf("%s still unknown", c.ID)
		}
	}
	if ev := r.st.events(EvtBoardStatus); len(ev) != 2 {
		t.Errorf("%d board.status events", len(ev))
	}
}

func TestDoorEventBringsBoardBack(t *testing.T) {
	r := newRig(t, testBank())
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOffline, Addr: LockAddr{Board: 0}})
	if r.s.View().BoardsOnline {
		t.Fatal("still online")
	}
	r.door(EventClosed, "A2", false)
	v := r.s.View()
	if !v.BoardsOnline {
		t.Fatal("a door event did not bring the board back")
	}
	for _, c := range v.Compartments {
		if c.Door == DoorUnknown {
			t.Errorf("%s still unknown", c.ID)
		}
	}
}

func TestFirstBoardOnlineRefreshesDoors(t *testing.T) {
	r := newRig(t, testBank())
	// Nothing polled yet at the restart: every door unknown.
	for _, c := range testBank() {
		r.bus.setState(c.Addr, LockState{Online: false})
	}
	r.restart(testBank())
	for _, c := range r.s.View().Compartments {
		if c.Door != DoorUnknown {
			t.Fatalf("%s door %s before the first poll", c.ID, c.Door)
		}
	}
	r.bus.setState(LockAddr{0, 1}, LockState{Door: DoorOpen, Online: true})
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOnline, Addr: LockAddr{Board: 0}})
	if got := r.st.comp("A1").Door; got != DoorOpen {
		t.Errorf("A1 door %s after the board came online, want open", got)
	}
	if n := len(r.st.events(EvtBoardStatus)); n != 0 {
		t.Errorf("%d board.status events for a board never reported offline", n)
	}
	if !r.s.View().BoardsOnline {
		t.Error("boards not online")
	}
}

func TestDoorDidntOpenRetriesThenFaulty(t *testing.T) {
	for _, jam := range []bool{false, true} {
		name := map[bool]string{false: "button", true: "jammed event"}[jam]
		t.Run(name, func(t *testing.T) {
			r := newRig(t, testBank())
			r.signIn()
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			r.must(r.s.ChooseSize(r.ctx, SizeS))
			fail := func() {
				if jam {
					r.door(EventJammed, "A1", true)
				} else {
					r.must(r.s.DoorDidntOpen(r.ctx))
				}
			}
			fail()
			v := r.s.View()
			if v.Notice.Kind != NoticeRetrying || v.Compartment.ID != "A1" {
				t.Fatalf("first failure: notice %+v door %s", v.Notice, v.Compartment.ID)
			}
			if u := r.bus.takeUnlocks(); !slices.Equal(u, []LockAddr{{0, 1}, {0, 1}}) {
				t.Fatalf("unlocks %v, want A1 twice", u)
			}
			fail()
			v = r.s.View()
			if v.Notice.Kind != NoticeDoorFaulty || v.Notice.Compartment != "A2" || v.Notice.Failed != "A1" || v.Compartment.ID != "A2" || v.Step != StepUnlocking {
				t.Fatalf("second failure: notice %+v door %s step %s", v.Notice, v.Compartment.ID, v.Step)
			}
			if c := r.st.comp("A1"); c.Status != StatusFaulty {
				t.Errorf("A1 %s, want faulty", c.Status)
			}
			if ev := r.st.events(EvtCompartmentStatus); len(ev) != 1 || eventData(t, ev[0])["status"] != "faulty" {
				t.Errorf("compartment.status events %v", ev)
			}
			if jam && len(r.st.events(EvtDoorJammed)) != 2 {
				t.Errorf("door.jammed events: %d", len(r.st.events(EvtDoorJammed)))
			}
			r.openClose("A2")
			r.step(StepDeposited)
			r.checkInvariants()
		})
	}
}

func TestDoorDidntOpenNoOtherDoor(t *testing.T) {
	r := newRig(t, []Compartment{{ID: "A1", Size: SizeS, Addr: LockAddr{0, 1}}})
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	id := r.s.View().Parcel.ID
	r.must(r.s.DoorDidntOpen(r.ctx))
	r.wantErr(r.s.DoorDidntOpen(r.ctx), ErrDoorNotOpened)
	r.step(StepScan)
	if p := r.st.parcel(id); p.Status != ParcelCancelled {
		t.Errorf("parcel %s", p.Status)
	}
	r.checkInvariants()
}

func TestDoorFailuresDoNotSweepTheBank(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	id := r.s.View().Parcel.ID
	r.must(r.s.DoorDidntOpen(r.ctx))
	r.must(r.s.DoorDidntOpen(r.ctx)) // A1 faulty, A2 offered
	r.must(r.s.DoorDidntOpen(r.ctx))
	r.wantErr(r.s.DoorDidntOpen(r.ctx), ErrDoorNotOpened) // A2 faulty, give up
	r.step(StepScan)
	faulty := 0
	for _, c := range r.s.View().Compartments {
		if c.Status == StatusFaulty {
			faulty++
		}
	}
	if faulty != maxFaultedPerParcel {
		t.Errorf("%d doors faulty, want %d", faulty, maxFaultedPerParcel)
	}
	if p := r.st.parcel(id); p.Status != ParcelCancelled {
		t.Errorf("parcel %s", p.Status)
	}
	r.checkInvariants()
}
