// Package transport holds the simulator's checks of the channel itself:
// what protects the API's traffic from a man in the middle (OWASP
// API8:2023, security misconfiguration).
//
//   - transport.tls shakes hands with the target once per protocol version
//     (TLS 1.0 to 1.3) and once per cipher suite Go can offer (one suite at
//     a time, the insecure ones of tls.InsecureCipherSuites included), and
//     inspects the certificate: trust, self-signed, host name, validity and
//     expiry (30 days or less is low), key size and signature algorithm.
//   - transport.hsts reads Strict-Transport-Security on an HTTPS answer.
//   - transport.plain_http asks for the API over plain HTTP on the same
//     host: on the target's port and, when in scope, on port 80.
//
// Go's crypto/tls is the only TLS client used, so what it cannot speak is
// not tested and is said so in the coverage ledger: SSL 2.0 and 3.0,
// export, NULL, anonymous and finite-field DHE suites, the choice of TLS 1.3
// suites, compression, renegotiation and Heartbleed-style bugs. Use a
// dedicated scanner (testssl.sh, sslyze) for those. TLS 1.0 and 1.1 are
// tested: Go's client still offers them when asked explicitly.
//
// A plain-HTTP target is a finding unless it is on loopback: a demo on
// 127.0.0.1 never puts traffic on a network, and failing it would teach
// users to ignore the finding; the ledger notes it instead.
//
// Handshakes are not HTTP requests and do not count against the request
// budget; they go only to the target's own host and port, and each check
// documents its bound.
package transport
