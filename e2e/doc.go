// Package e2e holds the end-to-end tests and the whole-system trial of the
// kiosk: the real kiosk binary under Xvfb, the locksim lock-bank simulator
// on a pseudo-terminal, a real nats-server with JetStream, a serial barcode
// scanner on a pseudo-terminal and xdotool for taps and typing.
//
// The package has no code outside its tests. Run it with
//
//	go test ./e2e                                      short form (a few minutes)
//	TRIAL=full go test ./e2e -run Trial -timeout 60m   the full trial and chaos run
//
// The tests skip when Xvfb or xdotool is missing.
package e2e
