// Package e2e holds the end-to-end tests and the whole-system trial of the
// kiosk: the real kiosk binary under Xvfb, the locksim lock-bank simulator
// on a pseudo-terminal, a real nats-server with JetStream, a serial barcode
// scanner on a pseudo-terminal, the keyboard-wedge scanner and the keypad
// driven with xdotool.
//
// The package has no code outside its tests. Run it with
//
//	go test ./e2e                                      short form (about 5 minutes)
//	TRIAL=full go test ./e2e -run Trial -timeout 60m   the full trial and chaos run
//
// Tests:
//
//   - TestDepositAndPickup: badge and pre-advised parcel scanned, doors open
//     with no tap; PIN typed on the keypad, QR scanned; a deposit through the
//     keyboard wedge; unlocks and events checked exactly.
//   - TestTrialDay: the scripted day of a 200-unit building (TRIAL=full: 300
//     deposits of which 10 by directory search, PIN and QR pickups, 10
//     expiries retrieved by staff, 5 doors jammed at pickup and 3 at
//     deposit (the kiosk must open another door), 3 forced doors, the
//     uplink down, the lock bus unplugged, 2 power cuts; short: 12
//     deposits, 2 expiries, one of each fault), then every check of issue 8.
//   - TestTrialChaos: random SIGKILLs during random flows (100 full, 5
//     short) with the stream, door and audit checks after each restart.
//   - TestSecurity, TestKeypadPathsSeparate: the security checks (the
//     brute-force figure is TestBruteForceFigure in the root package).
//   - TestScansGoWhereMeant (routing_test.go): a pickup QR and another
//     courier's badge in the middle of a deposit are answered in English and
//     Spanish and change nothing; the directory lists nobody before 2
//     characters and one page at most; after a deposit a resident's QR ends
//     the courier's visit (visit.finished with the receipt) and opens the
//     door, another courier's badge starts their visit; directory.delete
//     leaves the name in no file of the data directory.
//   - TestReturns: returns pre-advised over NATS, dropped off by code and
//     by label scan, collected by the courier's badge after a delivery;
//     events once and in order, doors as the simulator saw them.
//
// Taps find their button by label: the kiosk runs with --layout-map and
// rewrites, after every update, the screen's name and where each button is
// (ui.LayoutMap). A tap waits for its screen and label and taps once: the
// screens are built once and updated in place, so a button that stays on
// screen cannot lose a tap to an update. Set E2E_SHOTS=DIR to keep every screenshot and the kiosk's
// and locksim's output there. The tests skip when Xvfb or xdotool is
// missing.
package e2e
