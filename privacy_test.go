package locker

import (
	"fmt"
	"strings"
	"testing"
)

func TestShortName(t *testing.T) {
	tests := []struct{ full, want string }{
		{"Ana García", "Ana G."},
		{"  Ana   García López ", "Ana G."},
		{"María de la Cruz", "María C."},
		{"Ludwig van Beethoven", "Ludwig B."},
		{"Émile Ørsted", "Émile Ø."},
		{"ana garcía", "ana G."},
		{"Madonna", "Madonna"},
		{"Prince (2)", "Prince"},
		{"Jean-Luc Picard", "Jean-Luc P."},
		{"", ""},
		{"Tomás de", "Tomás D."}, // a lone "particle" is the surname
	}
	for _, tt := range tests {
		t.Run(tt.full, func(t *testing.T) {
			if got := ShortName(tt.full); got != tt.want {
				t.Errorf("ShortName(%q) = %q, want %q", tt.full, got, tt.want)
			}
		})
	}
}

// TestDirectoryIsSearchedNotBrowsed: nobody is listed before 2 characters,
// never more than one page, and never a full name.
func TestDirectoryIsSearchedNotBrowsed(t *testing.T) {
	r := newRig(t, testBank())
	var rs []Recipient
	for i := range 20 {
		rs = append(rs, Recipient{ID: fmt.Sprint("p", i), Name: fmt.Sprintf("Person Number%02d", i), Unit: fmt.Sprint(200 + i)})
	}
	_, err := r.s.UpsertRecipients(r.ctx, rs)
	r.must(err)
	tests := []struct {
		query        string
		items, total int
	}{
		{"", 0, 0},
		{" ", 0, 0},
		{"p", 0, 0},
		{" p ", 0, 0},
		{"é", 0, 0},
		{"pe", DefaultPageSize, 21}, // and Grace Hopper
		{"person", DefaultPageSize, 20},
		{"number07", 1, 1},
		{"207", 1, 1},
		{"ada", 1, 1},
		{"zz", 0, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.query), func(t *testing.T) {
			p, err := r.s.SearchRecipients(r.ctx, tt.query)
			r.must(err)
			if len(p.Items) != tt.items || p.Total != tt.total {
				t.Fatalf("%d items of %d, want %d of %d", len(p.Items), p.Total, tt.items, tt.total)
			}
			for _, it := range p.Items {
				if strings.Contains(it.Name, "Number") || strings.Contains(it.Name, "Lovelace") {
					t.Errorf("full name listed: %q", it.Name)
				}
			}
		})
	}
	p, err := r.s.SearchRecipients(r.ctx, "number07")
	r.must(err)
	if it := p.Items[0]; it.Name != "Person N." || it.Unit != "207" || it.ID != "p7" {
		t.Fatalf("result %+v, want Person N., 207", it)
	}
	// The deposit's screens show the short name too.
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "X", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	if v := r.s.View(); v.Recipient.Name != "Ada L." || v.Recipient.ID != "r1" {
		t.Fatalf("View.Recipient = %+v, want Ada L.", v.Recipient)
	}
}
