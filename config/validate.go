package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nats-io/nkeys"

	"github.com/parcelkiosk/locker"
)

// addrRange is the valid board and lock numbers of one protocol.
type addrRange struct{ boardMin, boardMax, lockMin, lockMax int }

// ranges holds the address ranges of the bus protocols: Kerong CU16 boards
// 0-15 with locks 1-16, generic 0x8A boards 1-32 with locks 1-24.
var ranges = map[string]addrRange{
	ProtocolKerong: {0, 15, 1, 16},
	ProtocolGen8A:  {1, 32, 1, 24},
}

// bauds lists the baud rates accepted for serial ports.
var bauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}

var (
	idRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`) // NATS subject token safe
	langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// validator collects the problems of one decoded file.
type validator struct {
	cfg   *Config
	md    toml.MetaData
	pos   positions
	stat  func(string) (fs.FileInfo, error)
	errs  Errors
	warns Errors
}

// errorf records a problem at the line of key (an indexed path, see
// positions), or at the line of fallback when key is not written.
func (v *validator) errorf(key, fallback string, format string, args ...any) {
	line := v.pos.of(key)
	if line == 0 && fallback != "" {
		line = v.pos.of(fallback)
	}
	v.errs = append(v.errs, &Error{File: v.cfg.File, Line: line, Key: displayKey(key), Msg: fmt.Sprintf(format, args...)})
}

// warnf records a warning, placed like errorf.
func (v *validator) warnf(key, fallback string, format string, args ...any) {
	line := v.pos.of(key)
	if line == 0 && fallback != "" {
		line = v.pos.of(fallback)
	}
	v.warns = append(v.warns, &Error{File: v.cfg.File, Line: line, Key: displayKey(key), Msg: fmt.Sprintf(format, args...)})
}

// displayKey turns "compartment#2.lock" into "compartment[2].lock".
func displayKey(k string) string {
	if i := strings.IndexByte(k, '#'); i >= 0 {
		j := i + 1
		for j < len(k) && k[j] >= '0' && k[j] <= '9' {
			j++
		}
		return k[:i] + "[" + k[i+1:j] + "]" + k[j:]
	}
	return k
}

func (v *validator) run() {
	v.unknownKeys()
	v.top()
	v.durations()
	v.lockboard()
	v.uplink()
	v.scanner()
	v.compartments()
	v.help()
	v.returns()
}

// unknownKeys reports every key the Config has no field for, on every line
// it is written, with the nearest known key as a hint.
func (v *validator) unknownKeys() {
	known := knownKeys(reflect.TypeFor[Config](), "")
	var undecoded []string
	for _, k := range v.md.Undecoded() {
		p := strings.Join(k, ".")
		if !slices.Contains(undecoded, p) {
			undecoded = append(undecoded, p)
		}
	}
	for _, p := range undecoded {
		if parent, _, ok := cutLast(p); ok && slices.Contains(undecoded, parent) {
			continue // reported with its table
		}
		parent, name, _ := cutLast(p)
		msg := fmt.Sprintf("unknown key %q", p)
		if hint := nearest(name, known[parent]); hint != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", hint)
		}
		lines := v.pos.plain[p]
		if len(lines) == 0 {
			v.errs = append(v.errs, &Error{File: v.cfg.File, Key: p, Msg: msg})
		}
		for _, n := range lines {
			v.errs = append(v.errs, &Error{File: v.cfg.File, Line: n, Key: p, Msg: msg})
		}
	}
}

// cutLast splits "a.b.c" into "a.b" and "c"; ok is false for "c".
func cutLast(p string) (parent, name string, ok bool) {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return "", p, false
	}
	return p[:i], p[i+1:], true
}

// knownKeys maps each table path ("" for the top level) to its key names,
// read from the toml struct tags.
func knownKeys(t reflect.Type, prefix string) map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			tag := f.Tag.Get("toml")
			if tag == "" || tag == "-" {
				continue
			}
			out[prefix] = append(out[prefix], tag)
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
				walk(ft, strings.TrimPrefix(prefix+"."+tag, "."))
			}
		}
	}
	walk(t, prefix)
	return out
}

// nearest returns the candidate within edit distance 2 of s, if any.
func nearest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (v *validator) top() {
	c := v.cfg
	for _, f := range []struct {
		key string
		val string
	}{{"site", c.Site}, {"kiosk", c.Kiosk}} {
		switch {
		case strings.TrimSpace(f.val) == "":
			v.errorf(f.key, "", "missing required key %q", f.key)
		case !idRE.MatchString(f.val):
			v.errorf(f.key, "", "%s %q: use only letters, digits, '-' and '_' (it is part of NATS subjects)", f.key, f.val)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		v.errorf("data_dir", "", "data_dir is empty")
	}
	if c.PINDigits < 6 || c.PINDigits > 10 {
		v.errorf("pin_digits", "", "pin_digits %d: want 6 to 10", c.PINDigits)
	}
	if !langRE.MatchString(c.Screen.Language) {
		v.errorf("screen.language", "screen", "screen.language %q is not a language tag such as \"en\" or \"de\"", c.Screen.Language)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		v.errorf("log.format", "log", "log.format %q: want \"json\" or \"text\"", c.Log.Format)
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		v.errorf("log.level", "log", "log.level %q: want debug, info, warn or error", c.Log.Level)
	}
}

// durations checks every duration is written as a string and is positive.
func (v *validator) durations() {
	c := v.cfg
	for _, d := range []struct {
		key string
		val time.Duration
		min time.Duration
	}{
		{"expiry", c.Expiry, time.Minute},
		{"screen.idle_timeout", c.Screen.IdleTimeout, time.Second},
		{"lockboard.unlock_gap", c.Lockboard.UnlockGap, 10 * time.Millisecond},
		{"lockboard.reply_timeout", c.Lockboard.ReplyTimeout, time.Millisecond},
		{"lockboard.poll_fast", c.Lockboard.PollFast, time.Millisecond},
		{"lockboard.poll_idle", c.Lockboard.PollIdle, time.Millisecond},
		{"lockboard.left_open_after", c.Lockboard.LeftOpenAfter, time.Second},
		{"lockboard.jam_after", c.Lockboard.JamAfter, time.Millisecond},
		{"uplink.heartbeat", c.Uplink.Heartbeat, time.Second},
	} {
		parent, _, _ := cutLast(d.key)
		if typ := v.md.Type(strings.Split(d.key, ".")...); typ == "Integer" || typ == "Float" {
			v.errorf(d.key, parent, "%s: write durations as a string such as \"30s\" or \"250ms\"", d.key)
			continue
		}
		if d.val < d.min || d.val < 0 {
			v.errorf(d.key, parent, "%s = %q is too short (at least %v)", d.key, d.val, d.min)
		}
	}
	if c.Lockboard.PollFast > c.Lockboard.PollIdle {
		v.errorf("lockboard.poll_fast", "lockboard", "lockboard.poll_fast (%v) is longer than poll_idle (%v)", c.Lockboard.PollFast, c.Lockboard.PollIdle)
	}
}

func (v *validator) lockboard() {
	lb := &v.cfg.Lockboard
	switch lb.Protocol {
	case ProtocolKerong, ProtocolGen8A, ProtocolSim:
	case "":
		v.errorf("lockboard.protocol", "lockboard", "missing required key \"lockboard.protocol\" (kerong-cu16, gen8a or sim)")
	default:
		v.errorf("lockboard.protocol", "lockboard", "lockboard.protocol %q: want kerong-cu16, gen8a or sim", lb.Protocol)
	}
	if _, ok := ranges[lb.SimProtocol]; !ok {
		v.errorf("lockboard.sim_protocol", "lockboard", "lockboard.sim_protocol %q: want kerong-cu16 or gen8a", lb.SimProtocol)
	}
	if lb.Baud == 0 && !v.md.IsDefined("lockboard", "baud") {
		lb.Baud = DefaultBaud(v.cfg.BusProtocol())
	} else if !slices.Contains(bauds, lb.Baud) {
		v.errorf("lockboard.baud", "lockboard", "lockboard.baud %d is not a standard rate (%s)", lb.Baud, joinInts(bauds))
	}
	if lb.SensorClosedBit != 0 && lb.SensorClosedBit != 1 {
		v.errorf("lockboard.sensor_closed_bit", "lockboard", "lockboard.sensor_closed_bit %d: want 0 or 1", lb.SensorClosedBit)
	}
	if lb.ItemSensors && v.cfg.BusProtocol() == ProtocolGen8A {
		v.errorf("lockboard.item_sensors", "lockboard", "lockboard.item_sensors: gen8a boards have no item sensor; leave it out or false")
	}
	if lb.Retries < 0 || lb.Retries > 10 {
		v.errorf("lockboard.retries", "lockboard", "lockboard.retries %d: want 0 to 10", lb.Retries)
	}
	if lb.Protocol != ProtocolSim && lb.Protocol != "" {
		if lb.Port == "" {
			v.errorf("lockboard.port", "lockboard", "missing required key \"lockboard.port\" (the serial device, e.g. /dev/locker-bus)")
		} else {
			// An absent adapter is a warning: it may be unplugged or not
			// set up by udev yet; the kiosk starts and waits for it.
			if _, err := v.stat(lb.Port); err != nil {
				v.warnf("lockboard.port", "lockboard", "port %q does not exist now (%v): the kiosk will start with the doors out of order and wait for the device", lb.Port, err)
			}
		}
	}
	r, ok := ranges[v.cfg.BusProtocol()]
	seen := map[int]bool{}
	for _, b := range lb.Boards {
		if ok && (b < r.boardMin || b > r.boardMax) {
			v.errorf("lockboard.boards", "lockboard", "lockboard.boards: board %d out of range %d-%d for %s", b, r.boardMin, r.boardMax, v.cfg.BusProtocol())
		}
		if seen[b] {
			v.errorf("lockboard.boards", "lockboard", "lockboard.boards: board %d listed twice", b)
		}
		seen[b] = true
	}
}

// mustExist reports a device or file that is not there.
func (v *validator) mustExist(key, fallback, what, name string) {
	_, err := v.stat(name)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		v.errorf(key, fallback, "%s %q does not exist", what, name)
	default:
		v.errorf(key, fallback, "%s %q: %v", what, name, err)
	}
}

// plaintext reports whether an uplink URL sends in clear: ws:// always,
// nats:// unless a pinned CA turns TLS on.
func plaintext(u *url.URL, tlsCA string) bool {
	return u.Scheme == "ws" || (u.Scheme == "nats" && tlsCA == "")
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (v *validator) uplink() {
	u := v.cfg.Uplink
	if u.URL != "" {
		for _, one := range strings.Split(u.URL, ",") { // nats.go accepts a comma-separated server list
			p, err := url.Parse(strings.TrimSpace(one))
			switch {
			case err != nil:
				v.errorf("uplink.url", "uplink", "uplink.url %q: %v", one, err)
			case !slices.Contains([]string{"nats", "tls", "ws", "wss"}, p.Scheme):
				v.errorf("uplink.url", "uplink", "uplink.url %q: want a nats://, tls://, ws:// or wss:// URL", one)
			case p.Host == "":
				v.errorf("uplink.url", "uplink", "uplink.url %q has no host", one)
			case plaintext(p, u.TLSCA) && !loopback(p.Hostname()) && !u.Insecure:
				v.errorf("uplink.url", "uplink", "uplink.url %q is not encrypted: use tls:// or wss://, set tls_ca, or set insecure = true to send commands and PINs in clear over the network", one)
			}
		}
	}
	if u.Creds != "" {
		v.mustExist("uplink.creds", "uplink", "creds file", u.Creds)
	}
	if u.TLSCA != "" {
		v.mustExist("uplink.tls_ca", "uplink", "tls_ca file", u.TLSCA)
	}
	for i, k := range u.OperatorKeys {
		switch nkeys.Prefix(k) {
		case nkeys.PrefixByteOperator, nkeys.PrefixByteAccount, nkeys.PrefixByteUser:
			if nkeys.IsValidPublicKey(k) {
				continue
			}
		}
		v.errorf("uplink.operator_keys", "uplink", "uplink.operator_keys[%d] %q: want a public nkey (O..., A... or U...; nsc or nk -gen user -pubout)", i, k)
	}
	if u.NotifyKey != "" && !nkeys.IsValidPublicCurveKey(u.NotifyKey) {
		v.errorf("uplink.notify_key", "uplink", "uplink.notify_key %q: want a public curve key (X...; nk -gen x25519 -pubout)", u.NotifyKey)
	}
	if u.URL == "" && (u.Creds != "" || u.TLSCA != "") {
		v.errorf("uplink.url", "uplink", "uplink.url is empty but creds or tls_ca is set")
	}
}

func (v *validator) scanner() {
	s := v.cfg.Scanner
	for _, h := range s.HID {
		if _, err := filepath.Match(h, ""); err != nil || !filepath.IsAbs(h) {
			v.errorf("scanner.hid", "scanner", "scanner.hid %q: want an absolute device path or glob", h)
		}
	}
	for _, p := range s.Serial {
		if !filepath.IsAbs(p) {
			v.errorf("scanner.serial", "scanner", "scanner.serial %q: want an absolute device path", p)
		}
	}
	if s.Camera != "" && !filepath.IsAbs(s.Camera) {
		v.errorf("scanner.camera", "scanner", "scanner.camera %q: want an absolute device path such as /dev/video0", s.Camera)
	}
	if s.PhotoDays < 0 {
		v.errorf("scanner.photo_days", "scanner", "scanner.photo_days %d: want 0 (no photos) or more days", s.PhotoDays)
	}
	if !slices.Contains(bauds, s.SerialBaud) {
		v.errorf("scanner.serial_baud", "scanner", "scanner.serial_baud %d is not a standard rate (%s)", s.SerialBaud, joinInts(bauds))
	}
}

func (v *validator) compartments() {
	c := v.cfg
	if len(c.Doors) == 0 {
		v.errorf("compartment", "", "no [[compartment]] tables: the locker needs at least one compartment")
		return
	}
	proto := c.BusProtocol()
	r, haveRange := ranges[proto]
	type seenAt struct {
		id   string
		line int
	}
	ids := map[string]seenAt{}
	addrs := map[locker.LockAddr]seenAt{}
	cells := map[[2]int]seenAt{}
	for i, d := range c.Doors {
		base := "compartment#" + strconv.Itoa(i)
		header := v.pos.of(base)
		key := func(k string) string { return base + "." + k }
		// defined tells a key that is written from one left out; for the
		// inline-table form (no header line) it falls back to the zero value.
		defined := func(k string, zero bool) bool {
			if header == 0 {
				return !zero
			}
			return v.pos.of(key(k)) != 0
		}
		name := fmt.Sprintf("compartment #%d", i+1)
		if d.ID != "" {
			name = fmt.Sprintf("compartment %q", d.ID)
		}
		missing := func(k string) { v.errorf(key(k), base, "%s: missing required key %q", name, k) }
		lineOf := func(k string) int {
			if n := v.pos.of(key(k)); n != 0 {
				return n
			}
			return header
		}

		switch {
		case !defined("id", d.ID == "") || d.ID == "":
			missing("id")
		case !idRE.MatchString(d.ID):
			v.errorf(key("id"), base, "%s: id: use only letters, digits, '-' and '_'", name)
		default:
			up := strings.ToUpper(d.ID)
			if prev, ok := ids[up]; ok {
				v.errorf(key("id"), base, "%s: duplicate id, already used by compartment %q on line %d", name, prev.id, prev.line)
			} else {
				ids[up] = seenAt{d.ID, lineOf("id")}
			}
		}
		if !defined("size", d.Size == "") {
			missing("size")
		} else if _, err := locker.ParseSize(d.Size); err != nil {
			v.errorf(key("size"), base, "%s: unknown size %q (want XS, S, M, L or XL)", name, d.Size)
		}
		boardOK, lockOK := true, true
		if !defined("board", false) {
			missing("board")
			boardOK = false
		} else if haveRange && (d.Board < r.boardMin || d.Board > r.boardMax) {
			v.errorf(key("board"), base, "%s: board %d out of range %d-%d for %s", name, d.Board, r.boardMin, r.boardMax, proto)
			boardOK = false
		} else if len(c.Lockboard.Boards) > 0 && !slices.Contains(c.Lockboard.Boards, d.Board) {
			v.errorf(key("board"), base, "%s: board %d is not in lockboard.boards", name, d.Board)
		}
		if !defined("lock", d.Lock == 0) {
			missing("lock")
			lockOK = false
		} else if haveRange && (d.Lock < r.lockMin || d.Lock > r.lockMax) {
			v.errorf(key("lock"), base, "%s: lock %d out of range %d-%d for %s (the connector number printed on the board)", name, d.Lock, r.lockMin, r.lockMax, proto)
			lockOK = false
		}
		if boardOK && lockOK {
			a := locker.LockAddr{Board: d.Board, Lock: d.Lock}
			if prev, ok := addrs[a]; ok {
				v.errorf(key("lock"), base, "%s: board %d lock %d is already used by compartment %q on line %d", name, d.Board, d.Lock, prev.id, prev.line)
			} else {
				addrs[a] = seenAt{d.ID, lineOf("lock")}
			}
		}
		cellOK := true
		for _, f := range []struct {
			k string
			n int
		}{{"column", d.Column}, {"row", d.Row}} {
			switch {
			case !defined(f.k, f.n == 0):
				missing(f.k)
				cellOK = false
			case f.n < 1:
				v.errorf(key(f.k), base, "%s: %s %d: want 1 or more", name, f.k, f.n)
				cellOK = false
			}
		}
		if cellOK {
			cell := [2]int{d.Column, d.Row}
			if prev, ok := cells[cell]; ok {
				v.errorf(key("row"), base, "%s: column %d row %d is already taken by compartment %q on line %d", name, d.Column, d.Row, prev.id, prev.line)
			} else {
				cells[cell] = seenAt{d.ID, lineOf("row")}
			}
		}
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
