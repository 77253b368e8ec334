package uplink

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
)

// TestFleetLoad runs 200 simulated kiosks, each with its own connection,
// credentials (per-kiosk permissions) and a backlog of 50 events, against
// one loopback server, and reports the throughput and the time until every
// backlog is empty.
func TestFleetLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("fleet load test skipped with -short")
	}
	const kiosks, backlog = 200, 50
	users := []EmbeddedUser{{Name: "operator", Password: "op"}}
	for i := range kiosks {
		users = append(users, EmbeddedUser{Name: fmt.Sprintf("k%03d", i), Password: "pw", Site: "load", Kiosk: fmt.Sprintf("k%03d", i)})
	}
	srv := startServer(t, EmbeddedOptions{Users: users})
	op := connect(t, srv.URL(), ConnectOptions{User: "operator", Password: "op"})
	if _, err := EnsureStream(context.Background(), op, StreamOptions{Create: true}); err != nil {
		t.Fatal(err)
	}
	outs := make([]*memOutbox, kiosks)
	conns := make([]*nats.Conn, kiosks)
	for i := range kiosks {
		id := fmt.Sprintf("k%03d", i)
		outs[i] = newMemOutbox("load", id)
		outs[i].add(backlog)
		conns[i] = connect(t, srv.URL(), ConnectOptions{User: id, Password: "pw", InboxPrefix: Subjects{Site: "load", Kiosk: id}.Inbox()})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(kiosks)
	drained := make(chan struct{})
	start := time.Now()
	relays := make([]*Relay, kiosks)
	for i := range kiosks {
		o := fastRelay()
		o.CreateStream = false
		relays[i] = NewRelay(conns[i], outs[i], o)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = relays[i].Run(ctx)
		}()
		go func() {
			for outs[i].backlog() > 0 {
				time.Sleep(2 * time.Millisecond)
			}
			if left.Add(-1) == 0 {
				close(drained)
			}
		}()
	}
	select {
	case <-drained:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%d kiosks still have a backlog after 2 minutes", left.Load())
	}
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	total := kiosks * backlog
	t.Logf("fleet load: %d kiosks x %d events = %d events drained in %v: %.0f events/s", kiosks, backlog, total, elapsed, float64(total)/elapsed.Seconds())

	// Every event is in the stream exactly once, each kiosk's in seq order.
	got := readStream(t, op, "locker.load.*.evt.>")
	if len(got) != total {
		t.Fatalf("stream holds %d events, want %d", len(got), total)
	}
	last := map[string]uint64{}
	for _, m := range got {
		if m.Event.Seq != last[m.Event.Kiosk]+1 {
			t.Fatalf("kiosk %s: seq %d after %d", m.Event.Kiosk, m.Event.Seq, last[m.Event.Kiosk])
		}
		last[m.Event.Kiosk] = m.Event.Seq
	}
	var failures uint64
	for _, r := range relays {
		failures += r.Stats().Failures
	}
	if len(last) != kiosks {
		t.Errorf("events of %d kiosks, want %d", len(last), kiosks)
	}
	t.Logf("relay failures during the load: %d", failures)
}

// memSampler records the peak heap in use while it runs.
type memSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
	base uint64
}

func startMemSampler() *memSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := &memSampler{stop: make(chan struct{}), done: make(chan struct{}), base: ms.HeapAlloc, peak: ms.HeapAlloc}
	go func() {
		defer close(s.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			s.peak = max(s.peak, ms.HeapAlloc)
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak heap above the starting heap.
func (s *memSampler) Stop() uint64 {
	close(s.stop)
	<-s.done
	if s.peak < s.base {
		return 0
	}
	return s.peak - s.base
}

// BenchmarkDrain10k drains a 10,000-event backlog through the relay, from
// an in-memory outbox and from the real SQLite store, and in the same run
// publishes the same 10,000 messages with a raw JetStream async loop to the
// same server: relay/raw is the share of the raw throughput the relay gets.
func BenchmarkDrain10k(b *testing.B) {
	const n = 10000
	for _, src := range []string{"mem", "sqlite"} {
		b.Run(src, func(b *testing.B) {
			srv := startServer(b, EmbeddedOptions{})
			nc := connect(b, srv.URL(), ConnectOptions{})
			if _, err := EnsureStream(context.Background(), nc, StreamOptions{Create: true}); err != nil {
				b.Fatal(err)
			}
			var db *store.DB
			if src == "sqlite" {
				var err error
				db, err = store.Open(context.Background(), b.TempDir()+"/bench.db", store.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
			}
			// fill commits a fresh 10,000-event backlog and returns it.
			round := 0
			fill := func() (Outbox, []locker.Event) {
				round++
				mem := newMemOutbox("bench", fmt.Sprintf("b%d", round))
				evs := mem.add(n)
				if db == nil {
					return mem, evs
				}
				// One kiosk per store, seq set by the store, gap-free.
				for j := range evs {
					evs[j].Seq, evs[j].Kiosk = 0, "sql"
				}
				if err := db.Apply(context.Background(), &locker.Change{Events: evs}); err != nil {
					b.Fatal(err)
				}
				return db, evs
			}
			drain := func(out Outbox) time.Duration {
				r := NewRelay(nc, out, RelayOptions{})
				r.streamReady = true
				t0 := time.Now()
				if err := r.drain(context.Background()); err != nil {
					b.Fatal(err)
				}
				d := time.Since(t0)
				if got := r.Stats().Published; got != n {
					b.Fatalf("relay published %d, want %d", got, n)
				}
				return d
			}

			var relayDur, rawDur time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				out, evs := fill()
				b.StartTimer()
				relayDur += drain(out)
				b.StopTimer()

				// Raw loop: the same messages, async, 256 in flight.
				msgs := make([]*nats.Msg, n)
				for j, ev := range evs {
					ev.ID = ev.ID + "-raw"
					m, err := eventMsg(ev)
					if err != nil {
						b.Fatal(err)
					}
					msgs[j] = m
				}
				js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				for _, m := range msgs {
					if _, err := js.PublishMsgAsync(m, jetstream.WithStallWait(time.Minute)); err != nil {
						b.Fatal(err)
					}
				}
				select {
				case <-js.PublishAsyncComplete():
				case <-time.After(time.Minute):
					b.Fatal("raw publishes not acknowledged")
				}
				rawDur += time.Since(t0)
				b.StopTimer()
				js.CleanupPublisher()
			}
			// Memory, measured on one more drain outside the timings
			// (ReadMemStats stops the world).
			out, _ := fill()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ms := startMemSampler()
			drain(out)
			peak := ms.Stop()
			runtime.ReadMemStats(&after)
			relayRate := float64(n*b.N) / relayDur.Seconds()
			rawRate := float64(n*b.N) / rawDur.Seconds()
			b.ReportMetric(relayRate, "relay-events/s")
			b.ReportMetric(rawRate, "raw-events/s")
			b.ReportMetric(relayRate/rawRate, "relay/raw")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "alloc-B/event")
		})
	}
}
