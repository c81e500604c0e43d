package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config tunes forwarding for one API. It is a plain struct: the zero value
// of every field means the documented default, and New validates it.
type Config struct {
	// Upstreams are the base URLs requests go to, e.g. "http://10.0.0.5:8080"
	// or "https://orders.internal/base" (the path is prepended to the request
	// path). At least one; scheme http or https; no user info (credentials in
	// URLs end up in logs). Required.
	Upstreams []string
	// StripPrefix is removed from the request path before forwarding, at a
	// path-segment boundary: "/svc" turns "/svc/api/x" into "/api/x" and
	// "/svc" into "/", and leaves "/svcx" alone. A trailing "/" is ignored.
	// Empty (default) forwards the path unchanged.
	StripPrefix string
	// PassHost sends the client's Host header upstream. Default false: the
	// Host header is the upstream's host, which virtual-hosted upstreams and
	// TLS SNI need.
	PassHost bool
	// DialTimeout bounds connecting to an upstream, and separately its TLS
	// handshake. Default 5s.
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for an upstream's response headers
	// after the request was sent; exceeding it answers 504. It does not limit
	// streaming bodies or WebSockets. Default 30s.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes idle keep-alive connections to upstreams. Default 90s.
	IdleConnTimeout time.Duration
	// MaxIdleConnsPerHost is the keep-alive pool size per upstream. Default 64.
	MaxIdleConnsPerHost int
	// TLSInsecureSkipVerify disables upstream certificate verification.
	// DANGEROUS: anyone on the path to the upstream can read and change the
	// traffic (man-in-the-middle). Use CAFile for private CAs instead. Default false.
	TLSInsecureSkipVerify bool
	// CAFile is a PEM bundle of CAs that sign the upstreams' certificates. When
	// set it replaces the system roots for this API. Default: system roots.
	CAFile string
	// Health configures passive health checking.
	Health HealthConfig
	// Breaker configures the API's circuit breaker.
	Breaker BreakerConfig
	// Hygiene configures response clean-up; on by default.
	Hygiene HygieneConfig
}

// HealthConfig tunes passive health checks: upstreams are judged by the
// traffic itself, no probes are sent. Only transport failures count
// (refused, reset, timed out, TLS failures); an upstream that answers, even
// with a 5xx, is alive.
type HealthConfig struct {
	// EjectAfter is how many consecutive transport failures take an upstream
	// out of rotation. Default 3.
	EjectAfter int
	// EjectFor is how long an ejected upstream stays out. Default 10s.
	EjectFor time.Duration
}

// BreakerConfig tunes the API's circuit breaker. While open, requests are
// answered 503 without touching the upstream, which gives an overloaded
// upstream room to recover and answers clients fast.
type BreakerConfig struct {
	// Enabled turns the breaker on. Default (nil) true.
	Enabled *bool
	// ConsecutiveFailures opens the breaker. Failures are transport errors
	// and 502/503/504 answers; a 500 is not one, because a client can provoke
	// 500s with crafted input and must not be able to open the breaker for
	// everyone. Default 5.
	ConsecutiveFailures int
	// OpenTimeout is how long the breaker stays open before letting probe
	// requests through (half-open). Default 10s.
	OpenTimeout time.Duration
	// HalfOpenMaxRequests is how many probes may run while half-open; that
	// many successes close the breaker, one failure reopens it. Default 1.
	HalfOpenMaxRequests int
}

// HygieneConfig tunes what the proxy removes from upstream responses so the
// API does not advertise its stack (OWASP API8:2023 security misconfiguration).
type HygieneConfig struct {
	// StripHeaders are response headers removed before the client sees them.
	// Default (nil) ["Server", "X-Powered-By", "X-AspNet-Version",
	// "X-AspNetMvc-Version"]; an empty non-nil list strips nothing.
	StripHeaders []string
	// NoSniff sets X-Content-Type-Options: nosniff on every response so a
	// browser never executes an API response sniffed as HTML or script.
	// Default (nil) true.
	NoSniff *bool
	// MaskStackTraces replaces 5xx bodies that look like a stack trace or a
	// database error (CWE-209) with a generic problem+json that keeps the
	// status code. Only a bounded prefix (64 KiB) is inspected, and streaming
	// bodies are never held back. Default (nil) true.
	MaskStackTraces *bool
}

// Defaults, in one place.
const (
	defaultDialTimeout           = 5 * time.Second
	defaultResponseHeaderTimeout = 30 * time.Second
	defaultIdleConnTimeout       = 90 * time.Second
	defaultMaxIdleConnsPerHost   = 64
	defaultEjectAfter            = 3
	defaultEjectFor              = 10 * time.Second
	defaultBreakerFailures       = 5
	defaultBreakerOpenTimeout    = 10 * time.Second
	defaultBreakerHalfOpen       = 1
)

// defaultStripHeaders name the server software and framework versions.
func defaultStripHeaders() []string {
	return []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"}
}

// settings is a validated Config with defaults applied.
type settings struct {
	upstreams             []*url.URL
	stripPrefix           string
	passHost              bool
	dialTimeout           time.Duration
	responseHeaderTimeout time.Duration
	idleConnTimeout       time.Duration
	maxIdleConnsPerHost   int
	tls                   *tls.Config
	anyHTTPS              bool
	ejectAfter            int32
	ejectFor              time.Duration
	breakerEnabled        bool
	breakerFailures       uint32
	breakerOpenTimeout    time.Duration
	breakerHalfOpen       uint32
	stripHeaders          []string
	noSniff               bool
	maskStackTraces       bool
}

// resolve validates cfg and applies defaults. Errors name the field.
func resolve(cfg Config) (*settings, error) {
	s := &settings{passHost: cfg.PassHost}
	if len(cfg.Upstreams) == 0 {
		return nil, fieldErrorf("Upstreams", "at least one upstream URL is required")
	}
	seen := map[string]int{}
	for i, raw := range cfg.Upstreams {
		u, err := parseUpstream(raw)
		if err != nil {
			return nil, fieldErrorf(fmt.Sprintf("Upstreams[%d]", i), "%w", err)
		}
		key := u.Scheme + "://" + u.Host
		if j, dup := seen[key]; dup {
			return nil, fieldErrorf(fmt.Sprintf("Upstreams[%d]", i), "%s is already Upstreams[%d]", key, j)
		}
		seen[key] = i
		s.anyHTTPS = s.anyHTTPS || u.Scheme == "https"
		s.upstreams = append(s.upstreams, u)
	}
	prefix, err := parseStripPrefix(cfg.StripPrefix)
	if err != nil {
		return nil, fieldErrorf("StripPrefix", "%w", err)
	}
	s.stripPrefix = prefix

	durations := []struct {
		name string
		in   time.Duration
		def  time.Duration
		out  *time.Duration
	}{
		{"DialTimeout", cfg.DialTimeout, defaultDialTimeout, &s.dialTimeout},
		{"ResponseHeaderTimeout", cfg.ResponseHeaderTimeout, defaultResponseHeaderTimeout, &s.responseHeaderTimeout},
		{"IdleConnTimeout", cfg.IdleConnTimeout, defaultIdleConnTimeout, &s.idleConnTimeout},
		{"Health.EjectFor", cfg.Health.EjectFor, defaultEjectFor, &s.ejectFor},
		{"Breaker.OpenTimeout", cfg.Breaker.OpenTimeout, defaultBreakerOpenTimeout, &s.breakerOpenTimeout},
	}
	for _, d := range durations {
		if d.in < 0 {
			return nil, fieldErrorf(d.name, "must not be negative (got %s)", d.in)
		}
		*d.out = orDefault(d.in, d.def)
	}

	ints := []struct {
		name string
		in   int
		def  int
		max  int
	}{
		{"MaxIdleConnsPerHost", cfg.MaxIdleConnsPerHost, defaultMaxIdleConnsPerHost, 1 << 16},
		{"Health.EjectAfter", cfg.Health.EjectAfter, defaultEjectAfter, 1 << 20},
		{"Breaker.ConsecutiveFailures", cfg.Breaker.ConsecutiveFailures, defaultBreakerFailures, 1 << 20},
		{"Breaker.HalfOpenMaxRequests", cfg.Breaker.HalfOpenMaxRequests, defaultBreakerHalfOpen, 1 << 16},
	}
	vals := make([]int, len(ints))
	for i, n := range ints {
		if n.in < 0 || n.in > n.max {
			return nil, fieldErrorf(n.name, "must be between 0 (default %d) and %d (got %d)", n.def, n.max, n.in)
		}
		vals[i] = orDefault(n.in, n.def)
	}
	s.maxIdleConnsPerHost = vals[0]
	s.ejectAfter = int32(vals[1])
	s.breakerFailures = uint32(vals[2])
	s.breakerHalfOpen = uint32(vals[3])

	s.breakerEnabled = boolOr(cfg.Breaker.Enabled, true)
	s.noSniff = boolOr(cfg.Hygiene.NoSniff, true)
	s.maskStackTraces = boolOr(cfg.Hygiene.MaskStackTraces, true)
	strip := cfg.Hygiene.StripHeaders
	if strip == nil {
		strip = defaultStripHeaders()
	}
	for i, h := range strip {
		if h == "" || strings.ContainsAny(h, " \t\r\n:") {
			return nil, fieldErrorf(fmt.Sprintf("Hygiene.StripHeaders[%d]", i), "%q is not a header name", h)
		}
		// Upstream headers arrive canonicalised, so a map delete suffices.
		s.stripHeaders = append(s.stripHeaders, http.CanonicalHeaderKey(h))
	}

	tc, err := upstreamTLS(cfg)
	if err != nil {
		return nil, err
	}
	s.tls = tc
	return s, nil
}

// parseUpstream checks one upstream URL. Parse errors are unwrapped from
// *url.Error, whose text repeats the whole URL (and any password in it).
func parseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("parsing upstream URL: %w", err)
	}
	if u.User != nil {
		return nil, errors.New("upstream URL must not contain user info (credentials leak into logs)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("upstream URL scheme %q is not supported (want http or https)", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("upstream URL %q has no host", u.Redacted())
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("upstream URL %q must not have a fragment", u.Redacted())
	}
	return u, nil
}

// parseStripPrefix normalises a prefix: leading "/", no trailing "/", and a
// form whose escaping is stable so it can be cut from the raw path too.
func parseStripPrefix(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%q must start with /", p)
	}
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "", nil // "/" strips nothing
	}
	if (&url.URL{Path: p}).EscapedPath() != p || strings.ContainsAny(p, "?#%") {
		return "", fmt.Errorf("%q must be a plain path (no characters that need escaping)", p)
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%q must not contain empty, . or .. segments", p)
		}
	}
	return p, nil
}

// upstreamTLS builds the client TLS config for https upstreams.
func upstreamTLS(cfg Config) (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// #nosec G402 -- opt-in, documented as dangerous on the Config field.
		InsecureSkipVerify: cfg.TLSInsecureSkipVerify,
	}
	if cfg.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fieldErrorf("CAFile", "reading %s: %w", cfg.CAFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fieldErrorf("CAFile", "%s holds no PEM certificates", cfg.CAFile)
	}
	tc.RootCAs = pool
	return tc, nil
}

// fieldErrorf names the Config field an error is about.
func fieldErrorf(field, format string, args ...any) error {
	return fmt.Errorf("%s: %w", field, fmt.Errorf(format, args...))
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
