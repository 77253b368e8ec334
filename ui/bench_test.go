package ui

import (
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// The figures are CPU time (user and system, every thread of the process,
// getrusage) besides Go's wall time: on a shared machine wall time counts
// the waits for a core too.

// cpuNow is the CPU time the process has used.
func cpuNow(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time since t0 per operation in unit (µs or ms).
func reportCPU(b *testing.B, t0 time.Duration, unit string) {
	per := float64(cpuNow(b)-t0) / float64(b.N)
	switch unit {
	case "µs":
		per /= float64(time.Microsecond)
	default:
		per /= float64(time.Millisecond)
	}
	b.ReportMetric(per, "cpu-"+unit+"/op")
}

// benchUI is a UI on a test app at 1280x800 over svc.
func benchUI(b *testing.B, svc Service, o Options) *UI {
	b.Helper()
	a := test.NewTempApp(b)
	u, err := New(a, svc, o)
	if err != nil {
		b.Fatal(err)
	}
	u.async = func(f func()) { f() }
	u.win.Resize(fyne.NewSize(1280, 800))
	u.refresh()
	return u
}

// BenchmarkUpdateDoorOpen measures an update of the busiest flow screen
// (the door drawing with the whole bank) when a door's state changes,
// which every View from the lock bus costs on the UI goroutine.
func BenchmarkUpdateDoorOpen(b *testing.B) {
	svc := newFakeService()
	svc.v.Flow, svc.v.Step = locker.FlowDeposit, locker.StepDoorOpen
	svc.v.Compartment = svc.comp("B3")
	u := benchUI(b, svc, Options{})
	v := svc.View()
	b.ReportAllocs()
	t0 := cpuNow(b)
	defer reportCPU(b, t0, "µs")
	i := 0
	for b.Loop() {
		i++
		v.Rev++
		v.Compartments[0].Door = []locker.DoorState{locker.DoorOpen, locker.DoorClosed}[i%2]
		u.setView(v)
	}
}

// BenchmarkUpdateHome measures an update of the home screen with the demo
// panel (a new credential every other time).
func BenchmarkUpdateHome(b *testing.B) {
	svc := newFakeService()
	u := benchUI(b, svc, Options{Demo: true})
	v := svc.View()
	creds := []locker.Credential{{PIN: "482913", QR: "PKQ1.a"}, {PIN: "913482", QR: "PKQ1.b"}}
	b.ReportAllocs()
	t0 := cpuNow(b)
	defer reportCPU(b, t0, "µs")
	i := 0
	for b.Loop() {
		i++
		v.Rev++
		v.LastCredential = creds[i%2]
		u.setView(v)
	}
}

// BenchmarkKeypress measures a tap on a key of the pickup keypad, from the
// tap to the entry box showing the digit: the key types into the field,
// which refreshes its one text. Digits and erase alternate. Target: at
// most 1 ms of CPU a key (cpu-µs/op).
func BenchmarkKeypress(b *testing.B) {
	u := benchUI(b, newFakeService(), Options{})
	u.local = localPickup
	u.refresh()
	var digit, erase *widget.Button
	for _, o := range test.LaidOutObjects(u.win.Canvas().Content()) {
		switch k := o.(type) {
		case *padKey:
			if k.Text == "4" && k.Visible() {
				digit = &k.Button
			}
		case *iconButton:
			if k.Text == "" && k.Visible() {
				erase = &k.Button
			}
		}
	}
	if digit == nil || erase == nil {
		b.Fatal("no keypad on the pickup screen")
	}
	b.ReportAllocs()
	t0 := cpuNow(b)
	i := 0
	for b.Loop() {
		i++
		if i%2 == 1 {
			test.Tap(digit)
		} else {
			test.Tap(erase)
		}
	}
	reportCPU(b, t0, "µs")
}

// BenchmarkTick measures the once-a-second tick on the pickup screen while
// the keypad is locked: the countdown's label changes and nothing else
// (see TestCountdownTickTouchesOnlyItsLabel).
func BenchmarkTick(b *testing.B) {
	svc := newFakeService()
	svc.v.Locked, svc.v.LockedUntil = true, time.Date(2026, 1, 2, 23, 0, 0, 0, time.UTC)
	clock := lockertest.NewClock(time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC))
	u := benchUI(b, svc, Options{Clock: clock})
	u.local = localPickup
	u.refresh()
	b.ReportAllocs()
	t0 := cpuNow(b)
	defer reportCPU(b, t0, "µs")
	for b.Loop() {
		clock.Advance(time.Second)
		u.lastTouch = clock.Now() // a person keeps touching: no idle card
		u.tick(clock.Now())
	}
}

// BenchmarkFirstDraw measures drawing a screen: "switch" goes between the
// home screen and the pickup keypad, both built and styled already (what
// most screen changes cost); "crowded" compares, in one run, two first
// draws of the directory screen built from nothing in a window drawn as
// designed: an ordinary one, which fits as designed, and a crowded one,
// with an error and a notice, which does not fit and is styled again
// denser (see TestDensity). Target: crowded/ordinary at most 2 (CPU).
// "crowded-again" is an update of the crowded screen once fitted.
func BenchmarkFirstDraw(b *testing.B) {
	b.Run("switch", func(b *testing.B) {
		u := benchUI(b, newFakeService(), Options{})
		b.ReportAllocs()
		t0 := cpuNow(b)
		defer reportCPU(b, t0, "µs")
		i := 0
		for b.Loop() {
			i++
			u.local = []local{localHome, localPickup}[i%2]
			u.refresh()
		}
	})
	directory := func(b *testing.B) *UI {
		svc := newFakeService()
		svc.v.Flow, svc.v.Step = locker.FlowDeposit, locker.StepRecipient
		return benchUI(b, svc, Options{})
	}
	b.Run("crowded", func(b *testing.B) {
		u := directory(b)
		var ordinary, crowded time.Duration
		dense := 0
		b.ReportAllocs()
		for b.Loop() {
			ordinary += firstDraw(b, u, false)
			if u.dense != 0 {
				b.Fatalf("the ordinary screen is drawn at density %d", u.dense)
			}
			crowded += firstDraw(b, u, true)
			dense = u.dense
		}
		if dense == 0 {
			b.Fatal("the crowded screen fits at the designed sizes: nothing to measure")
		}
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
		b.ReportMetric(ms(ordinary), "ordinary-cpu-ms")
		b.ReportMetric(ms(crowded), "crowded-cpu-ms")
		b.ReportMetric(float64(crowded)/float64(ordinary), "crowded/ordinary")
		b.ReportMetric(float64(dense), "density")
	})
	b.Run("crowded-again", func(b *testing.B) {
		u := directory(b)
		firstDraw(b, u, true)
		b.ReportAllocs()
		t0 := cpuNow(b)
		defer reportCPU(b, t0, "µs")
		for b.Loop() {
			u.refresh()
		}
		b.ReportMetric(float64(u.dense), "density")
	})
}

// firstDraw draws the directory screen of u from nothing (built, styled
// and fitted) in a window drawn as designed, crowded with an error and a
// notice when crowd is set, and returns the CPU time the draw took. The
// preparation is not timed.
func firstDraw(b *testing.B, u *UI, crowd bool) time.Duration {
	b.StopTimer()
	u.msg, u.view.Notice = message{}, locker.Notice{}
	if crowd {
		u.msg = message{id: "err.expired"}
		u.view.Notice = locker.Notice{Kind: locker.NoticeInterrupted, Compartment: "C12"}
	}
	delete(u.screens, "deposit.recipient")
	clear(u.densities)
	u.setDensity(0) // the window as designed, as after an ordinary screen
	u.restyle(u.shown)
	b.StartTimer()
	t0 := cpuNow(b)
	u.refresh()
	return cpuNow(b) - t0
}
