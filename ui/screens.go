package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// screen names the screen the state shows.
func (u *UI) screen() string {
	v := u.view
	if key := askScreenKey(v); key != "" {
		return key // screens_sensor.go
	}
	if key := u.returnScreenKey(); key != "" {
		return key
	}
	switch v.Flow {
	case locker.FlowDeposit:
		switch v.Step {
		case locker.StepScan:
			return "deposit.scan"
		case locker.StepRecipient:
			return "deposit.recipient"
		case locker.StepSize:
			return "deposit.size"
		case locker.StepUnlocking, locker.StepDoorOpen:
			return "deposit.door"
		case locker.StepDeposited:
			return "deposit.done"
		}
	case locker.FlowPickup:
		if v.Step == locker.StepDone {
			return "pickup.done"
		}
		return "pickup.door"
	case locker.FlowMaintenance:
		if v.Step == locker.StepUnlocking || v.Step == locker.StepDoorOpen {
			return "maint.door"
		}
		return "maint.menu"
	}
	switch {
	case u.receipt != nil:
		return "receipt"
	case u.local == localCourier:
		return "courier"
	case u.local == localPickup:
		return "pickup"
	case u.local == localStaff:
		return "staff"
	}
	return "home"
}

// build builds the screen named key, once.
func (u *UI) build(key string) screen {
	if s := u.buildReturnScreen(key); s != nil {
		return s
	}
	switch key {
	case "deposit.scan":
		return u.newScanScreen()
	case "deposit.recipient":
		return u.newRecipientScreen()
	case "deposit.size":
		return u.newSizeScreen()
	case "deposit.door", "pickup.door", "maint.door":
		return u.newDoorScreen(key)
	case "deposit.done":
		return u.newDepositedScreen()
	case "deposit.check", "deposit.share", "deposit.full", "pickup.inside", "return.check":
		return u.newAskScreen(key)
	case "pickup.done":
		return u.newPickupDoneScreen()
	case "maint.menu":
		return u.newMaintScreen()
	case "receipt":
		return u.newReceiptScreen()
	case "courier":
		return u.newCourierScreen()
	case "pickup":
		return u.newPickupScreen()
	case "staff":
		return u.newStaffScreen()
	}
	return u.newHomeScreen()
}

// portrait reports whether the window is higher than wide.
//
// Only a full-screen window follows its shape. A window that is not full
// screen grows when its content needs more room than it has, and a window
// that grew taller than wide would switch to the portrait layouts, need
// more height again and grow without end: it keeps the configured
// orientation.
func (u *UI) portrait() bool {
	s := u.win.Canvas().Size()
	if s.Width == 0 || s.Height == 0 || !u.win.FullScreen() {
		return u.o.Portrait
	}
	return s.Height > s.Width
}

// split returns the two-pane layout for the window's orientation.
func (u *UI) split(ratio float32) fyne.Layout {
	return split{ratio: ratio, look: &u.look}
}

// splitFit is split where, in portrait, the first pane takes only the
// height it needs.
func (u *UI) splitFit(ratio float32) fyne.Layout {
	return split{ratio: ratio, look: &u.look, fitFirst: true}
}

// nav shows a local screen.
func (u *UI) nav(l local) func() {
	return u.touched(func() {
		u.local = l
		u.msg = message{}
		u.resetFields()
		u.staffOnTOTP = false
		u.refresh()
	})
}

// button returns a large button whose label update sets.
func (u *UI) button(imp widget.Importance, tap func()) *widget.Button {
	b := widget.NewButton("", u.touched(tap))
	b.Importance = imp
	return b
}

// act returns a button that calls one service method.
func (u *UI) act(imp widget.Importance, fn func(ctx context.Context) error) *widget.Button {
	return u.button(imp, func() { u.call(fn) })
}

// backButton returns a button to the home screen.
func (u *UI) backButton() *iconButton {
	return newIconButton("", iconRes(assets.IconBack, false), u.touched(u.goHome))
}

// finish ends the visit and keeps the receipt for the receipt screen.
func (u *UI) finish(ctx context.Context) error {
	r, err := u.svc.FinishDeposit(ctx)
	if err == nil {
		fyne.Do(func() {
			u.receipt = &r
			u.refresh()
		})
	}
	return err
}

// doorScreen is "door A7 is open": the heading, the instruction, the bank
// with the door drawn out, and the ways out of trouble. The deposit, the
// pickup, staff, the return drop-off and the courier's collection each
// have one.
type doorScreen struct {
	u                 *UI
	key               string
	obj               fyne.CanvasObject
	title, instr      *widget.Label
	bank              *bankMap
	doesntFit, cancel *widget.Button
	didntOpen         *widget.Button
}

func (u *UI) newDoorScreen(key string) *doorScreen {
	s := &doorScreen{u: u, key: key, title: heading(""), instr: subheading(""), bank: newBankMap(nil, "", nil)}
	s.didntOpen = u.act(widget.MediumImportance, u.svc.DoorDidntOpen)
	var buttons fyne.CanvasObject = container.NewHBox(s.didntOpen)
	switch key {
	case "deposit.door":
		s.doesntFit = u.act(widget.WarningImportance, u.svc.DoesntFit)
	case "return.door":
		s.doesntFit = u.button(widget.WarningImportance, func() {
			u.returnCall(func(ctx context.Context, rs ReturnService) error { return rs.ReturnDoesntFit(ctx) })
		})
	}
	if s.doesntFit != nil {
		s.cancel = u.act(widget.DangerImportance, u.svc.Cancel)
		buttons = container.NewGridWithColumns(3, s.doesntFit, s.didntOpen, s.cancel)
	}
	panel := container.New(u.splitFit(0.5), container.NewVBox(s.title, s.instr), s.bank)
	s.obj = container.NewBorder(nil, buttons, nil, nil, panel)
	return s
}

func (s *doorScreen) object() fyne.CanvasObject { return s.obj }

func (s *doorScreen) update() {
	u, v := s.u, s.u.view
	id := v.Compartment.ID
	var open []string // the courier's collection may open all its doors at once
	if s.key == "collect.door" {
		for _, it := range v.Pickup {
			if it.State == locker.PickupUnlocking || it.State == locker.PickupOpen {
				open = append(open, it.CompartmentID)
			}
		}
	}
	switch {
	case len(open) > 1:
		setText(s.title, u.tr.T("collect.doors_open", map[string]any{"Doors": strings.Join(open, ", ")}))
	case v.Step == locker.StepUnlocking:
		setText(s.title, u.tr.T("door.opening", map[string]any{"Door": id}))
	default:
		setText(s.title, u.tr.T("door.open", map[string]any{"Door": id}))
	}
	setText(s.instr, s.instruction())
	s.bank.set(v.Compartments, id, "")
	setButton(s.didntOpen, u.tr.T("btn.door_didnt_open"), widget.MediumImportance, true)
	if s.doesntFit != nil {
		setButton(s.doesntFit, u.tr.T("btn.doesnt_fit"), widget.WarningImportance, true)
		setButton(s.cancel, u.tr.T("btn.cancel"), widget.DangerImportance, true)
	}
}

// instruction says what to do at the open door.
func (s *doorScreen) instruction() string {
	u, v := s.u, s.u.view
	switch s.key {
	case "pickup.door":
		instr := u.tr.T("door.take_out")
		if n := len(v.Pickup); n > 1 {
			done := 0
			for _, p := range v.Pickup {
				if p.State == locker.PickupDone || p.State == locker.PickupFailed || p.State == locker.PickupLeftInside {
					done++
				}
			}
			instr += "\n" + u.tr.T("pickup.queue", map[string]any{"Done": min(done+1, n), "Total": n})
		}
		if left := u.pickupTimeLeft(); left != "" {
			instr += "\n" + left
		}
		return instr
	case "maint.door":
		if n := len(v.Pickup); n > 0 {
			return u.tr.T("door.retrieve", map[string]any{"Count": n})
		}
		return u.tr.T("door.staff_close")
	case "collect.door":
		instr := u.tr.T("collect.take_out")
		if n := len(v.Pickup); n > 1 {
			done := 0
			for _, p := range v.Pickup {
				if p.State == locker.PickupDone || p.State == locker.PickupFailed {
					done++
				}
			}
			instr += "\n" + u.tr.T("pickup.queue", map[string]any{"Done": min(done+1, n), "Total": n})
		}
		return instr
	case "return.door":
		return u.tr.T("return.put_in")
	}
	return u.tr.T("door.put_in")
}
