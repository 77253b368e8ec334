// Package config loads and validates the kiosk's TOML configuration and
// builds its structured logger.
//
// Load and Parse apply the defaults documented in
// packaging/kiosk.example.toml, then check the whole file and report every
// problem found, each with the line it is on.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/parcelkiosk/locker"
)

// Lock-board protocols accepted in [lockboard] protocol.
const (
	ProtocolKerong = "kerong-cu16"
	ProtocolGen8A  = "gen8a"
	ProtocolSim    = "sim"
)

// DefaultHIDGlob is the default [scanner] hid pattern: every USB keyboard-like
// device, which is how HID barcode scanners present themselves.
const DefaultHIDGlob = "/dev/input/by-id/*-event-kbd"

// Config is the whole kiosk configuration. Durations are written in the
// file as strings such as "72h" or "250ms".
type Config struct {
	Site    string        `toml:"site"`     // operator's site id; required
	Kiosk   string        `toml:"kiosk"`    // this kiosk's id, unique in the site; required
	DataDir string        `toml:"data_dir"` // default /var/lib/parcelkiosk
	Expiry  time.Duration `toml:"expiry"`   // how long a parcel waits for pickup; default 72h
	// KeyFile holds the kiosk's key outside the database; default
	// data_dir/kiosk.key. Back it up apart from the database.
	KeyFile   string `toml:"key_file"`
	PINDigits int    `toml:"pin_digits"` // length of new recipient PINs, 6 to 10; default 8
	// ExpiryReminder is how long before its expiry a parcel's one
	// parcel.expiring event is sent; default 24h; "0s": none.
	ExpiryReminder time.Duration `toml:"expiry_reminder"`
	// MaxExtension caps the total extension parcel.extend may give one
	// parcel; default 168h (7 days); "0s": parcels are never extended.
	MaxExtension time.Duration `toml:"max_extension"`

	Screen    Screen    `toml:"screen"`
	Log       Log       `toml:"log"`
	Lockboard Lockboard `toml:"lockboard"`
	Uplink    Uplink    `toml:"uplink"`
	Scanner   Scanner   `toml:"scanner"`
	Returns   Returns   `toml:"returns"`     // returns dropped off by residents (returns.go)
	Doors     []Door    `toml:"compartment"` // the [[compartment]] tables, in file order

	// File is the name the configuration was read from (for messages).
	File string `toml:"-"`
	// Warnings are problems that do not stop the kiosk, such as a lock-bus
	// device that is not plugged in yet (the kiosk waits for it).
	Warnings Errors `toml:"-"`
}

// Screen holds the [screen] settings of the touchscreen UI.
type Screen struct {
	IdleTimeout time.Duration `toml:"idle_timeout"` // back to the start screen after no touch; default 60s
	Language    string        `toml:"language"`     // default "en"
	Portrait    bool          `toml:"portrait"`     // default false
	Fullscreen  bool          `toml:"fullscreen"`   // default true
	// SupportContact is the site's support contact the Help card shows,
	// such as "Building office, +1 555 0100, 8:00-18:00"; default none.
	SupportContact string `toml:"support_contact"`
	// SupportURL is a web page or tel: link the Help card shows as a QR
	// code; default none.
	SupportURL string `toml:"support_url"`
	// Speech speaks each screen's instruction and each digit typed in the
	// larger-text mode: "" (default, none) or "espeak-ng".
	Speech string `toml:"speech"`
	// SpeechDir, with speech set, writes each utterance as a WAV file in
	// this directory instead of playing it (for tests and for checking a
	// kiosk without loudspeakers); default "" (play it).
	SpeechDir string `toml:"speech_dir"`
}

// Log holds the [log] settings.
type Log struct {
	Format string `toml:"format"` // "json" (default) or "text"
	Level  string `toml:"level"`  // "debug", "info" (default), "warn" or "error"
}

// Lockboard holds the [lockboard] settings: the lock boards' serial bus.
type Lockboard struct {
	Protocol        string        `toml:"protocol"`          // kerong-cu16 | gen8a | sim; required
	SimProtocol     string        `toml:"sim_protocol"`      // protocol the simulator speaks with protocol = "sim"; default kerong-cu16
	Port            string        `toml:"port"`              // serial device; required unless sim
	Baud            int           `toml:"baud"`              // default 19200 for kerong-cu16, 9600 for gen8a
	SensorClosedBit int           `toml:"sensor_closed_bit"` // 1 (default): sensor bit set = door closed; 0: the opposite
	UnlockGap       time.Duration `toml:"unlock_gap"`        // pause between two unlocks on the bus; default 100ms, at least 10ms
	ReplyTimeout    time.Duration `toml:"reply_timeout"`     // wait for a board's reply; default 200ms
	Retries         int           `toml:"retries"`           // resends after a missing reply; default 2; 0: none (lockio.Options wants -1 for none)
	PollFast        time.Duration `toml:"poll_fast"`         // sensor poll period while a door is open or just unlocked; default 100ms
	PollIdle        time.Duration `toml:"poll_idle"`         // sensor poll period otherwise; default 1s
	LeftOpenAfter   time.Duration `toml:"left_open_after"`   // door.left_open after this long open; default 1m
	JamAfter        time.Duration `toml:"jam_after"`         // door.jammed when an unlocked door has not opened after this; default 10s
	Boards          []int         `toml:"boards"`            // board addresses to poll; default: every board used by a compartment
	// ItemSensors says the boards have item (infrared) sensors fitted and
	// wired (kerong-cu16 only): a deposit door closed empty and a pickup
	// door closed with something inside are questioned. Default false.
	ItemSensors bool `toml:"item_sensors"`
}

// Uplink holds the [uplink] settings: the NATS connection to the operator.
type Uplink struct {
	URL       string        `toml:"url"`       // nats://, tls://, ws:// or wss:// URL; empty: no uplink (events wait in the outbox)
	Creds     string        `toml:"creds"`     // NATS .creds file (JWT + NKey); empty: none
	TLSCA     string        `toml:"tls_ca"`    // PEM file of the CA that signed the server's certificate; empty: system roots
	Heartbeat time.Duration `toml:"heartbeat"` // status heartbeat period; default 30s
	// OperatorKeys are the public nkeys (O..., A... or U...) one of which
	// must sign every privileged command; empty: commands are trusted as
	// the NATS account that may publish them.
	OperatorKeys []string `toml:"operator_keys"`
	// NotifyKey is the public curve key (X...) of the operator's
	// notification service: pickup PINs and QR codes are sealed to it.
	NotifyKey string `toml:"notify_key"`
	// Insecure allows a plaintext nats:// or ws:// URL to a host other
	// than loopback.
	Insecure bool `toml:"insecure"`
}

// Scanner holds the [scanner] settings: where barcodes come from.
type Scanner struct {
	HID         []string `toml:"hid"`          // evdev device paths or globs; default [DefaultHIDGlob]
	Serial      []string `toml:"serial"`       // serial scanner ports; default none
	SerialBaud  int      `toml:"serial_baud"`  // default 9600
	Camera      string   `toml:"camera"`       // V4L2 device such as /dev/video0; empty: no camera
	Wedge       bool     `toml:"wedge"`        // accept scanners that type like a keyboard into the UI; default true
	BadgePrefix string   `toml:"badge_prefix"` // scanned text starting with this is a courier badge; default "BADGE:"
	PhotoDays   int      `toml:"photo_days"`   // with a camera: keep the photo taken at each door opening this many days; 0: take none; default 30
}

// Door is one [[compartment]] table.
type Door struct {
	ID           string `toml:"id"`           // label printed on the door; required, unique
	Size         string `toml:"size"`         // XS S M L XL; required
	Board        int    `toml:"board"`        // address set on the board's switches; required
	Lock         int    `toml:"lock"`         // connector number printed on the board, 1-based; required
	Column       int    `toml:"column"`       // 1 = leftmost; required
	Row          int    `toml:"row"`          // 1 = top; required
	Accessible   bool   `toml:"accessible"`   // within reach range; default false
	Refrigerated bool   `toml:"refrigerated"` // default false
}

// Defaults returns a Config holding every default and no compartments.
func Defaults() Config {
	return Config{
		DataDir:        "/var/lib/parcelkiosk",
		Expiry:         72 * time.Hour,
		PINDigits:      8,
		ExpiryReminder: 24 * time.Hour,
		MaxExtension:   7 * 24 * time.Hour,
		Screen: Screen{
			IdleTimeout: 60 * time.Second,
			Language:    "en",
			Fullscreen:  true,
		},
		Log: Log{Format: "json", Level: "info"},
		Lockboard: Lockboard{
			SimProtocol:     ProtocolKerong,
			SensorClosedBit: 1,
			UnlockGap:       100 * time.Millisecond,
			ReplyTimeout:    200 * time.Millisecond,
			Retries:         2,
			PollFast:        100 * time.Millisecond,
			PollIdle:        time.Second,
			LeftOpenAfter:   time.Minute,
			JamAfter:        10 * time.Second,
		},
		Uplink: Uplink{Heartbeat: 30 * time.Second},
		Scanner: Scanner{
			HID:         []string{DefaultHIDGlob},
			SerialBaud:  9600,
			Wedge:       true,
			BadgePrefix: "BADGE:",
			PhotoDays:   30,
		},
		Returns: Returns{Overdue: DefaultReturnsOverdue, DeliveryShare: DefaultReturnsDeliveryShare},
	}
}

// DefaultBaud returns the default baud rate of a lock-board protocol, or 0
// for an unknown one.
func DefaultBaud(protocol string) int {
	switch protocol {
	case ProtocolKerong:
		return 19200
	case ProtocolGen8A:
		return 9600
	}
	return 0
}

// ErrInvalid is matched (errors.Is) by every validation problem.
var ErrInvalid = errors.New("config: invalid configuration")

// Error is one problem in a configuration file.
type Error struct {
	File string // file name as given to Parse or Load
	Line int    // 1-based; 0 when the problem has no single line
	Key  string // dotted key, e.g. "lockboard.port" or "compartment[3].lock"
	Msg  string
}

// Error formats the problem as "config: FILE:LINE: MSG".
func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("config: %s: %s", loc, e.Msg)
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Errors is every problem found in one file, in line order.
type Errors []*Error

// Error joins the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.As finds the first *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Options tunes Parse and Load. The zero value is what the kiosk uses.
type Options struct {
	// Stat checks that a device or file named in the configuration exists.
	// Default os.Stat. Tests and the example-config check replace it.
	Stat func(name string) (fs.FileInfo, error)
}

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) { return LoadWith(path, Options{}) }

// LoadWith is Load with options.
func LoadWith(path string, o Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseWith(data, path, o)
}

// Parse decodes and validates a configuration; name is used in messages.
// The error, if any, is an Errors listing every problem with its line,
// except for TOML syntax and type errors, which stop the parse and are
// reported alone (also as Errors with the line).
func Parse(data []byte, name string) (*Config, error) { return ParseWith(data, name, Options{}) }

// ParseWith is Parse with options.
func ParseWith(data []byte, name string, o Options) (*Config, error) {
	if o.Stat == nil {
		o.Stat = os.Stat
	}
	c := Defaults()
	c.File = name
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return nil, Errors{decodeError(err, name, string(data))}
	}
	if len(c.Scanner.Serial) == 0 {
		c.Scanner.Serial = nil
	}
	if len(c.Uplink.OperatorKeys) == 0 {
		c.Uplink.OperatorKeys = nil
	}
	if len(c.Lockboard.Boards) == 0 {
		c.Lockboard.Boards = nil
	}
	v := validator{cfg: &c, md: md, pos: scanPositions(string(data)), stat: o.Stat}
	v.run()
	if len(v.errs) > 0 {
		slices.SortStableFunc(v.errs, func(a, b *Error) int { return a.Line - b.Line })
		return nil, v.errs
	}
	c.Warnings = v.warns
	return &c, nil
}

// typeErrRE parses the type errors of BurntSushi/toml, which are not
// ParseErrors: `toml: line 13 (last key "compartment.lock"): incompatible types: ...`.
var typeErrRE = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)$`)

// decodeError turns a TOML syntax or type error into an *Error with the
// line. BurntSushi/toml gives the line of the last element of an array of
// tables for a bad value in any element, so for [[compartment]] keys the
// line is found again by decoding each candidate line alone.
func decodeError(err error, name, src string) *Error {
	e := &Error{File: name, Msg: err.Error()}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		e.Line, e.Key, e.Msg = pe.Position.Line, pe.LastKey, pe.Message
	} else if m := typeErrRE.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Key, e.Msg = m[2], m[3]
	}
	if strings.HasPrefix(e.Key, "compartment.") {
		lines := strings.Split(src, "\n")
		for _, n := range scanPositions(src).plain[e.Key] {
			var d Door
			if _, err := toml.Decode(lines[n-1], &d); err != nil {
				e.Line = n
				break
			}
		}
	}
	return e
}

// Check loads the configuration file at path and returns every problem
// found, joined, or nil. Warnings do not make it fail.
func Check(path string) error {
	_, err := CheckWarn(path)
	return err
}

// CheckWarn is Check that also returns the warnings (with their lines) of
// a valid file. It is what `kiosk --check-config FILE` runs.
func CheckWarn(path string) (Errors, error) {
	c, err := Load(path)
	if err != nil {
		return nil, err
	}
	return c.Warnings, nil
}

// Compartments returns the configured compartments as domain values:
// available, door state unknown until the bus reports.
func (c *Config) Compartments() []locker.Compartment {
	out := make([]locker.Compartment, 0, len(c.Doors))
	for _, d := range c.Doors {
		z, _ := locker.ParseSize(d.Size) // validated by Parse
		out = append(out, locker.Compartment{
			ID:           d.ID,
			Size:         z,
			Addr:         locker.LockAddr{Board: d.Board, Lock: d.Lock},
			Column:       d.Column,
			Row:          d.Row,
			Accessible:   d.Accessible,
			Refrigerated: d.Refrigerated,
			Status:       locker.StatusAvailable,
			Door:         locker.DoorUnknown,
		})
	}
	return out
}

// Boards returns the board addresses to poll: [lockboard] boards if set,
// otherwise every board a compartment uses, ascending.
func (c *Config) Boards() []int {
	if len(c.Lockboard.Boards) > 0 {
		return slices.Clone(c.Lockboard.Boards)
	}
	var out []int
	for _, d := range c.Doors {
		if !slices.Contains(out, d.Board) {
			out = append(out, d.Board)
		}
	}
	slices.Sort(out)
	return out
}

// BusProtocol returns the protocol spoken on the bus: Lockboard.Protocol, or
// Lockboard.SimProtocol when the protocol is "sim".
func (c *Config) BusProtocol() string {
	if c.Lockboard.Protocol == ProtocolSim {
		return c.Lockboard.SimProtocol
	}
	return c.Lockboard.Protocol
}
