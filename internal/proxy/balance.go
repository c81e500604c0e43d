package proxy

import (
	"context"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"
)

// upstream is one backend with its passive health state.
type upstream struct {
	url *url.URL
	// label is scheme://host, safe for logs and metric labels.
	label string
	// failures counts consecutive transport failures.
	failures atomic.Int32
	// ejectedUntil is the Unix time in nanoseconds when an ejected upstream
	// returns to rotation; 0 means it is in rotation.
	ejectedUntil atomic.Int64
}

// pick chooses the upstream for the next request: round-robin over the
// upstreams in rotation. When every upstream is ejected it returns the one
// whose ejection ends first (the least recently ejected) and fallback=true:
// sending traffic to a probably-dead upstream costs one fast 502, while
// refusing everything would turn a partial outage into a total one and would
// also stop the traffic that tells us an upstream recovered.
func (p *Proxy) pick() (u *upstream, fallback bool) {
	ups := p.upstreams
	if len(ups) == 1 {
		return ups[0], false
	}
	start := p.next.Add(1) - 1
	n := uint64(len(ups))
	var now int64 // read the clock only if some upstream was ejected
	for i := range n {
		u := ups[(start+i)%n]
		until := u.ejectedUntil.Load()
		if until == 0 {
			return u, false
		}
		if now == 0 {
			now = p.now().UnixNano()
		}
		if until <= now {
			return u, false
		}
	}
	best := ups[0]
	for _, u := range ups[1:] {
		if u.ejectedUntil.Load() < best.ejectedUntil.Load() {
			best = u
		}
	}
	return best, true
}

// upstreamFor finds the upstream a rewritten request is addressed to.
func (p *Proxy) upstreamFor(u *url.URL) *upstream {
	for _, up := range p.upstreams {
		if up.url.Host == u.Host && up.url.Scheme == u.Scheme {
			return up
		}
	}
	return nil
}

// succeeded records an answered request: the failure streak ends and an
// upstream used as a fallback while ejected is back in rotation at once.
// Loads before stores keep the hot path free of shared-cache-line writes.
func (u *upstream) succeeded() {
	if u.failures.Load() != 0 {
		u.failures.Store(0)
	}
	if u.ejectedUntil.Load() != 0 {
		u.ejectedUntil.Store(0)
	}
}

// failed records a transport failure and ejects the upstream after
// ejectAfter in a row. The streak restarts at ejection, so an upstream that
// comes back must fail ejectAfter times again before it is ejected again.
func (p *Proxy) failed(u *upstream) {
	n := u.failures.Add(1)
	if n < p.cfg.ejectAfter || !u.failures.CompareAndSwap(n, 0) {
		return
	}
	u.ejectedUntil.Store(p.now().Add(p.cfg.ejectFor).UnixNano())
	if len(p.upstreams) > 1 {
		p.log.LogAttrs(context.Background(), slog.LevelWarn, "upstream ejected after consecutive failures",
			slog.String("api", p.name), slog.String("upstream", u.label),
			slog.Int("failures", int(n)), slog.Duration("eject_for", p.cfg.ejectFor))
	}
}

// ejected reports whether u is out of rotation at now (for tests and status).
func (u *upstream) ejected(now time.Time) bool {
	until := u.ejectedUntil.Load()
	return until != 0 && until > now.UnixNano()
}
