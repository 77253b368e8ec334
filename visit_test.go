package locker

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// visitEvent is the data of a visit.finished event.
type visitEvent struct {
	VisitID   string `json:"visit_id"`
	CourierID string `json:"courier_id"`
	EndedBy   string `json:"ended_by"`
	Receipt   string `json:"receipt"`
	Parcels   []struct {
		ParcelID    string `json:"parcel_id"`
		Barcode     string `json:"barcode"`
		Compartment string `json:"compartment"`
	} `json:"parcels"`
}

// visitsFinished decodes the visit.finished events so far.
func (r *rig) visitsFinished() []visitEvent {
	r.t.Helper()
	var out []visitEvent
	for _, e := range r.st.events(EvtVisitFinished) {
		var v visitEvent
		if err := json.Unmarshal(e.Data, &v); err != nil {
			r.t.Fatalf("%v", err)
		}
		out = append(out, v)
	}
	return out
}

// wantVisitEnd fails unless the last visit.finished event is the visit
// visitID ended by how, with the receipt of the parcels barcodes.
func (r *rig) wantVisitEnd(visitID, how string, barcodes ...string) {
	r.t.Helper()
	vs := r.visitsFinished()
	if len(vs) == 0 {
		r.t.Fatalf("no visit.finished event")
	}
	v := vs[len(vs)-1]
	if v.VisitID != visitID || v.EndedBy != how || v.CourierID != "c1" {
		r.t.Fatalf("visit.finished = %+v, want visit %s ended by %s", v, visitID, how)
	}
	var got []string
	for _, p := range v.Parcels {
		got = append(got, p.Barcode+"@"+p.Compartment)
		if p.ParcelID == "" || p.Compartment == "" {
			r.t.Errorf("receipt item without parcel or door: %+v", p)
		}
	}
	if len(got) != len(barcodes) {
		r.t.Fatalf("receipt lists %v, want %v", got, barcodes)
	}
	for i, b := range barcodes {
		if !strings.HasPrefix(got[i], b+"@") {
			r.t.Fatalf("receipt lists %v, want %v", got, barcodes)
		}
	}
	id, parcels, err := VerifyReceipt(r.s.secret, v.Receipt)
	if err != nil || id != visitID || len(parcels) != len(barcodes) {
		r.t.Fatalf("receipt %q: visit %s parcels %v err %v", v.Receipt, id, parcels, err)
	}
	a := r.st.audit[len(r.st.audit)-1]
	for _, e := range r.st.audit {
		if e.Action == "courier.finish" && e.Subject == visitID {
			a = e
		}
	}
	if a.Action != "courier.finish" || a.Subject != visitID || !strings.Contains(a.Detail, "ended by "+how) {
		r.t.Fatalf("no courier.finish audit row for %s ended by %s: %+v", visitID, how, a)
	}
	for _, p := range v.Parcels {
		if !strings.Contains(a.Detail, p.ParcelID+"@"+p.Compartment) {
			r.t.Errorf("audit row %q does not list %s in %s", a.Detail, p.ParcelID, p.Compartment)
		}
	}
}

// TestPickupQREndsAWaitingVisit: a courier who walks away after a deposit
// leaves the visit open; a resident's pickup code ends it (the receipt in
// the audit and the uplink) and starts the pickup.
func TestPickupQREndsAWaitingVisit(t *testing.T) {
	for _, next := range []bool{false, true} {
		name := "on the deposited screen"
		if next {
			name = "after next parcel"
		}
		t.Run(name, func(t *testing.T) {
			r := newRig(t, testBank())
			r.signIn()
			_, cred := r.deposit("PARCEL-ANA", "r1", SizeS)
			visit := r.s.View().VisitID
			if next {
				r.must(r.s.NextParcel(r.ctx))
				r.step(StepScan)
			}
			r.must(r.s.PickupWithQR(r.ctx, cred.QR))
			v := r.s.View()
			if v.Flow != FlowPickup || v.Step != StepUnlocking || len(v.Pickup) != 1 {
				t.Fatalf("after the QR: flow %s step %s pickup %+v", v.Flow, v.Step, v.Pickup)
			}
			r.wantVisitEnd(visit, VisitEndedPickup, "PARCEL-ANA")
			r.checkInvariants()
		})
	}
}

// TestPickupQRInTheMiddleOfADepositChangesNothing: with a parcel being set
// up or its door open, a pickup code is refused and the deposit goes on.
func TestPickupQRInTheMiddleOfADepositChangesNothing(t *testing.T) {
	for _, at := range []Step{StepRecipient, StepSize, StepUnlocking, StepDoorOpen} {
		t.Run(string(at), func(t *testing.T) {
			r := newRig(t, testBank())
			r.signIn()
			_, cred := r.deposit("FIRST", "r2", SizeS)
			r.must(r.s.ScanParcel(r.ctx, "SECOND", ""))
			if at != StepRecipient {
				r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			}
			if at == StepUnlocking || at == StepDoorOpen {
				r.must(r.s.ChooseSize(r.ctx, SizeS))
			}
			if at == StepDoorOpen {
				r.door(EventOpened, r.s.View().Compartment.ID, true)
			}
			r.step(at)
			before := r.s.View()
			events := len(r.st.outbox)
			r.wantErr(r.s.PickupWithQR(r.ctx, cred.QR), ErrBadState)
			r.wantErr(r.s.CourierSignIn(r.ctx, "OTHER-COURIER-1"), ErrBadState)
			after := r.s.View()
			if after.Flow != FlowDeposit || after.Step != at || after.Parcel.ID != before.Parcel.ID || after.VisitID != before.VisitID {
				t.Fatalf("the deposit changed: %s/%s parcel %s", after.Flow, after.Step, after.Parcel.Barcode)
			}
			if len(r.st.outbox) != events {
				t.Fatalf("%d events written by a refused scan", len(r.st.outbox)-events)
			}
		})
	}
}

// TestAnotherCourierEndsAWaitingVisit: another courier's badge ends the
// visit waiting between parcels and starts theirs; the same courier's badge
// changes nothing.
func TestAnotherCourierEndsAWaitingVisit(t *testing.T) {
	r := newRig(t, testBank())
	r.must(r.s.UpsertCourier(r.ctx, Courier{ID: "c2", Carrier: "dhl", Name: "Otto"}, "OTTO-BADGE-22"))
	r.signIn()
	r.deposit("ONE", "r1", SizeS)
	visit := r.s.View().VisitID

	r.must(r.s.CourierSignIn(r.ctx, testCourierCode))
	if v := r.s.View(); v.VisitID != visit || v.Step != StepDeposited {
		t.Fatalf("the same courier's badge changed the visit: %s %s", v.VisitID, v.Step)
	}
	if n := len(r.visitsFinished()); n != 0 {
		t.Fatalf("%d visits finished by the same courier's badge", n)
	}

	r.must(r.s.CourierSignIn(r.ctx, "OTTO-BADGE-22"))
	v := r.s.View()
	if v.Flow != FlowDeposit || v.Step != StepScan || v.Courier.ID != "c2" || v.VisitID == visit || len(v.Receipts) != 0 {
		t.Fatalf("after the other badge: %s/%s courier %s visit %s receipts %d", v.Flow, v.Step, v.Courier.ID, v.VisitID, len(v.Receipts))
	}
	r.wantVisitEnd(visit, VisitEndedCourier, "ONE")
	if a := r.st.audit[len(r.st.audit)-1]; a.Action != "courier.signin" || a.Subject != "c2" {
		t.Fatalf("last audit row %+v, want c2's sign-in", a)
	}
}

// TestTakeOverWhenTheStoreFails: a pickup that cannot record the end of
// the courier's visit is refused and the visit goes on, no door opened.
func TestTakeOverWhenTheStoreFails(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	_, cred := r.deposit("ONE", "r1", SizeS)
	visit := r.s.View().VisitID
	r.bus.takeUnlocks()
	r.st.mu.Lock()
	r.st.failApply = errors.New("disk gone")
	r.st.mu.Unlock()
	if err := r.s.PickupWithQR(r.ctx, cred.QR); err == nil {
		t.Fatal("pickup started although the visit's end was not recorded")
	}
	if v := r.s.View(); v.Flow != FlowDeposit || v.Step != StepDeposited || v.VisitID != visit {
		t.Fatalf("visit lost: %s/%s %s", v.Flow, v.Step, v.VisitID)
	}
	if u := r.bus.takeUnlocks(); len(u) != 0 {
		t.Fatalf("doors unlocked: %v", u)
	}
	r.st.mu.Lock()
	r.st.failApply = nil
	r.st.mu.Unlock()
	r.must(r.s.PickupWithQR(r.ctx, cred.QR))
	r.wantVisitEnd(visit, VisitEndedPickup, "ONE")
}

// TestVisitEndsAreRecorded: Finish and Cancel (the idle timeout's path)
// publish the receipt too.
func TestVisitEndsAreRecorded(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.deposit("ONE", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.deposit("TWO", "r2", SizeS)
	visit := r.s.View().VisitID
	rec, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.wantVisitEnd(visit, VisitEndedFinish, "ONE", "TWO")
	if got := r.visitsFinished(); got[len(got)-1].Receipt != rec.Text {
		t.Fatalf("event receipt %q, screen receipt %q", got[len(got)-1].Receipt, rec.Text)
	}

	r.signIn()
	r.deposit("THREE", "r1", SizeS)
	visit = r.s.View().VisitID
	r.must(r.s.Cancel(r.ctx))
	r.wantVisitEnd(visit, VisitEndedCancel, "THREE")

	r.signIn()
	r.must(r.s.Cancel(r.ctx)) // nothing delivered: nothing to publish
	if n := len(r.visitsFinished()); n != 2 {
		t.Fatalf("%d visit.finished events, want 2", n)
	}
}

// TestOurCodesAreNeverParcels: a pickup QR, a receipt and a courier badge
// scanned as a parcel are refused and start nothing.
func TestOurCodesAreNeverParcels(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	_, cred := r.deposit("ONE", "r1", SizeS)
	rec, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.signIn()
	for name, code := range map[string]string{"pickup QR": cred.QR, "receipt": rec.Text, "badge": testCourierCode} {
		t.Run(name, func(t *testing.T) {
			r.wantErr(r.s.ScanParcel(r.ctx, code, ""), ErrInvalid)
			r.step(StepScan)
		})
	}
}
