package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/parcelkiosk/locker/config"
	"github.com/parcelkiosk/locker/lockio"
	"github.com/parcelkiosk/locker/uplink"
)

func (k *kiosk) openData() error {
	k.dataDir = k.cfg.DataDir
	switch {
	case k.f.data != "":
		k.dataDir = k.f.data
	case k.f.demo && k.f.config == "":
		d, err := os.MkdirTemp("", "parcelkiosk-demo-")
		if err != nil {
			return fmt.Errorf("kiosk: data dir: %w", err)
		}
		k.dataDir, k.tmpDir = d, true
	}
	if err := os.MkdirAll(k.dataDir, 0o750); err != nil {
		return fmt.Errorf("kiosk: data dir: %w", err)
	}
	k.log.Info("data directory", "dir", k.dataDir)
	return nil
}

// openBus opens the lock boards' serial port, or with protocol "sim" a
// simulated bank on a real pseudo-terminal served in this process.
func (k *kiosk) openBus() error {
	lb := k.cfg.Lockboard
	protocol := k.cfg.BusProtocol()
	path, baud := lb.Port, lb.Baud
	if lb.Protocol == config.ProtocolSim {
		autoClose, err := time.ParseDuration(k.f.simClose)
		if err != nil {
			return fmt.Errorf("kiosk: --sim-autoclose: %w", err)
		}
		lo, _, err := lockio.BoardRange(protocol)
		if err != nil {
			return err
		}
		boards := 1
		for _, b := range k.cfg.Boards() {
			boards = max(boards, b-lo+1)
		}
		k.sim, err = lockio.NewSim(lockio.SimOptions{
			Protocol: protocol, Boards: boards, AutoClose: autoClose,
			SensorClosedBit: lb.SensorClosedBit,
		})
		if err != nil {
			return err
		}
		if k.pty, err = lockio.OpenPTY(filepath.Join(k.dataDir, "locker-bus")); err != nil {
			return err
		}
		k.startEarly("simulator", func(ctx context.Context) error { return k.sim.Serve(ctx, k.pty.Master) })
		path = k.pty.Path
		k.log.Info("simulated lock bank", "protocol", protocol, "boards", boards, "pty", k.pty.Path)
	}
	if baud == 0 {
		baud = lockio.DefaultBaud(protocol)
	}
	retries := lb.Retries
	if retries == 0 {
		retries = -1 // "no resends" in the config; 0 means the default in lockio
	}
	if _, err := os.Stat(path); err != nil {
		// The adapter is unplugged or udev has not named it yet: start
		// anyway with the doors out of order; the port is opened again on
		// every poll and the boards come back by themselves.
		k.log.Warn("lock-bus device absent: the doors are out of order until it appears", "port", path, "err", err)
	}
	k.port = lockio.NewPort(path, baud)
	var err error
	k.bus, err = lockio.NewBus(k.port, lockio.Options{
		Protocol:        protocol,
		Boards:          k.cfg.Boards(),
		SensorClosedBit: lb.SensorClosedBit,
		UnlockGap:       lb.UnlockGap,
		ReplyTimeout:    lb.ReplyTimeout,
		Retries:         retries,
		PollFast:        lb.PollFast,
		PollIdle:        lb.PollIdle,
		LeftOpenAfter:   lb.LeftOpenAfter,
		JamAfter:        lb.JamAfter,
		Logger:          k.log,
	})
	if err != nil {
		return err
	}
	k.startEarly("lock bus", k.bus.Run)
	return nil
}

// awaitBoards waits until every configured board has answered a poll, or
// the timeout passes (a board that stays silent is reported by the bus and
// its doors read unknown).
func (k *kiosk) awaitBoards(ctx context.Context, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		for _, b := range k.cfg.Boards() {
			if ok, _ := k.bus.Online(b); !ok {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			k.log.Warn("lock boards not answering at start", "missing", missing)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// openUplink connects to NATS (an embedded server in the demo) and starts
// the relay, the command handlers and the heartbeat. With no URL the
// events wait in the outbox.
func (k *kiosk) openUplink(ctx context.Context) error {
	url := k.cfg.Uplink.URL
	if k.f.demo && url == "" {
		var err error
		k.emb, err = uplink.StartEmbedded(uplink.EmbeddedOptions{Port: k.f.natsPort, StoreDir: filepath.Join(k.dataDir, "nats")})
		if err != nil {
			return err
		}
		url = k.emb.URL()
		k.log.Info("embedded NATS server", "url", url)
	}
	if url == "" {
		k.log.Warn("no uplink configured: events stay in the outbox")
		return nil
	}
	subj := uplink.Subjects{Site: k.cfg.Site, Kiosk: k.cfg.Kiosk}
	nc, err := uplink.Connect(ctx, url, uplink.ConnectOptions{
		Name:        "kiosk " + k.cfg.Site + "/" + k.cfg.Kiosk,
		CredsFile:   k.cfg.Uplink.Creds,
		CAFile:      k.cfg.Uplink.TLSCA,
		InboxPrefix: subj.Inbox(),
		Logger:      k.log,
	})
	if err != nil {
		return err
	}
	k.nc = nc
	relay := uplink.NewRelay(nc, k.db, uplink.RelayOptions{CreateStream: k.emb != nil, Logger: k.log})
	cmds, err := uplink.NewCommands(nc, k.svc, uplink.CommandOptions{Site: k.cfg.Site, Kiosk: k.cfg.Kiosk, Backlog: k.db, Logger: k.log,
		OperatorKeys: k.cfg.Uplink.OperatorKeys, Nonces: k.db})
	if err != nil {
		return err
	}
	hb, err := uplink.NewHeartbeat(nc, k.svc, uplink.HeartbeatOptions{Site: k.cfg.Site, Kiosk: k.cfg.Kiosk, Interval: k.cfg.Uplink.Heartbeat, Backlog: k.db, Logger: k.log,
		Audit: k.db, Anchor: k.svc})
	if err != nil {
		return err
	}
	k.goRun("relay", relay.Run)
	k.goRun("commands", cmds.Run)
	k.goRun("heartbeat", hb.Run)
	return nil
}
