package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/scanner"
)

func TestHomeShowsBothActionsAndLanguage(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.wantScreen("home")
	for _, s := range []string{"Drop off", "Pick up", "Welcome"} {
		h.wantText(s)
	}
	if !h.hasButton("Español") || !h.hasButton("Larger text") {
		t.Fatalf("language or accessibility button missing: %s", h.texts())
	}
	if h.has("Demo") {
		t.Fatalf("demo panel shown without Options.Demo")
	}
}

func TestScanOnHomeStartsTheRightFlow(t *testing.T) {
	tests := []struct {
		name     string
		scan     Scan
		wantCall string
		wantKey  string
		wantText string
	}{
		{"courier badge", Scan{Text: "BADGE-UPS-7", Kind: ScanBadge}, "CourierSignIn(BADGE-UPS-7)", "deposit.scan", "Scan the parcel"},
		{"wrong QR", Scan{Text: "PKQ1.nope", Kind: ScanPickupQR}, "PickupWithQR", "home", "That code is not right"},
		{"parcel before badge", Scan{Text: "1Z999", Kind: ScanParcel}, "ReturnLabelScan(1Z999)", "home", "scan your badge first"},
		{"unknown code", Scan{Text: "hello", Kind: ScanUnknown}, "ReturnLabelScan(hello)", "home", "not recognised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newServiceHarness(t, Options{})
			h.u.HandleScan(tt.scan)
			if got := h.w.svc.called(); got != tt.wantCall {
				t.Errorf("calls = %q, want %q", got, tt.wantCall)
			}
			h.wantScreen(tt.wantKey)
			h.wantText(tt.wantText)
		})
	}
	t.Run("pickup QR", func(t *testing.T) {
		h := newServiceHarness(t, Options{})
		c := h.deposit("1Z999AA10123456784", locker.SizeM)
		h.u.HandleScan(Scan{Text: c.QR, Kind: ScanPickupQR})
		h.wantScreen("pickup.door")
		if got := h.w.svc.called(); !strings.HasSuffix(got, "PickupWithQR") {
			t.Errorf("calls = %q, want PickupWithQR last", got)
		}
	})
}

func TestCourierDepositEveryStep(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.tap("Drop off")
	h.wantScreen("courier")

	// A wrong code says so and stays.
	h.keys("123400")
	h.tap("OK")
	h.wantScreen("courier")
	h.wantText("Badge or courier code not recognised.")

	// The wrong code was cleared; the keypad's erase key removes the last digit.
	if got := h.u.fields.courier.text; got != "" {
		t.Fatalf("wrong code kept in the field: %q", got)
	}
	h.keys("4711009")
	h.tapErase()
	if got := h.u.fields.courier.text; got != "471100" {
		t.Fatalf("after erase code = %q, want 471100", got)
	}
	h.tap("OK")
	h.wantScreen("deposit.scan")
	h.wantText("Hello Sam Rivera (UPS).")

	// Typing a barcode on the on-screen keyboard.
	h.keys("ab12")
	h.tap("OK")
	h.wantScreen("deposit.recipient")

	// Directory: nobody before two characters, one page at most, short names.
	h.wantText("Type at least 2 letters")
	if len(h.pictures("recipient:")) != 0 || h.hasButton("Next") {
		t.Fatalf("the directory is browsable: %s", h.texts())
	}
	h.keys("a")
	h.wantText("Type at least 2 letters")
	if len(h.pictures("recipient:")) != 0 {
		t.Fatalf("one letter lists people: %s", h.texts())
	}
	h.keys("r")
	if n := len(h.pictures("recipient:")); n != 7 {
		t.Fatalf("%d results for ar, want 7: %s", n, h.texts())
	}
	h.wantText("Ana G.")
	h.wantText("100A")
	if h.has("García") || h.has("Fernández") {
		t.Fatalf("a full name shows: %s", h.texts())
	}
	h.tapErase()
	h.tapErase()
	h.keys("130")
	if h.has("Ana G.") {
		t.Fatalf("search for 130 still lists Ana: %s", h.texts())
	}
	h.pick("David Kim")
	h.wantScreen("deposit.size")
	h.wantText("For David K., 130D.")

	// Size picker: drawings for each size of the bank; S has 4 free.
	if n := len(h.pictures("size:")); n != 5 {
		t.Fatalf("%d size buttons, want 5", n)
	}
	h.wantText("4 free")
	h.tapPicture("size:S")
	h.wantScreen("deposit.door")
	first := h.u.view.Compartment
	if first.Size != locker.SizeS {
		t.Fatalf("door %s of size %s, want S", first.ID, first.Size)
	}
	h.w.door(h.u.view, locker.EventOpened)
	h.wantText("Door " + first.ID + " is open")
	if m := h.bankMap(); m.highlight != first.ID {
		t.Fatalf("bank drawing highlights %q, want %s", m.highlight, first.ID)
	}

	h.tap("Doesn't fit")
	larger := h.u.view.Compartment
	if larger.ID == first.ID || larger.Size == locker.SizeS {
		t.Fatalf("doesn't fit moved to %s (%s)", larger.ID, larger.Size)
	}
	h.wantText("A larger door is opening: " + larger.ID + ".")
	h.tap("Door didn't open")
	h.wantText("Trying to open door " + larger.ID + " once more")
	h.tap("Cancel")
	h.wantScreen("home")
	want := "CourierSignIn(123400); CourierSignIn(471100); ScanParcel(ab12,UPS); ChooseRecipient(r4); ChooseSize(S); DoesntFit; DoorDidntOpen; Cancel"
	if got := h.w.svc.called(); got != want {
		t.Fatalf("calls:\n got %s\nwant %s", got, want)
	}
}

func TestSizeWithNoFreeDoorIsDisabled(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.deposit("P-XL", locker.SizeXL) // the bank's one XL door
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.u.HandleScan(Scan{Text: "X1", Kind: ScanParcel})
	h.pick("Ana García")
	if !h.picture("size:XL").Disabled() {
		t.Fatal("XL enabled with no free XL door")
	}
	if h.picture("size:M").Disabled() {
		t.Fatal("M disabled with free M doors")
	}
}

func TestPreAdviceNeedsNoTap(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge, Source: "hid"})
	h.u.HandleScan(Scan{Text: "PRE-0001", Kind: ScanParcel, Carrier: "DHL", Source: "hid"})
	h.wantScreen("deposit.door")
	if z := h.u.view.Compartment.Size; z != locker.SizeS {
		t.Fatalf("pre-advised S parcel got a %s door", z)
	}
	if got, want := h.w.svc.called(), "CourierSignIn(BADGE-UPS-7); ScanParcel(PRE-0001,DHL)"; got != want {
		t.Fatalf("calls = %q, want %q", got, want)
	}
}

func TestNextParcelAddToDoorAndReceipt(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.u.HandleScan(Scan{Text: "P1", Kind: ScanParcel})
	h.pick("Ana García")
	h.tapPicture("size:M")
	door := h.u.view.Compartment.ID
	h.openAndClose()
	h.wantScreen("deposit.done")
	h.wantText("Parcel in door " + door)
	h.tap("Next parcel")
	h.wantScreen("deposit.scan")
	h.wantText("Scan the next parcel")
	h.wantText("1 in this visit")
	h.u.HandleScan(Scan{Text: "P2", Kind: ScanParcel})
	h.pick("Ana García")
	h.tap("Put it in door " + door + " with the other parcel")
	h.wantScreen("deposit.door")
	h.w.door(h.u.view, locker.EventOpened)
	h.wantText("Door " + door + " is open")
	h.w.door(h.u.view, locker.EventClosed)
	h.tap("Finish")
	h.wantScreen("receipt")
	h.wantText("2 parcels delivered")
	if !h.hasQR() {
		t.Fatal("receipt screen has no QR image")
	}
	h.tap("Done")
	h.wantScreen("home")
	if !strings.HasSuffix(h.w.svc.called(), "AddToDoor; FinishDeposit") {
		t.Fatalf("calls = %s", h.w.svc.called())
	}
}

func TestPickupBranches(t *testing.T) {
	tests := []struct {
		name    string
		code    func(h *harness, pin string) string
		wantKey string
		want    string
	}{
		{"wrong code", func(*harness, string) string { return "12345678" }, "pickup", "That code is not right. Check your message and try again."},
		{"expired parcel", func(h *harness, pin string) string {
			h.clock.Advance(73 * time.Hour)
			h.w.svc.Tick(h.w.ctx) // the expiry sweep
			return pin
		}, "pickup", "This parcel has expired. Please contact the building office."},
		{"right code", func(_ *harness, pin string) string { return pin }, "pickup.door", "Door "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newServiceHarness(t, Options{})
			c := h.deposit("1Z999AA10123456784", locker.SizeM)
			code := tt.code(h, c.PIN)
			h.tap("Pick up")
			h.keys(code)
			h.tap("Open")
			h.wantScreen(tt.wantKey)
			h.wantText(tt.want)
		})
	}
}

// lockOut types five wrong codes: the keypad locks.
func lockOut(h *harness) {
	h.t.Helper()
	h.tap("Pick up")
	for range 5 {
		h.keys("12345678")
		h.tap("Open")
	}
	h.wantText("Too many wrong codes. Try again in 0:30.")
}

func TestLockoutCountsDownAndHidesKeypad(t *testing.T) {
	h := newServiceHarness(t, Options{})
	lockOut(h)
	if h.hasButton("Open") {
		t.Fatal("keypad still shown while locked")
	}
	h.clock.Advance(10 * time.Second)
	h.u.lastTouch = h.clock.Now()
	h.u.tick(h.clock.Now())
	h.wantText("Try again in 0:20.")
}

func TestPickupDoorThenDone(t *testing.T) {
	h := newServiceHarness(t, Options{})
	c := h.deposit("1Z999AA10123456784", locker.SizeM)
	h.tap("Pick up")
	h.keys(c.PIN)
	h.tap("Open")
	h.wantScreen("pickup.door")
	h.tap("Door didn't open")
	h.openAndClose()
	h.wantScreen("pickup.done")
	h.wantText("All done")
	h.tap("Done")
	h.wantScreen("home")
	if got := h.w.svc.called(); !strings.HasSuffix(got, "PickupWithPIN("+c.PIN+"); DoorDidntOpen; Cancel") {
		t.Fatalf("calls = %q", got)
	}
}

func TestPhysicalKeyboardWithoutWedge(t *testing.T) {
	h := newServiceHarness(t, Options{})
	cred := h.deposit("P1", locker.SizeS)
	h.tap("Pick up")
	c := h.u.win.Canvas()
	for _, r := range cred.PIN {
		c.OnTypedRune()(r)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.wantScreen("pickup.door")
	if got := h.w.svc.called(); !strings.HasSuffix(got, "PickupWithPIN("+cred.PIN+")") {
		t.Fatalf("calls = %q", got)
	}
}

func TestKeysGoThroughTheWedge(t *testing.T) {
	wedge := scanner.NewWedge(scanner.WedgeOptions{})
	h := newServiceHarness(t, Options{Keys: wedge})
	pin := h.deposit("P1", locker.SizeS).PIN
	calls := h.w.svc.called()
	h.tap("Pick up")
	c := h.u.win.Canvas()
	// A person: keys 150 ms apart come out as typing, the last one by Flush.
	for _, r := range pin[:4] {
		c.OnTypedRune()(r)
		h.clock.Advance(150 * time.Millisecond)
	}
	h.u.flushKeys(h.clock.Now())
	if got := h.u.fields.pin.text; got != pin[:4] {
		t.Fatalf("typed %q, want %s", got, pin[:4])
	}
	// A scanner: a burst of keys 5 ms apart and Enter is a scan, not typing,
	// and its Enter does not submit the PIN.
	for _, r := range "PKQ1.token" {
		c.OnTypedRune()(r)
		h.clock.Advance(5 * time.Millisecond)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.u.flushKeys(h.clock.Now().Add(time.Second))
	if got := h.u.fields.pin.text; got != pin[:4] {
		t.Fatalf("scan leaked into the field: %q", got)
	}
	if got := h.w.svc.called(); got != calls {
		t.Fatalf("the scanner's Enter acted: %q", got)
	}
	// The person finishes the PIN and presses Enter slowly.
	for _, r := range pin[4:] {
		c.OnTypedRune()(r)
		h.clock.Advance(200 * time.Millisecond)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.wantScreen("pickup.door")
	if got := h.w.svc.called(); got != calls+"; PickupWithPIN("+pin+")" {
		t.Fatalf("calls = %q", got)
	}
}

func TestPersonTyped(t *testing.T) {
	h := newServiceHarness(t, Options{})
	pin := h.deposit("P1", locker.SizeS).PIN
	h.tap("Pick up")
	for _, r := range pin + "0\b\n" {
		h.u.PersonTyped(r)
	}
	h.wantScreen("pickup.door")
}

func TestIdleWarnsThenGoesHomeAndClears(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.tap("Drop off")
	h.keys("47")
	h.clock.Advance(49 * time.Second)
	h.u.tick(h.clock.Now())
	if h.u.warned {
		t.Fatal("warned before 50 s")
	}
	h.clock.Advance(time.Second)
	h.u.tick(h.clock.Now())
	h.wantText("Are you still there?")
	h.wantText("Going back to the start in 10 seconds.")
	h.tap("I'm still here")
	if h.u.warned || h.has("Are you still there?") {
		t.Fatal("warning stayed after a touch")
	}
	h.wantScreen("courier")
	h.clock.Advance(60 * time.Second)
	h.u.tick(h.clock.Now())
	h.wantScreen("home")
	h.tap("Drop off")
	if h.u.fields.courier.text != "" {
		t.Fatalf("code kept after idle timeout: %q", h.u.fields.courier.text)
	}
}

func TestIdleCancelsARunningFlow(t *testing.T) {
	h := newServiceHarness(t, Options{IdleWarn: 5 * time.Second, IdleTimeout: 10 * time.Second})
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.keys("abc")
	h.clock.Advance(10 * time.Second)
	h.u.tick(h.clock.Now())
	h.wantScreen("home")
	if !strings.HasSuffix(h.w.svc.called(), "Cancel") {
		t.Fatalf("idle timeout did not cancel: %s", h.w.svc.called())
	}
	if h.u.fields.barcode.text != "" {
		t.Fatal("barcode kept after idle timeout")
	}
}

func TestHomeNeverTimesOut(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.clock.Advance(10 * time.Minute)
	h.u.tick(h.clock.Now())
	if h.u.warned || h.w.svc.called() != "" {
		t.Fatalf("idle home screen warned=%v calls=%q", h.u.warned, h.w.svc.called())
	}
}

func TestLanguageButtonOnEveryScreen(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.tap("Español")
	h.wantText("Recoger")
	h.wantText("Bienvenido")
	h.tap("Recoger")
	h.wantText("Recoger un paquete")
	h.keys("12345678")
	h.tap("Abrir")
	h.wantText("Ese código no es correcto.")
	h.tap("English")
	h.wantText("Pick up a parcel")
	if h.u.fields.pin.hint != "Pickup code" {
		t.Fatalf("field hint %q not translated back", h.u.fields.pin.hint)
	}
}

func TestPlurals(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		lang, id string
		count    int
		want     string
	}{
		{"en", "idle.body", 1, "Going back to the start in 1 second. Touch the screen to continue."},
		{"en", "idle.body", 10, "Going back to the start in 10 seconds. Touch the screen to continue."},
		{"en", "receipt.body", 1, "1 parcel delivered. Scan this QR code as proof of delivery."},
		{"en", "done.failed", 2, "2 doors did not open. The building staff have been told."},
		{"en", "door.retrieve", 1, "Take the expired parcel out and close the door."},
		{"es", "idle.body", 1, "Volviendo al inicio en 1 segundo. Toque la pantalla para continuar."},
		{"es", "receipt.body", 3, "3 paquetes entregados. Escanee este código QR como comprobante de entrega."},
		{"en", "maint.expired", 1, "Expired (1)"}, // one form for every count
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %d", tt.lang, tt.id, tt.count), func(t *testing.T) {
			h.u.tr.setLang(tt.lang)
			if got := h.u.tr.T(tt.id, map[string]any{"Count": tt.count}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEveryMessageIsTranslated(t *testing.T) {
	h := newHarness(t, Options{})
	en, es := map[string]bool{}, map[string]bool{}
	for _, tag := range []string{"en", "es"} {
		h.u.tr.setLang(tag)
		for _, id := range []string{"home.welcome", "err.wrong_code", "notice.door_faulty", "idle.body", "pickup.locked"} {
			s := h.u.tr.T(id, map[string]any{"Door": "A1", "Count": 3, "Time": "1:00"})
			if s == id || s == "" {
				t.Errorf("%s: %s untranslated", tag, id)
			}
			if tag == "en" {
				en[s] = true
			} else {
				es[s] = true
			}
		}
	}
	for s := range es {
		if en[s] {
			t.Errorf("Spanish text %q equals the English one", s)
		}
	}
}

func TestAccessibilityModeEnlargesText(t *testing.T) {
	h := newServiceHarness(t, Options{})
	before := h.u.app.Settings().Theme().Size("text")
	h.tap("Larger text")
	after := h.u.app.Settings().Theme().Size("text")
	if after <= before {
		t.Fatalf("text size %v -> %v, want larger", before, after)
	}
	bg := h.u.app.Settings().Theme().Color("background", 0)
	if r, g, b, _ := bg.RGBA(); r+g+b != 0 {
		t.Fatalf("accessible background %v, want black", bg)
	}
	h.tap("Larger text")
	if got := h.u.app.Settings().Theme().Size("text"); got != before {
		t.Fatalf("text size %v after turning it off, want %v", got, before)
	}
}

func TestDemoPanelShowsTheCredential(t *testing.T) {
	h := newServiceHarness(t, Options{Demo: true})
	h.wantText("Deposit a parcel")
	if h.hasQR() {
		t.Fatal("demo panel has a QR before any deposit")
	}
	c := h.deposit("1Z999AA10123456784", locker.SizeM)
	h.wantText(c.PIN)
	if !h.hasQR() {
		t.Fatal("demo panel has no QR")
	}
	h.tap("Scan this QR")
	h.wantScreen("pickup.door")
	if got := h.w.svc.called(); !strings.HasSuffix(got, "PickupWithQR") {
		t.Fatalf("calls = %q", got)
	}
}

func TestCameraPreviewOnPickup(t *testing.T) {
	h := newServiceHarness(t, Options{Camera: stillCamera{}})
	h.tap("Pick up")
	h.wantText("Or hold your QR code to the camera")
	open := h.button("Open")
	h.u.setPreview(stillCamera{}.Preview())
	if h.button("Open") != open {
		t.Fatal("a camera frame rebuilt the keypad")
	}
	found := false
	for _, o := range h.objects() {
		if img, ok := o.(*canvas.Image); ok && img.Image != nil && img.Image.Bounds().Dx() == 64 {
			found = true
		}
	}
	if !found {
		t.Fatal("camera frame not shown")
	}
}

func TestRunFollowsTheServiceUntilCancelled(t *testing.T) {
	h := newHarness(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.u.Run(ctx) }()
	deadline := time.Now().Add(2 * time.Second)
	for {
		h.svc.mu.Lock()
		n := len(h.svc.subs)
		h.svc.mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	h.svc.mu.Lock()
	n := len(h.svc.subs)
	h.svc.mu.Unlock()
	if n < 2 {
		t.Fatal("Run did not subscribe to the service")
	}
}

func TestServiceErrorInTheViewIsShown(t *testing.T) {
	h := newHarness(t, Options{})
	h.svc.update(func(v *locker.View) {
		v.Flow, v.Step = locker.FlowDeposit, locker.StepScan
		v.Courier = locker.Courier{ID: "c1", Name: "Sam Rivera", Carrier: "UPS"}
	})
	h.wantScreen("deposit.scan")
	h.svc.update(func(v *locker.View) { v.Err = fmt.Errorf("locker: store: %w", locker.ErrStoreDown) })
	h.wantText("The locker cannot take deliveries right now. Please try later.")
}

func TestQROnPickupDoneStartsAnotherPickup(t *testing.T) {
	h := newServiceHarness(t, Options{})
	first := h.deposit("P1", locker.SizeS)
	second := h.deposit("P2", locker.SizeM)
	h.u.HandleScan(Scan{Text: first.QR, Kind: ScanPickupQR})
	h.openAndClose()
	h.wantScreen("pickup.done")
	h.u.HandleScan(Scan{Text: second.QR, Kind: ScanPickupQR})
	h.wantScreen("pickup.door")
}

func TestErrorSentences(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		err  error
		want string
	}{
		{locker.ErrWrongCode, "That code is not right"},
		{locker.ErrLockedOut, "Too many wrong codes"},
		{locker.ErrExpired, "has expired"},
		{locker.ErrTooLarge, "too large"},
		{locker.ErrLockerFull, "no door of that size is free"},
		{locker.ErrDuplicate, "already in the locker"},
		{locker.ErrInvalid, "does not look right"},
		{locker.ErrBadState, "cannot be done right now"},
		{locker.ErrStoreDown, "cannot take deliveries"},
		{locker.ErrDoorNotOpened, "did not open"},
		{locker.ErrUnauthorized, "not allowed"},
		{locker.ErrBusUnavailable, "locks are not answering"},
		{locker.ErrNotFound, "That code is not right"},
		{context.DeadlineExceeded, "took too long"},
		{errors.New("disk on fire"), "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			got := h.u.errText(fmt.Errorf("locker: doing it: %w", tt.err))
			if !strings.Contains(got, tt.want) {
				t.Fatalf("errText = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestNoticesAreTranslated(t *testing.T) {
	h := newHarness(t, Options{})
	kinds := []locker.NoticeKind{locker.NoticeUpsized, locker.NoticeRetrying, locker.NoticeDoorFaulty, locker.NoticeDoorFailed,
		locker.NoticeMovedLarger, locker.NoticeBusError, locker.NoticeInterrupted, locker.NoticeStoreDown, locker.NoticeCloseDoor, locker.NoticeNothingToDo,
		locker.NoticeParcelKept, locker.NoticeDoorTimeout}
	for _, tag := range []string{"en", "es"} {
		h.u.tr.setLang(tag)
		for _, k := range kinds {
			h.u.view.Notice = locker.Notice{Kind: k, Compartment: "A7", Size: locker.SizeM, Text: "english fallback"}
			got := h.u.noticeText()
			if got == "english fallback" || strings.HasPrefix(got, "notice.") {
				t.Errorf("%s: notice %s not translated", tag, k)
			}
		}
	}
	// A door that failed during a deposit: the sentence names both doors.
	h.u.tr.setLang("en")
	h.u.view.Notice = locker.Notice{Kind: locker.NoticeDoorFaulty, Compartment: "B3", Failed: "A2"}
	if got, want := h.u.noticeText(), "Door A2 did not open. Please use door B3, opening now."; got != want {
		t.Errorf("door_faulty notice = %q, want %q", got, want)
	}
	// Counted notices say "1 parcel", "2 parcels".
	for _, tt := range []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "1 expired parcel for this code is with the building staff. Please contact the building office."},
		{"en", 2, "2 expired parcels for this code are with the building staff. Please contact the building office."},
		{"es", 2, "2 paquetes vencidos de este código están con el personal del edificio. Contacte con la administración."},
	} {
		h.u.tr.setLang(tt.lang)
		h.u.view.Notice = locker.Notice{Kind: locker.NoticeExpiredWithStaff, Count: tt.count, Text: "english fallback"}
		if got := h.u.noticeText(); got != tt.want {
			t.Errorf("%s expired_with_staff notice (%d) = %q, want %q", tt.lang, tt.count, got, tt.want)
		}
	}
}

func TestHomeWarnsWhenLocksAreOffline(t *testing.T) {
	h := newHarness(t, Options{})
	if h.has("locks are not answering") {
		t.Fatal("offline warning with boards online")
	}
	h.svc.update(func(v *locker.View) {
		v.BoardsOnline = false
		v.Notice = locker.Notice{Kind: locker.NoticeStoreDown}
	})
	h.wantText("The locks are not answering right now.")
	h.wantText("The locker cannot take deliveries right now.")
}

func TestNoIdleTimeoutWhileADoorIsOpen(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.u.HandleScan(Scan{Text: "PRE-0001", Kind: ScanParcel})
	h.wantScreen("deposit.door")
	h.w.door(h.u.view, locker.EventOpened)
	for range 5 {
		h.clock.Advance(30 * time.Second)
		h.u.tick(h.clock.Now())
	}
	h.wantScreen("deposit.door")
	if h.u.warned || strings.HasSuffix(h.w.svc.called(), "Cancel") {
		t.Fatalf("idle timer ran with the door open: warned=%v calls=%s", h.u.warned, h.w.svc.called())
	}
	// Once the door closes the timer runs again from then.
	h.w.door(h.u.view, locker.EventClosed)
	h.clock.Advance(59 * time.Second)
	h.u.tick(h.clock.Now())
	h.wantScreen("deposit.done")
	h.clock.Advance(time.Second)
	h.u.tick(h.clock.Now())
	h.wantScreen("home")
}

func TestIdleWarnFollowsAShortTimeout(t *testing.T) {
	h := newServiceHarness(t, Options{IdleTimeout: 30 * time.Second})
	h.tap("Drop off")
	h.clock.Advance(25 * time.Second)
	h.u.tick(h.clock.Now())
	h.wantText("Going back to the start in 5 seconds.")
}

func TestIdleTimeoutResetsLanguageAndLook(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.tap("Español")
	h.tap("Texto grande")
	h.tap("Recoger")
	h.clock.Advance(time.Minute)
	h.u.tick(h.clock.Now())
	h.wantScreen("home")
	h.wantText("Welcome")
	if h.u.accessible {
		t.Fatal("accessibility mode kept for the next person")
	}
}

func TestErrorFollowsTheLanguage(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.tap("Pick up")
	h.keys("12345678")
	h.tap("Open")
	h.wantText("That code is not right.")
	h.tap("Español")
	h.wantText("Ese código no es correcto.")
}

// TestCountdownTickTouchesOnlyItsLabel checks that the once-a-second tick
// changes the countdown's sentence and nothing else: no object on screen is
// added, removed or replaced, and every other text stays as it was.
func TestCountdownTickTouchesOnlyItsLabel(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *harness)
	}{
		{"keypad lockout", func(h *harness) {
			lockOut(h)
		}},
		{"are you still there?", func(h *harness) {
			h.tap("Drop off")
			h.clock.Advance(50 * time.Second)
			h.u.tick(h.clock.Now())
			h.wantText("Going back to the start in 10 seconds.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newServiceHarness(t, Options{})
			h.u.win.Resize(fyne.NewSize(1280, 800))
			tt.setup(h)
			h.u.tick(h.clock.Now()) // settle at the window's size
			objs, texts := h.objects(), h.ownTexts()
			h.clock.Advance(time.Second)
			h.u.tick(h.clock.Now())
			after, afterTexts := h.objects(), h.ownTexts()
			if !slices.Equal(objs, after) {
				t.Fatalf("the tick changed the objects on screen: %d before, %d after", len(objs), len(after))
			}
			var changed []string
			for o, s := range afterTexts {
				if texts[o] != s {
					changed = append(changed, fmt.Sprintf("%T %q -> %q", o, texts[o], s))
				}
			}
			if len(changed) != 1 {
				t.Fatalf("the tick changed %d texts, want the countdown's only: %v", len(changed), changed)
			}
		})
	}
}

// TestPickupBudgetSpentForTheDay checks the sentence shown when the day's
// budget of wrong PINs is spent (the keypad stays locked for hours): the
// QR code still works.
func TestPickupBudgetSpentForTheDay(t *testing.T) {
	h := newHarness(t, Options{})
	h.tap("Pick up")
	h.svc.update(func(v *locker.View) { v.Locked, v.LockedUntil = true, h.clock.Now().Add(23*time.Hour) })
	h.wantText("Too many wrong codes today. Scan the QR code from your message, or ask the building office.")
	if h.hasButton("Open") {
		t.Fatal("keypad shown while locked for the day")
	}
}
