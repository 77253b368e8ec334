package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/parcelkiosk/locker"
)

func TestBankMapGeometryFollowsTheLayout(t *testing.T) {
	m := newBankMap(testBank(), "", nil)
	geo := m.geometry(fyne.NewSize(304, 600))
	if len(geo) != 15 {
		t.Fatalf("%d doors drawn, want 15", len(geo))
	}
	byID := map[string]door{}
	for _, d := range geo {
		byID[d.id] = d
	}
	// Columns left to right, rows top to bottom.
	if !(byID["A1"].pos.X < byID["B1"].pos.X && byID["B1"].pos.X < byID["C1"].pos.X) {
		t.Errorf("columns out of order: %v %v %v", byID["A1"].pos, byID["B1"].pos, byID["C1"].pos)
	}
	if !(byID["A1"].pos.Y < byID["A2"].pos.Y && byID["A4"].pos.Y < byID["A5"].pos.Y) {
		t.Errorf("rows out of order")
	}
	// Door heights follow the sizes: XS < S < M < L < XL.
	if !(byID["B1"].sz.Height < byID["B3"].sz.Height && byID["B3"].sz.Height < byID["B4"].sz.Height && byID["B4"].sz.Height < byID["B5"].sz.Height) {
		t.Errorf("heights do not follow sizes: B1 %v B3 %v B4 %v B5 %v", byID["B1"].sz, byID["B3"].sz, byID["B4"].sz, byID["B5"].sz)
	}
	// Every column fills the height.
	for _, id := range []string{"A5", "B5", "C5"} {
		d := byID[id]
		if bottom := d.pos.Y + d.sz.Height; bottom < 599 || bottom > 601 {
			t.Errorf("%s ends at %v, want 600", id, bottom)
		}
	}
}

func TestBankMapTapFindsTheDoor(t *testing.T) {
	var got []string
	m := newBankMap(testBank(), "", func(id string) { got = append(got, id) })
	w := test.NewTempWindow(t, m)
	w.Resize(fyne.NewSize(400, 600))
	for _, id := range []string{"A1", "B5", "C3"} {
		p, ok := m.centre(id)
		if !ok {
			t.Fatalf("no door %s", id)
		}
		test.TapAt(m, p)
	}
	test.TapAt(m, fyne.NewPos(-5, -5))
	if want := "A1 B5 C3"; fmtIDs(got) != want {
		t.Fatalf("tapped %q, want %q", fmtIDs(got), want)
	}
}

func fmtIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += " "
		}
		out += id
	}
	return out
}

func TestStateOf(t *testing.T) {
	tests := []struct {
		c    locker.Compartment
		want bankState
	}{
		{locker.Compartment{Status: locker.StatusAvailable, Door: locker.DoorClosed}, stateFree},
		{locker.Compartment{Status: locker.StatusReserved}, stateReserved},
		{locker.Compartment{Status: locker.StatusOccupied}, stateOccupied},
		{locker.Compartment{Status: locker.StatusOutOfService}, stateOutOfService},
		{locker.Compartment{Status: locker.StatusFaulty}, stateFaulty},
		{locker.Compartment{Status: locker.StatusOccupied, Door: locker.DoorOpen}, stateDoorOpen},
	}
	for _, tt := range tests {
		t.Run(string(tt.c.Status)+"/"+string(tt.c.Door), func(t *testing.T) {
			if got := stateOf(tt.c); got != tt.want {
				t.Fatalf("stateOf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestField(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name   string
		digits bool
		max    int
		typed  string
		erase  int
		want   string
	}{
		{"digits only", true, 6, "1a2b3", 0, "123"},
		{"max length", true, 4, "123456", 0, "1234"},
		{"erase", false, 10, "héllo", 2, "hél"},
		{"erase past empty", false, 10, "a", 3, ""},
		{"no control characters", false, 10, "a\tb\x00", 0, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newField(nil, "hint", tt.max, tt.digits, false, 20)
			var submitted string
			f.onSubmit = func(s string) { submitted = s }
			for _, r := range tt.typed {
				f.typeRune(r)
			}
			for range tt.erase {
				f.backspace()
			}
			if f.text != tt.want {
				t.Fatalf("text = %q, want %q", f.text, tt.want)
			}
			f.submit()
			if submitted != tt.want {
				t.Fatalf("submitted %q, want %q", submitted, tt.want)
			}
		})
	}
}

func TestMaskedFieldShowsDots(t *testing.T) {
	test.NewTempApp(t)
	f := newField(nil, "PIN", 8, true, true, 20)
	for _, r := range "2468" {
		f.typeRune(r)
	}
	if f.label.Text != "●●●●" {
		t.Fatalf("masked field shows %q", f.label.Text)
	}
	f.clear()
	if f.label.Text != "PIN" {
		t.Fatalf("empty field shows %q, want the hint", f.label.Text)
	}
}

func TestQRImageDecodesToTheText(t *testing.T) {
	img, err := qrImage("PKR1.V1.sig", 256)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if res.GetText() != "PKR1.V1.sig" {
		t.Fatalf("decoded %q", res.GetText())
	}
	if _, err := qrImage(string(make([]byte, 8000)), 256); err == nil {
		t.Fatal("an oversized text encoded without error")
	}
}

func TestSplitLayout(t *testing.T) {
	o1 := &fixedObj{min: fyne.NewSize(100, 50)}
	o2 := &fixedObj{min: fyne.NewSize(100, 50)}
	split{ratio: 0.25}.Layout([]fyne.CanvasObject{o1, o2}, fyne.NewSize(1000, 500))
	if o1.Size().Width >= o2.Size().Width || o1.Position().Y != o2.Position().Y {
		t.Fatalf("landscape: %v %v / %v %v", o1.Position(), o1.Size(), o2.Position(), o2.Size())
	}
	split{ratio: 0.25, look: &look{portrait: true}, fitFirst: true}.Layout([]fyne.CanvasObject{o1, o2}, fyne.NewSize(500, 1000))
	if o1.Size().Height != 50 || o2.Position().Y <= 50 || o1.Position().X != o2.Position().X {
		t.Fatalf("portrait: %v %v / %v %v", o1.Position(), o1.Size(), o2.Position(), o2.Size())
	}
}

// fixedObj is a canvas object with a fixed minimum size.
type fixedObj struct {
	fyne.CanvasObject
	min  fyne.Size
	pos  fyne.Position
	size fyne.Size
}

func (o *fixedObj) MinSize() fyne.Size      { return o.min }
func (o *fixedObj) Move(p fyne.Position)    { o.pos = p }
func (o *fixedObj) Position() fyne.Position { return o.pos }
func (o *fixedObj) Resize(s fyne.Size)      { o.size = s }
func (o *fixedObj) Size() fyne.Size         { return o.size }
func (o *fixedObj) Visible() bool           { return true }

// TestLineLabelIsALabelCutShort checks that the header's name is drawn
// and measured as a widget.Label with TextTruncateEllipsis: the same size
// (so a screen fits as before), the whole text when it fits, and a start
// of it with "…" inside the padding when it does not.
func TestLineLabelIsALabelCutShort(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(&look{})
	style := fyne.TextStyle{Bold: true}
	const name = "Taquilla de paquetes"
	l := newLineLabel(theme.SizeNameSubHeadingText, style)
	l.SetText(name)
	ref := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, style)
	ref.SizeName = theme.SizeNameSubHeadingText
	ref.Truncation = fyne.TextTruncateEllipsis
	test.NewTempWindow(t, container.NewVBox(l, ref))
	for _, th := range []touchTheme{{dense: 2}, {accessible: true}, {accessible: true, dense: 1}, {}} {
		a.Settings().SetTheme(&look{th: th})
		l.Refresh()
		ref.Refresh()
		if got, want := l.MinSize(), ref.MinSize(); got != want {
			t.Errorf("%+v: MinSize = %v, a label's is %v", th, got, want)
		}
	}
	drawn := func() *canvas.Text { return test.WidgetRenderer(l).Objects()[0].(*canvas.Text) }
	pad := theme.InnerPadding()
	l.Resize(fyne.NewSize(600, 80))
	if txt := drawn(); txt.Text != name || txt.Position() != fyne.NewPos(pad, pad) {
		t.Errorf("at 600 wide: %q at %v, want %q at the padding", txt.Text, txt.Position(), name)
	}
	l.Resize(fyne.NewSize(200, 80))
	txt := drawn()
	if !strings.HasSuffix(txt.Text, "…") || !strings.HasPrefix(name, strings.TrimSuffix(txt.Text, "…")) || len(txt.Text) < 4 {
		t.Errorf("at 200 wide: %q, want a start of %q ending in …", txt.Text, name)
	}
	if end := txt.Position().X + txt.MinSize().Width; end > 200-pad {
		t.Errorf("at 200 wide the text ends at %v, past the padding", end)
	}
}
