package uplink

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Headers of an operator-signed command (README, "Signed commands").
const (
	HeaderSigKey   = "Locker-Sig-Key"   // the signer's public nkey
	HeaderSigTime  = "Locker-Sig-Time"  // RFC 3339 UTC time of signing
	HeaderSigNonce = "Locker-Sig-Nonce" // 16-64 characters of [A-Za-z0-9_-], never used twice
	HeaderSig      = "Locker-Sig"       // ed25519 signature of SignedBytes, base64url without padding
)

// Signature limits.
const (
	// DefaultSigMaxAge is how old a command's signature time may be.
	DefaultSigMaxAge = 2 * time.Minute
	// DefaultSigMaxAhead is how far ahead of the kiosk's clock it may be.
	DefaultSigMaxAhead = 30 * time.Second
	// NonceRetention is how long a used nonce is remembered: far longer
	// than DefaultSigMaxAge, so that a kiosk clock set back by a few
	// minutes does not reopen the window for a replay.
	NonceRetention = time.Hour
)

// sigDomain starts the signed bytes so that a signature made for a
// command can never pass for anything else signed with the same key.
const sigDomain = "parcelkiosk-cmd-v1"

var nonceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Errors of a command whose signature is refused (reply code unauthorized).
var (
	ErrUnsigned     = errors.New("uplink: command not signed by an operator key")
	ErrBadSignature = errors.New("uplink: bad command signature")
	ErrSigExpired   = errors.New("uplink: command signature too old or too far ahead")
	ErrReplayed     = errors.New("uplink: command nonce used before")
)

// SignedBytes returns the bytes an operator key signs for a command: the
// lines "parcelkiosk-cmd-v1", subject, sigTime and nonce, each ended by
// "\n", followed by the payload exactly as sent.
func SignedBytes(subject, sigTime, nonce string, payload []byte) []byte {
	b := make([]byte, 0, len(sigDomain)+len(subject)+len(sigTime)+len(nonce)+4+len(payload))
	for _, s := range []string{sigDomain, subject, sigTime, nonce} {
		b = append(b, s...)
		b = append(b, '\n')
	}
	return append(b, payload...)
}

// SignCommand signs m (subject and data as they will be sent) with kp at
// time now: it sets the four signature headers with a fresh random nonce.
func SignCommand(m *nats.Msg, kp nkeys.KeyPair, now time.Time) error {
	pub, err := kp.PublicKey()
	if err != nil {
		return fmt.Errorf("uplink: sign: %w", err)
	}
	var n [18]byte
	if _, err := rand.Read(n[:]); err != nil {
		return fmt.Errorf("uplink: sign: nonce: %w", err)
	}
	nonce := base64.RawURLEncoding.EncodeToString(n[:])
	ts := now.UTC().Format(time.RFC3339Nano)
	sig, err := kp.Sign(SignedBytes(m.Subject, ts, nonce, m.Data))
	if err != nil {
		return fmt.Errorf("uplink: sign: %w", err)
	}
	if m.Header == nil {
		m.Header = nats.Header{}
	}
	m.Header.Set(HeaderSigKey, pub)
	m.Header.Set(HeaderSigTime, ts)
	m.Header.Set(HeaderSigNonce, nonce)
	m.Header.Set(HeaderSig, base64.RawURLEncoding.EncodeToString(sig))
	return nil
}

// ParseOperatorKey checks one configured operator key: an ed25519 public
// nkey (operator O..., account A... or user U...).
func ParseOperatorKey(s string) (nkeys.KeyPair, error) {
	s = strings.TrimSpace(s)
	switch nkeys.Prefix(s) {
	case nkeys.PrefixByteOperator, nkeys.PrefixByteAccount, nkeys.PrefixByteUser:
	default:
		return nil, fmt.Errorf("uplink: operator key %q: want an operator (O), account (A) or user (U) public nkey", s)
	}
	kp, err := nkeys.FromPublicKey(s)
	if err != nil {
		return nil, fmt.Errorf("uplink: operator key %q: %w", s, err)
	}
	return kp, nil
}

// NonceStore remembers the nonces of signed commands across restarts
// (store.DB implements it).
type NonceStore interface {
	// UseNonce records nonce, of a command signed at signedAt, and
	// reports whether it was new.
	UseNonce(ctx context.Context, nonce string, signedAt time.Time) (fresh bool, err error)
	// PruneNonces forgets the nonces of commands signed before t.
	PruneNonces(ctx context.Context, before time.Time) (int, error)
}

// Privileged reports whether command name needs an operator signature when
// operator keys are configured: every command except status, including
// the ones a later version adds. parcel.expect and parcel.cancel are
// privileged because a pre-advice decides whose PIN a parcel gets.
func Privileged(name string) bool { return name != CmdStatus }

// verifier checks operator signatures.
type verifier struct {
	keys     map[string]nkeys.KeyPair
	nonces   NonceStore
	maxAge   time.Duration
	maxAhead time.Duration
	now      func() time.Time

	mu        sync.Mutex
	lastPrune time.Time
}

// verify checks m's signature headers and records its nonce. Every
// refusal wraps one of ErrUnsigned, ErrBadSignature, ErrSigExpired or
// ErrReplayed.
func (v *verifier) verify(ctx context.Context, m *nats.Msg) error {
	h := m.Header
	key, ts, nonce, sig := h.Get(HeaderSigKey), h.Get(HeaderSigTime), h.Get(HeaderSigNonce), h.Get(HeaderSig)
	if key == "" && sig == "" {
		return ErrUnsigned
	}
	if key == "" || ts == "" || nonce == "" || sig == "" {
		return fmt.Errorf("%w: headers %s, %s, %s and %s are all required", ErrBadSignature, HeaderSigKey, HeaderSigTime, HeaderSigNonce, HeaderSig)
	}
	kp, ok := v.keys[key]
	if !ok {
		return fmt.Errorf("%w: key %s is not an operator key of this kiosk", ErrUnsigned, key)
	}
	if !nonceRE.MatchString(nonce) {
		return fmt.Errorf("%w: nonce must be 16-64 characters of A-Z a-z 0-9 _ -", ErrBadSignature)
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadSignature, HeaderSigTime, err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: %s is not base64url", ErrBadSignature, HeaderSig)
	}
	if err := kp.Verify(SignedBytes(m.Subject, ts, nonce, m.Data), raw); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	now := v.now()
	if age := now.Sub(at); age > v.maxAge || -age > v.maxAhead {
		return fmt.Errorf("%w: signed at %s, the kiosk's time is %s", ErrSigExpired, ts, now.UTC().Format(time.RFC3339))
	}
	v.prune(ctx, now)
	fresh, err := v.nonces.UseNonce(ctx, nonce, at)
	if err != nil {
		return fmt.Errorf("uplink: nonce store: %w", err)
	}
	if !fresh {
		return fmt.Errorf("%w: nonce %s", ErrReplayed, nonce)
	}
	return nil
}

// prune forgets old nonces, at most once a minute.
func (v *verifier) prune(ctx context.Context, now time.Time) {
	v.mu.Lock()
	due := now.Sub(v.lastPrune) >= time.Minute
	if due {
		v.lastPrune = now
	}
	v.mu.Unlock()
	if due {
		_, _ = v.nonces.PruneNonces(ctx, now.Add(-max(NonceRetention, v.maxAge+v.maxAhead)))
	}
}
