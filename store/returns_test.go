package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

func TestReturns(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t, Options{})
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Apply(ctx, &locker.Change{Compartments: bank(3)}))
	ret := func(id, code, label string, st locker.ReturnStatus, comp string) locker.Return {
		return locker.Return{ID: id, Code: code, LabelBarcode: label, Carrier: "UPS", Size: locker.SizeS,
			Status: st, CompartmentID: comp, CreatedAt: t0, DepositedAt: t0.Add(time.Minute)}
	}
	must(db.Apply(ctx, &locker.Change{Returns: []locker.Return{
		ret("r1", "CODE01", "1ZLABEL1", locker.ReturnExpected, ""),
		ret("r2", "CODE02", "", locker.ReturnDeposited, "A1"),
		ret("r3", "CODE03", "", locker.ReturnCollected, ""),
	}}))

	t.Run("lookup", func(t *testing.T) {
		for _, tc := range []struct {
			name        string
			code, label string
			want        string
			err         error
		}{
			{"by code", "CODE01", "", "r1", nil},
			{"by label", "", "1ZLABEL1", "r1", nil},
			{"code or label", "NOPE", "1ZLABEL1", "r1", nil},
			{"deposited", "CODE02", "", "r2", nil},
			{"closed is not open", "CODE03", "", "", locker.ErrNotFound},
			{"unknown", "ZZZZZZ", "ZZZZZZ", "", locker.ErrNotFound},
			{"nothing", "", "", "", locker.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.ReturnByCode(ctx, tc.code, tc.label)
				if !errors.Is(err, tc.err) || got.ID != tc.want {
					t.Errorf("ReturnByCode(%q, %q) = %q, %v; want %q, %v", tc.code, tc.label, got.ID, err, tc.want, tc.err)
				}
			})
		}
	})
	t.Run("one open return per code and label", func(t *testing.T) {
		err := db.Apply(ctx, &locker.Change{Returns: []locker.Return{ret("r4", "CODE01", "", locker.ReturnExpected, "")}})
		if !errors.Is(err, locker.ErrInvalid) {
			t.Errorf("second open return with CODE01: %v", err)
		}
		err = db.Apply(ctx, &locker.Change{Returns: []locker.Return{ret("r5", "CODE05", "1ZLABEL1", locker.ReturnExpected, "")}})
		if !errors.Is(err, locker.ErrInvalid) {
			t.Errorf("second open return with the label: %v", err)
		}
		// A closed code may be advised again.
		must(db.Apply(ctx, &locker.Change{Returns: []locker.Return{ret("r6", "CODE03", "", locker.ReturnExpected, "")}}))
	})
	t.Run("load and reopen", func(t *testing.T) {
		must(db.Close())
		db = openAt(t, path, Options{})
		snap, err := db.Load(ctx)
		must(err)
		if len(snap.Returns) != 1 || snap.Returns[0].ID != "r2" || snap.Returns[0].CompartmentID != "A1" ||
			!snap.Returns[0].DepositedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("Load returns %+v, want r2 in A1", snap.Returns)
		}
		all, err := db.Returns(ctx)
		must(err)
		if len(all) != 4 {
			t.Errorf("%d returns in history, want 4", len(all))
		}
	})
}
