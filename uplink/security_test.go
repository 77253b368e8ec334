package uplink

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// testCA is a certificate authority made up for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string // path of the CA certificate
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	path := filepath.Join(t.TempDir(), name+".pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: path}
}

// serverCert issues a certificate for 127.0.0.1.
func (ca *testCA) serverCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "nats"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startNative starts a server from opts on a random loopback port.
func startNative(t *testing.T, opts *server.Options) string {
	t.Helper()
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.NoLog, opts.NoSigs = true, true
	if opts.JetStream {
		opts.StoreDir = t.TempDir()
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv.ClientURL()
}

func TestConnectTLSWithPinnedCA(t *testing.T) {
	ca := newTestCA(t, "fleet-ca")
	other := newTestCA(t, "other-ca")
	url := startNative(t, &server.Options{
		TLS:        true,
		TLSTimeout: 5,
		TLSConfig:  &tls.Config{Certificates: []tls.Certificate{ca.serverCert(t)}, MinVersion: tls.VersionTLS12},
	})
	ctx := context.Background()
	nc, err := Connect(ctx, url, ConnectOptions{CAFile: ca.pem, FailFast: true})
	if err != nil {
		t.Fatalf("TLS with the pinned CA: %v", err)
	}
	if !nc.TLSRequired() || !nc.IsConnected() {
		t.Errorf("connected without TLS")
	}
	nc.Close()
	for name, o := range map[string]ConnectOptions{
		"another CA":        {CAFile: other.pem, FailFast: true},
		"system roots only": {TLS: true, FailFast: true},
	} {
		if nc, err := Connect(ctx, url, o); err == nil {
			nc.Close()
			t.Errorf("%s: connected to a server whose certificate the pinned CA did not sign", name)
		}
	}
	if _, err := Connect(ctx, url, ConnectOptions{CAFile: filepath.Join(t.TempDir(), "missing.pem")}); err == nil {
		t.Errorf("missing CA file accepted")
	}
}

// TestCredsFleetPermissions runs the fleet permission checks in operator
// (JWT) mode: kiosks log in with .creds files issued by one scoped signing
// key whose template, with {{tag(site)}} and {{tag(kiosk)}}, confines every
// kiosk to its own subjects, as packaging/nats/README.md describes.
func TestCredsFleetPermissions(t *testing.T) {
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opPub, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "fleet"
	opJWT, err := oc.Encode(okp)
	must(err)
	opClaims, err := jwt.DecodeOperatorClaims(opJWT)
	must(err)

	resolver := &server.MemAccResolver{}
	// One scoped signing key with the role "kiosk": every user it signs
	// gets this template, filled from the user's tags site:<site> and
	// kiosk:<kiosk>.
	skp, err := nkeys.CreateAccount()
	must(err)
	skPub, _ := skp.PublicKey()
	scope := jwt.NewUserScope()
	scope.Key, scope.Role = skPub, "kiosk"
	scope.Template.Limits = jwt.NewUserClaims("UTEMPLATE").Limits
	scope.Template.Pub.Allow.Add("locker.{{tag(site)}}.{{tag(kiosk)}}.evt.>", "locker.{{tag(site)}}.{{tag(kiosk)}}.status",
		"$JS.API.STREAM.INFO."+StreamName)
	scope.Template.Sub.Allow.Add("locker.{{tag(site)}}.{{tag(kiosk)}}.cmd.>", "_INBOX_{{tag(site)}}_{{tag(kiosk)}}.>")
	scope.Template.Resp = &jwt.ResponsePermission{MaxMsgs: 1, Expires: time.Minute}

	newAccount := func(name string, js bool) (nkeys.KeyPair, string) {
		kp, err := nkeys.CreateAccount()
		must(err)
		pub, _ := kp.PublicKey()
		ac := jwt.NewAccountClaims(pub)
		ac.Name = name
		if js {
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
			ac.SigningKeys.AddScopedSigner(scope)
		}
		tok, err := ac.Encode(okp)
		must(err)
		must(resolver.Store(pub, tok))
		return kp, pub
	}
	_, sysPub := newAccount("SYS", false)
	akp, accPub := newAccount("LOCKERS", true)

	dir := t.TempDir()
	// newCreds writes a .creds file of a user signed by the account key, or
	// by the kiosk signing key with the given tags.
	newCreds := func(name string, tags ...string) string {
		ukp, err := nkeys.CreateUser()
		must(err)
		pub, _ := ukp.PublicKey()
		uc := jwt.NewUserClaims(pub)
		uc.Name = name
		signer := akp
		if len(tags) > 0 {
			uc.Tags.Add(tags...)
			uc.IssuerAccount = accPub
			uc.Limits = jwt.Limits{} // a scoped user carries no permissions of its own
			signer = skp
		}
		tok, err := uc.Encode(signer)
		must(err)
		seed, _ := ukp.Seed()
		creds, err := jwt.FormatUserConfig(tok, seed)
		must(err)
		path := filepath.Join(dir, name+".creds")
		must(os.WriteFile(path, creds, 0o600))
		return path
	}
	opCreds := newCreds("operator")
	k1Creds := newCreds("demo-k1", "site:demo", "kiosk:k1")

	url := startNative(t, &server.Options{
		JetStream:        true,
		TrustedOperators: []*jwt.OperatorClaims{opClaims},
		AccountResolver:  resolver,
		SystemAccount:    sysPub,
	})
	checkFleetPermissions(t, url, fleetLogins{
		op:       ConnectOptions{CredsFile: opCreds},
		k1:       ConnectOptions{CredsFile: k1Creds},
		k1Native: nats.UserCredentials(k1Creds),
	})
	if _, err := Connect(context.Background(), url, ConnectOptions{CredsFile: filepath.Join(dir, "missing.creds")}); err == nil {
		t.Errorf("missing creds file accepted")
	}
}
