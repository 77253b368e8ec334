package config

import (
	"net/url"
	"os/exec"
	"strings"
	"time"
	"unicode/utf8"
)

// Speech engines accepted in [screen] speech.
const (
	SpeechNone   = ""
	SpeechEspeak = "espeak-ng"
)

// help checks the keys of reminders, holds and help (issue 14): the
// expiry reminder and the extension cap, the support contact and the
// spoken guidance.
func (v *validator) help() {
	c := v.cfg
	for _, d := range []struct {
		key string
		val time.Duration
	}{{"expiry_reminder", c.ExpiryReminder}, {"max_extension", c.MaxExtension}} {
		if typ := v.md.Type(d.key); typ == "Integer" || typ == "Float" {
			v.errorf(d.key, "", "%s: write durations as a string such as \"24h\"", d.key)
			continue
		}
		if d.val < 0 {
			v.errorf(d.key, "", "%s = %q is negative (\"0s\" turns it off)", d.key, d.val)
		}
	}
	// The default reminder with a short expiry sends none (see
	// ExpiringLead); a reminder written out must fit the expiry.
	if v.md.IsDefined("expiry_reminder") && c.ExpiryReminder > 0 && c.Expiry >= time.Minute && c.ExpiryReminder >= c.Expiry {
		v.errorf("expiry_reminder", "", "expiry_reminder (%v) must be shorter than expiry (%v), or \"0s\" for no reminder", c.ExpiryReminder, c.Expiry)
	}
	s := &c.Screen
	if n := utf8.RuneCountInString(s.SupportContact); n > 200 {
		v.errorf("screen.support_contact", "screen", "screen.support_contact is %d characters; at most 200 fit the help card", n)
	}
	if u := strings.TrimSpace(s.SupportURL); u != "" {
		p, err := url.Parse(u)
		switch {
		case err != nil || p.Scheme == "":
			v.errorf("screen.support_url", "screen", "screen.support_url %q: want a link such as \"https://example.com/help\" or \"tel:+15550100\"", u)
		case len(u) > 300:
			v.errorf("screen.support_url", "screen", "screen.support_url is %d bytes; at most 300 make a QR code a phone reads from the screen", len(u))
		}
	}
	switch s.Speech {
	case SpeechNone:
	case SpeechEspeak:
		if _, err := exec.LookPath(SpeechEspeak); err != nil {
			v.warnf("screen.speech", "screen", "screen.speech = %q but espeak-ng is not installed (apt-get install espeak-ng): the kiosk runs silent", s.Speech)
		}
	default:
		v.errorf("screen.speech", "screen", "screen.speech %q: want \"espeak-ng\" or \"\" (none)", s.Speech)
	}
	if s.SpeechDir != "" && s.Speech == SpeechNone {
		v.warnf("screen.speech_dir", "screen", "screen.speech_dir is set but screen.speech is not: nothing is spoken")
	}
}

// ExpiringLead is the service's Options.ExpiringLead: the reminder's lead
// time, -1 for none (also when it is not shorter than the expiry).
func (c *Config) ExpiringLead() time.Duration {
	if c.ExpiryReminder <= 0 || c.ExpiryReminder >= c.Expiry {
		return -1
	}
	return c.ExpiryReminder
}

// ExtensionCap is the service's Options.MaxExtension: -1 for none.
func (c *Config) ExtensionCap() time.Duration {
	if c.MaxExtension <= 0 {
		return -1
	}
	return c.MaxExtension
}
