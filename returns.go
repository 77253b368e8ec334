package locker

import (
	"context"
	"errors"
	"fmt"
	"maps"
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

// StartReturn shows the resident's "send or return" screen: the return
// code is asked for.
func (s *Service) StartReturn(ctx context.Context) error {
	return s.run(ctx, func() error {
		if err := s.pickupAllowedLocked(); err != nil {
			return err
		}
		if s.allBoardsOfflineLocked() {
			return fmt.Errorf("%w: every lock board is silent: the doors are out of order", ErrBusUnavailable)
		}
		s.resetSessionLocked()
		s.sess.flow, s.sess.step = FlowReturn, StepReturnCode
		return nil
	})
}

// ReturnCode takes the return code the resident typed or scanned (the
// code, or the prepaid label's barcode) at StepReturnCode and opens a door
// of the return's size. An unknown code counts on the return counter, so
// the codes cannot be enumerated at the keypad.
func (s *Service) ReturnCode(ctx context.Context, code string) error {
	return s.returnCode(ctx, code, false)
}

// ReturnLabelScan starts a drop-off from the home screen with a scanned
// label barcode pre-advised as a return. Only label barcodes match here
// (never a typed code), and a barcode that is not one is refused with
// ErrNotFound without counting: couriers scan parcels at the home screen
// before signing in.
func (s *Service) ReturnLabelScan(ctx context.Context, barcode string) error {
	return s.returnCode(ctx, barcode, true)
}

func (s *Service) returnCode(ctx context.Context, text string, labelOnly bool) error {
	raw := strings.TrimSpace(text)
	code := NormalizeReturnCode(raw)
	rs, rsErr := s.returnStore()
	var (
		r         Return
		lookupErr = ErrNotFound
	)
	if rsErr == nil && raw != "" && len(raw) <= maxField {
		if labelOnly {
			r, lookupErr = rs.ReturnByCode(ctx, "", raw)
		} else {
			r, lookupErr = rs.ReturnByCode(ctx, code, raw)
		}
	}
	return s.run(ctx, func() error {
		if rsErr != nil {
			return rsErr
		}
		switch {
		case labelOnly:
			if err := s.pickupAllowedLocked(); err != nil {
				return err
			}
		case s.sess.flow != FlowReturn || s.sess.step != StepReturnCode:
			return fmt.Errorf("%w: not waiting for a return code", ErrBadState)
		}
		if err := s.checkLockedLocked(KindReturn); err != nil && !labelOnly {
			return err // a label scan counts nothing, so the closed path does not stop it
		}
		if raw == "" {
			return fmt.Errorf("%w: empty return code", ErrInvalid)
		}
		if lookupErr != nil {
			switch {
			case !errors.Is(lookupErr, ErrNotFound):
				return fmt.Errorf("locker: return lookup: %w: %w", ErrStoreDown, lookupErr)
			case labelOnly:
				return fmt.Errorf("locker: %w: not a pre-advised return label", ErrNotFound)
			}
			return s.wrongCodeLocked(ctx, KindReturn, "return", nil)
		}
		if r.Status != ReturnExpected {
			return fmt.Errorf("%w: this return is already in door %s", ErrDuplicate, r.CompartmentID)
		}
		if s.allBoardsOfflineLocked() {
			return fmt.Errorf("%w: every lock board is silent: the doors are out of order", ErrBusUnavailable)
		}
		if labelOnly {
			s.resetSessionLocked()
			s.sess.flow = FlowReturn
		}
		s.sess.rt.ret = r
		z := r.Size
		if z == "" {
			z = Sizes[0]
		}
		return s.placeReturnLocked(ctx, z, nil)
	})
}

// placeReturnLocked reserves a door of size z or larger (not in exclude,
// keeping each size's held share for deliveries) for the session's return,
// records it as depositing, frees the door it had and queues the unlock.
// On failure the return goes back to expected and the flow to
// StepReturnCode.
func (s *Service) placeReturnLocked(ctx context.Context, z Size, exclude map[string]bool) error {
	r := s.sess.rt.ret
	ch := &Change{}
	c, _, err := s.allocReturnLocked(ch, z, exclude)
	if err != nil {
		if r.Status == ReturnDepositing {
			s.unplaceReturnIn(ch, r)
			r.Status, r.CompartmentID = ReturnExpected, ""
			if cerr := s.commitLocked(ctx, ch); cerr != nil {
				return cerr
			}
		}
		s.sess.rt.ret = Return{}
		s.sess.step, s.sess.job, s.sess.door = StepReturnCode, jobNone, ""
		return err
	}
	if r.Status == ReturnDepositing {
		s.unplaceReturnIn(ch, r)
	}
	r.Status = ReturnDepositing
	r.CompartmentID = c.ID
	putReturn(ch, r)
	c.Status = StatusReserved
	putComp(ch, c)
	s.addAudit(ch, "resident", "return.reserve", r.ID, fmt.Sprintf("code=%s compartment=%s", r.Code, c.ID))
	if err := s.commitLocked(ctx, ch); err != nil {
		return err
	}
	s.sess.rt.ret = r
	s.setDoorLocked(jobReturnDeposit, c.ID)
	return nil
}

// unplaceReturnIn frees the door reserved for r in ch.
func (s *Service) unplaceReturnIn(ch *Change, r Return) {
	if c, ok := s.compIn(ch, r.CompartmentID); ok && c.Status == StatusReserved &&
		len(s.parcelsIn(ch, c.ID)) == 0 {
		c.Status = StatusAvailable
		putComp(ch, c)
	}
	r.Status, r.CompartmentID = ReturnExpected, ""
	putReturn(ch, r)
}

// allocReturnLocked picks a door for a return of size z: like Allocate,
// but a size whose free doors are down to its held share
// (Options.ReturnHold) is not used.
func (s *Service) allocReturnLocked(ch *Change, z Size, exclude map[string]bool) (Compartment, bool, error) {
	comps := s.compsIn(ch)
	ex := s.excludeOfflineLocked()
	maps.Copy(ex, exclude)
	total, free := map[Size]int{}, map[Size]int{}
	for _, c := range comps {
		total[c.Size]++
		if c.Status == StatusAvailable && !ex[c.ID] {
			free[c.Size]++
		}
	}
	for _, c := range comps {
		held := int(s.returnHold()*float64(total[c.Size]) + 0.5)
		if free[c.Size] <= held {
			ex[c.ID] = true
		}
	}
	return Allocate(comps, AllocRequest{Size: z, Exclude: ex})
}

// returnHold is the share of each size held for deliveries.
func (s *Service) returnHold() float64 {
	switch h := s.o.ReturnHold; {
	case h == 0:
		return DefaultReturnHold
	case h < 0:
		return 0
	default:
		return min(h, 1)
	}
}

// ReturnDoesntFit moves the return whose door is unlocked or open to a
// larger door and frees the first one.
func (s *Service) ReturnDoesntFit(ctx context.Context) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowReturn || s.sess.job != jobReturnDeposit ||
			(s.sess.step != StepUnlocking && s.sess.step != StepDoorOpen) {
			return fmt.Errorf("%w: no door is open for a return", ErrBadState)
		}
		old, _ := s.compIn(nil, s.sess.rt.ret.CompartmentID)
		larger, ok := old.Size.Larger()
		if !ok {
			if err := s.cancelReturnLocked(ctx); err != nil {
				return err
			}
			s.sess.rt.ret = Return{}
			s.sess.step, s.sess.job, s.sess.door = StepReturnCode, jobNone, ""
			return fmt.Errorf("locker: nothing larger than %s: %w", old.Size, ErrTooLarge)
		}
		return s.placeReturnLocked(ctx, larger, map[string]bool{old.ID: true})
	})
}

// cancelReturnLocked gives back the door of a drop-off in progress: the
// return is expected again and its code works again.
func (s *Service) cancelReturnLocked(ctx context.Context) error {
	r := s.sess.rt.ret
	if r.Status != ReturnDepositing {
		return nil
	}
	ch := &Change{}
	s.unplaceReturnIn(ch, r)
	s.addAudit(ch, "resident", "return.cancel", r.ID, "drop-off cancelled at door "+r.CompartmentID)
	return s.commitLocked(ctx, ch)
}

// returnDoorFailedLocked moves on after a door of a return job did not
// open twice; ch already marks it faulty.
func (s *Service) returnDoorFailedLocked(ctx context.Context, ch *Change, id string) error {
	switch s.sess.job {
	case jobReturnDeposit:
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		r := s.sess.rt.ret
		z := r.Size
		if z == "" {
			z = Sizes[0]
		}
		if c, ok := s.compIn(nil, id); ok && c.Size.Rank() > z.Rank() {
			z = c.Size
		}
		if err := s.placeReturnLocked(ctx, z, map[string]bool{id: true}); err != nil {
			return fmt.Errorf("%w: door %s is faulty and %w", ErrDoorNotOpened, id, err)
		}
		s.sess.notice = Notice{Kind: NoticeDoorFaulty, Compartment: s.sess.door, Failed: id,
			Text: fmt.Sprintf("Door %s did not open. Please use door %s.", id, s.sess.door)}
		return nil
	case jobReturnCollect:
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.queue[s.sess.qi].State = PickupFailed
		return s.nextCollectLocked()
	default: // jobReturnRetrieve
		s.addAudit(ch, s.staffActor(), "staff.logout", s.sess.staff.ID, "door job done")
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.resetSessionLocked()
		s.sess.notice = Notice{Kind: NoticeDoorFailed, Compartment: id, Text: fmt.Sprintf("Door %s did not open and is marked faulty.", id)}
		return nil
	}
}

// returnJob reports whether job is one of the returns'.
func returnJob(job doorJob) bool { return job >= jobReturnDeposit && job <= jobReturnRetrieve }

// onReturnOpenedLocked is onOpenedLocked for the returns' door jobs.
func (s *Service) onReturnOpenedLocked(id string) func() error {
	return func() error {
		if s.sess.job == jobReturnCollect {
			for i := range s.sess.queue {
				if it := &s.sess.queue[i]; it.CompartmentID == id && it.State == PickupUnlocking {
					it.State = PickupOpen
				}
			}
		}
		if s.sess.door == id && s.sess.step == StepUnlocking {
			s.sess.step = StepDoorOpen
			s.sess.doorAt = s.clock.Now()
			if s.sess.notice.Kind == NoticeRetrying || s.sess.notice.Kind == NoticeBusError {
				s.sess.notice = Notice{}
			}
		}
		return nil
	}
}

// onReturnClosedLocked is onClosedLocked for the returns' door jobs: it
// adds to ch what the door closing commits and returns the flow move.
func (s *Service) onReturnClosedLocked(ch *Change, id string) (func() error, error) {
	now := s.clock.Now()
	switch s.sess.job {
	case jobReturnDeposit:
		if s.sess.door != id || s.sess.step != StepDoorOpen {
			return nil, nil
		}
		r := s.sess.rt.ret
		r.Status = ReturnDeposited
		r.DepositedAt = now
		putReturn(ch, r)
		c, _ := s.compIn(ch, id)
		c.Status = StatusOccupied
		c.LastUsed = now
		putComp(ch, c)
		s.addEvent(ch, EvtReturnDeposited, map[string]any{
			"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": id, "size": c.Size,
			"label_barcode": r.LabelBarcode, "recipient_id": r.RecipientID, "time": now.UTC().Format(time.RFC3339Nano),
		})
		s.addAudit(ch, "resident", "return.deposited", r.ID, fmt.Sprintf("code=%s compartment=%s", r.Code, id))
		rec := Receipt{VisitID: r.ID, CourierID: "return:" + r.Carrier, Time: now,
			Items: []ReceiptItem{{ParcelID: r.ID, Barcode: r.Code, Carrier: r.Carrier, CompartmentID: id, Size: c.Size, DepositedAt: now}}}
		text := signReceipt(s.secret, rec)
		return func() error {
			s.sess.rt.ret = r
			s.sess.rt.receipt = text
			s.sess.step, s.sess.job = StepReturned, jobNone
			s.sess.doneAt = now
			return nil
		}, nil
	case jobReturnCollect:
		qi := -1
		for i, it := range s.sess.queue {
			if it.CompartmentID == id && (it.State == PickupOpen || (it.State == PickupUnlocking && id == s.sess.door && s.sess.step == StepDoorOpen)) {
				qi = i
			}
		}
		if qi < 0 {
			return nil, nil
		}
		c, _ := s.compIn(ch, id)
		if s.bus.State(c.Addr).Item == ItemPresent {
			s.addAudit(ch, s.courierActor(), "return.not_collected", id, "closed with the item seen inside")
			return func() error {
				s.sess.queue[qi].State = PickupFailed
				s.sess.notice = Notice{Kind: NoticeReturnStillInside, Compartment: id,
					Text: fmt.Sprintf("The parcel is still in door %s: it stays for the next collection.", id)}
				if id == s.sess.door {
					return s.nextCollectLocked()
				}
				return nil
			}, nil
		}
		for _, rid := range s.sess.queue[qi].ParcelIDs {
			r, ok := s.ret.inLocker[rid]
			if !ok {
				continue
			}
			r.Status, r.CourierID, r.ClosedAt = ReturnCollected, s.sess.courier.ID, now
			putReturn(ch, r)
			s.addEvent(ch, EvtReturnCollected, map[string]any{
				"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": id,
				"courier_id": s.sess.courier.ID, "time": now.UTC().Format(time.RFC3339Nano),
			})
			s.addAudit(ch, s.courierActor(), "return.collected", r.ID, "compartment="+id)
		}
		s.freeIfEmptyIn(ch, id, now)
		n := len(s.sess.queue[qi].ParcelIDs)
		return func() error {
			s.sess.queue[qi].State = PickupDone
			s.sess.rt.collected += n
			if id == s.sess.door {
				return s.nextCollectLocked()
			}
			return nil
		}, nil
	case jobReturnRetrieve:
		if s.sess.door != id || s.sess.step != StepDoorOpen {
			return nil, nil
		}
		for _, r := range s.returnsAtLocked(id) {
			r.Status, r.ClosedAt = ReturnRetrieved, now
			putReturn(ch, r)
			s.addEvent(ch, EvtReturnRetrieved, map[string]any{
				"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": id,
				"staff_id": s.sess.staff.ID, "reason": s.sess.rt.reason, "time": now.UTC().Format(time.RFC3339Nano),
			})
			s.addAudit(ch, s.staffActor(), "return.retrieved", r.ID, s.sess.rt.reason)
		}
		s.freeIfEmptyIn(ch, id, now)
		s.addAudit(ch, s.staffActor(), "staff.logout", s.sess.staff.ID, "door job done")
		return func() error {
			s.resetSessionLocked() // the staff session ends with its door job
			return nil
		}, nil
	}
	return nil, nil
}

// freeIfEmptyIn makes compartment id available in ch when nothing is left
// in it (an occupied or reserved door; a faulty one stays for staff).
func (s *Service) freeIfEmptyIn(ch *Change, id string, now time.Time) {
	c, ok := s.compIn(ch, id)
	if !ok || (c.Status != StatusOccupied && c.Status != StatusReserved) {
		return
	}
	if len(s.parcelsIn(ch, id)) == 0 && s.returnsIn(ch, id) == 0 {
		c.Status = StatusAvailable
		c.LastUsed = now
		putComp(ch, c)
	}
}

// returnsAtLocked lists the returns in compartment id.
func (s *Service) returnsAtLocked(id string) []Return {
	var out []Return
	for _, r := range s.ret.inLocker {
		if r.CompartmentID == id {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Return) int { return cmpString(a.ID, b.ID) })
	return out
}

// CollectReturns opens the doors of the returns waiting for the signed-in
// courier's carrier: one by one (each after the previous one closed), or
// all at once with all. Each door closing empty (by its item sensor, where
// there is one) records its returns as collected. Deliveries go on after.
func (s *Service) CollectReturns(ctx context.Context, all bool) error {
	return s.run(ctx, func() error {
		if s.sess.flow != FlowDeposit || (s.sess.step != StepScan && s.sess.step != StepDeposited) {
			return fmt.Errorf("%w: sign in as a courier first, with no door open", ErrBadState)
		}
		byComp := map[string][]string{}
		for _, r := range s.collectableLocked(s.sess.courier.Carrier) {
			if c, ok := s.compIn(nil, r.CompartmentID); ok && !s.offline[c.Addr.Board] {
				byComp[r.CompartmentID] = append(byComp[r.CompartmentID], r.ID)
			}
		}
		if len(byComp) == 0 {
			return fmt.Errorf("%w: no returns to collect for %s", ErrNotFound, s.sess.courier.Carrier)
		}
		s.sess.parcel, s.sess.recipient, s.sess.addToDoor = Parcel{}, Recipient{}, ""
		s.sess.queue, s.sess.qi = nil, 0
		for _, id := range slices.Sorted(maps.Keys(byComp)) {
			s.sess.queue = append(s.sess.queue, PickupItem{CompartmentID: id, ParcelIDs: byComp[id], State: PickupWaiting})
		}
		s.sess.rt.collecting, s.sess.rt.collected = true, 0
		s.sess.notice = Notice{}
		ch := &Change{}
		s.addAudit(ch, s.courierActor(), "return.collect", s.sess.courier.Carrier, fmt.Sprintf("%d doors, all=%v", len(s.sess.queue), all))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.queue[0].State = PickupUnlocking
		s.setDoorLocked(jobReturnCollect, s.sess.queue[0].CompartmentID)
		if all {
			for i := 1; i < len(s.sess.queue); i++ {
				s.sess.queue[i].State = PickupUnlocking
				s.queueUnlockLocked(s.sess.queue[i].CompartmentID)
			}
		}
		return nil
	})
}

// nextCollectLocked points the collection at the next door not done
// (unlocking it unless it already is), or ends it and goes back to
// scanning parcels.
func (s *Service) nextCollectLocked() error {
	for i, it := range s.sess.queue {
		switch it.State {
		case PickupWaiting:
			s.sess.qi = i
			s.sess.queue[i].State = PickupUnlocking
			s.setDoorLocked(jobReturnCollect, it.CompartmentID)
			return nil
		case PickupUnlocking, PickupOpen:
			s.sess.qi = i
			s.sess.door = it.CompartmentID
			s.sess.gen++
			s.sess.attempts = 1
			s.sess.doorAt = s.clock.Now()
			s.sess.step = StepUnlocking
			if it.State == PickupOpen {
				s.sess.step = StepDoorOpen
			}
			return nil
		}
	}
	n := s.sess.rt.collected
	notice := s.sess.notice
	s.sess.queue, s.sess.qi = nil, 0
	s.sess.rt.collecting = false
	s.sess.job, s.sess.door = jobNone, ""
	s.sess.step = StepScan
	s.sess.notice = Notice{Kind: NoticeReturnsCollected, Count: n, Text: fmt.Sprintf("%d returns collected.", n)}
	if notice.Kind == NoticeReturnStillInside {
		s.sess.notice = notice
	}
	return nil
}

// StaffRetrieveReturn opens the door of the return in compartmentID for
// the signed-in staff member, who takes it out by hand; closing the door
// records return.retrieved with the reason and ends the staff session.
func (s *Service) StaffRetrieveReturn(ctx context.Context, compartmentID, reason string) error {
	return s.run(ctx, func() error {
		if err := s.inMaintenanceLocked(); err != nil {
			return err
		}
		if s.sess.step != StepMenu {
			return fmt.Errorf("%w: finish the current door first", ErrBadState)
		}
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("%w: a reason is required", ErrInvalid)
		}
		if len(s.returnsAtLocked(compartmentID)) == 0 {
			return fmt.Errorf("%w: no return in compartment %q", ErrNotFound, compartmentID)
		}
		ch := &Change{}
		s.addAudit(ch, s.staffActor(), "door.open", compartmentID, "return retrieval: "+reason)
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		s.sess.notice = Notice{}
		s.sess.rt.reason = reason
		s.setDoorLocked(jobReturnRetrieve, compartmentID)
		return nil
	})
}

// overdueReturnsLocked sends return.overdue once for every return left in
// the locker longer than Options.ReturnOverdue.
func (s *Service) overdueReturnsLocked(ctx context.Context, now time.Time) bool {
	after := s.o.ReturnOverdue
	if after <= 0 {
		after = DefaultReturnOverdue
	}
	ch := &Change{}
	for _, id := range slices.Sorted(maps.Keys(s.ret.inLocker)) {
		r := s.ret.inLocker[id]
		if r.Status != ReturnDeposited || !r.OverdueAt.IsZero() || now.Sub(r.DepositedAt) < after {
			continue
		}
		r.OverdueAt = now
		putReturn(ch, r)
		s.addEvent(ch, EvtReturnOverdue, map[string]any{
			"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": r.CompartmentID,
			"deposited_at": r.DepositedAt.UTC().Format(time.RFC3339Nano),
		})
		s.addAudit(ch, "system", "return.overdue", r.ID, r.CompartmentID)
	}
	if len(ch.Returns) == 0 {
		return false
	}
	if err := s.commitLocked(ctx, ch); err != nil {
		s.log.Warn("return.overdue not stored; will retry", "err", err)
		return false
	}
	return true
}

// InterruptedReturnReason is the Reason of a compartment whose return
// drop-off a restart interrupted and the item sensor could not settle:
// staff retrieve the return by hand.
const InterruptedReturnReason = "interrupted return drop-off: check contents"

// recoverReturnsLocked settles drop-offs a restart interrupted: the item
// sensor seeing the parcel commits it (return.deposited); otherwise the
// door is flagged for staff, the return staying recorded in it.
func (s *Service) recoverReturnsLocked(ch *Change) error {
	now := s.clock.Now()
	for _, id := range slices.Sorted(maps.Keys(s.ret.inLocker)) {
		r := s.ret.inLocker[id]
		if r.Status != ReturnDepositing {
			continue
		}
		c, ok := s.compIn(ch, r.CompartmentID)
		if !ok {
			continue
		}
		if st := s.bus.State(c.Addr); st.Online && st.Item == ItemPresent {
			r.Status, r.DepositedAt = ReturnDeposited, now
			putReturn(ch, r)
			if c.Status == StatusReserved || c.Status == StatusAvailable {
				c.Status = StatusOccupied
				putComp(ch, c)
			}
			s.addEvent(ch, EvtReturnDeposited, map[string]any{
				"return_id": r.ID, "code": r.Code, "carrier": r.Carrier, "door": c.ID, "size": c.Size,
				"label_barcode": r.LabelBarcode, "recipient_id": r.RecipientID, "time": now.UTC().Format(time.RFC3339Nano),
			})
			s.addAudit(ch, "system", "return.deposited", r.ID, "recovered: item sensor sees it in "+c.ID)
			continue
		}
		if c.Status != StatusFaulty {
			if _, err := s.setStatusIn(ch, c.ID, StatusFaulty, InterruptedReturnReason, "system"); err != nil {
				return err
			}
		}
	}
	return nil
}

// returnsLoadedLocked takes the returns of the snapshot at start.
func (s *Service) returnsLoadedLocked(rs []Return) {
	s.ret.inLocker = map[string]Return{}
	s.applyReturnsLocked(rs)
}

// maxField bounds a code or label typed or scanned for a return.
const maxField = 256
