package store

import (
	"context"
	"strings"
	"testing"
)

// TestQueryPlansUseIndexes keeps the lookups flat as the history grows:
// none of them may scan a whole table.
func TestQueryPlansUseIndexes(t *testing.T) {
	db, _ := openTest(t, Options{})
	tests := []struct {
		name, query string
		args        []any
		want        string
	}{
		{"active parcels", `SELECT ` + parcelCols + ` FROM parcels
			WHERE status IN ('depositing', 'deposited', 'expired') ORDER BY created_at, id`, nil, "parcels_status"},
		{"parcel by id", `SELECT ` + parcelCols + ` FROM parcels WHERE id = ?`, []any{"x"}, "sqlite_autoindex_parcels_1"},
		{"parcels by barcode", `SELECT ` + parcelCols + ` FROM parcels WHERE barcode = ?
			ORDER BY created_at DESC, id DESC`, []any{"x"}, "parcels_barcode"},
		{"expected by barcode", `SELECT ` + expectedCols + ` FROM expected
			WHERE barcode = ? ORDER BY created_at DESC, id DESC LIMIT 1`, []any{"x"}, "expected_barcode"},
		{"expected by key", `SELECT ` + expectedCols + ` FROM expected
			WHERE idempotency_key = ? AND idempotency_key <> ''`, []any{"x"}, "expected_key"},
		{"courier by code", `SELECT id FROM couriers WHERE code_hash = ? AND code_hash <> ''`, []any{"x"}, "couriers_code"},
		{"staff by PIN", `SELECT id FROM staff WHERE pin_hash = ? AND pin_hash <> ''`, []any{"x"}, "staff_pin"},
		{"audit page", `SELECT seq FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, []any{0, 10}, "INTEGER PRIMARY KEY"},
		{"outbox pending", `SELECT seq FROM outbox ORDER BY seq LIMIT ?`, []any{10}, "SCAN outbox"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.r.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			p := strings.Join(plan, "; ")
			if !strings.Contains(p, tc.want) {
				t.Errorf("plan %q does not use %s", p, tc.want)
			}
			if strings.Contains(p, "SCAN") && !strings.Contains(p, "SCAN outbox") {
				t.Errorf("plan %q scans a table", p)
			}
		})
	}
}
