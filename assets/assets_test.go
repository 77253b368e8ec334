package assets

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

func TestIconsAreSVG(t *testing.T) {
	names := IconNames()
	for _, want := range []string{IconLogo, IconDropOff, IconPickUp, IconLanguage, IconAccessibility, IconStaff, IconBack, IconCamera, IconDoor, IconCheck, IconWarning, IconScan} {
		b, err := Icon(want)
		if err != nil {
			t.Fatalf("Icon(%q): %v (have %v)", want, err, names)
		}
		if s := string(b); !strings.Contains(s, "<svg") || !strings.Contains(s, "viewBox") {
			t.Errorf("%s is not an SVG with a viewBox", want)
		}
	}
	if _, err := Icon("nope"); err == nil {
		t.Fatal("Icon(nope) did not fail")
	}
}

func TestTranslationsHaveTheSameKeys(t *testing.T) {
	langs := Languages()
	if len(langs) < 2 || langs[0] != "en" || langs[1] != "es" {
		t.Fatalf("languages %v, want at least en and es", langs)
	}
	keys := map[string][]string{}
	for _, l := range langs {
		b, err := Translation(l)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		for k, raw := range m {
			// A message is a string, or plural forms of which "one" and
			// "other" are required.
			var forms map[string]string
			var one string
			if err := json.Unmarshal(raw, &one); err == nil {
				forms = map[string]string{"one": one, "other": one}
			} else if err := json.Unmarshal(raw, &forms); err != nil {
				t.Errorf("%s: %s is neither a string nor plural forms: %s", l, k, raw)
			}
			for _, f := range []string{"one", "other"} {
				if strings.TrimSpace(forms[f]) == "" {
					t.Errorf("%s: %s has no %q form", l, k, f)
				}
			}
			keys[l] = append(keys[l], k)
		}
		sort.Strings(keys[l])
	}
	en := strings.Join(keys["en"], "\n")
	for _, l := range langs[1:] {
		if got := strings.Join(keys[l], "\n"); got != en {
			t.Errorf("%s.json keys differ from en.json", l)
			missing := map[string]bool{}
			for _, k := range keys["en"] {
				missing[k] = true
			}
			for _, k := range keys[l] {
				if !missing[k] {
					t.Errorf("%s has extra key %s", l, k)
				}
				delete(missing, k)
			}
			for k := range missing {
				t.Errorf("%s misses key %s", l, k)
			}
		}
	}
	if fs, dir := Translations(); dir != "translations" {
		t.Fatalf("dir %q", dir)
	} else if _, err := fs.ReadFile(dir + "/en.json"); err != nil {
		t.Fatal(err)
	}
}
