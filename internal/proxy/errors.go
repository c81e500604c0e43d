package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Kinds of upstream failure reported to Options.OnUpstreamError, for metrics.
const (
	// KindDial: the connection could not be made (refused, unreachable, DNS).
	KindDial = "dial"
	// KindTimeout: dial, TLS handshake or response headers took too long, or
	// the request's deadline passed.
	KindTimeout = "timeout"
	// KindReset: the upstream closed or reset the connection mid-exchange.
	KindReset = "reset"
	// KindTLS: the upstream's TLS handshake or certificate failed.
	KindTLS = "tls"
	// KindOther: any other transport or protocol failure.
	KindOther = "other"
	// KindBreakerOpen: the circuit breaker refused the request (upstream "").
	KindBreakerOpen = "breaker_open"
	// KindNoHealthy: every upstream was ejected; the request went to the least
	// recently ejected one anyway.
	KindNoHealthy = "no_healthy"
)

// StatusClientClosedRequest is recorded (nginx's 499) when the client went
// away before the upstream answered. Nothing is sent: nobody is listening.
const StatusClientClosedRequest = 499

// Public problem details. They never carry error text (CWE-209).
const (
	detailBadGateway  = "The upstream service could not be reached."
	detailTimeout     = "The upstream service did not respond in time."
	detailUnavailable = "The upstream service is temporarily unavailable."
	detailUpstream    = "The upstream service failed."
	detailTooLarge    = "The request body is too large."
	detailBadBody     = "The request body could not be read."
)

// upstreamError is a gateway-side failure to get an answer.
type upstreamError struct {
	kind     string
	upstream string
	err      error
}

func (e *upstreamError) Error() string {
	return "upstream " + e.upstream + " " + e.kind + ": " + e.err.Error()
}

func (e *upstreamError) Unwrap() error { return e.err }

// clientBodyError is a failure to read the client's request body.
type clientBodyError struct{ err error }

func (e *clientBodyError) Error() string { return "reading client request body: " + e.err.Error() }

func (e *clientBodyError) Unwrap() error { return e.err }

// stackTraceError replaces an upstream error body that leaked internals.
type stackTraceError struct {
	status   int
	upstream string
}

func (e *stackTraceError) Error() string {
	return "upstream " + e.upstream + " answered " + strconv.Itoa(e.status) + " with a stack trace or database error"
}

// classify names a transport error for metrics and the status to answer.
func classify(err error) string {
	var (
		ne       net.Error
		op       *net.OpError
		certErr  *tls.CertificateVerificationError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return KindTimeout
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alertErr),
		errors.As(err, &unknown), errors.As(err, &hostErr):
		return KindTLS
	case errors.As(err, &op) && op.Op == "dial":
		return KindDial
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return KindReset
	}
	return KindOther
}

// handleError is the ReverseProxy ErrorHandler. r is the outbound request;
// its context is the inbound one, so pipeline helpers work on it.
func (p *Proxy) handleError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ue  *upstreamError
		st  *stackTraceError
		mbe *http.MaxBytesError
		cbe *clientBodyError
		den *pipeline.Denial
	)
	switch {
	case errors.Is(r.Context().Err(), context.Canceled):
		// The client left; a response would go nowhere. Record 499 only.
		p.logCause(r, slog.LevelDebug, "client canceled the request", "", err)
		w.WriteHeader(StatusClientClosedRequest)
	case errors.As(err, &st):
		pipeline.WriteProblem(w, r, st.status, "upstream_error", detailUpstream)
	case errors.As(err, &mbe):
		pipeline.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "body_too_large", detailTooLarge)
	case errors.As(err, &cbe):
		p.logCause(r, slog.LevelDebug, "client request body failed", "", err)
		pipeline.WriteProblem(w, r, http.StatusBadRequest, "bad_request", detailBadBody)
	case errors.As(err, &den):
		// A response observer refused the upstream's answer.
		p.logCause(r, slog.LevelInfo, "response refused by observer", "", err)
		pipeline.WriteDenial(w, r, den)
	case errors.As(err, &ue):
		pipeline.MarkError(r)
		if p.onError != nil {
			p.onError(p.name, ue.upstream, ue.kind)
		}
		switch ue.kind {
		case KindBreakerOpen:
			// The state change was logged once at warn; one line per refused
			// request would flood the log during an outage.
			p.logCause(r, slog.LevelDebug, "circuit breaker refused the request", ue.kind, ue.err)
			w.Header().Set("Retry-After", strconv.FormatInt(int64(p.retryAfter()/time.Second), 10))
			pipeline.WriteProblem(w, r, http.StatusServiceUnavailable, "upstream_unavailable", detailUnavailable)
		case KindTimeout:
			p.logCause(r, slog.LevelWarn, "upstream request failed", ue.kind, ue.err)
			pipeline.WriteProblem(w, r, http.StatusGatewayTimeout, "gateway_timeout", detailTimeout)
		default:
			p.logCause(r, slog.LevelWarn, "upstream request failed", ue.kind, ue.err)
			pipeline.WriteProblem(w, r, http.StatusBadGateway, "bad_gateway", detailBadGateway)
		}
	default:
		// Observer failures, refused protocol switches, response errors.
		pipeline.MarkError(r)
		p.logCause(r, slog.LevelWarn, "proxying failed", KindOther, err)
		pipeline.WriteProblem(w, r, http.StatusBadGateway, "bad_gateway", detailBadGateway)
	}
}

// retryAfter is how long the open breaker will keep refusing, rounded up
// to whole seconds and at least one.
func (p *Proxy) retryAfter() time.Duration {
	left := p.cfg.breakerOpenTimeout
	if opened := p.breakerOpened.Load(); opened != 0 {
		left -= time.Since(time.Unix(0, opened))
	}
	left = (left + time.Second - 1).Truncate(time.Second)
	return max(left, time.Second)
}

// logCause logs the private cause of a failed request with its request id.
func (p *Proxy) logCause(r *http.Request, level slog.Level, msg, kind string, err error) {
	ctx := r.Context()
	if !p.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("api", p.name),
		slog.String("request_id", pipeline.RequestID(r)),
		slog.String("method", r.Method),
		slog.String("upstream", r.URL.Scheme+"://"+r.URL.Host),
		slog.Any("error", err),
	}
	if kind != "" {
		attrs = append(attrs, slog.String("kind", kind))
	}
	if ip := p.clientIP(r); ip.IsValid() {
		attrs = append(attrs, slog.String("client", ip.String()))
	}
	p.log.LogAttrs(ctx, level, msg, attrs...)
}
