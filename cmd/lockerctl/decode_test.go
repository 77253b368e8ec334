package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestRunDecode(t *testing.T) {
	dir := t.TempDir()
	q, err := qrcode.New("PK1.abc\tdef", qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.png")
	writePNG(t, good, q.Image(256))
	blank := filepath.Join(dir, "blank.png")
	writePNG(t, blank, image.NewGray(image.Rect(0, 0, 64, 64)))
	garbage := filepath.Join(dir, "garbage.png")
	os.WriteFile(garbage, []byte("not an image"), 0o600)
	empty := filepath.Join(dir, "empty.png")
	os.WriteFile(empty, nil, 0o600)
	// A PDF417 as on a FedEx label, made by zint (packaging/deps.sh).
	pdf := filepath.Join(dir, "pdf417.png")
	if b, err := exec.Command("zint", "-b", "55", "--scale=2", "-d", "PARCEL 1Z999AA10123456784", "-o", pdf).CombinedOutput(); err != nil {
		t.Fatalf("zint: %v: %s", err, b)
	}
	// A MaxiCode as on a UPS label (mode 2, a structured carrier
	// message), made by zint.
	maxi := filepath.Join(dir, "maxicode.png")
	if b, err := exec.Command("zint", "-b", "57", "--mode=2", "--scale=2", "--esc", "--primary=152382802840001",
		"-d", `[)>\R01\G961Z00004951\GUPSN\G06X610\R\E`, "-o", maxi).CombinedOutput(); err != nil {
		t.Fatalf("zint: %v: %s", err, b)
	}

	tests := []struct {
		name      string
		args      []string
		wantOut   string
		wantErr   bool
		errSubstr string
	}{
		{"one code", []string{good}, good + "\tQR\tPK1.abc\\x09def\n", false, ""},
		{"no code prints nothing", []string{blank}, "", false, ""},
		{"bad files fail but others print", []string{garbage, good, filepath.Join(dir, "missing.png"), empty}, good + "\tQR\tPK1.abc\\x09def\n", true, "not a readable image"},
		{"symbology filter", []string{"-symbologies", "Code128,EAN13", good}, "", false, ""},
		{"pdf417", []string{pdf}, pdf + "\tPDF417\tPARCEL 1Z999AA10123456784\n", false, ""},
		{"maxicode", []string{maxi}, maxi + "\tMaxiCode\t[)>\\x1e01\\x1d96152382802\\x1d840\\x1d001\\x1d1Z00004951\\x1dUPSN\\x1d06X610\\x1e\\x04\n", false, ""},
		{"pdf417 filtered out", []string{"-symbologies", "QR", pdf}, "", false, ""},
		{"unknown symbology", []string{"-symbologies", "Codabar", good}, "", true, "unknown symbology"},
		{"no files", nil, "", true, "no files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := runDecode(context.Background(), tc.args, &out, &errb)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v (stderr %q), want error %v", err, errb.String(), tc.wantErr)
			}
			if out.String() != tc.wantOut {
				t.Errorf("stdout = %q, want %q", out.String(), tc.wantOut)
			}
			if tc.errSubstr != "" && !strings.Contains(errb.String()+errString(err), tc.errSubstr) {
				t.Errorf("stderr %q / err %v lacks %q", errb.String(), err, tc.errSubstr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
