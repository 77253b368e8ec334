package uplink

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/parcelkiosk/locker"
)

// FuzzHandle feeds arbitrary bodies to every command: the reply is always
// one JSON object with ok or a coded error, and a request refused before
// the service (bad_request, too_large, unknown_command, unauthorized by
// the handler) never reaches it.
func FuzzHandle(f *testing.F) {
	names := []string{CmdParcelExpect, CmdParcelCancel, CmdDoorOpen, CmdCompartmentSet, CmdDirectoryUpsert,
		CmdDirectoryDelete, CmdCourierUpsert, CmdStaffUpsert, CmdPINReissue, CmdStatus, "nope"}
	for i, s := range []string{
		`{"barcode":"1Z","carrier":"ups","recipient_id":"r1","size":"m","dims_mm":[1,2,3],"idempotency_key":"k"}`,
		`{"barcode":"1Z"}`,
		`{"compartment":"A1","staff_id":"s1","reason":"r"}`,
		`{"compartment":"A1","status":"available","staff_id":"s1","reason":"r"}`,
		`{"recipients":[{"id":"r1","name":"A","unit":"1"}]}`,
		`{"ids":["r1"]}`,
		`{"id":"c1","carrier":"ups","name":"C","code":"1234"}`,
		`{"parcel_id":"p1"}`,
		`{}`,
		`{"a":1}`,
		`{"barcode":"x"} trailing`,
		`[1,2]`,
		``,
	} {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, n uint8, body []byte) {
		name := names[int(n)%len(names)]
		svc := &fakeService{status: locker.StatusReport{Version: "v"}}
		c, err := NewCommands(nil, svc, CommandOptions{Site: "s", Kiosk: "k", MaxPayload: 4096})
		if err != nil {
			t.Fatal(err)
		}
		out := c.Handle(context.Background(), name, body)
		var r reply
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("reply %q is not JSON: %v", out, err)
		}
		if r.OK == (r.Error != nil) {
			t.Fatalf("reply %s: ok=%v with error %v", out, r.OK, r.Error)
		}
		if r.Error != nil && (r.Error.Code == "" || r.Error.Message == "") {
			t.Fatalf("reply %s: error without code or message", out)
		}
		switch r.code() {
		case CodeBadRequest, CodeTooLarge, CodeUnknownCommand, CodeUnauthorized:
			if calls := svc.Calls(); len(calls) != 0 {
				t.Fatalf("refused %s %q (%s) reached the service: %q", name, body, r.code(), calls)
			}
		}
	})
}
