package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/uplink"
)

// The flows of "reminders, holds, help" (issue 14) against the real
// kiosk, locksim and a nats-server.

// data decodes an event's data as a map.
func (e event) data(t *testing.T) map[string]any {
	t.Helper()
	var env struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(e.Raw, &env); err != nil {
		t.Fatalf("event %s: %v", e.Raw, err)
	}
	return env.Data
}

// TestExpiringReminderAndExtension: a parcel gets its parcel.expiring
// event at the configured lead time, once, also across a restart of the
// kiosk; parcel.extend moves its expiry (parcel.extended), a second
// extension past the site's cap is refused with limit_exceeded, and past
// the first expiry the recipient's PIN still opens the door.
func TestExpiringReminderAndExtension(t *testing.T) {
	h := newHarness(t, options{staff: true, expiry: time.Minute,
		topTOML: "expiry_reminder = \"50s\"\nmax_extension = \"2h\"\n"})
	h.seed(5)
	h.expect("1Z999AA10000001001", "UPS", "R001", locker.SizeS)
	h.signIn(couriers[0].badge)
	d := h.depositScanned(couriers[0].badge, "1Z999AA10000001001")
	depositedAt := time.Now()
	h.finishVisit()

	rem := h.events.wait(40*time.Second, "parcel.expiring", parcelEvent(locker.EvtParcelExpiring, d.Data.ParcelID))
	if left := rem.data(t)["left_s"].(float64); left <= 0 || left > 50 {
		t.Errorf("parcel.expiring left_s = %v, want within the 50 s lead", left)
	}
	// Once, even across a restart.
	h.stopKiosk(syscall.SIGTERM)
	h.startKiosk()
	time.Sleep(3 * time.Second) // a few ticks of the restarted kiosk
	h.events.sync()
	if n := len(h.events.find(parcelEvent(locker.EvtParcelExpiring, d.Data.ParcelID))); n != 1 {
		t.Fatalf("%d parcel.expiring events after the restart, want 1", n)
	}

	// A refused extension: unknown staff.
	r, err := h.requestTo(h.subj, uplink.CmdParcelExtend, map[string]any{"parcel_id": d.Data.ParcelID, "staff_id": "ghost", "hours": 1}, 10*time.Second)
	if err != nil || r.OK || r.Error == nil || r.Error.Code != uplink.CodeUnauthorized {
		t.Fatalf("parcel.extend for an unknown staff id: %s %v, want %s", r.raw, err, uplink.CodeUnauthorized)
	}
	h.command(uplink.CmdParcelExtend, map[string]any{"parcel_id": d.Data.ParcelID, "staff_id": staffID, "hours": 1})
	ext := h.events.wait(20*time.Second, "parcel.extended", parcelEvent(locker.EvtParcelExtended, d.Data.ParcelID))
	if dd := ext.data(t); dd["staff_id"] != staffID || dd["by_s"] != float64(3600) {
		t.Errorf("parcel.extended %v", dd)
	}
	r, err = h.requestTo(h.subj, uplink.CmdParcelExtend, map[string]any{"parcel_id": d.Data.ParcelID, "staff_id": staffID, "hours": 2}, 10*time.Second)
	if err != nil || r.OK || r.Error == nil || r.Error.Code != uplink.CodeLimit {
		t.Fatalf("parcel.extend past the 2h cap: %s %v, want %s", r.raw, err, uplink.CodeLimit)
	}

	// Past the first expiry the parcel is still collectable by its PIN.
	if wait := time.Until(depositedAt.Add(time.Minute + 5*time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	h.events.sync()
	if n := len(h.events.find(parcelEvent(locker.EvtParcelExpired, d.Data.ParcelID))); n != 0 {
		t.Fatal("the extended parcel expired at its first expiry")
	}
	h.pickupPIN(d.Data.PIN, d.Data.ParcelID)
	h.checkAudit()
}

// TestHelpReportAndSpeech: the Help button on the home screen shows the
// configured contact; "Report a problem" sends incident.reported, without
// a door on the home screen and with the door and parcel on the screens
// after a deposit and after a pickup. With [screen] speech = "espeak-ng"
// the larger-text mode speaks the screen in each language (WAV files from
// the real espeak-ng, speech_dir).
func TestHelpReportAndSpeech(t *testing.T) {
	wavs := filepath.Join(t.TempDir(), "speech")
	h := newHarness(t, options{screenTOML: "support_contact = \"E2E office, +1 555 0100\"\n" +
		"support_url = \"https://example.com/e2e-help\"\nspeech = \"espeak-ng\"\nspeech_dir = \"" + wavs + "\"\n"})
	h.seed(5)
	help := func(screen string) {
		t.Helper()
		h.pressFor(screen, "Help", func() bool { m, _ := h.layout(); return m.Help == "contact" })
	}
	report := func(choice string) event {
		t.Helper()
		if err := h.events.sync(); err != nil {
			t.Fatal(err)
		}
		n := h.events.count()
		h.pressFor("", "Report a problem", func() bool { m, _ := h.layout(); return m.Help == "report" })
		h.pressFor("", choice, func() bool { m, _ := h.layout(); return m.Help == "sent" })
		e := h.events.waitAfter(n, 20*time.Second, "incident.reported", ofType(locker.EvtIncidentReported))
		h.pressFor("", "Close", func() bool { m, _ := h.layout(); return m.Help == "" })
		return e
	}

	help("home")
	h.shot("help-contact")
	in := report("Something else").data(t)
	if in["kind"] != "other" || in["compartment"] != nil || in["flow"] != "" {
		t.Errorf("incident from the home screen: %v", in)
	}

	h.expect("1Z999AA10000002001", "UPS", "R002", locker.SizeS)
	h.signIn(couriers[0].badge)
	d := h.depositScanned(couriers[0].badge, "1Z999AA10000002001")
	help("deposit.done")
	in = report("Damaged parcel").data(t)
	if in["kind"] != "damaged_parcel" || in["compartment"] != d.Data.Compartment || in["parcel_id"] != d.Data.ParcelID || in["courier_id"] != couriers[0].id {
		t.Errorf("incident after the deposit: %v, want door %s parcel %s", in, d.Data.Compartment, d.Data.ParcelID)
	}
	h.finishVisit()

	h.untilUnlock("pickup with PIN", func() {
		h.openPickup(20 * time.Second)
		h.typeText(d.Data.PIN)
		h.key("Return")
	})
	h.events.wait(20*time.Second, "parcel.picked_up", parcelEvent(locker.EvtParcelPickedUp, d.Data.ParcelID))
	help("pickup.done")
	in = report("The door did not open").data(t)
	if in["kind"] != "door_not_opened" || in["compartment"] != d.Data.Compartment || in["parcel_id"] != d.Data.ParcelID || in["flow"] != "pickup" {
		t.Errorf("incident after the pickup: %v", in)
	}
	h.pickupDone()

	// Spoken guidance: the larger text speaks the home screen, then in
	// Spanish.
	h.pressFor("home", "Larger text", func() bool { return len(glob(wavs, "*-en.wav")) > 0 })
	h.pressFor("home", "Español", func() bool { return len(glob(wavs, "*-es.wav")) > 0 })
	for _, f := range glob(wavs, "*.wav") {
		st, err := os.Stat(f)
		if err != nil || st.Size() < 20000 {
			t.Errorf("%s: %d bytes (%v): not a spoken sentence", f, st.Size(), err)
		}
	}
	h.checkAudit()
}

// glob lists the files matching pattern in dir.
func glob(dir, pattern string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	return m
}
