package locker

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// IncidentKind is what a person reports with "Report a problem".
type IncidentKind string

// Incident kinds.
const (
	IncidentDoorNotOpened IncidentKind = "door_not_opened"
	IncidentWrongParcel   IncidentKind = "wrong_parcel"
	IncidentDamaged       IncidentKind = "damaged_parcel"
	IncidentOther         IncidentKind = "other"
)

// IncidentKinds lists the kinds in the order the help screen offers them.
var IncidentKinds = []IncidentKind{IncidentDoorNotOpened, IncidentWrongParcel, IncidentDamaged, IncidentOther}

// Valid reports whether k is one of IncidentKinds.
func (k IncidentKind) Valid() bool { return slices.Contains(IncidentKinds, k) }

// Incident report limits: an attacker at the keypad must not flood the
// uplink with reports.
const (
	IncidentBurst  = 5                // reports at most ...
	IncidentWindow = 10 * time.Minute // ... in this long
)

// Incident is what ReportIncident recorded.
type Incident struct {
	ID          string       `json:"id"` // the incident.reported event's id (and the photo's name)
	Kind        IncidentKind `json:"kind"`
	Compartment string       `json:"compartment,omitempty"`
	ParcelIDs   []string     `json:"parcel_ids,omitempty"`
	Photo       bool         `json:"photo"`
}

// ReportIncident records what a person at the screen reports ("Report a
// problem" on the help card) as an incident.reported event for the
// operator, with the door and parcels of the flow on screen when it has
// them (the door being opened, the door of the parcel just deposited, the
// doors of a pickup), and says whether a photo is taken with it
// (Options.Photos: the kiosk saves its camera's frame under the event's
// id). It changes nothing else: the flow goes on where it was. More than
// IncidentBurst reports in IncidentWindow are refused with ErrBadState.
func (s *Service) ReportIncident(ctx context.Context, kind IncidentKind) (Incident, error) {
	if !kind.Valid() {
		return Incident{}, fmt.Errorf("%w: incident kind %q", ErrInvalid, kind)
	}
	var out Incident
	err := s.run(ctx, func() error {
		now := s.clock.Now()
		recent := s.incidents[:0]
		for _, t := range s.incidents {
			if now.Sub(t) < IncidentWindow {
				recent = append(recent, t)
			}
		}
		s.incidents = recent
		if len(recent) >= IncidentBurst {
			return fmt.Errorf("%w: too many reports in a short time; please call the number on the help screen", ErrBadState)
		}
		in := s.incidentSubjectLocked()
		in.Kind, in.Photo = kind, s.o.Photos
		data := map[string]any{"kind": string(kind), "flow": string(s.sess.flow), "step": string(s.sess.step), "photo": in.Photo}
		if in.Compartment != "" {
			data["compartment"] = in.Compartment
		}
		if len(in.ParcelIDs) > 0 {
			data["parcel_ids"] = in.ParcelIDs
			data["parcel_id"] = in.ParcelIDs[0]
		}
		if s.sess.courier.ID != "" {
			data["courier_id"] = s.sess.courier.ID
		}
		ch := &Change{}
		s.addEvent(ch, EvtIncidentReported, data)
		actor := "recipient"
		switch s.sess.flow {
		case FlowDeposit:
			actor = "courier:" + s.sess.courier.ID
		case FlowMaintenance:
			actor = s.staffActor()
		case FlowIdle:
			actor = "screen"
		}
		s.addAudit(ch, actor, "incident.reported", in.Compartment, string(kind))
		if err := s.commitLocked(ctx, ch); err != nil {
			return err
		}
		in.ID = ch.Events[0].ID
		s.incidents = append(s.incidents, now)
		out = in
		return nil
	})
	return out, err
}

// incidentSubjectLocked finds the door and parcels the screen is about.
func (s *Service) incidentSubjectLocked() Incident {
	var in Incident
	switch s.sess.flow {
	case FlowDeposit:
		switch {
		case s.sess.door != "" && (s.sess.step == StepUnlocking || s.sess.step == StepDoorOpen):
			in.Compartment = s.sess.door
			if s.sess.parcel.ID != "" {
				in.ParcelIDs = []string{s.sess.parcel.ID}
			}
		case len(s.sess.receipts) > 0:
			r := s.sess.receipts[len(s.sess.receipts)-1]
			in.Compartment, in.ParcelIDs = r.CompartmentID, []string{r.ParcelID}
		}
	case FlowPickup, FlowMaintenance:
		if len(s.sess.queue) > 0 {
			it := s.sess.queue[min(s.sess.qi, len(s.sess.queue)-1)]
			in.Compartment, in.ParcelIDs = it.CompartmentID, slices.Clone(it.ParcelIDs)
		} else if s.sess.door != "" {
			in.Compartment = s.sess.door
		}
	}
	return in
}
