package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	DefaultMinTLSVersion     = "1.2"
	DefaultHSTSMaxAge        = 31536000 // seconds: one year, the common preload-list minimum
	DefaultMaxHeaderBytes    = 32 << 10 // 32 KiB
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxConnsPerIP     = 256
	DefaultShutdownTimeout   = 30 * time.Second
)

// Client authentication modes for [Config.ClientAuth].
const (
	ClientAuthNone    = "none"    // no client certificate is requested
	ClientAuthRequest = "request" // a client certificate is requested; if sent it must verify against ClientCAFile
	ClientAuthRequire = "require" // a client certificate that verifies against ClientCAFile is mandatory
)

// Config configures a [Server]. It is a plain struct: the zero value of every
// field means the documented default, applied in one place by [New].
// Durations are time.Duration values.
type Config struct {
	// HTTPAddr is the plain-HTTP listen address, host:port (e.g. ":8080",
	// "127.0.0.1:0"). Default "": no HTTP listener.
	HTTPAddr string

	// HTTPSAddr is the HTTPS listen address, host:port (e.g. ":8443").
	// Default "": no HTTPS listener. Needs CertFile+KeyFile or DevTLS.
	HTTPSAddr string

	// CertFile is the PEM certificate chain (leaf first) served on HTTPS.
	// Default "": none. Must be set together with KeyFile. Re-read by
	// [Server.ReloadCertificates].
	CertFile string

	// KeyFile is the PEM private key matching CertFile. Default "": none.
	KeyFile string

	// DevTLS generates an in-memory self-signed ECDSA P-256 certificate for
	// localhost, 127.0.0.1 and ::1 at construction. For development only;
	// mutually exclusive with CertFile/KeyFile. Default false.
	DevTLS bool

	// MinTLSVersion is the lowest TLS version accepted: "1.2" or "1.3".
	// Default "1.2". TLS 1.0 and 1.1 are never accepted (RFC 8996).
	MinTLSVersion string

	// HSTS controls the Strict-Transport-Security header on HTTPS responses.
	// Default: disabled.
	HSTS HSTS

	// RedirectHTTP makes the HTTP listener answer every request with a 308
	// Permanent Redirect to the same path and query on the HTTPS listener
	// instead of serving the handler. Needs HTTPAddr and HTTPSAddr.
	// Default false.
	RedirectHTTP bool

	// ClientCAFile is a PEM bundle of CA certificates that client
	// certificates must chain to (mutual TLS on the HTTPS listener).
	// Default "": none. Required when ClientAuth is "request" or "require".
	ClientCAFile string

	// ClientAuth is the mutual-TLS mode of the HTTPS listener: "none",
	// "request" (verify a certificate if the client sends one) or "require"
	// (reject the handshake without a verified certificate). Default "none".
	ClientAuth string

	// MaxHeaderBytes caps the size of the request line plus headers, in
	// bytes; larger requests get 431 problem+json. Requests over twice the
	// cap are cut off by net/http itself, whose answer over TLS is its own
	// (see headercap.go). Default 32 KiB. Negative is an error.
	MaxHeaderBytes int

	// ReadHeaderTimeout bounds the TLS handshake plus reading the request
	// headers; it is the slowloris defence. Default 5s. Negative is an error.
	ReadHeaderTimeout time.Duration

	// ReadTimeout bounds reading an entire request, body included.
	// Default 30s. Negative means no timeout.
	ReadTimeout time.Duration

	// WriteTimeout bounds writing a response, measured from the end of the
	// request headers. Default 60s. Negative means no timeout (needed for
	// long-lived streaming responses such as SSE).
	WriteTimeout time.Duration

	// IdleTimeout bounds how long a keep-alive connection may wait for its
	// next request. Default 120s. Negative is an error.
	IdleTimeout time.Duration

	// MaxConnsPerIP caps concurrent connections from one TCP peer address
	// (not forwarded headers), counted across both listeners; connections
	// over the cap are closed at once. Default 256. Negative means unlimited.
	MaxConnsPerIP int

	// ShutdownTimeout bounds a graceful [Server.Shutdown] in addition to the
	// caller's context; connections still active after it are closed.
	// Default 30s. Negative is an error.
	ShutdownTimeout time.Duration

	// Hooks are observability callbacks (metrics gauges and counters). Set by
	// the composition root, not part of the configuration file format.
	// Default: no callbacks.
	Hooks Hooks
}

// HSTS configures HTTP Strict Transport Security (RFC 6797). The header is
// only ever sent on HTTPS responses: RFC 6797 §7.2 forbids it over plain HTTP.
type HSTS struct {
	// Enabled adds Strict-Transport-Security to every HTTPS response.
	// Default false.
	Enabled bool

	// MaxAgeSeconds is the max-age directive, in seconds. Default 31536000
	// (one year). Negative is an error.
	MaxAgeSeconds int

	// IncludeSubDomains adds the includeSubDomains directive. Default false.
	IncludeSubDomains bool
}

// Hooks are optional callbacks for connection metrics. They run
// synchronously on the accept and close paths and from many goroutines at
// once: they must be fast, non-blocking and safe for concurrent use.
type Hooks struct {
	// ConnOpened is called when a connection is accepted (under the per-IP cap).
	ConnOpened func()
	// ConnClosed is called exactly once when an accepted connection closes.
	ConnClosed func()
	// ConnRejected is called when a connection from ip is closed because ip
	// is over MaxConnsPerIP.
	ConnRejected func(ip netip.Addr)
}

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	if cfg.MinTLSVersion == "" {
		cfg.MinTLSVersion = DefaultMinTLSVersion
	}
	if cfg.HSTS.MaxAgeSeconds == 0 {
		cfg.HSTS.MaxAgeSeconds = DefaultHSTSMaxAge
	}
	if cfg.ClientAuth == "" {
		cfg.ClientAuth = ClientAuthNone
	}
	if cfg.MaxHeaderBytes == 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.ReadHeaderTimeout == 0 {
		cfg.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	return cfg
}

// validate checks a defaulted Config for contradictions that do not need the
// filesystem. Errors name the offending field.
func (cfg Config) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if cfg.HTTPAddr == "" && cfg.HTTPSAddr == "" {
		add("HTTPAddr or HTTPSAddr: at least one listener is required")
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		add("CertFile and KeyFile: must be set together")
	}
	hasFiles := cfg.CertFile != "" || cfg.KeyFile != ""
	if cfg.DevTLS && hasFiles {
		add("DevTLS: cannot be combined with CertFile/KeyFile")
	}
	if cfg.HTTPSAddr != "" && !cfg.DevTLS && !hasFiles {
		add("HTTPSAddr: needs CertFile and KeyFile, or DevTLS")
	}
	if cfg.HTTPSAddr == "" && (hasFiles || cfg.DevTLS) {
		add("CertFile/KeyFile/DevTLS: set but HTTPSAddr is empty")
	}
	if _, err := parseTLSVersion(cfg.MinTLSVersion); err != nil {
		errs = append(errs, err)
	}
	mode, err := parseClientAuth(cfg.ClientAuth)
	if err != nil {
		errs = append(errs, err)
	}
	if err == nil && mode != tls.NoClientCert {
		if cfg.ClientCAFile == "" {
			add("ClientCAFile: required when ClientAuth is %q", cfg.ClientAuth)
		}
		if cfg.HTTPSAddr == "" {
			add("ClientAuth: %q needs HTTPSAddr", cfg.ClientAuth)
		}
	}
	// A CA bundle with ClientAuth "none" would look like mTLS in the config
	// file while verifying nothing: refuse the silent misconfiguration.
	if err == nil && mode == tls.NoClientCert && cfg.ClientCAFile != "" {
		add("ClientCAFile: set but ClientAuth is %q; use \"request\" or \"require\"", cfg.ClientAuth)
	}
	if cfg.RedirectHTTP && (cfg.HTTPAddr == "" || cfg.HTTPSAddr == "") {
		add("RedirectHTTP: needs both HTTPAddr and HTTPSAddr")
	}
	if cfg.HSTS.MaxAgeSeconds < 0 {
		add("HSTS.MaxAgeSeconds: must not be negative, got %d", cfg.HSTS.MaxAgeSeconds)
	}
	if cfg.MaxHeaderBytes < 0 {
		add("MaxHeaderBytes: must not be negative, got %d", cfg.MaxHeaderBytes)
	}
	if cfg.ReadHeaderTimeout < 0 {
		add("ReadHeaderTimeout: must not be negative (it is the slowloris defence), got %s", cfg.ReadHeaderTimeout)
	}
	if cfg.IdleTimeout < 0 {
		add("IdleTimeout: must not be negative, got %s", cfg.IdleTimeout)
	}
	if cfg.ShutdownTimeout < 0 {
		add("ShutdownTimeout: must not be negative, got %s", cfg.ShutdownTimeout)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("server config: %w", errors.Join(errs...))
}

// parseTLSVersion maps a MinTLSVersion string to its crypto/tls constant.
func parseTLSVersion(s string) (uint16, error) {
	switch s {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	default:
		return 0, fmt.Errorf("MinTLSVersion: unknown TLS version %q, want \"1.2\" or \"1.3\"", s)
	}
}

// parseClientAuth maps a ClientAuth string to its crypto/tls mode. Both
// non-"none" modes verify any certificate sent: unverified client
// certificates are never accepted.
func parseClientAuth(s string) (tls.ClientAuthType, error) {
	switch s {
	case ClientAuthNone:
		return tls.NoClientCert, nil
	case ClientAuthRequest:
		return tls.VerifyClientCertIfGiven, nil
	case ClientAuthRequire:
		return tls.RequireAndVerifyClientCert, nil
	default:
		return 0, fmt.Errorf("ClientAuth: unknown mode %q, want \"none\", \"request\" or \"require\"", s)
	}
}

// value renders the Strict-Transport-Security header value.
func (h HSTS) value() string {
	v := fmt.Sprintf("max-age=%d", h.MaxAgeSeconds)
	if h.IncludeSubDomains {
		v += "; includeSubDomains"
	}
	return v
}

// timeoutOrNone converts a Config timeout to net/http's convention, where
// zero means "no timeout": our negatives map to zero.
func timeoutOrNone(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}
