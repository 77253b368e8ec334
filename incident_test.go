package locker

import "testing"

func TestReportIncident(t *testing.T) {
	r := newRig(t, testBank(), func(o *Options) { o.Photos = true })

	// On the home screen: no door, no parcel.
	in, err := r.s.ReportIncident(r.ctx, IncidentOther)
	r.must(err)
	if in.Compartment != "" || len(in.ParcelIDs) != 0 || !in.Photo || in.ID == "" {
		t.Fatalf("home incident %+v", in)
	}

	// At the open door of a deposit: that door and that parcel.
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "INC-1", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	v := r.s.View()
	in, err = r.s.ReportIncident(r.ctx, IncidentDoorNotOpened)
	r.must(err)
	if in.Compartment != v.Compartment.ID || len(in.ParcelIDs) != 1 || in.ParcelIDs[0] != v.Parcel.ID {
		t.Fatalf("deposit incident %+v, want door %s parcel %s", in, v.Compartment.ID, v.Parcel.ID)
	}
	if got := r.s.View(); got.Step != StepUnlocking || got.Compartment.ID != v.Compartment.ID {
		t.Fatalf("the report moved the flow: %s %s", got.Step, got.Compartment.ID)
	}
	r.openClose(v.Compartment.ID)
	// After the deposit: the door of the parcel just put in.
	in, err = r.s.ReportIncident(r.ctx, IncidentDamaged)
	r.must(err)
	if in.Compartment != v.Compartment.ID || in.ParcelIDs[0] != v.Parcel.ID {
		t.Fatalf("deposited incident %+v", in)
	}
	cred := r.s.View().LastCredential
	r.finish()

	// During a pickup: the door being opened and its parcels.
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	in, err = r.s.ReportIncident(r.ctx, IncidentWrongParcel)
	r.must(err)
	if in.Compartment != v.Compartment.ID || len(in.ParcelIDs) != 1 {
		t.Fatalf("pickup incident %+v", in)
	}

	evs := r.st.events(EvtIncidentReported)
	if len(evs) != 4 {
		t.Fatalf("%d incident.reported events, want 4", len(evs))
	}
	d := eventData(t, evs[3])
	if d["kind"] != "wrong_parcel" || d["compartment"] != v.Compartment.ID || d["parcel_id"] != v.Parcel.ID ||
		d["flow"] != "pickup" || d["photo"] != true {
		t.Errorf("event data %v", d)
	}
	if evs[3].ID != in.ID {
		t.Errorf("incident id %s, event id %s", in.ID, evs[3].ID)
	}
	if d := eventData(t, evs[1]); d["courier_id"] != "c1" {
		t.Errorf("deposit incident without the courier: %v", d)
	}
}

func TestReportIncidentRefused(t *testing.T) {
	r := newRig(t, testBank())
	_, err := r.s.ReportIncident(r.ctx, "fire")
	r.wantErr(err, ErrInvalid)
	// A prankster cannot flood the uplink: IncidentBurst per window.
	for range IncidentBurst - 1 {
		_, err := r.s.ReportIncident(r.ctx, IncidentOther)
		r.must(err)
	}
	in, err := r.s.ReportIncident(r.ctx, IncidentOther)
	r.must(err)
	if in.Photo {
		t.Error("photo promised without a camera")
	}
	_, err = r.s.ReportIncident(r.ctx, IncidentOther)
	r.wantErr(err, ErrBadState)
	if n := len(r.st.events(EvtIncidentReported)); n != IncidentBurst {
		t.Fatalf("%d events, want %d", n, IncidentBurst)
	}
	r.clk.Advance(IncidentWindow)
	_, err = r.s.ReportIncident(r.ctx, IncidentOther)
	r.must(err)
}
