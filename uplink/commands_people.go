package uplink

import (
	"context"

	"github.com/parcelkiosk/locker"
)

// Requests of the directory, courier and staff commands (DESIGN.md, "NATS").
type (
	recipientReq struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Unit       string `json:"unit"`
		Accessible bool   `json:"accessible"`
	}
	directoryUpsertReq struct {
		Recipients []recipientReq `json:"recipients"`
	}
	directoryDeleteReq struct {
		IDs []string `json:"ids"`
	}
	courierReq struct {
		ID      string `json:"id"`
		Carrier string `json:"carrier"`
		Name    string `json:"name"`
		Code    string `json:"code"`
	}
	staffReq struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		PIN        string `json:"pin"`         // stored hashed
		TOTPSecret string `json:"totp_secret"` // base32 (RFC 6238), enrolled in the staff member's authenticator
	}
	deleteReq struct {
		ID string `json:"id"`
	}
)

// maxItems bounds the lists of directory commands.
const maxItems = 1000

// directoryUpsert handles directory.upsert: adds or updates recipients.
func (c *Commands) directoryUpsert(ctx context.Context, body []byte) (map[string]any, error) {
	var r directoryUpsertReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if len(r.Recipients) == 0 {
		return nil, refuse(CodeBadRequest, "missing field \"recipients\"")
	}
	if len(r.Recipients) > maxItems {
		return nil, refuse(CodeBadRequest, "more than %d recipients in one command", maxItems)
	}
	rs := make([]locker.Recipient, len(r.Recipients))
	for i, x := range r.Recipients {
		if err := need("id", x.ID, "name", x.Name); err != nil {
			return nil, refuse(CodeBadRequest, "recipient %d: %s", i, err.(*cmdError).msg)
		}
		if err := limit("unit", x.Unit); err != nil {
			return nil, err
		}
		rs[i] = locker.Recipient{ID: x.ID, Name: x.Name, Unit: x.Unit, Accessible: x.Accessible}
	}
	n, err := c.svc.UpsertRecipients(ctx, rs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"count": n}, nil
}

// directoryDelete handles directory.delete: removes recipients by id.
func (c *Commands) directoryDelete(ctx context.Context, body []byte) (map[string]any, error) {
	var r directoryDeleteReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if len(r.IDs) == 0 {
		return nil, refuse(CodeBadRequest, "missing field \"ids\"")
	}
	if len(r.IDs) > maxItems {
		return nil, refuse(CodeBadRequest, "more than %d ids in one command", maxItems)
	}
	for _, id := range r.IDs {
		if err := need("ids[]", id); err != nil {
			return nil, err
		}
	}
	n, err := c.svc.DeleteRecipients(ctx, r.IDs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"count": n}, nil
}

// courierUpsert handles courier.upsert: adds or updates a courier and
// their code.
func (c *Commands) courierUpsert(ctx context.Context, body []byte) (map[string]any, error) {
	var r courierReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if err := need("id", r.ID, "carrier", r.Carrier, "name", r.Name, "code", r.Code); err != nil {
		return nil, err
	}
	return nil, c.svc.UpsertCourier(ctx, locker.Courier{ID: r.ID, Carrier: r.Carrier, Name: r.Name}, r.Code)
}

// courierDelete handles courier.delete.
func (c *Commands) courierDelete(ctx context.Context, body []byte) (map[string]any, error) {
	id, err := decodeDelete(body)
	if err != nil {
		return nil, err
	}
	return nil, c.svc.DeleteCourier(ctx, id)
}

// staffUpsert handles staff.upsert: adds or updates a staff member, their
// PIN and TOTP secret.
func (c *Commands) staffUpsert(ctx context.Context, body []byte) (map[string]any, error) {
	var r staffReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if err := need("id", r.ID, "name", r.Name, "pin", r.PIN, "totp_secret", r.TOTPSecret); err != nil {
		return nil, err
	}
	return nil, c.svc.UpsertStaff(ctx, locker.Staff{ID: r.ID, Name: r.Name, TOTPSecret: r.TOTPSecret}, r.PIN)
}

// staffDelete handles staff.delete.
func (c *Commands) staffDelete(ctx context.Context, body []byte) (map[string]any, error) {
	id, err := decodeDelete(body)
	if err != nil {
		return nil, err
	}
	return nil, c.svc.DeleteStaff(ctx, id)
}

// decodeDelete decodes the request of courier.delete and staff.delete and
// returns its id.
func decodeDelete(body []byte) (string, error) {
	var r deleteReq
	if err := decode(body, &r); err != nil {
		return "", err
	}
	if err := need("id", r.ID); err != nil {
		return "", err
	}
	return r.ID, nil
}
