package config

import "time"

// Returns holds the [returns] settings: parcels residents drop off for a
// carrier to collect.
type Returns struct {
	// Overdue: a return not collected this long after its drop-off raises
	// return.overdue (once); default 72h.
	Overdue time.Duration `toml:"overdue"`
	// DeliveryShare is the share of each size's doors held for deliveries:
	// a return never takes a door when that would leave fewer free doors
	// of the size than this share of them; 0 to 1, default 0.25.
	DeliveryShare float64 `toml:"delivery_share"`
}

// Defaults of [returns].
const (
	DefaultReturnsOverdue       = 72 * time.Hour
	DefaultReturnsDeliveryShare = 0.25
)

// ReturnHold is DeliveryShare as locker.Options.ReturnHold wants it (a
// negative number for none, since 0 there means the default).
func (r Returns) ReturnHold() float64 {
	if r.DeliveryShare == 0 {
		return -1
	}
	return r.DeliveryShare
}

// returns checks [returns].
func (v *validator) returns() {
	r := v.cfg.Returns
	if typ := v.md.Type("returns", "overdue"); typ == "Integer" || typ == "Float" {
		v.errorf("returns.overdue", "returns", "returns.overdue: write durations as a string such as \"72h\"")
	} else if r.Overdue < time.Minute {
		v.errorf("returns.overdue", "returns", "returns.overdue = %q is too short (at least 1m0s)", r.Overdue)
	}
	if r.DeliveryShare < 0 || r.DeliveryShare > 1 {
		v.errorf("returns.delivery_share", "returns", "returns.delivery_share %v: want 0 to 1 (a share such as 0.25)", r.DeliveryShare)
	}
}
