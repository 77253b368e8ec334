package ui

import (
	"strings"
	"testing"

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
		name, pin, totp, wantKey, wantText string
	}{
		{"wrong", "2468", "000000", "staff", "Wrong PIN or authenticator code."},
		{"right", "2468", "123456", "maint.menu", "Maintenance: Alex Tech"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			signInStaff(h, tt.pin, tt.totp)
			h.wantScreen(tt.wantKey)
			h.wantText(tt.wantText)
			if got, want := h.svc.called(), "StaffSignIn("+tt.pin+","+tt.totp+")"; got != want {
				t.Fatalf("calls = %q, want %q", got, want)
			}
		})
	}
}

func TestStaffPINFieldIsMasked(t *testing.T) {
	h := newHarness(t, Options{})
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
		{"put a faulty door back", "B4", []string{"Back in service"}, "SetCompartmentStatus(B4,available,back in service)", "maint.menu"},
		{"change of mind", "A1", []string{"Open door", "Back"}, "", "maint.menu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			signInStaff(h, "2468", "123456")
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
			calls := strings.TrimPrefix(h.svc.called(), "StaffSignIn(2468,123456)")
			calls = strings.TrimPrefix(calls, "; ")
			if calls != tt.want {
				t.Fatalf("calls = %q, want %q", calls, tt.want)
			}
			h.wantScreen(tt.wantKey)
		})
	}
}

func TestMaintenanceDoorDetails(t *testing.T) {
	h := newHarness(t, Options{})
	signInStaff(h, "2468", "123456")
	m := h.bankMap()
	p, _ := m.centre("B2")
	tapAt(m, p)
	for _, s := range []string{"Status: Out of service", "Reason: repair", "Board / lock: 1 / 2", "Size: XS"} {
		h.wantText(s)
	}
}

func TestRetrieveExpired(t *testing.T) {
	h := newHarness(t, Options{})
	signInStaff(h, "2468", "123456")
	h.tap("Expired (2)")
	h.wantText("1Z999AA10123456784")
	h.tap("Open them one by one")
	h.wantScreen("maint.door")
	h.wantText("Door A3 is open")
	h.wantText("2 doors")
	h.svc.closeDoor()
	h.wantScreen("maint.menu")
}

func TestAuditLogPages(t *testing.T) {
	h := newHarness(t, Options{})
	signInStaff(h, "2468", "123456")
	h.tap("Audit log") // opens on the newest page
	h.wantText("Page 6 of 6")
	h.wantText("45  01-02 08:44:00")
	if !h.button("Next").Disabled() {
		t.Fatal("Next enabled on the last page")
	}
	h.tap("Previous")
	h.wantText("Page 5 of 6")
	h.wantText("33  01-02")
	h.tap("Next")
	h.wantText("Page 6 of 6")
	if !strings.Contains(h.svc.called(), "AuditPage(0); AuditPage(5); AuditPage(4); AuditPage(5)") {
		t.Fatalf("calls = %s", h.svc.called())
	}
}

func TestDiagnostics(t *testing.T) {
	t.Run("with a source", func(t *testing.T) {
		h := newHarness(t, Options{Diag: fakeDiag{}})
		signInStaff(h, "2468", "123456")
		h.u.HandleScan(Scan{Text: "TEST-123", Symbology: "Code128", Source: "hid"})
		h.tap("Diagnostics")
		for _, s := range []string{"Board 0: online: Yes, last poll 2s ago", "Board 1: online: No", "Uplink connected: Yes",
			"Events waiting to send: 3", "Database size: 2.4 MB", "TEST-123"} {
			h.wantText(s)
		}
	})
	t.Run("without", func(t *testing.T) {
		h := newHarness(t, Options{})
		signInStaff(h, "2468", "123456")
		h.tap("Diagnostics")
		h.wantText("not available")
		h.wantText("Lock boards online: Yes")
	})
}

func TestSignOut(t *testing.T) {
	h := newHarness(t, Options{})
	signInStaff(h, "2468", "123456")
	h.tap("Sign out")
	h.wantScreen("home")
}

func TestAuthenticatorEnrollmentQR(t *testing.T) {
	h := newHarness(t, Options{})
	signInStaff(h, "2468", "123456")
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
			h.svc.update(func(v *locker.View) {
				for i := range v.Compartments {
					if v.Compartments[i].ID == "A2" {
						v.Compartments[i].Status, v.Compartments[i].Reason = locker.StatusFaulty, locker.InterruptedReason
					}
				}
			})
			signInStaff(h, "2468", "123456")
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
	h := newHarness(t, Options{Diag: fakeDiag{}})
	signInStaff(h, "2468", "123456")
	h.tap("Diagnostics")
	h.tap("Check doors")
	h.wantText("B2: door sensor differs from the stored state")
	if got := h.svc.called(); !strings.HasSuffix(got, "Reconcile") {
		t.Errorf("calls = %q, want Reconcile last", got)
	}
}
