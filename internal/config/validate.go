package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

var (
	nameRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	methodRe = regexp.MustCompile(`^[A-Z]{1,20}$`)
)

// validator collects field errors.
type validator struct{ errs []FieldError }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Validate checks a defaulted Config and returns every problem found, with
// field paths (lines are added by Parse).
func (c *Config) Validate() []FieldError {
	v := &validator{}
	if c.Version != 1 {
		v.add("version", "unsupported version %d (want 1)", c.Version)
	}
	c.Listen.validate(v)
	for i, p := range c.TrustedProxies {
		if _, err := pipeline.ParsePrefixOrAddr(p); err != nil {
			v.add(fmt.Sprintf("trusted_proxies[%d]", i), "%v", err)
		}
	}
	if c.Admin.Listen != "off" {
		v.addr("admin.listen", c.Admin.Listen)
	}
	switch c.Logging.Level {
	case "debug", "info", "warn", "error":
	default:
		v.add("logging.level", "unknown level %q (want debug, info, warn or error)", c.Logging.Level)
	}
	c.Limits.validate(v)
	c.validateGuards(v)
	c.validateDetection(v)
	for i, h := range c.Hygiene.StripHeaders {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " :\r\n") {
			v.add(fmt.Sprintf("hygiene.strip_headers[%d]", i), "invalid header name %q", h)
		}
	}
	if len(c.APIs) == 0 {
		v.add("apis", "at least one API is required")
	}
	names := map[string]bool{}
	mounts := map[string]string{}
	for i := range c.APIs {
		a := &c.APIs[i]
		field := fmt.Sprintf("apis[%d]", i)
		a.validate(v, field)
		if names[a.Name] {
			v.add(field+".name", "duplicate API name %q", a.Name)
		}
		names[a.Name] = true
		hosts := a.Hosts
		if len(hosts) == 0 {
			hosts = []string{"*"}
		}
		for _, h := range hosts {
			key := strings.ToLower(h) + " " + a.PathPrefix
			if other, dup := mounts[key]; dup {
				v.add(field+".path_prefix", "API %q is mounted at the same host and path prefix as %q", a.Name, other)
			}
			mounts[key] = a.Name
		}
	}
	return v.errs
}

func (l *Listen) validate(v *validator) {
	if l.HTTP != "" {
		v.addr("listen.http", l.HTTP)
	}
	if l.HTTPS != "" {
		v.addr("listen.https", l.HTTPS)
	}
	t := &l.TLS
	hasFiles := t.CertFile != "" || t.KeyFile != ""
	switch {
	case t.Dev && hasFiles:
		v.add("listen.tls.dev", "dev certificates cannot be combined with cert_file/key_file")
	case (t.CertFile == "") != (t.KeyFile == ""):
		v.add("listen.tls.cert_file", "cert_file and key_file must be set together")
	case l.HTTPS != "" && !t.Dev && !hasFiles:
		v.add("listen.https", "HTTPS needs listen.tls.cert_file and key_file, or listen.tls.dev: true")
	}
	v.file("listen.tls.cert_file", t.CertFile)
	v.file("listen.tls.key_file", t.KeyFile)
	v.file("listen.tls.client_ca_file", t.ClientCAFile)
	if t.MinVersion != "1.2" && t.MinVersion != "1.3" {
		v.add("listen.tls.min_version", "unsupported TLS version %q (want 1.2 or 1.3)", t.MinVersion)
	}
	switch t.ClientAuth {
	case "none":
		if t.ClientCAFile != "" {
			// Looks like mTLS while checking nothing: refuse.
			v.add("listen.tls.client_ca_file", "set, but listen.tls.client_auth is none (use request or require)")
		}
	case "request", "require":
		if t.ClientCAFile == "" {
			v.add("listen.tls.client_auth", "client_auth %q needs client_ca_file", t.ClientAuth)
		}
	default:
		v.add("listen.tls.client_auth", "unknown value %q (want none, request or require)", t.ClientAuth)
	}
	if l.RedirectHTTP && (l.HTTPS == "" || l.HTTP == "") {
		v.add("listen.redirect_http", "needs both listen.http and listen.https")
	}
	if l.HSTS.MaxAge < 0 {
		v.add("listen.hsts.max_age", "must not be negative")
	}
	if l.MaxHeaderBytes < 1024 {
		v.add("listen.max_header_bytes", "must be at least 1KiB")
	}
	if l.MaxConnsPerIP < -1 {
		v.add("listen.max_conns_per_ip", "must be positive, or -1 for unlimited")
	}
	to := &l.Timeouts
	v.nonNegative("listen.timeouts.read_header", to.ReadHeader)
	v.nonNegative("listen.timeouts.read", to.Read)
	v.nonNegative("listen.timeouts.write", to.Write)
	v.nonNegative("listen.timeouts.idle", to.Idle)
	v.nonNegative("listen.timeouts.shutdown", to.Shutdown)
}

func (l *Limits) validate(v *validator) {
	if l.MaxConcurrent < -1 {
		v.add("limits.max_concurrent", "must be positive, or -1 to disable load shedding")
	}
	if l.MaxQueue < -1 {
		v.add("limits.max_queue", "must not be negative")
	}
	v.nonNegative("limits.queue_timeout", l.QueueTimeout)
	v.bodySize("limits.max_body_bytes", l.MaxBodyBytes)
}

func (a *API) validate(v *validator, field string) {
	if !nameRe.MatchString(a.Name) {
		v.add(field+".name", "invalid name %q (lowercase letters, digits, - and _; at most 63)", a.Name)
	}
	for i, h := range a.Hosts {
		if h == "" || strings.ContainsAny(h, "/ :") {
			v.add(fmt.Sprintf("%s.hosts[%d]", field, i), "invalid host %q (a host name without port or scheme)", h)
		}
	}
	if !strings.HasPrefix(a.PathPrefix, "/") {
		v.add(field+".path_prefix", "must start with /")
	}
	if len(a.Upstreams) == 0 {
		v.add(field+".upstreams", "at least one upstream URL is required")
	}
	for i, u := range a.Upstreams {
		if err := checkUpstreamURL(u); err != nil {
			v.add(fmt.Sprintf("%s.upstreams[%d]", field, i), "%v", err)
		}
	}
	v.file(field+".upstream_tls.ca_file", a.UpstreamTLS.CAFile)
	v.nonNegative(field+".timeouts.dial", a.Timeouts.Dial)
	v.nonNegative(field+".timeouts.response_header", a.Timeouts.ResponseHeader)
	v.nonNegative(field+".timeouts.idle_conn", a.Timeouts.IdleConn)
	if a.Timeouts.MaxIdleConnsPerHost < 0 {
		v.add(field+".timeouts.max_idle_conns_per_host", "must not be negative")
	}
	if a.Health.EjectAfter < 0 {
		v.add(field+".health.eject_after", "must not be negative")
	}
	v.nonNegative(field+".health.eject_for", a.Health.EjectFor)
	if a.Breaker.Failures < 1 {
		v.add(field+".breaker.failures", "must be at least 1")
	}
	v.nonNegative(field+".breaker.open_for", a.Breaker.OpenFor)
	v.bodySize(field+".max_body_bytes", a.MaxBodyBytes)
	routes := map[string]bool{}
	for j := range a.Routes {
		r := &a.Routes[j]
		rf := fmt.Sprintf("%s.routes[%d]", field, j)
		if !nameRe.MatchString(r.Name) || r.Name == DefaultRouteName {
			v.add(rf+".name", "invalid route name %q (lowercase letters, digits, - and _; not %q)", r.Name, DefaultRouteName)
		} else if routes[r.Name] {
			v.add(rf+".name", "duplicate route name %q", r.Name)
		}
		routes[r.Name] = true
		if !strings.HasPrefix(r.Path, "/") {
			v.add(rf+".path", "must start with /")
		} else if !strings.HasPrefix(r.Path, a.PathPrefix) {
			v.add(rf+".path", "%q is outside the API's path_prefix %q", r.Path, a.PathPrefix)
		}
		for k, m := range r.Methods {
			if !methodRe.MatchString(m) {
				v.add(fmt.Sprintf("%s.methods[%d]", rf, k), "invalid method %q (uppercase, e.g. GET)", m)
			}
		}
		v.bodySize(rf+".max_body_bytes", r.MaxBodyBytes)
	}
}

func checkUpstreamURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q", raw)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("invalid URL %q: scheme must be http or https", raw)
	case u.Host == "":
		return fmt.Errorf("invalid URL %q: host is missing", raw)
	case u.User != nil:
		// Credentials in URLs end up in logs; pass them another way. The
		// error shows the URL redacted, never the password.
		return fmt.Errorf("invalid URL %q: user info is not allowed", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("invalid URL %q: query and fragment are not allowed", raw)
	}
	return nil
}

func (v *validator) addr(field, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		v.add(field, "invalid address %q (want host:port or :port)", addr)
		return
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		v.add(field, "invalid host in address %q (want an IP address)", addr)
	}
}

func (v *validator) file(field, path string) {
	if path == "" {
		return
	}
	if _, err := os.Stat(path); err != nil {
		v.add(field, "cannot read %q", path)
	}
}

func (v *validator) nonNegative(field string, d time.Duration) {
	if d < 0 {
		v.add(field, "must not be negative")
	}
}

func (v *validator) bodySize(field string, b ByteSize) {
	if b < -1 {
		v.add(field, "must be positive, or -1 for unlimited")
	}
}
