package uplink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultDuplicateWindow is the stream's de-duplication window. It must be
// longer than the relay's retry span (the longest time between publishing
// an event and publishing it again because its PubAck or delete was lost),
// which is bounded by RelayOptions.MaxBackoff plus the ack timeout.
const DefaultDuplicateWindow = 2 * time.Hour

// StreamOptions configures EnsureStream.
type StreamOptions struct {
	// Create creates (or updates) the stream; otherwise EnsureStream only
	// checks it exists, as a fleet kiosk is not allowed to create streams.
	Create bool
	// Replicas is the stream's replica count when created; default 1
	// (3 on a three-node cluster).
	Replicas int
	// DuplicateWindow defaults to DefaultDuplicateWindow.
	DuplicateWindow time.Duration
}

// EnsureStream creates the LOCKER_EVENTS stream (subjects locker.*.*.evt.>,
// file storage) when o.Create is set, or checks that it exists. It returns
// ErrNoStream (wrapped) when the stream is missing and may not be created.
func EnsureStream(ctx context.Context, nc *nats.Conn, o StreamOptions) (jetstream.StreamInfo, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return jetstream.StreamInfo{}, fmt.Errorf("uplink: jetstream: %w", err)
	}
	if o.Create {
		dup := o.DuplicateWindow
		if dup <= 0 {
			dup = DefaultDuplicateWindow
		}
		rep := o.Replicas
		if rep <= 0 {
			rep = 1
		}
		st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        StreamName,
			Description: "parcel locker kiosk events, one subject per kiosk and type",
			Subjects:    []string{StreamSubjects},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Duplicates:  dup,
			Replicas:    rep,
		})
		if err != nil {
			return jetstream.StreamInfo{}, fmt.Errorf("uplink: create stream %s: %w", StreamName, err)
		}
		return *st.CachedInfo(), nil
	}
	st, err := js.Stream(ctx, StreamName)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return jetstream.StreamInfo{}, ErrNoStream
	}
	if err != nil {
		return jetstream.StreamInfo{}, fmt.Errorf("uplink: check stream %s: %w", StreamName, err)
	}
	return *st.CachedInfo(), nil
}
