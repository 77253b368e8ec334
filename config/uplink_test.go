package config

import (
	"testing"

	"github.com/nats-io/nkeys"
)

// testUserPub and testCurvePub are valid public keys made for the tests.
var testUserPub, testCurvePub = func() (string, string) {
	u, err := nkeys.CreateUser()
	if err != nil {
		panic(err)
	}
	x, err := nkeys.CreateCurveKeys()
	if err != nil {
		panic(err)
	}
	up, _ := u.PublicKey()
	xp, _ := x.PublicKey()
	return up, xp
}()

func TestUplinkSecurityKeys(t *testing.T) {
	for _, tc := range []struct {
		name, uplink string
	}{
		{"loopback nats", "url = \"nats://127.0.0.1:4222\""},
		{"localhost websocket", "url = \"ws://localhost:8080\""},
		{"IPv6 loopback", "url = \"nats://[::1]:4222\""},
		{"insecure said so", "url = \"nats://nats.example.com:4222\"\ninsecure = true"},
		{"nats with a pinned CA", "url = \"nats://nats.example.com:4222\"\ntls_ca = \"/dev/ttyUSB0\""},
		{"tls", "url = \"tls://nats.example.com:4222\""},
		{"keys", "url = \"wss://nats.example.com\"\noperator_keys = [\"" + testUserPub + "\"]\nnotify_key = \"" + testCurvePub + "\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseWith([]byte(base+"[uplink]\n"+tc.uplink+"\n"), "kiosk.toml", testOpts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "keys" && (len(c.Uplink.OperatorKeys) != 1 || c.Uplink.NotifyKey != testCurvePub) {
				t.Errorf("uplink %+v", c.Uplink)
			}
		})
	}
}
