package scanner

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name, in string
		kind     Kind
		carrier  string
		text     string
	}{
		{"pickup token", "PK1.abc.def", KindPickupQR, "", "PK1.abc.def"},
		{"pickup token with spaces", "  PK1.abc.def\n", KindPickupQR, "", "PK1.abc.def"},
		{"badge", "BADGE:courier-17", KindBadge, "", "courier-17"},
		{"empty badge is unknown", "BADGE:  ", KindUnknown, "", "BADGE:"},
		{"UPS", "1Z999AA10123456784", KindParcel, "UPS", "1Z999AA10123456784"},
		{"UPS lower case with spaces", "1z 999 aa1 0123456784", KindParcel, "UPS", "1Z999AA10123456784"},
		{"UPS bad check digit", "1Z999AA10123456785", KindUnknown, "", "1Z999AA10123456785"},
		{"UPS second example", "1Z12345E6605272234", KindParcel, "UPS", "1Z12345E6605272234"},
		{"FedEx 12", "986578788855", KindParcel, "FedEx", "986578788855"},
		{"FedEx 12 bad check", "986578788856", KindUnknown, "", "986578788856"},
		{"FedEx 15 ground", "449044304137821", KindParcel, "FedEx", "449044304137821"},
		{"USPS IMpb 22", "9205590164917312751089", KindParcel, "USPS", "9205590164917312751089"},
		{"USPS IMpb with 420 ZIP and GS", "42094043\x1d9205590164917312751089", KindParcel, "USPS", "9205590164917312751089"},
		{"USPS IMpb with 420 ZIP5 no GS", "420940439205590164917312751089", KindParcel, "USPS", "9205590164917312751089"},
		{"USPS IMpb bad check", "9205590164917312751088", KindUnknown, "", "9205590164917312751088"},
		{"S10 US", "EA123456785US", KindParcel, "USPS", "EA123456785US"},
		{"S10 foreign", "RR123456785DE", KindParcel, "Post-DE", "RR123456785DE"},
		{"S10 bad check", "EA123456789US", KindUnknown, "", "EA123456789US"},
		{"DHL 10", "1234567891", KindParcel, "DHL", "1234567891"},
		{"DHL 10 bad check", "1234567890", KindUnknown, "", "1234567890"},
		{"Amazon", "TBA123456789012", KindParcel, "Amazon", "TBA123456789012"},
		{"Amazon short", "TBA12345678901", KindUnknown, "", "TBA12345678901"},
		{"random text", "hello world", KindUnknown, "", "hello world"},
		// The PDF417 of a FedEx label (zxing-cpp sample pdf417-3/12).
		{"FedEx label message", "[)>\x1e01\x1d0210011\x1d840\x1d53\x1d9080122327430201\x1dFDE\x1d238351251\x1d289\x1d \x1d1/1\x1d3.0LB\x1e06\x1d10ZED004\x1e\x04",
			KindParcel, "FedEx", "9080122327430201"},
		{"UPS label message with a 1Z number", "[)>\x1e01\x1d96841706672\x1d840\x1d001\x1d1Z999AA10123456784\x1dUPSN\x1d123\x1e\x04",
			KindParcel, "UPS", "1Z999AA10123456784"},
		{"label message of an unknown carrier", "[)>\x1e01\x1d0210011\x1d840\x1d53\x1d12345\x1dXXXX\x1e\x04",
			KindUnknown, "", "[)>\x1e01\x1d0210011\x1d840\x1d53\x1d12345\x1dXXXX\x1e\x04"},
		{"short label message", "[)>\x1e01\x1d02\x1e\x04", KindUnknown, "", "[)>\x1e01\x1d02\x1e\x04"},
		{"empty", "   ", KindUnknown, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.in, ClassifyOptions{})
			want := Classification{Kind: tc.kind, Carrier: tc.carrier, Text: tc.text}
			if got != want {
				t.Errorf("Classify(%q) = %+v, want %+v", tc.in, got, want)
			}
		})
	}
}

func TestClassifyOptions(t *testing.T) {
	o := ClassifyOptions{
		QRPrefix:    "XQ:",
		BadgePrefix: "STAFF/",
		Carriers: append(DefaultCarriers(), CarrierRule{
			Carrier: "LocalCourier", Pattern: regexp.MustCompile(`^LC[0-9]{6}$`),
		}),
	}
	tests := []struct {
		in   string
		want Classification
	}{
		{"XQ:token", Classification{Kind: KindPickupQR, Text: "XQ:token"}},
		{"PK1.abc", Classification{Kind: KindUnknown, Text: "PK1.abc"}},
		{"STAFF/42", Classification{Kind: KindBadge, Text: "42"}},
		{"lc123456", Classification{Kind: KindParcel, Carrier: "LocalCourier", Text: "LC123456"}},
		{"1Z999AA10123456784", Classification{Kind: KindParcel, Carrier: "UPS", Text: "1Z999AA10123456784"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Classify(tc.in, o); got != tc.want {
				t.Errorf("Classify(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindUnknown: "unknown", KindPickupQR: "pickup-qr", KindBadge: "badge", KindParcel: "parcel"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"PK1.a.b", "BADGE:x", "1Z999AA10123456784", "986578788855", "EA123456785US", "42094043\x1d9205590164917312751089", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Classify(s, ClassifyOptions{})
		switch c.Kind {
		case KindPickupQR:
			if !strings.HasPrefix(c.Text, "PK1.") {
				t.Fatalf("pickup token %q lacks the prefix", c.Text)
			}
		case KindBadge:
			if c.Text == "" {
				t.Fatal("empty badge")
			}
		case KindParcel:
			if c.Carrier == "" || c.Text == "" {
				t.Fatalf("parcel without carrier or number: %+v", c)
			}
			// A recognised number is stable under classification.
			if again := Classify(c.Text, ClassifyOptions{}); again != c {
				t.Fatalf("Classify(%q) = %+v, but Classify of its number = %+v", s, c, again)
			}
		case KindUnknown:
		default:
			t.Fatalf("bad kind %d", c.Kind)
		}
		if utf8.ValidString(s) && !utf8.ValidString(c.Text) {
			t.Fatalf("valid input %q gave invalid text %q", s, c.Text)
		}
	})
}
