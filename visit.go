package locker

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// EvtVisitFinished is published when a courier's visit ends, however it
// ends: Finish, a pickup QR code or another courier's badge at the kiosk
// while no parcel was half-way, Cancel or the idle timeout. It carries the
// receipt, so a courier who walked away without tapping Finish keeps the
// proof of delivery.
const EvtVisitFinished = "visit.finished"

// Ways a visit ends (visit.finished's "ended_by", the courier.finish audit row).
const (
	VisitEndedFinish  = "finish"  // the courier tapped Finish
	VisitEndedPickup  = "pickup"  // a recipient's pickup code took the kiosk over
	VisitEndedCourier = "courier" // another courier's badge or code took the kiosk over
	VisitEndedCancel  = "cancel"  // Cancel or the idle timeout
)

// betweenParcelsLocked reports whether a courier's visit is waiting for the
// next parcel with nothing half-way: no draft, no door reserved or open
// (a parcel refused for a full bank, StepFull, left nothing behind).
// Only then may a pickup or another courier take the kiosk over.
func (s *Service) betweenParcelsLocked() bool {
	return s.sess.flow == FlowDeposit && (s.sess.step == StepScan || s.sess.step == StepDeposited || s.sess.step == StepFull) &&
		s.sess.parcel.Status != ParcelDepositing
}

// receiptOf returns the signed receipt of the visit in sess.
func (s *Service) receiptOf(sess session) Receipt {
	rec := Receipt{
		VisitID: sess.visitID, CourierID: sess.courier.ID, Time: s.clock.Now(),
		Items: append([]ReceiptItem(nil), sess.receipts...),
	}
	rec.Text = signReceipt(s.secret, rec)
	return rec
}

// visitEndIn records in ch the end of the visit rec: the courier.finish
// audit row, which lists the parcels and their doors, and the
// visit.finished event with the receipt.
func (s *Service) visitEndIn(ch *Change, rec Receipt, how string) {
	parts := make([]string, 0, len(rec.Items))
	items := make([]map[string]any, 0, len(rec.Items))
	for _, it := range rec.Items {
		parts = append(parts, it.ParcelID+"@"+it.CompartmentID)
		items = append(items, map[string]any{
			"parcel_id": it.ParcelID, "barcode": it.Barcode, "compartment": it.CompartmentID,
			"recipient_id": it.RecipientID, "deposited_at": it.DepositedAt.UTC().Format(time.RFC3339Nano),
		})
	}
	detail := fmt.Sprintf("%d parcels, ended by %s", len(rec.Items), how)
	if len(parts) > 0 {
		detail += ": " + strings.Join(parts, " ")
	}
	s.addAudit(ch, "courier:"+rec.CourierID, "courier.finish", rec.VisitID, detail)
	s.addEvent(ch, EvtVisitFinished, map[string]any{
		"visit_id": rec.VisitID, "courier_id": rec.CourierID, "ended_by": how,
		"parcels": items, "receipt": rec.Text,
	})
}

// endCancelledVisitLocked records the end of a visit that is cancelled
// (Cancel, the idle timeout) after it delivered parcels, so its receipt
// reaches the audit and the uplink. Like Finish, a store that fails here
// does not keep the courier in.
func (s *Service) endCancelledVisitLocked(ctx context.Context) {
	if len(s.sess.receipts) == 0 {
		return
	}
	ch := &Change{}
	s.visitEndIn(ch, s.receiptOf(s.sess), VisitEndedCancel)
	if err := s.commitLocked(ctx, ch); err != nil {
		s.log.Warn("visit end not recorded", "visit", s.sess.visitID, "err", err)
	}
}

// takeOverLocked starts what start does (a pickup) after ending the
// courier's visit that waits between parcels: the visit's end is committed
// only when start succeeded, and when that commit fails the visit goes on
// as if nothing happened. Outside a visit it is start alone.
func (s *Service) takeOverLocked(ctx context.Context, how string, start func() error) error {
	if s.sess.flow != FlowDeposit {
		return start()
	}
	if !s.betweenParcelsLocked() {
		return fmt.Errorf("%w: a parcel is being delivered", ErrBadState)
	}
	prev, queued := s.sess, len(s.unlocks)
	ch := &Change{}
	s.visitEndIn(ch, s.receiptOf(prev), how)
	if err := start(); err != nil {
		return err
	}
	if err := s.commitLocked(ctx, ch); err != nil {
		s.sess, s.unlocks = prev, s.unlocks[:queued]
		return err
	}
	return nil
}

// notParcel refuses a code that is ours and never a parcel barcode:
// a pickup QR code, a courier receipt, or a courier's badge or code (isBadge,
// looked up before the lock).
func notParcel(barcode string, isBadge bool) error {
	switch {
	case strings.HasPrefix(barcode, QRPrefix):
		return fmt.Errorf("%w: a pickup code, not a parcel barcode", ErrInvalid)
	case strings.HasPrefix(barcode, ReceiptPrefix):
		return fmt.Errorf("%w: a courier receipt, not a parcel barcode", ErrInvalid)
	case isBadge:
		return fmt.Errorf("%w: a courier badge, not a parcel barcode", ErrInvalid)
	}
	return nil
}
