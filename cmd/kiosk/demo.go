package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// demoMarker is the file that marks a data directory as the demo's.
const demoMarker = "DEMO"

// claimDemoData lets --demo use dir: a new directory becomes a demo one; a
// directory holding a database that is not a demo's is refused, so the
// demo's seeded couriers, staff and codes never land in a real bank.
func claimDemoData(dir string) error {
	marker := filepath.Join(dir, demoMarker)
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "kiosk.db")); err == nil {
		return fmt.Errorf("kiosk: --demo: %s holds a real bank's database (no %s marker): give the demo another --data directory", dir, demoMarker)
	}
	if err := os.WriteFile(marker, []byte("kiosk --demo data: not a real bank\n"), 0o640); err != nil {
		return fmt.Errorf("kiosk: --demo: %w", err)
	}
	return nil
}

// seedDemo loads the demo directory, couriers, staff and pre-advised
// parcels. It is idempotent: a restarted demo keeps its data.
func seedDemo(ctx context.Context, svc *locker.Service) error {
	var dir struct {
		Recipients []locker.Recipient `json:"recipients"`
	}
	if err := json.Unmarshal(assets.DemoDirectory(), &dir); err != nil {
		return fmt.Errorf("kiosk: demo directory: %w", err)
	}
	if _, err := svc.UpsertRecipients(ctx, dir.Recipients); err != nil {
		return fmt.Errorf("kiosk: demo directory: %w", err)
	}
	var people struct {
		Couriers []struct {
			ID, Carrier, Name, Code string
		} `json:"couriers"`
		Staff []struct {
			ID, Name, PIN string
			TOTPSecret    string `json:"totp_secret"`
		} `json:"staff"`
		Expected []locker.Expected `json:"expected"`
		Returns  []locker.Return   `json:"returns"`
	}
	if err := json.Unmarshal(assets.DemoPeople(), &people); err != nil {
		return fmt.Errorf("kiosk: demo people: %w", err)
	}
	for _, c := range people.Couriers {
		if err := svc.UpsertCourier(ctx, locker.Courier{ID: c.ID, Carrier: c.Carrier, Name: c.Name}, c.Code); err != nil {
			return fmt.Errorf("kiosk: demo courier %s: %w", c.ID, err)
		}
	}
	for _, s := range people.Staff {
		if err := svc.UpsertStaff(ctx, locker.Staff{ID: s.ID, Name: s.Name, TOTPSecret: s.TOTPSecret}, s.PIN); err != nil {
			return fmt.Errorf("kiosk: demo staff %s: %w", s.ID, err)
		}
	}
	for _, e := range people.Expected {
		e.IdempotencyKey = "demo-" + e.Barcode
		if _, err := svc.ExpectParcel(ctx, e); err != nil && !errors.Is(err, locker.ErrDuplicate) {
			return fmt.Errorf("kiosk: demo pre-advice %s: %w", e.Barcode, err)
		}
	}
	for _, r := range people.Returns {
		if _, err := svc.ExpectReturn(ctx, r); err != nil {
			return fmt.Errorf("kiosk: demo return %s: %w", r.Code, err)
		}
	}
	return nil
}
