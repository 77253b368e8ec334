package uplink

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/parcelkiosk/locker"
)

// Requests of the compartment and status commands (DESIGN.md, "NATS").
type (
	doorOpenReq struct {
		Compartment string `json:"compartment"`
		StaffID     string `json:"staff_id"`
		Reason      string `json:"reason"`
	}
	compartmentSetReq struct {
		Compartment string `json:"compartment"`
		Status      string `json:"status"`
		StaffID     string `json:"staff_id"`
		Reason      string `json:"reason"`
	}
	statusReq struct{}
)

// doorOpen handles door.open: opens a compartment for a staff member. A
// door that did not open in time is a reply with "opened": false, not a
// refusal.
func (c *Commands) doorOpen(ctx context.Context, body []byte) (map[string]any, error) {
	var r doorOpenReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.StaffID) == "" {
		return nil, refuse(CodeUnauthorized, "door.open needs a staff_id")
	}
	if err := need("compartment", r.Compartment, "staff_id", r.StaffID, "reason", r.Reason); err != nil {
		return nil, err
	}
	opened, err := c.svc.RemoteOpenDoor(ctx, r.Compartment, r.StaffID, r.Reason)
	if err != nil && !errors.Is(err, locker.ErrDoorNotOpened) && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	return map[string]any{"opened": opened && err == nil}, nil
}

// compartmentSet handles compartment.set: takes a compartment out of
// service or puts it back.
func (c *Commands) compartmentSet(ctx context.Context, body []byte) (map[string]any, error) {
	var r compartmentSetReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.StaffID) == "" {
		return nil, refuse(CodeUnauthorized, "compartment.set needs a staff_id")
	}
	if err := need("compartment", r.Compartment, "status", r.Status, "staff_id", r.StaffID, "reason", r.Reason); err != nil {
		return nil, err
	}
	st := locker.CompartmentStatus(r.Status)
	if st != locker.StatusAvailable && st != locker.StatusOutOfService {
		return nil, refuse(CodeBadRequest, "status must be %q or %q", locker.StatusAvailable, locker.StatusOutOfService)
	}
	return nil, c.svc.RemoteSetCompartment(ctx, r.Compartment, st, r.StaffID, r.Reason)
}

// status handles status: the kiosk's version, board, backlog and
// compartments.
func (c *Commands) status(ctx context.Context, body []byte) (map[string]any, error) {
	var r statusReq
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	st := c.svc.Status()
	comps := st.Compartments
	if comps == nil {
		comps = []locker.CompartmentReport{}
	}
	return map[string]any{
		"version":        st.Version,
		"board_online":   st.BoardOnline,
		"outbox_backlog": backlog(ctx, c.o.Backlog, c.o.Logger),
		"compartments":   comps,
		"free_by_size":   freeBySize(st),
	}, nil
}

// backlog asks b for the outbox backlog; -1 when unknown.
func backlog(ctx context.Context, b Backlogger, log *slog.Logger) int {
	if b == nil {
		return -1
	}
	n, err := b.OutboxBacklog(ctx)
	if err != nil {
		log.Warn("uplink: outbox backlog", "err", err)
		return -1
	}
	return n
}

// freeBySize returns the free compartments by size: st.FreeBySize when
// the service filled it, else the available compartments counted.
func freeBySize(st locker.StatusReport) map[locker.Size]int {
	if st.FreeBySize != nil {
		return st.FreeBySize
	}
	m := map[locker.Size]int{}
	for _, c := range st.Compartments {
		if c.Status == locker.StatusAvailable {
			m[c.Size]++
		}
	}
	return m
}
