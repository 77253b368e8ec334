package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2/lang"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/parcelkiosk/locker/assets"
	"github.com/parcelkiosk/locker/ui/internal/clocale"
)

// translator turns message ids into sentences of the language chosen on
// the screen. Fyne's lang package picks one language from the system locale
// at start and cannot switch while running; a kiosk switches for every
// person, so the screens use go-i18n (the engine under fyne's lang) with the
// same embedded JSON files. The files are also registered with fyne's lang
// so fyne's own strings follow the system language.
type translator struct {
	bundle *i18n.Bundle
	langs  []string
	loc    map[string]*i18n.Localizer
	cur    string
}

// newTranslator loads every embedded translation.
func newTranslator() (*translator, error) {
	b := i18n.NewBundle(language.English)
	t := &translator{bundle: b, loc: map[string]*i18n.Localizer{}, cur: "en"}
	for _, tag := range assets.Languages() {
		data, err := assets.Translation(tag)
		if err != nil {
			return nil, fmt.Errorf("ui: %w", err)
		}
		if _, err := b.ParseMessageFileBytes(data, tag+".json"); err != nil {
			return nil, fmt.Errorf("ui: translation %s: %w", tag, err)
		}
		t.langs = append(t.langs, tag)
		t.loc[tag] = i18n.NewLocalizer(b, tag)
	}
	if len(t.langs) == 0 {
		return nil, fmt.Errorf("ui: no translations embedded")
	}
	return t, nil
}

// registerWithFyne registers the translations with fyne's lang package,
// so fyne's own strings follow the language; under the C locale, which
// names no language, they follow tag (see package clocale).
func registerWithFyne(tag string) {
	clocale.Use(tag)
	fs, dir := assets.Translations()
	_ = lang.AddTranslationsFS(fs, dir) // best effort: only fyne's own strings use it
}

// setLang switches to tag; unknown tags are ignored.
func (t *translator) setLang(tag string) {
	if _, ok := t.loc[tag]; ok {
		t.cur = tag
	}
}

// next returns the language after the current one, cycling.
func (t *translator) next() string {
	for i, l := range t.langs {
		if l == t.cur {
			return t.langs[(i+1)%len(t.langs)]
		}
	}
	return t.langs[0]
}

// T translates id into the current language, filling {{.Name}} fields from
// data (a map or struct). A missing id returns the id itself so that a gap
// is visible instead of blank.
func (t *translator) T(id string, data ...any) string {
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	for _, tag := range []string{t.cur, "en"} {
		if s, err := t.localize(tag, id, d); err == nil {
			return s
		}
	}
	return id
}

// localize translates id into tag. A message with plural forms (JSON
// {"one": ..., "other": ...}) picks its form by the data's Count: "1 second",
// "2 seconds".
func (t *translator) localize(tag, id string, d any) (string, error) {
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: d}
	if m, ok := d.(map[string]any); ok {
		if n, ok := m["Count"].(int); ok {
			cfg.PluralCount = n
			if s, err := t.loc[tag].Localize(cfg); err == nil {
				return s, nil
			}
			cfg.PluralCount = nil // a plain message: one form for every count
		}
	}
	return t.loc[tag].Localize(cfg)
}

// langName is the name of tag in its own language, for the language button.
func (t *translator) langName(tag string) string {
	s, err := t.loc[tag].Localize(&i18n.LocalizeConfig{MessageID: "lang.self"})
	if err != nil {
		return strings.ToUpper(tag)
	}
	return s
}
