package sampleapi

import (
	"container/list"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Hardened mode's per-client limits.
//
// Requests (CWE-770, allocation of resources without limits; OWASP API4): a
// token bucket per client IP refilled at Config.RequestRate per second and
// holding Config.RequestBurst. The defaults are a generous "100 a second,
// 1,000 at once": enough for a person, a test suite or a full `rampart
// attack` scan, which arrives in bursts of a few hundred requests, and a
// hard stop for a client that floods. Every answer advertises the limit, so
// a client (or a scanner's burst smaller than the bucket) sees that one
// exists.
//
// Failed logins (CWE-307): a second, much smaller bucket per client IP,
// spent only by a failed login and refilled at one per loginFailureEvery,
// so that guessing passwords across many accounts (credential stuffing,
// password spraying, which the per-account lockout never sees) stops after
// loginFailureBurst tries.
const (
	DefaultRequestRate  = 100
	DefaultRequestBurst = 1000

	loginFailureBurst = 10
	loginFailureEvery = 6 * time.Second

	// maxTrackedClients bounds the limiter's map: beyond it the client
	// seen least recently is forgotten (it starts again with a full
	// bucket), so a flood of spoofed or rotating addresses costs memory
	// for at most this many entries.
	maxTrackedClients = 10_000

	// ratePolicyName names the request limit in the RateLimit headers.
	ratePolicyName = "per-client"
)

// clientLimiter is one token bucket per client, bounded with least recently
// used eviction.
type clientLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[netip.Addr]*list.Element // values: *clientBucket
	lru     *list.List                   // front: most recently seen
}

type clientBucket struct {
	key netip.Addr
	lim *rate.Limiter
}

func newClientLimiter(limit rate.Limit, burst int, now func() time.Time) *clientLimiter {
	return &clientLimiter{limit: limit, burst: burst, now: now,
		clients: make(map[netip.Addr]*list.Element), lru: list.New()}
}

// bucket returns key's bucket, creating it (and evicting the least recently
// seen client when full). Hold l.mu.
func (l *clientLimiter) bucket(key netip.Addr) *rate.Limiter {
	if e, ok := l.clients[key]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*clientBucket).lim
	}
	if l.lru.Len() >= maxTrackedClients {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.clients, oldest.Value.(*clientBucket).key)
	}
	b := &clientBucket{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
	l.clients[key] = l.lru.PushFront(b)
	return b.lim
}

// take spends one token of key's bucket. When none is left it returns
// false and how long until one is; remaining is what is left either way.
func (l *clientLimiter) take(key netip.Addr) (ok bool, wait time.Duration, remaining int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	lim := l.bucket(key)
	if lim.AllowN(now, 1) {
		return true, 0, int(lim.TokensAt(now))
	}
	return false, l.untilOne(lim.TokensAt(now)), 0
}

// blocked returns how long key must wait for a token, without spending
// one; zero when a token is available.
func (l *clientLimiter) blocked(key netip.Addr) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	tokens := l.bucket(key).TokensAt(l.now())
	if tokens >= 1 {
		return 0
	}
	return l.untilOne(tokens)
}

// untilOne is how long a bucket holding tokens takes to hold one.
func (l *clientLimiter) untilOne(tokens float64) time.Duration {
	if l.limit <= 0 {
		return time.Hour // a bucket that never refills; not configured so
	}
	return time.Duration((1 - tokens) / float64(l.limit) * float64(time.Second))
}

// untilFull is how long an empty bucket takes to fill, for the RateLimit
// header's window.
func (l *clientLimiter) untilFull(remaining int) time.Duration {
	if l.limit <= 0 {
		return 0
	}
	return time.Duration(float64(l.burst-remaining) / float64(l.limit) * float64(time.Second))
}

// clientKey is the client's address as the connection shows it (the sample
// API trusts no forwarding header); IPv6 clients are keyed by their /64,
// which one host usually holds whole.
func clientKey(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{} // one shared bucket for whatever this is
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().Addr()
	}
	return ip
}

// limitRequests refuses a client over its request limit with 429 and
// Retry-After, and advertises the limit on every answer with the RateLimit
// and RateLimit-Policy fields of draft-ietf-httpapi-ratelimit-headers, so a
// well-behaved client can pace itself before it is refused.
func (a *API) limitRequests(next http.Handler) http.Handler {
	policy := `"` + ratePolicyName + `";q=` + strconv.Itoa(a.requests.burst) +
		";w=" + strconv.FormatInt(ceilSeconds(a.requests.untilFull(0)), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait, remaining := a.requests.take(clientKey(r))
		h := w.Header()
		h.Set("RateLimit-Policy", policy)
		if !ok {
			h.Set("RateLimit", `"`+ratePolicyName+`";r=0;t=`+strconv.FormatInt(ceilSeconds(wait), 10))
			h.Set("Retry-After", strconv.FormatInt(ceilSeconds(wait), 10))
			writeProblem(w, http.StatusTooManyRequests, "too many requests; slow down")
			return
		}
		h.Set("RateLimit", `"`+ratePolicyName+`";r=`+strconv.Itoa(remaining)+
			";t="+strconv.FormatInt(ceilSeconds(a.requests.untilFull(remaining)), 10))
		next.ServeHTTP(w, r)
	})
}

// ceilSeconds rounds d up to whole seconds, at least one: Retry-After and
// the RateLimit fields count in seconds, and "0" would invite a retry now.
func ceilSeconds(d time.Duration) int64 {
	return max(1, int64((d+time.Second-1)/time.Second))
}
