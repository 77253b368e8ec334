package uplink

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

func TestHeartbeat(t *testing.T) {
	srv := startServer(t, EmbeddedOptions{})
	kiosk := connect(t, srv.URL(), ConnectOptions{})
	op := connect(t, srv.URL(), ConnectOptions{})
	sub, err := op.SubscribeSync(Subjects{Site: "demo", Kiosk: "k1"}.Status())
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Flush(); err != nil {
		t.Fatal(err)
	}
	svc := &fakeService{status: locker.StatusReport{
		Version: "9.9", BoardOnline: false,
		Compartments: []locker.CompartmentReport{
			{ID: "A1", Size: locker.SizeS, Status: locker.StatusAvailable},
			{ID: "A2", Size: locker.SizeL, Status: locker.StatusAvailable},
			{ID: "A3", Size: locker.SizeL, Status: locker.StatusAvailable},
			{ID: "A4", Size: locker.SizeL, Status: locker.StatusFaulty},
		},
	}}
	out := newMemOutbox("demo", "k1")
	out.add(3)
	clock := lockertest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	hb, err := NewHeartbeat(kiosk, svc, HeartbeatOptions{Site: "demo", Kiosk: "k1", Interval: 20 * time.Millisecond, Backlog: out, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(90 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hb.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	for i := range 3 {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("heartbeat %d: %v", i, err)
		}
		var got HeartbeatMsg
		if err := json.Unmarshal(m.Data, &got); err != nil {
			t.Fatal(err)
		}
		want := HeartbeatMsg{
			Site: "demo", Kiosk: "k1", Time: clock.Now(), Version: "9.9", UptimeSeconds: 90,
			BoardOnline: false, OutboxBacklog: 3,
		}
		if got.Site != want.Site || got.Kiosk != want.Kiosk || !got.Time.Equal(want.Time) || got.Version != want.Version ||
			got.UptimeSeconds != want.UptimeSeconds || got.BoardOnline || got.OutboxBacklog != 3 {
			t.Errorf("heartbeat %+v, want %+v", got, want)
		}
		if got.FreeBySize[locker.SizeS] != 1 || got.FreeBySize[locker.SizeL] != 2 || len(got.FreeBySize) != 2 {
			t.Errorf("free_by_size = %v, want S:1 L:2", got.FreeBySize)
		}
	}
}

func TestNewRejectsBadIDs(t *testing.T) {
	for _, s := range []Subjects{{"", "k1"}, {"demo", ""}, {"de.mo", "k1"}, {"demo", "k*"}, {"demo", "k>"}, {"demo", "k 1"}} {
		if _, err := NewHeartbeat(nil, nil, HeartbeatOptions{Site: s.Site, Kiosk: s.Kiosk}); err == nil {
			t.Errorf("NewHeartbeat(%+v) accepted", s)
		}
		if _, err := NewCommands(nil, nil, CommandOptions{Site: s.Site, Kiosk: s.Kiosk}); err == nil {
			t.Errorf("NewCommands(%+v) accepted", s)
		}
		if _, err := KioskPermissions(s.Site, s.Kiosk); err == nil {
			t.Errorf("KioskPermissions(%+v) accepted", s)
		}
	}
}
