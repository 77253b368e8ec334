package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestReturnsDefaultsAndExample(t *testing.T) {
	c, err := ParseWith([]byte(base), "kiosk.toml", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Returns.Overdue != 72*time.Hour || c.Returns.DeliveryShare != 0.25 || c.Returns.ReturnHold() != 0.25 {
		t.Errorf("defaults %+v, hold %v", c.Returns, c.Returns.ReturnHold())
	}
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := ParseWith(data, "example", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Returns != c.Returns {
		t.Errorf("the example's [returns] %+v differs from the defaults %+v", ex.Returns, c.Returns)
	}
	none, err := ParseWith([]byte(base+"\n[returns]\ndelivery_share = 0.0\noverdue = \"24h\"\n"), "kiosk.toml", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if none.Returns.ReturnHold() >= 0 || none.Returns.Overdue != 24*time.Hour {
		t.Errorf("delivery_share 0: hold %v (want negative: none held), overdue %v", none.Returns.ReturnHold(), none.Returns.Overdue)
	}
}

func TestReturnsValidation(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"share over 1", "[returns]\ndelivery_share = 1.5\n", "returns.delivery_share 1.5: want 0 to 1"},
		{"negative share", "[returns]\ndelivery_share = -0.1\n", "returns.delivery_share -0.1: want 0 to 1"},
		{"short overdue", "[returns]\noverdue = \"10s\"\n", "returns.overdue = \"10s\" is too short"},
		{"number overdue", "[returns]\noverdue = 3600\n", "write durations as a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWith([]byte(base+"\n"+tc.src), "kiosk.toml", testOpts)
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 || !strings.Contains(es[0].Msg, tc.want) || es[0].Line == 0 {
				t.Errorf("err = %v, want one problem with a line containing %q", err, tc.want)
			}
		})
	}
}
