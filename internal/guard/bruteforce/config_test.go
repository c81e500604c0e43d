package bruteforce

import (
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestNewValidates(t *testing.T) {
	mem, err := newMemory(newTestClock())
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Counters: mem, Distinct: mem, Marks: mem}
	ep := map[pipeline.Route]Endpoint{loginRoute: {}}
	with := func(e Endpoint) map[pipeline.Route]Endpoint { return map[pipeline.Route]Endpoint{loginRoute: e} }
	tests := []struct {
		name string
		cfg  Config
		opts Options
		want string
	}{
		{"no endpoints", Config{}, opts, "at least one credential endpoint"},
		{"endpoint without api", Config{Endpoints: map[pipeline.Route]Endpoint{{Route: "login"}: {}}}, opts, "no API name"},
		{"bad json pointer", Config{Endpoints: with(Endpoint{Username: UsernameSource{JSONField: "/a~2"}})}, opts, "json pointer"},
		{"bad status", Config{Endpoints: with(Endpoint{Failure: FailureDetection{Statuses: []int{99}}})}, opts, "not an HTTP status"},
		{"peek too large", Config{Endpoints: with(Endpoint{Failure: FailureDetection{BodyPeekBytes: 2 << 20}})}, opts, "body peek"},
		{"marker longer than peek", Config{Endpoints: with(Endpoint{Failure: FailureDetection{BodyPeekBytes: 4, BodyMarker: "FAILED"}})}, opts, "marker"},
		{"negative window", Config{Endpoints: ep, Account: AccountPolicy{Window: -time.Second}}, opts, "negative"},
		{"negative lockout", Config{Endpoints: ep, Lockout: -time.Second}, opts, "negative"},
		{"ipv4 prefix", Config{Endpoints: ep, Network: NetworkPolicy{IPv4Bits: 33}}, opts, "out of range"},
		{"delay max below base", Config{Endpoints: ep, Delay: DelayPolicy{Base: time.Second, Max: time.Millisecond}}, opts, "below"},
		{"negative max delayed", Config{Endpoints: ep, Delay: DelayPolicy{MaxDelayed: -1}}, opts, "negative"},
		{"short account key", Config{Endpoints: ep, AccountKey: []byte("short")}, opts, "at least 16"},
		{"negative username bound", Config{Endpoints: ep, MaxUsernameBytes: -1}, opts, "negative"},
		{"negative key prefix", Config{Endpoints: ep, APIKey: APIKeyPolicy{PrefixLen: -1}}, opts, "negative"},
		{"negative ban", Config{Endpoints: ep, Stuffing: StuffingPolicy{BanFor: -1}}, opts, "negative"},
		{"no stores", Config{Endpoints: ep}, Options{}, "required"},
		{"no distinct store", Config{Endpoints: ep}, Options{Counters: mem, Marks: mem}, "distinct"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Stuffing disabled: no distinct store needed.
	if _, err := New(Config{Endpoints: ep, Stuffing: StuffingPolicy{Accounts: -1, NetworkAccounts: -1}},
		Options{Counters: mem, Marks: mem}); err != nil {
		t.Errorf("New without stuffing and without a distinct store: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	s, err := Config{Endpoints: map[pipeline.Route]Endpoint{loginRoute: {}}}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	ep := s.endpoints[loginRoute]
	if len(ep.jsonPath) != 1 || ep.jsonPath[0] != "username" || ep.formField != "username" || !ep.basicAuth {
		t.Errorf("default username source %+v", ep)
	}
	if len(ep.statuses) != 2 || ep.statuses[0] != 401 || ep.statuses[1] != 403 {
		t.Errorf("default failure statuses %v, want [401 403]", ep.statuses)
	}
	if len(s.accountKey) != defaultAccountKeyBytes {
		t.Errorf("random account key of %d bytes", len(s.accountKey))
	}
	if s.account.DelayAfter != 5 || s.account.LockAfter != 10 || s.ip.Failures != 20 || s.network.Failures != 100 ||
		s.delay.Base != 250*time.Millisecond || s.delay.Max != 4*time.Second || s.delay.MaxDelayed != 64 ||
		s.lockout != 15*time.Minute || s.stuffing.Accounts != 10 || s.stuffing.BanFor != time.Hour ||
		s.trustFor != 720*time.Hour || s.apiKey.Header != "X-Api-Key" {
		t.Errorf("defaults: %+v", s)
	}
}

// The same username hashes the same under the same key (replicas agree)
// and differently under another key; it never appears in clear.
func TestAccountHashing(t *testing.T) {
	g1 := newTestGuardWithKey(t, testKey)
	g2 := newTestGuardWithKey(t, testKey)
	g3 := newTestGuardWithKey(t, []byte("another-key-of-32-bytes-long!!!!"))
	a := g1.accountOf(" Alice@Example.com ")
	if a != g2.accountOf("alice@example.com") {
		t.Error("replicas with one key disagree")
	}
	if a == g3.accountOf("alice@example.com") {
		t.Error("different keys give the same hash")
	}
	if strings.Contains(a, "alice") || len(a) != 2*hashedLen {
		t.Errorf("account key %q", a)
	}
	if g1.accountOf("   ") != "" || g1.accountOf(strings.Repeat("x", DefaultMaxUsernameBytes+1)) != "" {
		t.Error("an empty or oversized username named an account")
	}
	if g1.hasher.hash("account", "x") == g1.hasher.hash("apikey", "x") {
		t.Error("account and api key domains collide")
	}
}

func newTestGuardWithKey(t *testing.T, key []byte) *Guard {
	t.Helper()
	return newTestGuard(t, Config{AccountKey: key})
}
