package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/parcelkiosk/locker"
)

// BenchmarkRenderDoorOpen measures one full redraw of the busiest flow
// screen (the door drawing with the whole bank), which every View update
// costs on the UI goroutine.
func BenchmarkRenderDoorOpen(b *testing.B) {
	a := test.NewTempApp(b)
	svc := newFakeService()
	svc.v.Flow, svc.v.Step = locker.FlowDeposit, locker.StepDoorOpen
	svc.v.Compartment = svc.comp("B3")
	u, err := New(a, svc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		u.render()
	}
}

// BenchmarkRenderHome measures a redraw of the home screen.
func BenchmarkRenderHome(b *testing.B) {
	a := test.NewTempApp(b)
	u, err := New(a, newFakeService(), Options{Demo: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		u.render()
	}
}

// BenchmarkRenderCrowded measures a redraw of the directory screen with an
// error and a notice showing in the larger text: it does not fit at the
// designed sizes, so the first render of that layout draws it again
// denser, changing the theme (see TestDensity); later ones start there.
func BenchmarkRenderCrowded(b *testing.B) {
	a := test.NewTempApp(b)
	svc := newFakeService()
	svc.v.Flow, svc.v.Step = locker.FlowDeposit, locker.StepRecipient
	svc.v.Notice = locker.Notice{Kind: locker.NoticeInterrupted, Compartment: "C12"}
	u, err := New(a, svc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	u.win.Resize(fyne.NewSize(1280, 800))
	u.accessible = true
	u.msg = message{id: "err.expired"}
	u.render()
	if u.dense == 0 {
		b.Fatalf("the crowded screen fits at the designed sizes: nothing to measure")
	}
	b.Run("again", func(b *testing.B) { // the same layout: starts at its density
		b.ReportAllocs()
		for b.Loop() {
			u.render()
		}
		b.ReportMetric(float64(u.dense), "density")
	})
	b.Run("first", func(b *testing.B) { // a new layout: from the designed sizes, theme changes included
		b.ReportAllocs()
		for b.Loop() {
			u.laidOut = layoutKey{}
			u.render()
		}
		b.ReportMetric(float64(u.dense), "density")
	})
}
