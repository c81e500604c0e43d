package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// modernCipherSuites are the TLS 1.2 suites we accept: ECDHE for forward
// secrecy and AEAD only. CBC suites are excluded (Lucky13, POODLE-style
// padding oracles) as are static-RSA key exchange (no forward secrecy,
// ROBOT) and 3DES (Sweet32). TLS 1.3 suites are not configurable in Go and
// are all AEAD.
var modernCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// newTLSConfig builds the HTTPS listener's tls.Config from a validated Config.
func newTLSConfig(cfg Config, certs *certStore) (*tls.Config, error) {
	minVersion, err := parseTLSVersion(cfg.MinTLSVersion)
	if err != nil {
		return nil, err
	}
	clientAuth, err := parseClientAuth(cfg.ClientAuth)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{
		MinVersion:     minVersion,
		CipherSuites:   modernCipherSuites,
		GetCertificate: certs.getCertificate,
		// ALPN: HTTP/2 first, HTTP/1.1 as the fallback (RFC 7301, RFC 9113 §3.2).
		NextProtos: []string{"h2", "http/1.1"},
		ClientAuth: clientAuth,
		// CurvePreferences is left nil on purpose: Go 1.26's default is
		// X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519,
		// P-256, P-384, P-521 — post-quantum hybrids first (protecting
		// recorded traffic against "harvest now, decrypt later"), then the
		// classical curves. Pinning a list would freeze us out of future
		// default improvements.
	}
	if cfg.ClientCAFile != "" {
		pool, err := loadCAPool(cfg.ClientCAFile)
		if err != nil {
			return nil, err
		}
		tc.ClientCAs = pool
	}
	return tc, nil
}

// loadCAPool reads a PEM bundle of CA certificates.
func loadCAPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ClientCAFile %q: reading: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ClientCAFile %q: no PEM certificates found", path)
	}
	return pool, nil
}
