package uplink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
	"github.com/parcelkiosk/locker/uplink"
)

// Example relays a kiosk's outbox to JetStream: one event committed to the
// store is published on locker.<site>.<kiosk>.evt.<type> with the event id
// as its Nats-Msg-Id, then deleted from the outbox. The server here is the
// embedded loopback one of the demo; a kiosk connects to its operator's.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "uplink-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The outbox: the kiosk's database with one committed event.
	db, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ev := locker.Event{
		ID: locker.NewULID(at), Type: locker.EvtDoorOpened, Time: at, Site: "demo", Kiosk: "k1",
		Data: json.RawMessage(`{"compartment":"A3","commanded":true}`),
	}
	if err := db.Apply(ctx, &locker.Change{Events: []locker.Event{ev}}); err != nil {
		log.Fatal(err)
	}

	srv, err := uplink.StartEmbedded(uplink.EmbeddedOptions{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := uplink.Connect(ctx, srv.URL(), uplink.ConnectOptions{FailFast: true})
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()

	relay := uplink.NewRelay(nc, db, uplink.RelayOptions{CreateStream: true})
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()

	// The relay deletes an event from the outbox after its PubAck.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n, err := db.OutboxBacklog(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("outbox backlog still %d", n)
		}
	}
	cancel()
	if err := <-done; err != nil {
		log.Fatal(err)
	}

	// What the operator's consumers read from the stream.
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	st, err := js.Stream(context.Background(), uplink.StreamName)
	if err != nil {
		log.Fatal(err)
	}
	m, err := st.GetMsg(context.Background(), 1)
	if err != nil {
		log.Fatal(err)
	}
	var got locker.Event
	if err := json.Unmarshal(m.Data, &got); err != nil {
		log.Fatal(err)
	}
	fmt.Println("subject:", m.Subject)
	fmt.Println("msg id is the event id:", m.Header.Get(jetstream.MsgIDHeader) == ev.ID)
	fmt.Println("seq:", got.Seq, "data:", string(got.Data))
	fmt.Println("relayed:", relay.Stats().Published)
	// Output:
	// subject: locker.demo.k1.evt.door.opened
	// msg id is the event id: true
	// seq: 1 data: {"compartment":"A3","commanded":true}
	// relayed: 1
}
