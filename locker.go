// Package locker holds the domain of the parcel locker kiosk: sizes,
// compartments, parcels, allocation, pickup credentials and the deposit,
// pickup and maintenance flows. It does no I/O of its own: it declares the
// small interfaces it consumes (LockBus, Store, Clock) and the adapters in
// store, lockio, scanner, uplink and ui implement or drive them.
package locker

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors returned by the domain. Callers compare with errors.Is;
// the UI turns each into a plain sentence.
var (
	ErrNotFound       = errors.New("locker: not found")
	ErrTooLarge       = errors.New("locker: parcel too large for this locker")
	ErrLockerFull     = errors.New("locker: no free compartment")
	ErrWrongCode      = errors.New("locker: wrong code")
	ErrLockedOut      = errors.New("locker: keypad locked after too many wrong codes")
	ErrExpired        = errors.New("locker: parcel expired")
	ErrDuplicate      = errors.New("locker: barcode already in the locker")
	ErrInvalid        = errors.New("locker: invalid input")
	ErrBadState       = errors.New("locker: action not allowed in this state")
	ErrStoreDown      = errors.New("locker: storage unavailable, deposits refused")
	ErrDoorNotOpened  = errors.New("locker: door did not open")
	ErrUnauthorized   = errors.New("locker: not authorised")
	ErrBusUnavailable = errors.New("locker: lock bus unavailable")
)

// Clock tells the time. Inject a fake one in tests so expiry, door
// timeouts and lockouts are testable without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the Clock of the wall.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// CompartmentStatus is what a compartment is doing.
type CompartmentStatus string

// Compartment statuses.
const (
	StatusAvailable    CompartmentStatus = "available"
	StatusReserved     CompartmentStatus = "reserved"
	StatusOccupied     CompartmentStatus = "occupied"
	StatusOutOfService CompartmentStatus = "out_of_service"
	StatusFaulty       CompartmentStatus = "faulty"
)

// LockAddr addresses one lock: Board is the address set on the board's
// switches, Lock the connector number printed on the board (1-based).
type LockAddr struct {
	Board int `json:"board"`
	Lock  int `json:"lock"`
}

// Compartment is one door of the bank, as configured plus its live state.
type Compartment struct {
	ID           string            `json:"id"`
	Size         Size              `json:"size"`
	Addr         LockAddr          `json:"addr"`
	Column       int               `json:"column"`
	Row          int               `json:"row"` // 1 = top
	Accessible   bool              `json:"accessible"`
	Refrigerated bool              `json:"refrigerated"`
	Status       CompartmentStatus `json:"status"`
	Reason       string            `json:"reason,omitempty"` // why out of service or faulty
	Door         DoorState         `json:"door"`
	LastUsed     time.Time         `json:"last_used"`
}

// ParcelStatus is where a parcel is in its life.
type ParcelStatus string

// Parcel statuses. A parcel is "active" while depositing, deposited or
// expired: it is (or may be) inside a compartment.
const (
	ParcelDepositing ParcelStatus = "depositing" // door unlocked, not yet closed on it
	ParcelDeposited  ParcelStatus = "deposited"
	ParcelExpired    ParcelStatus = "expired"
	ParcelPickedUp   ParcelStatus = "picked_up"
	ParcelRetrieved  ParcelStatus = "retrieved" // taken out by staff or courier
	ParcelCancelled  ParcelStatus = "cancelled" // deposit abandoned before commit
)

// Active reports whether a parcel in status s is (or may be) in a compartment.
func (s ParcelStatus) Active() bool {
	return s == ParcelDepositing || s == ParcelDeposited || s == ParcelExpired
}

// Parcel is one item handed in by a courier.
type Parcel struct {
	ID            string       `json:"id"`
	Barcode       string       `json:"barcode"`
	Carrier       string       `json:"carrier"`
	CourierID     string       `json:"courier_id"`
	RecipientID   string       `json:"recipient_id"`
	CompartmentID string       `json:"compartment_id"`
	Size          Size         `json:"size"`
	Upsized       bool         `json:"upsized"` // put in a larger door than its size
	Refrigerated  bool         `json:"refrigerated"`
	Status        ParcelStatus `json:"status"`
	VisitID       string       `json:"visit_id"` // one courier visit; parcels of one recipient in a visit share a credential
	CredentialID  string       `json:"credential_id"`
	PINHash       string       `json:"-"` // HMAC-SHA256 of the PIN under the kiosk secret, hex
	ExpectedID    string       `json:"expected_id,omitempty"`
	CreatedAt     time.Time    `json:"created_at"`
	DepositedAt   time.Time    `json:"deposited_at"`
	ExpiresAt     time.Time    `json:"expires_at"`
	PausedSince   time.Time    `json:"paused_since"` // expiry clock paused while the door is faulty
	ClosedAt      time.Time    `json:"closed_at"`    // picked up, retrieved or cancelled
	// ExpiringSentAt is when the parcel.expiring reminder was sent; zero
	// until then. It is sent once per parcel (Options.ExpiringLead).
	ExpiringSentAt time.Time `json:"expiring_sent_at"`
	// ExtendedBy is the total extension of the expiry granted by
	// parcel.extend so far, at most Options.MaxExtension.
	ExtendedBy time.Duration `json:"extended_by"`
}

// Recipient is an entry in the building's directory.
type Recipient struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Unit       string `json:"unit"`
	Accessible bool   `json:"accessible,omitempty"` // needs a compartment within reach range
}

// Courier is a person allowed to deposit, identified by a keypad code or a
// badge. Only the HMAC of the code is kept.
type Courier struct {
	ID       string `json:"id"`
	Carrier  string `json:"carrier"`
	Name     string `json:"name"`
	CodeHash string `json:"-"`
}

// Staff is a person allowed into maintenance mode with a PIN and a TOTP code.
type Staff struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PINHash    string `json:"-"`
	TOTPSecret string `json:"-"` // base32, RFC 6238
}

// Expected is a pre-advised parcel: the operator told the kiosk it is coming.
type Expected struct {
	ID             string    `json:"id"`
	Barcode        string    `json:"barcode"`
	Carrier        string    `json:"carrier"`
	RecipientID    string    `json:"recipient_id"`
	Size           Size      `json:"size,omitempty"`
	DimsMM         [3]int    `json:"dims_mm,omitempty"`
	Refrigerated   bool      `json:"refrigerated,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// AuditEntry is one row of the append-only, hash-chained audit log. The
// store fills Seq, PrevHash and Hash.
type AuditEntry struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`   // "courier:ID", "staff:ID", "recipient", "system", "remote:ID"
	Action   string    `json:"action"`  // e.g. "parcel.deposited", "door.open"
	Subject  string    `json:"subject"` // compartment or parcel id
	Detail   string    `json:"detail,omitempty"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// Snapshot is what the service loads from the store at start: the live state
// it keeps in memory. History stays in the store.
type Snapshot struct {
	Compartments []Compartment
	Parcels      []Parcel // active parcels only (depositing, deposited, expired)
	Lockout      Lockout
	Secret       []byte   // the kiosk's HMAC secret; empty on a new database
	NextSeq      uint64   // seq the next event will get
	Returns      []Return // returns in a compartment (depositing, deposited); see returns.go
}

// Change is one atomic state change: everything in it is written in a
// single transaction or not at all. Slices are upserts unless named Delete.
type Change struct {
	Secret           []byte // set once, on a new database
	Compartments     []Compartment
	Parcels          []Parcel
	Recipients       []Recipient
	DeleteRecipients []string
	Couriers         []Courier
	DeleteCouriers   []string // courier ids
	Staff            []Staff
	DeleteStaff      []string // staff ids
	Expected         []Expected
	DeleteExpected   []string // expected ids
	Lockout          *Lockout
	Events           []Event      // appended to the outbox; Apply sets Seq
	Audit            []AuditEntry // appended to the audit chain; Apply sets Seq and hashes
	Returns          []Return     // upserts of returns (returns.go)
}

// Store is the durable state the service needs. Apply is the only writer.
// Lookups return ErrNotFound (wrapped) when nothing matches.
type Store interface {
	Load(ctx context.Context) (*Snapshot, error)
	Apply(ctx context.Context, c *Change) error
	Recipient(ctx context.Context, id string) (Recipient, error)
	SearchRecipients(ctx context.Context, query string, offset, limit int) (list []Recipient, total int, err error)
	CourierByCode(ctx context.Context, codeHash string) (Courier, error)
	StaffByPIN(ctx context.Context, pinHash string) (Staff, error)
	StaffByID(ctx context.Context, id string) (Staff, error)
	CourierByID(ctx context.Context, id string) (Courier, error)
	// AuditHead returns the seq and hash of the newest audit row.
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
	ExpectedByBarcode(ctx context.Context, barcode string) (Expected, error)
	ExpectedByKey(ctx context.Context, idempotencyKey string) (Expected, error)
	Parcel(ctx context.Context, id string) (Parcel, error)
	AuditPage(ctx context.Context, offset, limit int) (list []AuditEntry, total int, err error)
}
