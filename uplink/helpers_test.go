package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// startServer starts an embedded server in a fresh store dir (or dir when
// given) and shuts it down at the end of the test.
func startServer(t testing.TB, o EmbeddedOptions) *Embedded {
	t.Helper()
	if o.StoreDir == "" {
		o.StoreDir = t.TempDir()
	}
	e, err := StartEmbedded(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	return e
}

// connect connects to url and closes the connection at the end of the test.
func connect(t testing.TB, url string, o ConnectOptions) *nats.Conn {
	t.Helper()
	nc, err := Connect(context.Background(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	// Connect returns at once even when the first attempt failed (it goes
	// on in the background); the tests want a live connection.
	lockertest.WaitFor(t, 20*time.Second, "connected to "+url, nc.IsConnected)
	return nc
}

// memOutbox is an in-memory Outbox for tests of the relay alone.
type memOutbox struct {
	mu        sync.Mutex
	evs       []locker.Event // by seq
	nextSeq   uint64
	committed chan struct{}
	site      string
	kiosk     string
	deletes   int // OutboxDelete calls
}

func newMemOutbox(site, kiosk string) *memOutbox {
	return &memOutbox{nextSeq: 1, committed: make(chan struct{}, 1), site: site, kiosk: kiosk}
}

// add commits n new events and signals Committed.
func (m *memOutbox) add(n int) []locker.Event {
	m.mu.Lock()
	var out []locker.Event
	for range n {
		seq := m.nextSeq
		m.nextSeq++
		data, _ := json.Marshal(map[string]any{"compartment": fmt.Sprintf("A%d", seq%16+1), "commanded": seq%2 == 0})
		ev := locker.Event{
			ID:    locker.NewULID(time.Now()),
			Seq:   seq,
			Type:  []string{locker.EvtDoorOpened, locker.EvtDoorClosed, locker.EvtParcelDeposited}[seq%3],
			Time:  time.Now().UTC(),
			Site:  m.site,
			Kiosk: m.kiosk,
			Data:  data,
		}
		m.evs = append(m.evs, ev)
		out = append(out, ev)
	}
	m.mu.Unlock()
	select {
	case m.committed <- struct{}{}:
	default:
	}
	return out
}

func (m *memOutbox) OutboxPending(ctx context.Context, limit int) ([]locker.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := min(limit, len(m.evs))
	return slices.Clone(m.evs[:n]), nil
}

func (m *memOutbox) OutboxDelete(ctx context.Context, ids []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deletes++
	del := make(map[string]bool, len(ids))
	for _, id := range ids {
		del[id] = true
	}
	m.evs = slices.DeleteFunc(m.evs, func(e locker.Event) bool { return del[e.ID] })
	return nil
}

func (m *memOutbox) OutboxBacklog(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.evs), nil
}

func (m *memOutbox) Committed() <-chan struct{} { return m.committed }

func (m *memOutbox) backlog() int {
	n, _ := m.OutboxBacklog(context.Background())
	return n
}

// runRelay runs r in the background; the returned stop cancels it and
// waits for Run to return.
func runRelay(t testing.TB, r *Relay) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("relay Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("relay Run did not end with its context")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// storedMsg is one message read back from the stream.
type storedMsg struct {
	Subject string
	MsgID   string
	Event   locker.Event
}

// readStream returns every message of the stream on subject filter (all
// when empty), in stream order. A cluster that has just lost a node may
// answer the JetStream API with no responders (or not at all) while it
// elects a metadata leader, as a cloud reader would see it: the whole read
// is tried again until a 30-second deadline.
func readStream(t testing.TB, nc *nats.Conn, filter string) []storedMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		out, err := readStreamOnce(ctx, nc, filter)
		if err == nil {
			return out
		}
		var bad badEnvelopeError
		if errors.As(err, &bad) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("read stream: %v (last error: %v)", ctx.Err(), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// badEnvelopeError is a stream message that is not an event envelope: a
// failure no retry mends.
type badEnvelopeError struct {
	subject string
	err     error
}

func (e badEnvelopeError) Error() string {
	return fmt.Sprintf("message on %s is not an envelope: %v", e.subject, e.err)
}

// readStreamOnce is one attempt of readStream.
func readStreamOnce(ctx context.Context, nc *nats.Conn, filter string) ([]storedMsg, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	st, err := js.Stream(ctx, StreamName)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	cfg := jetstream.OrderedConsumerConfig{}
	if filter != "" {
		cfg.FilterSubjects = []string{filter}
	}
	cons, err := st.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("consumer info: %w", err)
	}
	total := int(ci.NumPending)
	var out []storedMsg
	for len(out) < total {
		batch, err := cons.Fetch(min(total-len(out), 1000), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		for m := range batch.Messages() {
			var ev locker.Event
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				return nil, badEnvelopeError{subject: m.Subject(), err: err}
			}
			out = append(out, storedMsg{Subject: m.Subject(), MsgID: m.Headers().Get(jetstream.MsgIDHeader), Event: ev})
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w after %d of %d", ctx.Err(), len(out), total)
		}
	}
	return out, nil
}

// checkExactlyOnceInOrder asserts that got holds exactly want, in order,
// each under its subject with its id as Nats-Msg-Id.
func checkExactlyOnceInOrder(t testing.TB, got []storedMsg, want []locker.Event) {
	t.Helper()
	if len(got) != len(want) {
		seen := map[string]int{}
		for _, g := range got {
			seen[g.Event.ID]++
		}
		dups, missing := 0, 0
		for _, w := range want {
			switch seen[w.ID] {
			case 0:
				missing++
			case 1:
			default:
				dups++
			}
		}
		t.Fatalf("stream holds %d events, want %d (%d missing, %d duplicated)", len(got), len(want), missing, dups)
	}
	for i, w := range want {
		g := got[i]
		if g.Event.ID != w.ID || g.Event.Seq != w.Seq {
			t.Fatalf("stream message %d is seq %d id %s, want seq %d id %s", i, g.Event.Seq, g.Event.ID, w.Seq, w.ID)
		}
		if g.MsgID != w.ID {
			t.Errorf("message %d: Nats-Msg-Id %q, want %q", i, g.MsgID, w.ID)
		}
		wantSubj := Subjects{Site: w.Site, Kiosk: w.Kiosk}.Event(w.Type)
		if g.Subject != wantSubj {
			t.Errorf("message %d: subject %q, want %q", i, g.Subject, wantSubj)
		}
		if g.Event.Type != w.Type || g.Event.Site != w.Site || g.Event.Kiosk != w.Kiosk ||
			!g.Event.Time.Equal(w.Time) || string(g.Event.Data) != string(w.Data) {
			t.Errorf("message %d: envelope %+v, want %+v", i, g.Event, w)
		}
	}
}
