package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

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
// which refreshes its one text. Digits and erase alternate.
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
		case *widget.Button:
			if k.Text == "" && k.Icon != nil && k.Visible() {
				erase = k
			}
		}
	}
	if digit == nil || erase == nil {
		b.Fatal("no keypad on the pickup screen")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if i%2 == 1 {
			test.Tap(digit)
		} else {
			test.Tap(erase)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/key")
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
	for b.Loop() {
		clock.Advance(time.Second)
		u.lastTouch = clock.Now() // a person keeps touching: no idle card
		u.tick(clock.Now())
	}
}

// BenchmarkFirstDraw measures drawing a screen: "switch" goes between the
// home screen and the pickup keypad, both built and styled already (what
// most screen changes cost); "ordinary" is the first draw of the directory
// screen, built and styled from nothing, where it fits as designed;
// "crowded" is the first draw of the same screen with an error and a
// notice in the larger text, which does not fit as designed and is styled
// again denser (see TestDensity); "crowded-again" is an update of it once
// fitted.
func BenchmarkFirstDraw(b *testing.B) {
	b.Run("switch", func(b *testing.B) {
		u := benchUI(b, newFakeService(), Options{})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			u.local = []local{localHome, localPickup}[i%2]
			u.refresh()
		}
	})
	b.Run("ordinary", func(b *testing.B) {
		svc := newFakeService()
		svc.v.Flow, svc.v.Step = locker.FlowDeposit, locker.StepRecipient
		u := benchUI(b, svc, Options{})
		b.ReportAllocs()
		for b.Loop() {
			delete(u.screens, "deposit.recipient")
			clear(u.densities)
			u.refresh()
		}
		b.ReportMetric(float64(u.dense), "density")
	})
	crowded := func(b *testing.B) *UI {
		svc := newFakeService()
		svc.v.Flow, svc.v.Step = locker.FlowDeposit, locker.StepRecipient
		svc.v.Notice = locker.Notice{Kind: locker.NoticeInterrupted, Compartment: "C12"}
		u := benchUI(b, svc, Options{})
		u.accessible = true
		u.msg = message{id: "err.expired"}
		u.refresh()
		if u.dense == 0 {
			b.Fatalf("the crowded screen fits at the designed sizes: nothing to measure")
		}
		return u
	}
	b.Run("crowded", func(b *testing.B) {
		u := crowded(b)
		b.ReportAllocs()
		for b.Loop() {
			delete(u.screens, "deposit.recipient")
			clear(u.densities)
			u.setDensity(0) // the look of the screen before
			u.refresh()
		}
		b.ReportMetric(float64(u.dense), "density")
	})
	b.Run("crowded-again", func(b *testing.B) {
		u := crowded(b)
		b.ReportAllocs()
		for b.Loop() {
			u.refresh()
		}
		b.ReportMetric(float64(u.dense), "density")
	})
}
