// Package assets embeds the kiosk's static files: the product logo and the
// icons of the touch screens (SVG drawn for this product), and the screen
// translations (go-i18n JSON, one file per language, named LANG.json).
// It imports nothing from the project, so every package may use it.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed icons/*.svg
var icons embed.FS

//go:embed translations/*.json
var translations embed.FS

// Icon names, for Icon.
const (
	IconLogo          = "logo"
	IconDropOff       = "dropoff"
	IconPickUp        = "pickup"
	IconLanguage      = "language"
	IconAccessibility = "accessibility"
	IconStaff         = "staff"
	IconBack          = "back"
	IconCamera        = "camera"
	IconDoor          = "door"
	IconCheck         = "check"
	IconWarning       = "warning"
	IconScan          = "scan"
)

// Icon returns the SVG source of the named icon (one of the Icon*
// constants). It returns an error naming the icon when there is none.
func Icon(name string) ([]byte, error) {
	b, err := icons.ReadFile("icons/" + name + ".svg")
	if err != nil {
		return nil, fmt.Errorf("assets: icon %q: %w", name, err)
	}
	return b, nil
}

// IconNames lists every embedded icon, sorted.
func IconNames() []string {
	ents, _ := icons.ReadDir("icons") // the directory is embedded; it always exists
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".svg"))
	}
	sort.Strings(out)
	return out
}

// Translations returns the embedded translation files and the directory
// inside it that holds them, in the form fyne.io/fyne/v2/lang's
// AddTranslationsFS takes.
func Translations() (embed.FS, string) { return translations, "translations" }

// Languages lists the language tags that have a translation file, sorted
// ("en", "es", ...).
func Languages() []string {
	ents, _ := fs.ReadDir(translations, "translations")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), path.Ext(e.Name())))
	}
	sort.Strings(out)
	return out
}

// Translation returns the JSON translation file of one language tag.
func Translation(tag string) ([]byte, error) {
	b, err := translations.ReadFile("translations/" + tag + ".json")
	if err != nil {
		return nil, fmt.Errorf("assets: translation %q: %w", tag, err)
	}
	return b, nil
}
