package proxy

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
)

func TestBreakerOpensAndRecovers(t *testing.T) {
	var failing atomic.Bool
	var hits atomic.Int32
	failing.Store(true)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if failing.Load() {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer up.Close()
	hooks := &errorHooks{}
	rec := newRecorder()
	p := newProxy(t, Config{
		Upstreams: []string{up.URL},
		Breaker:   BreakerConfig{ConsecutiveFailures: 3, OpenTimeout: 50 * time.Millisecond},
	}, Options{OnUpstreamError: hooks.hook})
	front := serveChained(t, p, rec)

	for i := range 3 {
		res, body := get(t, front.URL+"/")
		if res.StatusCode != http.StatusServiceUnavailable || body != "overloaded\n" {
			t.Fatalf("request %d: got %d %q, want the upstream's own 503", i, res.StatusCode, body)
		}
		rec.nextOutcome(t)
	}

	res, body := get(t, front.URL+"/")
	wantProblem(t, res, body, http.StatusServiceUnavailable, "upstream_unavailable")
	if ra := res.Header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After = %q, want 1 (50ms left, rounded up)", ra)
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("upstream hits = %d, want 3: an open breaker must not reach the upstream", got)
	}
	if o := rec.nextOutcome(t); o.Verdict != "error" || o.Status != http.StatusServiceUnavailable {
		t.Errorf("outcome = %d %s, want 503 error", o.Status, o.Verdict)
	}
	if got := hooks.Calls(); len(got) != 1 || got[0] != " "+KindBreakerOpen {
		t.Errorf("hooks = %q, want one breaker_open", got)
	}

	// gobreaker keeps real time: poll until the half-open probe goes through.
	failing.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		res, _ := get(t, front.URL+"/")
		rec.nextOutcome(t)
		if res.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("breaker never let a probe through; last status %d", res.StatusCode)
		}
		<-tick.C
	}
	if st := p.breaker.State(); st != gobreaker.StateClosed {
		t.Fatalf("breaker state after a successful probe = %s, want closed", st)
	}
	if res, _ := get(t, front.URL+"/"); res.StatusCode != http.StatusOK {
		t.Fatalf("after recovery: status %d, want 200", res.StatusCode)
	}
}

func TestBreakerIgnoresPlain500(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"bad input"}`, http.StatusInternalServerError)
	}))
	defer up.Close()
	p := newProxy(t, Config{Upstreams: []string{up.URL}, Breaker: BreakerConfig{ConsecutiveFailures: 2}}, Options{})
	front := httptest.NewServer(p)
	defer front.Close()
	// A client can provoke 500s with crafted input; that must not let it
	// open the breaker for every other client.
	for i := range 5 {
		if res, _ := get(t, front.URL+"/"); res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("request %d: status %d, want the upstream's 500", i, res.StatusCode)
		}
	}
	if st := p.breaker.State(); st != gobreaker.StateClosed {
		t.Fatalf("breaker = %s, want closed", st)
	}
}

func TestBreakerDisabled(t *testing.T) {
	p := newProxy(t, Config{Upstreams: []string{deadUpstream(t)}, Breaker: breakerOff}, Options{})
	if p.breaker != nil {
		t.Fatal("breaker built although disabled")
	}
}
