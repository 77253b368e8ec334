package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/nats-io/nats.go"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
	"github.com/parcelkiosk/locker/config"
	"github.com/parcelkiosk/locker/lockio"
	"github.com/parcelkiosk/locker/store"
	"github.com/parcelkiosk/locker/ui"
	"github.com/parcelkiosk/locker/uplink"
)

// appID is the Fyne application id (FyneApp.toml has the same).
const appID = "org.parcelkiosk.kiosk"

func checkConfig(path string, stdout io.Writer) error {
	warns, err := config.CheckWarn(path)
	if err != nil {
		return err
	}
	for _, w := range warns {
		fmt.Fprintln(stdout, "warning: "+w.Error())
	}
	fmt.Fprintf(stdout, "%s: ok\n", path)
	return nil
}

// kiosk is everything the process runs, wired together.
type kiosk struct {
	f       flags
	cfg     *config.Config
	log     *slog.Logger
	dataDir string
	tmpDir  bool // dataDir is a throw-away directory of the demo

	db     *store.DB
	bus    *lockio.Bus
	sim    *lockio.Sim
	pty    *lockio.PTY
	port   *lockio.Port
	svc    *locker.Service
	emb    *uplink.Embedded
	nc     *nats.Conn
	photos *photoKeeper // photo evidence; nil without a camera

	tasks []task

	stopping time.Time // when run began to stop
	closed   bool      // close ran

	early    context.CancelFunc // stops the tasks started in setup
	earlyCtx context.Context
	earlyWG  sync.WaitGroup
}

// task is one background goroutine of the kiosk.
type task struct {
	name string
	run  func(ctx context.Context) error
}

func (k *kiosk) goRun(name string, run func(ctx context.Context) error) {
	k.tasks = append(k.tasks, task{name, run})
}

// setup opens everything; on error it closes what it opened.
func setup(ctx context.Context, f flags, stderr io.Writer) (k *kiosk, err error) {
	k = &kiosk{f: f}
	defer func() {
		if err != nil {
			k.close()
		}
	}()
	if f.demo && f.config == "" {
		k.cfg, err = config.Parse(assets.DemoConfig(), "demo/kiosk.toml")
	} else {
		k.cfg, err = config.Load(f.config)
	}
	if err != nil {
		return k, err
	}
	if k.log, err = k.cfg.Logger(stderr); err != nil {
		return k, err
	}
	if f.demo && k.cfg.Lockboard.Protocol != config.ProtocolSim {
		return k, fmt.Errorf("kiosk: --demo runs only on the simulated lock board (lockboard.protocol = %q), and %s has %q: leave out --demo to run a real bank", config.ProtocolSim, k.cfg.File, k.cfg.Lockboard.Protocol)
	}
	if err = k.openData(); err != nil {
		return k, err
	}
	if f.demo {
		if err = claimDemoData(k.dataDir); err != nil {
			return k, err
		}
	}
	keyFile := k.cfg.KeyFile
	if keyFile == "" {
		keyFile = filepath.Join(k.dataDir, "kiosk.key")
	}
	if k.db, err = store.Open(ctx, filepath.Join(k.dataDir, "kiosk.db"), store.Options{Logger: k.log, KeyFile: keyFile}); err != nil {
		return k, fmt.Errorf("kiosk: database: %w", err)
	}
	if err = k.openBus(); err != nil {
		return k, err
	}
	var onCommit func([]locker.Event)
	if sc := k.cfg.Scanner; sc.Camera != "" && sc.PhotoDays > 0 && !f.headless {
		k.photos = newPhotoKeeper(filepath.Join(k.dataDir, "photos"), time.Duration(sc.PhotoDays)*24*time.Hour, k.log)
		onCommit = k.photos.onCommit
	}
	o := locker.Options{
		Site: k.cfg.Site, Kiosk: k.cfg.Kiosk, Version: version,
		Store: k.db, Bus: k.bus,
		Compartments: k.cfg.Compartments(),
		Expiry:       k.cfg.Expiry,
		PINDigits:    k.cfg.PINDigits,
		Logger:       k.log,
		OnCommit:     onCommit,
		ExpiringLead: k.cfg.ExpiringLead(),
		MaxExtension: k.cfg.ExtensionCap(),
		Photos:       k.photos != nil,
		ItemSensors:  k.cfg.Lockboard.ItemSensors,

		// returns (issue 15)
		ReturnOverdue: k.cfg.Returns.Overdue,
		ReturnHold:    k.cfg.Returns.ReturnHold(),
	}
	if key := k.cfg.Uplink.NotifyKey; key != "" {
		if o.Sealer, err = uplink.NewNotifySealer(key); err != nil {
			return k, err
		}
	}
	k.svc, err = locker.NewService(o)
	if err != nil {
		return k, err
	}
	k.awaitBoards(ctx, 5*time.Second)
	if err = k.svc.Start(ctx); err != nil {
		return k, fmt.Errorf("kiosk: start: %w", err)
	}
	if f.demo {
		if err = seedDemo(ctx, k.svc); err != nil {
			return k, err
		}
	}
	if err = k.openUplink(ctx); err != nil {
		return k, err
	}
	k.goRun("door events", k.pumpDoorEvents)
	k.goRun("tick", k.tick)
	return k, nil
}

// startEarly runs a task from setup on, before the service starts: the
// service's recovery of a deposit a power cut interrupted reads the door
// and item sensors, so the bus must be polling by then. close stops it.
func (k *kiosk) startEarly(name string, run func(ctx context.Context) error) {
	if k.early == nil {
		k.earlyCtx, k.early = context.WithCancel(context.Background())
	}
	k.earlyWG.Add(1)
	go func() {
		defer k.earlyWG.Done()
		if err := run(k.earlyCtx); err != nil && k.earlyCtx.Err() == nil {
			k.log.Error("task failed", "task", name, "err", err)
		}
	}()
}

// pumpDoorEvents hands the bus's door events to the service. When ctx
// ends it hands over the events already received, so a door closed just
// before a shutdown is recorded.
func (k *kiosk) pumpDoorEvents(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			for fctx.Err() == nil {
				select {
				case ev := <-k.bus.Events():
					k.svc.HandleDoorEvent(fctx, ev)
				default:
					return nil
				}
			}
			return nil
		case ev := <-k.bus.Events():
			k.svc.HandleDoorEvent(ctx, ev)
		}
	}
}

// tick drives expiries and flow timeouts once a second.
func (k *kiosk) tick(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			k.svc.Tick(ctx)
		}
	}
}

// run starts the background tasks and the window, and waits for the end:
// a signal, the window closed, or a task failing.
func (k *kiosk) run(parent context.Context) error {
	defer k.close() // on an early return; stop closes otherwise
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)

	var u *ui.UI
	var fapp fyne.App
	if !k.f.headless {
		fapp = app.NewWithID(appID)
		srcs, wedge, cam := k.scanSources()
		o := ui.Options{
			Demo:        k.f.demo,
			Portrait:    k.f.portrait || k.cfg.Screen.Portrait,
			Fullscreen:  k.cfg.Screen.Fullscreen && !k.f.windowed,
			IdleTimeout: k.cfg.Screen.IdleTimeout,
			Diag:        diagnostics{k},
			Logger:      k.log,
			Language:    k.cfg.Screen.Language,
			LayoutFile:  k.f.layoutMap,
		}
		k.helpOptions(&o)
		if wedge != nil {
			o.Keys = wedge
		}
		if cam != nil {
			o.Camera = cameraPreview{cam}
			if k.photos != nil {
				k.photos.cam = cam
				k.goRun("photos", k.photos.Run)
			}
		}
		var err error
		if u, err = ui.New(fapp, k.svc, o); err != nil {
			return err
		}
		k.goRun("ui", u.Run)
		k.goRun("heap trim", trimHeaps)
		k.routeScans(u, srcs)
	}
	n := newNotifier()
	// The watchdog pings only while the service (its lock) and the UI
	// thread answer: a deadlock in either gets the kiosk restarted.
	probes := []probe{{"service", func(done func()) { go func() { k.svc.View(); done() }() }}}
	if fapp != nil {
		probes = append(probes, probe{"ui", func(done func()) { fyne.Do(done) }})
	}
	k.goRun("watchdog", func(ctx context.Context) error { return n.runWatchdog(ctx, k.log, probes) })

	var wg sync.WaitGroup
	for _, t := range k.tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.run(ctx); err != nil && ctx.Err() == nil {
				k.log.Error("task failed", "task", t.name, "err", err)
				cancel(fmt.Errorf("kiosk: %s: %w", t.name, err))
			}
		}()
	}
	_ = n.send("READY=1")
	k.log.Info("kiosk started", "site", k.cfg.Site, "kiosk", k.cfg.Kiosk, "version", version, "demo", k.f.demo)

	// stop ends the services once ctx is done: the tasks (bounded), then
	// everything setup opened.
	stop := func() error {
		<-ctx.Done()
		_ = n.send("STOPPING=1")
		k.stopping = time.Now()
		k.log.Info("kiosk stopping", "cause", context.Cause(ctx))
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(taskStopWait):
			k.log.Warn("some tasks did not stop in time", "waited", taskStopWait)
		}
		k.close()
		if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	if fapp == nil {
		return stop()
	}
	// With a window the services stop while the window closes (Fyne's
	// quit can take seconds on a loaded machine); the window holds
	// nothing to save, so once the services are stopped the kiosk does not
	// wait long for it.
	stopped := make(chan error, 1)
	uiDone := make(chan struct{})
	go func() {
		<-ctx.Done()
		fyne.Do(fapp.Quit)
		err := stop()
		stopped <- err
		select {
		case <-uiDone:
		case <-time.After(uiQuitWait):
			k.log.Warn("the window did not close in time; exiting", "waited", uiQuitWait)
			code := 0
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
			}
			os.Exit(code)
		}
	}()
	u.Window().ShowAndRun() // returns when the window closes or the app quits
	close(uiDone)
	cancel(nil)
	return <-stopped
}

// Shutdown budget: the kiosk stops within ShutdownTimeout (5 s) of
// SIGTERM. The tasks get taskStopWait to end (a door event being handled
// commits first: the service's Apply is synchronous), the uplink
// uplinkFlushWait to send what it buffered (events not acknowledged stay
// in the outbox and are sent after the restart), the lock bus
// earlyStopWait. main exits anyway at ShutdownTimeout.
const (
	shutdownTimeout = 5 * time.Second
	taskStopWait    = 2500 * time.Millisecond
	uplinkFlushWait = 500 * time.Millisecond
	earlyStopWait   = time.Second
	uiQuitWait      = 500 * time.Millisecond
)

// close releases everything setup opened, in reverse order. It runs once.
func (k *kiosk) close() {
	if k.closed {
		return
	}
	k.closed = true
	if k.early != nil {
		k.early()
	}
	if k.nc != nil {
		// Not Drain: it may wait 30 s for a server that is gone.
		_ = k.nc.FlushTimeout(uplinkFlushWait)
		k.nc.Close()
	}
	if k.emb != nil {
		k.emb.Shutdown()
	}
	if k.port != nil {
		_ = k.port.Close()
	}
	if k.pty != nil {
		_ = k.pty.Close()
	}
	if k.early != nil {
		done := make(chan struct{})
		go func() { k.earlyWG.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(earlyStopWait):
			k.log.Warn("the lock bus did not stop in time", "waited", earlyStopWait)
		}
	}
	if k.db != nil {
		_ = k.db.Close()
	}
	if k.tmpDir {
		_ = os.RemoveAll(k.dataDir)
	}
	if !k.stopping.IsZero() {
		k.log.Info("kiosk stopped", "took", time.Since(k.stopping).Round(time.Millisecond))
	}
}
