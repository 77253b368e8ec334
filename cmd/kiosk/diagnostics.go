package main

import (
	"context"

	"github.com/parcelkiosk/locker/ui"
)

// diagnostics reports the parts around the domain to the maintenance screen.
type diagnostics struct{ k *kiosk }

// Diagnostics implements ui.Diagnostics.
func (d diagnostics) Diagnostics(ctx context.Context) (ui.DiagReport, error) {
	k := d.k
	r := ui.DiagReport{Version: version, UplinkConnected: k.nc != nil && k.nc.IsConnected()}
	for _, b := range k.cfg.Boards() {
		ok, last := k.bus.Online(b)
		r.Boards = append(r.Boards, ui.BoardStatus{Board: b, Online: ok, LastPoll: last})
	}
	var err error
	if r.Backlog, err = k.db.OutboxBacklog(ctx); err != nil {
		return r, err
	}
	if r.DBSizeBytes, err = k.db.Size(); err != nil {
		return r, err
	}
	return r, nil
}
