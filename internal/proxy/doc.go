// Package proxy is Rampart's forwarding layer: it sends requests that passed
// every guard to an API's upstream servers and brings the answers back.
//
// It is built on httputil.ReverseProxy with a Rewrite function (never the
// deprecated Director, which lets a client delete headers the proxy adds by
// naming them in Connection, and keeps spoofed X-Forwarded-For by default).
// Around it the package adds what a gateway needs:
//
//   - round-robin load balancing with passive health checks: an upstream that
//     fails at the transport level EjectAfter times in a row leaves the
//     rotation for EjectFor; when every upstream is ejected the least recently
//     ejected one is used anyway, so an outage never becomes a black hole;
//   - a circuit breaker per API (github.com/sony/gobreaker/v2) that answers
//     503 with Retry-After while the upstream is known to be down;
//   - error mapping to RFC 9457 problem+json (502 bad_gateway, 504
//     gateway_timeout, 503 upstream_unavailable, 413 body_too_large) that never
//     carries Go error text to the client (CWE-209); causes are logged with
//     the request id;
//   - forwarding headers that believe a client's X-Forwarded-* chain only when
//     the TCP peer is a trusted proxy (CWE-348), and X-Request-Id propagation;
//   - response hygiene: fingerprinting headers removed, nosniff added, and 5xx
//     bodies that look like stack traces or SQL errors replaced (OWASP API8:2023,
//     security misconfiguration), with an Event for the operator;
//   - streaming that is never buffered (server-sent events and any response
//     without Content-Length are flushed on every write) and WebSocket
//     upgrades passed through.
//
// Usage, wrapped by the pipeline Chain so guards run first:
//
//	p, err := proxy.New("orders", proxy.Config{
//		Upstreams:   []string{"http://10.0.0.5:8080", "http://10.0.0.6:8080"},
//		StripPrefix: "/orders",
//	}, proxy.Options{
//		Logger:          logger,
//		TrustedPeer:     resolver.Trusted,       // believe X-Forwarded-* from these peers only
//		ObserveResponse: pipeline.ObserveResponse, // response-observing guards
//		OnUpstreamError: metrics.UpstreamError,    // counts by kind
//	})
//	if err != nil { ... }
//	defer p.Close()
//	chain, err := pipeline.NewChain(pipeline.Options{Stages: stages, Next: p})
package proxy
