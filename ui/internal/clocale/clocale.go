// Package clocale keeps Fyne quiet under the C locale. systemd starts
// services with LANG=C.UTF-8, which names no language; Fyne's lang package
// parses it as one when the program starts and logs "Error parsing user
// locale C". Importing this package sets LANGUAGE (which gettext, and
// Fyne, read before LANG when LANG is not plain C) to English first; the
// UI then sets it to the kiosk's configured language.
//
// The package has no dependencies besides the standard library, so Go
// initialises it before fyne.io/fyne/v2/lang, which depends on
// golang.org/x/text (packages ready at the same time start in the order of
// their import paths).
package clocale

import (
	"os"
	"strings"
)

func init() {
	if Plain(os.Getenv) {
		_ = os.Setenv("LANGUAGE", "en")
	}
}

// Plain reports whether the environment's locale (the first set of
// LC_ALL, LC_MESSAGES and LANG, as gettext reads them) is the C or POSIX
// locale with an encoding, such as systemd's C.UTF-8, while LANGUAGE
// names no language.
func Plain(getenv func(string) string) bool {
	if getenv("LANGUAGE") != "" {
		return false
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			base, _, _ := strings.Cut(v, ".")
			base, _, _ = strings.Cut(base, "@")
			return v != base && (base == "C" || base == "POSIX")
		}
	}
	return false
}

// Use sets LANGUAGE to tag when the locale names no language (LC_ALL,
// LC_MESSAGES or LANG is C or POSIX with an encoding), so Fyne's own
// strings follow the kiosk's configured language.
func Use(tag string) {
	noLanguage := func(k string) string {
		if k == "LANGUAGE" {
			return ""
		}
		return os.Getenv(k)
	}
	if Plain(noLanguage) {
		_ = os.Setenv("LANGUAGE", tag)
	}
}
