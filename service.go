package locker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// ExpiringLead is how long before its expiry a deposited parcel gets
	// its one parcel.expiring event; default DefaultExpiringLead, negative:
	// none. A lead not shorter than Expiry sends none.
	ExpiringLead time.Duration
	// MaxExtension caps the total extension parcel.extend may grant one
	// parcel; default DefaultMaxExtension, negative: no extension.
	MaxExtension time.Duration
	// Photos says a camera photographs the kiosk's front at each door
	// opening and at each incident report (incident.reported carries
	// "photo": true).
	Photos bool
	// ItemSensors says the lock boards have item sensors fitted (Kerong
	// CU16 with its infrared sensors): a deposit door closed with nothing
	// seen inside asks the courier before committing (StepCheckInside), and
	// a pickup door closed with something still seen keeps the parcels
	// (StepLeftInside, parcel.left_inside). Doors whose board reports no
	// sensor (ItemNoSensor) behave as without it.
	ItemSensors bool
	// ReturnOverdue is how long a return waits for its courier before
	// return.overdue; default DefaultReturnOverdue.
	ReturnOverdue time.Duration
	// ReturnHold is the share of each size's doors held for deliveries
	// (returns never take them); 0 means DefaultReturnHold, negative none.
	ReturnHold float64
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
	// DefaultExpiringLead: the parcel.expiring reminder a day before expiry.
	DefaultExpiringLead = 24 * time.Hour
	// DefaultMaxExtension: parcel.extend grants a parcel a week at most.
	DefaultMaxExtension = 7 * 24 * time.Hour
)

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
	rt         returnSession // returns: drop-off, collection, retrieval (returns.go)
	signedInAt time.Time     // maintenance: when the staff member signed in
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
	incidents   []time.Time // recent incident reports, for the rate limit
	ret         returnState // the returns in a compartment (returns.go)

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
	if o.ExpiringLead == 0 {
		o.ExpiringLead = DefaultExpiringLead
	}
	if o.MaxExtension == 0 {
		o.MaxExtension = DefaultMaxExtension
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
