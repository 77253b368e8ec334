package ui

import (
	"testing"

	"github.com/parcelkiosk/locker/ui/internal/clocale"
)

func TestCLocale(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"systemd's C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, true},
		{"POSIX with an encoding", map[string]string{"LC_ALL": "POSIX.UTF-8", "LANG": "es_ES.UTF-8"}, true},
		{"plain C: fyne reads it as no locale", map[string]string{"LANG": "C"}, false},
		{"a language", map[string]string{"LANG": "es_ES.UTF-8"}, false},
		{"LC_ALL wins over LANG", map[string]string{"LC_ALL": "en_GB.UTF-8", "LANG": "C.UTF-8"}, false},
		{"LANGUAGE names one already", map[string]string{"LANGUAGE": "es", "LANG": "C.UTF-8"}, false},
		{"nothing set", map[string]string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clocale.Plain(func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("Plain = %v, want %v", got, tt.want)
			}
		})
	}
}
