package locker

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// depositOne deposits one parcel for r1 and finishes the visit; it returns
// the credential.
func depositOne(r *rig, barcode string) Credential {
	r.t.Helper()
	r.signIn()
	_, cred := r.deposit(barcode, "r1", SizeS)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	return cred
}

// junkQR is a well-formed QR token with a signature that does not match.
func junkQR(i int) string {
	return SignQR([]byte("not the kiosk's key, 32 bytes...."), QRClaims{CredentialID: fmt.Sprint("K", i), ParcelIDs: []string{"P1"}, ExpiresAt: time.Unix(2_000_000_000, 0)})
}

// auditCount counts the audit rows with action and subject.
func auditCount(r *rig, action, subject string) int {
	r.st.mu.Lock()
	defer r.st.mu.Unlock()
	n := 0
	for _, a := range r.st.audit {
		if a.Action == action && a.Subject == subject {
			n++
		}
	}
	return n
}

func TestPathsHaveTheirOwnCounters(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	_, cred := r.deposit("P1", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	_, cred2 := r.deposit("P2", "r2", SizeS)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	for i := range 5 {
		r.wantErr(r.s.PickupWithQR(r.ctx, junkQR(i)), ErrWrongCode)
	}
	for i := range LockoutFailures {
		err := r.s.PickupWithPIN(r.ctx, fmt.Sprintf("%010d", i)) // 10 digits: never an issued PIN
		if i < LockoutFailures-1 {
			r.wantErr(err, ErrWrongCode)
		} else {
			r.wantErr(err, ErrLockedOut)
		}
	}
	if !r.s.View().Locked {
		t.Fatal("five wrong PINs did not lock the PIN keypad")
	}
	r.wantErr(r.s.PickupWithPIN(r.ctx, cred.PIN), ErrLockedOut)

	// The courier's badge, the recipient's real QR code and staff still work.
	r.signIn()
	r.step(StepScan)
	r.must(r.s.Cancel(r.ctx))
	r.must(r.s.PickupWithQR(r.ctx, cred.QR))
	r.step(StepUnlocking)
	r.openClose(r.s.View().Compartment.ID)
	r.step(StepDone)
	r.staffSignIn()
	if r.s.View().Locked {
		t.Error("a staff sign-in did not lift the closed PIN keypad")
	}
	if auditCount(r, "lockout.cleared", "pin") != 1 {
		t.Error("no audit row for the lifted PIN lockout")
	}
	r.must(r.s.SignOut(r.ctx))

	// Wrong courier codes close the courier path only.
	for range LockoutFailures {
		_ = r.s.CourierSignIn(r.ctx, "nope")
	}
	r.wantErr(r.s.CourierSignIn(r.ctx, testCourierCode), ErrLockedOut)
	r.must(r.s.PickupWithPIN(r.ctx, cred2.PIN))
	r.step(StepUnlocking)
	r.openClose(r.s.View().Compartment.ID)

	// Wrong staff sign-ins close the staff path only.
	r.clk.Advance(time.Minute)
	for range LockoutFailures {
		_ = r.s.StaffSignIn(r.ctx, "9999", "000000")
	}
	code, _ := TOTPCode(testTOTPSecret, r.clk.Now())
	r.wantErr(r.s.StaffSignIn(r.ctx, testStaffPIN, code), ErrLockedOut)
	r.clk.Advance(LockoutBase)
	r.signIn()
	r.step(StepScan)
}

func TestJunkQRThrottled(t *testing.T) {
	r := newRig(t, testBank())
	cred := depositOne(r, "P1")
	before := len(r.st.outbox)
	for i := range 50 {
		r.wantErr(r.s.PickupWithQR(r.ctx, junkQR(i)), ErrWrongCode)
	}
	if n := auditCount(r, "code.wrong", "qr"); n != QRJunkBurst {
		t.Errorf("%d audit rows for 50 junk QR codes in a burst, want %d", n, QRJunkBurst)
	}
	alerts := r.st.events(EvtSecurityAlert)
	if len(alerts) != 1 {
		t.Fatalf("%d security.alert events, want 1", len(alerts))
	}
	if d := eventData(t, alerts[0]); d["kind"] != "qr" || d["count"] != float64(QRJunkBurst) {
		t.Errorf("alert %v", d)
	}
	if n := len(r.st.outbox) - before; n != 1 {
		t.Errorf("50 junk QR codes made %d events, want the one alert", n)
	}
	if len(r.st.events(EvtPINLockout)) != 0 || r.s.View().Locked {
		t.Error("junk QR codes closed the keypad")
	}
	r.must(r.s.PickupWithQR(r.ctx, cred.QR))
	r.step(StepUnlocking)
}

func TestDailyBudgetOutlastsPauses(t *testing.T) {
	r := newRig(t, testBank())
	cred := depositOne(r, "P1")
	// The old attack: 4 wrong PINs every 10 minutes, for a day and a half.
	tried := 0
	for range 36 * 6 {
		for range LockoutFailures - 1 {
			if err := r.s.PickupWithPIN(r.ctx, "0000000000"); errors.Is(err, ErrWrongCode) {
				tried++
			}
		}
		r.clk.Advance(10 * time.Minute)
	}
	if tried > 2*PINDailyBudget {
		t.Errorf("%d wrong PINs tried in 36 hours, want at most %d", tried, 2*PINDailyBudget)
	}
	alerts := r.st.events(EvtSecurityAlert)
	if len(alerts) == 0 || len(alerts) > 2*24 {
		t.Errorf("%d security.alert events in 36 hours", len(alerts))
	}
	// The budget is spent: PIN entry is closed, across a restart; the QR works.
	r.restart(testBank())
	err := r.s.PickupWithPIN(r.ctx, cred.PIN)
	r.wantErr(err, ErrLockedOut)
	if !strings.Contains(err.Error(), "QR") {
		t.Errorf("closed PIN path says %q, want it to point to the QR code", err)
	}
	r.must(r.s.PickupWithQR(r.ctx, cred.QR))
}

func TestTOTPReplayGuardSurvivesRestart(t *testing.T) {
	r := newRig(t, testBank())
	code, _ := TOTPCode(testTOTPSecret, r.clk.Now())
	r.must(r.s.StaffSignIn(r.ctx, testStaffPIN, code))
	r.must(r.s.SignOut(r.ctx))
	r.restart(testBank())
	r.wantErr(r.s.StaffSignIn(r.ctx, testStaffPIN, code), ErrWrongCode)
	r.clk.Advance(30 * time.Second)
	r.staffSignIn()
}

func TestStaffPathOutlastsPranks(t *testing.T) {
	r := newRig(t, testBank())
	// A day of wrong staff PINs at the best pace: the staff counter only
	// locks in bursts, so staff get in once the lockout ends.
	for range 24 * 6 {
		for range LockoutFailures - 1 {
			_ = r.s.StaffSignIn(r.ctx, "999999", "000000")
		}
		r.clk.Advance(10 * time.Minute)
	}
	r.staffSignIn()
	r.must(r.s.SignOut(r.ctx))

	// Someone who knows the PIN guesses TOTP codes: the daily budget closes
	// the code check, and then even the right code is refused, with the
	// same answer as a wrong one.
	for range 3 * TOTPDailyBudget {
		r.clk.Advance(LockoutWindow) // never a burst
		code, _ := TOTPCode(testTOTPSecret, r.clk.Now().Add(5*time.Minute))
		r.wantErr(r.s.StaffSignIn(r.ctx, testStaffPIN, code), ErrWrongCode)
	}
	if n := auditCount(r, "code.wrong", "totp"); n != TOTPDailyBudget {
		t.Errorf("%d TOTP codes tried with a known PIN in half a day, want the budget %d", n, TOTPDailyBudget)
	}
	code, _ := TOTPCode(testTOTPSecret, r.clk.Now())
	r.wantErr(r.s.StaffSignIn(r.ctx, testStaffPIN, code), ErrWrongCode)
	r.clk.Advance(DailyWindow)
	r.staffSignIn()
}
