package locker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrExtendLimit is returned by ExtendParcel when the extension asked for
// would take the parcel's total extension over Options.MaxExtension.
var ErrExtendLimit = errors.New("locker: extension over the site's limit")

// remindLocked sends the parcel.expiring reminder of each deposited parcel
// whose expiry is within Options.ExpiringLead, once per parcel: the time
// it was sent is stored with the parcel in the same Apply, so a restart
// sends no second one. A paused parcel (its door faulty) is not reminded
// while its clock stands still; a parcel already past its expiry gets
// parcel.expired instead.
func (s *Service) remindLocked(ctx context.Context, now time.Time) bool {
	lead := s.o.ExpiringLead
	if lead <= 0 || lead >= s.o.Expiry {
		return false
	}
	due := s.activeWhere(nil, func(p Parcel) bool {
		return p.Status == ParcelDeposited && p.PausedSince.IsZero() && p.ExpiringSentAt.IsZero() &&
			!now.Before(p.ExpiresAt.Add(-lead)) && now.Before(p.ExpiresAt)
	})
	if len(due) == 0 {
		return false
	}
	ch := &Change{}
	for _, p := range due {
		p.ExpiringSentAt = now
		putParcel(ch, p)
		s.addEvent(ch, EvtParcelExpiring, map[string]any{
			"parcel_id": p.ID, "barcode": p.Barcode, "compartment": p.CompartmentID,
			"recipient_id": p.RecipientID, "expires_at": p.ExpiresAt.UTC().Format(time.RFC3339Nano),
			"left_s": int64(p.ExpiresAt.Sub(now).Round(time.Second) / time.Second),
		})
	}
	if err := s.commitLocked(ctx, ch); err != nil {
		s.log.Warn("expiry reminders not stored; will retry", "err", err)
		return false
	}
	return true
}

// ExtendParcel moves the expiry of parcel parcelID later by by, on the
// command of staff member staffID (on record, like every remote command
// that acts on a parcel). The parcel's PIN and QR code keep working: the
// credential does not change. The total extension of one parcel is capped
// by Options.MaxExtension (ErrExtendLimit beyond it). An expired parcel
// still in its door becomes collectable again when its new expiry is
// ahead. A parcel.extended event tells the operator the new expiry.
func (s *Service) ExtendParcel(ctx context.Context, parcelID, staffID string, by time.Duration) (Parcel, error) {
	if err := s.checkRemoteStaff(ctx, staffID); err != nil {
		return Parcel{}, err
	}
	if by <= 0 {
		return Parcel{}, fmt.Errorf("%w: the extension must be positive", ErrInvalid)
	}
	var out Parcel
	err := s.runRemote(ctx, func() error {
		p, ok := s.parcels[strings.TrimSpace(parcelID)]
		if !ok || p.Status == ParcelDepositing {
			return fmt.Errorf("%w: no parcel %q in the locker", ErrNotFound, parcelID)
		}
		capped := max(s.o.MaxExtension, 0)
		if p.ExtendedBy+by > capped {
			return fmt.Errorf("%w: parcel %s has been extended by %v; %v more would pass the limit of %v (%v left)",
				ErrExtendLimit, p.ID, p.ExtendedBy, by, capped, max(capped-p.ExtendedBy, 0))
		}
		now := s.clock.Now()
		prev, wasExpired := p.ExpiresAt, p.Status == ParcelExpired
		p.ExpiresAt = p.ExpiresAt.Add(by)
		p.ExtendedBy += by
		if wasExpired {
			if !now.Before(p.ExpiresAt) {
				return fmt.Errorf("%w: parcel %s expired at %s; %v later is still past", ErrInvalid, p.ID,
					prev.UTC().Format(time.RFC3339), by)
			}
			p.Status = ParcelDeposited
		}
		ch := &Change{}
		putParcel(ch, p)
		s.addEvent(ch, EvtParcelExtended, map[string]any{
			"parcel_id": p.ID, "barcode": p.Barcode, "compartment": p.CompartmentID,
			"recipient_id": p.RecipientID, "staff_id": staffID,
			"by_s":                int64(by / time.Second),
			"extended_by_s":       int64(p.ExtendedBy / time.Second),
			"previous_expires_at": prev.UTC().Format(time.RFC3339Nano),
			"expires_at":          p.ExpiresAt.UTC().Format(time.RFC3339Nano),
			"was_expired":         wasExpired,
		})
		s.addAudit(ch, remoteActor(staffID), "parcel.extend", p.ID,
			fmt.Sprintf("by %v to %s (total %v)", by, p.ExpiresAt.UTC().Format(time.RFC3339), p.ExtendedBy))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		out = p
		out.PINHash = ""
		return nil
	})
	return out, err
}
