package uplink

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parcelkiosk/locker"
)

func (f *fakeService) ExtendParcel(ctx context.Context, parcelID, staffID string, by time.Duration) (locker.Parcel, error) {
	f.record("ExtendParcel %s %s %v", parcelID, staffID, by)
	if f.err != nil {
		return locker.Parcel{}, f.err
	}
	return locker.Parcel{ID: parcelID, ExpiresAt: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), ExtendedBy: by}, nil
}

func TestParcelExtendRequests(t *testing.T) {
	rig := newCommandRig(t, CommandOptions{})
	tests := []struct {
		name, body string
		wantCode   string
		wantCall   string
	}{
		{"ok", `{"parcel_id":"P1","staff_id":"s1","hours":48}`, "", "ExtendParcel P1 s1 48h0m0s"},
		{"no staff", `{"parcel_id":"P1","hours":48}`, CodeUnauthorized, ""},
		{"no parcel", `{"staff_id":"s1","hours":48}`, CodeBadRequest, ""},
		{"no hours", `{"parcel_id":"P1","staff_id":"s1"}`, CodeBadRequest, ""},
		{"negative", `{"parcel_id":"P1","staff_id":"s1","hours":-1}`, CodeBadRequest, ""},
		{"fraction", `{"parcel_id":"P1","staff_id":"s1","hours":1.5}`, CodeBadRequest, ""},
		{"absurd", `{"parcel_id":"P1","staff_id":"s1","hours":100000}`, CodeBadRequest, ""},
		{"unknown field", `{"parcel_id":"P1","staff_id":"s1","hours":1,"days":2}`, CodeBadRequest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rig.svc.Calls())
			r := rig.client(t, CmdParcelExtend, tc.body)
			if r.code() != tc.wantCode {
				t.Fatalf("reply %+v, want code %q", r, tc.wantCode)
			}
			calls := rig.svc.Calls()[before:]
			switch {
			case tc.wantCall == "" && len(calls) != 0:
				t.Errorf("refused request called %v", calls)
			case tc.wantCall != "" && (len(calls) != 1 || calls[0] != tc.wantCall):
				t.Errorf("calls %v, want %s", calls, tc.wantCall)
			}
		})
	}
}

// TestParcelExtendSignedOnRealService extends a parcel of a real service
// on a real store through a real NATS server with operator signatures:
// unsigned is refused and changes nothing, signed moves the expiry, past
// the cap is refused with limit_exceeded.
func TestParcelExtendSignedOnRealService(t *testing.T) {
	k := newKiosk(t, t.TempDir(), func(o *locker.Options) { o.MaxExtension = 72 * time.Hour })
	ctx := context.Background()
	svc := k.svc
	if err := svc.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups"}, "777777"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpsertRecipients(ctx, []locker.Recipient{{ID: "r1", Name: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{svc.CourierSignIn(ctx, "777777"), svc.ScanParcel(ctx, "EXT-9", ""),
		svc.ChooseRecipient(ctx, "r1"), svc.ChooseSize(ctx, locker.SizeS)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	v := svc.View()
	for _, kind := range []locker.DoorEventKind{locker.EventOpened, locker.EventClosed} {
		svc.HandleDoorEvent(ctx, locker.DoorEvent{Kind: kind, Addr: v.Compartment.Addr, Commanded: true})
	}
	if _, err := svc.FinishDeposit(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := k.db.Parcel(ctx, v.Parcel.ID)
	if err != nil {
		t.Fatal(err)
	}

	op, opPub := mustUser(t)
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	cmds, err := NewCommands(nc, svc, CommandOptions{Site: "demo", Kiosk: "k1", Backlog: k.db, OperatorKeys: []string{opPub}, Nonces: k.db})
	if err != nil {
		t.Fatal(err)
	}
	run(t, cmds.Run)
	cli := connect(t, srv.URL(), ConnectOptions{})
	send := func(body string, sign bool) map[string]any {
		t.Helper()
		m := nats.NewMsg(Subjects{Site: "demo", Kiosk: "k1"}.Command(CmdParcelExtend))
		m.Data = []byte(body)
		if sign {
			if err := SignCommand(m, op, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := cli.RequestMsg(m, 5*time.Second)
			if err == nil {
				var out map[string]any
				if err := json.Unmarshal(resp.Data, &out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	code := func(r map[string]any) string {
		e, _ := r["error"].(map[string]any)
		c, _ := e["code"].(string)
		return c
	}
	body := `{"parcel_id":"` + v.Parcel.ID + `","staff_id":"s1","hours":48}`
	if r := send(body, false); code(r) != CodeUnauthorized {
		t.Fatalf("unsigned parcel.extend: %v", r)
	}
	if p, _ := k.db.Parcel(ctx, v.Parcel.ID); !p.ExpiresAt.Equal(before.ExpiresAt) {
		t.Fatal("an unsigned parcel.extend moved the expiry")
	}
	r := send(body, true)
	want := before.ExpiresAt.Add(48 * time.Hour)
	if r["ok"] != true || r["expires_at"] != want.UTC().Format(time.RFC3339) || r["extended_hours"] != float64(48) {
		t.Fatalf("signed parcel.extend: %v (want expiry %v)", r, want)
	}
	if p, _ := k.db.Parcel(ctx, v.Parcel.ID); !p.ExpiresAt.Equal(want) {
		t.Fatalf("stored expiry %v, want %v", p.ExpiresAt, want)
	}
	r = send(`{"parcel_id":"`+v.Parcel.ID+`","staff_id":"s1","hours":25}`, true)
	if code(r) != CodeLimit {
		t.Fatalf("parcel.extend past the cap: %v, want %s", r, CodeLimit)
	}
	n := 0
	for _, e := range k.pending(t) {
		if e.Type == locker.EvtParcelExtended {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d parcel.extended events, want 1", n)
	}
}
