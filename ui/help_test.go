package ui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/speech"
)

func (f *fakeService) ReportIncident(_ context.Context, k locker.IncidentKind) (locker.Incident, error) {
	return locker.Incident{ID: "01FAKE", Kind: k}, f.record("ReportIncident(%s)", k)
}

// testSupport is the support contact of the help tests.
var testSupport = Support{Contact: "Building office, +1 555 0100, 8:00-18:00", URL: "https://help.example.com/locker/k1"}

// tapCard taps a button of the Help card.
func (h *harness) tapCard(b *widget.Button) {
	h.t.Helper()
	if !b.Visible() || b.Disabled() {
		h.t.Fatalf("card button %q not tappable", b.Text)
	}
	test.Tap(b)
}

// incidents reads the incident.reported events in the outbox.
func (w *world) incidents() []map[string]any {
	w.t.Helper()
	evs, err := w.db.OutboxPending(w.ctx, 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		if e.Type != locker.EvtIncidentReported {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(e.Data, &d); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestHelpReportsTheDoorOnScreen opens Help on the door screen of a
// deposit, reports the door, and finds the incident.reported event with
// that door and parcel in the real service's outbox; the flow underneath
// goes on.
func TestHelpReportsTheDoorOnScreen(t *testing.T) {
	h := newServiceHarness(t, Options{Support: testSupport})
	card := h.u.frame.help
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.u.HandleScan(Scan{Text: "HELP-0001", Kind: ScanParcel})
	h.pick("Ana García")
	h.tapPicture("size:S")
	h.wantScreen("deposit.door")
	v := h.u.view

	h.tap("Help")
	if h.u.help != helpContact || !h.u.frame.chrome[3].Visible() {
		t.Fatal("the Help card did not open")
	}
	h.wantText(testSupport.Contact)
	if !h.hasQR() || !strings.Contains(card.urlLabel.Text, testSupport.URL) {
		t.Errorf("no QR code of the support link; texts: %s", h.texts())
	}
	if m := h.u.layoutMap(); m.Help != "contact" || labels(m, "Doesn't fit") || !labels(m, "Report a problem") || !labels(m, "Help") {
		t.Errorf("layout map with the card open: help %q, items %v", m.Help, m.Items)
	}
	h.tapCard(card.report)
	h.wantText("Tap what happened with door " + v.Compartment.ID)
	h.tapCard(card.kinds[0]) // the door did not open
	h.wantText("The operator has been told about door " + v.Compartment.ID)
	if !strings.Contains(h.w.svc.called(), "") || h.u.help != helpSent {
		t.Fatalf("help page %d", h.u.help)
	}
	in := h.w.incidents()
	if len(in) != 1 || in[0]["kind"] != "door_not_opened" || in[0]["compartment"] != v.Compartment.ID ||
		in[0]["parcel_id"] != v.Parcel.ID || in[0]["flow"] != "deposit" {
		t.Fatalf("incident.reported events %v", in)
	}
	// The flow underneath went on: the door still completes the deposit.
	h.openAndClose()
	h.wantScreen("deposit.done")
	h.tapCard(card.close)
	if h.u.frame.chrome[3].Visible() || h.u.layoutMap().Help != "" {
		t.Fatal("the Help card did not close")
	}
	h.tap("Finish")
}

// TestHelpOnHomeWithoutContact: a site with no contact configured says
// to ask the staff and shows no QR code; a report from the home screen
// names no door.
func TestHelpOnHomeWithoutContact(t *testing.T) {
	h := newServiceHarness(t, Options{})
	card := h.u.frame.help
	h.tap("Help")
	h.wantText("Please ask the building's staff for help.")
	if card.contactBox.Visible() {
		t.Error("a QR code without a support link")
	}
	h.tapCard(card.report)
	h.wantText("Tap what happened.")
	h.tapCard(card.kinds[3])
	h.wantText("The operator has been told. Reference")
	in := h.w.incidents()
	if len(in) != 1 || in[0]["kind"] != "other" || in[0]["compartment"] != nil {
		t.Fatalf("events %v", in)
	}
	// The header's Help button closes the card again.
	h.tap("Help")
	if h.u.help != helpClosed {
		t.Error("Help did not close the card")
	}
	// Too many reports: the card says so, in Spanish too.
	h.tap("Español")
	for range locker.IncidentBurst {
		h.tap("Ayuda")
		h.tapCard(card.report)
		h.tapCard(card.kinds[1])
		h.tapCard(card.close)
	}
	h.tap("Ayuda")
	h.tapCard(card.report)
	h.tapCard(card.kinds[1])
	h.wantText("Demasiados avisos en poco tiempo")
	if n := len(h.w.incidents()); n != locker.IncidentBurst {
		t.Errorf("%d incidents, want %d", n, locker.IncidentBurst)
	}
}

// TestHelpClosesOnIdle: a card left open goes away with the idle timeout.
func TestHelpClosesOnIdle(t *testing.T) {
	h := newServiceHarness(t, Options{Support: testSupport})
	h.tap("Pick up")
	h.tap("Help")
	h.clock.Advance(61 * time.Second)
	h.u.tick(h.clock.Now())
	h.wantScreen("home")
	if h.u.help != helpClosed || h.u.frame.chrome[3].Visible() {
		t.Error("the Help card outlived the idle timeout")
	}
}

// TestHelpButtonOnEveryScreen checks the Help button is a touch target
// (at least 60 px square at the design density) on the screens of a
// deposit and a pickup, in both languages.
func TestHelpButtonOnEveryScreen(t *testing.T) {
	h := newServiceHarness(t, Options{})
	check := func() {
		t.Helper()
		for _, lang := range []string{"Help", "Ayuda"} {
			b := h.u.frame.hdr.help
			if b.Text != lang {
				continue
			}
			if s := b.Size(); s.Width < 60 || s.Height < 60 {
				t.Errorf("screen %s: the Help button is %v", h.u.screenKey, s)
			}
			return
		}
		t.Errorf("screen %s: Help button labelled %q", h.u.screenKey, h.u.frame.hdr.help.Text)
	}
	h.u.win.Resize(fyne.NewSize(1280, 800))
	h.u.refresh()
	check()
	cred := h.deposit("EVERY-1", locker.SizeS)
	check()
	h.tap("Pick up")
	check()
	h.keys(cred.PIN)
	h.tap("Open")
	h.wantScreen("pickup.door")
	check()
	h.tap("Español")
	check()
}

// TestPickupShowsTimeLeft: the pickup door screen says how long the
// parcel had left, in both languages.
func TestPickupShowsTimeLeft(t *testing.T) {
	h := newServiceHarness(t, Options{})
	cred := h.deposit("LEFT-1", locker.SizeS)
	h.clock.Advance(24*time.Hour + 30*time.Minute)
	h.tap("Pick up")
	h.keys(cred.PIN)
	h.tap("Open")
	h.wantScreen("pickup.door")
	h.wantText("Time left to collect: 1 day 23 hours.")
	h.tap("Español")
	h.wantText("Tiempo restante para recoger: 1 día 23 horas.")
}

func TestDuration(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		d      time.Duration
		en, es string
	}{
		{72 * time.Hour, "3 days", "3 días"},
		{25 * time.Hour, "1 day 1 hour", "1 día 1 hora"},
		{2*time.Hour + 20*time.Minute, "2 hours 20 minutes", "2 horas 20 minutos"},
		{time.Hour, "1 hour", "1 hora"},
		{45 * time.Minute, "45 minutes", "45 minutos"},
		{10 * time.Second, "1 minute", "1 minuto"},
	}
	for _, tc := range tests {
		h.u.tr.setLang("en")
		if got := h.u.duration(tc.d); got != tc.en {
			t.Errorf("%v: %q, want %q", tc.d, got, tc.en)
		}
		h.u.tr.setLang("es")
		if got := h.u.duration(tc.d); got != tc.es {
			t.Errorf("%v: %q, want %q", tc.d, got, tc.es)
		}
	}
}

// heard is a Speaker that records what it is asked to say and passes it
// on to the real espeak-ng (writing WAV files).
type heard struct {
	mu    sync.Mutex
	said  []string
	stops int
	real  *speech.Espeak
}

func (s *heard) Say(lang, text string) {
	s.mu.Lock()
	s.said = append(s.said, lang+": "+text)
	s.mu.Unlock()
	s.real.Say(lang, text)
}

func (s *heard) Interrupt() {
	s.mu.Lock()
	s.stops++
	s.mu.Unlock()
	s.real.Interrupt()
}

func (s *heard) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.said...)
}

// TestSpokenGuidance turns on the larger text with espeak-ng as the
// speaker: each screen's instruction is said in the screen's language,
// each PIN digit typed too; nothing is said without the larger text, and
// staff codes never. espeak-ng writes real WAV files.
func TestSpokenGuidance(t *testing.T) {
	dir := t.TempDir()
	real, err := speech.New(speech.Options{Dir: dir, MaxAge: time.Minute, Queue: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- real.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	sp := &heard{real: real}
	h := newServiceHarness(t, Options{Speaker: sp})
	cred := h.deposit("SPEAK-1", locker.SizeS)
	if n := len(sp.all()); n != 0 {
		t.Fatalf("spoke without the larger text: %v", sp.all())
	}
	h.tap("Larger text")
	h.tap("Pick up")
	h.keys(cred.PIN[:3])
	h.tap("Español")
	h.keys(cred.PIN[3:])
	h.tap("Abrir")
	h.wantScreen("pickup.door")
	said := sp.all()
	joined := strings.Join(said, "\n")
	wants := []string{"en: Welcome", "en: Pick up", "en: " + cred.PIN[:1], "es: " + cred.PIN[3:4], "es: Abriendo la puerta"}
	for _, w := range wants {
		if !strings.Contains(joined, w) {
			t.Errorf("not said: %q; said:\n%s", w, joined)
		}
	}
	digits := 0
	for _, s := range said {
		if len(s) == 5 && s[4] >= '0' && s[4] <= '9' {
			digits++
		}
	}
	if digits != len(cred.PIN) {
		t.Errorf("%d digits said, want %d:\n%s", digits, len(cred.PIN), joined)
	}
	// espeak-ng made audio of it. A new screen cuts off the utterance
	// before it, so on a busy machine only the last one of a burst is
	// sure to be written: wait for the Spanish door instruction, then
	// switch back to English and wait for that instruction.
	wavs := func(lang string) bool {
		f, _ := filepath.Glob(filepath.Join(dir, "*-"+lang+".wav"))
		return len(f) > 0
	}
	if !poll(60*time.Second, func() bool { return wavs("es") }) {
		files, _ := os.ReadDir(dir)
		t.Fatalf("no Spanish WAV file: %v", files)
	}
	h.tap("English")
	if !poll(60*time.Second, func() bool { return wavs("en") }) {
		files, _ := os.ReadDir(dir)
		t.Fatalf("no English WAV file: %v", files)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.Size() < 2000 {
			t.Errorf("%s: %v bytes, %v", f, st.Size(), err)
		}
	}

	// Staff codes are never said.
	n := len(sp.all())
	h.u.goHome()
	h.tap("Staff")
	h.keys("246800")
	for _, s := range sp.all()[n:] {
		if strings.ContainsAny(s[4:5], "0123456789") && len(s) == 5 {
			t.Errorf("a staff PIN digit was said: %q", s)
		}
	}
	// Turning the larger text off stops the speech.
	stops := sp.stops
	h.tap("Larger text")
	if sp.stops == stops {
		t.Error("turning the larger text off did not stop the speech")
	}
}

// poll reports whether cond became true within d.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// labels reports whether m has an item labelled label.
func labels(m LayoutMap, label string) bool {
	for _, it := range m.Items {
		if it.Label == label {
			return true
		}
	}
	return false
}

// TestHelpScreenshots draws the Help card's pages and the pickup door
// with the time left, landscape and portrait, in English, Spanish and
// the larger text (h.shot checks each fits). With UI_SCREENSHOTS=DIR it
// writes them as DIR/22-... to 25-....
func TestHelpScreenshots(t *testing.T) {
	for _, sz := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1080, Height: 1920}} {
		suffix := "-landscape"
		if sz.Height > sz.Width {
			suffix = "-portrait"
		}
		t.Run(suffix[1:], func(t *testing.T) {
			h := newServiceHarness(t, Options{Support: testSupport, Portrait: sz.Height > sz.Width})
			h.u.win.Resize(sz)
			h.u.refresh()
			card := h.u.frame.help
			cred := h.deposit("SHOT-1", locker.SizeS)
			h.clock.Advance(20 * time.Hour)
			h.tap("Pick up")
			h.keys(cred.PIN)
			h.tap("Open")
			h.wantScreen("pickup.door")
			h.w.door(h.u.view, locker.EventOpened)
			h.shot("22-pickup-door-time-left" + suffix)
			h.tap("Help")
			h.shot("23-help-contact" + suffix)
			h.tapCard(card.report)
			h.shot("24-help-report" + suffix)
			h.tapCard(card.kinds[2])
			h.shot("25-help-sent" + suffix)
		})
	}
}
