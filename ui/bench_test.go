package ui

import (
	"testing"

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
