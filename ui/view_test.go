package ui

import (
	"testing"

	"github.com/parcelkiosk/locker"
)

func TestSameView(t *testing.T) {
	base := locker.View{Rev: 1, Flow: locker.FlowDeposit, Step: locker.StepScan, Compartments: testBank()}
	bumped := base
	bumped.Rev = 2
	bumped.Compartments = testBank()
	moved := bumped
	moved.Step = locker.StepRecipient
	doorOpen := bumped
	doorOpen.Compartments = testBank()
	doorOpen.Compartments[0].Door = locker.DoorOpen
	tests := []struct {
		name string
		a, b locker.View
		want bool
	}{
		{"only the revision differs", base, bumped, true},
		{"another step", base, moved, false},
		{"a door opened in the bank", base, doorOpen, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameView(tc.a, tc.b); got != tc.want {
				t.Errorf("sameView = %v, want %v", got, tc.want)
			}
		})
	}
}
