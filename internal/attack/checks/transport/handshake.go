package transport

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"strings"
	"time"
)

// endpoint is the target's TLS address and name.
type endpoint struct {
	addr string // host:port
	host string // for SNI and name checks
}

func endpointOf(u *url.URL) endpoint {
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return endpoint{addr: net.JoinHostPort(u.Hostname(), port), host: u.Hostname()}
}

// handshake connects and completes a TLS handshake with cfg, returning
// the negotiated state. The server's certificate is not verified here:
// inspecting it is a separate test.
func handshake(ctx context.Context, ep endpoint, cfg *tls.Config, timeout time.Duration) (tls.ConnectionState, error) {
	cfg = cfg.Clone()
	cfg.InsecureSkipVerify = true // #nosec G402 -- the certificate is inspected separately; this measures what the server accepts
	if net.ParseIP(ep.host) == nil {
		cfg.ServerName = ep.host
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := tls.Dialer{Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", ep.addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}

// versions tested, oldest first.
var versions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

// suitesToTest are the suites Go can offer one at a time: every TLS 1.0–1.2
// suite, secure or not (TLS 1.3 suites cannot be chosen in Go).
func suitesToTest() []*tls.CipherSuite {
	var out []*tls.CipherSuite
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		for _, v := range s.SupportedVersions {
			if v <= tls.VersionTLS12 {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// brokenCipher: RC4 (biased keystream) and 3DES (64-bit blocks, Sweet32).
func brokenCipher(name string) bool {
	return strings.Contains(name, "RC4") || strings.Contains(name, "3DES")
}

// insecureSuite reports Go's judgement (tls.InsecureCipherSuites): RC4,
// 3DES, CBC with SHA-256, and since Go 1.22 RSA key exchange.
func insecureSuite(id uint16) bool {
	for _, s := range tls.InsecureCipherSuites() {
		if s.ID == id {
			return true
		}
	}
	return false
}

// noForwardSecrecy: RSA key exchange, where the server's key decrypts every
// recorded session.
func noForwardSecrecy(name string) bool { return len(name) > 8 && name[:8] == "TLS_RSA_" }

// openSSLNames maps Go's suite names to OpenSSL's, for curl --ciphers.
var openSSLNames = map[string]string{
	"TLS_RSA_WITH_RC4_128_SHA":                      "RC4-SHA",
	"TLS_RSA_WITH_3DES_EDE_CBC_SHA":                 "DES-CBC3-SHA",
	"TLS_RSA_WITH_AES_128_CBC_SHA":                  "AES128-SHA",
	"TLS_RSA_WITH_AES_256_CBC_SHA":                  "AES256-SHA",
	"TLS_RSA_WITH_AES_128_CBC_SHA256":               "AES128-SHA256",
	"TLS_RSA_WITH_AES_128_GCM_SHA256":               "AES128-GCM-SHA256",
	"TLS_RSA_WITH_AES_256_GCM_SHA384":               "AES256-GCM-SHA384",
	"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA":              "ECDHE-ECDSA-RC4-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA":          "ECDHE-ECDSA-AES128-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA":          "ECDHE-ECDSA-AES256-SHA",
	"TLS_ECDHE_RSA_WITH_RC4_128_SHA":                "ECDHE-RSA-RC4-SHA",
	"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA":           "ECDHE-RSA-DES-CBC3-SHA",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA":            "ECDHE-RSA-AES128-SHA",
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA":            "ECDHE-RSA-AES256-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256":       "ECDHE-ECDSA-AES128-SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256":         "ECDHE-RSA-AES128-SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":         "ECDHE-RSA-AES128-GCM-SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256":       "ECDHE-ECDSA-AES128-GCM-SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384":         "ECDHE-RSA-AES256-GCM-SHA384",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384":       "ECDHE-ECDSA-AES256-GCM-SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256":   "ECDHE-RSA-CHACHA20-POLY1305",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
}

// curlFlag is curl's option for a TLS version.
var curlFlag = map[uint16]string{tls.VersionTLS10: "1.0", tls.VersionTLS11: "1.1", tls.VersionTLS12: "1.2", tls.VersionTLS13: "1.3"}
