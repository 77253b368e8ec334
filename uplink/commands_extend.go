package uplink

import (
	"context"
	"strings"
	"time"
)

// extendReq is the request of parcel.extend.
type extendReq struct {
	ParcelID string `json:"parcel_id"`
	StaffID  string `json:"staff_id"`
	Hours    int    `json:"hours"`
}

// maxExtendHours bounds one request's hours before the service's own cap
// (max_extension) is applied: a year.
const maxExtendHours = 24 * 366

// parcelExtend handles parcel.extend: the parcel's expiry moves hours
// later (its PIN and QR code keep working), up to the site's cap on the
// total extension of one parcel (CodeLimit beyond it). Like every command
// that acts on a parcel it acts for a staff member on record.
func (c *Commands) parcelExtend(ctx context.Context, body []byte) (map[string]any, error) {
	var r extendReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.StaffID) == "" {
		return nil, refuse(CodeUnauthorized, "parcel.extend needs a staff_id")
	}
	if err := need("parcel_id", r.ParcelID, "staff_id", r.StaffID); err != nil {
		return nil, err
	}
	if r.Hours <= 0 || r.Hours > maxExtendHours {
		return nil, refuse(CodeBadRequest, "hours must be a whole number from 1 to %d", maxExtendHours)
	}
	p, err := c.svc.ExtendParcel(ctx, r.ParcelID, r.StaffID, time.Duration(r.Hours)*time.Hour)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"parcel_id":      p.ID,
		"expires_at":     p.ExpiresAt.UTC().Format(time.RFC3339),
		"extended_hours": int(p.ExtendedBy / time.Hour),
	}, nil
}
