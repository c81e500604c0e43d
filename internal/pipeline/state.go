package pipeline

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// State is the per-request record the Chain keeps. It is also the request's
// context: embedding the parent context and answering Value for its own key
// saves the allocation a context.WithValue would cost on every request.
type State struct {
	context.Context
	chain    *Chain
	start    time.Time
	outcome  Outcome
	events   []Event
	w        responseRecorder
	body     countingBody
	buffered bufferedBody
	idBuf    [40]byte
	idHeader [1]string
	// unreleased lists stages whose monitored denial let the request pass:
	// their Check did not admit it, so they get no Release.
	unreleased []int
	enforced   bool
	failed     bool
}

type stateKey struct{}

// Value returns the State itself for the pipeline's key and defers to the
// parent context for any other key.
func (s *State) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return s
	}
	return s.Context.Value(key)
}

// StateOf returns the request's State, or nil outside a Chain.
func StateOf(ctx context.Context) *State {
	s, _ := ctx.Value(stateKey{}).(*State)
	return s
}

// RequestID returns the request id assigned by the Chain ("" outside one).
func RequestID(r *http.Request) string {
	if s := StateOf(r.Context()); s != nil {
		return s.outcome.RequestID
	}
	return ""
}

// ClientIP returns the client address the Chain resolved (peer address, or the
// forwarded one when the peer is a trusted proxy). Every guard uses this one
// function so that all of them agree on who the client is.
func ClientIP(r *http.Request) netip.Addr {
	if s := StateOf(r.Context()); s != nil {
		return s.outcome.Client
	}
	return peerAddr(r.RemoteAddr)
}

// SetIdentity records who the request acts for.
func SetIdentity(r *http.Request, id *Identity) {
	if s := StateOf(r.Context()); s != nil {
		s.outcome.Identity = id
	}
}

// IdentityOf returns the Identity set by an authentication guard, or nil.
func IdentityOf(r *http.Request) *Identity {
	if s := StateOf(r.Context()); s != nil {
		return s.outcome.Identity
	}
	return nil
}

// SetRoute records the API and route the request matched.
func SetRoute(r *http.Request, route Route) {
	if s := StateOf(r.Context()); s != nil {
		s.outcome.Route = route
	}
}

// RouteOf returns the matched route (zero when unrouted).
func RouteOf(r *http.Request) Route {
	if s := StateOf(r.Context()); s != nil {
		return s.outcome.Route
	}
	return Route{}
}

// AddEvent attaches a security Event to the request; the Chain fills in
// time, request id, client, subject and route, and emits it with the Outcome.
func AddEvent(r *http.Request, e Event) {
	if s := StateOf(r.Context()); s != nil {
		s.events = append(s.events, e)
	}
}

// AddUpstreamTime adds time spent waiting for the upstream, so the Outcome
// can keep gateway overhead and upstream latency apart.
func AddUpstreamTime(r *http.Request, d time.Duration) {
	if s := StateOf(r.Context()); s != nil {
		s.outcome.Upstream += d
	}
}

// MarkError records that the gateway failed to serve the request (upstream
// unreachable, timeout, circuit open): the Outcome's verdict becomes "error".
func MarkError(r *http.Request) {
	if s := StateOf(r.Context()); s != nil {
		s.failed = true
	}
}

// responseRecorder captures the status and size of a response. It keeps
// Flush (server-sent events) and Unwrap (http.ResponseController, used by
// httputil.ReverseProxy for WebSocket hijacking) working.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *responseRecorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *responseRecorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection to the handler (httputil.ReverseProxy does for
// WebSocket upgrades) and records 101 Switching Protocols: the upgrade
// response then goes straight to the connection, unseen by WriteHeader, and
// the Outcome would otherwise claim a 200.
func (w *responseRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return conn, brw, err
}

// Unwrap lets http.ResponseController reach deadlines and other extensions.
func (w *responseRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countingBody counts request body bytes for the Outcome.
type countingBody struct {
	rc io.ReadCloser
	n  int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }
