package assets

import "embed"

// demoFS holds the demo's configuration and sample data.
//
//go:embed demo/*
var demoFS embed.FS

// DemoConfig returns the kiosk configuration used by `kiosk --demo`: a bank
// of 24 compartments on two simulated Kerong boards.
func DemoConfig() []byte { return mustRead("demo/kiosk.toml") }

// DemoDirectory returns the demo building's directory as JSON, in the shape
// of the directory.upsert command: {"recipients": [...]}.
func DemoDirectory() []byte { return mustRead("demo/directory.json") }

// DemoPeople returns the demo couriers and staff as JSON: {"couriers":
// [{"id","carrier","name","code"}], "staff": [{"id","name","pin","totp_secret"}],
// "expected": [{"barcode","carrier","recipient_id","size"}]}.
func DemoPeople() []byte { return mustRead("demo/people.json") }

func mustRead(name string) []byte {
	b, err := demoFS.ReadFile(name)
	if err != nil {
		// The files are embedded at build time; a missing one is a build bug.
		panic("assets: missing embedded file " + name)
	}
	return b
}
