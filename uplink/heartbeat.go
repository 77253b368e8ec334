package uplink

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parcelkiosk/locker"
)

// StatusSource reports the kiosk's state (*locker.Service implements it).
type StatusSource interface {
	Status() locker.StatusReport
}

// HeartbeatOptions configures a Heartbeat.
type HeartbeatOptions struct {
	// Site and Kiosk select the subject locker.<site>.<kiosk>.status.
	Site, Kiosk string
	// Interval between heartbeats; default 30s. One is sent at start.
	Interval time.Duration
	// Backlog gives outbox_backlog; nil reports -1.
	Backlog Backlogger
	// Audit gives the audit chain's head carried in every heartbeat; nil
	// leaves it out.
	Audit AuditHeader
	// Anchor, if set, records an audit.anchor event at start and every
	// AnchorInterval (default 1h).
	Anchor         Anchorer
	AnchorInterval time.Duration
	// Clock tells the time; default locker.SystemClock{}. Uptime counts
	// from NewHeartbeat.
	Clock locker.Clock
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// HeartbeatMsg is the body of a heartbeat.
type HeartbeatMsg struct {
	Site          string              `json:"site"`
	Kiosk         string              `json:"kiosk"`
	Time          time.Time           `json:"time"`
	Version       string              `json:"version"`
	UptimeSeconds int64               `json:"uptime_s"`
	BoardOnline   bool                `json:"board_online"`
	OutboxBacklog int                 `json:"outbox_backlog"`
	FreeBySize    map[locker.Size]int `json:"free_by_size"`
	// AuditSeq and AuditHash are the head of the audit chain: an outside
	// anchor that a chain rewritten later no longer matches.
	AuditSeq  int64  `json:"audit_seq,omitempty"`
	AuditHash string `json:"audit_hash,omitempty"`
}

// AuditHeader reports the head of the audit chain (store.DB implements it).
type AuditHeader interface {
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
}

// Anchorer records an audit.anchor event (*locker.Service implements it).
type Anchorer interface {
	AnchorAudit(ctx context.Context) error
}

// Heartbeat publishes the kiosk's status periodically on core NATS.
type Heartbeat struct {
	nc      *nats.Conn
	src     StatusSource
	o       HeartbeatOptions
	subj    Subjects
	started time.Time
}

// NewHeartbeat returns a heartbeat of src on nc.
func NewHeartbeat(nc *nats.Conn, src StatusSource, o HeartbeatOptions) (*Heartbeat, error) {
	s := Subjects{Site: o.Site, Kiosk: o.Kiosk}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if o.Interval <= 0 {
		o.Interval = 30 * time.Second
	}
	if o.AnchorInterval <= 0 {
		o.AnchorInterval = time.Hour
	}
	if o.Clock == nil {
		o.Clock = locker.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Heartbeat{nc: nc, src: src, o: o, subj: s, started: o.Clock.Now()}, nil
}

// Message builds the current heartbeat.
func (h *Heartbeat) Message(ctx context.Context) HeartbeatMsg {
	st := h.src.Status()
	now := h.o.Clock.Now()
	var seq int64
	var hash string
	if h.o.Audit != nil {
		var err error
		if seq, hash, err = h.o.Audit.AuditHead(ctx); err != nil {
			h.o.Logger.Warn("uplink: audit head", "err", err)
			seq, hash = 0, ""
		}
	}
	return HeartbeatMsg{
		AuditSeq:      seq,
		AuditHash:     hash,
		Site:          h.o.Site,
		Kiosk:         h.o.Kiosk,
		Time:          now.UTC(),
		Version:       st.Version,
		UptimeSeconds: int64(now.Sub(h.started) / time.Second),
		BoardOnline:   st.BoardOnline,
		OutboxBacklog: backlog(ctx, h.o.Backlog, h.o.Logger),
		FreeBySize:    freeBySize(st),
	}
}

// Beat publishes one heartbeat. While disconnected it fails at once; the
// next beat carries the news.
func (h *Heartbeat) Beat(ctx context.Context) error {
	b, err := json.Marshal(h.Message(ctx))
	if err != nil {
		return fmt.Errorf("uplink: encode heartbeat: %w", err)
	}
	if err := h.nc.Publish(h.subj.Status(), b); err != nil {
		return fmt.Errorf("uplink: publish heartbeat: %w", err)
	}
	return nil
}

// Run sends a heartbeat at start and every Interval, and with an Anchor
// records an audit anchor at start and every AnchorInterval, until ctx
// ends; then it returns nil.
func (h *Heartbeat) Run(ctx context.Context) error {
	t := time.NewTicker(h.o.Interval)
	defer t.Stop()
	a := time.NewTicker(h.o.AnchorInterval)
	defer a.Stop()
	h.anchor(ctx)
	for beat := true; ; {
		if beat {
			if err := h.Beat(ctx); err != nil {
				h.o.Logger.Debug("uplink: heartbeat", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.C:
			h.anchor(ctx)
			beat = false
		case <-t.C:
			beat = true
		}
	}
}

func (h *Heartbeat) anchor(ctx context.Context) {
	if h.o.Anchor == nil {
		return
	}
	if err := h.o.Anchor.AnchorAudit(ctx); err != nil {
		h.o.Logger.Warn("uplink: audit anchor", "err", err)
	}
}
