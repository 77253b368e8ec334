package uplink

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configures StartEmbedded.
type EmbeddedOptions struct {
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// StoreDir is where JetStream keeps its files (the kiosk's data dir in
	// the demo). Required: reusing it keeps the stream across restarts.
	StoreDir string
	// ServerName names the server; default "parcelkiosk-embedded".
	ServerName string
	// Users, when set, turns authentication on: only these users may
	// connect, with the permissions KioskPermissions gives (or full access
	// for a user with an empty Site).
	Users []EmbeddedUser
	// ReadyTimeout bounds the wait for the server to accept clients;
	// default 10s.
	ReadyTimeout time.Duration
}

// EmbeddedUser is one user of an embedded server.
type EmbeddedUser struct {
	Name, Password string
	// Site and Kiosk confine the user to one kiosk's subjects (the fleet
	// permissions). Empty Site means an operator with full access.
	Site, Kiosk string
}

// Embedded is a nats-server with JetStream running inside this process,
// listening on the loopback interface only.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a loopback-only nats-server with JetStream on disk
// in o.StoreDir and waits until it accepts clients.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.StoreDir == "" {
		return nil, errors.New("uplink: embedded server: StoreDir is required")
	}
	port := o.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	name := o.ServerName
	if name == "" {
		name = "parcelkiosk-embedded"
	}
	opts := &server.Options{
		ServerName: name,
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true,
		NoLog:      true,
		// No HTTP monitoring, no cluster, no leafnodes: loopback clients only.
	}
	for _, u := range o.Users {
		su := &server.User{Username: u.Name, Password: u.Password}
		if u.Site != "" {
			perms, err := KioskPermissions(u.Site, u.Kiosk)
			if err != nil {
				return nil, err
			}
			su.Permissions = perms
		}
		opts.Users = append(opts.Users, su)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("uplink: embedded server: %w", err)
	}
	srv.Start()
	wait := o.ReadyTimeout
	if wait <= 0 {
		wait = 10 * time.Second
	}
	if !srv.ReadyForConnections(wait) {
		srv.Shutdown()
		return nil, fmt.Errorf("uplink: embedded server not ready after %v", wait)
	}
	return &Embedded{srv: srv}, nil
}

// URL returns the client URL, e.g. nats://127.0.0.1:4222.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Port returns the TCP port the server listens on.
func (e *Embedded) Port() int {
	if a, ok := e.srv.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// Shutdown stops the server and waits until it is down. Its store stays on
// disk.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// KioskPermissions returns the permissions of one kiosk's user in a fleet:
// publish only its own events and heartbeat (plus the stream-info API call
// the relay uses to check the stream), subscribe only to its own commands
// and its own reply inbox (Subjects.Inbox), and reply to the requests it
// receives. packaging/nats/fleet.conf spells out the same rules.
func KioskPermissions(site, kiosk string) (*server.Permissions, error) {
	s := Subjects{Site: site, Kiosk: kiosk}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			s.Events(),
			s.Status(),
			"$JS.API.STREAM.INFO." + StreamName,
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			s.Commands(),
			s.Inbox() + ".>",
		}},
		Response: &server.ResponsePermission{MaxMsgs: 1, Expires: time.Minute},
	}, nil
}
