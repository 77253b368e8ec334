package uplink

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnectOptions configures Connect. The zero value connects anonymously
// without TLS.
type ConnectOptions struct {
	// Name is the connection name shown by the server; default "parcelkiosk".
	Name string
	// CredsFile is a NATS .creds file (user JWT + NKey seed); empty for none.
	CredsFile string
	// User and Password authenticate with a user from a static server
	// config; empty for none.
	User, Password string
	// CAFile pins the server's CA: only certificates it signed are
	// accepted. Setting it turns TLS on.
	CAFile string
	// CertFile and KeyFile are an optional client certificate (mutual TLS).
	CertFile, KeyFile string
	// TLS requires TLS with the system roots when CAFile is empty.
	TLS bool
	// InboxPrefix is the reply-inbox prefix (Subjects.Inbox for a kiosk, so
	// that fleet permissions can confine it); default "_INBOX".
	InboxPrefix string
	// ReconnectWait is the pause between reconnect attempts; default 2s
	// (nats.go adds jitter).
	ReconnectWait time.Duration
	// KeepReconnectBuffer keeps nats.go's in-memory reconnect buffer. The
	// default (false) disables it: while disconnected, publishes fail at
	// once instead of being queued in memory and sent later out of order
	// with the relay's retries; the durable outbox is the kiosk's buffer.
	KeepReconnectBuffer bool
	// Timeout bounds one connection attempt (dial, TLS, handshake);
	// default 5s.
	Timeout time.Duration
	// FailFast makes the first connect fail at once when no server
	// answers, for command-line tools. Kiosks leave it false.
	FailFast bool
	// Logger receives connection state changes; default discards.
	Logger *slog.Logger
}

// Connect connects to the NATS server at url (a comma-separated list for a
// cluster). It never gives up: it reconnects forever and, when the server
// is unreachable at start, it returns a connection that keeps trying in the
// background (unless o.FailFast), so the kiosk starts and works with no
// network at all. The caller closes the connection.
func Connect(ctx context.Context, url string, o ConnectOptions) (*nats.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("uplink: connect: %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	name := o.Name
	if name == "" {
		name = "parcelkiosk"
	}
	wait := o.ReconnectWait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.Timeout(timeout),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(!o.FailFast),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(500*time.Millisecond, 2*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("uplink: disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("uplink: reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Warn("uplink: async error", "subject", subj, "err", err)
		}),
	}
	if !o.KeepReconnectBuffer {
		opts = append(opts, nats.ReconnectBufSize(-1))
	}
	if o.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(o.InboxPrefix))
	}
	if o.CredsFile != "" {
		if _, err := os.Stat(o.CredsFile); err != nil {
			return nil, fmt.Errorf("uplink: creds file: %w", err)
		}
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.User != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.CAFile != "" || o.TLS || o.CertFile != "" {
		cfg, err := tlsConfig(o)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(cfg))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("uplink: connect %s: %w", url, err)
	}
	return nc, nil
}

// tlsConfig builds the client TLS config: TLS 1.2 or later, the pinned CA
// as the only root when given, and an optional client certificate.
func tlsConfig(o ConnectOptions) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("uplink: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("uplink: CA file %s: no PEM certificate", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" || o.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("uplink: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
