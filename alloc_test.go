package locker

import (
	"errors"
	"testing"
	"time"
)

func TestAllocate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := func(id string, z Size, st CompartmentStatus, mods ...func(*Compartment)) Compartment {
		k := Compartment{ID: id, Size: z, Status: st}
		for _, m := range mods {
			m(&k)
		}
		return k
	}
	used := func(d time.Duration) func(*Compartment) { return func(k *Compartment) { k.LastUsed = t0.Add(d) } }
	acc := func(k *Compartment) { k.Accessible = true }
	cold := func(k *Compartment) { k.Refrigerated = true }
	av := StatusAvailable

	tests := []struct {
		name        string
		comps       []Compartment
		req         AllocRequest
		want        string
		wantUpsized bool
		wantErr     error
	}{
		{"exact size", []Compartment{c("M1", SizeM, av), c("S1", SizeS, av)}, AllocRequest{Size: SizeS}, "S1", false, nil},
		{"smallest that fits, not larger", []Compartment{c("L1", SizeL, av), c("M1", SizeM, av)}, AllocRequest{Size: SizeM}, "M1", false, nil},
		{"upsize when own size taken", []Compartment{c("S1", SizeS, StatusOccupied), c("L1", SizeL, av), c("M1", SizeM, av)}, AllocRequest{Size: SizeS}, "M1", true, nil},
		{"LRU among equals", []Compartment{c("S1", SizeS, av, used(2*time.Hour)), c("S2", SizeS, av, used(time.Hour))}, AllocRequest{Size: SizeS}, "S2", false, nil},
		{"never used beats used", []Compartment{c("S1", SizeS, av, used(time.Hour)), c("S2", SizeS, av)}, AllocRequest{Size: SizeS}, "S2", false, nil},
		{"id breaks ties", []Compartment{c("S2", SizeS, av), c("S1", SizeS, av)}, AllocRequest{Size: SizeS}, "S1", false, nil},
		{"skips out of service", []Compartment{c("S1", SizeS, StatusOutOfService), c("S2", SizeS, av)}, AllocRequest{Size: SizeS}, "S2", false, nil},
		{"skips faulty", []Compartment{c("S1", SizeS, StatusFaulty), c("S2", SizeS, av)}, AllocRequest{Size: SizeS}, "S2", false, nil},
		{"skips reserved", []Compartment{c("S1", SizeS, StatusReserved), c("S2", SizeS, av)}, AllocRequest{Size: SizeS}, "S2", false, nil},
		{"skips occupied", []Compartment{c("S1", SizeS, StatusOccupied), c("S2", SizeS, av)}, AllocRequest{Size: SizeS}, "S2", false, nil},
		{"skips excluded", []Compartment{c("S1", SizeS, av), c("S2", SizeS, av)}, AllocRequest{Size: SizeS, Exclude: map[string]bool{"S1": true}}, "S2", false, nil},
		{"accessible only", []Compartment{c("S1", SizeS, av), c("M1", SizeM, av, acc)}, AllocRequest{Size: SizeS, Accessible: true}, "M1", true, nil},
		{"accessible kept for those who need it", []Compartment{c("S1", SizeS, av, acc), c("S2", SizeS, av, used(time.Hour))}, AllocRequest{Size: SizeS}, "S2", false, nil},
		{"refrigerated when asked", []Compartment{c("M1", SizeM, av), c("M2", SizeM, av, cold)}, AllocRequest{Size: SizeM, Refrigerated: true}, "M2", false, nil},
		{"refrigerated kept for those who need it", []Compartment{c("M2", SizeM, av, cold), c("M1", SizeM, av, used(time.Hour))}, AllocRequest{Size: SizeM}, "M1", false, nil},
		{"refrigerated asked, none free", []Compartment{c("M1", SizeM, av), c("M2", SizeM, StatusOccupied, cold)}, AllocRequest{Size: SizeM, Refrigerated: true}, "", false, ErrLockerFull},
		{"accessible asked, none", []Compartment{c("S1", SizeS, av)}, AllocRequest{Size: SizeS, Accessible: true}, "", false, ErrLockerFull},
		{"too large", []Compartment{c("S1", SizeS, av), c("M1", SizeM, av)}, AllocRequest{Size: SizeL}, "", false, ErrTooLarge},
		{"full", []Compartment{c("S1", SizeS, StatusOccupied), c("M1", SizeM, StatusFaulty)}, AllocRequest{Size: SizeS}, "", false, ErrLockerFull},
		{"empty bank is too large", nil, AllocRequest{Size: SizeXS}, "", false, ErrTooLarge},
		{"bad size", []Compartment{c("S1", SizeS, av)}, AllocRequest{Size: "XXL"}, "", false, ErrInvalid},
		{"larger when smaller full, smallest larger", []Compartment{c("XL", SizeXL, av), c("L1", SizeL, av), c("S1", SizeS, StatusOccupied)}, AllocRequest{Size: SizeS}, "L1", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, up, err := Allocate(tc.comps, tc.req)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got.ID != tc.want || up != tc.wantUpsized {
				t.Errorf("got %s upsized=%v, want %s upsized=%v", got.ID, up, tc.want, tc.wantUpsized)
			}
		})
	}
}

func TestFitSizeTable(t *testing.T) {
	tests := []struct {
		dims [3]int
		want Size
		err  error
	}{
		{[3]int{300, 300, 70}, SizeXS, nil},
		{[3]int{305, 127, 305}, SizeS, nil},
		{[3]int{400, 200, 300}, SizeM, nil},
		{[3]int{900, 600, 600}, SizeXL, nil},
		{[3]int{1000, 10, 10}, "", ErrTooLarge},
		{[3]int{0, 10, 10}, "", nil},
	}
	for _, tc := range tests {
		got, err := FitSize(tc.dims)
		if tc.want == "" {
			if err == nil {
				t.Errorf("FitSize(%v) = %s, want error", tc.dims, got)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("FitSize(%v) err = %v, want %v", tc.dims, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("FitSize(%v) = %s, %v; want %s", tc.dims, got, err, tc.want)
		}
	}
}

func TestLockerFullEmitsEvent(t *testing.T) {
	r := newRig(t, []Compartment{{ID: "A1", Size: SizeS, Addr: LockAddr{0, 1}, Status: StatusOutOfService}})
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.wantErr(r.s.ChooseSize(r.ctx, SizeXS), ErrLockerFull)
	if ev := r.st.events(EvtLockerFull); len(ev) != 1 {
		t.Fatalf("%d locker.full events", len(ev))
	}
}
