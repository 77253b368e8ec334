package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parcelkiosk/locker"
)

// FuzzSearchRecipients checks the directory search against a plain Go
// reference: a recipient matches when its lower-cased name or unit contains
// the lower-cased query, with LIKE's wildcards and escape taken literally.
func FuzzSearchRecipients(f *testing.F) {
	for _, s := range [][3]string{
		{"Ada Lovelace", "4B", "love"},
		{"Émile Zola", "7b", "ÉMI"},
		{"100% Real", "1_2", "%"},
		{"back\\slash", "x", `\`},
		{"under_score", "u", "r_s"},
		{"Straße", "St", "STRASSE"},
		{"  padded  ", " 9 ", " PAD "},
	} {
		f.Add(s[0], s[1], s[2])
	}
	db, _ := openTest(f, Options{})
	ctx := context.Background()
	apply(f, db, &locker.Change{Recipients: []locker.Recipient{
		{ID: "a", Name: "Zed", Unit: "1"}, {ID: "b", Name: "%_\\", Unit: "2"},
	}})
	f.Fuzz(func(t *testing.T, name, unit, query string) {
		for _, s := range []string{name, unit, query} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Skip("SQLite text is valid UTF-8 without NUL")
			}
		}
		apply(t, db, &locker.Change{Recipients: []locker.Recipient{{ID: "f", Name: name, Unit: unit}}})
		list, total, err := db.SearchRecipients(ctx, query, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(list) {
			t.Fatalf("total %d with %d rows on one page of 10", total, len(list))
		}
		q := foldKey(query)
		want := map[string]bool{}
		for _, r := range []locker.Recipient{{ID: "a", Name: "Zed", Unit: "1"},
			{ID: "b", Name: "%_\\", Unit: "2"}, {ID: "f", Name: name, Unit: unit}} {
			if strings.Contains(foldKey(r.Name), q) || strings.Contains(foldKey(r.Unit), q) {
				want[r.ID] = true
			}
		}
		var got []string
		for _, r := range list {
			got = append(got, r.ID)
		}
		if len(got) != len(want) {
			t.Fatalf("query %q on name %q unit %q: got %v, want %v", query, name, unit, got, want)
		}
		for _, id := range got {
			if !want[id] {
				t.Fatalf("query %q on name %q unit %q: got %v, want %v", query, name, unit, got, want)
			}
		}
		keys := make([]string, len(list))
		for i, r := range list {
			keys[i] = foldKey(r.Name) + "\x00" + r.ID
		}
		if !slices.IsSorted(keys) {
			t.Fatalf("not ordered by name: %v", list)
		}
	})
}
