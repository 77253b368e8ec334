package uplink

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker/internal/lockertest"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startConfigServer starts a server from a packaged config file, moved to
// a random loopback port and a temporary store.
func startConfigServer(t *testing.T, path string) string {
	t.Helper()
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.StoreDir = t.TempDir()
	opts.NoLog, opts.NoSigs = true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server from config not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv.ClientURL()
}

func TestFleetPermissions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) string
	}{
		{"embedded users with KioskPermissions", func(t *testing.T) string {
			return startServer(t, EmbeddedOptions{Users: []EmbeddedUser{
				{Name: "operator", Password: "operator-secret"},
				{Name: "demo-k1", Password: "k1-secret", Site: "demo", Kiosk: "k1"},
				{Name: "demo-k2", Password: "k2-secret", Site: "demo", Kiosk: "k2"},
			}}).URL()
		}},
		{"packaging/nats/fleet.conf", func(t *testing.T) string {
			return startConfigServer(t, filepath.Join("..", "packaging", "nats", "fleet.conf"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.start(t)
			checkFleetPermissions(t, url, fleetLogins{
				op:       ConnectOptions{User: "operator", Password: "operator-secret"},
				k1:       ConnectOptions{User: "demo-k1", Password: "k1-secret"},
				k1Native: nats.UserInfo("demo-k1", "k1-secret"),
			})
		})
	}
}

// fleetLogins are how the operator and kiosk demo/k1 log in to a fleet
// server.
type fleetLogins struct {
	op, k1   ConnectOptions
	k1Native nats.Option // k1's login for a plain nats.Connect
}

// checkFleetPermissions shows what kiosk demo/k1 may and may not do on a
// fleet server.
func checkFleetPermissions(t *testing.T, url string, l fleetLogins) {
	ctx := context.Background()
	k1s := Subjects{Site: "demo", Kiosk: "k1"}
	k2s := Subjects{Site: "demo", Kiosk: "k2"}
	// bcrypt passwords take seconds to check under the race detector.
	l.op.Timeout, l.k1.Timeout = 30*time.Second, 30*time.Second
	op := connect(t, url, l.op)
	if _, err := EnsureStream(ctx, op, StreamOptions{Create: true}); err != nil {
		t.Fatal(err)
	}
	l.k1.InboxPrefix = k1s.Inbox()
	k1 := connect(t, url, l.k1)
	if !k1.IsConnected() {
		t.Fatalf("kiosk k1 not connected: %v", k1.LastError())
	}

	// A kiosk may not create or change streams, only check them.
	sctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := EnsureStream(sctx, k1, StreamOptions{Create: true}); err == nil {
		t.Errorf("kiosk user created the stream")
	}
	if _, err := EnsureStream(ctx, k1, StreamOptions{}); err != nil {
		t.Errorf("kiosk user cannot check the stream: %v", err)
	}

	o := fastRelay()
	o.CreateStream = false
	o.AckTimeout = 300 * time.Millisecond

	// Its own events go through, acknowledged.
	own := newMemOutbox("demo", "k1")
	want := own.add(5)
	stop := runRelay(t, NewRelay(k1, own, o))
	lockertest.WaitFor(t, 10*time.Second, "own events published", func() bool { return own.backlog() == 0 })
	stop()

	// Another kiosk's events, sent with k1's credentials, are refused.
	forged := newMemOutbox("demo", "k2")
	forged.add(5)
	r := NewRelay(k1, forged, o)
	stop = runRelay(t, r)
	lockertest.WaitFor(t, 10*time.Second, "forged publish failures", func() bool { return r.Stats().Failures >= 2 })
	stop()
	if n := forged.backlog(); n != 5 || r.Stats().Published != 0 {
		t.Errorf("forged events: backlog %d, published %d; want 5 and 0", n, r.Stats().Published)
	}
	checkExactlyOnceInOrder(t, readStream(t, op, k1s.Events()), want)
	if got := readStream(t, op, k2s.Events()); len(got) != 0 {
		t.Errorf("stream holds %d events of k2 published by k1", len(got))
	}
	if got := readStream(t, op, ""); len(got) != len(want) {
		t.Errorf("stream holds %d events, want %d", len(got), len(want))
	}

	// k1 answers its own commands (replies are allowed responses)...
	cmds, err := NewCommands(k1, &fakeService{}, CommandOptions{Site: "demo", Kiosk: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- cmds.Run(cctx) }()
	defer func() { ccancel(); <-done }()
	var m *nats.Msg
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, err = op.Request(k1s.Command("status"), []byte(`{}`), time.Second)
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !strings.Contains(string(m.Data), `"ok":true`) {
		t.Errorf("operator's status request to k1: %v %s", err, msgData(m))
	}
	// ... and its heartbeat reaches the operator.
	hbSub, err := op.SubscribeSync(k1s.Status())
	if err != nil {
		t.Fatal(err)
	}
	_ = op.Flush()
	hb, err := NewHeartbeat(k1, &fakeService{}, HeartbeatOptions{Site: "demo", Kiosk: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := hb.Beat(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := hbSub.NextMsg(5 * time.Second); err != nil {
		t.Errorf("k1 heartbeat not received: %v", err)
	}

	// k1 may not listen to k2's commands nor publish k2's heartbeat.
	violations := make(chan error, 10)
	spy, err := nats.Connect(url, l.k1Native, nats.CustomInboxPrefix(k1s.Inbox()), nats.Timeout(30*time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	if _, err := spy.SubscribeSync(k2s.Commands()); err != nil {
		t.Fatal(err)
	}
	_ = spy.Publish(k2s.Status(), []byte(`{}`))
	_ = spy.Flush()
	for _, what := range []string{"subscription", "publish"} {
		select {
		case err := <-violations:
			if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				t.Errorf("%s: error %v, want a permissions violation", what, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("no permissions violation reported for k1's %s on k2's subjects", what)
		}
	}
}

func msgData(m *nats.Msg) string {
	if m == nil {
		return ""
	}
	return string(m.Data)
}

func TestClusterConfigs(t *testing.T) {
	for i := 1; i <= 3; i++ {
		path := filepath.Join("..", "packaging", "nats", "cluster", "node"+string(rune('0'+i))+".conf")
		t.Run(path, func(t *testing.T) {
			opts, err := server.ProcessConfigFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !opts.JetStream || opts.Cluster.Name != "locker-fleet" || len(opts.Routes) != 3 {
				t.Errorf("JetStream %v, cluster %q, %d routes; want JetStream in cluster locker-fleet with 3 routes",
					opts.JetStream, opts.Cluster.Name, len(opts.Routes))
			}
			if want := "nats-" + string(rune('0'+i)); opts.ServerName != want {
				t.Errorf("server_name %q, want %q", opts.ServerName, want)
			}
			if len(opts.Users) != 4 {
				t.Errorf("%d users, want the 4 of fleet-auth.conf", len(opts.Users))
			}
		})
	}
}

// TestNotifierPermissions loads packaging/nats/fleet.conf into a real
// server and checks that the notifier reads and acknowledges events
// through its consumer and can do nothing else that matters: no purge or
// delete of the stream, its messages or its consumer, no commands, no
// forged events, no other client's inbox.
func TestNotifierPermissions(t *testing.T) {
	url := startConfigServer(t, filepath.Join("..", "packaging", "nats", "fleet.conf"))
	ctx := context.Background()
	op := connect(t, url, ConnectOptions{User: "operator", Password: "operator-secret", Timeout: 30 * time.Second})
	if _, err := EnsureStream(ctx, op, StreamOptions{Create: true}); err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(op)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable: "NOTIFIER", FilterSubject: "locker.*.*.evt.>", AckPolicy: jetstream.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	k1s := Subjects{Site: "demo", Kiosk: "k1"}
	for i := range 3 {
		if _, err := js.Publish(ctx, k1s.Event("parcel.deposited"), []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	// The operator hears commands, to see whether the notifier sends any.
	cmdSub, err := op.SubscribeSync("locker.*.*.cmd.>")
	if err != nil {
		t.Fatal(err)
	}
	_ = op.Flush()

	violations := make(chan error, 64)
	nc, err := nats.Connect(url, nats.UserInfo("notifier", "notifier-secret"), nats.CustomInboxPrefix("_INBOX_notifier"),
		nats.Timeout(30*time.Second), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	// What it needs: fetch and acknowledge through its consumer.
	njs, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := njs.Consumer(ctx, StreamName, "NOTIFIER")
	if err != nil {
		t.Fatalf("notifier cannot look up its consumer: %v", err)
	}
	batch, err := cons.Fetch(3, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for m := range batch.Messages() {
		if err := m.DoubleAck(ctx); err != nil {
			t.Errorf("ack: %v", err)
		}
		got++
	}
	if got != 3 {
		t.Errorf("notifier fetched %d events, want 3", got)
	}

	// What it must not do. Each request is refused by the server (a
	// permissions violation, so no reply comes); what counts is that
	// nothing changed.
	for _, subj := range []string{
		"$JS.API.STREAM.PURGE." + StreamName,
		"$JS.API.STREAM.DELETE." + StreamName,
		"$JS.API.STREAM.MSG.DELETE." + StreamName,
		"$JS.API.STREAM.UPDATE." + StreamName,
		"$JS.API.CONSUMER.DELETE." + StreamName + ".NOTIFIER",
		"$JS.API.CONSUMER.CREATE." + StreamName,
	} {
		body := []byte(`{}`)
		if strings.HasSuffix(subj, "MSG.DELETE."+StreamName) {
			body = []byte(`{"seq":1}`)
		}
		if m, err := nc.Request(subj, body, 500*time.Millisecond); err == nil {
			t.Errorf("%s answered: %s", subj, m.Data)
		}
	}
	_ = nc.Publish(k1s.Command("door.open"), []byte(`{"compartment":"A1","staff_id":"s1","reason":"x"}`))
	_ = nc.Publish(k1s.Event("parcel.deposited"), []byte(`{"forged":true}`))
	if _, err := nc.SubscribeSync("_INBOX.>"); err != nil {
		t.Fatal(err)
	}
	_ = nc.Flush()

	info, err := js.Stream(ctx, StreamName)
	if err != nil {
		t.Fatalf("stream gone: %v", err)
	}
	si, err := info.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if si.State.Msgs != 3 {
		t.Errorf("stream holds %d messages, want the 3 published (purged, deleted or forged)", si.State.Msgs)
	}
	if _, err := js.Consumer(ctx, StreamName, "NOTIFIER"); err != nil {
		t.Errorf("the notifier's consumer is gone: %v", err)
	}
	if m, err := cmdSub.NextMsg(time.Second); err == nil {
		t.Errorf("the notifier sent a command: %s %s", m.Subject, m.Data)
	}
	// Six API requests, the command, the event, the subscription.
	n, deadline := 0, time.After(20*time.Second)
	for n < 9 {
		select {
		case err := <-violations:
			if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				t.Errorf("unexpected error %v", err)
			}
			n++
		case <-deadline:
			t.Fatalf("%d permissions violations reported, want 9", n)
		}
	}
}
