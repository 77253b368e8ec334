package scanner

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyEvents returns the input_event stream a HID scanner sends for text:
// key down and up for every character (with shift where needed), EV_SYN
// reports between, and Enter at the end.
func keyEvents(t *testing.T, text string, at time.Time) []byte {
	t.Helper()
	rev := map[rune]struct {
		code  uint16
		shift bool
	}{}
	for code := uint16(0); code < 100; code++ {
		if code == 55 || code > 57 {
			continue // prefer the main block over the keypad
		}
		for _, shift := range []bool{false, true} {
			r, ok := KeyRune(code, shift)
			if _, seen := rev[r]; ok && !seen {
				rev[r] = struct {
					code  uint16
					shift bool
				}{code, shift}
			}
		}
	}
	var b []byte
	ev := func(typ, code uint16, v int32) {
		at = at.Add(time.Millisecond)
		b = AppendInputEvent(b, InputEvent{Time: at, Type: typ, Code: code, Value: v})
		b = AppendInputEvent(b, InputEvent{Time: at, Type: 0, Code: 0, Value: 0}) // EV_SYN
	}
	for _, r := range text {
		k, ok := rev[r]
		if !ok {
			t.Fatalf("no key for %q", r)
		}
		if k.shift {
			ev(evKey, keyLeftShift, 1)
		}
		ev(4, 4, 458756) // EV_MSC MSC_SCAN, as real keyboards send
		ev(evKey, k.code, 1)
		ev(evKey, k.code, 0)
		if k.shift {
			ev(evKey, keyLeftShift, 0)
		}
	}
	ev(evKey, keyEnter, 1)
	ev(evKey, keyEnter, 0)
	return b
}

func TestInputEventLayout(t *testing.T) {
	if InputEventSize != 24 && InputEventSize != 16 {
		t.Fatalf("InputEventSize = %d", InputEventSize)
	}
	at := time.Unix(1700000000, 123456000)
	b := AppendInputEvent(nil, InputEvent{Time: at, Type: evKey, Code: 30, Value: 1})
	if len(b) != InputEventSize {
		t.Fatalf("encoded %d bytes", len(b))
	}
	if InputEventSize == 24 {
		// struct timeval {int64 sec; int64 usec}; u16 type; u16 code; s32 value.
		if b[16] != evKey || b[18] != 30 || b[20] != 1 {
			t.Fatalf("layout % x", b)
		}
	}
	ev, err := ReadInputEvent(strings.NewReader(string(b)), make([]byte, InputEventSize))
	if err != nil || ev.Type != evKey || ev.Code != 30 || ev.Value != 1 || !ev.Time.Equal(at) {
		t.Fatalf("round trip = %+v, %v", ev, err)
	}
}

// TestHIDSourceFromPipe writes a real input_event stream into a pipe, as
// the kernel does on /dev/input/eventN, and unplugs the device mid-way.
func TestHIDSourceFromPipe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	writers := make(chan *os.File, 4)
	hid := &HIDSource{
		MaxLine: 64,
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			r, w, err := os.Pipe()
			if err != nil {
				return nil, err
			}
			writers <- w
			return r, nil
		},
	}
	var mu sync.Mutex
	var errs []error
	sup := &Supervised{Source: hid, Backoff: time.Millisecond, OnError: func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}}
	out := make(chan Scan, 8)
	done := make(chan error, 1)
	go func() { done <- sup.Run(ctx, out) }()
	recv := func() Scan {
		t.Helper()
		select {
		case s := <-out:
			return s
		case <-ctx.Done():
			t.Fatal("timed out")
		}
		return Scan{}
	}
	at := time.Unix(1700000000, 0)
	w := <-writers
	texts := []string{"1Z999AA10123456784", "PK1.Ab-_x.Yz", "BADGE:Staff #7 (A&B)", `a!@#$%^&*()_+{}|:"<>?~`}
	for _, tx := range texts {
		if _, err := w.Write(keyEvents(t, tx, at)); err != nil {
			t.Fatal(err)
		}
		if s := recv(); s.Text != tx || s.Source != "hid" || s.Symbology != SymKeyboard {
			t.Fatalf("scan = %+v, want %q", s, tx)
		}
	}
	// Unplug: the writer goes away, the read fails, the source restarts.
	w.Close()
	w = <-writers
	// An overlong scan fails the source with ErrLineTooLong; it restarts.
	go w.Write(keyEvents(t, strings.Repeat("9", 100), at))
	w2 := <-writers
	w.Close()
	if _, err := w2.Write(keyEvents(t, "EA123456785US", at)); err != nil {
		t.Fatal(err)
	}
	if s := recv(); s.Text != "EA123456785US" {
		t.Fatalf("after replug: %+v", s)
	}
	// Half an event then unplug: a clear truncation error.
	w2.Write(make([]byte, InputEventSize/2))
	w2.Close()
	w3 := <-writers
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	w3.Close()
	mu.Lock()
	defer mu.Unlock()
	var long, trunc bool
	for _, err := range errs {
		long = long || errors.Is(err, ErrLineTooLong)
		trunc = trunc || errors.Is(err, io.ErrUnexpectedEOF)
	}
	if !long || !trunc || len(errs) < 3 {
		t.Errorf("errors %v: want device gone, too long, truncated", errs)
	}
}

// TestHIDSourceFromFile reads a recorded event stream from a file.
func TestHIDSourceFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events")
	data := append(keyEvents(t, "986578788855", time.Unix(1, 0)), keyEvents(t, "TBA123456789012", time.Unix(2, 0))...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	hid := &HIDSource{Name: "hid0", Open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) }}
	out := make(chan Scan, 4)
	err := hid.Run(context.Background(), out)
	if err == nil || !errors.Is(err, io.EOF) {
		t.Fatalf("Run = %v, want device gone (EOF)", err)
	}
	close(out)
	var got []string
	for s := range out {
		got = append(got, s.Text)
	}
	if strings.Join(got, ",") != "986578788855,TBA123456789012" {
		t.Fatalf("scans = %q", got)
	}
}

func TestOpenEvdevErrors(t *testing.T) {
	if _, err := OpenEvdev(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("opened a missing device")
	}
	// A regular file cannot be grabbed.
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, nil, 0o600)
	if _, err := OpenEvdev(p); err == nil || !strings.Contains(err.Error(), "grab") {
		t.Fatalf("OpenEvdev(regular file) = %v, want a grab error", err)
	}
}

func TestWedge(t *testing.T) {
	t0 := time.Unix(100, 0)
	tests := []struct {
		name  string
		o     WedgeOptions
		steps []wedgeStep
		scans []string
	}{
		{
			name:  "fast burst with Enter is a scan",
			steps: burst("1Z999AA10123456784", 10*time.Millisecond),
			scans: []string{"1Z999AA10123456784"},
		},
		{
			name: "slow typing goes to the field",
			steps: []wedgeStep{
				{key: 'a', dt: 0}, {key: 'b', dt: 200 * time.Millisecond, typed: "a"},
				{key: 'c', dt: 200 * time.Millisecond, typed: "b"}, {key: 0, dt: 150 * time.Millisecond, typed: "c"},
			},
		},
		{
			name: "too short a burst is typing",
			steps: []wedgeStep{
				{key: '1', dt: 0}, {key: '2', dt: 5 * time.Millisecond}, {key: '3', dt: 5 * time.Millisecond},
				{key: 0, dt: 5 * time.Millisecond, typed: "123"},
			},
		},
		{
			name: "pause then Flush releases held keys",
			steps: []wedgeStep{
				{key: 'x', dt: 0}, {key: 'y', dt: 10 * time.Millisecond},
				{key: -1, dt: 10 * time.Millisecond}, {key: -1, dt: 100 * time.Millisecond, typed: "xy"},
			},
		},
		{
			name:  "prefix required and removed",
			o:     WedgeOptions{Prefix: "]S"},
			steps: burst("]SBADGE:42", 5*time.Millisecond),
			scans: []string{"BADGE:42"},
		},
		{
			name: "without the prefix it is typing at once",
			o:    WedgeOptions{Prefix: "]S"},
			steps: []wedgeStep{
				{key: 'h', dt: 0, typed: "h"}, {key: 'i', dt: 5 * time.Millisecond, typed: "i"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWedge(tc.o)
			at := t0
			for i, st := range tc.steps {
				at = at.Add(st.dt)
				var typed []rune
				var scan bool
				switch st.key {
				case 0:
					typed, scan = w.Enter(at)
				case -1:
					typed = w.Flush(at)
				default:
					typed = w.Key(st.key, at)
				}
				if string(typed) != st.typed || scan != st.scan {
					t.Fatalf("step %d (%q): typed %q scan %v, want %q %v", i, st.key, string(typed), scan, st.typed, st.scan)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			out := make(chan Scan, 4)
			go w.Run(ctx, out)
			for _, want := range tc.scans {
				select {
				case s := <-out:
					if s.Text != want || s.Source != "wedge" {
						t.Fatalf("scan %+v, want %q", s, want)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("no scan")
				}
			}
			cancel()
			select {
			case s := <-out:
				t.Fatalf("unexpected scan %+v", s)
			default:
			}
		})
	}
}

// wedgeStep is one key given to a Wedge and what it must answer.
type wedgeStep struct {
	key   rune // 0: Enter; -1: Flush
	dt    time.Duration
	typed string
	scan  bool
}

// burst types s with gap between keys and ends it with Enter, expecting a
// scan.
func burst(s string, gap time.Duration) []wedgeStep {
	var out []wedgeStep
	for i, r := range s {
		dt := gap
		if i == 0 {
			dt = 0
		}
		out = append(out, wedgeStep{key: r, dt: dt})
	}
	return append(out, wedgeStep{key: 0, dt: gap, scan: true})
}
func TestMergeAndSupervised(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := sourceFunc(func(ctx context.Context, out chan<- Scan) error {
		for i := 0; i < 50; i++ {
			if err := send(ctx, out, Scan{Text: "a", Source: "a"}); err != nil {
				return nil
			}
		}
		return nil
	})
	runs := 0
	b := &Supervised{Backoff: time.Millisecond, Source: sourceFunc(func(ctx context.Context, out chan<- Scan) error {
		runs++
		if runs < 3 {
			return errors.New("device gone")
		}
		return send(ctx, out, Scan{Text: "b", Source: "b"})
	})}
	out := make(chan Scan) // unbuffered: Merge must hold back, not lose
	errc := make(chan error, 1)
	go func() { errc <- Merge(ctx, out, a, b) }()
	counts := map[string]int{}
	for i := 0; i < 51; i++ {
		s := <-out
		counts[s.Text]++
	}
	if err := <-errc; err != nil {
		t.Fatalf("Merge = %v", err)
	}
	if counts["a"] != 50 || counts["b"] != 1 || runs != 3 {
		t.Fatalf("counts %v runs %d", counts, runs)
	}
	// A source error without Supervised comes back from Merge.
	bad := sourceFunc(func(context.Context, chan<- Scan) error { return errors.New("boom") })
	if err := Merge(ctx, make(chan Scan), bad); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Merge(bad) = %v", err)
	}
}

type sourceFunc func(ctx context.Context, out chan<- Scan) error

func (f sourceFunc) Run(ctx context.Context, out chan<- Scan) error { return f(ctx, out) }

// fakeFrames plays frames to the camera, then fails like an unplugged
// camera.
type fakeFrames struct {
	frames []*image.Gray
	gap    time.Duration
	closed bool
}

func (f *fakeFrames) ReadFrame(ctx context.Context) (*image.Gray, error) {
	if len(f.frames) == 0 {
		return nil, errors.New("camera gone: no such device")
	}
	g := f.frames[0]
	f.frames = f.frames[1:]
	select {
	case <-time.After(f.gap):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g, nil
}

func (f *fakeFrames) Close() error { f.closed = true; return nil }

func TestCameraDedupAndVanish(t *testing.T) {
	qr := qrFixture(t, "PK1.camera.token", 240)
	blank := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range blank.Pix {
		blank.Pix[i] = 200
	}
	var frames []*image.Gray
	for i := 0; i < 20; i++ {
		frames = append(frames, qr, blank)
	}
	ff := &fakeFrames{frames: frames, gap: 2 * time.Millisecond}
	opens := 0
	cam := NewCamera(CameraOptions{
		Interval: time.Millisecond,
		Open: func(context.Context) (FrameReader, error) {
			opens++
			if opens > 1 {
				return nil, errors.New("no camera")
			}
			return ff, nil
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := make(chan Scan, 64)
	err := cam.Run(ctx, out)
	if err == nil || !strings.Contains(err.Error(), "camera gone") {
		t.Fatalf("Run = %v, want camera gone", err)
	}
	if !ff.closed {
		t.Error("frame reader not closed")
	}
	close(out)
	var got []Scan
	for s := range out {
		got = append(got, s)
	}
	if len(got) != 1 || got[0].Text != "PK1.camera.token" || got[0].Source != "camera" || got[0].Symbology != SymQR {
		t.Fatalf("scans %+v, want the token once", got)
	}
	if cam.Preview() == nil {
		t.Error("no preview frame")
	}
	dec, skip := cam.Stats()
	if dec == 0 || dec+skip != 40 {
		t.Errorf("decoded %d skipped %d of 40", dec, skip)
	}
	// Supervised: the camera is missing, then comes back.
	opens = 0
	ff2 := &fakeFrames{frames: []*image.Gray{qr}, gap: time.Millisecond}
	cam2 := NewCamera(CameraOptions{Open: func(context.Context) (FrameReader, error) {
		opens++
		if opens < 3 {
			return nil, errors.New("no camera")
		}
		return ff2, nil
	}})
	ctx2, cancel2 := context.WithCancel(ctx)
	out2 := make(chan Scan, 4)
	go (&Supervised{Source: cam2, Backoff: time.Millisecond}).Run(ctx2, out2)
	select {
	case s := <-out2:
		if s.Text != "PK1.camera.token" {
			t.Fatalf("scan %+v", s)
		}
	case <-ctx.Done():
		t.Fatal("no scan after the camera came back")
	}
	cancel2()
}

func TestFrameConversion(t *testing.T) {
	yuyv := []byte{10, 128, 20, 128, 30, 128, 40, 128}
	g, err := YUYVToGray(yuyv, 2, 2)
	if err != nil || string(g.Pix) != string([]byte{10, 20, 30, 40}) {
		t.Fatalf("YUYV = %v, %v", g, err)
	}
	if _, err := YUYVToGray(yuyv[:6], 2, 2); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("short YUYV: %v", err)
	}
	if _, err := YUYVToGray(nil, 10000, 5000); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("50-megapixel YUYV: %v", err)
	}
	if _, err := MJPEGToGray([]byte("\xff\xd8garbage")); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("garbage MJPEG: %v", err)
	}
	if _, err := MJPEGToGray(jpegHeader(10000, 5000)); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("50-megapixel MJPEG: %v", err)
	}
	j := encodeJPEG(t, qrFixture(t, "mjpeg", 200))
	g, err = MJPEGToGray(j)
	if err != nil || g.Bounds().Dx() != 200 {
		t.Fatalf("MJPEG = %v, %v", g.Bounds(), err)
	}
}

func TestKeyRune(t *testing.T) {
	tests := []struct {
		code  uint16
		shift bool
		want  rune
		ok    bool
	}{
		{2, false, '1', true}, {2, true, '!', true}, {11, true, ')', true},
		{16, false, 'q', true}, {16, true, 'Q', true}, {30, false, 'a', true},
		{40, true, '"', true}, {43, false, '\\', true}, {43, true, '|', true},
		{53, true, '?', true}, {57, false, ' ', true}, {71, false, '7', true},
		{83, false, '.', true}, {98, false, '/', true},
		{keyEnter, false, 0, false}, {keyLeftShift, false, 0, false}, {1, false, 0, false}, {200, false, 0, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d/%v", tc.code, tc.shift), func(t *testing.T) {
			r, ok := KeyRune(tc.code, tc.shift)
			if r != tc.want || ok != tc.ok {
				t.Errorf("KeyRune(%d, %v) = %q, %v; want %q, %v", tc.code, tc.shift, r, ok, tc.want, tc.ok)
			}
		})
	}
}
