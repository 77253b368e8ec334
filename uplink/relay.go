package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parcelkiosk/locker"
)

// Outbox is the part of the store the relay consumes: the transactional
// outbox of committed events (store.DB implements it).
type Outbox interface {
	// OutboxPending returns up to limit committed events, oldest seq first.
	OutboxPending(ctx context.Context, limit int) ([]locker.Event, error)
	// OutboxDelete removes events by id; the relay calls it only after
	// their PubAck.
	OutboxDelete(ctx context.Context, ids []string) error
	// OutboxBacklog counts the events not yet published.
	OutboxBacklog(ctx context.Context) (int, error)
	// Committed receives (coalesced, non-blocking) after each commit that
	// added events.
	Committed() <-chan struct{}
}

// RelayOptions configures a Relay. Zero values take the documented
// defaults.
type RelayOptions struct {
	// Batch is how many events are read from the outbox at once; default 512.
	Batch int
	// Window is the most publishes awaiting their PubAck when pipelining;
	// default 256.
	Window int
	// PipelineAt is the batch length from which publishes are pipelined
	// (asynchronous, up to Window in flight); shorter batches are published
	// one at a time. Default 4.
	PipelineAt int
	// AckTimeout bounds the wait for one PubAck; default 5s.
	AckTimeout time.Duration
	// MinBackoff and MaxBackoff bound the capped exponential backoff after
	// a failure; defaults 250ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// Poll is how often the outbox is checked without a Committed signal;
	// default 10s.
	Poll time.Duration
	// CreateStream creates the LOCKER_EVENTS stream (demo, tests); without
	// it the relay only checks that the stream exists.
	CreateStream bool
	// Replicas is the stream's replica count when created; default 1.
	Replicas int
	// DuplicateWindow is the stream's de-duplication window when created;
	// default DefaultDuplicateWindow.
	DuplicateWindow time.Duration
	// Jitter returns a number in [0, 1); default math/rand/v2.Float64.
	Jitter func() float64
	// Logger defaults to discarding.
	Logger *slog.Logger
}

func (o *RelayOptions) defaults() {
	if o.Batch <= 0 {
		o.Batch = 512
	}
	if o.Window <= 0 {
		o.Window = 256
	}
	if o.PipelineAt <= 0 {
		o.PipelineAt = 4
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 5 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// RelayStats counts what a relay did since it was made.
type RelayStats struct {
	Published  uint64 // events acknowledged by JetStream and deleted
	Duplicates uint64 // of those, acknowledged as duplicates (sent before)
	Failures   uint64 // failed drain attempts (each followed by a backoff)
}

// Relay publishes the outbox to JetStream, in seq order, and deletes each
// event only after its PubAck.
type Relay struct {
	nc  *nats.Conn
	out Outbox
	o   RelayOptions

	streamReady bool
	// cwnd is the current in-flight limit: 1 after a failure, doubling
	// with each PubAck up to Window (a slow start), so that after an
	// outage a lone publish probes the server before a window's worth
	// is in flight, and a failure in the middle of a full window, which
	// could store later events before the failed one, is less likely.
	cwnd       int
	published  atomic.Uint64
	duplicates atomic.Uint64
	failures   atomic.Uint64
}

// NewRelay returns a relay from outbox to the JetStream behind nc.
func NewRelay(nc *nats.Conn, outbox Outbox, o RelayOptions) *Relay {
	o.defaults()
	return &Relay{nc: nc, out: outbox, o: o, cwnd: o.Window}
}

// Stats returns the relay's counters.
func (r *Relay) Stats() RelayStats {
	return RelayStats{
		Published:  r.published.Load(),
		Duplicates: r.duplicates.Load(),
		Failures:   r.failures.Load(),
	}
}

// Run relays until ctx ends, then returns nil. It drains the outbox when
// started, after each Committed signal and every Poll; after a failure it
// waits a capped exponential backoff with jitter and tries again, forever.
func (r *Relay) Run(ctx context.Context) error {
	poll := time.NewTicker(r.o.Poll)
	defer poll.Stop()
	attempt := 0
	for {
		err := r.drain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			attempt++
			r.failures.Add(1)
			// The stream may be gone (a server that lost its store): check
			// or create it again before the next attempt.
			r.streamReady = false
			r.cwnd = 1
			d := Backoff(attempt, r.o.MinBackoff, r.o.MaxBackoff, r.o.Jitter())
			r.o.Logger.Warn("uplink: relay failed, backing off", "err", err, "attempt", attempt, "wait", d)
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
			continue
		}
		attempt = 0
		select {
		case <-ctx.Done():
			return nil
		case <-r.out.Committed():
		case <-poll.C:
		}
	}
}

// Backoff returns the pause before retry number attempt (1-based): min
// doubled attempt-1 times, capped at max, with "equal jitter": half of it
// fixed and half scaled by u in [0, 1).
func Backoff(attempt int, min, max time.Duration, u float64) time.Duration {
	d := min
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	if u < 0 {
		u = 0
	}
	if u >= 1 {
		u = 0.999999
	}
	half := d / 2
	return half + time.Duration(float64(d-half)*u)
}

// drain publishes every pending event until the outbox is empty or
// something fails. Publishes are pipelined (up to Window awaiting their
// PubAck) across outbox reads, and acknowledged events are deleted in
// groups of Batch while later ones are still in flight; only acknowledged
// events are ever deleted. At the first failure it stops sending, collects
// the acks of what was already sent, deletes those and returns the error.
func (r *Relay) drain(ctx context.Context) error {
	if !r.streamReady {
		sctx, cancel := context.WithTimeout(ctx, r.o.AckTimeout)
		info, err := EnsureStream(sctx, r.nc, StreamOptions{
			Create: r.o.CreateStream, Replicas: r.o.Replicas, DuplicateWindow: r.o.DuplicateWindow,
		})
		cancel()
		if err != nil {
			return err
		}
		if span := r.o.MaxBackoff + r.o.AckTimeout; info.Config.Duplicates < span {
			r.o.Logger.Warn("uplink: the stream's duplicates window is shorter than the relay's retry span: a resent event may be stored twice",
				"stream", StreamName, "duplicates", info.Config.Duplicates, "retry_span", span)
		}
		r.streamReady = true
	}
	js, err := jetstream.New(r.nc,
		jetstream.WithPublishAsyncMaxPending(r.o.Window+1),
		jetstream.WithPublishAsyncTimeout(r.o.AckTimeout))
	if err != nil {
		return fmt.Errorf("uplink: jetstream: %w", err)
	}
	defer js.CleanupPublisher()

	var (
		queue    []inflight     // sent, awaiting the PubAck, in seq order
		acked    []string       // acknowledged, not yet deleted
		buf      []locker.Event // read, not yet sent
		lastSent uint64         // seq of the last event sent in this drain
		sent     bool
		firstErr error
	)
	wait := func(p inflight) {
		select {
		case a := <-p.ack.Ok():
			acked = append(acked, p.id)
			r.cwnd = min(2*r.cwnd, r.o.Window)
			if a.Duplicate {
				r.duplicates.Add(1)
			}
		case err := <-p.ack.Err():
			if firstErr == nil {
				firstErr = fmt.Errorf("uplink: publish %s: %w", p.id, err)
			}
		case <-ctx.Done():
			if firstErr == nil {
				firstErr = ctx.Err()
			}
		}
	}
	flush := func() error {
		if len(acked) == 0 {
			return nil
		}
		if err := r.out.OutboxDelete(ctx, acked); err != nil {
			return fmt.Errorf("uplink: delete %d published events: %w", len(acked), err)
		}
		r.published.Add(uint64(len(acked)))
		acked = acked[:0]
		return nil
	}
	for firstErr == nil {
		if len(buf) == 0 {
			// Delete what is acknowledged first, so that less has to be
			// read again: the oldest pending events are the ones still in
			// flight, and the read skips past them.
			if err := flush(); err != nil {
				firstErr = err
				break
			}
			evs, err := r.out.OutboxPending(ctx, len(queue)+len(acked)+r.o.Batch)
			if err != nil {
				firstErr = fmt.Errorf("uplink: read outbox: %w", err)
				break
			}
			i := 0
			for sent && i < len(evs) && evs[i].Seq <= lastSent {
				i++
			}
			buf = evs[i:]
			if len(buf) == 0 {
				break
			}
		}
		window := r.cwnd
		if len(queue)+len(buf) < r.o.PipelineAt {
			window = 1
		}
		if len(queue) >= window {
			wait(queue[0])
			queue = queue[1:]
			if len(acked) >= r.o.Batch {
				if err := flush(); err != nil && firstErr == nil {
					firstErr = err
				}
			}
			continue
		}
		ev := buf[0]
		buf = buf[1:]
		msg, err := eventMsg(ev)
		if err != nil {
			firstErr = err
			break
		}
		f, err := js.PublishMsgAsync(msg, jetstream.WithRetryAttempts(0), jetstream.WithExpectStream(StreamName))
		if err != nil {
			firstErr = fmt.Errorf("uplink: publish %s: %w", ev.ID, err)
			break
		}
		queue = append(queue, inflight{id: ev.ID, ack: f})
		lastSent, sent = ev.Seq, true
	}
	for _, p := range queue {
		if ctx.Err() != nil {
			break
		}
		wait(p)
	}
	if err := flush(); err != nil {
		return errors.Join(firstErr, err)
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// inflight is one publish awaiting its PubAck.
type inflight struct {
	id  string
	ack jetstream.PubAckFuture
}

// eventMsg builds the JetStream message of ev: subject
// locker.<site>.<kiosk>.evt.<type>, header Nats-Msg-Id = ev.ID, body the
// JSON envelope.
func eventMsg(ev locker.Event) (*nats.Msg, error) {
	s := Subjects{Site: ev.Site, Kiosk: ev.Kiosk}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("uplink: event %s: %w", ev.ID, err)
	}
	if ev.ID == "" || ev.Type == "" {
		return nil, fmt.Errorf("uplink: event seq %d has no id or type", ev.Seq)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("uplink: encode event %s: %w", ev.ID, err)
	}
	msg := nats.NewMsg(s.Event(ev.Type))
	msg.Data = body
	msg.Header.Set(jetstream.MsgIDHeader, ev.ID)
	return msg, nil
}
