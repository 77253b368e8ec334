package locker

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// Options configures a Service. Store and Bus are required.
type Options struct {
	Site, Kiosk string
	Version     string
	Store       Store
	Bus         LockBus
	// Clock tells the time; default SystemClock{}.
	Clock Clock
	// Compartments come from the config; Start merges them with the stored
	// state. When empty, the stored compartments are used as they are.
	Compartments []Compartment
	// Expiry is how long a deposited parcel waits for pickup; default 72h.
	Expiry time.Duration
	// PINDigits is the length of new recipient PINs, 6 to 10; default
	// DefaultPINDigits. PINs of other lengths already issued keep working.
	PINDigits int
	// Rand is the source of PINs and the secret; default crypto/rand.Reader.
	Rand io.Reader
	// Logger receives diagnostics; default discards.
	Logger *slog.Logger
	// IdleTimeout ends a flow nobody touched for this long while no door is
	// unlocked or open; default 3 minutes.
	IdleTimeout time.Duration
	// DoneTimeout returns a finished pickup to the home screen; default 15 s.
	DoneTimeout time.Duration
	// DoorTimeout is how long a door may stay unlocked or open in a flow
	// (a board outage, a door left open) before the door is flagged for
	// staff and the session ends; default 5 minutes.
	DoorTimeout time.Duration
	// PageSize is the number of rows per directory or audit page; default 8.
	PageSize int
	// Sealer, if set, seals the pin and qr fields of parcel.deposited and
	// parcel.pin_reissued to the operator's notification service before
	// the event reaches the outbox.
	Sealer Sealer
	// OnCommit, if set, is given the events of every committed change, with
	// their ids and seqs (the kiosk takes a door photo per door.opened). It
	// runs with the service's lock held: it must return at once and must
	// not call the Service.
	OnCommit func([]Event)
}

// Defaults of Options.
const (
	DefaultExpiry      = 72 * time.Hour
	DefaultIdleTimeout = 3 * time.Minute
	DefaultDoneTimeout = 15 * time.Second
	DefaultDoorTimeout = 5 * time.Minute
	DefaultPageSize    = 8
	// DefaultPINDigits is the default length of a recipient PIN: with the
	// daily budget of wrong PINs, 8 digits keep the chance of opening a
	// door of a bank with 500 parcels inside under 1 % a week (see
	// TestBruteForceFigure); 6 digits do not.
	DefaultPINDigits = 8
)

// maxFaultedPerParcel bounds the doors one parcel may mark faulty before
// its deposit is given up, so a systematic fault cannot sweep the bank.
const maxFaultedPerParcel = 2

// InterruptedReason is the Reason of a compartment whose deposit was
// interrupted by a restart and could not be confirmed by the item sensor.
const InterruptedReason = "interrupted deposit: check contents"

// DoorTimeoutReason is the Reason of a compartment whose door stayed
// unlocked or open past Options.DoorTimeout during a pickup or a staff
// opening: staff check it.
const DoorTimeoutReason = "door not seen closed in time: check contents"

// maxRetryEvents bounds the door events kept for a retry while the store is down.
const maxRetryEvents = 1024

// doorJob says what the door in StepUnlocking / StepDoorOpen is for.
type doorJob int

const (
	jobNone doorJob = iota
	jobDeposit
	jobPickup
	jobRetrieve
	jobStaffOpen
)

// session is the state of the flow in progress. It lives only in memory.
type session struct {
	flow    Flow
	step    Step
	courier Courier
	staff   Staff
	visitID string
	creds   map[string]Credential // recipient id -> this visit's credential (PIN in clear)

	receipts []ReceiptItem

	parcel    Parcel // deposit draft; Status depositing once reserved
	recipient Recipient
	addToDoor string

	job      doorJob
	door     string    // compartment id of the door job
	attempts int       // unlock attempts on door
	faulted  int       // deposit: doors marked faulty for the current parcel
	gen      uint64    // increases whenever door changes, to drop stale unlock failures
	doorAt   time.Time // when door was unlocked or seen open (Options.DoorTimeout)

	queue []PickupItem // pickup or retrieval
	qi    int
	by    string // pickup: "pin" or "qr"

	notice     Notice
	signedInAt time.Time // maintenance: when the staff member signed in
	lastAction time.Time
	doneAt     time.Time
}

// unlockReq is an unlock to send once the mutex is released.
type unlockReq struct {
	compID string
	addr   LockAddr
	gen    uint64
}

// Service runs the kiosk's flows. It is safe for concurrent use: one mutex
// guards the state, and no method blocks while holding it except on the
// store's Apply. Unlocks and store lookups happen outside the mutex.
type Service struct {
	o     Options
	store Store
	bus   LockBus
	clock Clock
	rand  io.Reader
	log   *slog.Logger

	mu          sync.Mutex
	started     bool
	secret      []byte
	comps       []Compartment
	compIdx     map[string]int
	addrIdx     map[LockAddr]int
	parcels     map[string]Parcel // active parcels by id
	lockout     Lockout
	offline     map[int]bool // boards reported offline
	sess        session
	lastCred    Credential
	lastErr     error
	rev         uint64
	unlocks     []unlockReq
	retry       []DoorEvent
	waiters     map[string][]chan struct{}
	policy      map[CodeKind]Policy
	shownLocked bool

	subs       map[int]func(View)
	nextSub    int
	pending    []View
	delivering bool
}

// NewService checks o, fills in the defaults and returns a Service. Call
// Start before anything else.
func NewService(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("locker: Options.Store is required")
	}
	if o.Bus == nil {
		return nil, errors.New("locker: Options.Bus is required")
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Expiry <= 0 {
		o.Expiry = DefaultExpiry
	}
	if o.PINDigits == 0 {
		o.PINDigits = DefaultPINDigits
	}
	if o.PINDigits < minPINDigits || o.PINDigits > maxPINDigits {
		return nil, fmt.Errorf("%w: PINDigits %d: want %d to %d", ErrInvalid, o.PINDigits, minPINDigits, maxPINDigits)
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.DoneTimeout <= 0 {
		o.DoneTimeout = DefaultDoneTimeout
	}
	if o.DoorTimeout <= 0 {
		o.DoorTimeout = DefaultDoorTimeout
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	seen := map[string]bool{}
	addrs := map[LockAddr]string{}
	for _, c := range o.Compartments {
		if c.ID == "" {
			return nil, fmt.Errorf("%w: compartment with an empty id", ErrInvalid)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("%w: compartment %s configured twice", ErrInvalid, c.ID)
		}
		seen[c.ID] = true
		if !c.Size.Valid() {
			return nil, fmt.Errorf("%w: compartment %s has unknown size %q", ErrInvalid, c.ID, c.Size)
		}
		if other, ok := addrs[c.Addr]; ok {
			return nil, fmt.Errorf("%w: compartments %s and %s share board %d lock %d", ErrInvalid, other, c.ID, c.Addr.Board, c.Addr.Lock)
		}
		addrs[c.Addr] = c.ID
	}
	o.Compartments = slices.Clone(o.Compartments)
	return &Service{
		o:       o,
		store:   o.Store,
		bus:     o.Bus,
		clock:   o.Clock,
		rand:    o.Rand,
		log:     o.Logger,
		compIdx: map[string]int{},
		addrIdx: map[LockAddr]int{},
		parcels: map[string]Parcel{},
		offline: map[int]bool{},
		waiters: map[string][]chan struct{}{},
		policy:  DefaultPolicies(),
		subs:    map[int]func(View){},
	}, nil
}

// errNotStarted is returned by actions before Start succeeded.
var errNotStarted = fmt.Errorf("%w: service not started", ErrBadState)

// run is the frame of every user action: it runs fn under the mutex,
// records its error for the View, sends the unlocks fn queued once the
// mutex is released and then tells the subscribers.
func (s *Service) run(ctx context.Context, fn func() error) error {
	return s.frame(ctx, true, fn)
}

// runRemote is run for uplink commands: they neither touch the screen's
// error nor count as activity on the kiosk.
func (s *Service) runRemote(ctx context.Context, fn func() error) error {
	return s.frame(ctx, false, fn)
}

func (s *Service) frame(ctx context.Context, user bool, fn func() error) error {
	s.mu.Lock()
	var err error
	if !s.started {
		err = errNotStarted
	} else {
		if user {
			s.sess.lastAction = s.clock.Now()
		}
		err = fn()
	}
	if user {
		s.lastErr = err
	}
	reqs := s.unlocks
	s.unlocks = nil
	s.publishLocked()
	s.mu.Unlock()
	if uerr := s.sendUnlocks(ctx, reqs); uerr != nil && err == nil {
		err = uerr
	}
	s.deliver()
	return err
}

// sendUnlocks pulses each lock in turn. A failure is shown on the View if
// the door is still the one the flow waits for.
func (s *Service) sendUnlocks(ctx context.Context, reqs []unlockReq) error {
	var first error
	for _, r := range reqs {
		err := s.bus.Unlock(ctx, r.addr)
		if err == nil {
			continue
		}
		err = fmt.Errorf("%w: compartment %s: %w", ErrBusUnavailable, r.compID, err)
		s.log.Warn("unlock failed", "compartment", r.compID, "err", err)
		if first == nil {
			first = err
		}
		s.mu.Lock()
		if s.sess.gen == r.gen && s.sess.door == r.compID && s.sess.step == StepUnlocking {
			s.sess.notice = Notice{Kind: NoticeBusError, Compartment: r.compID,
				Text: "The lock board did not take the command. Tap \"door didn't open\" to try again."}
			s.lastErr = err
			s.publishLocked()
		}
		s.mu.Unlock()
	}
	return first
}

// queueUnlockLocked schedules an unlock of the session's door.
func (s *Service) queueUnlockLocked(compID string) {
	i, ok := s.compIdx[compID]
	if !ok {
		return
	}
	s.unlocks = append(s.unlocks, unlockReq{compID: compID, addr: s.comps[i].Addr, gen: s.sess.gen})
}

// setDoorLocked points the session's door job at compID and queues its unlock.
func (s *Service) setDoorLocked(job doorJob, compID string) {
	s.sess.job = job
	s.sess.door = compID
	s.sess.attempts = 1
	s.sess.gen++
	s.sess.step = StepUnlocking
	s.sess.doorAt = s.clock.Now()
	s.queueUnlockLocked(compID)
}

// publishLocked queues the current View for the subscribers.
func (s *Service) publishLocked() {
	s.rev++
	if len(s.subs) == 0 {
		return
	}
	s.pending = append(s.pending, s.viewLocked())
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
		Recipient:      s.sess.recipient,
		AddToDoor:      s.sess.addToDoor,
		Receipts:       slices.Clone(s.sess.receipts),
		Notice:         s.sess.notice,
		Err:            s.lastErr,
		Locked:         s.pinLockedLocked(now),
		Compartments:   slices.Clone(s.comps),
		BoardsOnline:   len(s.offline) == 0,
		LastCredential: s.lastCred,
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
		if c.Status == StatusAvailable {
			r.FreeBySize[c.Size]++
		}
	}
	return r
}

// ---- changes ------------------------------------------------------------

// addEvent appends an event of type typ with data to ch; commitLocked fills
// the envelope.
func (s *Service) addEvent(ch *Change, typ string, data map[string]any) {
	if typ == EvtParcelDeposited || typ == EvtPINReissued {
		s.sealCredential(data)
	}
	b, err := json.Marshal(data)
	if err != nil { // only plain values are passed; keep the event anyway
		b = []byte(`{}`)
	}
	ch.Events = append(ch.Events, Event{Type: typ, Data: b})
}

// addAudit appends an audit row to ch.
func (s *Service) addAudit(ch *Change, actor, action, subject, detail string) {
	ch.Audit = append(ch.Audit, AuditEntry{Actor: actor, Action: action, Subject: subject, Detail: detail})
}

// putComp upserts c into ch.
func putComp(ch *Change, c Compartment) {
	for i := range ch.Compartments {
		if ch.Compartments[i].ID == c.ID {
			ch.Compartments[i] = c
			return
		}
	}
	ch.Compartments = append(ch.Compartments, c)
}

// putParcel upserts p into ch.
func putParcel(ch *Change, p Parcel) {
	for i := range ch.Parcels {
		if ch.Parcels[i].ID == p.ID {
			ch.Parcels[i] = p
			return
		}
	}
	ch.Parcels = append(ch.Parcels, p)
}

// compIn returns compartment id as it stands with ch applied.
func (s *Service) compIn(ch *Change, id string) (Compartment, bool) {
	if ch != nil {
		for _, c := range ch.Compartments {
			if c.ID == id {
				return c, true
			}
		}
	}
	i, ok := s.compIdx[id]
	if !ok {
		return Compartment{}, false
	}
	return s.comps[i], true
}

// eachActive calls fn for every active parcel with ch applied, in no
// particular order, without copying the set.
func (s *Service) eachActive(ch *Change, fn func(p Parcel)) {
	var over map[string]bool
	if ch != nil && len(ch.Parcels) > 0 {
		over = make(map[string]bool, len(ch.Parcels))
		for _, p := range ch.Parcels {
			over[p.ID] = true
		}
	}
	for id, p := range s.parcels {
		if !over[id] {
			fn(p)
		}
	}
	if over != nil {
		for _, p := range ch.Parcels {
			if p.Status.Active() {
				fn(p)
			}
		}
	}
}

// activeWhere returns the active parcels with ch applied for which keep
// is true, sorted by id.
func (s *Service) activeWhere(ch *Change, keep func(p Parcel) bool) []Parcel {
	var out []Parcel
	s.eachActive(ch, func(p Parcel) {
		if keep(p) {
			out = append(out, p)
		}
	})
	slices.SortFunc(out, func(a, b Parcel) int { return cmpString(a.ID, b.ID) })
	return out
}

// parcelsIn returns the active parcels in compartment id with ch applied,
// sorted by id.
func (s *Service) parcelsIn(ch *Change, id string) []Parcel {
	return s.activeWhere(ch, func(p Parcel) bool { return p.CompartmentID == id })
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// commitLocked fills the envelopes of ch's events, writes ch in one Apply
// and, only if that worked, applies it to the in-memory state.
func (s *Service) commitLocked(ctx context.Context, ch *Change) error {
	now := s.clock.Now()
	for i := range ch.Events {
		e := &ch.Events[i]
		if e.ID == "" {
			e.ID = NewULID(now)
		}
		if e.Time.IsZero() {
			e.Time = now
		}
		e.Site, e.Kiosk = s.o.Site, s.o.Kiosk
	}
	for i := range ch.Audit {
		if ch.Audit[i].Time.IsZero() {
			ch.Audit[i].Time = now
		}
	}
	if err := s.store.Apply(ctx, ch); err != nil {
		if errors.Is(err, ErrDuplicate) || errors.Is(err, ErrInvalid) {
			// The store refused the change (a uniqueness or reference
			// rule): the storage works, the request was wrong.
			s.log.Warn("store refused a change", "err", err)
			return fmt.Errorf("locker: refused: %w", err)
		}
		s.log.Error("store apply failed", "err", err)
		return fmt.Errorf("%w: %w", ErrStoreDown, err)
	}
	if s.o.OnCommit != nil && len(ch.Events) > 0 {
		s.o.OnCommit(slices.Clone(ch.Events))
	}
	if len(ch.Secret) > 0 {
		s.secret = slices.Clone(ch.Secret)
	}
	for _, c := range ch.Compartments {
		if i, ok := s.compIdx[c.ID]; ok {
			s.comps[i] = c
		} else {
			s.compIdx[c.ID] = len(s.comps)
			s.addrIdx[c.Addr] = len(s.comps)
			s.comps = append(s.comps, c)
		}
	}
	for _, p := range ch.Parcels {
		if p.Status.Active() {
			s.parcels[p.ID] = p
		} else {
			delete(s.parcels, p.ID)
		}
	}
	if ch.Lockout != nil {
		s.lockout = ch.Lockout.clone()
	}
	return nil
}

// setStatusIn changes compartment id's status in ch, with its
// compartment.status event and audit row. Becoming faulty pauses the
// expiry clock of the parcels inside; leaving faulty resumes it, pushing
// their expiry back by the pause. Asking for StatusAvailable on a
// compartment with active parcels gives StatusOccupied.
func (s *Service) setStatusIn(ch *Change, id string, st CompartmentStatus, reason, actor string) (Compartment, error) {
	c, ok := s.compIn(ch, id)
	if !ok {
		return Compartment{}, fmt.Errorf("%w: compartment %q", ErrNotFound, id)
	}
	now := s.clock.Now()
	inside := s.parcelsIn(ch, id)
	if st == StatusAvailable && len(inside) > 0 {
		st = StatusOccupied
	}
	old := c.Status
	if st != StatusFaulty && st != StatusOutOfService {
		reason = ""
	}
	if old == st && c.Reason == reason {
		return c, nil
	}
	c.Status, c.Reason = st, reason
	putComp(ch, c)
	for _, p := range inside {
		switch {
		case st == StatusFaulty && old != StatusFaulty && p.PausedSince.IsZero() && p.Status == ParcelDeposited:
			p.PausedSince = now
			putParcel(ch, p)
		case st != StatusFaulty && !p.PausedSince.IsZero():
			p.ExpiresAt = p.ExpiresAt.Add(now.Sub(p.PausedSince))
			p.PausedSince = time.Time{}
			putParcel(ch, p)
		}
	}
	s.addEvent(ch, EvtCompartmentStatus, map[string]any{
		"compartment": id, "status": st, "previous": old, "reason": reason, "by": actor,
	})
	s.addAudit(ch, actor, "compartment.status", id, fmt.Sprintf("%s -> %s %s", old, st, reason))
	return c, nil
}

// ---- start ---------------------------------------------------------------

// Start loads the stored state, creates the kiosk secret on a new
// database, merges the configured compartments, recovers deposits a crash
// interrupted and records kiosk.started, all in one Apply.
func (s *Service) Start(ctx context.Context) error {
	snap, err := s.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("locker: start: %w: %w", ErrStoreDown, err)
	}
	s.mu.Lock()
	err = s.startLocked(ctx, snap)
	s.publishLocked()
	s.mu.Unlock()
	s.deliver()
	return err
}

func (s *Service) startLocked(ctx context.Context, snap *Snapshot) error {
	if s.started {
		return fmt.Errorf("%w: already started", ErrBadState)
	}
	ch := &Change{}
	secret := slices.Clone(snap.Secret)
	if len(secret) == 0 {
		secret = make([]byte, SecretLen)
		if _, err := io.ReadFull(s.rand, secret); err != nil {
			return fmt.Errorf("locker: start: new secret: %w", err)
		}
		ch.Secret = secret
	}
	s.secret = secret

	s.parcels = map[string]Parcel{}
	for _, p := range snap.Parcels {
		if p.Status.Active() {
			s.parcels[p.ID] = p
		}
	}
	s.lockout = snap.Lockout.clone()

	// Merge the configuration with the stored state.
	stored := map[string]Compartment{}
	for _, c := range snap.Compartments {
		stored[c.ID] = c
	}
	var comps []Compartment
	if len(s.o.Compartments) == 0 {
		comps = slices.Clone(snap.Compartments)
	} else {
		for _, c := range s.o.Compartments {
			old, ok := stored[c.ID]
			if ok {
				c.Status, c.Reason, c.LastUsed, c.Door = old.Status, old.Reason, old.LastUsed, old.Door
			}
			if c.Status == "" {
				c.Status = StatusAvailable
			}
			if !ok || old != c {
				putComp(ch, c)
			}
			comps = append(comps, c)
			delete(stored, c.ID)
		}
		// A stored compartment no longer configured keeps its parcels
		// findable; it is never allocated again.
		for _, id := range slices.Sorted(maps.Keys(stored)) {
			hasParcel := false
			for _, p := range s.parcels {
				hasParcel = hasParcel || p.CompartmentID == id
			}
			if !hasParcel {
				continue
			}
			c := stored[id]
			if c.Status != StatusOutOfService {
				c.Status, c.Reason = StatusOutOfService, "not in the configuration"
				putComp(ch, c)
			}
			comps = append(comps, c)
		}
	}
	s.comps = comps
	s.compIdx = map[string]int{}
	s.addrIdx = map[LockAddr]int{}
	for i, c := range comps {
		s.compIdx[c.ID] = i
		s.addrIdx[c.Addr] = i
	}
	// Door states from the bus where it already knows them.
	for _, c := range comps {
		st := s.bus.State(c.Addr)
		door := DoorUnknown
		if st.Online && st.Door != "" {
			door = st.Door
		}
		if c.Door != door {
			c.Door = door
			putComp(ch, c)
		}
	}

	if err := s.recoverLocked(ch); err != nil {
		return err
	}
	s.addEvent(ch, EvtKioskStarted, map[string]any{"version": s.o.Version, "compartments": len(comps)})
	s.addAudit(ch, "system", "kiosk.started", s.o.Kiosk, s.o.Version)
	if err := s.commitLocked(ctx, ch); err != nil {
		return fmt.Errorf("locker: start: %w", err)
	}
	s.started = true
	return nil
}

// recoverLocked finishes what a crash interrupted: a deposit whose parcel
// the item sensor sees is committed; any other interrupted deposit makes
// its compartment faulty for staff to check; a reserved compartment with no
// parcel is freed.
func (s *Service) recoverLocked(ch *Change) error {
	for _, p := range s.activeWhere(ch, func(p Parcel) bool { return p.Status == ParcelDepositing }) {
		c, ok := s.compIn(ch, p.CompartmentID)
		if !ok {
			continue
		}
		others := 0
		for _, q := range s.parcelsIn(ch, c.ID) {
			if q.ID != p.ID {
				others++
			}
		}
		if st := s.bus.State(c.Addr); st.Online && st.Item == ItemPresent && others == 0 {
			if _, _, err := s.depositIn(ch, p, nil, "system"); err != nil {
				return err
			}
			if c.Status == StatusFaulty && c.Reason == InterruptedReason {
				if _, err := s.setStatusIn(ch, c.ID, StatusAvailable, "", "system"); err != nil {
					return err
				}
			}
			continue
		}
		if c.Status != StatusFaulty || c.Reason != InterruptedReason {
			if _, err := s.setStatusIn(ch, c.ID, StatusFaulty, InterruptedReason, "system"); err != nil {
				return err
			}
		}
	}
	for _, c := range s.comps {
		c, _ = s.compIn(ch, c.ID)
		n := len(s.parcelsIn(ch, c.ID))
		switch {
		case c.Status == StatusReserved && n == 0:
			if _, err := s.setStatusIn(ch, c.ID, StatusAvailable, "", "system"); err != nil {
				return err
			}
		case (c.Status == StatusAvailable || c.Status == StatusReserved) && n > 0:
			if _, err := s.setStatusIn(ch, c.ID, StatusOccupied, "", "system"); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- credentials -----------------------------------------------------------

// newCredentialLocked draws a PIN unique among the active parcels (with ch
// applied) and a credential id.
func (s *Service) newCredentialLocked(ch *Change, recipientID string) (Credential, error) {
	for range 100 {
		pin, err := newPIN(s.rand, s.o.PINDigits)
		if err != nil {
			return Credential{}, err
		}
		h := HashPIN(s.secret, pin)
		clash := false
		s.eachActive(ch, func(p Parcel) { clash = clash || p.PINHash == h })
		if !clash {
			return Credential{CredentialID: NewULID(s.clock.Now()), RecipientID: recipientID, PIN: pin}, nil
		}
	}
	return Credential{}, errors.New("locker: no free PIN after 100 draws")
}

// depositIn commits parcel p as deposited in ch: credential (cred, or a
// new one when nil), expiry, compartment occupied, the parcel.deposited
// event with the PIN and a QR covering every parcel of the credential so
// far, and the audit row. It returns the updated parcel and credential.
func (s *Service) depositIn(ch *Change, p Parcel, cred *Credential, actor string) (Parcel, Credential, error) {
	now := s.clock.Now()
	var cr Credential
	if cred != nil {
		cr = *cred
	} else {
		var err error
		if cr, err = s.newCredentialLocked(ch, p.RecipientID); err != nil {
			return Parcel{}, Credential{}, err
		}
	}
	p.Status = ParcelDeposited
	p.CredentialID = cr.CredentialID
	p.PINHash = HashPIN(s.secret, cr.PIN)
	p.DepositedAt = now
	p.ExpiresAt = now.Add(s.o.Expiry)
	p.PausedSince = time.Time{}
	putParcel(ch, p)

	c, ok := s.compIn(ch, p.CompartmentID)
	if !ok {
		return Parcel{}, Credential{}, fmt.Errorf("%w: compartment %q", ErrNotFound, p.CompartmentID)
	}
	if c.Status == StatusReserved || c.Status == StatusAvailable {
		c.Status = StatusOccupied
	}
	c.LastUsed = now
	putComp(ch, c)

	cr.ParcelIDs = nil
	cr.ExpiresAt = time.Time{}
	for _, q := range s.activeWhere(ch, func(q Parcel) bool {
		return q.CredentialID == cr.CredentialID && q.Status != ParcelDepositing
	}) {
		cr.ParcelIDs = append(cr.ParcelIDs, q.ID)
		if q.ExpiresAt.After(cr.ExpiresAt) {
			cr.ExpiresAt = q.ExpiresAt
		}
	}
	cr.QR = SignQR(s.secret, QRClaims{CredentialID: cr.CredentialID, ParcelIDs: cr.ParcelIDs, ExpiresAt: cr.ExpiresAt})
	cr.RecipientID = p.RecipientID

	if p.ExpectedID != "" {
		ch.DeleteExpected = append(ch.DeleteExpected, p.ExpectedID)
	}
	s.addEvent(ch, EvtParcelDeposited, map[string]any{
		"parcel_id": p.ID, "barcode": p.Barcode, "carrier": p.Carrier, "recipient_id": p.RecipientID,
		"compartment": p.CompartmentID, "size": p.Size, "pin": cr.PIN, "qr": cr.QR,
		"expires_at": p.ExpiresAt.UTC().Format(time.RFC3339Nano), "parcel_ids": cr.ParcelIDs,
		"credential_id": cr.CredentialID, "upsized": p.Upsized, "courier_id": p.CourierID,
	})
	s.addAudit(ch, actor, "parcel.deposited", p.ID, fmt.Sprintf("barcode=%s compartment=%s recipient=%s", p.Barcode, p.CompartmentID, p.RecipientID))
	return p, cr, nil
}

// ---- lockout -------------------------------------------------------------

// checkLockedLocked returns ErrLockedOut while the path of kind k is
// closed: locked after a burst of wrong codes, or its daily budget spent.
func (s *Service) checkLockedLocked(k CodeKind) error {
	now := s.clock.Now()
	until, closed := s.lockout.Until(s.policy[k], k, now)
	if !closed {
		return nil
	}
	return s.lockedErr(k, until, now)
}

// lockedErr is the ErrLockedOut of path k closed until until.
func (s *Service) lockedErr(k CodeKind, until, now time.Time) error {
	wait := until.Sub(now).Round(time.Second)
	if k == KindPIN && wait > s.policy[k].Max {
		return fmt.Errorf("%w: too many wrong PINs today: use the QR code or ask the building office (PIN entry again in %s)", ErrLockedOut, wait)
	}
	return fmt.Errorf("%w: too many wrong codes, try again in %s", ErrLockedOut, wait)
}

// wrongCodeLocked records a wrong code on the counter of kind k, and on
// the extra counters also (detail names it in the audit row: "pin",
// "courier", "staff", "totp", "qr"), in one change, and returns the error
// to show: cause or ErrWrongCode, or ErrLockedOut when this code closed
// path k. The in-memory count is kept even if the store is down, so a
// broken disk never lifts the lockout. A junk QR code never closes
// anything; past its burst it is only counted in memory.
func (s *Service) wrongCodeLocked(ctx context.Context, k CodeKind, detail string, cause error, also ...CodeKind) error {
	now := s.clock.Now()
	if old := s.lockout.Counters[KindQR]; k == KindQR && now.Before(old.LockedUntil) {
		// Throttled: no audit row, no write.
		c, _ := old.withFailure(s.policy[k], now)
		c.LockedAt, c.LockedUntil, c.Level = old.LockedAt, old.LockedUntil, old.Level
		s.lockout = s.lockout.with(k, c)
		return s.wrongErr(k, cause)
	}
	ch := &Change{}
	s.addAudit(ch, "keypad", "code.wrong", detail, "")
	l := s.lockout
	var closedK bool
	for i, kind := range append([]CodeKind{k}, also...) {
		p := s.policy[kind]
		c, closed := l.Counters[kind].withFailure(p, now)
		if i == 0 {
			closedK = closed
		}
		if closed {
			if kind == KindQR {
				s.addAudit(ch, "system", "qr.throttled", string(kind), c.LockedUntil.UTC().Format(time.RFC3339))
			} else {
				until, _ := c.until(p, now)
				s.addEvent(ch, EvtPINLockout, map[string]any{
					"until": until.UTC().Format(time.RFC3339Nano), "level": c.Level, "kind": string(kind),
					"seconds": int(until.Sub(now) / time.Second),
				})
				s.addAudit(ch, "system", "pin.lockout", string(kind), until.UTC().Format(time.RFC3339))
			}
			if c.AlertedAt.IsZero() || now.Sub(c.AlertedAt) >= AlertEvery {
				s.addEvent(ch, EvtSecurityAlert, map[string]any{
					"kind": string(kind), "count": c.Unreported,
					"window":  now.Sub(c.Since).Round(time.Second).String(),
					"since":   c.Since.UTC().Format(time.RFC3339Nano),
					"in_24h":  len(c.since(now.Add(-DailyWindow))),
					"blocked": kind != KindQR,
				})
				c.AlertedAt, c.Unreported, c.Since = now, 0, time.Time{}
			}
		}
		l = l.with(kind, c)
	}
	ch.Lockout = &l
	if err := s.commitLocked(ctx, ch); err != nil {
		s.lockout = l.clone()
	}
	if closedK && k != KindQR {
		until, _ := l.Until(s.policy[k], k, now)
		return s.lockedErr(k, until, now)
	}
	return s.wrongErr(k, cause)
}

// pinLockedLocked reports whether the PIN keypad is closed at now.
func (s *Service) pinLockedLocked(now time.Time) bool {
	_, closed := s.lockout.Until(s.policy[KindPIN], KindPIN, now)
	return closed
}

// wrongErr is the error of a wrong code of kind k.
func (s *Service) wrongErr(k CodeKind, cause error) error {
	if cause != nil {
		return cause
	}
	return fmt.Errorf("%w: %s", ErrWrongCode, k)
}
