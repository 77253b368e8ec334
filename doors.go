package locker

import (
	"context"
	"fmt"
	"slices"
)

// HandleDoorEvent takes one change the lock bus saw: it records the door
// event and moves the flow that waits for that door. If the store is down
// the event is kept and retried by Tick, in order.
func (s *Service) HandleDoorEvent(ctx context.Context, ev DoorEvent) {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		s.log.Warn("door event before start dropped", "kind", ev.Kind, "addr", ev.Addr)
		return
	}
	if s.flushRetryLocked(ctx) {
		if err := s.doorEventLocked(ctx, ev); err != nil {
			s.queueRetryLocked(ev, err)
		}
	} else {
		s.queueRetryLocked(ev, nil)
	}
	s.wakeWaitersLocked(ev)
	reqs := s.unlocks
	s.unlocks = nil
	s.publishLocked()
	s.mu.Unlock()
	_ = s.sendUnlocks(ctx, reqs) // failures are shown on the View
	s.deliver()
}

func (s *Service) queueRetryLocked(ev DoorEvent, err error) {
	if err != nil {
		s.lastErr = err
		s.sess.notice = Notice{Kind: NoticeStoreDown, Text: "Storage is failing: the kiosk will retry."}
	}
	if len(s.retry) >= maxRetryEvents {
		s.log.Error("door event dropped: retry queue full", "kind", ev.Kind, "addr", ev.Addr)
		return
	}
	s.retry = append(s.retry, ev)
}

// flushRetryLocked handles the kept door events; it reports whether the
// queue is empty afterwards.
func (s *Service) flushRetryLocked(ctx context.Context) bool {
	for len(s.retry) > 0 {
		if err := s.doorEventLocked(ctx, s.retry[0]); err != nil {
			s.lastErr = err
			return false
		}
		s.retry = s.retry[1:]
		if s.sess.notice.Kind == NoticeStoreDown {
			s.sess.notice = Notice{}
		}
	}
	return true
}

// wakeWaitersLocked wakes RemoteOpenDoor calls waiting for this door.
func (s *Service) wakeWaitersLocked(ev DoorEvent) {
	if ev.Kind != EventOpened && ev.Kind != EventForced {
		return
	}
	i, ok := s.addrIdx[ev.Addr]
	if !ok {
		return
	}
	id := s.comps[i].ID
	for _, w := range s.waiters[id] {
		close(w)
	}
	delete(s.waiters, id)
}

// doorEventLocked records ev and moves the flow. It changes nothing in
// memory when the store fails.
func (s *Service) doorEventLocked(ctx context.Context, ev DoorEvent) error {
	switch ev.Kind {
	case EventBoardOffline, EventBoardOnline:
		return s.boardEventLocked(ctx, ev)
	}
	i, ok := s.addrIdx[ev.Addr]
	if !ok {
		s.log.Warn("door event for an unconfigured lock", "kind", ev.Kind, "addr", ev.Addr)
		return nil
	}
	if s.offline[ev.Addr.Board] {
		// A door event proves the board answers again.
		if err := s.boardEventLocked(ctx, DoorEvent{Kind: EventBoardOnline, Addr: LockAddr{Board: ev.Addr.Board}}); err != nil {
			return err
		}
	}
	c := s.comps[i]
	ch := &Change{}
	door := map[string]any{"compartment": c.ID, "commanded": ev.Commanded}
	var post func() error
	switch ev.Kind {
	case EventOpened:
		c.Door = DoorOpen
		putComp(ch, c)
		s.addEvent(ch, EvtDoorOpened, door)
		if !ev.Commanded {
			s.addAudit(ch, "system", "door.opened", c.ID, "not commanded")
		}
		post = s.onOpenedLocked(c.ID)
	case EventClosed:
		c.Door = DoorClosed
		putComp(ch, c)
		s.addEvent(ch, EvtDoorClosed, door)
		var err error
		if post, err = s.onClosedLocked(ch, c.ID, ev.Item); err != nil {
			return err
		}
		if err := s.settleFlaggedLocked(ch, c, ev.Item); err != nil {
			return err
		}
	case EventForced:
		c.Door = DoorOpen
		putComp(ch, c)
		s.addEvent(ch, EvtDoorForced, door)
		s.addAudit(ch, "system", "door.forced", c.ID, "opened with no command")
	case EventLeftOpen:
		s.addEvent(ch, EvtDoorLeftOpen, door)
		s.addAudit(ch, "system", "door.left_open", c.ID, "")
		if s.sess.door == c.ID && s.sess.step == StepDoorOpen {
			post = func() error {
				s.sess.notice = Notice{Kind: NoticeCloseDoor, Compartment: c.ID, Text: fmt.Sprintf("Please close door %s.", c.ID)}
				return nil
			}
		}
	case EventJammed:
		s.addEvent(ch, EvtDoorJammed, door)
		s.addAudit(ch, "system", "door.jammed", c.ID, "")
	case EventItem:
		return nil // the item sensor is read when needed (recovery, reconcile)
	default:
		s.log.Warn("unknown door event", "kind", ev.Kind)
		return nil
	}
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	if post != nil {
		if err := post(); err != nil {
			s.lastErr = err
		}
	}
	if ev.Kind == EventJammed && s.sess.step == StepUnlocking && s.sess.door == c.ID {
		if err := s.doorDidntOpenLocked(ctx); err != nil {
			s.lastErr = err
		}
	}
	return nil
}

// boardEventLocked marks a whole board offline (doors unknown) or online
// (doors as last polled). The board.status event is sent only when the
// board's state changes; an online report also refreshes the doors, since
// the first poll after a start comes as one.
func (s *Service) boardEventLocked(ctx context.Context, ev DoorEvent) error {
	online := ev.Kind == EventBoardOnline
	changed := online == s.offline[ev.Addr.Board]
	ch := &Change{}
	for _, c := range s.comps {
		if c.Addr.Board != ev.Addr.Board {
			continue
		}
		door := DoorUnknown
		if online {
			if st := s.bus.State(c.Addr); st.Online && st.Door != "" {
				door = st.Door
			}
		}
		if c.Door != door {
			c.Door = door
			putComp(ch, c)
		}
	}
	if changed {
		s.addEvent(ch, EvtBoardStatus, map[string]any{"board": ev.Addr.Board, "online": online})
		s.addAudit(ch, "system", "board.status", fmt.Sprint(ev.Addr.Board), map[bool]string{true: "online", false: "offline"}[online])
	}
	if len(ch.Compartments) == 0 && !changed {
		return nil
	}
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	if online {
		delete(s.offline, ev.Addr.Board)
	} else {
		s.offline[ev.Addr.Board] = true
	}
	return nil
}

// onOpenedLocked returns the flow move for an opened door, or nil.
func (s *Service) onOpenedLocked(id string) func() error {
	if returnJob(s.sess.job) {
		return s.onReturnOpenedLocked(id)
	}
	if s.sess.door != id || s.sess.step != StepUnlocking {
		return nil
	}
	return func() error {
		s.sess.step = StepDoorOpen
		s.sess.doorAt = s.clock.Now()
		if s.sess.notice.Kind == NoticeRetrying || s.sess.notice.Kind == NoticeBusError {
			s.sess.notice = Notice{}
		}
		if (s.sess.job == jobPickup || s.sess.job == jobRetrieve) && s.sess.qi < len(s.sess.queue) {
			s.sess.queue[s.sess.qi].State = PickupOpen
		}
		return nil
	}
}

// onClosedLocked adds to ch what a door closing commits for the flow
// waiting on it, and returns the flow move to make once ch is stored.
// item is what the item sensor saw as the door closed (sensor.go).
func (s *Service) onClosedLocked(ch *Change, id string, item ItemState) (func() error, error) {
	if returnJob(s.sess.job) {
		return s.onReturnClosedLocked(ch, id, item)
	}
	if s.sess.door != id || s.sess.step != StepDoorOpen {
		return nil, nil
	}
	switch s.sess.job {
	case jobDeposit:
		if s.seenEmptyLocked(item) {
			return s.askInsideIn(ch, id), nil
		}
		p := s.sess.parcel
		var cred *Credential
		if cr, ok := s.sess.creds[p.RecipientID]; ok && s.credentialActiveLocked(cr.CredentialID) {
			cred = &cr
		}
		dp, cr, err := s.depositIn(ch, p, cred, s.courierActor())
		if err != nil {
			return nil, err
		}
		return func() error {
			s.sess.creds[dp.RecipientID] = cr
			s.lastCred = cr
			s.sess.receipts = append(s.sess.receipts, ReceiptItem{
				ParcelID: dp.ID, Barcode: dp.Barcode, Carrier: dp.Carrier, RecipientID: dp.RecipientID,
				CompartmentID: dp.CompartmentID, Size: dp.Size, DepositedAt: dp.DepositedAt,
			})
			s.sess.parcel = dp
			s.sess.step = StepDeposited
			s.sess.job = jobNone
			return nil
		}, nil
	case jobPickup, jobRetrieve:
		if s.sess.job == jobPickup && s.seenPresentLocked(item) {
			return s.leftInsideIn(ch, id), nil
		}
		it := s.sess.queue[s.sess.qi]
		now := s.clock.Now()
		for _, pid := range it.ParcelIDs {
			p, ok := s.parcels[pid]
			if !ok {
				continue
			}
			p.ClosedAt = now
			if s.sess.job == jobPickup {
				p.Status = ParcelPickedUp
				putParcel(ch, p)
				s.addEvent(ch, EvtParcelPickedUp, map[string]any{"parcel_id": p.ID, "compartment": id, "by": s.sess.by, "barcode": p.Barcode, "recipient_id": p.RecipientID})
				s.addAudit(ch, "recipient", "parcel.picked_up", p.ID, "by "+s.sess.by)
			} else {
				p.Status = ParcelRetrieved
				putParcel(ch, p)
				s.addEvent(ch, EvtParcelRetrieved, map[string]any{"parcel_id": p.ID, "compartment": id, "by": "staff:" + s.sess.staff.ID, "barcode": p.Barcode, "recipient_id": p.RecipientID})
				s.addAudit(ch, "staff:"+s.sess.staff.ID, "parcel.retrieved", p.ID, "expired")
			}
		}
		if c, ok := s.compIn(ch, id); ok && c.Status == StatusOccupied && len(s.parcelsIn(ch, id)) == 0 {
			c.Status = StatusAvailable
			c.LastUsed = now
			putComp(ch, c)
		}
		s.auditStaffEndIn(ch)
		return func() error {
			s.sess.queue[s.sess.qi].State = PickupDone
			return s.nextQueueLocked()
		}, nil
	case jobStaffOpen:
		if s.interruptedLocked(id) {
			// The job goes on: staff resolve what they saw inside (the
			// session still ends StaffSessionMax after the sign-in).
			return func() error {
				s.sess.step = StepMenu
				s.sess.job = jobNone
				return nil
			}, nil
		}
		s.auditStaffEndIn(ch)
		return func() error {
			s.resetSessionLocked() // the staff session ends with its door job
			return nil
		}, nil
	}
	return nil, nil
}

// auditStaffEndIn adds the sign-out row to ch when the door job that ends
// now is a staff one: a staff door, or the last door of a retrieval.
func (s *Service) auditStaffEndIn(ch *Change) {
	switch {
	case s.sess.job == jobStaffOpen,
		s.sess.job == jobRetrieve && s.sess.qi >= len(s.sess.queue)-1:
		s.addAudit(ch, s.staffActor(), "staff.logout", s.sess.staff.ID, "door job done")
	}
}

// interruptedLocked reports whether compartment id holds an interrupted
// deposit for staff to resolve.
func (s *Service) interruptedLocked(id string) bool {
	for _, p := range s.parcelsIn(nil, id) {
		if p.Status == ParcelDepositing {
			return true
		}
	}
	return false
}

// credentialActiveLocked reports whether any active parcel holds credential id.
func (s *Service) credentialActiveLocked(id string) bool {
	for _, p := range s.parcels {
		if p.CredentialID == id {
			return true
		}
	}
	return false
}

// nextQueueLocked unlocks the next door of a pickup or retrieval, or ends it.
func (s *Service) nextQueueLocked() error {
	s.sess.qi++
	if s.sess.qi < len(s.sess.queue) {
		s.sess.queue[s.sess.qi].State = PickupUnlocking
		s.setDoorLocked(s.sess.job, s.sess.queue[s.sess.qi].CompartmentID)
		return nil
	}
	s.sess.door = ""
	if s.sess.job == jobRetrieve {
		notice := s.sess.notice
		s.resetSessionLocked() // the staff session ends with its door job
		s.sess.notice = notice
		return nil
	}
	s.sess.step = StepDone
	s.sess.doneAt = s.clock.Now()
	s.sess.job = jobNone
	return nil
}

// DoorDidntOpen says the door the flow unlocked did not open: the first
// time it is unlocked again; the second time it is marked faulty and the
// flow moves on (deposit: another door; pickup and retrieval: the next
// door, the parcels staying in; staff open: back to the menu).
func (s *Service) DoorDidntOpen(ctx context.Context) error {
	return s.run(ctx, func() error { return s.doorDidntOpenLocked(ctx) })
}

func (s *Service) doorDidntOpenLocked(ctx context.Context) error {
	if s.sess.step != StepUnlocking || s.sess.door == "" {
		return fmt.Errorf("%w: no door is being unlocked", ErrBadState)
	}
	id := s.sess.door
	if s.sess.attempts < 2 {
		s.sess.attempts++
		s.sess.notice = Notice{Kind: NoticeRetrying, Compartment: id, Text: fmt.Sprintf("Trying door %s once more.", id)}
		s.queueUnlockLocked(id)
		return nil
	}
	actor := "system"
	switch s.sess.flow {
	case FlowDeposit:
		actor = s.courierActor()
	case FlowMaintenance:
		actor = "staff:" + s.sess.staff.ID
	}
	ch := &Change{}
	if _, err := s.setStatusIn(ch, id, StatusFaulty, "door did not open", actor); err != nil {
		return err
	}
	if returnJob(s.sess.job) {
		return s.returnDoorFailedLocked(ctx, ch, id)
	}
	switch s.sess.job {
	case jobDeposit:
		p := s.sess.parcel
		ex := s.excludeOfflineLocked(id)
		c, upsized, err := Allocate(s.compsIn(ch), AllocRequest{
			Size: p.Size, Accessible: s.sess.recipient.Accessible, Refrigerated: p.Refrigerated, Exclude: ex,
		})
		if err == nil && s.sess.faulted+1 >= maxFaultedPerParcel {
			err = fmt.Errorf("%w: %d doors failed for this parcel; staff have been told", ErrBusUnavailable, s.sess.faulted+1)
		}
		if err != nil {
			s.cancelIn(ch, p, "door did not open", actor)
			if cerr := s.commitLocked(ctx, ch); cerr != nil {
				return cerr
			}
			s.dropDraftLocked()
			return fmt.Errorf("%w: door %s is faulty and %w", ErrDoorNotOpened, id, err)
		}
		p.CompartmentID = c.ID
		p.Upsized = upsized
		putParcel(ch, p)
		c.Status = StatusReserved
		putComp(ch, c)
		s.addAudit(ch, actor, "parcel.reserve", p.ID, fmt.Sprintf("barcode=%s compartment=%s after %s failed", p.Barcode, c.ID, id))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.parcel = p
		s.sess.faulted++
		s.sess.notice = Notice{Kind: NoticeDoorFaulty, Compartment: c.ID, Failed: id, Size: c.Size,
			Text: fmt.Sprintf("Door %s did not open. Please use door %s.", id, c.ID)}
		s.setDoorLocked(jobDeposit, c.ID)
		return nil
	case jobPickup, jobRetrieve:
		s.auditStaffEndIn(ch)
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.queue[s.sess.qi].State = PickupFailed
		s.sess.notice = Notice{Kind: NoticeDoorFailed, Compartment: id,
			Text: fmt.Sprintf("Door %s did not open. Staff have been told; your parcel is safe.", id)}
		return s.nextQueueLocked()
	default:
		s.auditStaffEndIn(ch)
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.resetSessionLocked() // the staff session ends with its door job
		s.sess.notice = Notice{Kind: NoticeDoorFailed, Compartment: id, Text: fmt.Sprintf("Door %s did not open and is marked faulty.", id)}
		return nil
	}
}

// compsIn returns the compartments with ch applied.
func (s *Service) compsIn(ch *Change) []Compartment {
	out := slices.Clone(s.comps)
	for i := range out {
		out[i], _ = s.compIn(ch, out[i].ID)
	}
	return out
}

// settleFlaggedLocked adds to ch what a door seen closed settles for a
// compartment flagged for staff with a deposit in it (a deposit cancelled
// or timed out with the door open, or interrupted by a restart): closed and
// empty, the parcel is cancelled and the door freed; closed with the item
// sensor seeing the parcel (and no other parcel inside), it is deposited.
// Without an item sensor it stays for staff.
func (s *Service) settleFlaggedLocked(ch *Change, c Compartment, item ItemState) error {
	if c.Status != StatusFaulty || c.Reason != InterruptedReason || (item != ItemEmpty && item != ItemPresent) {
		return nil
	}
	if s.sess.door == c.ID {
		return nil
	}
	var draft []Parcel
	inside := s.parcelsIn(ch, c.ID)
	for _, p := range inside {
		if p.Status == ParcelDepositing {
			draft = append(draft, p)
		}
	}
	if len(draft) != 1 {
		return nil
	}
	p := draft[0]
	switch {
	case item == ItemEmpty:
		s.cancelIn(ch, p, "door closed empty", "system")
	case len(inside) == 1:
		if _, _, err := s.depositIn(ch, p, nil, "system"); err != nil {
			return err
		}
	default:
		return nil
	}
	_, err := s.setStatusIn(ch, c.ID, StatusAvailable, "", "system")
	return err
}

// maxFaultedPerParcel bounds the doors one parcel may mark faulty before
// its deposit is given up, so a systematic fault cannot sweep the bank.
const maxFaultedPerParcel = 2

// maxRetryEvents bounds the door events kept for a retry while the store is down.
const maxRetryEvents = 1024
