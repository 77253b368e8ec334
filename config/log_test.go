package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/parcelkiosk/locker"
)

// The secrets below must never appear in a log line.
const (
	secretPIN   = "482913"
	secretQR    = "QRtok-7f3a9c1e55d2"
	secretTOTP  = "JBSWY3DPEHPK3PXP"
	secretPass  = "hunter2-pass"
	secretCreds = "-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVQUJDIn0.sig\n------END NATS USER JWT------"
	secretSeed  = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY"
	secretCode  = "courier-code-9981"
)

var allSecrets = []string{secretPIN, secretQR, secretTOTP, secretPass, "eyJ0eXAiOiJKV1QifQ", secretSeed, secretCode}

type depositData struct {
	ParcelID string `json:"parcel_id"`
	PIN      string `json:"pin"`
	QR       string `json:"qr"`
	Nested   struct {
		StaffPIN string `json:"staffPin"`
		Comment  string `json:"comment"`
	} `json:"nested"`
}

// logEverything writes one line per way a secret could reach a log.
func logEverything(l *slog.Logger) {
	l.Info("deposit", "pin", secretPIN, "qr", secretQR, "compartment", "A1")
	l.Info("staff", slog.String("totp_code", secretTOTP), slog.String("staffPIN", secretPIN), "password", secretPass)
	l.Info("uplink", "creds", secretCreds, "url", "nats://kiosk:"+secretPass+"@nats.example:4222")
	l.Info("nkey", "value", secretSeed, "jwt_text", "x", "blob", secretCreds)
	l.Info("courier", "courierCode", secretCode, "QR-Token", secretQR, "secret", []byte(secretTOTP))
	l.With("pin", secretPIN).WithGroup("auth").Info("grouped", "token", secretQR, "user", "u1")
	l.Info("group", slog.Group("creds", slog.String("file", secretCreds), slog.String("name", secretSeed)))
	d := depositData{ParcelID: "P1", PIN: secretPIN, QR: secretQR}
	d.Nested.StaffPIN = secretPIN
	d.Nested.Comment = "fine"
	l.Info("struct", "data", d, "ptr", &d)
	raw, _ := json.Marshal(map[string]any{"parcel_id": "P1", "pin": secretPIN, "qr": secretQR, "list": []any{map[string]any{"code": secretCode}}})
	l.Info("event", "event", locker.Event{ID: "E1", Type: locker.EvtParcelDeposited, Data: raw}, "raw", json.RawMessage(raw))
	l.Info("map", "m", map[string]string{"pin": secretPIN, "ok": "yes"})
	l.Error("failed", "err", errors.New("connect nats://u:"+secretPass+"@h:4222"))
	l.Info("error with url", "err", "dial nats://u:"+secretPass+"@h:4222: refused")
}

func TestRedactingLoggerNeverPrintsSecrets(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := NewLogger(&buf, format, "debug")
			if err != nil {
				t.Fatal(err)
			}
			logEverything(l)
			out := buf.String()
			if n := strings.Count(out, "\n"); n != 12 {
				t.Errorf("got %d lines, want 12:\n%s", n, out)
			}
			for _, s := range allSecrets {
				if strings.Contains(out, s) {
					t.Errorf("log contains secret %q:\n%s", s, out)
				}
			}
			for _, keep := range []string{"A1", "P1", "fine", "yes", "u1", "nats.example:4222", "parcel.deposited", Redacted} {
				if !strings.Contains(out, keep) {
					t.Errorf("log lost the harmless %q:\n%s", keep, out)
				}
			}
		})
	}
}

func TestRedactedJSONKeepsShape(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	raw := json.RawMessage(`{"parcel_id":"P9","pin":"` + secretPIN + `","compartment":"B2"}`)
	l.Info("deposited", "data", raw, "barcode", "1Z999AA10123456784")
	var line struct {
		Msg     string            `json:"msg"`
		Data    map[string]string `json:"data"`
		Barcode string            `json:"barcode"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %v: %s", err, buf.String())
	}
	want := map[string]string{"parcel_id": "P9", "pin": Redacted, "compartment": "B2"}
	for k, v := range want {
		if line.Data[k] != v {
			t.Errorf("data[%q] = %q, want %q", k, line.Data[k], v)
		}
	}
	if line.Barcode != "1Z999AA10123456784" || line.Msg != "deposited" {
		t.Errorf("barcode or msg changed: %+v", line)
	}
}

func TestSensitiveKey(t *testing.T) {
	for key, want := range map[string]bool{
		"pin": true, "PIN": true, "pin_hash": true, "staffPIN": true, "qr": true, "qr_token": true,
		"token": true, "secret": true, "password": true, "creds": true, "NATS-Creds": true,
		"totp": true, "totpCode": true, "code": true, "courier.code": true,
		"barcode": false, "compartment": false, "parcel_id": false, "spinner": false,
		"qrcode": false, "kiosk": false, "msg": false, "opinion": false,
	} {
		if got := SensitiveKey(key); got != want {
			t.Errorf("SensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestNewLoggerLevelsAndFormats(t *testing.T) {
	for _, tc := range []struct {
		format, level string
		wantDebug     bool
		wantWarn      bool
		prefix        string
	}{
		{"json", "debug", true, true, "{"},
		{"json", "info", false, true, "{"},
		{"text", "warn", false, true, "time="},
		{"text", "error", false, false, ""},
	} {
		t.Run(tc.format+"/"+tc.level, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := NewLogger(&buf, tc.format, tc.level)
			if err != nil {
				t.Fatal(err)
			}
			l.Debug("dbg")
			l.Warn("wrn")
			out := buf.String()
			if got := strings.Contains(out, "dbg"); got != tc.wantDebug {
				t.Errorf("debug line printed = %v, want %v: %s", got, tc.wantDebug, out)
			}
			if got := strings.Contains(out, "wrn"); got != tc.wantWarn {
				t.Errorf("warn line printed = %v, want %v: %s", got, tc.wantWarn, out)
			}
			if !strings.HasPrefix(out, tc.prefix) {
				t.Errorf("output %q does not start with %q", out, tc.prefix)
			}
		})
	}
	for _, bad := range [][2]string{{"xml", "info"}, {"json", "loud"}} {
		if _, err := NewLogger(&bytes.Buffer{}, bad[0], bad[1]); err == nil {
			t.Errorf("NewLogger(%q, %q) = nil error", bad[0], bad[1])
		}
	}
}

func BenchmarkRedactedLogLine(b *testing.B) {
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "json", "info")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		l.Info("door opened", "compartment", "A1", "commanded", true, "pin", secretPIN)
	}
}

func BenchmarkPlainLogLine(b *testing.B) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, nil))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		l.Info("door opened", "compartment", "A1", "commanded", true, "pin", secretPIN)
	}
}

func TestSensitiveKeyNonASCII(t *testing.T) {
	for key, want := range map[string]bool{"código_pin": true, "größe": false, "Ünit-Token": true} {
		if got := SensitiveKey(key); got != want {
			t.Errorf("SensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestSensitiveKeyFastPathAgrees checks the allocation-free ASCII path
// against the plain word split on random keys.
func TestSensitiveKeyFastPathAgrees(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		key := rapid.StringOfN(rapid.SampledFrom([]rune("pinPINcodeCODEqrtokenTokenSecretcredsTOTPxyz_-.9 ")), 0, 60, -1).Draw(t, "key")
		if got, want := SensitiveKey(key), sensitiveWordsOf(keyWords(key)); got != want {
			t.Fatalf("SensitiveKey(%q) = %v, word split says %v (words %q)", key, got, want, keyWords(key))
		}
	})
}
