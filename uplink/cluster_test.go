package uplink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// clusterNode is one nats-server process of the test cluster.
type clusterNode struct {
	name string // server_name, "nats-1".."nats-3"
	conf string
	url  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
	mu   *sync.Mutex
}

type syncWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (n *clusterNode) start(t *testing.T, bin string) {
	t.Helper()
	n.cmd = exec.Command(bin, "-c", n.conf)
	w := syncWriter{n.mu, n.log}
	n.cmd.Stdout, n.cmd.Stderr = w, w
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", n.name, err)
	}
	done := make(chan struct{})
	n.done = done
	go func() { _ = n.cmd.Wait(); close(done) }()
}

func (n *clusterNode) kill(t *testing.T) {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not die", n.name)
	}
}

// startCluster builds nats-server from the module in go.mod and starts
// three processes from packaging/nats/cluster/node{1,2,3}.conf, moved to
// loopback ports and temporary stores (the rest of each file, users and
// permissions included, is used as shipped).
func startCluster(t *testing.T) []*clusterNode {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nats-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	auth, err := os.ReadFile(filepath.Join("..", "packaging", "nats", "fleet-auth.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fleet-auth.conf"), auth, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "cluster"), 0o755); err != nil {
		t.Fatal(err)
	}
	var client, route [3]int
	for i := range 3 {
		client[i], route[i] = lockertest.FreePort(t), lockertest.FreePort(t)
	}
	nodes := make([]*clusterNode, 3)
	for i := range 3 {
		src, err := os.ReadFile(filepath.Join("..", "packaging", "nats", "cluster", fmt.Sprintf("node%d.conf", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		conf := string(src)
		subst := func(old, new string) {
			t.Helper()
			if !strings.Contains(conf, old) {
				t.Fatalf("node%d.conf lacks %q: the test and packaging/nats/cluster disagree", i+1, old)
			}
			conf = strings.ReplaceAll(conf, old, new)
		}
		subst("listen: 0.0.0.0:4222", fmt.Sprintf("listen: 127.0.0.1:%d", client[i]))
		subst("listen: 0.0.0.0:6222", fmt.Sprintf("listen: 127.0.0.1:%d", route[i]))
		for j := range 3 {
			subst(fmt.Sprintf("nats-route://nats-%d:6222", j+1), fmt.Sprintf("nats-route://127.0.0.1:%d", route[j]))
		}
		subst(`store_dir: "/var/lib/nats/jetstream"`, fmt.Sprintf("store_dir: %q", filepath.Join(dir, fmt.Sprintf("store%d", i+1))))
		subst("max_file_store: 20G", "max_file_store: 1G")
		path := filepath.Join(dir, "cluster", fmt.Sprintf("node%d.conf", i+1))
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		nodes[i] = &clusterNode{name: fmt.Sprintf("nats-%d", i+1), conf: path, url: fmt.Sprintf("nats://127.0.0.1:%d", client[i]),
			log: &bytes.Buffer{}, mu: &sync.Mutex{}}
		nodes[i].start(t, bin)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			if n.cmd.ProcessState == nil {
				_ = n.cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-n.done:
				case <-time.After(10 * time.Second):
					_ = n.cmd.Process.Kill()
				}
			}
			if t.Failed() {
				n.mu.Lock()
				t.Logf("%s log (tail):\n%s", n.name, tail(n.log.String(), 3000))
				n.mu.Unlock()
			}
		}
	})
	return nodes
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestRelayOnThreeNodeCluster runs the relay of a real kiosk (SQLite store,
// service, command handlers) against a real 3-node JetStream cluster (three
// nats-server processes) with the events stream on 3 replicas. The stream
// leader is killed in the middle of the drain and restarted; every event
// arrives once and in order, and the kiosk's commands keep working through
// the failover.
func TestRelayOnThreeNodeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds nats-server and runs three processes")
	}
	nodes := startCluster(t)
	urls := nodes[0].url + "," + nodes[1].url + "," + nodes[2].url
	ctx := context.Background()

	op := connect(t, urls, ConnectOptions{User: "operator", Password: "operator-secret", Timeout: 30 * time.Second})
	var si jetstream.StreamInfo
	lockertest.WaitFor(t, 60*time.Second, "the stream created on 3 replicas (meta leader elected)", func() bool {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var err error
		si, err = EnsureStream(cctx, op, StreamOptions{Create: true, Replicas: 3})
		return err == nil
	})
	if si.Config.Replicas != 3 {
		t.Fatalf("stream replicas = %d, want 3", si.Config.Replicas)
	}

	k := newKiosk(t, t.TempDir())
	subj := Subjects{Site: "demo", Kiosk: "k1"}
	knc := connect(t, urls, ConnectOptions{User: "demo-k1", Password: "k1-secret", InboxPrefix: subj.Inbox(), Timeout: 30 * time.Second})
	cmds, err := NewCommands(knc, k.svc, CommandOptions{Site: "demo", Kiosk: "k1", Backlog: k.db})
	if err != nil {
		t.Fatal(err)
	}
	run(t, cmds.Run)

	// A backlog to drain: 400 events committed while the relay is not running.
	for i := range 200 {
		for _, st := range []locker.CompartmentStatus{locker.StatusOutOfService, locker.StatusAvailable} {
			if err := k.svc.RemoteSetCompartment(ctx, "A1", st, "s1", fmt.Sprint("backlog ", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := k.pending(t)

	// The operator sends a compartment.set command every 50 ms through
	// the whole test, and counts the answers.
	var sent, okCount, failed atomic.Int64
	var failMu sync.Mutex
	var failures []string
	var failedBeforeKill int
	var lastFailure, killedAt time.Time
	var okAfterKill atomic.Int64
	var killed atomic.Bool
	cctx, stopCmds := context.WithCancel(ctx)
	cmdsDone := make(chan struct{})
	go func() {
		defer close(cmdsDone)
		for i := 0; cctx.Err() == nil; i++ {
			st := []string{"out_of_service", "available"}[i%2]
			body := fmt.Sprintf(`{"compartment":"A2","status":%q,"staff_id":"s1","reason":"failover %d"}`, st, i)
			sent.Add(1)
			m, err := op.Request(subj.Command(CmdCompartmentSet), []byte(body), 3*time.Second)
			var r struct {
				OK bool `json:"ok"`
			}
			if err == nil {
				err = json.Unmarshal(m.Data, &r)
			}
			if err == nil && r.OK {
				okCount.Add(1)
				if killed.Load() {
					okAfterKill.Add(1)
				}
			} else {
				failed.Add(1)
				failMu.Lock()
				now := time.Now()
				if !killed.Load() {
					failedBeforeKill++
				} else if now.After(lastFailure) {
					lastFailure = now
				}
				failures = append(failures, fmt.Sprintf("%s: %v %s", now.Format("15:04:05.000"), err, msgData(m)))
				failMu.Unlock()
			}
			select {
			case <-cctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	o := fastRelay()
	o.CreateStream = false
	o.Batch = 16
	o.Window = 4
	o.AckTimeout = 2 * time.Second
	relay := NewRelay(knc, k.db, o)
	run(t, relay.Run)

	start := k.backlog()
	lockertest.WaitFor(t, 60*time.Second, "the drain under way", func() bool { return k.backlog() < start-50 })
	info, err := streamInfo(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	leader := info.Cluster.Leader
	var victim *clusterNode
	for _, n := range nodes {
		if n.name == leader {
			victim = n
		}
	}
	if victim == nil {
		t.Fatalf("stream leader %q is none of the nodes", leader)
	}
	backlogAtKill := k.backlog()
	victim.kill(t)
	failMu.Lock()
	killedAt = time.Now()
	failMu.Unlock()
	killed.Store(true)
	t.Logf("killed the stream leader %s with %d of %d events still to send", leader, backlogAtKill, len(want))

	lockertest.WaitFor(t, 60*time.Second, "a new stream leader", func() bool {
		info, err := streamInfo(ctx, op)
		return err == nil && info.Cluster.Leader != "" && info.Cluster.Leader != leader
	})
	lockertest.WaitFor(t, 60*time.Second, "commands answered after the failover", func() bool { return okAfterKill.Load() >= 5 })

	victim.start(t, filepath.Join(filepath.Dir(filepath.Dir(victim.conf)), "nats-server"))
	lockertest.WaitFor(t, 120*time.Second, "the outbox drained", func() bool { return k.backlog() == 0 })
	lockertest.WaitFor(t, 60*time.Second, "the restarted node current again", func() bool {
		info, err := streamInfo(ctx, op)
		if err != nil {
			return false
		}
		for _, r := range info.Cluster.Replicas {
			if r.Name == leader && r.Current && !r.Offline {
				return true
			}
		}
		return false
	})
	stopCmds()
	<-cmdsDone

	// A last event marks the end: the stream must hold every event from the
	// backlog's first to it, each once, in order (seqs without a gap or a
	// repeat), with the backlog exactly as it was in the outbox.
	if err := k.svc.RemoteSetCompartment(ctx, "A3", locker.StatusOutOfService, "s1", "end marker"); err != nil {
		t.Fatal(err)
	}
	lockertest.WaitFor(t, 60*time.Second, "the last events drained", func() bool { return k.backlog() == 0 })
	got := readStream(t, op, subj.Events())
	if len(got) < len(want) {
		t.Fatalf("stream holds %d events, fewer than the %d of the backlog", len(got), len(want))
	}
	checkExactlyOnceInOrder(t, got[:len(want)], want)
	for i := 1; i < len(got); i++ {
		if got[i].Event.Seq != got[i-1].Event.Seq+1 {
			t.Fatalf("stream message %d has seq %d after %d: a gap or a repeat", i, got[i].Event.Seq, got[i-1].Event.Seq)
		}
	}
	if last := got[len(got)-1]; !strings.Contains(string(last.Event.Data), "end marker") {
		t.Errorf("last event in the stream is %s %s, want the end marker", last.Event.Type, last.Event.Data)
	}
	t.Logf("%d events in the stream, once each and in order (relay: %+v); commands: %d sent, %d answered ok (%d after the kill), %d failed",
		len(got), relay.Stats(), sent.Load(), okCount.Load(), okAfterKill.Load(), failed.Load())
	failMu.Lock()
	for _, f := range failures {
		t.Logf("command failed: %s", f)
	}
	// Commands may fail only while the kiosk's connection moves off a
	// killed node (no responders, then timeouts): for a few seconds at most.
	if failedBeforeKill > 0 {
		t.Errorf("%d commands failed before the leader was killed", failedBeforeKill)
	}
	if !lastFailure.IsZero() {
		gap := lastFailure.Sub(killedAt)
		t.Logf("commands failed for %v after the kill", gap.Round(time.Millisecond))
		if gap > 15*time.Second {
			t.Errorf("commands still failed %v after the kill", gap)
		}
	}
	failMu.Unlock()
	if okCount.Load() == 0 {
		t.Errorf("no command answered")
	}
}

func streamInfo(ctx context.Context, nc *nats.Conn) (*jetstream.StreamInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	st, err := js.Stream(ctx, StreamName)
	if err != nil {
		return nil, err
	}
	return st.Info(ctx)
}
