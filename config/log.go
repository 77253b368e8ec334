package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Redacted replaces every secret value in a log line.
const Redacted = "[redacted]"

// sensitiveWords are the words of an attribute key that mark its value as
// secret: the key is split at '_', '-', '.', spaces and camelCase humps, so
// "pin", "qr_token", "pinHash" and "NATS-Creds" match and "barcode" does not.
var sensitiveWords = map[string]bool{
	"pin": true, "pins": true, "code": true, "codes": true, "token": true, "tokens": true,
	"qr": true, "secret": true, "secrets": true, "password": true, "passwd": true,
	"pass": true, "passphrase": true, "creds": true, "credential": true,
	"credentials": true, "totp": true, "otp": true, "seed": true, "nkey": true,
	"jwt": true, "authorization": true, "cookie": true,
}

// secretText matches values that are secrets whatever their key: PEM
// blocks and NATS .creds files, NKey seeds, JWTs.
var secretText = regexp.MustCompile(`-----BEGIN|\bS[ACNOUX][A-Z2-7]{54,}\b|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.`)

// SensitiveKey reports whether an attribute key names a secret.
func SensitiveKey(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= 0x80 {
			return sensitiveWordsOf(keyWords(key))
		}
	}
	// ASCII fast path: split and lower-case into a buffer, no allocation.
	var buf [32]byte
	n, long := 0, false
	check := func() bool {
		hit := !long && n > 0 && sensitiveWords[string(buf[:n])]
		n, long = 0, false
		return hit
	}
	isLower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	isUpper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case !isLower(c) && !isUpper(c) && !(c >= '0' && c <= '9'):
			if check() {
				return true
			}
			continue
		case isUpper(c) && i > 0 && (isLower(key[i-1]) ||
			(i+1 < len(key) && isLower(key[i+1]) && isUpper(key[i-1]))):
			if check() {
				return true
			}
		}
		if isUpper(c) {
			c += 'a' - 'A'
		}
		if n == len(buf) {
			long = true
			continue
		}
		buf[n] = c
		n++
	}
	return check()
}

func sensitiveWordsOf(words []string) bool {
	for _, w := range words {
		if sensitiveWords[w] {
			return true
		}
	}
	return false
}

// keyWords splits a key into lower-case words at separators and camelCase
// humps.
func keyWords(key string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(key)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) ||
			(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))):
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

// Redact is a slog.HandlerOptions.ReplaceAttr that removes secrets: the value
// of any attribute whose key names a secret (SensitiveKey) becomes
// "[redacted]", in groups too; structured values (maps, structs, JSON) are
// redacted key by key; strings holding a PEM block, an NKey seed or a JWT
// are redacted whatever their key; passwords in URLs are masked.
func Redact(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.SourceKey || a.Key == slog.MessageKey) {
		return a
	}
	if SensitiveKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	for _, g := range groups {
		if SensitiveKey(g) {
			return slog.String(a.Key, Redacted)
		}
	}
	a.Value = redactValue(a.Value)
	return a
}

func redactValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(redactString(v.String()))
	case slog.KindAny:
		return redactAny(v.Any())
	}
	return v
}

// urlPassword matches the user:password@ part of URLs inside any text.
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*):[^@/\s]*@`)

// redactString masks a secret-looking string and the passwords of URLs in it.
func redactString(s string) string {
	if secretText.MatchString(s) {
		return Redacted
	}
	if strings.Contains(s, "://") {
		s = urlPassword.ReplaceAllString(s, "$1:xxxxx@")
	}
	return s
}

// redactAny redacts structured values by turning them into JSON-shaped
// values (what the JSON handler would print) and redacting those.
func redactAny(x any) slog.Value {
	switch t := x.(type) {
	case nil, time.Time, time.Duration, bool, int, int64, uint64, float64:
		return slog.AnyValue(x)
	case error:
		return slog.StringValue(redactString(t.Error()))
	case json.RawMessage:
		return slog.AnyValue(redactJSON(t))
	case []byte:
		if json.Valid(t) {
			return slog.AnyValue(redactJSON(t))
		}
		return slog.AnyValue(x)
	case fmt.Stringer:
		if !isStructured(x) {
			return slog.StringValue(redactString(t.String()))
		}
	}
	if !isStructured(x) {
		return slog.AnyValue(x)
	}
	b, err := json.Marshal(x)
	if err != nil {
		return slog.StringValue(fmt.Sprintf("[unloggable %T]", x))
	}
	return slog.AnyValue(redactJSON(b))
}

// isStructured reports whether x has keys or elements that may hold secrets.
func isStructured(x any) bool {
	rv := reflect.ValueOf(x)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return false
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
		return true
	}
	return false
}

// redactJSON decodes JSON and redacts it; invalid JSON is redacted whole
// when it looks secret.
func redactJSON(b []byte) any {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return redactString(string(b))
	}
	return redactTree(v)
}

func redactTree(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if SensitiveKey(k) {
				t[k] = Redacted
			} else {
				t[k] = redactTree(x)
			}
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = redactTree(x)
		}
		return t
	case string:
		return redactString(t)
	}
	return v
}

// parseLevel parses "debug", "info", "warn" (or "warning") and "error".
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("config: unknown log level %q", s)
}

// NewLogger returns a logger writing to w in format "json" or "text" at
// level "debug", "info", "warn" or "error", with every secret redacted
// (see Redact).
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	lv, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	o := &slog.HandlerOptions{Level: lv, ReplaceAttr: Redact}
	switch format {
	case "json", "":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	}
	return nil, fmt.Errorf("config: unknown log format %q (want json or text)", format)
}

// Logger returns the logger the [log] settings ask for, writing to w.
func (c *Config) Logger(w io.Writer) (*slog.Logger, error) {
	return NewLogger(w, c.Log.Format, c.Log.Level)
}
