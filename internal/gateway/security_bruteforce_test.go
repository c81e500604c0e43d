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
// through a gateway whose /api/login route is a credential endpoint. The
// progressive delay is off (bruteforce.delay.base: -1ms) to keep them
// fast; the thresholds are the defaults: 10 failures lock an account, 10
// distinct failed accounts from one address ban it.

// sampleLoginGateway starts the sample API and a gateway in front of it
// with an admin token.
func sampleLoginGateway(t *testing.T) *testGateway {
	t.Helper()
	api, err := sampleapi.Start(t.Context(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return withAdminToken(t, gwConfig{rest: trustLoopback + fmt.Sprintf(`
bruteforce:
  delay:
    base: -1ms
apis:
  - name: sample
    path_prefix: /api
    upstreams: [%q]
    routes:
      - name: login
        path: /api/login
        methods: [POST]
        credential: {}
`, api.URL())})
}

func loginBody(user, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
}

// TestBruteForceCredentialStuffing: 50 addresses each replay a leaked list
// of 11 accounts; each address is banned after its 10th distinct failed
// account, on every route, and the bans are listed by the admin API.
func TestBruteForceCredentialStuffing(t *testing.T) {
	g := sampleLoginGateway(t)
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
					r, err := send(g.client, http.MethodPost, g.url("/api/login"), attacker(i),
						loginBody(fmt.Sprintf("leaked-%d-%d@example.com", i, j), "Summer2024!"), nil)
					if err != nil {
						errs <- err
						break
					}
					// The ban is written after the 10th failure; this
					// replica's ban cache (bans.cache_ttl, 1s) may let the
					// 11th attempt through to the upstream.
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

	// Banned on every route, within the ban cache's TTL.
	for i := range sources {
		eventually(t, attacker(i)+" to be banned", func() bool {
			return g.from(t, http.MethodGet, "/api/items/1", attacker(i), "").status == http.StatusForbidden
		})
	}
	r := g.from(t, http.MethodPost, "/api/login", attacker(0), loginBody("alice", "alice-password-1"))
	wantReplyProblem(t, r, http.StatusForbidden, "banned")
	wantRetryAfter(t, r, 3000, 3600) // bruteforce.stuffing.ban_for: 1h
	bans := g.bans(t)
	for i := range sources {
		if src := bans["ip:"+attacker(i)]; src != "bruteforce" {
			t.Errorf("/admin/bans: ip:%s source %q, want bruteforce", attacker(i), src)
		}
	}
	if len(bans) != sources {
		t.Errorf("/admin/bans lists %d bans, want %d: %v", len(bans), sources, bans)
	}

	// Nobody else is affected.
	if r := g.from(t, http.MethodPost, "/api/login", "10.51.0.1", loginBody("bob", "bob-password-2")); r.status != http.StatusOK {
		t.Errorf("bob from another address: status %d, body %q", r.status, r.body)
	}
	g.waitMetric(t, "rampart_security_actions_total", map[string]string{"action": "ban", "kind": "credential_stuffing"}, sources)
	g.waitMetricAtLeast(t, "rampart_security_actions_total", map[string]string{"action": "banned_request", "kind": "ip"}, sources)
}

// TestBruteForceDistributedOnOneAccount: many addresses guess alice's
// password, one attempt each (no address crosses its own threshold). After
// 10 failures the account is locked for every source without a recent
// success on it (429, even with the right password), while alice, from the
// address she logged in from before the attack, still gets in.
func TestBruteForceDistributedOnOneAccount(t *testing.T) {
	g := sampleLoginGateway(t)
	const home = "10.60.0.1"
	if r := g.from(t, http.MethodPost, "/api/login", home, loginBody("alice", "alice-password-1")); r.status != http.StatusOK {
		t.Fatalf("alice's usual login: status %d, body %q", r.status, r.body)
	}

	for i := range 30 {
		client := fmt.Sprintf("10.61.%d.1", i)
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
	}

	// An unknown source is locked out even with the right password (the
	// lockout is no oracle), and so is a case variant of the name.
	for _, user := range []string{"alice", "ALICE", " Alice "} {
		r := g.from(t, http.MethodPost, "/api/login", "10.62.0.1", loginBody(user, "alice-password-1"))
		wantReplyProblem(t, r, http.StatusTooManyRequests, "too_many_attempts")
	}
	// Alice, from her usual address, is not locked out.
	r := g.from(t, http.MethodPost, "/api/login", home, loginBody("alice", "alice-password-1"))
	if r.status != http.StatusOK || !strings.Contains(r.body, `"token"`) {
		t.Fatalf("alice from her usual address during the attack: status %d, body %q", r.status, r.body)
	}
	// Other accounts are not affected.
	if r := g.from(t, http.MethodPost, "/api/login", "10.63.0.1", loginBody("bob", "bob-password-2")); r.status != http.StatusOK {
		t.Errorf("bob: status %d, body %q", r.status, r.body)
	}
	g.waitMetric(t, "rampart_security_actions_total", map[string]string{"action": "lockout", "kind": "account"}, 1)
	if bans := g.bans(t); len(bans) != 0 {
		t.Errorf("single attempts per address banned someone: %v", bans)
	}
}
