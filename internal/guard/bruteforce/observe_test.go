package bruteforce

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// markerUpstream answers every login with 200, failing ones with an error
// marker in the body (some APIs do); chunked when asked to.
func markerUpstream(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Username, Password string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		body := `{"ok":false,"error":"INVALID_CREDENTIALS"}`
		if req.Password == "right" {
			body = `{"ok":true}`
		}
		if r.URL.Query().Has("chunked") {
			_, _ = io.WriteString(w, body[:5])
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, body[5:])
			return
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBodyMarkerIsAFailure(t *testing.T) {
	cfg := Config{
		Account: AccountPolicy{DelayAfter: -1, LockAfter: 4},
		Endpoints: map[pipeline.Route]Endpoint{loginRoute: {Failure: FailureDetection{
			Statuses: []int{http.StatusUnauthorized}, BodyMarker: "INVALID_CREDENTIALS"}}},
	}
	h := newHarness(t, cfg, harnessOptions{upstream: markerUpstream(t)})
	for i, path := range []string{"/api/login", "/api/login?chunked=1", "/api/login", "/api/login?chunked=1"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url+path,
			strings.NewReader(`{"username":"carol","password":"wrong"}`))
		req.Header.Set("X-Forwarded-For", addr(100, 71, byte(i), 1))
		resp, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != `{"ok":false,"error":"INVALID_CREDENTIALS"}` {
			t.Fatalf("%s: %d %q, want the upstream's 200 body unchanged", path, resp.StatusCode, body)
		}
	}
	if rep := h.login("100.71.200.1", "carol", "right"); rep.status != http.StatusTooManyRequests {
		t.Errorf("after 4 marked failures: status %d, want 429", rep.status)
	}
	// A marker-free 200 is a success: it resets the account and trusts.
	if rep := h.login("100.72.0.1", "dave", "right"); rep.status != http.StatusOK {
		t.Errorf("dave: status %d, want 200", rep.status)
	}
	if !h.hasMark(NamespaceTrusted, h.guard.accountOf("dave")+"|ip:100.72.0.1") {
		t.Error("a marker-free 200 did not count as a success")
	}
}

func TestSourceLockouts(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		// attempt i of the attack, from where, with which key
		attack   func(i int) (from, key string)
		n        int
		blocked  func() (from, key string) // now locked out
		free     func() (from, key string) // unaffected
		markKey  string
		wantRule string
	}{
		{
			name:    "address",
			cfg:     Config{IP: Threshold{Failures: 4}},
			attack:  func(i int) (string, string) { return "198.18.0.1", "" },
			n:       4,
			blocked: func() (string, string) { return "198.18.0.1", "" },
			free:    func() (string, string) { return "198.18.0.2", "" },
			markKey: "ip:198.18.0.1",
		},
		{
			name:    "network",
			cfg:     Config{Network: NetworkPolicy{Threshold: Threshold{Failures: 5}}},
			attack:  func(i int) (string, string) { return addr(198, 18, 1, byte(i+1)), "" },
			n:       5,
			blocked: func() (string, string) { return "198.18.1.200", "" },
			free:    func() (string, string) { return "198.18.2.1", "" },
			markKey: "net:198.18.1.0/24",
		},
		{
			name: "api key prefix",
			cfg:  Config{APIKey: APIKeyPolicy{Threshold: Threshold{Failures: 3}}},
			attack: func(i int) (string, string) {
				return addr(198, 18, byte(10+i), 1), fmt.Sprintf("rk_live_AAAAAAAA_secret%d", i)
			},
			n:       3,
			blocked: func() (string, string) { return "198.18.99.1", "rk_live_AAAAAAAA_other" },
			free:    func() (string, string) { return "198.18.99.1", "rk_live_BBBBBBBB_secret" },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg, harnessOptions{})
			try := func(from, key string) reply {
				hdr := http.Header{}
				if key != "" {
					hdr.Set("X-API-Key", key)
				}
				return h.send(from, http.MethodPost, "/api/login", "application/json",
					strings.NewReader(`{"username":"bob","password":"wrong"}`), hdr)
			}
			for i := range tc.n {
				if rep := try(tc.attack(i)); rep.status != http.StatusUnauthorized {
					t.Fatalf("attempt %d: status %d, want 401", i, rep.status)
				}
			}
			if rep := try(tc.blocked()); rep.status != http.StatusTooManyRequests || rep.code != "too_many_attempts" {
				t.Errorf("locked-out source: status %d %q, want the uniform 429", rep.status, rep.code)
			}
			if rep := try(tc.free()); rep.status != http.StatusUnauthorized {
				t.Errorf("other source: status %d, want 401", rep.status)
			}
			if tc.markKey != "" && !h.hasMark(NamespaceLockout, tc.markKey) {
				t.Errorf("no lockout mark %s", tc.markKey)
			}
			if n := len(h.rec.EventsOfKind("lockout")); n != 1 {
				t.Errorf("got %d lockout events, want 1", n)
			}
		})
	}
}

// With the guard's stage in monitor mode nothing is refused, counting goes
// on, a lockout raises one Event per key per lockout period, and the
// refusals of the locked-out address one denial Event per event window,
// while the Outcomes record every one.
func TestMonitorModeCountsAndDeduplicatesEvents(t *testing.T) {
	h := newHarness(t, Config{IP: Threshold{Failures: 3}, Delay: DelayPolicy{Base: -1}}, harnessOptions{mode: pipeline.Monitor})
	const from = "198.19.0.1"
	for i := range 10 {
		if rep := h.login(from, "bob", "wrong"); rep.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d in monitor mode: status %d, want 401", i, rep.status)
		}
	}
	if n := h.count(levelSource+prefixIP+from, DefaultWindow); n != 10 {
		t.Errorf("address counter = %d, want 10 (objected attempts count too)", n)
	}
	locks := h.rec.EventsOfKind("lockout")
	if len(locks) != 1 || locks[0].Evidence["key"] != prefixIP+from || locks[0].Rule != KindIP {
		t.Fatalf("lockout events %+v, want one for %s", locks, prefixIP+from)
	}
	monitored := 0
	for _, e := range h.rec.EventsOfKind("denial") {
		if e.Guard == "bruteforce" && e.Monitor && e.Rule == "lockout_ip" {
			monitored++
		}
	}
	if monitored != 1 {
		t.Errorf("%d monitored lockout denial events, want 1 (one per key and window)", monitored)
	}
	if n := h.deniedRules()["lockout_ip"]; n != 10-3 {
		t.Errorf("%d lockout_ip denials on the Outcomes, want %d", n, 10-3)
	}
	// A new lockout period raises a new event.
	h.clock.Advance(DefaultWindow + time.Second)
	for range 3 {
		h.login(from, "bob", "wrong")
	}
	if n := len(h.rec.EventsOfKind("lockout")); n != 2 {
		t.Errorf("got %d lockout events after the first lockout ended, want 2", n)
	}
}

// Only credential routes are counted: the sample API's 401 on a protected
// route is not a failed login.
func TestOtherRoutesAreNotCounted(t *testing.T) {
	h := newHarness(t, Config{}, harnessOptions{})
	const from = "198.19.1.1"
	for range 5 {
		if rep := h.send(from, http.MethodGet, "/api/users/me", "", nil, nil); rep.status != http.StatusUnauthorized {
			t.Fatalf("GET /api/users/me: status %d, want the upstream's 401", rep.status)
		}
	}
	if n := h.count(levelSource+prefixIP+from, DefaultWindow); n != 0 {
		t.Errorf("address counter = %d, want 0", n)
	}
}

// downStore is a store whose backend is unreachable.
type downStore struct{}

var errDown = fmt.Errorf("redis at 127.0.0.1:1: %w", store.ErrUnavailable)

func (downStore) Incr(context.Context, string, time.Duration, int64) (int64, error) {
	return 0, errDown
}
func (downStore) Reset(context.Context, string) error { return errDown }
func (downStore) AddDistinct(context.Context, string, string, time.Duration) (int64, error) {
	return 0, errDown
}
func (downStore) PutMark(context.Context, string, store.Mark) error { return errDown }
func (downStore) GetMark(context.Context, string, string) (store.Mark, bool, error) {
	return store.Mark{}, false, errDown
}

func TestStoreFailureModes(t *testing.T) {
	for _, failClosed := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail closed %v", failClosed), func(t *testing.T) {
			var ops []string
			g, err := New(Config{FailClosed: failClosed, AccountKey: testKey,
				Endpoints: map[pipeline.Route]Endpoint{loginRoute: {}}},
				Options{Counters: downStore{}, Distinct: downStore{}, Marks: downStore{},
					OnStoreError: func(op string) { ops = append(ops, op) }})
			if err != nil {
				t.Fatal(err)
			}
			var status int
			chain, err := pipeline.NewChain(pipeline.Options{
				Stages: []pipeline.Stage{{Guard: g}},
				Route:  loginRoute,
				Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					resp := &http.Response{StatusCode: http.StatusUnauthorized, Request: r, Body: http.NoBody}
					if err := pipeline.ObserveResponse(resp); err != nil {
						t.Errorf("ObserveResponse: %v", err)
					}
					w.WriteHeader(http.StatusUnauthorized)
				}),
			})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			chain.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/login", strings.NewReader(`{"username":"a"}`)))
			status = w.Code
			want := http.StatusUnauthorized
			if failClosed {
				want = http.StatusServiceUnavailable
			}
			if status != want {
				t.Errorf("status %d, want %d", status, want)
			}
			if strings.Contains(w.Body.String(), "redis") {
				t.Errorf("response leaks the store error: %s", w.Body)
			}
			if len(ops) == 0 {
				t.Error("OnStoreError was not called")
			}
		})
	}
}
