package uplink

import (
	"context"
	"strings"

	"github.com/parcelkiosk/locker"
)

// Requests of the parcel commands (DESIGN.md, "NATS").
type (
	expectReq struct {
		Barcode        string `json:"barcode"`
		Carrier        string `json:"carrier"`
		RecipientID    string `json:"recipient_id"`
		Size           string `json:"size"`
		DimsMM         []int  `json:"dims_mm"`
		Refrigerated   bool   `json:"refrigerated"`
		IdempotencyKey string `json:"idempotency_key"`
	}
	cancelReq struct {
		Barcode string `json:"barcode"`
	}
	pinReissueReq struct {
		ParcelID string `json:"parcel_id"`
		StaffID  string `json:"staff_id"`
	}
)

// parcelExpect handles parcel.expect: a pre-advised parcel.
func (c *Commands) parcelExpect(ctx context.Context, body []byte) (map[string]any, error) {
	var r expectReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if err := need("barcode", r.Barcode, "carrier", r.Carrier, "recipient_id", r.RecipientID); err != nil {
		return nil, err
	}
	if err := limit("idempotency_key", r.IdempotencyKey); err != nil {
		return nil, err
	}
	e := locker.Expected{
		Barcode: r.Barcode, Carrier: r.Carrier, RecipientID: r.RecipientID,
		Refrigerated: r.Refrigerated, IdempotencyKey: r.IdempotencyKey,
	}
	if r.Size != "" {
		z, err := locker.ParseSize(r.Size)
		if err != nil {
			return nil, refuse(CodeBadRequest, "bad size %q: want XS, S, M, L or XL", r.Size)
		}
		e.Size = z
	}
	if r.DimsMM != nil {
		if len(r.DimsMM) != 3 {
			return nil, refuse(CodeBadRequest, "dims_mm must be [l, w, h]")
		}
		for i, v := range r.DimsMM {
			if v <= 0 || v > 10000 {
				return nil, refuse(CodeBadRequest, "dims_mm must be positive millimetres up to 10000")
			}
			e.DimsMM[i] = v
		}
	}
	id, err := c.svc.ExpectParcel(ctx, e)
	if err != nil {
		return nil, err
	}
	return map[string]any{"expected_id": id}, nil
}

// parcelCancel handles parcel.cancel: withdraws a pre-advice.
func (c *Commands) parcelCancel(ctx context.Context, body []byte) (map[string]any, error) {
	var r cancelReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if err := need("barcode", r.Barcode); err != nil {
		return nil, err
	}
	return nil, c.svc.CancelExpected(ctx, r.Barcode)
}

// pinReissue handles pin.reissue: a new pickup PIN for a stored parcel.
func (c *Commands) pinReissue(ctx context.Context, body []byte) (map[string]any, error) {
	var r pinReissueReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.StaffID) == "" {
		return nil, refuse(CodeUnauthorized, "pin.reissue needs a staff_id")
	}
	if err := need("parcel_id", r.ParcelID, "staff_id", r.StaffID); err != nil {
		return nil, err
	}
	return nil, c.svc.ReissuePIN(ctx, r.ParcelID, r.StaffID)
}
