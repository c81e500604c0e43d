package config

import "time"

// Config is the whole rampart.yaml file.
type Config struct {
	// Version of the file format. Default 1; the only version so far.
	Version int `yaml:"version"`
	// Listen configures the client-facing HTTP and HTTPS listeners.
	Listen Listen `yaml:"listen"`
	// TrustedProxies lists CIDRs (or addresses) of proxies in front of
	// Rampart whose X-Forwarded-For/Forwarded headers are believed.
	// Default empty: forwarding headers from clients are ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Admin configures the admin listener (metrics, health).
	Admin Admin `yaml:"admin"`
	// Logging configures the process log and the access log.
	Logging Logging `yaml:"logging"`
	// Events configures where security events are written.
	Events Events `yaml:"events"`
	// Limits configures denial-of-service protection shared by all APIs.
	Limits Limits `yaml:"limits"`
	// Hygiene configures response clean-up applied to every API.
	Hygiene Hygiene `yaml:"hygiene"`
	// Store configures shared state (limits, lockouts, bans, revocations).
	Store Store `yaml:"store"`
	// RateLimits defines rate-limit policies; APIs and routes refer to
	// them by name, policies with global: true apply everywhere.
	RateLimits []RateLimit `yaml:"rate_limits"`
	// BruteForce tunes the brute-force guard of credential routes.
	BruteForce BruteForce `yaml:"bruteforce"`
	// Bans tunes the ban check.
	Bans Bans `yaml:"bans"`
	// IdentityHeaders name the headers carrying the identity upstream.
	IdentityHeaders IdentityHeaders `yaml:"identity_headers"`
	// Authentication configures API keys, JWT issuers, mTLS and signatures.
	Authentication Authentication `yaml:"authentication"`
	// Audit configures the tamper-evident audit log.
	Audit Audit `yaml:"audit"`
	// Injection configures the injection guard for every API.
	Injection Injection `yaml:"injection"`
	// APIs are the upstream APIs Rampart protects. At least one is required.
	APIs []API `yaml:"apis"`

	// src is where Parse read the file from (see FieldError); nil for a
	// Config built in memory.
	src *source
}

// Listen configures the listeners.
type Listen struct {
	// HTTP is the plain-HTTP address, e.g. ":8080". Empty disables it.
	// Default ":8080" when neither HTTP nor HTTPS is set.
	HTTP string `yaml:"http"`
	// HTTPS is the TLS address, e.g. ":8443". Empty disables it.
	HTTPS string `yaml:"https"`
	// TLS configures certificates and protocol versions for HTTPS.
	TLS TLS `yaml:"tls"`
	// HSTS adds Strict-Transport-Security to HTTPS responses.
	HSTS HSTS `yaml:"hsts"`
	// RedirectHTTP makes the HTTP listener answer every request with a 308
	// redirect to HTTPS. Default false.
	RedirectHTTP bool `yaml:"redirect_http"`
	// MaxHeaderBytes caps request line plus headers. Default 32KiB.
	MaxHeaderBytes ByteSize `yaml:"max_header_bytes"`
	// MaxConnsPerIP caps open connections per client IP (TCP peer).
	// Default 256; -1 means unlimited.
	MaxConnsPerIP int `yaml:"max_conns_per_ip"`
	// Timeouts bound slow clients (slowloris) and shutdown.
	Timeouts ServerTimeouts `yaml:"timeouts"`
}

// TLS configures the HTTPS listener.
type TLS struct {
	// CertFile and KeyFile are PEM files, reloaded on SIGHUP.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Dev generates a self-signed certificate for localhost at start.
	// For development only. Default false.
	Dev bool `yaml:"dev"`
	// MinVersion is "1.2" (default) or "1.3".
	MinVersion string `yaml:"min_version"`
	// ClientCAFile is a PEM bundle of CAs that sign client certificates.
	ClientCAFile string `yaml:"client_ca_file"`
	// ClientAuth is "none" (default), "request" or "require" (mTLS).
	ClientAuth string `yaml:"client_auth"`
}

// HSTS configures the Strict-Transport-Security header (RFC 6797).
type HSTS struct {
	// Enabled turns the header on. Default false.
	Enabled bool `yaml:"enabled"`
	// MaxAge in seconds. Default 31536000 (one year).
	MaxAge int `yaml:"max_age"`
	// IncludeSubdomains adds includeSubDomains. Default false.
	IncludeSubdomains bool `yaml:"include_subdomains"`
}

// ServerTimeouts bound how long clients may take.
type ServerTimeouts struct {
	// ReadHeader bounds reading the request headers. Default 5s.
	ReadHeader time.Duration `yaml:"read_header"`
	// Read bounds reading the whole request. Default 30s.
	Read time.Duration `yaml:"read"`
	// Write bounds writing the response. Default 0 (none), so that streams
	// (SSE, WebSocket) are not cut; upstream timeouts bound the wait.
	Write time.Duration `yaml:"write"`
	// Idle bounds keep-alive idleness. Default 120s.
	Idle time.Duration `yaml:"idle"`
	// Shutdown bounds the drain of in-flight requests on SIGTERM. Default 30s.
	Shutdown time.Duration `yaml:"shutdown"`
}

// Admin configures the admin listener.
type Admin struct {
	// Listen is the admin address. Default "127.0.0.1:9901"; "off" disables it.
	Listen string `yaml:"listen"`
	// TokenEnv / TokenFile hold the bearer token of the /admin/ API (bans,
	// revocations); at least 32 characters. Without one the API is off.
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
}

// Logging configures logs.
type Logging struct {
	// Level is debug, info (default), warn or error.
	Level string `yaml:"level"`
	// AccessLog is "stdout" (default), "stderr", "off" or a file path.
	AccessLog string `yaml:"access_log"`
}

// Events configures the security event sink.
type Events struct {
	// File is "stdout", "stderr", "off" or a JSON-lines file path.
	// Default "stderr".
	File string `yaml:"file"`
}

// Limits configures DoS protection.
type Limits struct {
	// MaxConcurrent caps requests in flight across all APIs. Default 1024;
	// -1 disables load shedding.
	MaxConcurrent int `yaml:"max_concurrent"`
	// MaxQueue caps requests waiting for a slot. Default MaxConcurrent.
	MaxQueue int `yaml:"max_queue"`
	// QueueTimeout is how long a request may wait. Default 1s.
	QueueTimeout time.Duration `yaml:"queue_timeout"`
	// MaxBodyBytes is the default request body cap. Default 1MiB; -1 unlimited.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`
	// JSON hardens JSON request bodies (depth, sizes, duplicate keys).
	JSON JSONLimits `yaml:"json"`
}

// Hygiene configures response clean-up.
type Hygiene struct {
	// Enabled turns response hygiene on. Default true.
	Enabled *bool `yaml:"enabled"`
	// StripHeaders are response headers removed because they fingerprint the
	// stack. Default [Server, X-Powered-By, X-AspNet-Version, X-AspNetMvc-Version].
	StripHeaders []string `yaml:"strip_headers"`
	// NoSniff adds X-Content-Type-Options: nosniff. Default true.
	NoSniff *bool `yaml:"nosniff"`
	// MaskStackTraces replaces upstream 5xx bodies that look like stack
	// traces with a problem+json. Default true.
	MaskStackTraces *bool `yaml:"mask_stack_traces"`
}

// API is one upstream API.
type API struct {
	// Name identifies the API in logs and metrics. Required, unique.
	Name string `yaml:"name"`
	// Hosts the API answers for (Host header, port ignored). Empty = any.
	Hosts []string `yaml:"hosts"`
	// PathPrefix the API is mounted at. Default "/".
	PathPrefix string `yaml:"path_prefix"`
	// StripPrefix removes PathPrefix before forwarding. Default false.
	StripPrefix bool `yaml:"strip_prefix"`
	// Upstreams are base URLs, balanced round-robin. At least one.
	Upstreams []string `yaml:"upstreams"`
	// PassHost forwards the client's Host header. Default false.
	PassHost bool `yaml:"pass_host"`
	// Timeouts bound the upstream.
	Timeouts UpstreamTimeouts `yaml:"timeouts"`
	// UpstreamTLS configures TLS to https upstreams.
	UpstreamTLS UpstreamTLS `yaml:"upstream_tls"`
	// Health ejects failing upstreams for a while (passive health checks).
	Health Health `yaml:"health"`
	// Breaker is the upstream circuit breaker.
	Breaker Breaker `yaml:"breaker"`
	// MaxBodyBytes overrides limits.max_body_bytes for this API.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`
	// RateLimits names policies (from rate_limits) applied to every route.
	RateLimits []string `yaml:"rate_limits"`
	// Auth is how routes without their own `auth` authenticate.
	Auth *RouteAuth `yaml:"auth"`
	// Authz is the authorization rule of routes without their own.
	Authz *Authz `yaml:"authz"`
	// Schema is the API's OpenAPI positive model.
	Schema *Schema `yaml:"schema"`
	// Injection overrides the injection section for this API.
	Injection *APIInjection `yaml:"injection"`
	// Routes give parts of the API their own settings.
	Routes []Route `yaml:"routes"`
}

// UpstreamTimeouts bound upstream calls.
type UpstreamTimeouts struct {
	// Dial bounds connecting. Default 5s.
	Dial time.Duration `yaml:"dial"`
	// ResponseHeader bounds waiting for response headers. Default 30s.
	ResponseHeader time.Duration `yaml:"response_header"`
	// IdleConn bounds idle pooled connections. Default 90s.
	IdleConn time.Duration `yaml:"idle_conn"`
	// MaxIdleConnsPerHost sizes the pool. Default 64.
	MaxIdleConnsPerHost int `yaml:"max_idle_conns_per_host"`
}

// UpstreamTLS configures TLS towards upstreams.
type UpstreamTLS struct {
	// CAFile is a PEM bundle of CAs signing the upstreams' certificates.
	// Default: the system roots.
	CAFile string `yaml:"ca_file"`
	// InsecureSkipVerify disables certificate verification. Dangerous
	// (man-in-the-middle); for tests only. Default false.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Health configures passive health checks.
type Health struct {
	// EjectAfter consecutive failures eject an upstream. Default 3.
	EjectAfter int `yaml:"eject_after"`
	// EjectFor is how long it stays out. Default 10s.
	EjectFor time.Duration `yaml:"eject_for"`
}

// Breaker configures the circuit breaker.
type Breaker struct {
	// Enabled turns the breaker on. Default true.
	Enabled *bool `yaml:"enabled"`
	// Failures is the consecutive failures that open it. Default 5.
	Failures int `yaml:"failures"`
	// OpenFor is how long it stays open before a half-open probe. Default 10s.
	OpenFor time.Duration `yaml:"open_for"`
}

// Route is a part of an API with its own settings.
type Route struct {
	// Name identifies the route in logs and metrics. Required, unique per API.
	Name string `yaml:"name"`
	// Path is a path prefix such as "/api/login"; the longest matching
	// route wins, and a request matching no route uses the API's settings
	// under the route name "default". Required.
	Path string `yaml:"path"`
	// Methods limits the route to these methods. Empty = all.
	Methods []string `yaml:"methods"`
	// MaxBodyBytes overrides the API's body cap for this route.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`
	// RateLimits names further policies for this route.
	RateLimits []string `yaml:"rate_limits"`
	// Cost is how many requests one call counts for in every rate limit
	// (expensive or composite operations). Default 1.
	Cost int `yaml:"cost"`
	// Credential marks a login/token/reset/OTP endpoint for the brute-force guard.
	Credential *Credential `yaml:"credential"`
	// Auth is how this route authenticates (replaces the API's).
	Auth *RouteAuth `yaml:"auth"`
	// Authz is this route's authorization rule (replaces the API's).
	Authz *Authz `yaml:"authz"`
	// Objects protects this route's direct object access (BOLA).
	Objects *Objects `yaml:"objects"`
}
