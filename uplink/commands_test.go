package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// fakeService records the calls the command handlers make and returns
// what the test scripted.
type fakeService struct {
	mu    sync.Mutex
	calls []string
	err   error // returned by every call when set
	// openDoor, when set, decides RemoteOpenDoor.
	openDoor func(ctx context.Context) (bool, error)
	keys     map[string]string // idempotency key -> expected id
	status   locker.StatusReport
}

func (f *fakeService) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeService) setOpenDoor(fn func(ctx context.Context) (bool, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.openDoor = fn
}

func (f *fakeService) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeService) ExpectParcel(ctx context.Context, e locker.Expected) (string, error) {
	f.record("ExpectParcel %s %s %s %s %v %v %s", e.Barcode, e.Carrier, e.RecipientID, e.Size, e.DimsMM, e.Refrigerated, e.IdempotencyKey)
	if f.err != nil {
		return "", f.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keys == nil {
		f.keys = map[string]string{}
	}
	if id, ok := f.keys[e.IdempotencyKey]; ok && e.IdempotencyKey != "" {
		return id, nil
	}
	id := fmt.Sprintf("exp-%d", len(f.keys)+1)
	f.keys[e.IdempotencyKey] = id
	return id, nil
}

func (f *fakeService) CancelExpected(ctx context.Context, barcode string) error {
	f.record("CancelExpected %s", barcode)
	return f.err
}

func (f *fakeService) RemoteOpenDoor(ctx context.Context, compartmentID, staffID, reason string) (bool, error) {
	f.record("RemoteOpenDoor %s %s %s", compartmentID, staffID, reason)
	if f.err != nil {
		return false, f.err
	}
	f.mu.Lock()
	open := f.openDoor
	f.mu.Unlock()
	if open != nil {
		return open(ctx)
	}
	return true, nil
}

func (f *fakeService) RemoteSetCompartment(ctx context.Context, id string, st locker.CompartmentStatus, staffID, reason string) error {
	f.record("RemoteSetCompartment %s %s %s %s", id, st, staffID, reason)
	return f.err
}

func (f *fakeService) UpsertRecipients(ctx context.Context, rs []locker.Recipient) (int, error) {
	f.record("UpsertRecipients %v", rs)
	if f.err != nil {
		return 0, f.err
	}
	return len(rs), nil
}

func (f *fakeService) DeleteRecipients(ctx context.Context, ids []string) (int, error) {
	f.record("DeleteRecipients %v", ids)
	if f.err != nil {
		return 0, f.err
	}
	return len(ids), nil
}

func (f *fakeService) UpsertCourier(ctx context.Context, c locker.Courier, code string) error {
	f.record("UpsertCourier %s %s %s %s", c.ID, c.Carrier, c.Name, code)
	return f.err
}

func (f *fakeService) UpsertStaff(ctx context.Context, st locker.Staff, pin string) error {
	f.record("UpsertStaff %s %s %s %s", st.ID, st.Name, pin, st.TOTPSecret)
	return f.err
}

func (f *fakeService) ReissuePIN(ctx context.Context, parcelID, staffID string) error {
	f.record("ReissuePIN %s %s", parcelID, staffID)
	return f.err
}

func (f *fakeService) DeleteStaff(ctx context.Context, id string) error {
	f.record("DeleteStaff %s", id)
	return f.err
}

func (f *fakeService) DeleteCourier(ctx context.Context, id string) error {
	f.record("DeleteCourier %s", id)
	return f.err
}

func (f *fakeService) Status() locker.StatusReport {
	f.record("Status")
	return f.status
}

// reply is a decoded command reply.
type reply struct {
	OK    bool `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	ExpectedID    string                     `json:"expected_id"`
	Opened        *bool                      `json:"opened"`
	Count         int                        `json:"count"`
	Version       string                     `json:"version"`
	BoardOnline   bool                       `json:"board_online"`
	OutboxBacklog int                        `json:"outbox_backlog"`
	Compartments  []locker.CompartmentReport `json:"compartments"`
	FreeBySize    map[locker.Size]int        `json:"free_by_size"`
}

func (r reply) code() string {
	if r.Error == nil {
		return ""
	}
	return r.Error.Code
}

// commandRig is a kiosk serving commands on a real server, and a client.
type commandRig struct {
	svc    *fakeService
	out    *memOutbox
	client func(t *testing.T, name, body string) reply
	raw    func(t *testing.T, subject, body string) ([]byte, error)
}

func newCommandRig(t *testing.T, o CommandOptions) *commandRig {
	t.Helper()
	srv := startServer(t, EmbeddedOptions{})
	kiosk := connect(t, srv.URL(), ConnectOptions{})
	op := connect(t, srv.URL(), ConnectOptions{})
	rig := &commandRig{
		svc: &fakeService{status: locker.StatusReport{
			Version: "1.2.3", BoardOnline: true,
			Compartments: []locker.CompartmentReport{
				{ID: "A1", Size: locker.SizeS, Status: locker.StatusAvailable, Door: locker.DoorClosed},
				{ID: "A2", Size: locker.SizeM, Status: locker.StatusOccupied, Door: locker.DoorClosed},
				{ID: "A3", Size: locker.SizeS, Status: locker.StatusAvailable, Door: locker.DoorOpen},
			},
		}},
		out: newMemOutbox("demo", "k1"),
	}
	rig.out.add(7)
	if o.Site == "" {
		o.Site, o.Kiosk = "demo", "k1"
	}
	o.Backlog = rig.out
	cmds, err := NewCommands(kiosk, rig.svc, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmds.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Commands.Run: %v", err)
		}
	})
	if err := kiosk.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // let Run subscribe
	rig.raw = func(t *testing.T, subject, body string) ([]byte, error) {
		m, err := op.Request(subject, []byte(body), 5*time.Second)
		if err != nil {
			return nil, err
		}
		return m.Data, nil
	}
	rig.client = func(t *testing.T, name, body string) reply {
		t.Helper()
		data, err := rig.raw(t, Subjects{Site: "demo", Kiosk: "k1"}.Command(name), body)
		if err != nil {
			t.Fatalf("request %s: %v", name, err)
		}
		var r reply
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("reply %q is not JSON: %v", data, err)
		}
		if r.OK == (r.Error != nil) {
			t.Fatalf("reply %s: ok=%v but error=%v", data, r.OK, r.Error)
		}
		if r.Error != nil && (r.Error.Code == "" || r.Error.Message == "") {
			t.Fatalf("reply %s: error without code or message", data)
		}
		return r
	}
	return rig
}

func TestCommands(t *testing.T) {
	rig := newCommandRig(t, CommandOptions{})
	big := `{"barcode":"` + strings.Repeat("x", 70<<10) + `","carrier":"ups","recipient_id":"r1"}`
	tests := []struct {
		name, cmd, body string
		svcErr          error
		wantCode        string // "" for ok
		wantCall        string // "" for no call to the service
		check           func(t *testing.T, r reply)
	}{
		{name: "expect", cmd: "parcel.expect",
			body:     `{"barcode":"1Z999","carrier":"ups","recipient_id":"r1","size":"m","dims_mm":[100,200,300],"refrigerated":true,"idempotency_key":"k-1"}`,
			wantCall: "ExpectParcel 1Z999 ups r1 M [100 200 300] true k-1",
			check: func(t *testing.T, r reply) {
				if r.ExpectedID == "" {
					t.Errorf("no expected_id")
				}
			}},
		{name: "expect minimal", cmd: "parcel.expect", body: `{"barcode":"B2","carrier":"dhl","recipient_id":"r2"}`,
			wantCall: "ExpectParcel B2 dhl r2  [0 0 0] false "},
		{name: "expect missing recipient", cmd: "parcel.expect", body: `{"barcode":"B2","carrier":"dhl"}`, wantCode: CodeBadRequest},
		{name: "expect blank barcode", cmd: "parcel.expect", body: `{"barcode":"  ","carrier":"dhl","recipient_id":"r2"}`, wantCode: CodeBadRequest},
		{name: "expect unknown field", cmd: "parcel.expect", body: `{"barcode":"B2","carrier":"dhl","recipient_id":"r2","colour":"red"}`, wantCode: CodeBadRequest},
		{name: "expect bad size", cmd: "parcel.expect", body: `{"barcode":"B2","carrier":"dhl","recipient_id":"r2","size":"XXL"}`, wantCode: CodeBadRequest},
		{name: "expect two dims", cmd: "parcel.expect", body: `{"barcode":"B2","carrier":"dhl","recipient_id":"r2","dims_mm":[1,2]}`, wantCode: CodeBadRequest},
		{name: "expect negative dims", cmd: "parcel.expect", body: `{"barcode":"B2","carrier":"dhl","recipient_id":"r2","dims_mm":[1,-2,3]}`, wantCode: CodeBadRequest},
		{name: "expect wrong type", cmd: "parcel.expect", body: `{"barcode":42,"carrier":"dhl","recipient_id":"r2"}`, wantCode: CodeBadRequest},
		{name: "expect duplicate barcode", cmd: "parcel.expect", body: `{"barcode":"B3","carrier":"dhl","recipient_id":"r2"}`,
			svcErr: fmt.Errorf("svc: %w", locker.ErrDuplicate), wantCode: CodeConflict, wantCall: "ExpectParcel B3 dhl r2  [0 0 0] false "},
		{name: "malformed JSON", cmd: "parcel.expect", body: `{"barcode":`, wantCode: CodeBadRequest},
		{name: "not an object", cmd: "parcel.cancel", body: `["B1"]`, wantCode: CodeBadRequest},
		{name: "two objects", cmd: "parcel.cancel", body: `{"barcode":"B1"} {"barcode":"B2"}`, wantCode: CodeBadRequest},
		{name: "oversized", cmd: "parcel.expect", body: big, wantCode: CodeTooLarge},
		{name: "field too long", cmd: "parcel.cancel", body: `{"barcode":"` + strings.Repeat("9", 300) + `"}`, wantCode: CodeBadRequest},
		{name: "unknown command", cmd: "parcel.teleport", body: `{}`, wantCode: CodeUnknownCommand},
		{name: "cancel", cmd: "parcel.cancel", body: `{"barcode":"B1"}`, wantCall: "CancelExpected B1"},
		{name: "cancel unknown", cmd: "parcel.cancel", body: `{"barcode":"B9"}`,
			svcErr: fmt.Errorf("svc: %w", locker.ErrNotFound), wantCode: CodeNotFound, wantCall: "CancelExpected B9"},
		{name: "door open", cmd: "door.open", body: `{"compartment":"A1","staff_id":"s1","reason":"stuck parcel"}`,
			wantCall: "RemoteOpenDoor A1 s1 stuck parcel",
			check: func(t *testing.T, r reply) {
				if r.Opened == nil || !*r.Opened {
					t.Errorf("opened = %v, want true", r.Opened)
				}
			}},
		{name: "door open without staff", cmd: "door.open", body: `{"compartment":"A1","reason":"x"}`, wantCode: CodeUnauthorized},
		{name: "door open without reason", cmd: "door.open", body: `{"compartment":"A1","staff_id":"s1"}`, wantCode: CodeBadRequest},
		{name: "door open unknown staff", cmd: "door.open", body: `{"compartment":"A1","staff_id":"nobody","reason":"x"}`,
			svcErr: fmt.Errorf("svc: %w", locker.ErrUnauthorized), wantCode: CodeUnauthorized, wantCall: "RemoteOpenDoor A1 nobody x"},
		{name: "door open bus down", cmd: "door.open", body: `{"compartment":"A1","staff_id":"s1","reason":"x"}`,
			svcErr: fmt.Errorf("svc: %w", locker.ErrBusUnavailable), wantCode: CodeUnavailable, wantCall: "RemoteOpenDoor A1 s1 x"},
		{name: "compartment set", cmd: "compartment.set", body: `{"compartment":"A2","status":"out_of_service","staff_id":"s1","reason":"broken hinge"}`,
			wantCall: "RemoteSetCompartment A2 out_of_service s1 broken hinge"},
		{name: "compartment set occupied", cmd: "compartment.set", body: `{"compartment":"A2","status":"occupied","staff_id":"s1","reason":"x"}`, wantCode: CodeBadRequest},
		{name: "compartment set no staff", cmd: "compartment.set", body: `{"compartment":"A2","status":"available","reason":"x"}`, wantCode: CodeUnauthorized},
		{name: "compartment set busy", cmd: "compartment.set", body: `{"compartment":"A2","status":"out_of_service","staff_id":"s1","reason":"x"}`,
			svcErr: fmt.Errorf("svc: %w", locker.ErrBadState), wantCode: CodeConflict, wantCall: "RemoteSetCompartment A2 out_of_service s1 x"},
		{name: "directory upsert", cmd: "directory.upsert", body: `{"recipients":[{"id":"r1","name":"Ann","unit":"1A"},{"id":"r2","name":"Bob","unit":"2B","accessible":true}]}`,
			wantCall: "UpsertRecipients [{r1 Ann 1A false} {r2 Bob 2B true}]",
			check: func(t *testing.T, r reply) {
				if r.Count != 2 {
					t.Errorf("count = %d, want 2", r.Count)
				}
			}},
		{name: "directory upsert empty", cmd: "directory.upsert", body: `{"recipients":[]}`, wantCode: CodeBadRequest},
		{name: "directory upsert no name", cmd: "directory.upsert", body: `{"recipients":[{"id":"r1","name":"Ann"},{"id":"r2"}]}`, wantCode: CodeBadRequest},
		{name: "directory upsert unknown field", cmd: "directory.upsert", body: `{"recipients":[{"id":"r1","name":"Ann","email":"a@b"}]}`, wantCode: CodeBadRequest},
		{name: "directory delete", cmd: "directory.delete", body: `{"ids":["r1","r2","r3"]}`, wantCall: "DeleteRecipients [r1 r2 r3]",
			check: func(t *testing.T, r reply) {
				if r.Count != 3 {
					t.Errorf("count = %d, want 3", r.Count)
				}
			}},
		{name: "directory delete empty id", cmd: "directory.delete", body: `{"ids":["r1",""]}`, wantCode: CodeBadRequest},
		{name: "courier upsert", cmd: "courier.upsert", body: `{"id":"c1","carrier":"ups","name":"Carl","code":"4711"}`, wantCall: "UpsertCourier c1 ups Carl 4711"},
		{name: "courier upsert no code", cmd: "courier.upsert", body: `{"id":"c1","carrier":"ups","name":"Carl"}`, wantCode: CodeBadRequest},
		{name: "staff upsert", cmd: "staff.upsert", body: `{"id":"s1","name":"Alex","pin":"135790","totp_secret":"JBSWY3DPEHPK3PXP"}`, wantCall: "UpsertStaff s1 Alex 135790 JBSWY3DPEHPK3PXP"},
		{name: "staff upsert no totp", cmd: "staff.upsert", body: `{"id":"s1","name":"Alex","pin":"135790"}`, wantCode: CodeBadRequest},
		{name: "pin reissue", cmd: "pin.reissue", body: `{"parcel_id":"p1","staff_id":"s1"}`, wantCall: "ReissuePIN p1 s1"},
		{name: "pin reissue no staff", cmd: "pin.reissue", body: `{"parcel_id":"p1"}`, wantCode: CodeUnauthorized},
		{name: "pin reissue fails", cmd: "pin.reissue", body: `{"parcel_id":"p1","staff_id":"s1"}`, svcErr: errors.New("disk on fire"), wantCode: CodeInternal, wantCall: "ReissuePIN p1 s1"},
		{name: "staff delete", cmd: "staff.delete", body: `{"id":"s1"}`, wantCall: "DeleteStaff s1"},
		{name: "staff delete no id", cmd: "staff.delete", body: `{}`, wantCode: CodeBadRequest},
		{name: "courier delete", cmd: "courier.delete", body: `{"id":"c1"}`, wantCall: "DeleteCourier c1"},
		{name: "courier delete unknown", cmd: "courier.delete", body: `{"id":"c9"}`, svcErr: locker.ErrNotFound, wantCode: CodeNotFound, wantCall: "DeleteCourier c9"},
		{name: "status", cmd: "status", body: `{}`, wantCall: "Status",
			check: func(t *testing.T, r reply) {
				if r.Version != "1.2.3" || !r.BoardOnline || r.OutboxBacklog != 7 || len(r.Compartments) != 3 {
					t.Errorf("status reply %+v", r)
				}
				if r.Compartments[2] != (locker.CompartmentReport{ID: "A3", Size: locker.SizeS, Status: locker.StatusAvailable, Door: locker.DoorOpen}) {
					t.Errorf("compartment 3 = %+v", r.Compartments[2])
				}
				if r.FreeBySize[locker.SizeS] != 2 || r.FreeBySize[locker.SizeM] != 0 {
					t.Errorf("free_by_size = %v, want S:2", r.FreeBySize)
				}
			}},
		{name: "status empty body", cmd: "status", body: ``, wantCall: "Status"},
		{name: "status unknown field", cmd: "status", body: `{"verbose":true}`, wantCode: CodeBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rig.svc.mu.Lock()
			rig.svc.calls = nil
			rig.svc.err = tc.svcErr
			rig.svc.mu.Unlock()
			r := rig.client(t, tc.cmd, tc.body)
			if r.code() != tc.wantCode {
				t.Fatalf("code = %q (%+v), want %q", r.code(), r.Error, tc.wantCode)
			}
			calls := rig.svc.Calls()
			switch {
			case tc.wantCall == "" && len(calls) != 0:
				t.Errorf("a refused command reached the service: %q", calls)
			case tc.wantCall != "" && (len(calls) != 1 || calls[0] != tc.wantCall):
				t.Errorf("service calls %q, want [%q]", calls, tc.wantCall)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestCommandsIdempotencyKeyReachesService(t *testing.T) {
	rig := newCommandRig(t, CommandOptions{})
	body := `{"barcode":"1Z1","carrier":"ups","recipient_id":"r1","idempotency_key":"op-42"}`
	a := rig.client(t, "parcel.expect", body)
	b := rig.client(t, "parcel.expect", body)
	if !a.OK || !b.OK || a.ExpectedID != b.ExpectedID {
		t.Errorf("replayed parcel.expect: %+v then %+v, want the same expected_id", a, b)
	}
}

func TestCommandsServeOnlyOwnSubjects(t *testing.T) {
	rig := newCommandRig(t, CommandOptions{})
	for _, subj := range []string{
		Subjects{Site: "demo", Kiosk: "k2"}.Command("status"),
		Subjects{Site: "other", Kiosk: "k1"}.Command("status"),
		"locker.demo.k1.status",
	} {
		if _, err := rig.raw(t, subj, `{}`); err == nil {
			t.Errorf("request on %s was answered; the kiosk must serve only its own cmd subjects", subj)
		}
	}
	if calls := rig.svc.Calls(); len(calls) != 0 {
		t.Errorf("service calls %q", calls)
	}
}

func TestDoorOpenWaitsForSensor(t *testing.T) {
	rig := newCommandRig(t, CommandOptions{DoorWait: 150 * time.Millisecond})
	body := `{"compartment":"A1","staff_id":"s1","reason":"r"}`
	t.Run("opens after a while", func(t *testing.T) {
		rig.svc.setOpenDoor(func(ctx context.Context) (bool, error) {
			select {
			case <-time.After(50 * time.Millisecond):
				return true, nil
			case <-ctx.Done():
				return false, ctx.Err()
			}
		})
		r := rig.client(t, "door.open", body)
		if !r.OK || r.Opened == nil || !*r.Opened {
			t.Errorf("reply %+v, want ok and opened", r)
		}
	})
	t.Run("sensor never sees it", func(t *testing.T) {
		rig.svc.setOpenDoor(func(ctx context.Context) (bool, error) {
			<-ctx.Done()
			return false, fmt.Errorf("svc: %w", locker.ErrDoorNotOpened)
		})
		start := time.Now()
		r := rig.client(t, "door.open", body)
		if !r.OK || r.Opened == nil || *r.Opened {
			t.Errorf("reply %+v, want ok and not opened", r)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("replied after %v, before the door wait of 150ms", d)
		}
	})
	t.Run("status answered while a door waits", func(t *testing.T) {
		release := make(chan struct{})
		rig.svc.setOpenDoor(func(ctx context.Context) (bool, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return false, ctx.Err()
		})
		done := make(chan error, 1)
		go func() {
			_, err := rig.raw(t, Subjects{Site: "demo", Kiosk: "k1"}.Command("door.open"), body)
			done <- err
		}()
		time.Sleep(20 * time.Millisecond)
		if r := rig.client(t, "status", `{}`); !r.OK {
			t.Errorf("status while door.open waits: %+v", r)
		}
		close(release)
		if err := <-done; err != nil {
			t.Errorf("door.open: %v", err)
		}
	})
}

func TestCommandsStartWithoutServer(t *testing.T) {
	probe := startServer(t, EmbeddedOptions{})
	port := probe.Port()
	probe.Shutdown()

	nc, err := Connect(context.Background(), "nats://127.0.0.1:"+strconv.Itoa(port), ConnectOptions{ReconnectWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Connect with no server: %v", err)
	}
	defer nc.Close()
	svc := &fakeService{status: locker.StatusReport{Version: "offline-start"}}
	cmds, err := NewCommands(nc, svc, CommandOptions{Site: "demo", Kiosk: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	hb, err := NewHeartbeat(nc, svc, HeartbeatOptions{Site: "demo", Kiosk: "k1", Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	run(t, cmds.Run)
	run(t, hb.Run)
	time.Sleep(100 * time.Millisecond) // heartbeats fail quietly meanwhile

	srv := startServer(t, EmbeddedOptions{Port: port})
	op := connect(t, srv.URL(), ConnectOptions{})
	sub, err := op.SubscribeSync(Subjects{Site: "demo", Kiosk: "k1"}.Status())
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	lockertest.WaitFor(t, 20*time.Second, "status answered once the server is up", func() bool {
		m, err := op.Request(Subjects{Site: "demo", Kiosk: "k1"}.Command("status"), []byte(`{}`), 200*time.Millisecond)
		if err != nil {
			return false
		}
		data = m.Data
		return true
	})
	var r reply
	if err := json.Unmarshal(data, &r); err != nil || !r.OK || r.Version != "offline-start" {
		t.Errorf("status reply %s (%v)", data, err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Errorf("no heartbeat after the server came up: %v", err)
	}
}
