package uplink

import (
	"context"

	"github.com/parcelkiosk/locker"
)

// Command names of returns (issue 15).
const (
	CmdReturnExpect = "return.expect"
	CmdReturnCancel = "return.cancel"
)

// ReturnService is the part of the domain service the returns' commands
// drive (*locker.Service implements it). A Service without it answers
// them with CodeUnknownCommand.
type ReturnService interface {
	ExpectReturn(ctx context.Context, r locker.Return) (id string, err error)
	CancelReturn(ctx context.Context, code string) error
}

// Requests of the returns' commands.
type (
	returnExpectReq struct {
		Code         string `json:"code"`
		Carrier      string `json:"carrier"`
		Size         string `json:"size"`
		RecipientID  string `json:"recipient_id"`
		LabelBarcode string `json:"label_barcode"`
	}
	returnCancelReq struct {
		Code string `json:"code"`
	}
)

// returns gives the service's ReturnService, or refuses the command.
func (c *Commands) returns(name string) (ReturnService, error) {
	rs, ok := c.svc.(ReturnService)
	if !ok {
		return nil, refuse(CodeUnknownCommand, "this kiosk does not take %s", name)
	}
	return rs, nil
}

// returnExpect handles return.expect: the pre-advice of a return a resident
// will drop off with code (or the label's barcode). The same code again is
// the same return (idempotent).
func (c *Commands) returnExpect(ctx context.Context, body []byte) (map[string]any, error) {
	rs, err := c.returns(CmdReturnExpect)
	if err != nil {
		return nil, err
	}
	var r returnExpectReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if err := need("code", r.Code, "carrier", r.Carrier); err != nil {
		return nil, err
	}
	if err := limit("recipient_id", r.RecipientID, "label_barcode", r.LabelBarcode); err != nil {
		return nil, err
	}
	ret := locker.Return{Code: r.Code, Carrier: r.Carrier, RecipientID: r.RecipientID, LabelBarcode: r.LabelBarcode}
	if r.Size != "" {
		z, err := locker.ParseSize(r.Size)
		if err != nil {
			return nil, refuse(CodeBadRequest, "bad size %q: want XS, S, M, L or XL", r.Size)
		}
		ret.Size = z
	}
	id, err := rs.ExpectReturn(ctx, ret)
	if err != nil {
		return nil, err
	}
	return map[string]any{"return_id": id}, nil
}

// returnCancel handles return.cancel: withdraws a return not dropped off yet.
func (c *Commands) returnCancel(ctx context.Context, body []byte) (map[string]any, error) {
	rs, err := c.returns(CmdReturnCancel)
	if err != nil {
		return nil, err
	}
	var r returnCancelReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if err := need("code", r.Code); err != nil {
		return nil, err
	}
	return nil, rs.CancelReturn(ctx, r.Code)
}
