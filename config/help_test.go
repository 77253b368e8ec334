package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestHelpKeys(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  string // a problem's text; "" for valid
		check func(t *testing.T, c *Config)
	}{
		{"defaults", "", "", func(t *testing.T, c *Config) {
			if c.ExpiringLead() != 24*time.Hour || c.ExtensionCap() != 7*24*time.Hour || c.Screen.Speech != "" {
				t.Errorf("lead %v, cap %v, speech %q", c.ExpiringLead(), c.ExtensionCap(), c.Screen.Speech)
			}
		}},
		{"set", "expiry_reminder = \"6h\"\nmax_extension = \"48h\"\n[screen]\nsupport_contact = \"Office, +1 555 0100\"\nsupport_url = \"tel:+15550100\"\nspeech = \"espeak-ng\"\n", "",
			func(t *testing.T, c *Config) {
				if c.ExpiringLead() != 6*time.Hour || c.ExtensionCap() != 48*time.Hour || c.Screen.SupportURL != "tel:+15550100" || c.Screen.Speech != SpeechEspeak {
					t.Errorf("%+v %+v", c.ExpiringLead(), c.Screen)
				}
			}},
		{"off", "expiry_reminder = \"0s\"\nmax_extension = \"0s\"\n", "", func(t *testing.T, c *Config) {
			if c.ExpiringLead() != -1 || c.ExtensionCap() != -1 {
				t.Errorf("lead %v, cap %v, want -1 (none)", c.ExpiringLead(), c.ExtensionCap())
			}
		}},
		{"reminder not shorter than expiry", "expiry_reminder = \"80h\"\n", "expiry_reminder (80h0m0s) must be shorter than expiry", nil},
		{"reminder as a number", "expiry_reminder = 24\n", "expiry_reminder: write durations as a string", nil},
		{"negative cap", "max_extension = \"-1h\"\n", "max_extension = \"-1h0m0s\" is negative", nil},
		{"unknown speech", "[screen]\nspeech = \"festival\"\n", "screen.speech \"festival\": want \"espeak-ng\"", nil},
		{"url without scheme", "[screen]\nsupport_url = \"example.com/help\"\n", "screen.support_url \"example.com/help\": want a link", nil},
		{"contact too long", "[screen]\nsupport_contact = \"" + strings.Repeat("x", 201) + "\"\n", "screen.support_contact is 201 characters", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Top-level keys must precede the tables; a table goes last.
			src := tc.extra + base
			if top, table, ok := strings.Cut(tc.extra, "[screen]"); ok {
				src = top + base + "\n[screen]" + table
			}
			c, err := ParseWith([]byte(src), "kiosk.toml", Options{Stat: fakeStat()})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				tc.check(t, c)
				return
			}
			// The problem names the line of its key.
			key, _, _ := strings.Cut(strings.Fields(tc.want)[0], ":")
			key = key[strings.LastIndex(key, ".")+1:]
			line := 0
			for i, l := range strings.Split(src, "\n") {
				if strings.HasPrefix(l, key+" ") {
					line = i + 1
				}
			}
			want := fmt.Sprintf("kiosk.toml:%d: %s", line, tc.want)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want one containing %q", err, want)
			}
		})
	}
}

// TestSpeechWithoutEspeak: speech asked for on a machine without
// espeak-ng is a warning (the kiosk runs silent), not an error.
func TestSpeechWithoutEspeak(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	c, err := ParseWith([]byte(base+"\n[screen]\nspeech = \"espeak-ng\"\n"), "kiosk.toml", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Error(), "espeak-ng is not installed") {
		t.Fatalf("warnings %v", c.Warnings)
	}
}
