package speech

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// poll reports whether cond became true within d, checking often.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The tests run the real espeak-ng (packaging/deps.sh installs it),
// writing WAV files.

// wavPeak reads a 16-bit PCM WAV file and returns the number of samples
// and the largest absolute sample.
func wavPeak(t *testing.T, path string) (samples int, peak int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s is not a WAV file (%d bytes)", path, len(b))
	}
	// Find the data chunk.
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		off += 8
		if id == "data" {
			end := min(off+size, len(b))
			for i := off; i+1 < end; i += 2 {
				v := int(int16(binary.LittleEndian.Uint16(b[i : i+2])))
				peak = max(peak, v, -v)
				samples++
			}
			return samples, peak
		}
		off += size
	}
	t.Fatalf("%s has no data chunk", path)
	return 0, 0
}

func start(t *testing.T, o Options) (*Espeak, context.CancelFunc, chan error) {
	t.Helper()
	sp, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sp.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return sp, cancel, done
}

func wavs(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSpeaksBothLanguagesToWAV(t *testing.T) {
	dir := t.TempDir()
	sp, _, _ := start(t, Options{Dir: dir, MaxAge: time.Minute})
	tests := []struct{ lang, text string }{
		{"en", "Type your pickup code, or hold your QR code to the scanner."},
		{"es", "Escriba su código de recogida, o acerque su código QR al lector."},
		{"en", "7"},
	}
	for _, tc := range tests {
		sp.Say(tc.lang, tc.text)
	}
	if !poll(60*time.Second, func() bool { return len(wavs(t, dir)) == len(tests) }) {
		t.Fatalf("%d WAV files, want %d", len(wavs(t, dir)), len(tests))
	}
	files := wavs(t, dir)
	for i, tc := range tests {
		f := files[i]
		if !strings.HasSuffix(f, "-"+tc.lang+".wav") {
			t.Errorf("file %s for %s", f, tc.lang)
		}
		n, peak := wavPeak(t, f)
		// espeak-ng writes 22050 samples a second: a sentence is seconds
		// of sound, a digit a fraction of one; silence peaks at 0.
		if n < 22050/10 || peak < 1000 {
			t.Errorf("%s (%q): %d samples, peak %d: no speech", f, tc.text, n, peak)
		}
		if i < 2 && n < 22050 {
			t.Errorf("%s: a sentence of %d samples (under a second)", f, n)
		}
	}
}

func TestSayNeverBlocks(t *testing.T) {
	dir := t.TempDir()
	sp, err := New(Options{Dir: dir, Queue: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing speaks yet (Run not started): Say still returns, and the
	// queue keeps only the newest.
	for i := range 100 {
		sp.Say("en", strings.Repeat("word ", i%5+1))
	}
	if d := sp.Dropped(); d != 96 {
		t.Errorf("dropped %d, want 96", d)
	}
	sp.Say("en", "   ")
	if d := sp.Dropped(); d != 96 {
		t.Errorf("blank text queued")
	}
}

func TestStaleUtterancesDropped(t *testing.T) {
	dir := t.TempDir()
	sp, err := New(Options{Dir: dir, MaxAge: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sp.Say("en", "Door A1 is open")
	sp.Say("en", "Take your parcel")
	time.Sleep(100 * time.Millisecond) // older than MaxAge by then
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sp.Run(ctx) }()
	sp.Say("en", "Thank you")
	if !poll(60*time.Second, func() bool { return len(wavs(t, dir)) == 1 }) {
		t.Fatalf("files %v, want the fresh utterance only", wavs(t, dir))
	}
	cancel()
	<-done
	if sp.Dropped() != 2 || len(wavs(t, dir)) != 1 {
		t.Errorf("dropped %d, files %v", sp.Dropped(), wavs(t, dir))
	}
}

// longText takes espeak-ng many seconds to say.
var longText = strings.Repeat("This is a long instruction that nobody will wait for. ", 60)

// speaking waits until espeak-ng has begun writing an utterance.
func speaking(t *testing.T, dir string) {
	t.Helper()
	if !poll(60*time.Second, func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "*.part"))
		return len(m) > 0
	}) {
		t.Fatal("espeak-ng never started")
	}
}

func TestInterruptStopsTheUtterance(t *testing.T) {
	dir := t.TempDir()
	sp, _, _ := start(t, Options{Dir: dir, MaxAge: time.Minute})
	sp.Say("en", longText)
	sp.Say("en", "queued behind it")
	speaking(t, dir)
	sp.Interrupt()
	sp.Say("es", "Puerta abierta")
	if !poll(60*time.Second, func() bool { return len(wavs(t, dir)) == 1 }) {
		t.Fatalf("files %v", wavs(t, dir))
	}
	if f := wavs(t, dir)[0]; !strings.HasSuffix(f, "-es.wav") {
		t.Errorf("the interrupted or dropped utterance was written: %s", f)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.part")); len(m) != 0 {
		t.Errorf("partial files left: %v", m)
	}
}

func TestShutdownKillsTheUtterance(t *testing.T) {
	dir := t.TempDir()
	sp, cancel, done := start(t, Options{Dir: dir, MaxAge: time.Minute})
	sp.Say("en", longText)
	speaking(t, dir)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		done <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if len(wavs(t, dir)) != 0 {
		t.Errorf("the killed utterance was written: %v", wavs(t, dir))
	}
}

func TestNoEngine(t *testing.T) {
	_, err := New(Options{Binary: filepath.Join(t.TempDir(), "espeak-ng")})
	if !errors.Is(err, ErrNoEngine) {
		t.Fatalf("err = %v, want ErrNoEngine", err)
	}
}
