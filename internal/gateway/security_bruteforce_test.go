package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/sampleapi"
)

// The brute-force tests shoot at the real sample API (vulnerable mode: it
// has no lockout of its own, so every lockout seen here is Rampart's)
// through gateways whose /api/login route is a credential endpoint. The
// progressive delay is off (bruteforce.delay.base: -1ms) to keep them
// fast; the thresholds are the defaults: 10 failures lock an account, 10
// distinct failed accounts from one address ban it.
//
// Each scenario runs on one gateway with its memory store (here) and on
// two replicas sharing Redis (security_bruteforce_redis_test.go), with the
// attacker's requests spread across the replicas.

// testAccountKeyEnv names the environment variable holding the key
// usernames are hashed with; replicas must share it for their counts of
// one account to add up.
const testAccountKeyEnv = "RAMPART_SECURITY_TEST_ACCOUNT_KEY"

// testAccountKey is fixed, not random: Redis counts distinct accounts
// with a HyperLogLog of the hashed names, and a fixed key keeps its
// estimates the same from run to run.
const testAccountKey = "security-test-account-key-0123456789"

// sampleLoginGateways starts the sample API and n gateways in front of it,
// each with the admin token and the same account key. storeSection is a
// top-level store section shared by all of them ("" for the default: each
// its own memory store).
func sampleLoginGateways(t *testing.T, n int, storeSection string) []*testGateway {
	t.Helper()
	api, err := sampleapi.Start(t.Context(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	t.Setenv(testAccountKeyEnv, testAccountKey)
	cfg := gwConfig{rest: trustLoopback + storeSection + fmt.Sprintf(`
bruteforce:
  account_key_env: %s
  delay:
    base: -1ms
apis:`, testAccountKeyEnv) + credentialAPI("sample", "/api", api.URL(), "{}")}
	gws := make([]*testGateway, n)
	for i := range gws {
		gws[i] = withAdminToken(t, cfg)
	}
	return gws
}

// credentialAPI is an apis entry: the API name at prefix in front of
// upstream, whose POST <prefix>/login is a credential route with the given
// settings ("{}" for the defaults).
func credentialAPI(name, prefix, upstream, credential string) string {
	return fmt.Sprintf(`
  - name: %s
    path_prefix: %s
    upstreams: [%q]
    routes:
      - name: login
        path: %s/login
        methods: [POST]
        credential: %s
`, name, prefix, upstream, prefix, credential)
}

func loginBody(user, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
}

// metricSum is a metric summed over replicas.
func metricSum(t *testing.T, gws []*testGateway, name string, labels map[string]string) float64 {
	t.Helper()
	total := 0.0
	for _, g := range gws {
		total += g.metric(t, name, labels)
	}
	return total
}

// TestBruteForceCredentialStuffing runs credentialStuffing on one gateway.
func TestBruteForceCredentialStuffing(t *testing.T) {
	credentialStuffing(t, sampleLoginGateways(t, 1, ""))
}

// credentialStuffing: 50 addresses each replay a leaked list of 11
// accounts, attempt j of address i going to replica (i+j) mod n; each
// address is banned after its 10th distinct failed account, on every route
// and every replica, and the bans are listed by every replica's admin API.
func credentialStuffing(t *testing.T, gws []*testGateway) {
	const (
		sources  = 50
		accounts = 11
		workers  = 5
	)
	// A /24 each, so only the addresses are banned, not their networks.
	attacker := func(i int) string { return fmt.Sprintf("10.50.%d.7", i) }

	jobs := make(chan int)
	errs := make(chan error, sources)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				for j := range accounts {
					g := gws[(i+j)%len(gws)]
					r, err := send(g.client, http.MethodPost, g.url("/api/login"), attacker(i),
						loginBody(fmt.Sprintf("leaked-%d-%d@example.com", i, j), "Summer2024!"), nil)
					if err != nil {
						errs <- err
						break
					}
					// The ban is written after the 10th failure; the
					// answering replica's ban cache (bans.cache_ttl, 1s)
					// may let the 11th attempt through to the upstream.
					if r.status != http.StatusUnauthorized && !(j == accounts-1 && r.status == http.StatusForbidden) {
						errs <- fmt.Errorf("%s attempt %d: status %d, body %q", attacker(i), j+1, r.status, r.body)
						break
					}
				}
			}
		})
	}
	for i := range sources {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	for n, g := range gws {
		// Banned on every route of every replica, within the ban cache's TTL.
		for i := range sources {
			eventually(t, fmt.Sprintf("%s to be banned on replica %d", attacker(i), n), func() bool {
				return g.from(t, http.MethodGet, "/api/items/1", attacker(i), "").status == http.StatusForbidden
			})
		}
		r := g.from(t, http.MethodPost, "/api/login", attacker(0), loginBody("alice", "alice-password-1"))
		wantReplyProblem(t, r, http.StatusForbidden, "banned")
		wantRetryAfter(t, r, 3000, 3600) // bruteforce.stuffing.ban_for: 1h
		bans := g.bans(t)
		for i := range sources {
			if src := bans["ip:"+attacker(i)]; src != "bruteforce" {
				t.Errorf("replica %d /admin/bans: ip:%s source %q, want bruteforce", n, attacker(i), src)
			}
		}
		if len(bans) != sources {
			t.Errorf("replica %d /admin/bans lists %d bans, want %d: %v", n, len(bans), sources, bans)
		}
		// Nobody else is affected.
		if r := g.from(t, http.MethodPost, "/api/login", "10.51.0.1", loginBody("bob", "bob-password-2")); r.status != http.StatusOK {
			t.Errorf("bob from another address on replica %d: status %d, body %q", n, r.status, r.body)
		}
		g.waitMetricAtLeast(t, "rampart_security_actions_total", map[string]string{"action": "banned_request", "kind": "ip"}, sources)
	}
	// One ban per address. A replica whose ban cache let the 11th attempt
	// through bans the address again (same mark, extended): with n
	// replicas up to n bans per address are counted.
	banned := map[string]string{"action": "ban", "kind": "credential_stuffing"}
	eventually(t, "the stuffing bans to be counted", func() bool {
		return metricSum(t, gws, "rampart_security_actions_total", banned) >= sources
	})
	if got := metricSum(t, gws, "rampart_security_actions_total", banned); got > float64(sources*len(gws)) {
		t.Errorf("%v stuffing bans counted over %d replicas, want at most %d", got, len(gws), sources*len(gws))
	}
}

// TestBruteForceDistributedOnOneAccount runs distributedBruteForce on one
// gateway.
func TestBruteForceDistributedOnOneAccount(t *testing.T) {
	distributedBruteForce(t, sampleLoginGateways(t, 1, ""))
}

// distributedBruteForce: many addresses guess alice's password, one
// attempt each (no address crosses its own threshold), guess i going to
// replica i mod n. After 10 failures the account is locked for every source
// without a recent success on it (429, even with the right password), on
// every replica, while alice, from the address she logged in from before
// the attack, still gets in on every replica, during the attack and after.
func distributedBruteForce(t *testing.T, gws []*testGateway) {
	const home = "10.60.0.1"
	if r := gws[0].from(t, http.MethodPost, "/api/login", home, loginBody("alice", "alice-password-1")); r.status != http.StatusOK {
		t.Fatalf("alice's usual login: status %d, body %q", r.status, r.body)
	}
	aliceLogsIn := func(g *testGateway, when string) {
		t.Helper()
		r := g.from(t, http.MethodPost, "/api/login", home, loginBody("alice", "alice-password-1"))
		if r.status != http.StatusOK || !strings.Contains(r.body, `"token"`) {
			t.Fatalf("alice from her usual address %s: status %d, body %q", when, r.status, r.body)
		}
	}

	for i := range 30 {
		client := fmt.Sprintf("10.61.%d.1", i)
		g := gws[i%len(gws)]
		r := g.from(t, http.MethodPost, "/api/login", client, loginBody("alice", fmt.Sprintf("guess-%d", i)))
		switch {
		case i < 10 && r.status != http.StatusUnauthorized:
			t.Fatalf("guess %d from %s: status %d, want the upstream's 401; body %q", i+1, client, r.status, r.body)
		case i >= 10:
			p := wantReplyProblem(t, r, http.StatusTooManyRequests, "too_many_attempts")
			wantRetryAfter(t, r, 800, 900) // bruteforce.lockout: 15m
			if p.Detail != "Too many attempts; retry later." {
				t.Errorf("lockout detail %q says more than the uniform answer", p.Detail)
			}
		}
		// Alice logs in now and then while the account is locked: her
		// success neither locks her out nor lifts the attackers' lockout.
		if i >= 10 && i%5 == 0 {
			aliceLogsIn(gws[(i/5)%len(gws)], fmt.Sprintf("during the attack (after guess %d)", i+1))
		}
	}

	for n, g := range gws {
		// An unknown source is locked out even with the right password (the
		// lockout is no oracle), and so is a case variant of the name.
		for _, user := range []string{"alice", "ALICE", " Alice "} {
			r := g.from(t, http.MethodPost, "/api/login", "10.62.0.1", loginBody(user, "alice-password-1"))
			wantReplyProblem(t, r, http.StatusTooManyRequests, "too_many_attempts")
		}
		aliceLogsIn(g, fmt.Sprintf("on replica %d after the attack", n))
		// Other accounts are not affected.
		if r := g.from(t, http.MethodPost, "/api/login", "10.63.0.1", loginBody("bob", "bob-password-2")); r.status != http.StatusOK {
			t.Errorf("bob on replica %d: status %d, body %q", n, r.status, r.body)
		}
		if bans := g.bans(t); len(bans) != 0 {
			t.Errorf("single attempts per address banned someone (replica %d): %v", n, bans)
		}
	}
	// One lockout, written by the replica that saw the 10th failure.
	locked := map[string]string{"action": "lockout", "kind": "account"}
	eventually(t, "the account lockout to be counted", func() bool {
		return metricSum(t, gws, "rampart_security_actions_total", locked) >= 1
	})
	if got := metricSum(t, gws, "rampart_security_actions_total", locked); got != 1 {
		t.Errorf("%v account lockouts counted, want 1", got)
	}
}
