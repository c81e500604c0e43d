package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// TLSCheck measures what the target's TLS accepts and what it presents.
type TLSCheck struct{}

// ID implements core.Check.
func (TLSCheck) ID() string { return "transport.tls" }

// Stage implements core.Check.
func (TLSCheck) Stage() core.Stage { return core.StageTransport }

// Title implements core.Check.
func (TLSCheck) Title() string { return "TLS versions, cipher suites and certificate" }

// Untestable says what Go's TLS client cannot test, for the ledger.
const Untestable = "not testable with Go's crypto/tls: SSL 2.0/3.0, export, NULL, anonymous and finite-field DHE suites, " +
	"the choice of TLS 1.3 suites, compression, renegotiation, Heartbleed-style bugs; use testssl.sh or sslyze for those"

// Plan implements core.Check.
func (c TLSCheck) Plan(s *core.Scan) []core.PlannedRequest {
	if s.Target().Scheme != "https" {
		return []core.PlannedRequest{{Endpoint: "*", Class: "skipped: the target is plain HTTP"}}
	}
	return []core.PlannedRequest{
		{Endpoint: "TLS versions", Class: "handshakes offering one version: TLS 1.0, 1.1, 1.2, 1.3 (not HTTP requests)", Count: len(versions)},
		{Endpoint: "TLS cipher suites", Class: "handshakes offering one TLS 1.0–1.2 suite each, insecure ones included", Count: len(suitesToTest())},
		{Endpoint: "TLS certificate", Class: "one default handshake to read the certificate", Count: 1},
	}
}

// Run implements core.Check.
func (c TLSCheck) Run(ctx context.Context, s *core.Scan) error {
	if s.Target().Scheme != "https" {
		s.Cover("*", c.ID(), core.Skipped, "the target is plain HTTP (see transport.plain_http)")
		return core.Skip("the target is plain HTTP")
	}
	ep := endpointOf(s.Target())
	timeout := s.Config().Timeout
	s.Cover("TLS: untestable with Go", c.ID(), core.Skipped, Untestable)

	// The certificate first: a target that cannot finish a default
	// handshake gets nothing else.
	st, err := handshake(ctx, ep, &tls.Config{}, timeout)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		s.Cover("TLS certificate", c.ID(), core.Skipped, "default handshake failed: "+err.Error())
		return core.Skip("no TLS handshake with the target: " + err.Error())
	}
	roots := systemOrGiven(s)
	for _, iss := range CertificateIssues(st.PeerCertificates, ep.host, roots, time.Now()) {
		s.Report(c.finding(ep, iss.title, iss.cwe, iss.severity, iss.detail,
			"Serve a certificate from a trusted CA for the API's host name, with at least 2048-bit RSA or P-256, and renew it before it expires. "+
				"With Rampart terminating TLS: listen.tls.cert_file and key_file (reloaded on SIGHUP), never listen.tls.dev in production.",
			curlVersion(ep, 0)))
	}
	s.Cover("TLS certificate", c.ID(), core.Tested, "")

	var old []uint16
	var accepted []string
	for _, v := range versions {
		st, err := handshake(ctx, ep, &tls.Config{MinVersion: v, MaxVersion: v}, timeout)
		if ctx.Err() != nil {
			s.Cover("TLS versions", c.ID(), core.NotReached, ctx.Err().Error())
			return ctx.Err()
		}
		if err == nil && st.Version == v {
			accepted = append(accepted, tls.VersionName(v))
			if v < tls.VersionTLS12 {
				old = append(old, v)
			}
		}
	}
	s.Cover("TLS versions", c.ID(), core.Tested, "accepted: "+strings.Join(accepted, ", "))
	if len(old) > 0 {
		names := make([]string, len(old))
		for i, v := range old {
			names[i] = tls.VersionName(v)
		}
		s.Report(c.finding(ep, "Deprecated TLS versions accepted", 327, core.SeverityMedium,
			fmt.Sprintf("the server completed handshakes offering only %s (RFC 8996 deprecates TLS 1.0 and 1.1: BEAST, weak MAC and key derivation)", strings.Join(names, " and ")),
			"Accept TLS 1.2 and 1.3 only. With Rampart terminating TLS: listen.tls.min_version \"1.2\" (the default) or \"1.3\".",
			curlVersion(ep, old[0])))
	}

	var weak, noPFS []string
	for _, suite := range suitesToTest() {
		st, err := handshake(ctx, ep, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite.ID}}, timeout)
		if ctx.Err() != nil {
			s.Cover("TLS cipher suites", c.ID(), core.NotReached, ctx.Err().Error())
			return ctx.Err()
		}
		if err != nil || st.CipherSuite != suite.ID {
			continue
		}
		switch {
		case brokenCipher(suite.Name):
			weak = append(weak, suite.Name)
		case noForwardSecrecy(suite.Name):
			noPFS = append(noPFS, suite.Name)
		case insecureSuite(suite.ID):
			weak = append(weak, suite.Name)
		}
	}
	s.Cover("TLS cipher suites", c.ID(), core.Tested, fmt.Sprintf("%d suites offered one at a time; weak accepted: %d, without forward secrecy: %d", len(suitesToTest()), len(weak), len(noPFS)))
	suiteRemediation := "Offer only ECDHE suites with AES-GCM or ChaCha20-Poly1305. Rampart's TLS listener uses Go's defaults, which offer neither RC4, 3DES, CBC-SHA256 nor RSA key exchange."
	if len(weak) > 0 {
		s.Report(c.finding(ep, "Weak TLS cipher suites accepted", 327, core.SeverityMedium,
			"the server accepted, each offered alone: "+strings.Join(weak, ", ")+" (RC4 is broken, 3DES has 64-bit blocks (Sweet32), CBC-SHA256 is open to Lucky13-style timing)",
			suiteRemediation, curlSuite(ep, weak[0])))
	}
	if len(noPFS) > 0 {
		s.Report(c.finding(ep, "TLS cipher suites without forward secrecy accepted", 327, core.SeverityLow,
			"the server accepted RSA key exchange, each offered alone: "+strings.Join(noPFS, ", ")+"; whoever obtains the server's key later decrypts every recorded session",
			suiteRemediation, curlSuite(ep, noPFS[0])))
	}
	return nil
}

func systemOrGiven(s *core.Scan) *x509.CertPool {
	if tc := s.Config().TLSClientConfig; tc != nil && tc.RootCAs != nil {
		return tc.RootCAs
	}
	return nil
}

// finding describes a handshake-level result: the evidence is the
// handshake, told in the exchange's note (there is no HTTP exchange).
func (c TLSCheck) finding(ep endpoint, title string, cwe int, sev core.Severity, detail, remediation, curl string) core.Finding {
	ex := core.Exchange{Note: "TLS handshake with " + ep.addr + ": " + detail,
		Request: core.HTTPRequest{Method: "TLS", URL: "https://" + ep.addr + "/"}}
	return core.Finding{
		Check:            c.ID(),
		Title:            title,
		OWASP:            core.API8Misconfig,
		CWE:              cwe,
		Severity:         sev,
		Confidence:       core.Firm,
		ConfidenceReason: "observed in a TLS handshake with the target",
		Endpoint:         "TLS " + ep.addr,
		Description:      "TLS on " + ep.addr + ": " + detail + ".",
		Evidence:         []core.Exchange{ex},
		Curl:             curl,
		Remediation:      remediation,
	}
}

func curlVersion(ep endpoint, v uint16) string {
	if v == 0 {
		return "curl -sS -v -o /dev/null 'https://" + ep.addr + "/'"
	}
	return fmt.Sprintf("curl -sS -v -k -o /dev/null --tlsv%s --tls-max %s 'https://%s/'", curlFlag[v], curlFlag[v], ep.addr)
}

func curlSuite(ep endpoint, goName string) string {
	name := openSSLNames[goName]
	if name == "" {
		name = goName
	}
	return fmt.Sprintf("curl -sS -v -k -o /dev/null --tls-max 1.2 --ciphers '%s' 'https://%s/'", name, ep.addr)
}
