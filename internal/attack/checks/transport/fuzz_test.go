package transport

import (
	"crypto/x509"
	"testing"
	"time"
)

// FuzzHSTSMaxAge: any header value, no panic, never a negative age.
func FuzzHSTSMaxAge(f *testing.F) {
	f.Add("max-age=31536000; includeSubDomains; preload")
	f.Add(`max-age="1"`)
	f.Add(";;=;max-age")
	f.Fuzz(func(t *testing.T, v string) {
		if n, ok := HSTSMaxAge(v); ok && n < 0 {
			t.Fatalf("negative max-age %d", n)
		}
	})
}

// FuzzCertificateIssues: any DER that parses as a certificate, no panic,
// bounded issues.
func FuzzCertificateIssues(f *testing.F) {
	f.Add([]byte{0x30, 0x00}, "example.com")
	f.Fuzz(func(t *testing.T, der []byte, host string) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		if got := CertificateIssues([]*x509.Certificate{c, nil}, host, x509.NewCertPool(), time.Now()); len(got) > 8 {
			t.Fatalf("%d issues", len(got))
		}
	})
}
