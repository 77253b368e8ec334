// Package ui is the kiosk's full-screen Fyne touchscreen app: the home
// screen, the courier deposit flow, the recipient pickup flow, staff
// maintenance and the demo panel. It holds no business logic: every button
// calls one method of the domain Service. Each screen is built once and
// updated in place from the service's View, which the UI receives through
// Subscribe and hands to the UI goroutine with fyne.Do. Service calls run
// off the UI goroutine so that serial, database and network work never
// blocks it.
//
// Wiring (cmd/kiosk):
//
//	u, err := ui.New(app, svc, ui.Options{Demo: demo, Fullscreen: true, Keys: wedge, Diag: diag})
//	go u.Run(ctx)                  // View updates, idle timer, key flushing, camera preview
//	go func() {                    // every scanner, classified by scanner.Classify
//		for s := range scans {
//			u.HandleScan(ui.Scan{Text: s.Text, Kind: ui.ScanParcel, ...})
//		}
//	}()
//	u.Window().ShowAndRun()        // on the main goroutine
//
// The screens fit 1280x800 (landscape) and 1080x1920 (portrait); the
// layout follows the window's shape.
package ui

import (
	"context"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/parcelkiosk/locker"
)

// Service is the part of the domain service (*locker.Service) the screens
// call. Signatures follow docs/internals.md.
type Service interface {
	Subscribe(fn func(locker.View)) (cancel func())
	View() locker.View

	CourierSignIn(ctx context.Context, code string) error
	ScanParcel(ctx context.Context, barcode, carrier string) error
	SearchRecipients(ctx context.Context, query string) (locker.RecipientPage, error)
	ChooseRecipient(ctx context.Context, id string) error
	ChooseSize(ctx context.Context, z locker.Size) error
	AddToDoor(ctx context.Context) error
	DoesntFit(ctx context.Context) error
	DoorDidntOpen(ctx context.Context) error
	NextParcel(ctx context.Context) error
	FinishDeposit(ctx context.Context) (locker.Receipt, error)
	Cancel(ctx context.Context) error

	PickupWithPIN(ctx context.Context, pin string) error
	PickupWithQR(ctx context.Context, token string) error

	StaffSignIn(ctx context.Context, pin, totpCode string) error
	StaffOpenDoor(ctx context.Context, compartmentID, reason string) error
	SetCompartmentStatus(ctx context.Context, compartmentID string, st locker.CompartmentStatus, reason string) error
	ExpiredParcels() []locker.Parcel
	RetrieveExpired(ctx context.Context) error
	AuditPage(ctx context.Context, page int) (locker.AuditPage, error)
	Reconcile(ctx context.Context) ([]locker.Discrepancy, error)
	ResolveInterrupted(ctx context.Context, compartmentID string, parcelInside bool) error
	SignOut(ctx context.Context) error

	// ReportIncident sends "Report a problem" from the Help card.
	ReportIncident(ctx context.Context, kind locker.IncidentKind) (locker.Incident, error)
	// The item sensor and a full bank (screens_sensor.go).
	OpenAgain(ctx context.Context) error
	CancelParcel(ctx context.Context) error
	LeaveParcel(ctx context.Context) error
	DeclineDoor(ctx context.Context) error
}

// ScanKind is what a scanned code is, as the scanner package classified it.
type ScanKind int

// Scan kinds. The wiring maps scanner.Classify's kinds onto these.
const (
	ScanUnknown ScanKind = iota
	ScanPickupQR
	ScanBadge
	ScanParcel
)

// Scan is one code read by a scanner (HID, keyboard wedge, serial, camera).
type Scan struct {
	Text      string
	Symbology string
	Source    string
	Kind      ScanKind
	Carrier   string // for parcel barcodes whose carrier was recognised
	At        time.Time
}

// KeySink tells a keyboard-wedge scanner from a person typing on a
// physical keyboard: *scanner.Wedge implements it. The UI hands it every
// key of the window with its time, inserts the keys it gives back as
// typing into the screen's entry box, and calls Flush about every 50 ms so
// held keys of a slow typist come out. Scans it recognises reach the UI
// through the wiring's HandleScan. All calls happen on the UI goroutine.
type KeySink interface {
	Key(r rune, at time.Time) (typed []rune)
	Enter(at time.Time) (typed []rune, scan bool)
	Flush(now time.Time) (typed []rune)
}

// CameraPreview gives the latest camera frame for the "hold your QR code
// to the camera" screen; Preview returns nil when no frame is ready. It is
// polled off the UI goroutine about five times a second while the screen
// shows.
type CameraPreview interface {
	Preview() image.Image
}

// BoardStatus is one lock board in a diagnostics report.
type BoardStatus struct {
	Board    int
	Online   bool
	LastPoll time.Time
}

// DiagReport is what the diagnostics screen shows.
type DiagReport struct {
	Boards          []BoardStatus
	UplinkConnected bool
	Backlog         int
	DBSizeBytes     int64
	Version         string
}

// Diagnostics reports the health of the parts around the domain. It is
// called off the UI goroutine.
type Diagnostics interface {
	Diagnostics(ctx context.Context) (DiagReport, error)
}

// Options configure the UI. Zero values take the documented defaults.
type Options struct {
	Demo        bool          // show the demo panel with the last credential
	Portrait    bool          // 1080x1920 window when not full screen; default 1280x800
	Fullscreen  bool          // full screen on the kiosk
	IdleWarn    time.Duration // default 5/6 of IdleTimeout (50s): "are you still there?"
	IdleTimeout time.Duration // default 60s: cancel and go home
	Camera      CameraPreview // optional live preview on the pickup screen
	Diag        Diagnostics   // optional diagnostics source
	Keys        KeySink       // optional: keys go through it (keyboard wedge)
	Clock       locker.Clock  // default locker.SystemClock{}
	Logger      *slog.Logger  // default discards
	Language    string        // initial language tag, default "en"
	Title       string        // window title, default "Parcel locker"
	// LayoutFile, when set, is a file rewritten after every update with
	// the screen's LayoutMap (JSON): for end-to-end tests and support tools.
	LayoutFile string
	// Support is the contact the Help card shows.
	Support Support
	// Speaker, when set, speaks each screen's instruction and each digit
	// typed while the larger-text mode is on (see speech.Espeak).
	Speaker Speaker
}

// local is the screen shown while no flow runs.
type local int

const (
	localHome local = iota
	localCourier
	localPickup
	localStaff
)

// maintTab is the part of the maintenance screen shown.
type maintTab int

const (
	tabMap maintTab = iota
	tabExpired
	tabAudit
	tabDiag
	tabTOTP
)

// UI is the kiosk's window and its presenter.
type UI struct {
	app fyne.App
	win fyne.Window
	svc Service
	o   Options
	tr  *translator
	log *slog.Logger

	// async runs a service call; tests make it synchronous.
	async func(func())

	ctxMu sync.Mutex
	ctx   context.Context
	// wantPreview is set while the pickup screen (with the camera) shows.
	wantPreview atomic.Bool
	// keyed tells Run that the KeySink was handed a key: Run calls Flush
	// only while keys may be held, not all day on an idle screen.
	keyed chan struct{}

	// Everything below is touched only on the UI goroutine.
	view       locker.View
	accessible bool
	local      local
	tab        maintTab
	selected   string  // compartment selected on the maintenance map
	pendingAct string  // "open" or "oos": reason picker shown for selected
	msg        message // the last problem, shown in red in the current language
	busy       bool
	lastTouch  time.Time
	warned     bool
	receipt    *locker.Receipt
	search     locker.RecipientPage
	query      string
	audit      locker.AuditPage
	diag       *DiagReport
	found      *[]locker.Discrepancy // the last door check, nil before one
	scans      []Scan
	routes     map[string]scanRow // what each screen does with each kind of scan
	focus      *field
	fields     fields
	preview    *canvas.Image // the camera's live frame on the pickup screen
	// staffOnTOTP: the keypad types into the authenticator code box.
	staffOnTOTP bool
	// help is the page of the Help card shown, helpClosed when none.
	help helpPage
	// spoken is the last screen text given to the Speaker.
	spoken string

	frame     frame
	look      look
	screens   map[string]*shownScreen // built the first time each shows
	shown     *shownScreen
	screenKey string
	// restylers colour canvas objects from the look's theme and refresh
	// the rows of lists, which a container's refresh does not reach (see
	// restyle). Those a screen adds while it is built move to the screen.
	restylers []func(fyne.Theme)
	dense     int               // the density the screen is drawn at (see fit)
	densities map[layoutKey]int // the density found for each layout
	laidOut   layoutKey         // what the density depends on, at the last fit
	scrolls   bool              // the body scrolls: even the densest did not fit
	layoutSeq int               // updates written to Options.LayoutFile
}

// New builds the kiosk window for app. Call Window().Show() (or
// ShowAndRun) on the main goroutine and run Run(ctx) in another.
func New(app fyne.App, svc Service, o Options) (*UI, error) {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.IdleWarn <= 0 || o.IdleWarn >= o.IdleTimeout {
		o.IdleWarn = o.IdleTimeout * 5 / 6
	}
	if o.Clock == nil {
		o.Clock = locker.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Title == "" {
		o.Title = "Parcel locker"
	}
	tr, err := newTranslator()
	if err != nil {
		return nil, err
	}
	if o.Language != "" {
		tr.setLang(o.Language)
	}
	registerWithFyne(tr.cur)
	u := &UI{app: app, svc: svc, o: o, tr: tr, log: o.Logger, ctx: context.Background(),
		screens: map[string]*shownScreen{}, densities: map[layoutKey]int{}, routes: scanTable(), keyed: make(chan struct{}, 1)}
	u.async = func(f func()) { go f() }
	u.preview = canvas.NewImageFromImage(nil)
	u.preview.FillMode = canvas.ImageFillContain
	u.preview.SetMinSize(fyne.NewSize(240, 180))
	app.Settings().SetTheme(&u.look)
	u.win = app.NewWindow(o.Title)
	u.win.SetPadded(false)
	if o.Portrait {
		u.win.Resize(fyne.NewSize(1080, 1920))
	} else {
		u.win.Resize(fyne.NewSize(1280, 800))
	}
	u.win.SetFullScreen(o.Fullscreen)
	u.makeFields()
	u.buildFrame()
	u.hookKeys()
	u.view = svc.View()
	u.lastTouch = u.o.Clock.Now()
	u.refresh()
	return u, nil
}

// Window returns the kiosk's window.
func (u *UI) Window() fyne.Window { return u.win }

// Run follows the service's View and the idle timer until ctx ends. It
// returns nil when ctx ends.
func (u *UI) Run(ctx context.Context) error {
	u.ctxMu.Lock()
	u.ctx = ctx
	u.ctxMu.Unlock()
	// Views can come faster than frames (a batch of remote commands):
	// keep only the newest and draw it once.
	var mu sync.Mutex
	var pending *locker.View
	cancel := u.svc.Subscribe(func(v locker.View) {
		mu.Lock()
		first := pending == nil
		if first || v.Rev == 0 || v.Rev >= pending.Rev {
			pending = &v
		}
		mu.Unlock()
		if first {
			fyne.Do(func() {
				mu.Lock()
				p := pending
				pending = nil
				mu.Unlock()
				u.setView(*p)
			})
		}
	})
	defer cancel()
	// A change between New and Subscribe would otherwise wait for the next.
	v := u.svc.View()
	fyne.Do(func() { u.setView(v) })
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	// Held keys are flushed every 50 ms from the first key until a second
	// passes without one (a scan's keys come milliseconds apart).
	var flush <-chan time.Time
	var flushT *time.Ticker
	var lastKey time.Time
	defer func() {
		if flushT != nil {
			flushT.Stop()
		}
	}()
	var frames <-chan time.Time
	if u.o.Camera != nil {
		ft := time.NewTicker(200 * time.Millisecond)
		defer ft.Stop()
		frames = ft.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			now := u.o.Clock.Now()
			fyne.Do(func() { u.tick(now) })
		case <-u.keyed:
			lastKey = time.Now()
			if flushT == nil {
				flushT = time.NewTicker(50 * time.Millisecond)
				flush = flushT.C
			}
		case <-flush:
			now := u.o.Clock.Now()
			fyne.Do(func() { u.flushKeys(now) })
			if time.Since(lastKey) > time.Second {
				flushT.Stop()
				flushT, flush = nil, nil
			}
		case <-frames:
			if !u.wantPreview.Load() {
				continue
			}
			if img := u.o.Camera.Preview(); img != nil {
				fyne.Do(func() { u.setPreview(img) })
			}
		}
	}
}

// HandleScan takes one code from the scanners. It is safe to call from any
// goroutine.
func (u *UI) HandleScan(s Scan) {
	fyne.Do(func() { u.onScan(s) })
}

// callCtx is the context for service calls.
func (u *UI) callCtx() context.Context {
	u.ctxMu.Lock()
	defer u.ctxMu.Unlock()
	return u.ctx
}

// call runs one service call off the UI goroutine and shows its error.
// Taps while a call runs are ignored so one tap is one action.
func (u *UI) call(fn func(ctx context.Context) error) {
	if u.busy {
		return
	}
	u.busy = true
	u.msg = message{}
	u.writeLayout() // says busy
	ctx := u.callCtx()
	u.async(func() {
		err := fn(ctx)
		fyne.Do(func() {
			u.busy = false
			if err != nil {
				u.log.Info("ui: action failed", "err", err)
				if !u.saidOnScreen(err) {
					u.msg = message{err: err}
				}
			}
			u.refresh()
		})
	})
}

// setView takes a new View from the service.
func (u *UI) setView(v locker.View) {
	if v.Rev != 0 && v.Rev < u.view.Rev {
		return // an older View overtaken by a newer one
	}
	prev := u.view
	u.view = v
	if v.Flow != prev.Flow || v.Step != prev.Step || v.VisitID != prev.VisitID { // a new visit: another courier's badge
		u.msg = message{}
		if v.Flow != locker.FlowIdle {
			u.local = localHome
		}
		if v.Step == locker.StepScan {
			u.fields.barcode.clear()
		}
		if v.Step == locker.StepRecipient && prev.Step != locker.StepRecipient {
			u.fields.search.clear()
			u.search = locker.RecipientPage{}
			u.query = "" // nobody is listed before the courier types
		}
	}
	if v.Flow != locker.FlowMaintenance {
		u.selected, u.pendingAct = "", ""
	}
	if v.Err != nil && (prev.Err == nil || prev.Err.Error() != v.Err.Error()) && !u.saidOnScreen(v.Err) {
		// An error of the service's own (a door event, a timeout): say it.
		u.msg = message{err: v.Err}
	}
	u.refresh()
}

// tick runs the idle timer and the countdowns, once a second. Only the
// countdowns' labels change, unless the window's size did (shown for the
// first time, or the panel turned) or the idle card comes or goes.
func (u *UI) tick(now time.Time) {
	if u.win.Canvas().Size() != u.laidOut.size {
		u.refresh() // lay the screen out again for its size
	}
	if st := u.view.Step; st == locker.StepUnlocking || st == locker.StepDoorOpen {
		// A door is unlocked or open: the person is busy at the door, and
		// the door sensor moves the flow on. Never time out here.
		u.lastTouch = now
		if u.warned {
			u.warned = false
			u.refresh()
		}
		return
	}
	if u.idle() {
		u.lastTouch = now
		u.countdowns()
		return
	}
	since := now.Sub(u.lastTouch)
	switch {
	case since >= u.o.IdleTimeout:
		u.log.Info("ui: idle timeout, back to home")
		u.warned = false
		// The next person starts from the kiosk's own language and look.
		u.tr.setLang(u.o.Language)
		if u.o.Language == "" {
			u.tr.setLang("en")
		}
		u.relabelFields()
		u.accessible = false
		u.goHome()
	case since >= u.o.IdleWarn && !u.warned:
		u.warned = true
		u.refresh()
	default:
		u.countdowns()
	}
}

// idle reports whether the home screen shows with nothing entered.
func (u *UI) idle() bool {
	return u.view.Flow == locker.FlowIdle && u.local == localHome && u.receipt == nil && u.help == helpClosed
}

// goHome clears everything entered and cancels the flow.
func (u *UI) goHome() {
	u.local = localHome
	u.help = helpClosed
	u.receipt = nil
	u.msg = message{}
	u.selected, u.pendingAct = "", ""
	u.tab = tabMap
	u.diag = nil
	u.audit = locker.AuditPage{}
	u.search, u.query = locker.RecipientPage{}, ""
	u.resetFields()
	if u.view.Flow != locker.FlowIdle {
		u.busy = false
		u.call(func(ctx context.Context) error { return u.svc.Cancel(ctx) })
	}
	u.refresh()
}

// setPreview shows a camera frame on the pickup screen. Only the image is
// refreshed, so a frame never disturbs a finger on the keypad.
func (u *UI) setPreview(img image.Image) {
	u.preview.Image = img
	if u.screenKey == "pickup" {
		u.preview.Refresh()
	}
}
