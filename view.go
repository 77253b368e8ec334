package locker

import (
	"maps"
	"slices"
	"time"
)

// Flow names the user flow the kiosk is in.
type Flow string

// Flows. FlowIdle is the home screen.
const (
	FlowIdle        Flow = ""
	FlowDeposit     Flow = "deposit"
	FlowPickup      Flow = "pickup"
	FlowMaintenance Flow = "maintenance"
)

// Step names the screen within a flow. Each Service method moves from one
// step to another; door events move the door steps on.
type Step string

// Steps of the flows.
//
// Deposit: StepScan -> (StepRecipient) -> (StepSize) -> StepUnlocking ->
// StepDoorOpen -> StepDeposited -> StepScan (next parcel) or idle (finish).
//
// Pickup: StepUnlocking -> StepDoorOpen -> (next door) ... -> StepDone.
//
// Maintenance: StepMenu; opening a door or retrieving expired parcels goes
// through StepUnlocking and StepDoorOpen and back to StepMenu.
const (
	StepIdle      Step = ""
	StepScan      Step = "scan"      // deposit: waiting for a parcel barcode
	StepRecipient Step = "recipient" // deposit: choose the recipient
	StepSize      Step = "size"      // deposit: choose the size (or add to a door)
	StepUnlocking Step = "unlocking" // any flow: unlock sent, waiting for the door to open
	StepDoorOpen  Step = "door_open" // any flow: door open, waiting for it to close
	StepDeposited Step = "deposited" // deposit: parcel committed; next parcel or finish
	StepDone      Step = "done"      // pickup: every door handled
	StepMenu      Step = "menu"      // maintenance: main menu
)

// NoticeKind classifies a Notice so the UI can translate it.
type NoticeKind string

// Notice kinds.
const (
	NoticeNone        NoticeKind = ""
	NoticeUpsized     NoticeKind = "upsized"      // parcel goes into a larger door than its size
	NoticeRetrying    NoticeKind = "retrying"     // the door is unlocked once more
	NoticeDoorFaulty  NoticeKind = "door_faulty"  // the door was marked faulty; another is offered
	NoticeDoorFailed  NoticeKind = "door_failed"  // pickup: a door did not open; staff are told
	NoticeMovedLarger NoticeKind = "moved_larger" // "doesn't fit": moved to a larger door
	NoticeBusError    NoticeKind = "bus_error"    // the lock board did not take the command
	NoticeNothingToDo NoticeKind = "nothing"      // e.g. no expired parcels to retrieve
	NoticeInterrupted NoticeKind = "interrupted"  // a deposit was interrupted and needs staff
	NoticeStoreDown   NoticeKind = "store_down"   // storage failed; deposits refused
	NoticeCloseDoor   NoticeKind = "close_door"   // the door in use has been open too long
	// NoticeParcelKept: cancel or "doesn't fit" while the item sensor saw
	// the parcel inside: it stays recorded in Compartment, flagged for staff.
	NoticeParcelKept NoticeKind = "parcel_kept"
	// NoticeDoorTimeout: the door was not seen closed in time (a board
	// outage, a door left open); it is flagged for staff, nothing is lost.
	NoticeDoorTimeout NoticeKind = "door_timeout"
	// NoticeExpiredWithStaff: pickup: Count expired parcels for this code
	// are with the staff.
	NoticeExpiredWithStaff NoticeKind = "expired_with_staff"
)

// Notice is an informational message for the current screen.
type Notice struct {
	Kind        NoticeKind `json:"kind"`
	Compartment string     `json:"compartment,omitempty"`
	Failed      string     `json:"failed,omitempty"` // door_faulty: the door that did not open (Compartment is the new one)
	Size        Size       `json:"size,omitempty"`
	Count       int        `json:"count,omitempty"` // expired_with_staff: how many parcels
	Text        string     `json:"text"`            // English sentence; the UI may translate by Kind
}

// ReceiptItem is one parcel on a courier's receipt.
type ReceiptItem struct {
	ParcelID      string    `json:"parcel_id"`
	Barcode       string    `json:"barcode"`
	Carrier       string    `json:"carrier"`
	RecipientID   string    `json:"recipient_id"`
	CompartmentID string    `json:"compartment"`
	Size          Size      `json:"size"`
	DepositedAt   time.Time `json:"deposited_at"`
}

// Receipt is what FinishDeposit hands the courier: Text is a signed,
// compact string (prefix ReceiptPrefix) the UI renders as a QR code.
type Receipt struct {
	VisitID   string        `json:"visit_id"`
	CourierID string        `json:"courier_id"`
	Time      time.Time     `json:"time"`
	Items     []ReceiptItem `json:"items"`
	Text      string        `json:"text"`
}

// PickupState is where one door of a pickup (or retrieval) is.
type PickupState string

// Pickup door states.
const (
	PickupWaiting   PickupState = "waiting"
	PickupUnlocking PickupState = "unlocking"
	PickupOpen      PickupState = "open"
	PickupDone      PickupState = "done"
	PickupFailed    PickupState = "failed" // the door did not open; parcels stay in
)

// PickupItem is one door to open in a pickup or a retrieval of expired
// parcels, with the parcels behind it.
type PickupItem struct {
	CompartmentID string      `json:"compartment"`
	ParcelIDs     []string    `json:"parcel_ids"`
	State         PickupState `json:"state"`
	// ExpiresAt is when the first of ParcelIDs expires (pickup only): the
	// pickup screen shows how long is left.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Credential is a recipient's pickup code as issued: the PIN and the QR
// token in clear. Only the View (demo panel) and events carry it.
type Credential struct {
	CredentialID string    `json:"credential_id"`
	RecipientID  string    `json:"recipient_id"`
	ParcelIDs    []string  `json:"parcel_ids"`
	PIN          string    `json:"pin"`
	QR           string    `json:"qr"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// RecipientPage is the one page of a directory search: at most PageSize
// people of the Total that match, names shortened.
type RecipientPage struct {
	Query    string      `json:"query"`
	Page     int         `json:"page"` // always 0: the directory is searched, not paged
	PageSize int         `json:"page_size"`
	Total    int         `json:"total"`
	Items    []Recipient `json:"items"`
}

// AuditPage is one page of the audit log, newest last as the store returns it.
type AuditPage struct {
	Page     int          `json:"page"` // 0-based
	PageSize int          `json:"page_size"`
	Total    int          `json:"total"`
	Entries  []AuditEntry `json:"entries"`
}

// DiscrepancyKind classifies a Discrepancy.
type DiscrepancyKind string

// Discrepancy kinds.
const (
	DiscBoardOffline    DiscrepancyKind = "board_offline"     // the board did not answer
	DiscDoorState       DiscrepancyKind = "door_state"        // stored door state differs from the sensor
	DiscItemInEmpty     DiscrepancyKind = "item_in_empty"     // item sensor sees something in a free door
	DiscEmptyButStored  DiscrepancyKind = "empty_but_stored"  // item sensor sees nothing where parcels should be
	DiscInterruptedStep DiscrepancyKind = "interrupted_depos" // a deposit was interrupted; staff must resolve
)

// Discrepancy is one difference Reconcile found between the stored state and
// what the lock bus reports.
type Discrepancy struct {
	CompartmentID string          `json:"compartment"`
	Kind          DiscrepancyKind `json:"kind"`
	Stored        string          `json:"stored"`
	Actual        string          `json:"actual"`
	Detail        string          `json:"detail"`
}

// CompartmentReport is one compartment in a StatusReport.
type CompartmentReport struct {
	ID     string            `json:"id"`
	Size   Size              `json:"size"`
	Status CompartmentStatus `json:"status"`
	Door   DoorState         `json:"door"`
}

// StatusReport answers the uplink's status command.
type StatusReport struct {
	Version      string              `json:"version"`
	BoardOnline  bool                `json:"board_online"`
	Compartments []CompartmentReport `json:"compartments"`
	// FreeBySize counts, for every size of the bank (0 included), the
	// doors that would take a parcel now: available, on an answering board.
	FreeBySize map[Size]int `json:"free_by_size"`
}

// View is a copy of everything a screen needs. It is safe to keep: nothing
// in it is shared with the service.
type View struct {
	Rev       uint64    `json:"rev"` // increases with every published View
	Flow      Flow      `json:"flow"`
	Step      Step      `json:"step"`
	Courier   Courier   `json:"courier"` // zero when nobody is signed in
	Staff     Staff     `json:"staff"`   // zero unless in maintenance
	VisitID   string    `json:"visit_id,omitempty"`
	Parcel    Parcel    `json:"parcel"`    // the parcel being deposited (zero if none)
	Recipient Recipient `json:"recipient"` // its recipient, once known
	// Compartment is the door in use right now (deposit, pickup, staff open).
	Compartment Compartment `json:"compartment"`
	// AddToDoor is the id of a compartment this visit already used for the
	// same recipient that the current parcel fits in; "" when none is offered.
	AddToDoor string        `json:"add_to_door,omitempty"`
	Receipts  []ReceiptItem `json:"receipts"` // this visit's deposits so far
	Pickup    []PickupItem  `json:"pickup"`   // pickup or retrieval queue
	Notice    Notice        `json:"notice"`
	Err       error         `json:"-"` // the last action's error (a wrapped sentinel), nil on success
	// Locked reports the keypad is locked after too many wrong codes, until LockedUntil.
	Locked         bool          `json:"locked"`
	LockedUntil    time.Time     `json:"locked_until"`
	Compartments   []Compartment `json:"compartments"`
	BoardsOnline   bool          `json:"boards_online"`
	LastCredential Credential    `json:"last_credential"` // newest deposit's PIN and QR (demo panel)
	ExpiredCount   int           `json:"expired_count"`   // parcels waiting for retrieval
	Returns        ReturnsView   `json:"returns"`         // returns: drop-off, collection, the map (returns.go)
}

// clone returns a deep copy of v.
func (v View) clone() View {
	v.Receipts = slices.Clone(v.Receipts)
	v.Pickup = slices.Clone(v.Pickup)
	for i := range v.Pickup {
		v.Pickup[i].ParcelIDs = slices.Clone(v.Pickup[i].ParcelIDs)
	}
	v.Compartments = slices.Clone(v.Compartments)
	v.LastCredential.ParcelIDs = slices.Clone(v.LastCredential.ParcelIDs)
	v.Returns = v.Returns.clone()
	return v
}

// deliver calls the subscribers with the queued Views, outside the mutex.
// One goroutine delivers at a time, in order; a callback that calls back
// into the service only queues more Views.
func (s *Service) deliver() {
	s.mu.Lock()
	if s.delivering {
		s.mu.Unlock()
		return
	}
	s.delivering = true
	for len(s.pending) > 0 {
		v := s.pending[0]
		s.pending = s.pending[1:]
		keys := slices.Sorted(maps.Keys(s.subs))
		fns := make([]func(View), 0, len(keys))
		for _, k := range keys {
			fns = append(fns, s.subs[k])
		}
		s.mu.Unlock()
		for _, fn := range fns {
			fn(v.clone())
		}
		s.mu.Lock()
	}
	s.delivering = false
	s.mu.Unlock()
}

// Subscribe registers fn to get a new View after every change. fn is never
// called with the service's lock held and may call the service. The
// returned cancel stops the calls.
func (s *Service) Subscribe(fn func(View)) (cancel func()) {
	s.mu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = fn
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
	}
}

// View returns a copy of the current state for the screens.
func (s *Service) View() View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewLocked()
}

func (s *Service) viewLocked() View {
	now := s.clock.Now()
	v := View{
		Rev:            s.rev,
		Flow:           s.sess.flow,
		Step:           s.sess.step,
		Courier:        s.sess.courier,
		Staff:          s.sess.staff,
		VisitID:        s.sess.visitID,
		Parcel:         s.sess.parcel,
		Recipient:      s.sess.recipient.shown(), // screens show the short name
		AddToDoor:      s.sess.addToDoor,
		Receipts:       slices.Clone(s.sess.receipts),
		Notice:         s.sess.notice,
		Err:            s.lastErr,
		Locked:         s.pinLockedLocked(now),
		Compartments:   slices.Clone(s.comps),
		BoardsOnline:   len(s.offline) == 0,
		LastCredential: s.lastCred,
		Returns:        s.returnsViewLocked(),
	}
	if v.Locked {
		v.LockedUntil, _ = s.lockout.Until(s.policy[KindPIN], KindPIN, now)
	}
	v.Staff.PINHash, v.Staff.TOTPSecret = "", ""
	v.Courier.CodeHash = ""
	v.Parcel.PINHash = ""
	if i, ok := s.compIdx[s.sess.door]; ok && s.sess.door != "" {
		v.Compartment = s.comps[i]
	}
	for _, it := range s.sess.queue {
		it.ParcelIDs = slices.Clone(it.ParcelIDs)
		v.Pickup = append(v.Pickup, it)
	}
	for _, p := range s.parcels {
		if p.Status == ParcelExpired {
			v.ExpiredCount++
		}
	}
	return v.clone()
}

// Status reports the bank for the uplink's status command.
func (s *Service) Status() StatusReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := StatusReport{Version: s.o.Version, BoardOnline: len(s.offline) == 0, FreeBySize: map[Size]int{}}
	for _, c := range s.comps {
		r.FreeBySize[c.Size] += 0 // every size of the bank is listed, free or not
		r.Compartments = append(r.Compartments, CompartmentReport{ID: c.ID, Size: c.Size, Status: c.Status, Door: c.Door})
		if c.Status == StatusAvailable && !s.offline[c.Addr.Board] {
			r.FreeBySize[c.Size]++ // a door on a silent board takes no parcel
		}
	}
	return r
}
