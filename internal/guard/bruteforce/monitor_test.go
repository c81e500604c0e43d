package bruteforce

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/store"
)

// denialEvents returns the "denial" Events of rule.
func (h *harness) denialEvents(rule string) []pipeline.Event {
	var out []pipeline.Event
	for _, e := range h.rec.EventsOfKind("denial") {
		if e.Rule == rule {
			out = append(out, e)
		}
	}
	return out
}

// A flood of attempts from a locked-out address is refused every time and
// recorded on every Outcome, but raises one denial Event per event window.
func TestLockedOutFloodIsOneEventPerWindow(t *testing.T) {
	h := newHarness(t, Config{IP: Threshold{Failures: 3}, Delay: DelayPolicy{Base: -1}}, harnessOptions{})
	const from, flood = "198.20.0.1", 200
	for i := range 3 {
		if rep := h.login(from, "bob", "wrong"); rep.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, rep.status)
		}
	}
	for i := range flood {
		if rep := h.login(from, "bob", "wrong"); rep.status != http.StatusTooManyRequests || rep.code != "too_many_attempts" {
			t.Fatalf("locked-out attempt %d: status %d %q, want the uniform 429", i+1, rep.status, rep.code)
		}
	}
	if n := len(h.denialEvents("lockout_ip")); n != 1 {
		t.Errorf("%d lockout_ip denial events for %d refusals, want 1", n, flood)
	}
	if n := h.deniedRules()["lockout_ip"]; n != flood {
		t.Errorf("%d lockout_ip denials on the Outcomes, want every one (%d)", n, flood)
	}
	// Another locked-out key is reported on its own.
	for range 3 {
		h.login("198.20.0.2", "carol", "wrong")
	}
	h.login("198.20.0.2", "carol", "wrong")
	if n := len(h.denialEvents("lockout_ip")); n != 2 {
		t.Errorf("%d lockout_ip denial events after a second address was refused, want 2", n)
	}
	// The next window reports the (still locked-out) flood again, once.
	h.clock.Advance(DefaultEventWindow)
	for range 20 {
		h.login(from, "bob", "wrong")
	}
	if n := len(h.denialEvents("lockout_ip")); n != 3 {
		t.Errorf("%d lockout_ip denial events after the window ended, want 3", n)
	}
	if n := len(h.rec.EventsOfKind("lockout")); n != 2 {
		t.Errorf("%d lockout events, want 2 (one per address)", n)
	}
}

// On a monitored endpoint nothing is delayed, refused, locked out or
// banned: attempts are counted, and what enforcing would have done is
// recorded as monitored denials and monitored lockout and ban Events.
func TestMonitoredEndpoint(t *testing.T) {
	cfg := Config{
		Endpoints: map[pipeline.Route]Endpoint{loginRoute: {Mode: pipeline.Monitor}},
		Account:   AccountPolicy{DelayAfter: 2, LockAfter: 4},
		IP:        Threshold{Failures: 6},
		Stuffing:  StuffingPolicy{Accounts: 3},
	}
	h := newHarness(t, cfg, harnessOptions{})
	const from = "198.21.0.1"
	for i := range 8 {
		if rep := h.login(addr(198, 22, byte(i), 1), "bob", "wrong"); rep.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d on bob: status %d, want the upstream's 401", i+1, rep.status)
		}
	}
	if d := h.recordedDelays(); len(d) != 0 {
		t.Errorf("monitored endpoint delayed attempts: %v", d)
	}
	if n := h.count(h.accountKey("bob"), DefaultWindow); n != 8 {
		t.Errorf("bob's failures = %d, want 8: monitored attempts count", n)
	}
	rules := h.deniedRules()
	// Failures 3 and 4 would have been delayed, 5 to 8 refused.
	if rules["delay"] != 2 || rules["lockout_account"] != 4 {
		t.Errorf("denials on the Outcomes %v, want delay 2 and lockout_account 4", rules)
	}
	for _, d := range h.rec.Denials() {
		if !d.Monitor {
			t.Errorf("denial %s is not monitored", d.Rule)
		}
	}
	if h.hasMark(NamespaceLockout, h.accountKey("bob")) || !h.hasMark(NamespaceMonitorLockout, h.accountKey("bob")) {
		t.Error("the monitored lockout must be in the monitor namespace only")
	}
	locks := h.rec.EventsOfKind("lockout")
	if len(locks) != 1 || !locks[0].Monitor || !strings.Contains(locks[0].Message, "would be locked out") {
		t.Errorf("lockout events %+v, want one monitored", locks)
	}

	// Stuffing from one address: a monitored ban event, no ban.
	for i := range 5 {
		if rep := h.login(from, "user"+string(rune('a'+i)), "wrong"); rep.status != http.StatusUnauthorized {
			t.Fatalf("stuffing attempt %d: status %d, want 401 (nothing is banned)", i+1, rep.status)
		}
	}
	if h.hasMark(NamespaceBan, "ip:"+from) {
		t.Error("a monitored endpoint wrote a ban")
	}
	bans := h.rec.EventsOfKind("ban")
	if len(bans) != 1 || !bans[0].Monitor || bans[0].Rule != KindStuffing || !strings.Contains(bans[0].Message, "would be banned") {
		t.Errorf("ban events %+v, want one monitored credential_stuffing", bans)
	}
}

// The API-key prefix is read where the authentication guard reads the key:
// the configured header, "Authorization: ApiKey", the query parameter.
// Moving the key elsewhere does not escape the count.
func TestAPIKeyPrefixFromEveryPlaceAuthenticationReads(t *testing.T) {
	cfg := Config{APIKey: APIKeyPolicy{Threshold: Threshold{Failures: 3}, Header: "x-partner-key", QueryParam: "key"}}
	h := newHarness(t, cfg, harnessOptions{})
	const key = "rk_partner01_secret"
	try := func(i int, path string, hdr http.Header) reply {
		return h.send(addr(198, 24, byte(i), 1), http.MethodPost, path, "application/json",
			strings.NewReader(`{"username":"bob","password":"wrong"}`), hdr)
	}
	attempts := []struct {
		path string
		hdr  http.Header
	}{
		{"/api/login", http.Header{"X-Partner-Key": {key + "1"}}},
		{"/api/login", http.Header{"Authorization": {"ApiKey " + key + "2"}}},
		{"/api/login?key=" + key + "3", nil},
	}
	for i, a := range attempts {
		if rep := try(i, a.path, a.hdr); rep.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, rep.status)
		}
	}
	if rep := try(10, "/api/login", http.Header{"Authorization": {"apikey " + key + "4"}}); rep.status != http.StatusTooManyRequests {
		t.Errorf("the key prefix after 3 failures: status %d, want 429", rep.status)
	}
	// X-API-Key is not this deployment's header: another key there is not
	// counted as the partner key.
	if rep := try(11, "/api/login", http.Header{"X-Api-Key": {key + "5"}}); rep.status != http.StatusUnauthorized {
		t.Errorf("key in an unconfigured header: status %d, want 401", rep.status)
	}
	if n := len(h.rec.EventsOfKind("lockout")); n != 1 {
		t.Errorf("%d lockout events, want 1", n)
	}
}

// A store failure during Check answers 503 when fail closed, refusals of
// a failing store produce one Event per window, and the log gets one line
// per operation and window.
func TestFailClosedStoreErrorsAreFolded(t *testing.T) {
	var ops int
	logs := &pipelinetest.LogBuffer{}
	g, err := New(Config{FailClosed: true, AccountKey: testKey, Endpoints: map[pipeline.Route]Endpoint{loginRoute: {}}},
		Options{Counters: downStore{}, Distinct: downStore{}, Marks: downStore{}, Logger: logs.Logger(),
			OnStoreError: func(string) { ops++ }})
	if err != nil {
		t.Fatal(err)
	}
	events := pipelinetest.NewRecorder()
	chain, err := pipeline.NewChain(pipeline.Options{Stages: []pipeline.Stage{{Guard: g}}, Route: loginRoute,
		Events: []pipeline.EventSink{events},
		Next:   http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { t.Error("a fail-closed attempt reached the upstream") })})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		w := httptest.NewRecorder()
		chain.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/login", strings.NewReader(`{"username":"a"}`)))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
			t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After 1", w.Code, w.Header().Get("Retry-After"))
		}
	}
	if n := len(events.EventsOfKind("denial")); n != 1 {
		t.Errorf("%d denial events for 20 refusals, want 1", n)
	}
	if ops != 20 {
		t.Errorf("OnStoreError called %d times, want 20", ops)
	}
	if n := strings.Count(logs.String(), "bruteforce store failure"); n != 1 {
		t.Errorf("%d log lines for 20 failures, want 1:\n%s", n, logs)
	}
}

// The event window and its key bound are validated.
func TestEventWindowValidation(t *testing.T) {
	for _, cfg := range []Config{{EventWindow: -time.Second}, {EventKeys: -1}} {
		cfg.Endpoints = map[pipeline.Route]Endpoint{loginRoute: {}}
		mem, _ := newMemory(newTestClock())
		if _, err := New(cfg, Options{Counters: mem, Distinct: mem, Marks: mem}); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}

// corruptStore answers every call with an error that is not an outage,
// as a corrupt Redis reply is.
type corruptStore struct{ downStore }

var errCorrupt = errors.New("redis get mark: mark is not JSON")

func (corruptStore) GetMark(context.Context, string, string) (store.Mark, bool, error) {
	return store.Mark{}, false, errCorrupt
}

func (corruptStore) Incr(context.Context, string, time.Duration, int64) (int64, error) {
	return 0, errCorrupt
}

// FailClosed refuses while the store is unavailable, not on a corrupt
// reply: that is no outage, and the attempt goes on (counted as a store
// error).
func TestFailClosedIgnoresCorruptReplies(t *testing.T) {
	var ops int
	g, err := New(Config{FailClosed: true, AccountKey: testKey, Endpoints: map[pipeline.Route]Endpoint{loginRoute: {}}},
		Options{Counters: corruptStore{}, Distinct: corruptStore{}, Marks: corruptStore{}, OnStoreError: func(string) { ops++ }})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pipeline.NewChain(pipeline.Options{Stages: []pipeline.Stage{{Guard: g}}, Route: loginRoute,
		Next: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	chain.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/login", strings.NewReader(`{"username":"a"}`)))
	if w.Code != http.StatusUnauthorized || ops == 0 {
		t.Errorf("status %d, %d store errors; want the upstream's 401 and the errors counted", w.Code, ops)
	}
}
