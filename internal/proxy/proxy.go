package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/sony/gobreaker/v2"
)

// Options are the proxy's collaborators, independent of its Config.
type Options struct {
	// Logger receives upstream failures (warn), ejections and breaker state
	// changes; nil discards.
	Logger *slog.Logger
	// ObserveResponse sees every upstream response after hygiene, before the
	// client does (the gateway passes pipeline.ObserveResponse). An
	// error stops the response: a *pipeline.Denial is written as such, any
	// other error as 502.
	ObserveResponse func(*http.Response) error
	// OnUpstreamError is told about every gateway-side failure, for metrics:
	// api is the proxy's name, upstream its scheme://host ("" for
	// breaker_open), kind one of the Kind constants. Must be cheap; nil is fine.
	OnUpstreamError func(api, upstream, kind string)
	// TrustedPeer reports whether a TCP peer is a trusted proxy whose
	// X-Forwarded-For/-Host/-Proto are kept and appended to (the gateway
	// passes pipeline.ClientIPResolver.Trusted). Nil trusts nobody: a
	// client's own forwarding headers are dropped (CWE-348, IP spoofing).
	TrustedPeer func(netip.Addr) bool
	// ClientIP names the client in log lines; nil means pipeline.ClientIP.
	ClientIP func(*http.Request) netip.Addr
	// Now is the clock of passive health checks and upstream timing; nil
	// means time.Now. (The circuit breaker keeps real time.)
	Now func() time.Time
}

// Proxy forwards one API's requests to its upstreams. It is an
// http.Handler, safe for concurrent use.
type Proxy struct {
	name      string
	cfg       *settings
	rp        httputil.ReverseProxy
	transport *http.Transport
	upstreams []*upstream
	next      atomic.Uint64

	breaker       *gobreaker.TwoStepCircuitBreaker[struct{}]
	breakerOpened atomic.Int64 // Unix ns of the last opening

	nosniff  []string
	copyBufs copyPool
	peekBufs peekPool

	log         *slog.Logger
	observe     func(*http.Response) error
	onError     func(api, upstream, kind string)
	trustedPeer func(netip.Addr) bool
	clientIP    func(*http.Request) netip.Addr
	now         func() time.Time
}

var _ http.Handler = (*Proxy)(nil)

// New validates cfg and builds the proxy for the API called name. Errors
// name the offending Config field.
func New(name string, cfg Config, opts Options) (*Proxy, error) {
	if name == "" {
		return nil, errors.New("proxy: name is required")
	}
	s, err := resolve(cfg)
	if err != nil {
		return nil, fmt.Errorf("proxy %q: %w", name, err)
	}
	p := &Proxy{
		name:        name,
		cfg:         s,
		nosniff:     []string{"nosniff"},
		log:         opts.Logger,
		observe:     opts.ObserveResponse,
		onError:     opts.OnUpstreamError,
		trustedPeer: opts.TrustedPeer,
		clientIP:    opts.ClientIP,
		now:         opts.Now,
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.clientIP == nil {
		p.clientIP = pipeline.ClientIP
	}
	if p.now == nil {
		p.now = time.Now
	}
	for _, u := range s.upstreams {
		p.upstreams = append(p.upstreams, &upstream{url: u, label: u.Scheme + "://" + u.Host})
	}
	if s.breakerEnabled {
		p.breaker = newBreaker(p)
	}
	p.transport = newTransport(s)
	p.rp = httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      &roundTripper{p: p, base: p.transport},
		BufferPool:     &p.copyBufs,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.handleError,
		ErrorLog:       slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
		// FlushInterval 0: ReverseProxy (Go 1.26, flushInterval in
		// reverseproxy.go) already flushes after every write when the
		// response is text/event-stream or has no Content-Length
		// (ContentLength == -1), which covers every streaming response.
		// Bodies of known length are copied through 32 KiB buffers
		// without a flush per write, which keeps large downloads fast.
		FlushInterval: 0,
	}
	return p, nil
}

// Name is the API name the proxy was built for.
func (p *Proxy) Name() string { return p.name }

// ServeHTTP forwards r to an upstream and copies the answer to w.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.rp.ServeHTTP(w, r)
}

// Close closes idle upstream connections. In-flight requests finish.
func (p *Proxy) Close() error {
	p.transport.CloseIdleConnections()
	return nil
}

// rewrite turns the inbound request into the outbound one. ReverseProxy has
// already removed hop-by-hop headers and every client-sent Forwarded and
// X-Forwarded-* header from pr.Out.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	u, fallback := p.pick()
	if fallback && p.onError != nil {
		p.onError(p.name, u.label, KindNoHealthy)
	}
	if p.cfg.stripPrefix != "" {
		stripPrefix(pr.Out.URL, p.cfg.stripPrefix)
	}
	pr.SetURL(u.url) // joins the upstream's base path; Host := upstream host
	if p.cfg.passHost {
		pr.Out.Host = pr.In.Host
	}

	// Forwarding headers are believed only from a trusted proxy; from anyone
	// else they are spoofable and stay dropped.
	trusted := p.trustedPeer != nil && p.peerTrusted(pr.In.RemoteAddr)
	in, out := pr.In.Header, pr.Out.Header
	if trusted {
		if v := in["X-Forwarded-For"]; len(v) > 0 {
			out["X-Forwarded-For"] = v
		}
	}
	pr.SetXForwarded() // appends the peer to X-Forwarded-For
	if trusted {
		// The trusted proxy saw the client's original host and scheme.
		if v := in["X-Forwarded-Host"]; len(v) > 0 {
			out["X-Forwarded-Host"] = v
		}
		if v := in["X-Forwarded-Proto"]; len(v) > 0 {
			out["X-Forwarded-Proto"] = v
		}
	}
	if id := pipeline.RequestID(pr.In); id != "" {
		out.Set("X-Request-Id", id)
	}
	if pr.Out.Body != nil && pr.Out.Body != http.NoBody {
		pr.Out.Body = &trackedBody{rc: pr.Out.Body}
	}
}

func (p *Proxy) peerTrusted(remoteAddr string) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	return p.trustedPeer(ap.Addr().Unmap())
}

// stripPrefix removes prefix from u's path at a segment boundary, keeping a
// leading "/". The escaped form is cut too; if the client escaped part of
// the prefix, the raw form is dropped and re-derived from the decoded path.
func stripPrefix(u *url.URL, prefix string) {
	rest, ok := cutSegmentPrefix(u.Path, prefix)
	if !ok {
		return
	}
	u.Path = rest
	if u.RawPath != "" {
		if raw, ok := cutSegmentPrefix(u.RawPath, prefix); ok {
			u.RawPath = raw
		} else {
			u.RawPath = ""
		}
	}
}

// cutSegmentPrefix cuts "/svc" from "/svc" or "/svc/..." but not "/svcx".
func cutSegmentPrefix(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return path, false
	}
	if rest == "" {
		rest = "/"
	}
	return rest, true
}
