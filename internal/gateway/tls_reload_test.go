package gateway

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/config"
)

// TestCertificateReloadThroughGateway renews the HTTPS certificate files
// of a running gateway and reloads, as SIGHUP does (Run calls Reload): new
// connections get the new certificate, an established keep-alive
// connection keeps working, and a broken pair is refused with a log line
// and a tls.reload event while the previous certificate stays in service.
func TestCertificateReloadThroughGateway(t *testing.T) {
	ca := newReloadTestCA(t)
	certA, certB := ca.issue(t, "cert-A"), ca.issue(t, "cert-B")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	certA.write(t, certFile, keyFile)

	g := startGatewayYAML(t, dir, gwConfig{
		listen: fmt.Sprintf("  https: \"127.0.0.1:0\"\n  tls:\n    cert_file: %s\n    key_file: %s\n",
			strconv.Quote(certFile), strconv.Quote(keyFile)),
		rest: fmt.Sprintf("apis:\n  - name: app\n    upstreams: [%q]\n", textUpstream(t, "secure").URL),
	}.yaml(dir))
	addr := g.svc.HTTPSAddr()
	servedCN := func(t *testing.T) string {
		t.Helper()
		conn := dialGatewayTLS(t, addr, ca.pool)
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if got := servedCN(t); got != "cert-A" {
		t.Fatalf("before reload: served %q, want cert-A", got)
	}

	// A keep-alive connection established on certificate A.
	kept := dialGatewayTLS(t, addr, ca.pool)
	defer kept.Close()
	keptReader := bufio.NewReader(kept)
	exchangeOnConn(t, kept, keptReader, "before reload")

	certB.write(t, certFile, keyFile)
	if err := g.svc.Reload(); err != nil {
		t.Fatalf("Reload with certificate B: %v", err)
	}
	if got := servedCN(t); got != "cert-B" {
		t.Fatalf("after reload: served %q to a new connection, want cert-B", got)
	}
	exchangeOnConn(t, kept, keptReader, "after reload")
	if got := kept.ConnectionState().PeerCertificates[0].Subject.CommonName; got != "cert-A" {
		t.Errorf("the kept connection reports %q, want cert-A (it must be the same connection)", got)
	}
	if events := tlsReloadEvents(t, g); len(events) != 0 {
		t.Fatalf("a successful certificate reload recorded tls.reload events %v", events)
	}

	// A broken pair: certificate A with B's key.
	if err := os.WriteFile(certFile, certA.certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, certB.keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	// The configuration file itself is fine, so Reload succeeds; the
	// certificate failure is reported on its own.
	if err := g.svc.Reload(); err != nil {
		t.Fatalf("Reload with a broken pair: %v", err)
	}
	if got := servedCN(t); got != "cert-B" {
		t.Errorf("after the refused reload: served %q, want cert-B kept", got)
	}
	exchangeOnConn(t, kept, keptReader, "after the refused reload")
	if !strings.Contains(g.stderr.String(), "certificate reload refused") {
		t.Errorf("no \"certificate reload refused\" log line:\n%s", g.stderr.String())
	}
	var events []map[string]any
	eventually(t, "the tls.reload event", func() bool {
		events = tlsReloadEvents(t, g)
		return len(events) > 0
	})
	if len(events) != 1 || events[0]["severity"] != float64(73) { // ECS high
		t.Errorf("tls.reload events = %v, want one of severity high (73)", events)
	}
	g.waitMetric(t, "rampart_events_total", map[string]string{"kind": "tls.reload", "severity": "high"}, 1)

	// The private keys never reach a log. In the base64 of a P-256 PKCS#8
	// key, characters 48 to 88 encode the private scalar (what precedes it
	// is the same ASN.1 header in every such key).
	logs := g.stderr.String() + g.events(t)
	for _, c := range []reloadTestCert{certA, certB} {
		if scalar := pemBody(c.keyPEM)[48:88]; strings.Contains(logs, scalar) || strings.Contains(logs, "PRIVATE KEY") {
			t.Fatal("a private key appears in the logs")
		}
	}
}

// TestDevTLSFlagBindsLoopback: --dev-tls without an HTTPS address in the
// file listens on loopback only; an address from the file is kept.
func TestDevTLSFlagBindsLoopback(t *testing.T) {
	cfg := &config.Config{}
	cfg.Listen.TLS.CertFile, cfg.Listen.TLS.KeyFile = "tls.crt", "tls.key"
	applyFlags(cfg, RunOptions{DevTLS: true})
	if cfg.Listen.HTTPS != "127.0.0.1:8443" || !cfg.Listen.TLS.Dev || cfg.Listen.TLS.CertFile != "" || cfg.Listen.TLS.KeyFile != "" {
		t.Errorf("--dev-tls: https %q, dev %v, cert_file %q, key_file %q; want 127.0.0.1:8443, true and no files",
			cfg.Listen.HTTPS, cfg.Listen.TLS.Dev, cfg.Listen.TLS.CertFile, cfg.Listen.TLS.KeyFile)
	}

	cfg = &config.Config{}
	cfg.Listen.HTTPS = ":9443"
	applyFlags(cfg, RunOptions{DevTLS: true})
	if cfg.Listen.HTTPS != ":9443" {
		t.Errorf("--dev-tls replaced the configured https address with %q", cfg.Listen.HTTPS)
	}
}

// dialGatewayTLS opens an HTTP/1.1 TLS connection verified against roots.
func dialGatewayTLS(t *testing.T, addr string, roots *x509.CertPool) *tls.Conn {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: waitFor}, "tcp", addr,
		&tls.Config{RootCAs: roots, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatalf("TLS handshake with the gateway: %v", err)
	}
	return conn
}

// exchangeOnConn sends one keep-alive request on conn and expects the
// upstream's answer.
func exchangeOnConn(t *testing.T, conn *tls.Conn, r *bufio.Reader, when string) {
	t.Helper()
	_ = conn.SetDeadline(time.Now().Add(waitFor))
	if _, err := io.WriteString(conn, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatalf("%s: writing on the kept connection: %v", when, err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("%s: reading on the kept connection: %v", when, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || string(body) != "secure" || resp.Close {
		t.Fatalf("%s: kept connection got %d %q (close %v, err %v), want 200 secure and keep-alive",
			when, resp.StatusCode, body, resp.Close, err)
	}
}

// tlsReloadEvents returns the event.* objects of the tls.reload events.
func tlsReloadEvents(t *testing.T, g *testGateway) []map[string]any {
	t.Helper()
	var found []map[string]any
	for line := range strings.SplitSeq(g.events(t), "\n") {
		var doc struct {
			Event map[string]any `json:"event"`
		}
		if line == "" || json.Unmarshal([]byte(line), &doc) != nil {
			continue
		}
		if doc.Event["action"] == "tls.reload" {
			found = append(found, doc.Event)
		}
	}
	return found
}

// reloadTestCA issues server certificates for localhost and 127.0.0.1.
type reloadTestCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

type reloadTestCert struct{ certPEM, keyPEM []byte }

func newReloadTestCA(t *testing.T) *reloadTestCA {
	t.Helper()
	key := newECKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "reload test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &reloadTestCA{cert: cert, key: key, pool: pool}
}

func (ca *reloadTestCA) issue(t *testing.T, cn string) reloadTestCert {
	t.Helper()
	key := newECKey(t)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return reloadTestCert{
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

func (c reloadTestCert) write(t *testing.T, certFile, keyFile string) {
	t.Helper()
	if err := os.WriteFile(certFile, c.certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, c.keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// pemBody is the base64 text of a PEM block, without its armour lines.
func pemBody(p []byte) string {
	lines := strings.Split(strings.TrimSpace(string(p)), "\n")
	return strings.Join(lines[1:len(lines)-1], "")
}
