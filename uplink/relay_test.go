package uplink

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parcelkiosk/locker/internal/lockertest"

	"github.com/nats-io/nats.go/jetstream"
)

// fastRelay are relay options for tests: short backoffs and timeouts.
func fastRelay() RelayOptions {
	return RelayOptions{
		CreateStream: true,
		AckTimeout:   2 * time.Second,
		MinBackoff:   20 * time.Millisecond,
		MaxBackoff:   200 * time.Millisecond,
		Poll:         50 * time.Millisecond,
	}
}

func TestBackoff(t *testing.T) {
	const min, max = 100 * time.Millisecond, 2 * time.Second
	tests := []struct {
		attempt int
		u       float64
		want    time.Duration
	}{
		{1, 0, 50 * time.Millisecond},
		{1, 0.5, 75 * time.Millisecond},
		{2, 0, 100 * time.Millisecond},
		{3, 0, 200 * time.Millisecond},
		{5, 0, 800 * time.Millisecond},
		{6, 0, time.Second}, // 3.2s capped at 2s, half fixed
		{7, 0, time.Second},
		{50, 0.999, 2*time.Second - 1*time.Millisecond},
		{1000, 0, time.Second},
	}
	for _, tc := range tests {
		got := Backoff(tc.attempt, min, max, tc.u)
		if got < tc.want-time.Millisecond || got > tc.want+time.Millisecond {
			t.Errorf("Backoff(%d, u=%v) = %v, want %v", tc.attempt, tc.u, got, tc.want)
		}
		if got > max {
			t.Errorf("Backoff(%d) = %v over the cap %v", tc.attempt, got, max)
		}
	}
}

func TestRelayPublishesOnceInOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events int
		batch  int
	}{
		{"one at a time", 3, 0},
		{"pipelined over several batches", 700, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, EmbeddedOptions{})
			nc := connect(t, srv.URL(), ConnectOptions{})
			out := newMemOutbox("demo", "k1")
			want := out.add(tc.events)
			o := fastRelay()
			o.Batch = tc.batch
			r := NewRelay(nc, out, o)
			runRelay(t, r)
			lockertest.WaitFor(t, 20*time.Second, "outbox drained", func() bool { return out.backlog() == 0 })
			// Events committed while running are woken by Committed.
			want = append(want, out.add(5)...)
			lockertest.WaitFor(t, 20*time.Second, "outbox drained again", func() bool { return out.backlog() == 0 })
			checkExactlyOnceInOrder(t, readStream(t, nc, ""), want)
			if st := r.Stats(); st.Published != uint64(len(want)) || st.Duplicates != 0 {
				t.Errorf("stats %+v, want %d published, 0 duplicates", st, len(want))
			}
		})
	}
}

func TestRelayWakesOnCommitted(t *testing.T) {
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	out := newMemOutbox("demo", "k1")
	o := fastRelay()
	o.Poll = time.Hour // only Committed can wake it
	r := NewRelay(nc, out, o)
	runRelay(t, r)
	time.Sleep(50 * time.Millisecond) // let it drain the empty outbox and sleep
	want := out.add(2)
	lockertest.WaitFor(t, 5*time.Second, "drained after Committed", func() bool { return out.backlog() == 0 })
	checkExactlyOnceInOrder(t, readStream(t, nc, ""), want)
}

func TestRelaySurvivesServerRestart(t *testing.T) {
	dir := t.TempDir()
	srv, err := StartEmbedded(EmbeddedOptions{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	port := srv.Port()
	nc := connect(t, srv.URL(), ConnectOptions{ReconnectWait: 50 * time.Millisecond})
	out := newMemOutbox("demo", "k1")
	r := NewRelay(nc, out, fastRelay())
	runRelay(t, r)

	want := out.add(100)
	lockertest.WaitFor(t, 10*time.Second, "first events published", func() bool { return out.backlog() == 0 })

	// The server goes away; the kiosk keeps committing events.
	srv.Shutdown()
	for range 10 {
		want = append(want, out.add(30)...)
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if n := out.backlog(); n != 300 {
		t.Fatalf("backlog while the server is down = %d, want 300 (nothing may be deleted without a PubAck)", n)
	}
	if r.Stats().Failures == 0 {
		t.Errorf("relay recorded no failure while the server was down")
	}

	// Same port, same store: the stream and its earlier messages are back.
	srv2, err := StartEmbedded(EmbeddedOptions{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Shutdown()
	want = append(want, out.add(50)...)
	lockertest.WaitFor(t, 30*time.Second, "backlog drained after the restart", func() bool { return out.backlog() == 0 })
	checkExactlyOnceInOrder(t, readStream(t, nc, ""), want)
}

// failingDelete is an Outbox whose deletes fail after the first n calls, and
// which cancels the relay's context at that moment: the kiosk dies after
// JetStream acknowledged a batch but before the outbox forgot it.
type failingDelete struct {
	*memOutbox
	mu     sync.Mutex
	okLeft int
	kill   context.CancelFunc
}

func (f *failingDelete) OutboxDelete(ctx context.Context, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.okLeft > 0 {
		f.okLeft--
		return f.memOutbox.OutboxDelete(ctx, ids)
	}
	f.kill()
	return errors.New("disk unplugged")
}

func TestRelayKilledMidBatchLosesNothing(t *testing.T) {
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	out := newMemOutbox("demo", "k1")
	want := out.add(1000)

	ctx, cancel := context.WithCancel(context.Background())
	o := fastRelay()
	o.Batch = 300
	o.Window = 16 // acks come back, and groups get deleted, while later events are in flight
	dying := &failingDelete{memOutbox: out, okLeft: 1, kill: cancel}
	first := NewRelay(nc, dying, o)
	runDone := make(chan error, 1)
	go func() { runDone <- first.Run(ctx) }()
	select {
	case err := <-runDone:
		if err != nil {
			t.Fatalf("Run after kill: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the relay was never killed: %d deleted, backlog %d", first.Stats().Published, out.backlog())
	}
	deleted := int(first.Stats().Published)
	if deleted == 0 || deleted >= len(want) {
		t.Fatalf("first relay deleted %d of %d: not killed in the middle", deleted, len(want))
	}
	if got := out.backlog(); got != len(want)-deleted {
		t.Fatalf("backlog after the kill = %d, want %d (only deleted events may leave)", got, len(want)-deleted)
	}

	// The kiosk restarts: the unacknowledged batch is sent again and the
	// server drops what it already has.
	second := NewRelay(nc, out, o)
	runRelay(t, second)
	lockertest.WaitFor(t, 20*time.Second, "drained after restart", func() bool { return out.backlog() == 0 })
	checkExactlyOnceInOrder(t, readStream(t, nc, ""), want)
	// The events acknowledged but not deleted at the kill were sent again
	// (and the publishes in flight, which the server may have stored).
	if st := second.Stats(); st.Duplicates == 0 || st.Published != uint64(len(want)-deleted) {
		t.Errorf("second relay stats %+v, want %d published, some of them duplicates dropped by the server",
			st, len(want)-deleted)
	}
	t.Logf("after the kill: %d events sent again, dropped by the server as duplicates", second.Stats().Duplicates)
}

func TestRelayStartsWithoutServer(t *testing.T) {
	// Find a free port, then leave it empty: the kiosk starts offline.
	probe := startServer(t, EmbeddedOptions{})
	port := probe.Port()
	probe.Shutdown()

	dir := t.TempDir()
	nc, err := Connect(context.Background(), "nats://127.0.0.1:"+strconv.Itoa(port), ConnectOptions{ReconnectWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Connect with no server must still return a connection: %v", err)
	}
	defer nc.Close()
	out := newMemOutbox("demo", "k1")
	want := out.add(20)
	r := NewRelay(nc, out, fastRelay())
	runRelay(t, r)
	time.Sleep(200 * time.Millisecond)
	if out.backlog() != 20 {
		t.Fatalf("events vanished with no server")
	}
	srv := startServer(t, EmbeddedOptions{StoreDir: dir, Port: port})
	_ = srv
	lockertest.WaitFor(t, 20*time.Second, "drained once the server is up", func() bool { return out.backlog() == 0 })
	checkExactlyOnceInOrder(t, readStream(t, nc, ""), want)
}

func TestRelayChecksStreamWhenNotAllowedToCreate(t *testing.T) {
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	if _, err := EnsureStream(context.Background(), nc, StreamOptions{}); !errors.Is(err, ErrNoStream) {
		t.Fatalf("EnsureStream(check) on an empty server = %v, want ErrNoStream", err)
	}
	out := newMemOutbox("demo", "k1")
	want := out.add(10)
	o := fastRelay()
	o.CreateStream = false
	r := NewRelay(nc, out, o)
	runRelay(t, r)
	lockertest.WaitFor(t, 5*time.Second, "failures while the stream is missing", func() bool { return r.Stats().Failures >= 2 })
	if out.backlog() != 10 {
		t.Fatalf("backlog = %d with no stream, want 10", out.backlog())
	}
	info, err := EnsureStream(context.Background(), nc, StreamOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Duplicates != DefaultDuplicateWindow || info.Config.Subjects[0] != StreamSubjects {
		t.Errorf("stream config %+v", info.Config)
	}
	lockertest.WaitFor(t, 10*time.Second, "drained once the stream exists", func() bool { return out.backlog() == 0 })
	checkExactlyOnceInOrder(t, readStream(t, nc, ""), want)
}

func TestRelayRecreatesLostStream(t *testing.T) {
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	out := newMemOutbox("demo", "k1")
	out.add(3)
	r := NewRelay(nc, out, fastRelay())
	runRelay(t, r)
	lockertest.WaitFor(t, 10*time.Second, "first events", func() bool { return out.backlog() == 0 })
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(context.Background(), StreamName); err != nil {
		t.Fatal(err)
	}
	want := out.add(4)
	lockertest.WaitFor(t, 10*time.Second, "events after the stream was lost", func() bool { return out.backlog() == 0 })
	checkExactlyOnceInOrder(t, readStream(t, nc, ""), want)
}
