package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parcelkiosk/locker"
)

// The real service serves the returns' commands.
var _ ReturnService = (*locker.Service)(nil)

// TestReturnCommands sends return.expect and return.cancel through a real
// NATS server to a kiosk with a real service and store whose commands need
// an operator signature.
func TestReturnCommands(t *testing.T) {
	k := newKiosk(t, t.TempDir())
	op, opPub := mustUser(t)
	srv := startServer(t, EmbeddedOptions{})
	nc := connect(t, srv.URL(), ConnectOptions{})
	cmds, err := NewCommands(nc, k.svc, CommandOptions{Site: "demo", Kiosk: "k1", Backlog: k.db,
		OperatorKeys: []string{opPub}, Nonces: k.db})
	if err != nil {
		t.Fatal(err)
	}
	run(t, cmds.Run)
	cli := connect(t, srv.URL(), ConnectOptions{})
	send := func(name, body string, sign bool) (r struct {
		reply
		ReturnID string `json:"return_id"`
	}) {
		t.Helper()
		m := nats.NewMsg(Subjects{Site: "demo", Kiosk: "k1"}.Command(name))
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
				if err := json.Unmarshal(resp.Data, &r); err != nil {
					t.Fatalf("reply %q: %v", resp.Data, err)
				}
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", name, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	ctx := context.Background()
	const body = `{"code":"rt-123456","carrier":"UPS","size":"M","recipient_id":"r1","label_barcode":"1ZRETURN01"}`

	audit := k.auditCount(t)
	for _, c := range []struct {
		name, body string
		sign       bool
		code       string
	}{
		{"return.expect", body, false, CodeUnauthorized},
		{"return.cancel", `{"code":"RT123456"}`, false, CodeUnauthorized},
		{"return.expect", `{"carrier":"UPS"}`, true, CodeBadRequest},
		{"return.expect", `{"code":"RT123456"}`, true, CodeBadRequest},
		{"return.expect", `{"code":"RT1","carrier":"UPS"}`, true, CodeBadRequest},
		{"return.expect", `{"code":"RT123456","carrier":"UPS","size":"XXL"}`, true, CodeBadRequest},
		{"return.expect", `{"code":"RT123456","carrier":"UPS","weight":3}`, true, CodeBadRequest},
		{"return.cancel", `{"code":"NOSUCH1"}`, true, CodeNotFound},
	} {
		if r := send(c.name, c.body, c.sign); r.code() != c.code {
			t.Errorf("%s %s signed=%v: %+v, want %s", c.name, c.body, c.sign, r, c.code)
		}
	}
	if n := k.auditCount(t); n != audit {
		t.Errorf("refused commands wrote %d audit rows", n-audit)
	}
	if _, err := k.db.ReturnByCode(ctx, "RT123456", ""); !errors.Is(err, locker.ErrNotFound) {
		t.Fatalf("a refused return.expect stored a return: %v", err)
	}

	a, b := send("return.expect", body, true), send("return.expect", body, true)
	if !a.OK || a.ReturnID == "" || b.ReturnID != a.ReturnID {
		t.Fatalf("return.expect twice: %+v, %+v", a, b)
	}
	got, err := k.db.ReturnByCode(ctx, "", "1ZRETURN01")
	if err != nil || got.ID != a.ReturnID || got.Code != "RT123456" || got.Size != locker.SizeM || got.Carrier != "UPS" {
		t.Errorf("stored return %+v, %v", got, err)
	}
	if r := send("return.cancel", `{"code":"RT123456"}`, true); !r.OK {
		t.Fatalf("return.cancel: %+v", r)
	}
	if r := send("return.cancel", `{"code":"RT123456"}`, true); r.code() != CodeNotFound {
		t.Errorf("return.cancel twice: %+v", r)
	}

	// A service without returns answers unknown_command.
	plain, err := NewCommands(nil, &fakeService{}, CommandOptions{Site: "demo", Kiosk: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	var r reply
	if err := json.Unmarshal(plain.Handle(ctx, CmdReturnExpect, []byte(body)), &r); err != nil || r.code() != CodeUnknownCommand {
		t.Errorf("return.expect without returns: %+v %v", r, err)
	}
}
