package bruteforce

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// Credential stuffing from 50 addresses in 50 networks, each replaying its
// own slice of a leaked list: every address is banned at its tenth distinct
// failed account, and everything it sends afterwards is refused.
func TestStuffingFromFiftyAddressesIsBanned(t *testing.T) {
	h := newHarness(t, Config{}, harnessOptions{})
	const perAddress = 25
	reachedUpstream := 0
	for i := range 50 {
		from := addr(10, byte(i), 7, 1)
		for j := range perAddress {
			rep := h.login(from, fmt.Sprintf("victim-%d-%d@example.com", i, j), "Summer2024!")
			switch {
			case j < DefaultStuffingAccounts:
				if rep.status != http.StatusUnauthorized {
					t.Fatalf("address %s attempt %d: status %d, want 401 from the upstream", from, j, rep.status)
				}
				reachedUpstream++
			default:
				if rep.status != http.StatusForbidden || rep.code != "banned" {
					t.Fatalf("address %s attempt %d: status %d %q, want 403 banned", from, j, rep.status, rep.code)
				}
			}
		}
		if !h.hasMark(NamespaceBan, "ip:"+from) {
			t.Errorf("no ban mark for %s", from)
		}
	}
	if want := 50 * DefaultStuffingAccounts; reachedUpstream != want {
		t.Errorf("upstream saw %d guesses, want %d", reachedUpstream, want)
	}
	bans := h.rec.EventsOfKind("ban")
	if len(bans) != 50 {
		t.Fatalf("got %d ban events, want 50 (one per address)", len(bans))
	}
	for _, e := range bans {
		if e.Rule != KindStuffing || e.Guard != "bruteforce" || e.Category != "API2:2023" || !e.Client.IsValid() {
			t.Errorf("ban event %+v: want rule %s, guard bruteforce, API2:2023 and a client", e, KindStuffing)
		}
		if e.Evidence["key"] != "ip:"+e.Client.String() {
			t.Errorf("ban event key %q, want ip:%s", e.Evidence["key"], e.Client)
		}
	}
}

// Stuffing spread thin: 50 addresses of one /24, three accounts each, stay
// under the per-address threshold; the network is banned at 50 distinct
// accounts, and a fresh address of that network is refused too.
func TestStuffingSpreadOverOneNetworkIsBanned(t *testing.T) {
	h := newHarness(t, Config{}, harnessOptions{})
	refused := 0
	for i := range 50 {
		from := addr(203, 0, 113, byte(i+1))
		for j := range 3 {
			rep := h.login(from, fmt.Sprintf("user%d.%d", i, j), "123456")
			if rep.status == http.StatusForbidden {
				refused++
			}
		}
	}
	if !h.hasMark(NamespaceBan, "net:203.0.113.0/24") {
		t.Fatal("no ban mark for net:203.0.113.0/24")
	}
	if want := 50*3 - DefaultStuffingNetAccts; refused != want {
		t.Errorf("%d attempts refused, want %d (all after the 50th distinct account)", refused, want)
	}
	if rep := h.login(addr(203, 0, 113, 200), "someone", "x"); rep.status != http.StatusForbidden {
		t.Errorf("fresh address in the banned network: status %d, want 403", rep.status)
	}
	if rep := h.login(addr(198, 51, 100, 1), "someone", "x"); rep.status != http.StatusUnauthorized {
		t.Errorf("address outside the network: status %d, want 401", rep.status)
	}
	if n := len(h.rec.EventsOfKind("ban")); n != 1 {
		t.Errorf("got %d ban events, want 1", n)
	}
}

// A distributed brute force on alice from 200 addresses in 200 networks:
// the upstream sees only LockAfter guesses, the later ones are delayed
// progressively, then every unknown source is locked out. Alice, logging in
// from the address she used before the attack, is not.
func TestDistributedBruteForceLocksAttackersNotOwner(t *testing.T) {
	h := newHarness(t, Config{}, harnessOptions{})
	const home = "192.0.2.10"
	if rep := h.login(home, "alice", "alice-password-1"); rep.status != http.StatusOK {
		t.Fatalf("alice before the attack: status %d, want 200", rep.status)
	}
	if !h.hasMark(NamespaceTrusted, h.guard.accountOf("alice")+"|ip:"+home) {
		t.Fatal("alice's success did not trust her address")
	}

	guessed, locked := 0, 0
	for i := range 200 {
		from := addr(100, 64, byte(i), 1)
		rep := h.login(from, "alice", fmt.Sprintf("guess-%d", i))
		switch {
		case rep.status == http.StatusUnauthorized:
			guessed++
		case rep.status == http.StatusTooManyRequests && rep.code == "too_many_attempts" && rep.retryAfter != "":
			locked++
		default:
			t.Fatalf("attacker %s: status %d %q, want 401 or the uniform 429", from, rep.status, rep.code)
		}
	}
	if guessed != DefaultAccountLockAfter || locked != 200-DefaultAccountLockAfter {
		t.Errorf("upstream saw %d guesses and %d were locked out, want %d and %d",
			guessed, locked, DefaultAccountLockAfter, 200-DefaultAccountLockAfter)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}
	if got := h.recordedDelays(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("progressive delays %v, want %v", got, want)
	}
	if !h.hasMark(NamespaceLockout, h.accountKey("alice")) {
		t.Fatal("alice's account is not locked")
	}

	// The owner from her usual address: through, undelayed, 200.
	before := len(h.recordedDelays())
	if rep := h.login(home, "alice", "alice-password-1"); rep.status != http.StatusOK {
		t.Errorf("alice from home during the attack: status %d %q, want 200", rep.status, rep.code)
	}
	// Her own typo is answered by the upstream, not by the lockout.
	if rep := h.login(home, "alice", "alice-pasword-1"); rep.status != http.StatusUnauthorized {
		t.Errorf("alice's typo from home: status %d, want 401", rep.status)
	}
	if len(h.recordedDelays()) != before {
		t.Error("a trusted source was delayed")
	}
	// Her success did not lift the lockout for everyone else, even with
	// the right password, even next door.
	for _, from := range []string{"100.64.250.1", "192.0.2.11"} {
		if rep := h.login(from, "alice", "alice-password-1"); rep.status != http.StatusTooManyRequests {
			t.Errorf("unknown source %s during the lockout: status %d, want 429", from, rep.status)
		}
	}
	// Bob is not affected.
	if rep := h.login("100.64.250.2", "bob", "bob-password-2"); rep.status != http.StatusOK {
		t.Errorf("bob during the attack on alice: status %d, want 200", rep.status)
	}

	// When the lockout ends, anyone with the password gets in again.
	h.clock.Advance(DefaultLockout + time.Second)
	if rep := h.login("100.64.250.1", "alice", "alice-password-1"); rep.status != http.StatusOK {
		t.Errorf("after the lockout: status %d, want 200", rep.status)
	}
	if n := len(h.rec.EventsOfKind("lockout")); n != 1 {
		t.Errorf("got %d lockout events, want 1", n)
	}
}

// Varying the JSON member's case or the username's case does not dodge the
// account count: an upstream in Go reads {"USERNAME": "Alice "} as alice.
func TestCaseVariantsCountAgainstOneAccount(t *testing.T) {
	h := newHarness(t, Config{Delay: DelayPolicy{Base: -1}}, harnessOptions{})
	variants := []string{
		`{"username":"alice","password":"x"}`,
		`{"USERNAME":"alice","password":"x"}`,
		`{"UserName":"ALICE","password":"x"}`,
		`{"username":" Alice ","password":"x"}`,
		`{"user\u006eame":"alice","password":"x"}`,
	}
	for i := range DefaultAccountLockAfter {
		from := addr(100, 65, byte(i), 1)
		if rep := h.loginRaw(from, "application/json", variants[i%len(variants)]); rep.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i, rep.status)
		}
	}
	if rep := h.login("100.65.200.1", "alice", "x"); rep.status != http.StatusTooManyRequests {
		t.Errorf("after %d case variants: status %d, want 429 (account locked)", DefaultAccountLockAfter, rep.status)
	}
}

// The same account named twice with different values is refused, whatever
// order or case: the guard and the upstream might read different ones.
func TestAmbiguousUsernameIsRefused(t *testing.T) {
	h := newHarness(t, Config{}, harnessOptions{})
	for _, body := range []string{
		`{"username":"decoy","username":"alice","password":"x"}`,
		`{"username":"decoy","USERNAME":"alice","password":"x"}`,
		`{"username":"alice","username":{"a":1},"password":"x"}`,
	} {
		if rep := h.loginRaw("198.51.100.7", "application/json", body); rep.status != http.StatusBadRequest || rep.code != "ambiguous_username" {
			t.Errorf("%s: status %d %q, want 400 ambiguous_username", body, rep.status, rep.code)
		}
	}
	form := "username=decoy&username=alice&password=x"
	if rep := h.loginRaw("198.51.100.7", "application/x-www-form-urlencoded", form); rep.status != http.StatusBadRequest {
		t.Errorf("repeated form field: status %d, want 400", rep.status)
	}
	// The same value twice is not ambiguous.
	if rep := h.loginRaw("198.51.100.7", "application/json", `{"username":"bob","username":"bob","password":"bob-password-2"}`); rep.status != http.StatusOK {
		t.Errorf("repeated identical member: status %d, want 200", rep.status)
	}
}

// An IPv6 host owns its /64 and rotates addresses in it at will: it is
// counted, locked out, banned and trusted as one source.
func TestIPv6SourceIsItsSlash64(t *testing.T) {
	h := newHarness(t, Config{IP: Threshold{Failures: 4}, Stuffing: StuffingPolicy{Accounts: 3}}, harnessOptions{})
	v6 := func(i int) string { return fmt.Sprintf("2001:db8:1:2::%x", i+1) }

	// Owner of bob logs in once from one address of her /64.
	if rep := h.login("2001:db8:aa:bb::1", "bob", "bob-password-2"); rep.status != http.StatusOK {
		t.Fatalf("bob: status %d", rep.status)
	}
	// Four failures from four addresses of another /64 lock that /64 out.
	for i := range 4 {
		if rep := h.login(v6(i), "alice", "wrong"); rep.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i, rep.status)
		}
	}
	if rep := h.login(v6(100), "carol", "x"); rep.status != http.StatusTooManyRequests {
		t.Errorf("fresh address of the locked /64: status %d, want 429", rep.status)
	}
	if !h.hasMark(NamespaceLockout, "net:2001:db8:1:2::/64") {
		t.Error("no lockout mark for the /64")
	}
	// Stuffing from rotating addresses of a third /64 bans the /64.
	for i := range 6 {
		h.login(fmt.Sprintf("2001:db8:3:4::%x", i+1), fmt.Sprintf("user%d", i), "x")
	}
	if !h.hasMark(NamespaceBan, "net:2001:db8:3:4::/64") {
		t.Error("no ban mark for the stuffing /64")
	}
	if rep := h.login("2001:db8:3:4::ffff", "dave", "x"); rep.status != http.StatusForbidden {
		t.Errorf("fresh address of the banned /64: status %d, want 403", rep.status)
	}
	// Bob's trust covers his whole /64.
	if !h.hasMark(NamespaceTrusted, h.guard.accountOf("bob")+"|net:2001:db8:aa:bb::/64") {
		t.Error("bob's success did not trust his /64")
	}
}
