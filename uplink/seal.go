package uplink

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/nats-io/nkeys"
)

// NotifySealer seals pickup credentials to the operator's notification
// service with nkeys curve keys (X25519, XSalsa20-Poly1305): one fresh
// sender key per event, so the kiosk keeps no sealing secret. It
// implements locker.Sealer.
type NotifySealer struct {
	to string
}

// NewNotifySealer returns a sealer to the public curve key (X...) notifyKey.
func NewNotifySealer(notifyKey string) (*NotifySealer, error) {
	notifyKey = strings.TrimSpace(notifyKey)
	if nkeys.Prefix(notifyKey) != nkeys.PrefixByteCurve || !nkeys.IsValidPublicCurveKey(notifyKey) {
		return nil, fmt.Errorf("uplink: notify key %q: want a public curve key (X...)", notifyKey)
	}
	return &NotifySealer{to: notifyKey}, nil
}

// Seal seals each of plain with one fresh sender key and returns the
// sealed texts (standard base64 of nkeys' sealed format), the sender's
// public key and the recipient's.
func (n *NotifySealer) Seal(plain ...string) (sealed []string, from, to string, err error) {
	kp, err := nkeys.CreateCurveKeys()
	if err != nil {
		return nil, "", "", fmt.Errorf("uplink: seal: %w", err)
	}
	defer kp.Wipe()
	if from, err = kp.PublicKey(); err != nil {
		return nil, "", "", fmt.Errorf("uplink: seal: %w", err)
	}
	for _, p := range plain {
		b, err := kp.Seal([]byte(p), n.to)
		if err != nil {
			return nil, "", "", fmt.Errorf("uplink: seal: %w", err)
		}
		sealed = append(sealed, base64.StdEncoding.EncodeToString(b))
	}
	return sealed, from, n.to, nil
}

// OpenSealed opens one sealed text of an event with the notification
// service's curve key pair kp; from is the event's sealed_from.
func OpenSealed(kp nkeys.KeyPair, sealed, from string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("uplink: open sealed: %w", err)
	}
	p, err := kp.Open(b, from)
	if err != nil {
		return "", fmt.Errorf("uplink: open sealed: %w", err)
	}
	return string(p), nil
}
