package locker

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// QRPrefix starts every pickup QR token.
const QRPrefix = "PK1."

// ReceiptPrefix starts every courier receipt text.
const ReceiptPrefix = "PKR1."

// qrMACLen is the length of the truncated HMAC-SHA256 in a QR token (128 bits).
const qrMACLen = 16

// SecretLen is the length of the kiosk's HMAC secret in bytes.
const SecretLen = 32

// Domain-separation labels for the keyed hashes.
const (
	labelPIN     = "pin"
	labelCourier = "courier"
	labelStaff   = "staff"
	labelQR      = "qr"
	labelReceipt = "receipt"
)

// keyedHash returns the hex HMAC-SHA256 of label and text under secret.
func keyedHash(secret []byte, label, text string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(text))
	return hex.EncodeToString(m.Sum(nil))
}

// HashPIN returns the hex HMAC-SHA256 of a recipient PIN under the kiosk secret.
func HashPIN(secret []byte, pin string) string { return keyedHash(secret, labelPIN, pin) }

// HashCourierCode returns the hex HMAC-SHA256 of a courier keypad code or
// badge text under the kiosk secret (Courier.CodeHash).
func HashCourierCode(secret []byte, code string) string {
	return keyedHash(secret, labelCourier, strings.TrimSpace(code))
}

// HashStaffPIN returns the hex HMAC-SHA256 of a staff PIN under the kiosk
// secret (Staff.PINHash).
func HashStaffPIN(secret []byte, pin string) string { return keyedHash(secret, labelStaff, pin) }

// Lengths of a recipient PIN.
const (
	minPINDigits = 6
	maxPINDigits = 10
)

// newPIN returns a uniformly random PIN of digits digits read from r.
func newPIN(r io.Reader, digits int) (string, error) {
	space := uint64(1)
	for range digits {
		space *= 10
	}
	limit := (1 << 63) / space * space // largest multiple of space below 2^63
	var b [8]byte
	for range 1000 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("locker: random PIN: %w", err)
		}
		v := binary.BigEndian.Uint64(b[:]) &^ (1 << 63)
		if v < limit {
			return fmt.Sprintf("%0*d", digits, v%space), nil
		}
	}
	return "", errors.New("locker: random PIN: source is not random")
}

// validPIN reports whether pin is 6 to 10 ASCII digits.
func validPIN(pin string) bool {
	if len(pin) < minPINDigits || len(pin) > maxPINDigits {
		return false
	}
	for i := range len(pin) {
		if pin[i] < '0' || pin[i] > '9' {
			return false
		}
	}
	return true
}

// QRClaims is what a pickup QR token carries.
type QRClaims struct {
	CredentialID string
	ParcelIDs    []string
	ExpiresAt    time.Time // second precision
}

// SignQR returns the QR token for c under secret: QRPrefix, the base64url
// payload "credential|expiry-unix|id,id,...", a dot and the base64url of
// the first 128 bits of its HMAC-SHA256.
func SignQR(secret []byte, c QRClaims) string {
	payload := c.CredentialID + "|" + strconv.FormatInt(c.ExpiresAt.Unix(), 10) + "|" + strings.Join(c.ParcelIDs, ",")
	p := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return QRPrefix + p + "." + base64.RawURLEncoding.EncodeToString(qrMAC(secret, p))
}

func qrMAC(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(labelQR))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)[:qrMACLen]
}

// ParseQR verifies a QR token offline and returns its claims. Any
// malformed, forged or altered token is ErrWrongCode. It does not check the
// expiry; the caller compares ExpiresAt with its clock.
func ParseQR(secret []byte, token string) (QRClaims, error) {
	bad := func(why string) (QRClaims, error) {
		return QRClaims{}, fmt.Errorf("%w: QR code %s", ErrWrongCode, why)
	}
	if len(token) > 4096 {
		return bad("too long")
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(token), QRPrefix)
	if !ok {
		return bad("is not a pickup code")
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok || p == "" || strings.Contains(sig, ".") {
		return bad("is malformed")
	}
	enc := base64.RawURLEncoding.Strict()
	mac, err := enc.DecodeString(sig)
	if err != nil || len(mac) != qrMACLen {
		return bad("has a malformed signature")
	}
	if !hmac.Equal(mac, qrMAC(secret, p)) {
		return bad("has a wrong signature")
	}
	raw, err := enc.DecodeString(p)
	if err != nil {
		return bad("has a malformed payload")
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 3 || f[0] == "" || f[2] == "" {
		return bad("has a malformed payload")
	}
	exp, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return bad("has a malformed expiry")
	}
	ids := strings.Split(f[2], ",")
	for _, id := range ids {
		if id == "" {
			return bad("has an empty parcel id")
		}
	}
	return QRClaims{CredentialID: f[0], ParcelIDs: ids, ExpiresAt: time.Unix(exp, 0).UTC()}, nil
}

// receiptPayload is the signed content of a courier receipt.
type receiptPayload struct {
	V string        `json:"v"` // visit id
	C string        `json:"c"` // courier id
	T int64         `json:"t"` // unix seconds
	I []receiptLine `json:"i"`
}

type receiptLine struct {
	P string `json:"p"` // parcel id
	B string `json:"b"` // barcode
	D string `json:"d"` // compartment
}

// signReceipt returns the receipt text: ReceiptPrefix, base64url JSON of the
// visit summary, a dot and a truncated HMAC.
func signReceipt(secret []byte, r Receipt) string {
	pl := receiptPayload{V: r.VisitID, C: r.CourierID, T: r.Time.Unix()}
	for _, it := range r.Items {
		pl.I = append(pl.I, receiptLine{P: it.ParcelID, B: it.Barcode, D: it.CompartmentID})
	}
	b, _ := json.Marshal(pl) // plain strings and ints: cannot fail
	p := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(labelReceipt))
	m.Write([]byte{0})
	m.Write([]byte(p))
	return ReceiptPrefix + p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:qrMACLen])
}

// VerifyReceipt checks a receipt text's signature under secret and returns
// its visit id and parcel ids.
func VerifyReceipt(secret []byte, text string) (visitID string, parcelIDs []string, err error) {
	rest, ok := strings.CutPrefix(text, ReceiptPrefix)
	if !ok {
		return "", nil, fmt.Errorf("%w: not a receipt", ErrInvalid)
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return "", nil, fmt.Errorf("%w: malformed receipt", ErrInvalid)
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return "", nil, fmt.Errorf("%w: malformed receipt signature", ErrInvalid)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(labelReceipt))
	m.Write([]byte{0})
	m.Write([]byte(p))
	if !hmac.Equal(mac, m.Sum(nil)[:qrMACLen]) {
		return "", nil, fmt.Errorf("%w: receipt signature does not match", ErrInvalid)
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return "", nil, fmt.Errorf("%w: malformed receipt payload", ErrInvalid)
	}
	var pl receiptPayload
	if err := json.Unmarshal(raw, &pl); err != nil {
		return "", nil, fmt.Errorf("%w: malformed receipt payload: %w", ErrInvalid, err)
	}
	for _, l := range pl.I {
		parcelIDs = append(parcelIDs, l.P)
	}
	return pl.V, parcelIDs, nil
}

// TOTP parameters (RFC 6238 defaults).
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
)

// decodeTOTPSecret decodes a base32 TOTP secret, tolerating lower case,
// spaces and missing padding.
func decodeTOTPSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(secret), " ", ""))
	s = strings.TrimRight(s, "=")
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: TOTP secret is not base32", ErrInvalid)
	}
	return key, nil
}

// hotp is RFC 4226 with HMAC-SHA1 and 6 digits.
func hotp(key []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000)
}

// TOTPCode returns the RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) of a base32
// secret at time t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(t.Unix())/uint64(totpStep/time.Second)), nil
}

// checkTOTP reports whether code is valid for secret at t, accepting one
// step either side, and returns the matched counter.
func checkTOTP(secret, code string, t time.Time) (uint64, bool) {
	key, err := decodeTOTPSecret(secret)
	if err != nil || len(code) != totpDigits {
		return 0, false
	}
	now := uint64(t.Unix()) / uint64(totpStep/time.Second)
	ok := false
	var hit uint64
	for _, c := range []uint64{now - 1, now, now + 1} {
		if hmac.Equal([]byte(hotp(key, c)), []byte(code)) {
			ok, hit = true, c // no early return: same work for every code
		}
	}
	return hit, ok
}

// newCredentialLocked draws a PIN unique among the active parcels (with ch
// applied) and a credential id.
func (s *Service) newCredentialLocked(ch *Change, recipientID string) (Credential, error) {
	for range 100 {
		pin, err := newPIN(s.rand, s.o.PINDigits)
		if err != nil {
			return Credential{}, err
		}
		h := HashPIN(s.secret, pin)
		clash := false
		s.eachActive(ch, func(p Parcel) { clash = clash || p.PINHash == h })
		if !clash {
			return Credential{CredentialID: NewULID(s.clock.Now()), RecipientID: recipientID, PIN: pin}, nil
		}
	}
	return Credential{}, errors.New("locker: no free PIN after 100 draws")
}
