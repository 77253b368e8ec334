package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

func TestExport(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	apply(t, db, &locker.Change{Compartments: bank(3)})
	var parcels []locker.Parcel
	var audits []locker.AuditEntry
	for i := range 3 {
		c := depositChange(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), "A1", fmt.Sprintf(`B"%d,x`, i))
		apply(t, db, c)
		parcels = append(parcels, c.Parcels...)
		audits = append(audits, c.Audit...)
	}
	tests := []struct {
		what, format string
		check        func(t *testing.T, out []byte)
	}{
		{ExportParcels, FormatCSV, func(t *testing.T, out []byte) {
			recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 4 || !reflect.DeepEqual(recs[0], parcelHeader()) {
				t.Fatalf("records %d, header %v", len(recs), recs[0])
			}
			for i, p := range parcels {
				if !reflect.DeepEqual(recs[i+1], parcelRecord(p)) {
					t.Errorf("row %d = %v, want %v", i, recs[i+1], parcelRecord(p))
				}
			}
		}},
		{ExportParcels, FormatJSON, func(t *testing.T, out []byte) {
			var got []locker.Parcel
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(parcels) {
				t.Fatalf("%d parcels", len(got))
			}
			for i := range got {
				want := parcels[i]
				want.PINHash = "" // never exported
				if !parcelsEqual(got[i], want) {
					t.Errorf("parcel %d = %+v, want %+v", i, got[i], want)
				}
			}
		}},
		{ExportAudit, FormatCSV, func(t *testing.T, out []byte) {
			recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 4 || !reflect.DeepEqual(recs[0], auditHeader()) {
				t.Fatalf("records %d, header %v", len(recs), recs[0])
			}
			for i, a := range audits {
				if !reflect.DeepEqual(recs[i+1], auditRecord(a)) {
					t.Errorf("row %d = %v, want %v", i, recs[i+1], auditRecord(a))
				}
			}
		}},
		{ExportAudit, FormatJSON, func(t *testing.T, out []byte) {
			var got []locker.AuditEntry
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(audits) {
				t.Fatalf("%d rows", len(got))
			}
			for i := range got {
				if !got[i].Time.Equal(audits[i].Time) {
					t.Errorf("time %d", i)
				}
				got[i].Time = audits[i].Time
				if got[i] != audits[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], audits[i])
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.what+"/"+tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := db.Export(ctx, &buf, tc.what, tc.format); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "hash-") {
				t.Error("export contains a PIN hash")
			}
			tc.check(t, buf.Bytes())
		})
	}
	for _, bad := range [][2]string{{"parcels", "xml"}, {"couriers", "csv"}} {
		if err := db.Export(ctx, &bytes.Buffer{}, bad[0], bad[1]); !errors.Is(err, locker.ErrInvalid) {
			t.Errorf("Export(%s, %s) = %v, want ErrInvalid", bad[0], bad[1], err)
		}
	}
	var empty bytes.Buffer
	db2, _ := openTest(t, Options{})
	if err := db2.Export(ctx, &empty, ExportAudit, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var none []locker.AuditEntry
	if err := json.Unmarshal(empty.Bytes(), &none); err != nil || len(none) != 0 {
		t.Errorf("empty export %q: %v", empty.String(), err)
	}
}
