package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/gateway"
)

// Target names, in the order one round visits them.
const (
	targetDirect          = "direct"
	targetBareProxy       = "bare-proxy"
	targetBarePooled      = "bare-proxy-pooled"
	targetRampartNoGuards = "rampart-noguards"
	targetRampartAll      = "rampart-all"
	// targetRampartAudit is rampart-all plus the tamper-evident audit log;
	// next to rampart-all in every round, so the two compare in the same run.
	targetRampartAudit = "rampart-audit"
	// targetRampartAuth is rampart-noguards plus API-key authentication;
	// targetRampartAuthLimits the same plus an IP-keyed and an
	// identity-keyed global rate-limit policy (limits nothing reaches).
	// Compared with each other in the same run (see authlimits.go).
	targetRampartAuth       = "rampart-auth"
	targetRampartAuthLimits = "rampart-auth-limits"
)

func targetNames() []string {
	return []string{targetDirect, targetBareProxy, targetBarePooled, targetRampartNoGuards, targetRampartAll, targetRampartAudit,
		targetRampartAuth, targetRampartAuthLimits}
}

// Server settings shared by the upstream and the bare proxy. The bare proxy
// gets the same slowloris timeouts and header cap as Rampart's defaults, so
// the comparison is proxy against proxy, not deadlines against none.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 32 << 10
)

// target is one thing the load generator can hit.
type target struct {
	name string
	base string // "http://127.0.0.1:port"
	// header is sent with every request to this target (nil: none), e.g.
	// the API key of the rampart-auth targets.
	header http.Header
}

// lab is every server of one run, all in this process, all on loopback.
type lab struct {
	targets []target
	tmpDir  string
	audit   *auditLab
	closers []func(context.Context) error
}

// startLab starts the upstream, the two bare ReverseProxy baselines and
// the five Rampart gateways. conns sizes the proxies' idle pools so that no proxy has to dial
// during the measurement. Process logs of the gateways (warnings only) go to
// logw.
func startLab(conns int, logw io.Writer) (l *lab, err error) {
	l = &lab{}
	defer func() {
		if err != nil {
			_ = l.close(context.Background())
		}
	}()
	if l.tmpDir, err = os.MkdirTemp("", "rampart-loadgen-*"); err != nil {
		return nil, fmt.Errorf("creating temp dir: %w", err)
	}
	l.closers = append(l.closers, func(context.Context) error { return os.RemoveAll(l.tmpDir) })

	upstream, err := l.serve(newUpstreamHandler(upstreamBody(), postBodyBytes))
	if err != nil {
		return nil, fmt.Errorf("starting upstream: %w", err)
	}
	l.targets = append(l.targets, target{name: targetDirect, base: upstream})

	upURL, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("parsing upstream url: %w", err)
	}
	for _, b := range []struct {
		name string
		pool httputil.BufferPool
	}{{targetBareProxy, nil}, {targetBarePooled, &copyBufferPool{}}} {
		base, err := l.serve(newBareProxy(upURL, idlePool(conns), b.pool))
		if err != nil {
			return nil, fmt.Errorf("starting %s: %w", b.name, err)
		}
		l.targets = append(l.targets, target{name: b.name, base: base})
	}

	for _, g := range []struct{ name, yaml string }{
		{targetRampartNoGuards, noGuardsYAML(upstream, conns)},
		{targetRampartAll, allGuardsYAML(upstream, conns, l.tmpDir)},
	} {
		base, err := l.startRampart(g.name, g.yaml, logw)
		if err != nil {
			return nil, fmt.Errorf("starting %s: %w", g.name, err)
		}
		l.targets = append(l.targets, target{name: g.name, base: base})
	}

	// rampart-audit: the same gateway with its own access and event logs
	// and the audit log on. Its log is verified once the gateway has shut
	// down: closers run newest first.
	if l.audit, err = newAuditLab(l.tmpDir); err != nil {
		return nil, fmt.Errorf("starting %s: %w", targetRampartAudit, err)
	}
	auditLogs := filepath.Join(l.tmpDir, targetRampartAudit)
	if err := os.Mkdir(auditLogs, 0o700); err != nil {
		return nil, fmt.Errorf("starting %s: %w", targetRampartAudit, err)
	}
	started := false
	l.closers = append(l.closers, func(context.Context) error {
		if !started {
			return nil
		}
		return l.audit.verify()
	})
	base, err := l.startRampart(targetRampartAudit, allGuardsYAML(upstream, conns, auditLogs)+l.audit.section(), logw)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", targetRampartAudit, err)
	}
	started = true
	l.targets = append(l.targets, target{name: targetRampartAudit, base: base})

	if err := l.startAuthTargets(upstream, conns, logw); err != nil {
		return nil, err
	}
	return l, nil
}

// close stops everything started, newest first.
func (l *lab) close(ctx context.Context) error {
	var errs []error
	for i := len(l.closers) - 1; i >= 0; i-- {
		errs = append(errs, l.closers[i](ctx))
	}
	l.closers = nil
	return errors.Join(errs...)
}

// serve runs h on a fresh loopback port and returns its base URL.
func (l *lab) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = srv.Serve(ln) }()
	l.closers = append(l.closers, srv.Shutdown)
	return "http://" + ln.Addr().String(), nil
}

// startRampart parses yaml exactly as `rampart serve` would and starts the
// gateway through its composition root.
func (l *lab) startRampart(name, yaml string, logw io.Writer) (string, error) {
	cfg, err := config.Parse(name+".yaml", []byte(yaml))
	if err != nil {
		return "", fmt.Errorf("parsing config: %w", err)
	}
	svc, err := gateway.Start(gateway.RunOptions{Config: cfg, Stdout: io.Discard, Stderr: logw})
	if err != nil {
		return "", err
	}
	l.closers = append(l.closers, svc.Shutdown)
	return "http://" + svc.HTTPAddr(), nil
}

// idlePool sizes upstream keep-alive pools: at least the number of client
// connections, and never below Rampart's default of 64.
func idlePool(conns int) int { return max(conns, config.DefaultMaxIdlePerHost) }

// newUpstreamHandler is the fast upstream: it reads a POST body fully
// (answering 400 if it is not wantPost bytes long, so a proxy that mangles
// bodies shows up as errors) and answers body as JSON. X-Powered-By gives
// Rampart's response hygiene real work to do.
func newUpstreamHandler(body []byte, wantPost int64) http.Handler {
	contentType := []string{"application/json"}
	contentLength := []string{strconv.Itoa(len(body))}
	poweredBy := []string{"bench-upstream"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil || n != wantPost {
				http.Error(w, "unexpected body", http.StatusBadRequest)
				return
			}
		}
		// The slices are only read by net/http, so sharing them is safe and
		// keeps the upstream cheap: its cost is in every target's numbers.
		h := w.Header()
		h["Content-Type"] = contentType
		h["Content-Length"] = contentLength
		h["X-Powered-By"] = poweredBy
		_, _ = w.Write(body)
	})
}

// newBareProxy is the baseline: httputil.ReverseProxy with a Rewrite that
// does what NewSingleHostReverseProxy's Director does (target URL and
// X-Forwarded-For), a tuned Transport and nothing else. With pool nil it
// allocates the stock 32 KiB copy buffer per response, as a bare proxy
// does; the pooled variant recycles them the way Rampart's proxy does, so
// that the comparison isolates Rampart's own work.
func newBareProxy(upstream *url.URL, idle int, pool httputil.BufferPool) http.Handler {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
		},
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			MaxIdleConns:          idle,
			MaxIdleConnsPerHost:   idle,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			DisableCompression:    true,
		},
		BufferPool: pool,
		ErrorLog:   log.New(io.Discard, "", 0),
	}
}

// copyBufSize is ReverseProxy's own copy buffer size.
const copyBufSize = 32 << 10

// copyBufferPool recycles ReverseProxy copy buffers. It stores array
// pointers: putting a []byte in a sync.Pool would allocate on every Put.
type copyBufferPool struct{ pool sync.Pool }

var _ httputil.BufferPool = (*copyBufferPool)(nil)

func (p *copyBufferPool) Get() []byte {
	if a, ok := p.pool.Get().(*[copyBufSize]byte); ok {
		return a[:]
	}
	return new([copyBufSize]byte)[:]
}

func (p *copyBufferPool) Put(b []byte) {
	if cap(b) >= copyBufSize {
		p.pool.Put((*[copyBufSize]byte)(b[:copyBufSize]))
	}
}

// noGuardsYAML is Rampart with nothing of consequence switched on: no load
// shedding, no body cap, no hygiene, no breaker, no access log, no events,
// no admin listener, no JSON hardening, no injection detection. Metrics
// are always collected (the gateway has no switch for them). What remains
// is the router, the chain (request id, Outcome) and the proxy: Rampart's
// floor.
func noGuardsYAML(upstream string, conns int) string { return noGuardsYAMLWith(upstream, conns, "") }

// noGuardsYAMLWith is noGuardsYAML with apiExtra (YAML lines indented by
// four spaces) added to the API's mapping; further top-level sections can
// be appended to the result.
func noGuardsYAMLWith(upstream string, conns int, apiExtra string) string {
	return fmt.Sprintf(`
listen:
  http: "127.0.0.1:0"
  max_conns_per_ip: -1
admin:
  listen: "off"
logging:
  level: warn
  access_log: "off"
events:
  file: "off"
limits:
  max_concurrent: -1
  max_body_bytes: -1
  json: {enabled: false}
injection:
  mode: "off"
hygiene:
  enabled: false
apis:
  - name: bench
    path_prefix: /api
    upstreams: [%q]
    timeouts:
      max_idle_conns_per_host: %d
    breaker:
      enabled: false
    routes:
      - name: items
        path: /api/items
%s`, upstream, idlePool(conns), apiExtra)
}

// allGuardsYAML is Rampart with every guard of the gateway core on and
// every sink writing for real: load shedding, per-IP connection cap, body
// caps (API and route), response hygiene, circuit breaker, metrics served
// on an admin listener, the access log and the event log as files. Input
// validation (JSON hardening, injection detection) is left off so that the
// published core figures stay comparable; its cost is measured by the
// guards' own benchmarks.
func allGuardsYAML(upstream string, conns int, dir string) string {
	return fmt.Sprintf(`
listen:
  http: "127.0.0.1:0"
  max_conns_per_ip: %d
admin:
  listen: "127.0.0.1:0"
logging:
  level: warn
  access_log: %q
events:
  file: %q
limits:
  max_concurrent: 1024
  max_queue: 1024
  queue_timeout: 1s
  max_body_bytes: 1MiB
  json: {enabled: false}
injection:
  mode: "off"
hygiene:
  enabled: true
apis:
  - name: bench
    path_prefix: /api
    upstreams: [%q]
    timeouts:
      max_idle_conns_per_host: %d
    routes:
      - name: items
        path: /api/items
        max_body_bytes: 64KiB
`, max(config.DefaultMaxConnsPerIP, 2*conns), filepath.Join(dir, "access.log"), filepath.Join(dir, "events.jsonl"),
		upstream, idlePool(conns))
}
