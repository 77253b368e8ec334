package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// notifier speaks systemd's sd_notify protocol over $NOTIFY_SOCKET. It does
// nothing when the kiosk is not started by systemd.
type notifier struct {
	addr string
}

func newNotifier() notifier { return notifier{addr: os.Getenv("NOTIFY_SOCKET")} }

// send writes one state line ("READY=1", "WATCHDOG=1", "STOPPING=1").
func (n notifier) send(state string) error {
	if n.addr == "" {
		return nil
	}
	addr := n.addr
	if addr[0] == '@' { // abstract socket
		addr = "\x00" + addr[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("kiosk: sd_notify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("kiosk: sd_notify: %w", err)
	}
	return nil
}

// watchdogInterval returns half of $WATCHDOG_USEC, or 0 when systemd asked
// for no watchdog.
func watchdogInterval() time.Duration {
	us, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || us <= 0 {
		return 0
	}
	return time.Duration(us) * time.Microsecond / 2
}

// probe asks one part of the kiosk whether it is alive: start must arrange
// for done to be called by that part (on its own goroutine or thread) and
// return at once.
type probe struct {
	name  string
	start func(done func())
}

// runWatchdog pings systemd's watchdog (every half of WatchdogSec) only
// when every probe answered within the last period: each period it asks
// every part again (a part still not answering is not asked twice) and
// sends WATCHDOG=1 only if all answered the previous round. A deadlocked
// service or a stuck UI thread stops the pings, and systemd restarts the
// kiosk. It runs until ctx ends.
func (n notifier) runWatchdog(ctx context.Context, log *slog.Logger, probes []probe) error {
	every := watchdogInterval()
	if n.addr == "" || every == 0 {
		<-ctx.Done()
		return nil
	}
	return n.watch(ctx, every, log, probes)
}

func (n notifier) watch(ctx context.Context, every time.Duration, log *slog.Logger, probes []probe) error {
	answered := make([]atomic.Uint64, len(probes)) // last round each probe answered
	pending := make([]atomic.Bool, len(probes))
	var round uint64
	ask := func() {
		round++
		r := round
		for i, p := range probes {
			if pending[i].CompareAndSwap(false, true) {
				p.start(func() {
					answered[i].Store(r)
					pending[i].Store(false)
				})
			}
		}
	}
	ask()
	t := time.NewTicker(every)
	defer t.Stop()
	silent := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		var stale []string
		for i, p := range probes {
			if answered[i].Load() != round {
				stale = append(stale, p.name)
			}
		}
		if len(stale) == 0 {
			_ = n.send("WATCHDOG=1")
			silent = false
		} else if !silent {
			log.Error("watchdog: not answering within the period; no ping, systemd will restart the kiosk", "parts", stale, "period", every)
			silent = true
		}
		ask()
	}
}
