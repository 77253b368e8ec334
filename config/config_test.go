package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// fakeStat says that only the names in exists exist.
func fakeStat(exists ...string) func(string) (fs.FileInfo, error) {
	return func(name string) (fs.FileInfo, error) {
		for _, e := range exists {
			if e == name {
				return nil, nil
			}
		}
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
}

var testOpts = Options{Stat: fakeStat("/dev/ttyUSB0", "/dev/locker-bus")}

const examplePath = "../packaging/kiosk.example.toml"

func TestExampleConfigLoads(t *testing.T) {
	c, err := LoadWith(examplePath, testOpts)
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if c.Site != "demo" || c.Kiosk != "k1" || c.Lockboard.Protocol != ProtocolKerong || c.Lockboard.Baud != 19200 {
		t.Errorf("example config decoded wrong: %+v", c)
	}
	if got := len(c.Compartments()); got != 6 {
		t.Errorf("example config has %d compartments, want 6", got)
	}
	if got, want := c.Boards(), []int{0}; !reflect.DeepEqual(got, want) {
		t.Errorf("Boards() = %v, want %v", got, want)
	}
}

func TestExampleConfigWarnsWithoutPort(t *testing.T) {
	c, err := LoadWith(examplePath, Options{Stat: fakeStat()})
	if err != nil {
		t.Fatalf("example config without the device: %v (an absent device is a warning)", err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Msg, `port "/dev/locker-bus" does not exist`) || c.Warnings[0].Line == 0 {
		t.Fatalf("warnings = %v, want one missing-port warning with its line", c.Warnings)
	}
}

// commentedKey matches a commented-out setting such as `# retries = 2`.
var commentedKey = regexp.MustCompile(`(?m)^# ([a-z_]+ = )`)

// TestExampleDocumentsDefaults checks the values written in the example are
// the defaults: uncommenting its commented-out settings changes nothing, and
// a file with only the required keys decodes to the same settings.
func TestExampleDocumentsDefaults(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	example, err := ParseWith(data, "example", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	uncommented := commentedKey.ReplaceAll(data, []byte("$1"))
	if string(uncommented) == string(data) {
		t.Fatal("the example has no commented-out settings; update this test")
	}
	// boards is an example list, not a default.
	uncommented = regexp.MustCompile(`(?m)^boards = .*$`).ReplaceAll(uncommented, nil)
	full, err := ParseWith(uncommented, "uncommented", testOpts)
	if err != nil {
		t.Fatalf("example with settings uncommented: %v", err)
	}
	full.File = example.File
	if !reflect.DeepEqual(full, example) {
		t.Errorf("uncommented example differs:\n got %+v\nwant %+v", full, example)
	}

	minimal := `site = "demo"
kiosk = "k1"
[lockboard]
protocol = "kerong-cu16"
port = "/dev/locker-bus"
[[compartment]]
id = "A1"
size = "S"
board = 0
lock = 1
column = 1
row = 1
`
	m, err := ParseWith([]byte(minimal), "minimal", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	m.Uplink.URL = example.Uplink.URL // the example shows a URL; the default is none
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"data_dir", m.DataDir, example.DataDir},
		{"expiry", m.Expiry, example.Expiry},
		{"[screen]", m.Screen, example.Screen},
		{"[log]", m.Log, example.Log},
		{"[lockboard] baud", m.Lockboard.Baud, example.Lockboard.Baud},
		{"[lockboard] sensor_closed_bit", m.Lockboard.SensorClosedBit, example.Lockboard.SensorClosedBit},
		{"[uplink]", m.Uplink, example.Uplink},
		{"[scanner]", m.Scanner, example.Scanner},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s: default %+v, example says %+v", f.name, f.got, f.want)
		}
	}
	if m.Expiry != 72*time.Hour {
		t.Errorf("default expiry %v, want 72h", m.Expiry)
	}
}

func TestDefaultBaudPerProtocol(t *testing.T) {
	for _, tc := range []struct {
		proto, extra string
		want         int
	}{
		{"kerong-cu16", "", 19200},
		{"gen8a", "", 9600},
		{"sim", "", 19200},
		{"sim", `sim_protocol = "gen8a"`, 9600},
		{"gen8a", "baud = 19200", 19200},
	} {
		t.Run(tc.proto+tc.extra, func(t *testing.T) {
			src := "site = \"s\"\nkiosk = \"k\"\n[lockboard]\nprotocol = \"" + tc.proto + "\"\nport = \"/dev/ttyUSB0\"\n" + tc.extra +
				"\n[[compartment]]\nid = \"A1\"\nsize = \"S\"\nboard = 1\nlock = 1\ncolumn = 1\nrow = 1\n"
			c, err := ParseWith([]byte(src), "t.toml", testOpts)
			if err != nil {
				t.Fatal(err)
			}
			if c.Lockboard.Baud != tc.want {
				t.Errorf("baud = %d, want %d", c.Lockboard.Baud, tc.want)
			}
		})
	}
}

func TestSimNeedsNoPort(t *testing.T) {
	src := "site = \"s\"\nkiosk = \"k\"\n[lockboard]\nprotocol = \"sim\"\n[[compartment]]\nid = \"A1\"\nsize = \"s\"\nboard = 0\nlock = 16\ncolumn = 1\nrow = 1\n"
	c, err := ParseWith([]byte(src), "t.toml", Options{Stat: fakeStat()})
	if err != nil {
		t.Fatal(err)
	}
	want := []locker.Compartment{{
		ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 16},
		Column: 1, Row: 1, Status: locker.StatusAvailable, Door: locker.DoorUnknown,
	}}
	if got := c.Compartments(); !reflect.DeepEqual(got, want) {
		t.Errorf("Compartments() = %+v, want %+v", got, want)
	}
	if c.BusProtocol() != ProtocolKerong {
		t.Errorf("BusProtocol() = %q, want kerong-cu16", c.BusProtocol())
	}
}

// base is a valid file; the cases below append to it or replace lines. Its
// line numbers are fixed: the header of the first [[compartment]] is line
// 9, its keys are lines 10-15; the second is lines 17-23.
const base = `site = "demo"
kiosk = "k1"

[lockboard]
protocol = "kerong-cu16"
port = "/dev/ttyUSB0"

# first door
[[compartment]]
id = "A1"
size = "S"
board = 0
lock = 1
column = 1
row = 1

[[compartment]]
id = "A2"
size = "M"
board = 0
lock = 2
column = 1
row = 2
`

// edit replaces whole lines of base (1-based line number -> new text).
func edit(repl map[int]string) string {
	lines := strings.Split(base, "\n")
	for n, s := range repl {
		lines[n-1] = s
	}
	return strings.Join(lines, "\n")
}

func TestBaseIsValid(t *testing.T) {
	if _, err := ParseWith([]byte(base), "kiosk.toml", testOpts); err != nil {
		t.Fatal(err)
	}
}

type wantErr struct {
	line int
	msg  string // substring of the message
}

func TestValidationErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []wantErr
	}{
		{"unknown top-level key", edit(map[int]string{3: `sitee = "x"`}),
			[]wantErr{{3, `unknown key "sitee" (did you mean "site"?)`}}},
		{"unknown key in compartment", edit(map[int]string{14: "colum = 1"}),
			[]wantErr{{9, `compartment "A1": missing required key "column"`}, {14, `unknown key "compartment.colum" (did you mean "column"?)`}}},
		{"unknown key in both compartments", edit(map[int]string{15: "row = 1\ncolour = \"red\"", 23: "row = 2\ncolour = \"blue\""}),
			[]wantErr{{16, `unknown key "compartment.colour"`}, {25, `unknown key "compartment.colour"`}}},
		{"negative photo_days", base + "\n[scanner]\nphoto_days = -1\n",
			[]wantErr{{26, `scanner.photo_days -1: want 0 (no photos) or more days`}}},
		{"unknown table", base + "\n[lockbord]\nport = \"x\"\n",
			[]wantErr{{25, `unknown key "lockbord" (did you mean "lockboard"?)`}}},
		{"unknown key in lockboard", edit(map[int]string{3: "[lockboard]", 4: "baudrate = 9600", 5: `protocol = "kerong-cu16"`}),
			[]wantErr{{4, `unknown key "lockboard.baudrate"`}}},
		{"duplicate id", edit(map[int]string{18: `id = "a1"`}),
			[]wantErr{{18, `compartment "a1": duplicate id, already used by compartment "A1" on line 10`}}},
		{"duplicate board/lock", edit(map[int]string{21: "lock = 1"}),
			[]wantErr{{21, `compartment "A2": board 0 lock 1 is already used by compartment "A1" on line 13`}}},
		{"duplicate column/row", edit(map[int]string{23: "row = 1"}),
			[]wantErr{{23, `compartment "A2": column 1 row 1 is already taken by compartment "A1" on line 15`}}},
		{"unknown size", edit(map[int]string{11: `size = "XXL"`}),
			[]wantErr{{11, `compartment "A1": unknown size "XXL"`}}},
		{"kerong lock out of range", edit(map[int]string{13: "lock = 17"}),
			[]wantErr{{13, `compartment "A1": lock 17 out of range 1-16 for kerong-cu16`}}},
		{"kerong lock zero", edit(map[int]string{13: "lock = 0"}),
			[]wantErr{{13, `compartment "A1": lock 0 out of range 1-16`}}},
		{"kerong board out of range", edit(map[int]string{12: "board = 16"}),
			[]wantErr{{12, `compartment "A1": board 16 out of range 0-15 for kerong-cu16`}}},
		{"gen8a board 0 out of range", edit(map[int]string{5: `protocol = "gen8a"`, 20: "board = 1"}),
			[]wantErr{{12, `compartment "A1": board 0 out of range 1-32 for gen8a`}}},
		{"gen8a lock 24 ok, 25 not", edit(map[int]string{5: `protocol = "gen8a"`, 12: "board = 32", 13: "lock = 24", 20: "board = 32", 21: "lock = 25"}),
			[]wantErr{{21, `compartment "A2": lock 25 out of range 1-24 for gen8a`}}},
		{"port missing", edit(map[int]string{6: ""}),
			[]wantErr{{4, `missing required key "lockboard.port"`}}},
		{"protocol missing", edit(map[int]string{5: ""}),
			[]wantErr{{4, `missing required key "lockboard.protocol"`}}},
		{"protocol unknown", edit(map[int]string{5: `protocol = "modbus"`}),
			[]wantErr{{5, `lockboard.protocol "modbus": want kerong-cu16, gen8a or sim`}}},
		{"site missing", edit(map[int]string{1: ""}),
			[]wantErr{{0, `missing required key "site"`}}},
		{"kiosk with a dot", edit(map[int]string{2: `kiosk = "k.1"`}),
			[]wantErr{{2, `kiosk "k.1": use only letters`}}},
		{"compartment keys missing", edit(map[int]string{10: "", 11: "", 14: ""}),
			[]wantErr{{9, `compartment #1: missing required key "id"`}, {9, `compartment #1: missing required key "size"`}, {9, `compartment #1: missing required key "column"`}}},
		{"board missing", edit(map[int]string{12: ""}),
			[]wantErr{{9, `compartment "A1": missing required key "board"`}}},
		{"no compartments", base[:strings.Index(base, "# first door")],
			[]wantErr{{0, `no [[compartment]] tables`}}},
		{"baud not standard", edit(map[int]string{3: "[lockboard]", 4: "baud = 12345", 5: `protocol = "kerong-cu16"`}),
			[]wantErr{{4, `lockboard.baud 12345 is not a standard rate`}}},
		{"sensor bit", edit(map[int]string{3: "[lockboard]", 4: "sensor_closed_bit = 2", 5: `protocol = "kerong-cu16"`}),
			[]wantErr{{4, `lockboard.sensor_closed_bit 2: want 0 or 1`}}},
		{"item sensors on gen8a", edit(map[int]string{3: "[lockboard]", 4: "item_sensors = true", 5: `protocol = "gen8a"`, 12: "board = 1", 20: "board = 1"}),
			[]wantErr{{4, `lockboard.item_sensors: gen8a boards have no item sensor`}}},
		{"duration as integer", "expiry = 72\n" + base,
			[]wantErr{{1, `expiry: write durations as a string such as "30s"`}}},
		{"duration too short", "expiry = \"1s\"\n" + base,
			[]wantErr{{1, `expiry = "1s" is too short (at least 1m0s)`}}},
		{"board not in boards list", edit(map[int]string{3: "[lockboard]", 4: "boards = [1]", 5: `protocol = "kerong-cu16"`}),
			[]wantErr{{12, `compartment "A1": board 0 is not in lockboard.boards`}, {20, `compartment "A2": board 0 is not in lockboard.boards`}}},
		{"uplink url scheme", base + "[uplink]\nurl = \"http://x:4222\"\n",
			[]wantErr{{25, `uplink.url "http://x:4222": want a nats://`}}},
		{"creds file missing", base + "[uplink]\nurl = \"tls://x:4222\"\ncreds = \"/etc/parcelkiosk/k.creds\"\n",
			[]wantErr{{26, `creds file "/etc/parcelkiosk/k.creds" does not exist`}}},
		{"plaintext uplink", base + "[uplink]\nurl = \"nats://nats.example.com:4222\"\n",
			[]wantErr{{25, `uplink.url "nats://nats.example.com:4222" is not encrypted`}}},
		{"plaintext websocket", base + "[uplink]\nurl = \"wss://a.example.com, ws://b.example.com\"\n",
			[]wantErr{{25, `uplink.url " ws://b.example.com" is not encrypted`}}},
		{"operator key", base + "[uplink]\nurl = \"tls://x:4222\"\noperator_keys = [\"" + testUserPub + "\", \"SUAM\"]\n",
			[]wantErr{{26, `uplink.operator_keys[1] "SUAM": want a public nkey`}}},
		{"notify key", base + "[uplink]\nurl = \"tls://x:4222\"\nnotify_key = \"" + testUserPub + "\"\n",
			[]wantErr{{26, `uplink.notify_key "` + testUserPub + `": want a public curve key`}}},
		{"log level", base + "[log]\nlevel = \"loud\"\n",
			[]wantErr{{25, `log.level "loud": want debug, info, warn or error`}}},
		{"several problems at once", edit(map[int]string{6: `port = "/dev/nope"`, 11: `size = "huge"`, 18: `id = "A1"`, 21: "lock = 99"}),
			[]wantErr{
				{11, `unknown size "huge"`},
				{18, `duplicate id, already used by compartment "A1" on line 10`},
				{21, `lock 99 out of range 1-16`},
			}},
		{"syntax error", edit(map[int]string{13: "lock = = 1"}),
			[]wantErr{{13, `expected value but found`}}},
		{"type error", edit(map[int]string{13: `lock = "one"`}),
			[]wantErr{{13, `incompatible types`}}},
		{"type error in the second compartment", edit(map[int]string{21: `lock = "two"`}),
			[]wantErr{{21, `incompatible types`}}},
		{"bad duration", "site = \"s\"\nexpiry = \"3 days\"\n",
			[]wantErr{{2, `invalid duration: "3 days"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWith([]byte(tc.src), "kiosk.toml", testOpts)
			if err == nil {
				t.Fatalf("no error; want %v", tc.want)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not Errors: %v", err, err)
			}
			if len(es) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(es), len(tc.want), err)
			}
			for i, w := range tc.want {
				if i >= len(es) {
					break
				}
				if es[i].Line != w.line || !strings.Contains(es[i].Msg, w.msg) {
					t.Errorf("problem %d = line %d %q, want line %d containing %q", i, es[i].Line, es[i].Msg, w.line, w.msg)
				}
				prefix := "config: kiosk.toml"
				if w.line > 0 {
					prefix += ":" + strconv.Itoa(w.line)
				}
				if !strings.HasPrefix(es[i].Error(), prefix+": ") {
					t.Errorf("Error() = %q, want prefix %q", es[i].Error(), prefix)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	src := strings.Replace(base, `protocol = "kerong-cu16"`+"\nport = \"/dev/ttyUSB0\"", `protocol = "sim"`, 1)
	if err := os.WriteFile(good, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(good); err != nil {
		t.Errorf("Check(good) = %v", err)
	}
	bad := filepath.Join(dir, "bad.toml")
	src = strings.Replace(src, `size = "S"`, `size = "Q"`, 1)
	src = strings.Replace(src, `lock = 2`, `lock = 20`, 1)
	if err := os.WriteFile(bad, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Check(bad)
	if err == nil {
		t.Fatal("Check(bad) = nil")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `bad.toml:10: compartment "A1": unknown size "Q"`) ||
		!strings.Contains(lines[1], `bad.toml:20: compartment "A2": lock 20 out of range 1-16`) {
		t.Errorf("Check(bad) =\n%v", err)
	}
	if err := Check(filepath.Join(dir, "none.toml")); err == nil || errors.Is(err, ErrInvalid) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Check(missing file) = %v, want a not-exist error", err)
	}
}

func TestPositions(t *testing.T) {
	src := `a = 1 # [not.a.table]
"quoted.key" = 2
b = """
x = 3
[nope]
"""
list = [
  1,
  2, # ]
]
[t]
c.d = 4
[[arr]]
e = 5
[[arr]]
e = 6
'lit' = 7
`
	p := scanPositions(src)
	for key, want := range map[string]int{
		"a": 1, "quoted.key": 2, "b": 3, "x": 0, "nope": 0, "list": 7,
		"t": 11, "t.c.d": 12, "arr#0": 13, "arr#0.e": 14, "arr#1": 15, "arr#1.e": 16, "arr#1.lit": 17,
	} {
		if got := p.of(key); got != want {
			t.Errorf("line of %q = %d, want %d", key, got, want)
		}
	}
	if got := p.plain["arr.e"]; !reflect.DeepEqual(got, []int{14, 16}) {
		t.Errorf("lines of arr.e = %v, want [14 16]", got)
	}
}

// TestPositionsHardCases covers what a line scanner gets wrong: quoted
// keys and headers with dots and brackets, literal multi-line strings that
// hold table headers, inline tables (also over several lines inside an
// array) and a header with spaces.
func TestPositionsHardCases(t *testing.T) {
	src := `s = '''
[[compartment]]
lock = 9
'''
[ "lock.board" ]
"a]b" = 1
site.'x.y' = 2
inline = { port = "/dev/x", nested = { baud = 9600 } }
[[ compartment ]]
id = "A1"
list = [
  { k = 1 },
  "]",
]
[[compartment]]
id = "A2" # [[compartment]]
`
	p := scanPositions(src)
	for key, want := range map[string]int{
		"s": 1, "compartment#0": 9, "compartment#0.id": 10, "compartment#0.list": 11,
		"compartment#1": 15, "compartment#1.id": 16, "compartment#2": 0,
		"lock.board": 5, "lock.board.a]b": 6, "lock.board.site.x.y": 7,
		"lock.board.inline": 8, "lock.board.inline.port": 8, "lock.board.inline.nested.baud": 8,
	} {
		if got := p.of(key); got != want {
			t.Errorf("line of %q = %d, want %d", key, got, want)
		}
	}
	if got := p.plain["compartment.id"]; !reflect.DeepEqual(got, []int{10, 16}) {
		t.Errorf("lines of compartment.id = %v, want [10 16]", got)
	}
	// A syntax error keeps the keys before it.
	p = scanPositions("a = 1\nb = = 2\n")
	if p.of("a") != 1 || p.of("b") != 0 {
		t.Errorf("after a syntax error: a at %d, b at %d; want 1 and 0", p.of("a"), p.of("b"))
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(base))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseWith(b, "fuzz.toml", testOpts)
		if err == nil {
			if len(c.Compartments()) == 0 {
				t.Fatal("valid config with no compartments")
			}
			return
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %T is not a non-empty Errors: %v", err, err)
		}
		lines := strings.Count(string(b), "\n") + 1
		for _, e := range es {
			if e.Line < 0 || e.Line > lines {
				t.Fatalf("line %d outside the file (%d lines): %v", e.Line, lines, e)
			}
		}
	})
}

// TestDemoConfigLoads checks the demo bank that `kiosk --demo` embeds.
func TestDemoConfigLoads(t *testing.T) {
	data, err := os.ReadFile("../assets/demo/kiosk.toml")
	if err != nil {
		t.Skipf("no demo config yet: %v", err)
	}
	c, err := ParseWith(data, "assets/demo/kiosk.toml", Options{Stat: fakeStat()})
	if err != nil {
		t.Fatal(err)
	}
	if c.Lockboard.Protocol != ProtocolSim || len(c.Compartments()) == 0 {
		t.Errorf("demo config: protocol %q, %d compartments", c.Lockboard.Protocol, len(c.Compartments()))
	}
}
