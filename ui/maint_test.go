package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// signInStaff walks the staff sign-in with the keypad.
func signInStaff(h *harness, pin, totp string) {
	h.t.Helper()
	h.tap("Staff")
	h.wantScreen("staff")
	h.keys(pin)
	h.tap("OK") // moves to the authenticator code
	h.keys(totp)
	h.tap("OK")
}

func TestStaffSignIn(t *testing.T) {
	tests := []struct {
		name, wantKey, wantText string
		right                   bool
	}{
		{"wrong", "staff", "Wrong PIN or authenticator code.", false},
		{"right", "maint.menu", "Maintenance: Alex Tech", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newServiceHarness(t, Options{})
			code := h.totp()
			if !tt.right {
				code = fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
			}
			signInStaff(h, "246800", code)
			h.wantScreen(tt.wantKey)
			h.wantText(tt.wantText)
			if got, want := h.w.svc.called(), "StaffSignIn(246800)"; got != want {
				t.Fatalf("calls = %q, want %q", got, want)
			}
		})
	}
}

func TestStaffPINFieldIsMasked(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.tap("Staff")
	h.keys("2468")
	if h.has("2468") {
		t.Fatal("staff PIN shown in clear")
	}
	h.wantText("●●●●")
}

func TestMaintenanceMapAndDoorActions(t *testing.T) {
	tests := []struct {
		name    string
		door    string
		steps   []string
		want    string
		wantKey string
	}{
		{"open a door with a reason", "C2", []string{"Open door", "Cleaning"}, "StaffOpenDoor(C2,cleaning)", "maint.door"},
		{"take a door out of service", "A1", []string{"Out of service", "Repair"}, "SetCompartmentStatus(A1,out_of_service,repair)", "maint.menu"},
		{"put a door back in service", "B2", []string{"Back in service"}, "SetCompartmentStatus(B2,available,back in service)", "maint.menu"},
		{"change of mind", "A1", []string{"Open door", "Back"}, "", "maint.menu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newServiceHarness(t, Options{})
			signInStaff(h, "246800", h.totp())
			m := h.bankMap()
			p, ok := m.centre(tt.door)
			if !ok {
				t.Fatalf("door %s not drawn", tt.door)
			}
			tapAt(m, p)
			h.wantText("Door " + tt.door)
			for _, s := range tt.steps {
				h.tap(s)
			}
			calls := strings.TrimPrefix(h.w.svc.called(), "StaffSignIn(246800)")
			calls = strings.TrimPrefix(calls, "; ")
			if calls != tt.want {
				t.Fatalf("calls = %q, want %q", calls, tt.want)
			}
			h.wantScreen(tt.wantKey)
		})
	}
}

func TestMaintenanceDoorDetails(t *testing.T) {
	h := newServiceHarness(t, Options{})
	signInStaff(h, "246800", h.totp())
	m := h.bankMap()
	p, _ := m.centre("B2")
	tapAt(m, p)
	for _, s := range []string{"Status: Out of service", "Reason: repair", "Board / lock: 1 / 2", "Size: XS"} {
		h.wantText(s)
	}
}

func TestRetrieveExpired(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.deposit("1Z999AA10123456784", locker.SizeM)
	h.deposit("9400111899223197428490", locker.SizeS)
	h.clock.Advance(73 * time.Hour)
	h.w.svc.Tick(h.w.ctx) // the expiry sweep
	signInStaff(h, "246800", h.totp())
	h.tap("Expired (2)")
	h.wantText("1Z999AA10123456784")
	h.tap("Open them one by one")
	h.wantScreen("maint.door")
	h.wantText("2 doors")
	h.openAndClose()
	h.openAndClose()
	h.wantScreen("home") // the staff session ends with its door job
}

func TestAuditLogPages(t *testing.T) {
	h := newServiceHarness(t, Options{})
	for i := range 3 { // enough for a few pages of the audit log
		h.deposit(fmt.Sprintf("P%d", i), locker.SizeS)
	}
	signInStaff(h, "246800", h.totp())
	h.tap("Audit log") // opens on the newest page
	a := h.u.audit
	pages := (a.Total + a.PageSize - 1) / a.PageSize
	if pages < 2 {
		t.Fatalf("%d audit entries: one page", a.Total)
	}
	h.wantText(fmt.Sprintf("Page %d of %d", pages, pages))
	h.wantText("staff.login")
	if !h.button("Next").Disabled() {
		t.Fatal("Next enabled on the last page")
	}
	h.tap("Previous")
	h.wantText(fmt.Sprintf("Page %d of %d", pages-1, pages))
	if h.u.audit.Entries[0].Seq >= a.Entries[0].Seq {
		t.Fatalf("the previous page starts at %d, after the last page's %d", h.u.audit.Entries[0].Seq, a.Entries[0].Seq)
	}
	h.tap("Next")
	h.wantText(fmt.Sprintf("Page %d of %d", pages, pages))
}

func TestDiagnostics(t *testing.T) {
	t.Run("with a source", func(t *testing.T) {
		h := newServiceHarness(t, Options{Diag: fakeDiag{}})
		signInStaff(h, "246800", h.totp())
		h.u.HandleScan(Scan{Text: "TEST-123", Symbology: "Code128", Source: "hid"})
		h.tap("Diagnostics")
		for _, s := range []string{"Board 0: online: Yes, last poll 2s ago", "Board 1: online: No", "Uplink connected: Yes",
			"Events waiting to send: 3", "Database size: 2.4 MB", "TEST-123"} {
			h.wantText(s)
		}
	})
	t.Run("without", func(t *testing.T) {
		h := newServiceHarness(t, Options{})
		signInStaff(h, "246800", h.totp())
		h.tap("Diagnostics")
		h.wantText("not available")
		h.wantText("Lock boards online: Yes")
	})
}

func TestSignOut(t *testing.T) {
	h := newServiceHarness(t, Options{})
	signInStaff(h, "246800", h.totp())
	h.tap("Sign out")
	h.wantScreen("home")
	if got := h.w.svc.called(); got != "StaffSignIn(246800); SignOut" {
		t.Fatalf("calls = %q", got)
	}
}

func TestAuthenticatorEnrollmentQR(t *testing.T) {
	h := newHarness(t, Options{})
	h.svc.update(func(v *locker.View) {
		v.Flow, v.Step = locker.FlowMaintenance, locker.StepMenu
		v.Staff = locker.Staff{ID: "s1", Name: "Alex Tech"}
	})
	h.tap("Authenticator")
	h.wantText("No authenticator secret")
	h.svc.update(func(v *locker.View) { v.Staff.TOTPSecret = "JBSWY3DPEHPK3PXP" })
	h.wantText("Alex Tech: scan this QR code")
	if !h.hasQR() {
		t.Fatal("no enrollment QR")
	}
	got := totpURL(h.u.view.Staff, "Parcel locker")
	want := "otpauth://totp/Parcel%20locker:Alex%20Tech?algorithm=SHA1&digits=6&issuer=Parcel+locker&period=30&secret=JBSWY3DPEHPK3PXP"
	if got != want {
		t.Fatalf("totpURL = %q, want %q", got, want)
	}
}

func TestMaintenanceResolvesInterruptedDeposit(t *testing.T) {
	for _, tc := range []struct {
		button string
		want   string
	}{
		{"Parcel is inside", "ResolveInterrupted(A2,true)"},
		{"It is empty", "ResolveInterrupted(A2,false)"},
	} {
		t.Run(tc.button, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.svc.update(func(v *locker.View) { // a power cut came mid-deposit; staff signed in
				v.Flow, v.Step = locker.FlowMaintenance, locker.StepMenu
				v.Staff = locker.Staff{ID: "s1", Name: "Alex Tech"}
				for i := range v.Compartments {
					if v.Compartments[i].ID == "A2" {
						v.Compartments[i].Status, v.Compartments[i].Reason = locker.StatusFaulty, locker.InterruptedReason
					}
				}
			})
			m := h.bankMap()
			p, ok := m.centre("A2")
			if !ok {
				t.Fatal("door A2 not drawn")
			}
			tapAt(m, p)
			h.wantText("A deposit into this door was interrupted")
			h.tap(tc.button)
			if got := h.svc.called(); !strings.HasSuffix(got, tc.want) {
				t.Errorf("calls = %q, want it to end with %q", got, tc.want)
			}
		})
	}
}

func TestMaintenanceChecksDoors(t *testing.T) {
	h := newServiceHarness(t, Options{Diag: fakeDiag{}})
	signInStaff(h, "246800", h.totp())
	h.tap("Diagnostics")
	h.tap("Check doors")
	if h.u.found == nil {
		t.Fatal("no door check shown")
	}
	h.wantText("Door check")
}
