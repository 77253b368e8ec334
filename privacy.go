package locker

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinSearchRunes is how many characters a directory search needs before it
// lists anyone: the directory is searched, never browsed.
const MinSearchRunes = 2

// ShortName is how a resident's name shows on the kiosk's screens: the
// first name and the initial of the surname ("Ana García" gives "Ana G.").
// Lower-case particles before the surname are skipped ("María de la Cruz"
// gives "María C."); a single name shows as it is.
func ShortName(full string) string {
	words := strings.Fields(full)
	if len(words) == 0 {
		return ""
	}
	first := words[0]
	rest := words[1:]
	for len(rest) > 1 && isParticle(rest[0]) {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return first
	}
	r, _ := utf8.DecodeRuneInString(rest[0])
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return first
	}
	return first + " " + string(unicode.ToUpper(r)) + "."
}

// isParticle reports whether w is a lower-case particle of a surname
// ("de", "la", "van", "y" ...).
func isParticle(w string) bool {
	switch w {
	case "de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "le", "van", "von", "der", "den", "y", "e", "al", "el", "bin", "ibn":
		return true
	}
	return false
}

// shown is r as the screens may show it: its name shortened.
func (r Recipient) shown() Recipient {
	r.Name = ShortName(r.Name)
	return r
}
