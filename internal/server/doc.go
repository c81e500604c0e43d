// Package server runs Rampart's client-facing listeners: it wraps the
// gateway's http.Handler in hardened net/http servers.
//
// A [Server] owns up to two listeners, plain HTTP and HTTPS, and applies the
// transport-level defences that must happen before any request reaches the
// guard chain:
//
//   - TLS 1.2+ only, AEAD-only ECDHE cipher suites for TLS 1.2, HTTP/2 via
//     ALPN, optional mutual TLS (client certificates verified against a CA
//     bundle), certificates hot-reloadable without dropping connections;
//   - HSTS (RFC 6797) on HTTPS responses and an optional 308 redirect from
//     HTTP to HTTPS;
//   - header size caps (431) and header/read/write/idle timeouts (slowloris);
//   - a cap on concurrent connections per client IP;
//   - graceful shutdown bounded by a deadline;
//   - atomic handler swaps for configuration reloads.
//
// Usage:
//
//	srv, err := server.New(server.Config{
//		HTTPSAddr: ":8443",
//		CertFile:  "/etc/rampart/tls.crt",
//		KeyFile:   "/etc/rampart/tls.key",
//		HSTS:      server.HSTS{Enabled: true},
//	}, gatewayHandler, logger)
//	if err != nil { ... }
//	if err := srv.Start(); err != nil { ... } // bind errors are returned here
//	// on SIGHUP:   srv.ReloadCertificates(); srv.SetHandler(newGatewayHandler)
//	// on SIGTERM:  srv.Shutdown(ctx)
//	// meanwhile:   err := srv.Wait() reports a listener that died
package server
