package bruteforce

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// ObserveResponse counts a credential endpoint's upstream answer: a failure
// adds to the account, address, network and key counters and to the
// address's distinct-account count, and locks out or bans what crossed a
// threshold; a success resets the account's failures and trusts its source.
// It never changes the response and never fails it.
//
// The store writes run on a context detached from the client's: an
// attacker who hangs up as soon as he has read the status must still be
// counted.
func (g *Guard) ObserveResponse(r *http.Request, resp *http.Response) error {
	a, ok := r.Context().Value(attemptKey{}).(*attempt)
	if !ok {
		// The guard objected to this request (monitor mode let it through)
		// or it did not pass Check at all.
		ep := g.endpointFor(r)
		if ep == nil {
			return nil
		}
		a = g.observedAttempt(r, ep)
	}
	failed := g.failed(a.ep, resp)
	if !failed && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()
	if failed {
		g.recordFailure(ctx, r, a)
	} else {
		g.recordSuccess(ctx, a)
	}
	return nil
}

// observedAttempt rebuilds the attempt of a request whose Check objected
// (in monitor mode). The body went upstream unread, so only a basic-auth
// username is known; the attempt still counts per address, network and key.
func (g *Guard) observedAttempt(r *http.Request, ep *endpoint) *attempt {
	a := g.sourceAttempt(r, ep)
	if ep.basicAuth {
		if user, _, ok := r.BasicAuth(); ok {
			a.account = g.accountOf(user)
		}
	}
	return a
}

// failed reports whether resp is a failed attempt: a failure status, or
// the body marker within the first BodyPeekBytes of the body.
func (g *Guard) failed(ep *endpoint, resp *http.Response) bool {
	if slices.Contains(ep.statuses, resp.StatusCode) {
		return true
	}
	if ep.bodyMarker == nil || resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 {
		return false
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && ce != "identity" {
		return false // compressed bodies pass through untouched
	}
	// Credential endpoints answer small bodies: reading up to the peek size
	// (or EOF) is bounded and does not hold back a stream.
	peek, err := io.ReadAll(io.LimitReader(resp.Body, int64(ep.peekBytes)))
	resp.Body = pipeline.ReplayBody(peek, err, resp.Body)
	return bytes.Contains(peek, ep.bodyMarker)
}

// recordFailure counts a failed attempt and acts on crossed thresholds.
func (g *Guard) recordFailure(ctx context.Context, r *http.Request, a *attempt) {
	c := &g.cfg
	if a.account != "" && (c.account.LockAfter > 0 || c.delayEnabled) {
		if n, ok := g.incr(ctx, prefixAccount+a.account, c.account.Window); ok && c.account.LockAfter > 0 && n >= int64(c.account.LockAfter) {
			g.lock(ctx, r, a, KindAccount, prefixAccount+a.account, n, c.account.Window)
		}
	}
	if a.source != "" && c.ip.Failures > 0 {
		if n, ok := g.incr(ctx, levelSource+a.source, c.ip.Window); ok && n >= int64(c.ip.Failures) {
			g.lock(ctx, r, a, KindIP, a.source, n, c.ip.Window)
		}
	}
	if a.network != "" && c.network.Failures > 0 {
		if n, ok := g.incr(ctx, a.network, c.network.Window); ok && n >= int64(c.network.Failures) {
			g.lock(ctx, r, a, KindNetwork, a.network, n, c.network.Window)
		}
	}
	if a.apiKey != "" && c.apiKey.Failures > 0 {
		key := prefixKey + a.apiKey
		if n, ok := g.incr(ctx, key, c.apiKey.Window); ok && n >= int64(c.apiKey.Failures) {
			g.lock(ctx, r, a, KindAPIKey, key, n, c.apiKey.Window)
		}
	}
	if a.account != "" && a.source != "" {
		g.countStuffing(ctx, r, a)
	}
}

// countStuffing adds the account to the distinct accounts failed from the
// address and from its network, and bans what tried too many: one source
// failing on many accounts is replaying a leaked credential list, whatever
// its per-account counts say.
func (g *Guard) countStuffing(ctx context.Context, r *http.Request, a *attempt) {
	st := &g.cfg.stuffing
	if st.Accounts > 0 {
		if n, ok := g.addDistinct(ctx, a.source, a.account); ok && n >= int64(st.Accounts) {
			g.ban(ctx, r, a, KindStuffing, a.source, n)
		}
	}
	if st.NetworkAccounts > 0 && a.banNet != "" {
		if n, ok := g.addDistinct(ctx, a.banNet, a.account); ok && n >= int64(st.NetworkAccounts) {
			g.ban(ctx, r, a, KindStuffingNetwork, a.banNet, n)
		}
	}
}

// recordSuccess resets the account's failures and trusts the source for
// the account (the anti-lockout policy). An active lockout stays: lifting
// it on the owner's success would reopen the account to the attackers, and
// the owner's trusted source does not need it lifted.
func (g *Guard) recordSuccess(ctx context.Context, a *attempt) {
	if a.account == "" {
		return
	}
	if err := g.counters.Reset(ctx, counterPrefix+prefixAccount+a.account); err != nil {
		g.storeFailed(ctx, "reset_counter", err)
	}
	if g.cfg.trustFor < 0 || a.source == "" {
		return
	}
	now := g.now()
	m := store.Mark{Key: trustKey(a), Reason: "successful login", Source: markSource, Since: now, Until: now.Add(g.cfg.trustFor)}
	if err := g.marks.PutMark(ctx, NamespaceTrusted, m); err != nil {
		g.storeFailed(ctx, "put_trusted", err)
	}
}

func (g *Guard) incr(ctx context.Context, key string, window time.Duration) (int64, bool) {
	n, err := g.counters.Incr(ctx, counterPrefix+key, window, 1)
	if err != nil {
		g.storeFailed(ctx, "incr_counter", err)
		return 0, false
	}
	return n, true
}

func (g *Guard) addDistinct(ctx context.Context, key, member string) (int64, bool) {
	n, err := g.distinct.AddDistinct(ctx, stuffPrefix+key, member, g.cfg.stuffing.Window)
	if err != nil {
		g.storeFailed(ctx, "add_distinct", err)
		return 0, false
	}
	return n, true
}

// lock writes a lockout mark and its Event, once per key per lockout. A
// monitored endpoint's lockout goes to NamespaceMonitorLockout, which only
// monitored endpoints read, and its Event is marked Monitor.
func (g *Guard) lock(ctx context.Context, r *http.Request, a *attempt, kind, key string, n int64, window time.Duration) {
	now := g.now()
	until := now.Add(g.cfg.lockout)
	ns := lockoutNamespace(a.ep)
	if !g.crossings.First(ns+"|"+key, now, until) {
		return
	}
	reason := strconv.FormatInt(n, 10) + " failed attempts within " + window.String()
	m := store.Mark{Key: key, Reason: reason, Source: markSource, Since: now, Until: until}
	if err := g.marks.PutMark(ctx, ns, m); err != nil {
		g.crossings.Forget(ns + "|" + key)
		g.storeFailed(ctx, "put_lockout", err)
		return
	}
	verb := " locked out until "
	if a.ep.monitor {
		verb = " would be locked out (monitor mode) until "
	}
	pipeline.AddEvent(r, pipeline.Event{
		Kind:     "lockout",
		Severity: pipeline.SeverityMedium,
		Category: "API2:2023",
		Guard:    "bruteforce",
		Rule:     kind,
		Message:  "too many failed attempts on a credential endpoint; " + kind + verb + until.UTC().Format(time.RFC3339),
		Monitor:  a.ep.monitor,
		Evidence: map[string]string{"key": key, "failures": strconv.FormatInt(n, 10), "window": window.String(),
			"until": until.UTC().Format(time.RFC3339)},
	})
	if g.onLockout != nil && !a.ep.monitor {
		g.onLockout(kind)
	}
}

// ForgetBan makes this process ban key (a ban key, "ip:…" or "net:…")
// again at the next stuffing crossing, even before the ban it wrote would
// have ended: the admin API calls it when an operator lifts a ban, so a
// source that goes on stuffing is banned anew.
func (g *Guard) ForgetBan(key string) {
	g.crossings.Forget(NamespaceBan + "|" + key)
	g.crossings.Forget("monitor|" + NamespaceBan + "|" + key)
}

// ban writes a ban mark (read by the ban guard) and its Event, once per key
// per ban. On a monitored endpoint no mark is written (the ban guard would
// enforce it on every route): the Event, marked Monitor, says what
// enforcing would have banned.
func (g *Guard) ban(ctx context.Context, r *http.Request, a *attempt, kind, key string, n int64) {
	now := g.now()
	st := &g.cfg.stuffing
	until := now.Add(st.BanFor)
	once := NamespaceBan + "|" + key
	if a.ep.monitor {
		once = "monitor|" + once
	}
	if !g.crossings.First(once, now, until) {
		return
	}
	reason := "credential stuffing: " + strconv.FormatInt(n, 10) + " distinct accounts failed within " + st.Window.String()
	verb := " banned until "
	if a.ep.monitor {
		verb = " would be banned (monitor mode) until "
	} else {
		m := store.Mark{Key: key, Reason: reason, Source: markSource, Since: now, Until: until}
		if err := g.marks.PutMark(ctx, NamespaceBan, m); err != nil {
			g.crossings.Forget(once)
			g.storeFailed(ctx, "put_ban", err)
			return
		}
	}
	pipeline.AddEvent(r, pipeline.Event{
		Kind:     "ban",
		Severity: pipeline.SeverityHigh,
		Category: "API2:2023",
		Guard:    "bruteforce",
		Rule:     kind,
		Message:  reason + "; " + key + verb + until.UTC().Format(time.RFC3339),
		Monitor:  a.ep.monitor,
		Evidence: map[string]string{"key": key, "accounts": strconv.FormatInt(n, 10), "window": st.Window.String(),
			"until": until.UTC().Format(time.RFC3339)},
	})
	if g.onBan != nil && !a.ep.monitor {
		g.onBan(kind)
	}
}
