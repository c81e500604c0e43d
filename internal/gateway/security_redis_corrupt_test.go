package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/internal/redistest"
)

// Redis state that is not what Rampart's scripts wrote (an operator, another
// program or an attacker with access to Redis overwrote it) makes a store
// call fail with an error: counted in rampart_store_errors_total by the
// component that made the call, never a panic, never a made-up decision.
// It is not an outage: the store stays healthy, and in every fail mode the
// check that could not be made is skipped (docs/rate-limiting.md): the rate
// limit and the ban check admit, the brute-force guard lets the attempt go
// on. Only while Redis is unreachable does store.fail_mode decide.
//
// Each case first creates the state through the gateway, then finds its key
// in Redis (the key scheme of internal/store/redisstore/keys.go under the
// test's prefix, and the key each guard passes to the store) and overwrites
// it: the corruption is at exactly the key the next request reads. If the
// gateway wrote nowhere the case looks, it fails instead of corrupting
// nothing.

// corruption is one kind of bad state at the key one client's request
// reads, and the request that reads it.
type corruption struct {
	name      string
	client    string
	method    string
	path      string
	component string // its label in rampart_store_errors_total
	corrupt   func(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string)
}

// corruptBurst is the rate limit's burst; the cases send at most six
// requests per client, so an intact limiter never refuses them.
const corruptBurst = 8

var corruptions = []corruption{
	{"rate limit state is garbage", "192.0.2.61", http.MethodGet, "/api/x", "ratelimit",
		func(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string) {
			must(t, rc.Set(t.Context(), limiterKey(t, g, rc, prefix, client), "garbage", 0).Err())
		}},
	{"rate limit state is far in the future", "192.0.2.62", http.MethodGet, "/api/x", "ratelimit",
		func(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string) {
			must(t, rc.Set(t.Context(), limiterKey(t, g, rc, prefix, client), "99999999999.0", 0).Err())
		}},
	{"rate limit state is a list", "192.0.2.63", http.MethodGet, "/api/x", "ratelimit",
		func(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string) {
			key := limiterKey(t, g, rc, prefix, client)
			must(t, rc.Del(t.Context(), key).Err())
			must(t, rc.RPush(t.Context(), key, "x").Err())
		}},
	{"ban mark is not JSON", "192.0.2.64", http.MethodGet, "/api/x", "ban",
		func(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string) {
			g.ban(t, "ip:"+client, "1h")
			overwriteMark(t, rc, prefix, "ban", "ip:"+client)
		}},
	{"lockout mark is not JSON", "192.0.2.65", http.MethodPost, "/api/login", "bruteforce",
		func(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string) {
			// bruteforce.ip.failures: 2 locks the address out.
			for range 2 {
				g.from(t, http.MethodPost, "/api/login", client, loginBody("dave", "wrong"))
			}
			r := g.from(t, http.MethodPost, "/api/login", client, loginBody("dave", "wrong"))
			wantReplyProblem(t, r, http.StatusTooManyRequests, "too_many_attempts")
			overwriteMark(t, rc, prefix, "lockout", "ip:"+client)
		}},
	{"brute-force counter is a list", "192.0.2.66", http.MethodPost, "/api/login", "bruteforce",
		func(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string) {
			g.from(t, http.MethodPost, "/api/login", client, loginBody("erin", "wrong"))
			key := onlyKey(t, rc, prefix+":ctr:*", "src", client)
			must(t, rc.Del(t.Context(), key).Err())
			must(t, rc.RPush(t.Context(), key, "x").Err())
		}},
}

// TestRedisCorruptStateIsAnErrorNotACrash corrupts, under each fail mode,
// the state each guard reads and sends the requests that read it.
func TestRedisCorruptStateIsAnErrorNotACrash(t *testing.T) {
	addr := redistest.Addr(t)
	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rc.Close() })
	// What a request that hits corrupt state gets, per fail mode: the same
	// in every mode, because corruption is not an outage.
	admitted := map[string]int{"ratelimit": http.StatusOK, "ban": http.StatusOK, "bruteforce": http.StatusUnauthorized}
	for _, mode := range []string{"local", "open", "closed"} {
		t.Run(mode, func(t *testing.T) {
			prefix := redistest.Prefix(t, addr)
			g := corruptibleGateway(t, addr, prefix, mode)
			const tries = 3
			for _, c := range corruptions {
				c.corrupt(t, g, rc, prefix, c.client)
				before := g.metric(t, "rampart_store_errors_total", map[string]string{"component": c.component})
				body := ""
				if c.method == http.MethodPost {
					body = loginBody("carol", "wrong")
				}
				for range tries {
					if r := g.from(t, c.method, c.path, c.client, body); r.status != admitted[c.component] {
						t.Errorf("%s: status %d, want %d; body %q", c.name, r.status, admitted[c.component], r.body)
					}
				}
				// One error per request, each counted.
				g.waitMetric(t, "rampart_store_errors_total", map[string]string{"component": c.component}, before+tries)
			}

			// Listing bans reads every ban, the corrupt one too: an error
			// answer, not a crash and not a list without it.
			r := g.admin(t, http.MethodGet, "/admin/bans", testAdminToken, "")
			wantReplyProblem(t, r, http.StatusInternalServerError, "store_error")
			// Still healthy, and other clients are limited by Redis as before.
			if v := g.metric(t, "rampart_store_healthy", nil); v != 1 {
				t.Errorf("rampart_store_healthy = %v after corrupt replies, want 1 (corruption is no outage)", v)
			}
			for i := range corruptBurst + 1 {
				r := g.from(t, http.MethodGet, "/api/x", "192.0.2.70", "")
				if i < corruptBurst && r.status != http.StatusOK || i == corruptBurst && r.status != http.StatusTooManyRequests {
					t.Errorf("clean client, request %d: status %d, want %d admitted then 429", i+1, r.status, corruptBurst)
				}
			}
			if log := g.stderr.String(); strings.Contains(log, "panic") {
				t.Errorf("the gateway logged a panic:\n%s", log)
			}
		})
	}
}

// corruptibleGateway starts a gateway on Redis under prefix with fail_mode
// mode, a global rate limit "corrupt" by client address (burst
// corruptBurst, refilling too slowly to matter) and a credential route
// /api/login, which locks an address out after two failures, on an upstream
// that refuses every login.
func corruptibleGateway(t *testing.T, addr, prefix, mode string) *testGateway {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/api/login" {
			w.WriteHeader(http.StatusUnauthorized)
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	t.Setenv(testAccountKeyEnv, testAccountKey)
	return withAdminToken(t, gwConfig{rest: trustLoopback + redisStore(addr, prefix, "  fail_mode: "+mode+"\n") + fmt.Sprintf(`
rate_limits:
  - name: corrupt
    global: true
    limits:
      - {requests: 1, per: 1h, burst: %d}
bruteforce:
  account_key_env: %s
  ip: {failures: 2}
  delay: {base: -1ms}
apis:`, corruptBurst, testAccountKeyEnv) + credentialAPI("app", "/api", up.URL, "{}")})
}

// limiterKey makes one admitted request as client and returns the key of
// the limiter state it left in Redis.
func limiterKey(t *testing.T, g *testGateway, rc *redis.Client, prefix, client string) string {
	t.Helper()
	if r := g.from(t, http.MethodGet, "/api/x", client, ""); r.status != http.StatusOK {
		t.Fatalf("first request as %s: status %d, body %q", client, r.status, r.body)
	}
	return onlyKey(t, rc, prefix+":gcra:*", "corrupt", client)
}

// onlyKey returns the one key matching pattern whose name contains every
// part, failing the test when there is none or more than one.
func onlyKey(t *testing.T, rc *redis.Client, pattern string, parts ...string) string {
	t.Helper()
	var found []string
	iter := rc.Scan(t.Context(), 0, pattern, 1000).Iterator()
	for iter.Next(t.Context()) {
		k := iter.Val()
		all := true
		for _, p := range parts {
			all = all && strings.Contains(k, p)
		}
		if all {
			found = append(found, k)
		}
	}
	must(t, iter.Err())
	if len(found) != 1 {
		t.Fatalf("keys %s containing %q: %v, want exactly one", pattern, parts, found)
	}
	return found[0]
}

// overwriteMark replaces the stored value of the live mark key in
// namespace ns with text that is not a mark.
func overwriteMark(t *testing.T, rc *redis.Client, prefix, ns, key string) {
	t.Helper()
	data := prefix + ":mark:{" + ns + "}:data"
	ok, err := rc.HExists(t.Context(), data, key).Result()
	must(t, err)
	if !ok {
		t.Fatalf("no mark %q in %s: the mark key scheme changed", key, data)
	}
	must(t, rc.HSet(t.Context(), data, key, "{not json").Err())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
