package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// devServer starts an HTTPS-only DevTLS server and returns it with a pool
// trusting its generated certificate.
func devServer(t *testing.T, cfg Config) (*Server, *x509.CertPool) {
	t.Helper()
	cfg.HTTPSAddr = "127.0.0.1:0"
	cfg.DevTLS = true
	s := startServer(t, cfg, textHandler("ok"))
	roots := x509.NewCertPool()
	roots.AddCert(s.Certificate())
	return s, roots
}

func TestTLSVersionsAndCiphers(t *testing.T) {
	s12, roots12 := devServer(t, Config{})
	s13, roots13 := devServer(t, Config{MinTLSVersion: "1.3"})
	cbcOnly := []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	}
	tests := []struct {
		name        string
		server      *Server
		roots       *x509.CertPool
		client      *tls.Config
		wantVersion uint16 // 0: handshake must fail
	}{
		{name: "tls1.2 accepted", server: s12, roots: roots12,
			client: &tls.Config{MaxVersion: tls.VersionTLS12}, wantVersion: tls.VersionTLS12},
		{name: "tls1.3 accepted", server: s12, roots: roots12,
			client: &tls.Config{}, wantVersion: tls.VersionTLS13},
		{name: "cbc-only tls1.2 client refused", server: s12, roots: roots12,
			client: &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: cbcOnly}},
		{name: "min 1.3 refuses a tls1.2-max client", server: s13, roots: roots13,
			client: &tls.Config{MaxVersion: tls.VersionTLS12}},
		{name: "min 1.3 accepts tls1.3", server: s13, roots: roots13,
			client: &tls.Config{}, wantVersion: tls.VersionTLS13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.client.Clone()
			cfg.RootCAs = tt.roots
			cfg.ServerName = "localhost"
			state, err := handshake(tt.server.HTTPSAddr(), cfg)
			if tt.wantVersion == 0 {
				if err == nil {
					t.Fatalf("handshake succeeded with %s, want failure", tls.VersionName(state.Version))
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if state.Version != tt.wantVersion {
				t.Errorf("version = %s, want %s", tls.VersionName(state.Version), tls.VersionName(tt.wantVersion))
			}
		})
	}
}

// TestTLS10And11RefusedByMinVersion offers TLS 1.0 or 1.1 with suites
// those versions can use (CBC), so that only MinVersion can refuse the
// handshake: the server must answer with a protocol_version alert. Two
// controls show the assertion can fail: the same client completes a
// handshake with a server that accepts TLS 1.0 and these suites, and a
// server that accepts TLS 1.0 but keeps the AEAD-only list refuses it with
// a different alert (no shared suite), which this test would not accept.
func TestTLS10And11RefusedByMinVersion(t *testing.T) {
	s, roots := devServer(t, Config{})
	legacySuites := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}

	// The controls start from the listener's own configuration, built anew
	// (net/http adjusts the one it serves with).
	sameAsListener := func() *tls.Config {
		cfg, err := newTLSConfig(s.cfg, s.certs)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	acceptsLegacy := sameAsListener()
	acceptsLegacy.MinVersion = tls.VersionTLS10
	acceptsLegacy.CipherSuites = append(append([]uint16(nil), modernCipherSuites...), legacySuites...)
	legacyAddr := serveHandshakes(t, acceptsLegacy)

	aeadOnlyMin10 := sameAsListener()
	aeadOnlyMin10.MinVersion = tls.VersionTLS10
	aeadOnlyAddr := serveHandshakes(t, aeadOnlyMin10)

	for _, version := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			client := &tls.Config{RootCAs: roots, ServerName: "localhost",
				MinVersion: version, MaxVersion: version, CipherSuites: legacySuites}

			_, err := handshake(s.HTTPSAddr(), client)
			if !isRemoteAlert(err, alertProtocolVersion) {
				t.Errorf("handshake with Rampart: error %v, want a protocol_version alert", err)
			}

			state, err := handshake(legacyAddr, client)
			if err != nil {
				t.Fatalf("control: handshake with a MinVersion 1.0 server failed: %v", err)
			}
			if state.Version != version {
				t.Errorf("control: negotiated %s, want %s", tls.VersionName(state.Version), tls.VersionName(version))
			}

			_, err = handshake(aeadOnlyAddr, client)
			if err == nil || isRemoteAlert(err, alertProtocolVersion) {
				t.Errorf("control: MinVersion 1.0 with AEAD-only suites: error %v, want a failure other than protocol_version", err)
			}
		})
	}
}

// alertProtocolVersion is the TLS protocol_version alert (RFC 8446 §6.2).
const alertProtocolVersion = 70

// isRemoteAlert reports whether err is the peer's TLS alert code. crypto/tls
// returns a received alert as a *net.OpError "remote error" around an
// unexported type whose text is that of tls.AlertError.
func isRemoteAlert(err error, code uint8) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "remote error" && opErr.Err.Error() == tls.AlertError(code).Error()
}

// serveHandshakes completes TLS handshakes with cfg on a loopback listener
// and closes each connection; it returns the listener's address.
func serveHandshakes(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				_ = tls.Server(conn, cfg).Handshake()
			}()
		}
	}()
	return ln.Addr().String()
}

func TestTLS12NegotiatesAEADSuite(t *testing.T) {
	s, roots := devServer(t, Config{})
	state, err := handshake(s.HTTPSAddr(), &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	allowed := false
	for _, id := range modernCipherSuites {
		allowed = allowed || id == state.CipherSuite
	}
	if !allowed {
		t.Errorf("negotiated %s, not in the AEAD allow-list", tls.CipherSuiteName(state.CipherSuite))
	}
}

func TestHTTP2Negotiated(t *testing.T) {
	s, roots := devServer(t, Config{})
	resp, body, err := get(newClient(t, roots), "https://"+s.HTTPSAddr()+"/")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("proto = %s, want HTTP/2", resp.Proto)
	}
	if body != "ok" {
		t.Errorf("body = %q, want ok", body)
	}
}

func TestDevTLS(t *testing.T) {
	s, roots := devServer(t, Config{})
	leaf := s.Certificate()
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost"}); err != nil {
		t.Errorf("dev cert does not verify for localhost: %v", err)
	}
	for _, ip := range []string{"127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(ip); err != nil {
			t.Errorf("dev cert does not cover %s: %v", ip, err)
		}
	}
	resp, _, err := get(newClient(t, roots), "https://"+s.HTTPSAddr()+"/")
	if err != nil {
		t.Fatalf("GET verifying the dev cert: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
}

func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	serverCA := newTestCA(t, "server CA")
	clientCA := newTestCA(t, "client CA")
	otherCA := newTestCA(t, "other CA")
	certFile, keyFile := writeKeyPair(t, dir, serverCA.issue(t, "server", true))
	caFile := writeFile(t, filepath.Join(dir, "clients.pem"), clientCA.pem)
	goodClient := clientCA.issue(t, "alice", false)
	foreignClient := otherCA.issue(t, "mallory", false)

	// The handler echoes the verified identity, proving the chain reaches it.
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
			_, _ = w.Write([]byte(r.TLS.VerifiedChains[0][0].Subject.CommonName))
			return
		}
		_, _ = w.Write([]byte("anonymous"))
	})

	tests := []struct {
		name     string
		mode     string
		certs    []tls.Certificate
		wantBody string // "": the request must fail in the handshake
	}{
		{name: "require/no cert", mode: ClientAuthRequire},
		{name: "require/cert from CA", mode: ClientAuthRequire, certs: []tls.Certificate{goodClient.tls}, wantBody: "alice"},
		{name: "require/cert from other CA", mode: ClientAuthRequire, certs: []tls.Certificate{foreignClient.tls}},
		{name: "request/no cert", mode: ClientAuthRequest, wantBody: "anonymous"},
		{name: "request/cert from CA", mode: ClientAuthRequest, certs: []tls.Certificate{goodClient.tls}, wantBody: "alice"},
		{name: "request/cert from other CA", mode: ClientAuthRequest, certs: []tls.Certificate{foreignClient.tls}},
	}
	servers := map[string]*Server{}
	for _, mode := range []string{ClientAuthRequire, ClientAuthRequest} {
		servers[mode] = startServer(t, Config{
			HTTPSAddr: "127.0.0.1:0", CertFile: certFile, KeyFile: keyFile,
			ClientCAFile: caFile, ClientAuth: mode,
		}, whoami)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "https://" + servers[tt.mode].HTTPSAddr() + "/"
			resp, body, err := get(newClient(t, serverCA.pool(), tt.certs...), url)
			if tt.wantBody == "" {
				if err == nil {
					t.Fatalf("request succeeded with status %d, want a handshake failure", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			if resp.StatusCode != http.StatusOK || body != tt.wantBody {
				t.Errorf("got %d %q, want 200 %q", resp.StatusCode, body, tt.wantBody)
			}
		})
	}
}

func TestReloadCertificates(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, "reload CA")
	certA, certB := ca.issue(t, "cert-A", true), ca.issue(t, "cert-B", true)
	certFile, keyFile := writeKeyPair(t, dir, certA)
	s := startServer(t, Config{HTTPSAddr: "127.0.0.1:0", CertFile: certFile, KeyFile: keyFile}, textHandler("ok"))

	servedCN := func(t *testing.T) string {
		t.Helper()
		state, err := handshake(s.HTTPSAddr(), &tls.Config{RootCAs: ca.pool(), ServerName: "localhost"})
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		return state.PeerCertificates[0].Subject.CommonName
	}
	if got := servedCN(t); got != "cert-A" {
		t.Fatalf("before reload: served %q, want cert-A", got)
	}

	writeKeyPair(t, dir, certB)
	if err := s.ReloadCertificates(); err != nil {
		t.Fatalf("reload B: %v", err)
	}
	if got := servedCN(t); got != "cert-B" {
		t.Fatalf("after reload: served %q, want cert-B", got)
	}

	bad := []struct {
		name      string
		cert, key []byte
	}{
		{name: "garbage", cert: []byte("not a certificate"), key: []byte("not a key")},
		{name: "mismatched key", cert: certA.certPEM, key: certB.keyPEM},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			writeFile(t, certFile, b.cert)
			writeFile(t, keyFile, b.key)
			if err := s.ReloadCertificates(); err == nil {
				t.Fatal("reload of a bad pair succeeded, want error")
			}
			if got := servedCN(t); got != "cert-B" {
				t.Errorf("after failed reload: served %q, want cert-B kept", got)
			}
		})
	}
}

func TestReloadWithoutFilesIsNoop(t *testing.T) {
	s, _ := devServer(t, Config{})
	before := s.Certificate()
	if err := s.ReloadCertificates(); err != nil {
		t.Fatalf("reload under DevTLS: %v", err)
	}
	if s.Certificate() != before {
		t.Error("DevTLS certificate changed on reload")
	}
}

func TestPlainHTTPToHTTPSPort(t *testing.T) {
	s, _ := devServer(t, Config{})
	resp, err := http.Get("http://" + s.HTTPSAddr() + "/")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.StatusCode)
	}
}

func TestNewRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, "ca")
	certFile, keyFile := writeKeyPair(t, dir, ca.issue(t, "s", true))
	garbage := writeFile(t, filepath.Join(dir, "garbage.pem"), []byte("garbage"))
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name      string
		cfg       Config
		wantField string
	}{
		{name: "garbage cert", cfg: Config{HTTPSAddr: ":0", CertFile: garbage, KeyFile: keyFile}, wantField: "CertFile"},
		{name: "missing key", cfg: Config{HTTPSAddr: ":0", CertFile: certFile, KeyFile: missing}, wantField: "KeyFile"},
		{name: "garbage CA", cfg: Config{HTTPSAddr: ":0", CertFile: certFile, KeyFile: keyFile, ClientAuth: "require", ClientCAFile: garbage}, wantField: "ClientCAFile"},
		{name: "missing CA", cfg: Config{HTTPSAddr: ":0", CertFile: certFile, KeyFile: keyFile, ClientAuth: "require", ClientCAFile: missing}, wantField: "ClientCAFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, textHandler("ok"), nil)
			if err == nil {
				t.Fatal("New succeeded, want error")
			}
			if !containsField(err, tt.wantField) {
				t.Errorf("error %q does not name %s", err, tt.wantField)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("test setup: missing file exists")
	}
}
