package scanner

import (
	"regexp"
	"strings"

	"github.com/parcelkiosk/locker"
)

// Kind is what a scanned code is for.
type Kind int

// Kinds of codes.
const (
	// KindUnknown is any code we do not recognise; the UI shows it as such.
	KindUnknown Kind = iota
	// KindPickupQR is our own pickup token (locker.QRPrefix...).
	KindPickupQR
	// KindBadge is a carrier or staff badge.
	KindBadge
	// KindParcel is a parcel tracking number.
	KindParcel
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindPickupQR:
		return "pickup-qr"
	case KindBadge:
		return "badge"
	case KindParcel:
		return "parcel"
	}
	return "unknown"
}

// DefaultBadgePrefix starts the text of a carrier or staff badge.
const DefaultBadgePrefix = "BADGE:"

// CarrierRule recognises one carrier's tracking numbers.
type CarrierRule struct {
	// Carrier is the name given to matches ("UPS", "FedEx", ...).
	Carrier string
	// Pattern must match the whole normalised number (upper case, no
	// spaces).
	Pattern *regexp.Regexp
	// Check verifies the check digit; nil accepts every pattern match.
	Check func(s string) bool
	// Carrier may depend on the number (S10 country codes); nil uses
	// Carrier.
	Name func(s string) string
}

// ClassifyOptions configure Classify. The zero value uses the defaults.
type ClassifyOptions struct {
	// QRPrefix starts our pickup tokens; default locker.QRPrefix.
	QRPrefix string
	// BadgePrefix starts badge texts; default DefaultBadgePrefix.
	BadgePrefix string
	// Carriers are tried in order; default DefaultCarriers(). Extend by
	// appending to DefaultCarriers().
	Carriers []CarrierRule
}

// Classification is the result of Classify.
type Classification struct {
	Kind Kind
	// Carrier is set for KindParcel when a rule recognised the number.
	Carrier string
	// Text is the token (pickup QR), the badge code after the prefix, the
	// normalised tracking number, or the trimmed text (unknown).
	Text string
}

// Classify tells what a scanned text is: our pickup QR token, a badge, a
// parcel tracking number (with its carrier when a rule and its check digit
// match), or unknown.
func Classify(text string, o ClassifyOptions) Classification {
	if o.QRPrefix == "" {
		o.QRPrefix = locker.QRPrefix
	}
	if o.BadgePrefix == "" {
		o.BadgePrefix = DefaultBadgePrefix
	}
	if o.Carriers == nil {
		o.Carriers = DefaultCarriers()
	}
	t := strings.TrimSpace(text)
	if t == "" {
		return Classification{Kind: KindUnknown}
	}
	if strings.HasPrefix(t, o.QRPrefix) {
		return Classification{Kind: KindPickupQR, Text: t}
	}
	if rest, ok := strings.CutPrefix(t, o.BadgePrefix); ok && strings.TrimSpace(rest) != "" {
		return Classification{Kind: KindBadge, Text: strings.TrimSpace(rest)}
	}
	if num, scac, ok := carrierMessage(t); ok {
		// A carrier's structured label message (PDF417, MaxiCode): the
		// tracking number is one of its fields.
		if c := classifyNumber(normalizeTracking(num), o.Carriers); c.Kind == KindParcel {
			return c
		}
		if name := scacCarrier(scac); name != "" && num != "" {
			return Classification{Kind: KindParcel, Carrier: name, Text: normalizeTracking(num)}
		}
	}
	if c := classifyNumber(normalizeTracking(t), o.Carriers); c.Kind == KindParcel {
		return c
	}
	return Classification{Kind: KindUnknown, Text: t}
}

// scacCarrier names the carrier of a SCAC code found in label messages,
// "" if unknown.
func scacCarrier(scac string) string {
	switch scac {
	case "UPSN":
		return "UPS"
	case "FDE", "FDEG", "FDXG", "FXFE":
		return "FedEx"
	case "USPS":
		return "USPS"
	case "DHL":
		return "DHL"
	}
	return ""
}

// carrierMessage reads the ANSI MH10.8.3 transportation message ("[)>"
// RS "01" GS ...) of a carrier's 2D label symbol: postal code (after a
// two-digit version), country, service class, tracking number, SCAC, ...
func carrierMessage(t string) (tracking, scac string, ok bool) {
	rest, ok := strings.CutPrefix(t, "[)>\x1e01\x1d")
	if !ok {
		return "", "", false
	}
	rest, _, _ = strings.Cut(rest, "\x1e")
	f := strings.Split(rest, "\x1d")
	if len(f) < 5 {
		return "", "", false
	}
	return strings.TrimSpace(f[3]), strings.TrimSpace(f[4]), true
}

// classifyNumber matches a normalised number against the carrier rules.
func classifyNumber(n string, carriers []CarrierRule) Classification {
	for _, r := range carriers {
		if r.Pattern == nil || !r.Pattern.MatchString(n) {
			continue
		}
		if r.Check != nil && !r.Check(n) {
			continue
		}
		c := r.Carrier
		if r.Name != nil {
			c = r.Name(n)
		}
		return Classification{Kind: KindParcel, Carrier: c, Text: n}
	}
	return Classification{Kind: KindUnknown}
}

// normalizeTracking upper-cases, drops spaces and dashes, and strips the
// USPS "420 + ZIP" routing prefix of a GS1-128 IMpb label.
func normalizeTracking(t string) string {
	t = strings.ToUpper(t)
	if i := strings.IndexByte(t, 0x1d); i >= 0 && strings.HasPrefix(t, "420") {
		t = t[i+1:]
	}
	t = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', 0x1d, '\t':
			return -1
		}
		return r
	}, t)
	if strings.HasPrefix(t, "420") && allDigits(t) {
		switch len(t) {
		case 8 + 22, 12 + 22: // 420 + ZIP5 or ZIP9 + 22-digit IMpb
			t = t[len(t)-22:]
		}
	}
	return t
}

// DefaultCarriers returns the built-in tracking-number rules, most
// specific first.
func DefaultCarriers() []CarrierRule {
	return []CarrierRule{
		{Carrier: "UPS", Pattern: regexp.MustCompile(`^1Z[0-9A-Z]{16}$`), Check: upsCheck},
		{Carrier: "Amazon", Pattern: regexp.MustCompile(`^TB[ACM][0-9]{12}$`)},
		{Carrier: "USPS", Pattern: regexp.MustCompile(`^[A-Z]{2}[0-9]{9}[A-Z]{2}$`), Check: s10Check, Name: s10Carrier},
		{Carrier: "USPS", Pattern: regexp.MustCompile(`^9[1-5][0-9]{18}([0-9]{2})?$`), Check: mod10Check},
		{Carrier: "FedEx", Pattern: regexp.MustCompile(`^96[0-9]{18}([0-9]{2})?$`), Check: mod10Check},
		{Carrier: "FedEx", Pattern: regexp.MustCompile(`^[0-9]{12}$`), Check: fedex12Check},
		{Carrier: "FedEx", Pattern: regexp.MustCompile(`^[0-9]{15}$`), Check: mod10Check},
		{Carrier: "USPS", Pattern: regexp.MustCompile(`^[0-9]{20}([0-9]{2})?$`), Check: mod10Check},
		{Carrier: "DHL", Pattern: regexp.MustCompile(`^[0-9]{10}$`), Check: dhl10Check},
	}
}

func digit(c byte) int { return int(c - '0') }

// mod10Check verifies the GS1 mod-10 check digit (weights 3,1 from the
// right), used by USPS IMpb and FedEx Ground.
func mod10Check(s string) bool {
	if len(s) < 2 || !allDigits(s) {
		return false
	}
	sum := 0
	for i, w := len(s)-2, 3; i >= 0; i-- {
		sum += digit(s[i]) * w
		w = 4 - w
	}
	return (10-sum%10)%10 == digit(s[len(s)-1])
}

// fedex12Check verifies FedEx Express's 12-digit mod-11 check digit
// (weights 1,3,7 from the right).
func fedex12Check(s string) bool {
	if len(s) != 12 || !allDigits(s) {
		return false
	}
	weights := [3]int{1, 3, 7}
	sum := 0
	for i, k := 10, 0; i >= 0; i, k = i-1, k+1 {
		sum += digit(s[i]) * weights[k%3]
	}
	return sum%11%10 == digit(s[11])
}

// dhl10Check verifies DHL Express's 10-digit waybill: the last digit is the
// first nine taken as a number, mod 7.
func dhl10Check(s string) bool {
	if len(s) != 10 || !allDigits(s) {
		return false
	}
	n := 0
	for i := 0; i < 9; i++ {
		n = n*10 + digit(s[i])
	}
	return n%7 == digit(s[9])
}

// upsCheck verifies a 1Z number: characters 3-17 (letters as (c-63) mod
// 10), odd positions once and even positions twice, against the 18th.
func upsCheck(s string) bool {
	if len(s) != 18 || !strings.HasPrefix(s, "1Z") {
		return false
	}
	sum := 0
	for i := 2; i < 17; i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = digit(c)
		case c >= 'A' && c <= 'Z':
			v = (int(c) - 63) % 10
		default:
			return false
		}
		if (i-2)%2 == 1 {
			v *= 2
		}
		sum += v
	}
	last := s[17]
	if last < '0' || last > '9' {
		return false
	}
	return (10-sum%10)%10 == digit(last)
}

// s10Check verifies a UPU S10 item identifier (EA123456789US): weights
// 8,6,4,2,3,5,9,7 on the serial; 11 - sum mod 11, 10 -> 0, 11 -> 5.
func s10Check(s string) bool {
	if len(s) != 13 || !allDigits(s[2:11]) {
		return false
	}
	w := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += digit(s[2+i]) * w[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return c == digit(s[10])
}

// s10Carrier names the postal operator of an S10 identifier by its country.
func s10Carrier(s string) string {
	if strings.HasSuffix(s, "US") {
		return "USPS"
	}
	return "Post-" + s[11:13]
}
