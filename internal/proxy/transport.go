package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/sony/gobreaker/v2"
)

// newTransport builds the tuned upstream transport of one Proxy.
func newTransport(s *settings) *http.Transport {
	dialer := &net.Dialer{Timeout: s.dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		// Never route upstream traffic through HTTP(S)_PROXY from the
		// environment: the operator configured the upstream, not a proxy.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     s.anyHTTPS,
		TLSClientConfig:       s.tls,
		TLSHandshakeTimeout:   s.dialTimeout,
		ResponseHeaderTimeout: s.responseHeaderTimeout,
		IdleConnTimeout:       s.idleConnTimeout,
		MaxIdleConns:          s.maxIdleConnsPerHost * len(s.upstreams),
		MaxIdleConnsPerHost:   s.maxIdleConnsPerHost,
		ExpectContinueTimeout: time.Second,
		// Bodies pass through untouched: no Accept-Encoding added, no
		// transparent decompression changing what the client receives.
		DisableCompression: true,
	}
}

// newBreaker builds the API's circuit breaker; it records when it opened so
// 503 answers can say how long to wait.
func newBreaker(p *Proxy) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	failures := p.cfg.breakerFailures
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        p.name,
		MaxRequests: p.cfg.breakerHalfOpen,
		Timeout:     p.cfg.breakerOpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, errNotCounted) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			level := slog.LevelInfo
			if to == gobreaker.StateOpen {
				// gobreaker keeps real time, so Retry-After does too.
				p.breakerOpened.Store(time.Now().UnixNano())
				level = slog.LevelWarn
			}
			p.log.LogAttrs(context.Background(), level, "circuit breaker state changed",
				slog.String("api", name), slog.String("from", from.String()), slog.String("to", to.String()))
		},
	})
}

// Sentinels reported to the breaker: errUpstreamStatus is a 502/503/504
// answer (a failure), errNotCounted a request whose fate says nothing about
// the upstream (client went away, client body unreadable).
var (
	errUpstreamStatus = errors.New("upstream answered 502, 503 or 504")
	errNotCounted     = errors.New("not counted")
)

// roundTripper wraps the transport with the breaker, passive health and
// upstream-time measurement.
type roundTripper struct {
	p    *Proxy
	base http.RoundTripper
}

var _ http.RoundTripper = (*roundTripper)(nil)

// RoundTrip sends req upstream. Its errors are typed for the ErrorHandler:
// *upstreamError for gateway-side failures, *clientBodyError when reading the
// client's body failed; a client's cancellation is passed through as is.
func (t *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	p := t.p
	u := p.upstreamFor(req.URL)
	var done func(error)
	if p.breaker != nil {
		d, err := p.breaker.Allow()
		if err != nil {
			return nil, &upstreamError{kind: KindBreakerOpen, err: err}
		}
		done = d
	}
	start := p.now()
	res, err := t.base.RoundTrip(req)
	pipeline.AddUpstreamTime(req, p.now().Sub(start))

	if err == nil {
		if u != nil {
			u.succeeded()
		}
		if done != nil {
			switch res.StatusCode {
			case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				done(errUpstreamStatus)
			default:
				done(nil)
			}
		}
		return res, nil
	}

	// A client that hung up or sent a broken body must not count against
	// the upstream: otherwise anyone could eject upstreams or open the
	// breaker for everyone by aborting uploads.
	if tb, ok := req.Body.(*trackedBody); ok && tb.failed.Load() {
		if done != nil {
			done(errNotCounted)
		}
		return nil, &clientBodyError{err: err}
	}
	if errors.Is(req.Context().Err(), context.Canceled) {
		if done != nil {
			done(errNotCounted)
		}
		return nil, err
	}
	if u != nil {
		p.failed(u)
	}
	if done != nil {
		done(err)
	}
	ue := &upstreamError{kind: classify(err), err: err}
	if u != nil {
		ue.upstream = u.label
	}
	return nil, ue
}

// trackedBody wraps the outbound request body to remember whether reading
// the client's body failed, which the transport's error alone cannot tell
// apart from an upstream failure.
type trackedBody struct {
	rc io.ReadCloser
	// failed is written by the transport's write goroutine and read by
	// RoundTrip, which may return before that goroutine ends.
	failed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		b.failed.Store(true)
	}
	return n, err
}

func (b *trackedBody) Close() error { return b.rc.Close() }
