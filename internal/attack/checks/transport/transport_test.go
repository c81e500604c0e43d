package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
)

func hstsHandler(v string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if v != "" {
			w.Header().Set("Strict-Transport-Security", v)
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
}

// tlsServer starts an HTTPS test server with cfg (nil: Go's defaults).
func tlsServer(t *testing.T, h http.Handler, cfg *tls.Config) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	if cfg != nil {
		ts.TLS = cfg
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func scanTLS(t *testing.T, url string, roots *x509.CertPool) *core.Scan {
	t.Helper()
	tc := &tls.Config{RootCAs: roots}
	if roots == nil {
		tc.InsecureSkipVerify = true // the scan must still read the HSTS header
	}
	return checktest.Scan(t, core.Config{Target: url, TLSClientConfig: tc})
}

func titles(s *core.Scan) []string {
	var out []string
	for _, f := range s.Findings() {
		out = append(out, f.Title)
	}
	slices.Sort(out)
	return out
}

func allSuites() []uint16 {
	var ids []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestWeakTLS(t *testing.T) {
	ts := tlsServer(t, hstsHandler(""), &tls.Config{MinVersion: tls.VersionTLS10, CipherSuites: allSuites()})
	s := scanTLS(t, ts.URL, nil)
	checktest.Run(t, s, Checks()...)
	got := titles(s)
	want := []string{
		"Deprecated TLS versions accepted",
		"Strict-Transport-Security missing",
		"TLS certificate is self-signed",
		"TLS cipher suites without forward secrecy accepted",
		"Weak TLS cipher suites accepted",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings\n got %q\nwant %q", got, want)
	}
	for _, f := range s.Findings() {
		checktest.Complete(t, f)
		if f.OWASP != core.API8Misconfig {
			t.Errorf("%s: %s", f.Title, f.OWASP)
		}
		switch f.Title {
		case "Deprecated TLS versions accepted":
			if !strings.Contains(f.Description, "TLS 1.0 and TLS 1.1") || f.CWE != 327 || !strings.Contains(f.Curl, "--tlsv1.0") {
				t.Errorf("versions: %s / %s", f.Description, f.Curl)
			}
		case "Weak TLS cipher suites accepted":
			if !strings.Contains(f.Description, "TLS_RSA_WITH_RC4_128_SHA") || !strings.Contains(f.Curl, "--ciphers") {
				t.Errorf("suites: %s", f.Description)
			}
		}
	}
	var untestable string
	for _, c := range s.Ledger() {
		if c.Endpoint == "TLS: untestable with Go" {
			untestable = c.Reason
		}
	}
	if !strings.Contains(untestable, "SSL 2.0/3.0") {
		t.Errorf("the ledger does not say what cannot be tested: %q", untestable)
	}
}

func TestHardenedTLS(t *testing.T) {
	ts := tlsServer(t, hstsHandler("max-age=31536000; includeSubDomains"), nil)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	s := scanTLS(t, ts.URL, roots)
	checktest.Run(t, s, Checks()...)
	if fs := s.Findings(); len(fs) != 0 {
		t.Errorf("Go's default TLS with a trusted certificate and HSTS: want no findings, got:%s", checktest.Describe(fs))
	}
	var versions string
	for _, c := range s.Ledger() {
		if c.Endpoint == "TLS versions" {
			versions = c.Reason
		}
	}
	if versions != "accepted: TLS 1.2, TLS 1.3" {
		t.Errorf("versions ledger: %q", versions)
	}
}

// certFor issues a certificate for names, valid until notAfter, from a
// fresh CA; it returns the server certificate and the CA pool.
func certFor(t *testing.T, names []string, notAfter time.Time) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestCertificateMismatchAndExpiry(t *testing.T) {
	cert, pool := certFor(t, []string{"api.other.example"}, time.Now().Add(10*24*time.Hour))
	ts := tlsServer(t, hstsHandler("max-age=31536000"), &tls.Config{Certificates: []tls.Certificate{cert}})
	s := scanTLS(t, ts.URL, pool)
	checktest.Run(t, s, TLSCheck{})
	got := map[string]core.Finding{}
	for _, f := range s.Findings() {
		checktest.Complete(t, f)
		got[f.Title] = f
	}
	if f, ok := got["TLS certificate does not match the host name"]; !ok || f.CWE != 297 {
		t.Errorf("mismatch finding: %+v", got)
	}
	if f, ok := got["TLS certificate expires soon"]; !ok || f.Severity != core.SeverityLow || f.CWE != 324 {
		t.Errorf("expiry finding: %+v", got)
	}
	if len(got) != 2 {
		t.Errorf("want exactly mismatch and expiry, got:%s", checktest.Describe(s.Findings()))
	}
}

func TestCertificateIssuesExpired(t *testing.T) {
	cert, pool := certFor(t, []string{"api.example"}, time.Now().Add(time.Hour))
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	issues := CertificateIssues([]*x509.Certificate{leaf}, "api.example", pool, time.Now().Add(48*time.Hour))
	if len(issues) != 1 || issues[0].title != "TLS certificate expired" || issues[0].severity != core.SeverityHigh {
		t.Errorf("issues: %+v", issues)
	}
}

func TestShortHSTS(t *testing.T) {
	ts := tlsServer(t, hstsHandler("max-age=3600"), nil)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	s := scanTLS(t, ts.URL, roots)
	checktest.Run(t, s, HSTSCheck{})
	if got := titles(s); !slices.Equal(got, []string{"Strict-Transport-Security max-age is short"}) {
		t.Errorf("got %v", got)
	}
}

func TestPlainHTTP(t *testing.T) {
	t.Run("loopback http target is a note, not a finding", func(t *testing.T) {
		ts := httptest.NewServer(hstsHandler(""))
		defer ts.Close()
		s := checktest.Scan(t, core.Config{Target: ts.URL})
		checktest.Run(t, s, Checks()...)
		if fs := s.Findings(); len(fs) != 0 {
			t.Errorf("got:%s", checktest.Describe(fs))
		}
		l := s.Ledger()
		if !slices.ContainsFunc(l, func(c core.Coverage) bool {
			return c.Check == "transport.plain_http" && c.Status == core.Tested && strings.Contains(c.Reason, "loopback")
		}) {
			t.Errorf("ledger: %+v", l)
		}
	})
	t.Run("https target: same port plain and port 80 out of scope", func(t *testing.T) {
		ts := tlsServer(t, hstsHandler("max-age=31536000"), nil)
		s := scanTLS(t, ts.URL, nil)
		checktest.Run(t, s, PlainHTTPCheck{})
		if fs := s.Findings(); len(fs) != 0 {
			t.Errorf("got:%s", checktest.Describe(fs))
		}
		reasons := map[string]string{}
		for _, c := range s.Ledger() {
			reasons[c.Endpoint] = c.Reason
		}
		port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]
		if r := reasons["GET http://127.0.0.1:"+port+"/"]; !strings.Contains(r, "answered 400") {
			t.Errorf("same port: %q (%v)", r, reasons)
		}
		if r := reasons["GET http://127.0.0.1/"]; !strings.Contains(r, "--scope 127.0.0.1:80") {
			t.Errorf("port 80: %q", r)
		}
	})
}

func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "127.8.9.10": true, "::1": true, "[::1]": true, "localhost": true,
		"api.localhost": true, "10.0.0.1": false, "example.com": false, "": false} {
		if got := Loopback(host); got != want {
			t.Errorf("Loopback(%q) = %v", host, got)
		}
	}
}

func TestHSTSMaxAge(t *testing.T) {
	tests := map[string]int64{"max-age=31536000": 31536000, `max-age="600"; includeSubDomains`: 600, " includeSubDomains ; MAX-AGE=5": 5}
	for v, want := range tests {
		if got, ok := HSTSMaxAge(v); !ok || got != want {
			t.Errorf("HSTSMaxAge(%q) = %d %v", v, got, ok)
		}
	}
	for _, v := range []string{"", "max-age=", "max-age=-1", "includeSubDomains"} {
		if _, ok := HSTSMaxAge(v); ok {
			t.Errorf("HSTSMaxAge(%q) ok", v)
		}
	}
}
