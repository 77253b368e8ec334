// Command barewindow is the floor BenchmarkFlowsRSS measures the kiosk
// against: a bare Fyne window, full screen, with a label and a dozen
// buttons, in the same Xvfb with the same GL. It prints "ready" once the
// window shows and runs until killed.
package main

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("org.parcelkiosk.barewindow")
	w := a.NewWindow("Parcel locker")
	objs := []fyne.CanvasObject{widget.NewLabel("A bare Fyne window")}
	for i := range 12 {
		objs = append(objs, widget.NewButton(fmt.Sprintf("Button %d", i+1), func() {}))
	}
	w.SetContent(container.NewVBox(objs...))
	w.Resize(fyne.NewSize(1280, 800))
	w.SetFullScreen(true)
	go func() {
		time.Sleep(500 * time.Millisecond)
		fmt.Println("ready")
	}()
	w.ShowAndRun()
}
