// Package uplink connects the kiosk to its operator over NATS: a relay that
// publishes the store's outbox to JetStream, request/reply command handlers,
// a periodic status heartbeat, and an embedded loopback nats-server for the
// demo and the tests.
//
// Subjects (see DESIGN.md):
//
//	locker.<site>.<kiosk>.evt.<type>   events (JetStream stream LOCKER_EVENTS)
//	locker.<site>.<kiosk>.cmd.<name>   commands (request/reply, core NATS)
//	locker.<site>.<kiosk>.status       heartbeat (core NATS)
package uplink

import (
	"errors"
	"fmt"
	"strings"
)

// StreamName is the JetStream stream that holds every kiosk's events.
const StreamName = "LOCKER_EVENTS"

// StreamSubjects is the subject filter of StreamName.
const StreamSubjects = "locker.*.*.evt.>"

// Sentinel errors of the package.
var (
	// ErrNoStream reports that the events stream does not exist and the
	// relay is not allowed to create it.
	ErrNoStream = errors.New("uplink: stream " + StreamName + " does not exist")
	// ErrBadID reports a site or kiosk id that is not a single NATS token.
	ErrBadID = errors.New("uplink: site and kiosk ids must be non-empty tokens without '.', '*', '>' or spaces")
)

// Subjects builds the subjects of one kiosk.
type Subjects struct {
	Site, Kiosk string
}

// Validate reports whether the site and kiosk ids are usable as subject
// tokens.
func (s Subjects) Validate() error {
	for _, id := range []string{s.Site, s.Kiosk} {
		if !validToken(id) {
			return fmt.Errorf("%w: %q", ErrBadID, id)
		}
	}
	return nil
}

// validToken reports whether t is a non-empty subject token without
// wildcards, separators or white space.
func validToken(t string) bool {
	if t == "" {
		return false
	}
	return !strings.ContainsAny(t, ".*> \t\r\n")
}

func (s Subjects) prefix() string { return "locker." + s.Site + "." + s.Kiosk }

// Event returns the subject of an event of type typ.
func (s Subjects) Event(typ string) string { return s.prefix() + ".evt." + typ }

// Events returns the wildcard of every event of the kiosk.
func (s Subjects) Events() string { return s.prefix() + ".evt.>" }

// Command returns the subject of command name.
func (s Subjects) Command(name string) string { return s.prefix() + ".cmd." + name }

// Commands returns the wildcard of every command of the kiosk. Command names
// contain dots ("parcel.expect"), so this is a full wildcard.
func (s Subjects) Commands() string { return s.prefix() + ".cmd.>" }

// Status returns the heartbeat subject.
func (s Subjects) Status() string { return s.prefix() + ".status" }

// Inbox returns the reply-inbox prefix of the kiosk, so that a fleet server
// can let each kiosk subscribe only to its own replies.
func (s Subjects) Inbox() string { return "_INBOX_" + s.Site + "_" + s.Kiosk }
