package bruteforce

import (
	"context"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// lockoutNamespace is where an endpoint's lockouts are written and read:
// a monitored endpoint keeps its own, so that trying a route in monitor
// mode never locks anyone out of an enforcing one.
func lockoutNamespace(ep *endpoint) string {
	if ep.monitor {
		return NamespaceMonitorLockout
	}
	return NamespaceLockout
}

// enforceSource denies an attempt from a locked-out source, network or API
// key. These lockouts bind everyone, trusted for an account or not.
func (g *Guard) enforceSource(r *http.Request, a *attempt) *pipeline.Denial {
	ctx := r.Context()
	type source struct{ key, kind string }
	var sources [3]source
	n := 0
	if a.source != "" && g.cfg.ip.Failures > 0 {
		sources[n] = source{a.source, KindIP}
		n++
	}
	// An IPv6 source already is its /64: one lookup covers both.
	if a.network != "" && a.network != a.source && g.cfg.network.Failures > 0 {
		sources[n] = source{a.network, KindNetwork}
		n++
	}
	if a.apiKey != "" {
		sources[n] = source{prefixKey + a.apiKey, KindAPIKey}
		n++
	}
	ns := lockoutNamespace(a.ep)
	for _, src := range sources[:n] {
		m, locked, err := g.marks.GetMark(ctx, ns, src.key)
		if err != nil {
			if d := g.checkFailed(ctx, a, "get_lockout", err); d != nil {
				return d
			}
			continue
		}
		if locked {
			return g.tooMany(a, "lockout_"+src.kind, src.key, m.Until.Sub(g.now()))
		}
	}
	return nil
}

// enforceAccount applies the account's lockout and progressive delay to
// every source without a recent success on the account.
func (g *Guard) enforceAccount(r *http.Request, a *attempt) *pipeline.Denial {
	ctx := r.Context()
	key := prefixAccount + a.account
	var lock store.Mark
	locked := false
	if g.cfg.account.LockAfter > 0 {
		m, ok, err := g.marks.GetMark(ctx, lockoutNamespace(a.ep), key)
		if err != nil {
			if d := g.checkFailed(ctx, a, "get_lockout", err); d != nil {
				return d
			}
		}
		lock, locked = m, ok
	}
	var failures int64
	if !locked && g.cfg.delayEnabled {
		// Adding zero reads the count in the current window.
		n, err := g.counters.Incr(ctx, counterPrefix+key, g.cfg.account.Window, 0)
		if err != nil {
			if d := g.checkFailed(ctx, a, "read_counter", err); d != nil {
				return d
			}
		}
		failures = n
	}
	delayed := !locked && g.cfg.delayEnabled && failures >= int64(g.cfg.account.DelayAfter)
	if !locked && !delayed {
		return nil
	}
	if g.trusted(ctx, a) {
		return nil
	}
	if locked {
		return g.tooMany(a, "lockout_account", key, lock.Until.Sub(g.now()))
	}
	if a.ep.monitor {
		return g.wouldDelay(a, failures)
	}
	return g.delay(ctx, a, failures)
}

// trusted reports whether the attempt's source logged in to the account
// successfully within TrustFor (the anti-lockout policy).
func (g *Guard) trusted(ctx context.Context, a *attempt) bool {
	if g.cfg.trustFor < 0 || a.source == "" {
		return false
	}
	_, ok, err := g.marks.GetMark(ctx, NamespaceTrusted, trustKey(a))
	if err != nil {
		// Unknown trust is no trust: failing open here would exempt every
		// source from the lockout whenever the store is down.
		g.storeFailed(ctx, "get_trusted", err)
		return false
	}
	return ok
}

// trustKey names the (account, source) pair a success makes trusted.
func trustKey(a *attempt) string { return a.account + "|" + a.source }

// apiKeyOf returns the raw API key of r, looked up where the
// authentication guard looks: the configured header, then
// "Authorization: ApiKey <key>", then the query parameter. Reading only the
// header would let a guesser dodge the count by moving the key.
func apiKeyOf(r *http.Request, p *APIKeyPolicy) string {
	if k := r.Header.Get(p.Header); k != "" {
		return k
	}
	if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "ApiKey") {
		if k := strings.TrimSpace(cred); k != "" {
			return k
		}
	}
	if p.QueryParam != "" && strings.Contains(r.URL.RawQuery, p.QueryParam+"=") {
		return r.URL.Query().Get(p.QueryParam)
	}
	return ""
}
