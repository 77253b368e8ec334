package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// The questions of the item sensor and of a full bank (issue 14): each is
// an askScreen, a warning, a heading, one sentence, the bank with the door
// concerned drawn out, and two or three answers as large buttons.
//
//	deposit.check  the door closed but its sensor sees nothing: Open again, Cancel this parcel
//	pickup.inside  the door closed with something still inside: Open again, Leave it here
//	deposit.share  the bank is full; the recipient's door: It fits, It doesn't fit, Cancel
//	deposit.full   the parcel is refused: Next parcel, Finish
//	return.check   a return's drop-off door closed but its sensor sees nothing: Open again, Cancel

// askScreenKey names the screen of the steps of this file, or "".
func askScreenKey(v locker.View) string {
	switch {
	case v.Flow == locker.FlowDeposit && v.Step == locker.StepCheckInside:
		return "deposit.check"
	case v.Flow == locker.FlowDeposit && v.Step == locker.StepShareDoor:
		return "deposit.share"
	case v.Flow == locker.FlowDeposit && v.Step == locker.StepFull:
		return "deposit.full"
	case v.Flow == locker.FlowPickup && v.Step == locker.StepLeftInside:
		return "pickup.inside"
	case v.Flow == locker.FlowReturn && v.Step == locker.StepCheckInside:
		return "return.check"
	}
	return ""
}

// saidOnScreen reports whether the screen itself says what err says, so
// the error bar need not: the full screen is the "no door free" error.
func (u *UI) saidOnScreen(err error) bool {
	return errors.Is(err, locker.ErrLockerFull) && u.view.Step == locker.StepFull
}

// answer is one button of an askScreen.
type answer struct {
	label string // message id; its data is the screen's
	imp   widget.Importance
	act   func(ctx context.Context) error
	btn   *widget.Button
}

// askScreen is one question of this file.
type askScreen struct {
	u           *UI
	key         string
	obj         fyne.CanvasObject
	title, body *widget.Label
	bank        *bankMap
	answers     []*answer
}

func (u *UI) newAskScreen(key string) *askScreen {
	s := &askScreen{u: u, key: key, title: heading(""), body: subheading(""), bank: newBankMap(nil, "", nil)}
	svc := u.svc
	switch key {
	case "deposit.check":
		s.answers = []*answer{
			{label: "btn.open_again", imp: widget.HighImportance, act: svc.OpenAgain},
			{label: "btn.cancel_parcel", imp: widget.DangerImportance, act: svc.CancelParcel},
		}
	case "return.check": // Cancel frees the door; the return code works again
		s.answers = []*answer{
			{label: "btn.open_again", imp: widget.HighImportance, act: svc.OpenAgain},
			{label: "btn.cancel", imp: widget.DangerImportance, act: svc.Cancel},
		}
	case "pickup.inside":
		s.answers = []*answer{
			{label: "btn.open_again", imp: widget.HighImportance, act: svc.OpenAgain},
			{label: "btn.leave_it", imp: widget.MediumImportance, act: svc.LeaveParcel},
		}
	case "deposit.share":
		s.answers = []*answer{
			{label: "btn.share_fits", imp: widget.HighImportance, act: svc.AddToDoor},
			{label: "btn.share_doesnt_fit", imp: widget.WarningImportance, act: svc.DeclineDoor},
			{label: "btn.cancel", imp: widget.DangerImportance, act: svc.Cancel},
		}
	case "deposit.full":
		s.answers = []*answer{
			{label: "btn.next_parcel", imp: widget.MediumImportance, act: svc.NextParcel},
			{label: "btn.finish", imp: widget.HighImportance, act: s.finish},
		}
	}
	var btns []fyne.CanvasObject
	for _, a := range s.answers {
		a.btn = u.act(a.imp, a.act)
		btns = append(btns, a.btn)
	}
	warn := colouredIcon(&u.look, assets.IconWarning, 96, theme.ColorNameWarning)
	top := container.NewBorder(nil, nil, warn, nil, s.title)
	panel := container.New(u.splitFit(0.55), container.NewVBox(top, s.body), s.bank)
	s.obj = container.NewBorder(nil, container.New(answersLayout{look: &u.look}, btns...), nil, nil, panel)
	return s
}

// answersLayout puts the answers side by side in equal widths, or one
// under the other in portrait, where three long Spanish answers in the
// larger text would not fit across.
type answersLayout struct{ look *look }

func (l answersLayout) MinSize(all []fyne.CanvasObject) fyne.Size {
	objs := visible(all)
	var w, h float32
	for _, o := range objs {
		m := o.MinSize()
		w, h = max(w, m.Width), max(h, m.Height)
	}
	n, pad := float32(len(objs)), theme.Padding()
	if n == 0 {
		return fyne.Size{}
	}
	if l.look.portrait {
		return fyne.NewSize(w, n*h+(n-1)*pad)
	}
	return fyne.NewSize(n*w+(n-1)*pad, h)
}

func (l answersLayout) Layout(all []fyne.CanvasObject, s fyne.Size) {
	objs := visible(all)
	n, pad := float32(len(objs)), theme.Padding()
	if n == 0 {
		return
	}
	if l.look.portrait {
		h := (s.Height - (n-1)*pad) / n
		for i, o := range objs {
			o.Move(fyne.NewPos(0, float32(i)*(h+pad)))
			o.Resize(fyne.NewSize(s.Width, h))
		}
		return
	}
	w := (s.Width - (n-1)*pad) / n
	for i, o := range objs {
		o.Move(fyne.NewPos(float32(i)*(w+pad), 0))
		o.Resize(fyne.NewSize(w, s.Height))
	}
}

// finish ends the visit: with the receipt of the parcels taken in, or
// straight home when there are none.
func (s *askScreen) finish(ctx context.Context) error {
	if len(s.u.view.Receipts) == 0 {
		return s.u.svc.Cancel(ctx)
	}
	return s.u.finish(ctx)
}

func (s *askScreen) object() fyne.CanvasObject { return s.obj }

func (s *askScreen) update() {
	u, v := s.u, s.u.view
	door := v.Compartment.ID
	if s.key == "deposit.share" {
		door = v.AddToDoor
	}
	size := string(v.Parcel.Size)
	data := map[string]any{"Door": door, "Barcode": v.Parcel.Barcode, "Size": size,
		"Name": locker.ShortName(v.Recipient.Name), "Unit": v.Recipient.Unit}
	ids := map[string][2]string{
		"deposit.check": {"check.title", "check.body"},
		"pickup.inside": {"inside.title", "inside.body"},
		"deposit.share": {"share.title", "share.body"},
		"deposit.full":  {"full.title", "full.body"},
		"return.check":  {"check.title", "return.check_body"},
	}[s.key]
	setText(s.title, u.tr.T(ids[0], data))
	setText(s.body, u.tr.T(ids[1], data))
	s.bank.set(v.Compartments, door, "")
	for _, a := range s.answers {
		setButton(a.btn, u.tr.T(a.label, data), a.imp, true)
	}
}

// spoken is what the question says in the spoken guidance: the heading,
// the sentence and the answers.
func (s *askScreen) spoken() []string {
	out := []string{s.title.Text, s.body.Text}
	for _, a := range s.answers {
		out = append(out, a.btn.Text)
	}
	return out
}
