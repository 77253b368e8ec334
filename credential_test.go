package locker

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

var testSecret = bytes.Repeat([]byte{7}, SecretLen)

func TestQRRoundTrip(t *testing.T) {
	c := QRClaims{CredentialID: "01CRED", ParcelIDs: []string{"P1", "P2"}, ExpiresAt: time.Unix(1_800_000_000, 0).UTC()}
	tok := SignQR(testSecret, c)
	if !strings.HasPrefix(tok, QRPrefix) {
		t.Fatalf("token %q lacks prefix", tok)
	}
	got, err := ParseQR(testSecret, tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.CredentialID != c.CredentialID || !slices.Equal(got.ParcelIDs, c.ParcelIDs) || !got.ExpiresAt.Equal(c.ExpiresAt) {
		t.Errorf("claims = %+v, want %+v", got, c)
	}
}

func TestQRRejects(t *testing.T) {
	good := SignQR(testSecret, QRClaims{CredentialID: "C", ParcelIDs: []string{"P"}, ExpiresAt: time.Unix(100, 0)})
	other := SignQR(bytes.Repeat([]byte{8}, SecretLen), QRClaims{CredentialID: "C", ParcelIDs: []string{"P"}, ExpiresAt: time.Unix(100, 0)})
	flip := []byte(good)
	flip[len(QRPrefix)+2] ^= 1
	p, sig, _ := strings.Cut(strings.TrimPrefix(good, QRPrefix), ".")
	tests := map[string]string{
		"empty":          "",
		"no prefix":      strings.TrimPrefix(good, QRPrefix),
		"wrong key":      other,
		"payload flip":   string(flip),
		"no signature":   QRPrefix + p,
		"short sig":      QRPrefix + p + "." + sig[:10],
		"extra part":     good + ".x",
		"swapped halves": QRPrefix + sig + "." + p,
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseQR(testSecret, tok); !errors.Is(err, ErrWrongCode) {
				t.Errorf("ParseQR(%q) err = %v, want ErrWrongCode", tok, err)
			}
		})
	}
}

func FuzzParseQR(f *testing.F) {
	f.Add(SignQR(testSecret, QRClaims{CredentialID: "C", ParcelIDs: []string{"P1", "P2"}, ExpiresAt: time.Unix(1e9, 0)}))
	f.Add(QRPrefix + "abc.def")
	f.Add("PK1..")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseQR(testSecret, tok)
		if err != nil {
			if !errors.Is(err, ErrWrongCode) {
				t.Fatalf("error %v is not ErrWrongCode", err)
			}
			return
		}
		// Anything accepted must be what we would have signed.
		if again := SignQR(testSecret, c); again != strings.TrimSpace(tok) {
			t.Fatalf("accepted %q but signing its claims gives %q", tok, again)
		}
	})
}

func TestReceiptVerify(t *testing.T) {
	r := Receipt{VisitID: "V1", CourierID: "c1", Time: time.Unix(1e9, 0), Items: []ReceiptItem{{ParcelID: "P1", Barcode: "B1", CompartmentID: "A1"}}}
	txt := signReceipt(testSecret, r)
	if !strings.HasPrefix(txt, ReceiptPrefix) {
		t.Fatalf("receipt %q lacks prefix", txt)
	}
	v, ids, err := VerifyReceipt(testSecret, txt)
	if err != nil || v != "V1" || !slices.Equal(ids, []string{"P1"}) {
		t.Fatalf("VerifyReceipt = %q %v %v", v, ids, err)
	}
	if _, _, err := VerifyReceipt(bytes.Repeat([]byte{1}, SecretLen), txt); !errors.Is(err, ErrInvalid) {
		t.Errorf("wrong key accepted: %v", err)
	}
}

// RFC 6238 appendix B vectors (SHA-1), last six digits.
func TestTOTPCodeRFC6238(t *testing.T) {
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tc := range tests {
		got, err := TOTPCode(testTOTPSecret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.want {
			t.Errorf("TOTPCode(%d) = %q, %v; want %q", tc.unix, got, err, tc.want)
		}
	}
}

func TestCheckTOTPWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name string
		at   time.Duration
		ok   bool
	}{
		{"now", 0, true}, {"one step back", -30 * time.Second, true}, {"one step ahead", 30 * time.Second, true},
		{"two steps back", -60 * time.Second, false}, {"two steps ahead", 60 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _ := TOTPCode(testTOTPSecret, now.Add(tc.at))
			if _, ok := checkTOTP(testTOTPSecret, code, now); ok != tc.ok {
				t.Errorf("checkTOTP = %v, want %v", ok, tc.ok)
			}
		})
	}
	if _, ok := checkTOTP("not base32!", "123456", now); ok {
		t.Error("bad secret accepted")
	}
}

func TestNewPINUniform(t *testing.T) {
	// A source that first returns a value above the rejection limit.
	src := bytes.NewReader([]byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 42})
	pin, err := newPIN(src, 8)
	if err != nil || pin != "00000042" {
		t.Fatalf("newPIN = %q, %v; want 00000042", pin, err)
	}
	if _, err := newPIN(bytes.NewReader(nil), 8); err == nil {
		t.Error("empty source gave a PIN")
	}
	pin, err = newPIN(bytes.NewReader([]byte{0, 0, 0, 0, 0, 0x0f, 0x42, 0x3f}), 6)
	if err != nil || pin != "999999" {
		t.Fatalf("newPIN 6 digits = %q, %v; want 999999", pin, err)
	}
}

func TestLockoutPolicy(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	p := DefaultPolicies()[KindPIN]
	p.Daily = 0 // the daily budget has its own test
	var l Counter
	var locked bool
	for i := range LockoutFailures {
		l, locked = l.withFailure(p, t0.Add(time.Duration(i)*time.Second))
		if locked != (i == LockoutFailures-1) {
			t.Fatalf("failure %d: locked = %v", i+1, locked)
		}
	}
	if got := l.LockedUntil.Sub(t0.Add(4 * time.Second)); got != LockoutBase {
		t.Fatalf("first lockout = %v, want %v", got, LockoutBase)
	}
	// Further lockouts double up to the cap.
	now := l.LockedUntil
	want := LockoutBase
	for range 8 {
		for range LockoutFailures {
			l, locked = l.withFailure(p, now)
		}
		want = min(want*2, LockoutMax)
		if !locked || l.LockedUntil.Sub(now) != want {
			t.Fatalf("level %d: locked=%v length %v, want %v", l.Level, locked, l.LockedUntil.Sub(now), want)
		}
		now = l.LockedUntil
	}
	// Failures older than the window do not count.
	var m Counter
	for i := range LockoutFailures {
		m, locked = m.withFailure(p, t0.Add(time.Duration(i)*3*time.Minute))
	}
	if locked {
		t.Error("failures spread over 12 minutes locked the keypad")
	}
	// The doubling starts over after a quiet hour.
	l, _ = l.withFailure(p, now.Add(2*time.Hour))
	for range LockoutFailures - 1 {
		l, locked = l.withFailure(p, now.Add(2*time.Hour))
	}
	if !locked || l.LockedUntil.Sub(now.Add(2*time.Hour)) != LockoutBase {
		t.Errorf("after a quiet period lockout = %v, want %v", l.LockedUntil.Sub(now.Add(2*time.Hour)), LockoutBase)
	}
}

func TestDailyBudget(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	p := DefaultPolicies()[KindPIN]
	// Four wrong codes every ten minutes never trip the burst lockout, but
	// the daily budget closes the path.
	var c Counter
	now := t0
	tries := 0
	for now.Before(t0.Add(DailyWindow)) {
		if _, closed := c.until(p, now); closed {
			now = now.Add(10 * time.Minute)
			continue
		}
		for range LockoutFailures - 1 {
			c, _ = c.withFailure(p, now)
			tries++
			if _, closed := c.until(p, now); closed {
				break
			}
		}
		now = now.Add(10 * time.Minute)
	}
	if tries != p.Daily {
		t.Errorf("a trickle of 4 per 10 minutes got %d tries in a day, want the budget %d", tries, p.Daily)
	}
	until, closed := c.until(p, t0.Add(DailyWindow-time.Minute))
	if !closed || until.After(t0.Add(DailyWindow+time.Hour)) {
		t.Errorf("closed=%v until %v, want closed until the first failure is a day old", closed, until)
	}
	if _, closed := c.until(p, t0.Add(2*DailyWindow)); closed {
		t.Error("still closed two days later")
	}
}

func TestLockoutReadsOldFormat(t *testing.T) {
	until := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var l Lockout
	if err := json.Unmarshal([]byte(`{"failures":[],"level":2,"locked_until":"2026-01-02T03:04:05Z"}`), &l); err != nil {
		t.Fatal(err)
	}
	if c := l.Counters[KindPIN]; c.Level != 2 || !c.LockedUntil.Equal(until) {
		t.Errorf("old lockout read as %+v", l)
	}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var back Lockout
	if err := json.Unmarshal(b, &back); err != nil || !back.Counters[KindPIN].LockedUntil.Equal(until) {
		t.Errorf("round trip %s: %+v, %v", b, back, err)
	}
}
