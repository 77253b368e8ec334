package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Speaker speaks for people who cannot read the screen (*speech.Espeak
// implements it). Say and Interrupt must return at once: they are called
// on the UI goroutine.
type Speaker interface {
	// Say queues text to be spoken in language lang ("en", "es").
	Say(lang, text string)
	// Interrupt drops what is queued and stops what is being spoken.
	Interrupt()
}

// speaking reports whether the screens speak now: with a Speaker, in the
// larger-text mode.
func (u *UI) speaking() bool { return u.o.Speaker != nil && u.accessible }

// speakScreen speaks the screen's instruction (and the problem shown,
// if any) when it differs from what was last spoken: a new screen, a new
// step, another language. What was still being said of the last one is
// cut off.
func (u *UI) speakScreen() {
	if !u.speaking() {
		if u.spoken != "" && u.o.Speaker != nil {
			u.o.Speaker.Interrupt()
		}
		u.spoken = ""
		return
	}
	s := u.spokenText()
	if s == u.spoken {
		return
	}
	u.spoken = s
	u.o.Speaker.Interrupt()
	u.o.Speaker.Say(u.tr.cur, s)
}

// speakKey speaks a key typed into an entry box: each digit, each
// letter, and "erased" for the erase key.
func (u *UI) speakKey(r rune) {
	if !u.speaking() {
		return
	}
	switch {
	case r == '\b':
		u.o.Speaker.Say(u.tr.cur, u.tr.T("speech.erased"))
	case r == ' ':
		u.o.Speaker.Say(u.tr.cur, u.tr.T("btn.space"))
	default:
		u.o.Speaker.Say(u.tr.cur, string(r))
	}
}

// spokenText is what the screen says: the Help card when it shows,
// otherwise the screen's own instruction, then the problem shown.
func (u *UI) spokenText() string {
	var parts []string
	if u.help != helpClosed {
		h := u.frame.help
		parts = append(parts, h.title.Text, h.body.Text)
		if u.help == helpContact && h.urlLabel.Visible() {
			parts = append(parts, h.urlLabel.Text)
		}
		return joinSentences(parts)
	}
	if u.warned {
		return joinSentences([]string{u.frame.idleHdr.Text})
	}
	if u.shown != nil {
		if sp, ok := u.shown.screen.(interface{ spoken() []string }); ok {
			parts = append(parts, sp.spoken()...)
		} else {
			parts = append(parts, screenLabels(u.shown.screen.object(), 2)...)
		}
	}
	if m := u.msgText(); m != "" && u.frame.errBar.Visible() {
		parts = append(parts, m)
	}
	if n := u.noticeText(); n != "" && u.frame.notice.Visible() {
		parts = append(parts, n)
	}
	return joinSentences(parts)
}

// screenLabels returns the text of the first n visible labels under o,
// top down: a screen's title and instruction.
func screenLabels(o fyne.CanvasObject, n int) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if len(out) >= n || o == nil || !o.Visible() {
			return
		}
		switch t := o.(type) {
		case *widget.Label:
			if s := strings.TrimSpace(t.Text); s != "" {
				out = append(out, s)
			}
		case *fyne.Container:
			for _, c := range t.Objects {
				walk(c)
			}
		case *container.ThemeOverride:
			walk(t.Content)
		case *container.Scroll:
			walk(t.Content)
		}
	}
	walk(o)
	return out
}

// joinSentences joins the non-blank parts as sentences.
func joinSentences(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(strings.ReplaceAll(p, "\n", " "))
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
		if !strings.ContainsAny(p[len(p)-1:], ".!?…:") {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// spoken is what the home screen says.
func (s *homeScreen) spoken() []string {
	u := s.u
	return []string{s.welcome.Text,
		u.tr.T("home.dropoff") + ": " + u.tr.T("home.dropoff_sub"),
		u.tr.T("home.pickup") + ": " + u.tr.T("home.pickup_sub"),
		s.hint.Text}
}

// spoken is what the pickup code screen says.
func (s *pickupScreen) spoken() []string {
	if s.u.view.Locked {
		return []string{s.lockTitle.Text}
	}
	return []string{s.title.Text, s.body.Text}
}

// spoken is what a door screen says.
func (s *doorScreen) spoken() []string { return []string{s.title.Text, s.instr.Text} }

// spoken is what the end of a pickup says.
func (s *pickupDoneScreen) spoken() []string {
	out := []string{s.title.Text, s.body.Text}
	if s.failed.Visible() { // a door that did not open, a parcel left inside
		out = append(out, s.failed.text)
	}
	return out
}
