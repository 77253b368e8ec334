package locker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Returns: a resident drops off a parcel going the other way (an online
// order sent back, a prepaid parcel) with a code the operator pre-advised
// (return.expect); the carrier's courier collects it on the next round.

// Event types of returns (subject suffix after "evt.").
const (
	EvtReturnDeposited = "return.deposited"
	EvtReturnCollected = "return.collected"
	EvtReturnRetrieved = "return.retrieved"
	EvtReturnOverdue   = "return.overdue"
)

// ReturnStatus is where a return is in its life.
type ReturnStatus string

// Return statuses. A return is in the locker while depositing or deposited.
const (
	ReturnExpected   ReturnStatus = "expected"   // pre-advised, not dropped off yet
	ReturnDepositing ReturnStatus = "depositing" // a door is unlocked or open for it
	ReturnDeposited  ReturnStatus = "deposited"  // in its door, waiting for the courier
	ReturnCollected  ReturnStatus = "collected"  // taken by a courier of its carrier
	ReturnRetrieved  ReturnStatus = "retrieved"  // taken out by staff by hand
	ReturnCancelled  ReturnStatus = "cancelled"  // pre-advice withdrawn (return.cancel)
)

// InLocker reports whether a return in status st is (or may be) in a compartment.
func (st ReturnStatus) InLocker() bool { return st == ReturnDepositing || st == ReturnDeposited }

// Open reports whether a return in status st still holds its code.
func (st ReturnStatus) Open() bool { return st == ReturnExpected || st.InLocker() }

// Return is one parcel a resident hands in for a carrier to collect.
type Return struct {
	ID            string       `json:"id"`
	Code          string       `json:"code"`                    // what the resident types: 6-12 of A-Z 0-9
	LabelBarcode  string       `json:"label_barcode,omitempty"` // the prepaid label's barcode, if advised
	Carrier       string       `json:"carrier"`
	RecipientID   string       `json:"recipient_id,omitempty"` // the resident, if the operator said
	Size          Size         `json:"size,omitempty"`         // advised size; "" starts at the smallest door
	Status        ReturnStatus `json:"status"`
	CompartmentID string       `json:"compartment_id,omitempty"`
	CourierID     string       `json:"courier_id,omitempty"` // who collected it
	CreatedAt     time.Time    `json:"created_at"`
	DepositedAt   time.Time    `json:"deposited_at"`
	OverdueAt     time.Time    `json:"overdue_at"` // when return.overdue was sent (once)
	ClosedAt      time.Time    `json:"closed_at"`  // collected, retrieved or cancelled
}

// ReturnStore is what the returns need of the store beyond Store: the
// lookup of an open return by its code or label barcode. Returns work only
// with a Store that implements it (store.DB does).
type ReturnStore interface {
	// ReturnByCode returns the open return (expected, depositing or
	// deposited) whose code is code or, when label is not empty, whose
	// label barcode is label; ErrNotFound (wrapped) when none.
	ReturnByCode(ctx context.Context, code, label string) (Return, error)
}

// Defaults of the returns' options.
const (
	// DefaultReturnOverdue is how long a return waits for its courier
	// before return.overdue is sent.
	DefaultReturnOverdue = 72 * time.Hour
	// DefaultReturnHold is the share of each size's doors held for
	// deliveries: returns never take a door when that would leave fewer
	// free doors of its size than this share of them.
	DefaultReturnHold = 0.25
	// ReturnDailyBudget is how many wrong return codes the keypad takes per
	// DailyWindow (the return path's own counter).
	ReturnDailyBudget = 30
)

// KindReturn is the wrong-code counter of return codes at the keypad.
const KindReturn CodeKind = "return"

// Flow and steps of the resident's drop-off.
const (
	// FlowReturn is a resident dropping off a return.
	FlowReturn Flow = "return"
	// StepReturnCode: the return code is asked for (typed or scanned).
	StepReturnCode Step = "return_code"
	// StepReturned: the return is committed; the receipt QR shows.
	StepReturned Step = "returned"
)

// Notices of returns.
const (
	// NoticeReturnsCollected: the courier's collection ended; Count returns
	// were collected.
	NoticeReturnsCollected NoticeKind = "returns_collected"
	// NoticeReturnStillInside: door Compartment closed with the return
	// still seen inside; it stays for the next collection.
	NoticeReturnStillInside NoticeKind = "return_still_inside"
)

// Door jobs of returns (beyond the service's own).
const (
	jobReturnDeposit doorJob = 100 + iota
	jobReturnCollect
	jobReturnRetrieve
)

// returnState is the service's in-memory returns: those in a compartment.
type returnState struct {
	inLocker map[string]Return // by id
}

// returnSession is the part of the session for returns.
type returnSession struct {
	ret        Return // the return being dropped off
	receipt    string // signed receipt text once committed
	collecting bool   // the courier is collecting returns (queue in session.queue)
	collected  int    // returns collected in this collection
	reason     string // staff retrieval: the reason given
}

// ReturnsView is the returns' part of the View.
type ReturnsView struct {
	// Current is the return being dropped off (or just dropped off).
	Current Return `json:"current"`
	// Receipt is the signed receipt text of the drop-off (ReceiptPrefix),
	// for the QR code the resident keeps.
	Receipt string `json:"receipt,omitempty"`
	// ToCollect is, for the courier signed in, how many returns of their
	// carrier wait in the locker.
	ToCollect int `json:"to_collect"`
	// Collecting is set while the courier's collection opens doors; the
	// doors are in View.Pickup.
	Collecting bool `json:"collecting"`
	Collected  int  `json:"collected"`
	// InLocker lists every return in a compartment, by door (staff map).
	InLocker []Return `json:"in_locker"`
}

func (r ReturnsView) clone() ReturnsView {
	r.InLocker = slices.Clone(r.InLocker)
	return r
}

// returnsViewLocked fills the returns' part of the View.
func (s *Service) returnsViewLocked() ReturnsView {
	v := ReturnsView{Current: s.sess.rt.ret, Receipt: s.sess.rt.receipt,
		Collecting: s.sess.rt.collecting, Collected: s.sess.rt.collected}
	for _, r := range s.ret.inLocker {
		v.InLocker = append(v.InLocker, r)
	}
	slices.SortFunc(v.InLocker, func(a, b Return) int { return cmpString(a.CompartmentID+a.ID, b.CompartmentID+b.ID) })
	if s.sess.flow == FlowDeposit {
		v.ToCollect = len(s.collectableLocked(s.sess.courier.Carrier))
	}
	return v
}

// returnStore returns the store as a ReturnStore.
func (s *Service) returnStore() (ReturnStore, error) {
	rs, ok := s.store.(ReturnStore)
	if !ok {
		return nil, fmt.Errorf("%w: this store keeps no returns", ErrBadState)
	}
	return rs, nil
}

// NormalizeReturnCode returns a return code as stored: upper case, without
// spaces or dashes.
func NormalizeReturnCode(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	return strings.NewReplacer(" ", "", "-", "").Replace(code)
}

// ValidReturnCode checks a normalized return code: 6 to 12 of A-Z and 0-9.
func ValidReturnCode(code string) error {
	if len(code) < 6 || len(code) > 12 {
		return fmt.Errorf("%w: a return code has 6 to 12 characters, got %d", ErrInvalid, len(code))
	}
	for _, r := range code {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return fmt.Errorf("%w: a return code has only letters A-Z and digits", ErrInvalid)
		}
	}
	return nil
}

// applyReturnsLocked keeps the in-memory returns in step with a committed change.
func (s *Service) applyReturnsLocked(rs []Return) {
	if s.ret.inLocker == nil {
		s.ret.inLocker = map[string]Return{}
	}
	for _, r := range rs {
		if r.Status.InLocker() {
			s.ret.inLocker[r.ID] = r
		} else {
			delete(s.ret.inLocker, r.ID)
		}
	}
}

// putReturn upserts r into ch.
func putReturn(ch *Change, r Return) {
	for i := range ch.Returns {
		if ch.Returns[i].ID == r.ID {
			ch.Returns[i] = r
			return
		}
	}
	ch.Returns = append(ch.Returns, r)
}

// returnsIn reports how many returns are in compartment id with ch applied.
func (s *Service) returnsIn(ch *Change, id string) int {
	n := 0
	over := map[string]bool{}
	if ch != nil {
		for _, r := range ch.Returns {
			over[r.ID] = true
			if r.Status.InLocker() && r.CompartmentID == id {
				n++
			}
		}
	}
	for _, r := range s.ret.inLocker {
		if !over[r.ID] && r.CompartmentID == id {
			n++
		}
	}
	return n
}

// collectableLocked lists the deposited returns of carrier, by door.
func (s *Service) collectableLocked(carrier string) []Return {
	if strings.TrimSpace(carrier) == "" {
		return nil
	}
	var out []Return
	for _, r := range s.ret.inLocker {
		if r.Status == ReturnDeposited && strings.EqualFold(r.Carrier, carrier) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Return) int { return cmpString(a.CompartmentID+a.ID, b.CompartmentID+b.ID) })
	return out
}

// ExpectReturn stores the pre-advice of a return (return.expect). It is
// idempotent on the code: the same code again updates an advice not yet
// dropped off and returns the same id; once the return is in the locker it
// returns its id and changes nothing.
func (s *Service) ExpectReturn(ctx context.Context, r Return) (id string, err error) {
	r.Code = NormalizeReturnCode(r.Code)
	if err := ValidReturnCode(r.Code); err != nil {
		return "", err
	}
	r.Carrier = strings.TrimSpace(r.Carrier)
	r.LabelBarcode = strings.TrimSpace(r.LabelBarcode)
	if r.Carrier == "" {
		return "", fmt.Errorf("%w: carrier is required", ErrInvalid)
	}
	if r.Size != "" {
		z, err := ParseSize(string(r.Size))
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		r.Size = z
	}
	rs, err := s.returnStore()
	if err != nil {
		return "", err
	}
	old, err := rs.ReturnByCode(ctx, r.Code, "")
	switch {
	case err == nil && old.Status.InLocker():
		return old.ID, nil
	case err == nil:
		r.ID, r.CreatedAt = old.ID, old.CreatedAt
	case !errors.Is(err, ErrNotFound):
		return "", fmt.Errorf("locker: return pre-advice: %w: %w", ErrStoreDown, err)
	}
	if r.LabelBarcode != "" {
		other, err := rs.ReturnByCode(ctx, "", r.LabelBarcode)
		switch {
		case err == nil && other.ID != r.ID:
			return "", fmt.Errorf("%w: label %s belongs to another return", ErrDuplicate, r.LabelBarcode)
		case err != nil && !errors.Is(err, ErrNotFound):
			return "", fmt.Errorf("locker: return pre-advice: %w: %w", ErrStoreDown, err)
		}
	}
	err = s.runRemote(ctx, func() error {
		now := s.clock.Now()
		if r.ID == "" {
			r.ID = NewULID(now)
		}
		if r.CreatedAt.IsZero() {
			r.CreatedAt = now
		}
		r.Status = ReturnExpected
		r.CompartmentID, r.CourierID = "", ""
		r.DepositedAt, r.OverdueAt, r.ClosedAt = time.Time{}, time.Time{}, time.Time{}
		ch := &Change{Returns: []Return{r}}
		s.addAudit(ch, "remote", "return.expect", r.ID, fmt.Sprintf("carrier=%s size=%s", r.Carrier, r.Size))
		return s.commitLocked(ctx, ch)
	})
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

// CancelReturn withdraws the pre-advice of a return not yet dropped off
// (return.cancel). A return already in the locker stays: staff retrieve it.
func (s *Service) CancelReturn(ctx context.Context, code string) error {
	code = NormalizeReturnCode(code)
	rs, err := s.returnStore()
	if err != nil {
		return err
	}
	r, err := rs.ReturnByCode(ctx, code, "")
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("locker: no return with code %q: %w", code, ErrNotFound)
		}
		return fmt.Errorf("locker: cancel return: %w: %w", ErrStoreDown, err)
	}
	return s.runRemote(ctx, func() error {
		if cur, ok := s.ret.inLocker[r.ID]; ok || r.Status != ReturnExpected || s.sess.rt.ret.ID == r.ID {
			if ok {
				r = cur
			}
			return fmt.Errorf("%w: return %s is already in door %s: staff retrieve it", ErrBadState, code, r.CompartmentID)
		}
		r.Status = ReturnCancelled
		r.ClosedAt = s.clock.Now()
		ch := &Change{Returns: []Return{r}}
		s.addAudit(ch, "remote", "return.cancelled", r.ID, "code="+r.Code)
		return s.commitLocked(ctx, ch)
	})
}

// returnsLoadedLocked takes the returns of the snapshot at start.
func (s *Service) returnsLoadedLocked(rs []Return) {
	s.ret.inLocker = map[string]Return{}
	s.applyReturnsLocked(rs)
}

// maxField bounds a code or label typed or scanned for a return.
const maxField = 256
