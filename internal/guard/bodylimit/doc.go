// Package bodylimit caps the size of request bodies, per route, so that a
// client cannot make the gateway or the upstream buffer, parse or store an
// unbounded body (OWASP API4:2023, unrestricted resource consumption).
//
// The [Guard] enforces the limit in two places:
//
//   - A declared Content-Length above the limit is denied at once with 413
//     and code "body_too_large", before a byte of the body is read: a client
//     announcing a gigabyte is turned away without the gateway waiting for
//     it. On HTTP/1.x the answer carries "Connection: close", so net/http
//     does not try to drain the unread body to reuse the connection.
//   - A body of unknown length (chunked, or HTTP/2 without content-length)
//     is wrapped with [http.MaxBytesReader]: reading past the limit fails
//     with *[http.MaxBytesError]. Whoever reads the body (the proxy, a body
//     inspecting guard) must answer that error with 413 "body_too_large",
//     ideally with "Connection: close" on HTTP/1.x (see below).
//
// Bodies with a declared length within the limit are not wrapped: net/http
// never delivers more than the declared Content-Length as the body (RFC 9112
// §6.3), so the check above is already exact and costs no allocation.
//
// # Per-route limits
//
// One Guard serves the whole gateway. [Config.MaxBytes] is the default;
// [Config.Routes] overrides it per API or per route, keyed by the
// [pipeline.Route] that route matching records with [pipeline.SetRoute].
// The lookup tries {API, Route}, then {API, ""} (the whole API), then the
// default. Limits are data validated once by [New], so an operator's typo is
// a startup error rather than a request-time surprise, and the chain stays
// one ordered slice. Place the guard after the stage that matches routes and
// before any stage that reads the body.
//
// # Connection reuse after a cut
//
// [http.MaxBytesReader] normally tells the server, through its
// ResponseWriter, that the limit was hit, so that it closes the connection
// instead of reading on. A guard sees only the request, so the reader is
// built with a nil writer (safe: the server hook is found by a type
// assertion, which fails on nil). Before writing a response, net/http then
// reads and discards up to 256 KiB of the unread body to keep the connection
// reusable, so a slow client delays its own 413, unless the response
// carries "Connection: close", which skips that step. Whoever answers a
// *http.MaxBytesError with 413 should therefore set "Connection: close" on
// HTTP/1.x, as this guard does for its own 413. (After the handler returns,
// net/http still discards at most 256 KiB more before closing, bounded by
// the server's ReadTimeout.)
//
// Monitor mode applies to the Content-Length check only: a body of unknown
// length over the limit is still cut while it is read.
//
// Usage:
//
//	limit, err := bodylimit.New(bodylimit.Config{
//		MaxBytes: 1 << 20,
//		Routes: map[pipeline.Route]int64{
//			{API: "files", Route: "upload"}: 50 << 20,
//			{API: "search"}:                 16 << 10,
//		},
//	})
//	if err != nil { ... }
//	stages := []pipeline.Stage{..., routeMatch, {Guard: limit}, schema, ...}
package bodylimit
