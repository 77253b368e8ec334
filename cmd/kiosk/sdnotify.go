package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
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

// runWatchdog pings systemd's watchdog while healthy reports true, until ctx
// ends. A kiosk whose event loop is stuck stops pinging and is restarted.
func (n notifier) runWatchdog(ctx context.Context, healthy func() bool) error {
	every := watchdogInterval()
	if n.addr == "" || every == 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if healthy() {
				_ = n.send("WATCHDOG=1")
			}
		}
	}
}
