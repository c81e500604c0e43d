package config

import "time"

// Defaults for every field whose zero value means "default". They are set
// here, in one place, by ApplyDefaults.
const (
	DefaultHTTPListen       = ":8080"
	DefaultAdminListen      = "127.0.0.1:9901"
	DefaultMaxHeaderBytes   = 32 << 10
	DefaultMaxConnsPerIP    = 256
	DefaultReadHeader       = 5 * time.Second
	DefaultRead             = 30 * time.Second
	DefaultIdle             = 120 * time.Second
	DefaultShutdown         = 30 * time.Second
	DefaultHSTSMaxAge       = 31536000
	DefaultMaxConcurrent    = 1024
	DefaultQueueTimeout     = time.Second
	DefaultMaxBodyBytes     = 1 << 20
	DefaultDial             = 5 * time.Second
	DefaultResponseHeader   = 30 * time.Second
	DefaultIdleConn         = 90 * time.Second
	DefaultMaxIdlePerHost   = 64
	DefaultEjectAfter       = 3
	DefaultEjectFor         = 10 * time.Second
	DefaultBreakerFailures  = 5
	DefaultBreakerOpenFor   = 10 * time.Second
	DefaultLogLevel         = "info"
	DefaultAccessLog        = "stdout"
	DefaultEventsFile       = "stderr"
	DefaultTLSMinVersion    = "1.2"
	DefaultClientAuth       = "none"
	DefaultPathPrefix       = "/"
	defaultRouteNameUnnamed = "default"
)

// DefaultStripHeaders are the fingerprinting headers removed by default.
var DefaultStripHeaders = []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"}

// DefaultRouteName is the route name of requests that match no route.
const DefaultRouteName = defaultRouteNameUnnamed

// ApplyDefaults fills every zero field with its default.
func (c *Config) ApplyDefaults() {
	if c.Version == 0 {
		c.Version = 1
	}
	l := &c.Listen
	if l.HTTP == "" && l.HTTPS == "" {
		l.HTTP = DefaultHTTPListen
	}
	setDefault(&l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setDefault(&l.MaxConnsPerIP, DefaultMaxConnsPerIP)
	setDefault(&l.Timeouts.ReadHeader, DefaultReadHeader)
	setDefault(&l.Timeouts.Read, DefaultRead)
	setDefault(&l.Timeouts.Idle, DefaultIdle)
	setDefault(&l.Timeouts.Shutdown, DefaultShutdown)
	setDefault(&l.TLS.MinVersion, DefaultTLSMinVersion)
	setDefault(&l.TLS.ClientAuth, DefaultClientAuth)
	setDefault(&l.HSTS.MaxAge, DefaultHSTSMaxAge)
	setDefault(&c.Admin.Listen, DefaultAdminListen)
	setDefault(&c.Logging.Level, DefaultLogLevel)
	setDefault(&c.Logging.AccessLog, DefaultAccessLog)
	setDefault(&c.Events.File, DefaultEventsFile)
	setDefault(&c.Limits.MaxConcurrent, DefaultMaxConcurrent)
	setDefault(&c.Limits.MaxQueue, c.Limits.MaxConcurrent)
	setDefault(&c.Limits.QueueTimeout, DefaultQueueTimeout)
	setDefault(&c.Limits.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefaultBool(&c.Hygiene.Enabled, true)
	setDefaultBool(&c.Hygiene.NoSniff, true)
	setDefaultBool(&c.Hygiene.MaskStackTraces, true)
	if c.Hygiene.StripHeaders == nil {
		c.Hygiene.StripHeaders = append([]string(nil), DefaultStripHeaders...)
	}
	c.applyGuardDefaults()
	c.applyDetectionDefaults()
	for i := range c.APIs {
		a := &c.APIs[i]
		setDefault(&a.PathPrefix, DefaultPathPrefix)
		setDefault(&a.Timeouts.Dial, DefaultDial)
		setDefault(&a.Timeouts.ResponseHeader, DefaultResponseHeader)
		setDefault(&a.Timeouts.IdleConn, DefaultIdleConn)
		setDefault(&a.Timeouts.MaxIdleConnsPerHost, DefaultMaxIdlePerHost)
		setDefault(&a.Health.EjectAfter, DefaultEjectAfter)
		setDefault(&a.Health.EjectFor, DefaultEjectFor)
		setDefaultBool(&a.Breaker.Enabled, true)
		setDefault(&a.Breaker.Failures, DefaultBreakerFailures)
		setDefault(&a.Breaker.OpenFor, DefaultBreakerOpenFor)
		setDefault(&a.MaxBodyBytes, c.Limits.MaxBodyBytes)
		for j := range a.Routes {
			setDefault(&a.Routes[j].MaxBodyBytes, a.MaxBodyBytes)
		}
	}
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

func setDefaultBool(p **bool, def bool) {
	if *p == nil {
		*p = &def
	}
}
