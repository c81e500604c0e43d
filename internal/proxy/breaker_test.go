package proxy

import (
	"io"
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

// TestBreakerHalfOpen: once the open timeout has passed, exactly one probe
// reaches the upstream (HalfOpenMaxRequests defaults to 1) while concurrent
// requests are refused with 503; the probe failing opens the breaker again.
func TestBreakerHalfOpen(t *testing.T) {
	// The upstream fails fast until holding is set; then it announces each
	// request on arrived and fails it only when released.
	var holding atomic.Bool
	var hits atomic.Int32
	arrived, release := make(chan struct{}, 16), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if holding.Load() {
			arrived <- struct{}{}
			<-release
		}
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer up.Close()
	defer close(release) // let a held request finish before up.Close waits for it
	// Long enough that the re-opened breaker is still open when checked
	// below, even on a loaded machine; short enough to wait for once.
	const openTimeout = time.Second
	p := newProxy(t, Config{
		Upstreams: []string{up.URL},
		Breaker:   BreakerConfig{ConsecutiveFailures: 2, OpenTimeout: openTimeout},
	}, Options{})
	front := serveChained(t, p, nil)

	for i := range 2 {
		if res, _ := get(t, front.URL+"/"); res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("request %d: status %d, want the upstream's 503", i, res.StatusCode)
		}
	}
	if st := p.breaker.State(); st != gobreaker.StateOpen {
		t.Fatalf("after 2 failures: breaker %s, want open", st)
	}

	// gobreaker keeps real time: State moves to half-open once the timeout
	// has passed, without letting a request through.
	deadline := time.Now().Add(openTimeout + 5*time.Second)
	for p.breaker.State() != gobreaker.StateHalfOpen {
		if time.Now().After(deadline) {
			t.Fatalf("breaker still %s long after its open timeout", p.breaker.State())
		}
		time.Sleep(10 * time.Millisecond)
	}

	holding.Store(true)
	client := &http.Client{Timeout: 5 * time.Second}
	probe := make(chan answer, 1)
	go func() { probe <- fetch(client, front.URL+"/probe") }()
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the half-open probe never reached the upstream")
	}

	// While the probe is held, concurrent requests must not reach the
	// upstream: they get the breaker's own 503.
	const concurrent = 8
	answers := make(chan answer, concurrent)
	for range concurrent {
		go func() { answers <- fetch(client, front.URL+"/") }()
	}
	for range concurrent {
		a := <-answers
		if a.err != nil {
			t.Fatalf("request during the probe: %v", a.err)
		}
		wantProblem(t, a.res, a.body, http.StatusServiceUnavailable, "upstream_unavailable")
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("upstream hits = %d, want 3: two failures and the single probe", got)
	}

	// The probe fails: the breaker opens again and refuses without calling.
	release <- struct{}{}
	if a := <-probe; a.err != nil || a.res.StatusCode != http.StatusServiceUnavailable || a.body != "overloaded\n" {
		t.Fatalf("probe answer = %+v, want the upstream's own 503", a)
	}
	if st := p.breaker.State(); st != gobreaker.StateOpen {
		t.Fatalf("after a failed probe: breaker %s, want open", st)
	}
	res, body := get(t, front.URL+"/")
	wantProblem(t, res, body, http.StatusServiceUnavailable, "upstream_unavailable")
	if got := hits.Load(); got != 3 {
		t.Errorf("upstream hits after re-opening = %d, want 3", got)
	}
}

// answer is a response read in another goroutine, where t.Fatal is not
// allowed.
type answer struct {
	res  *http.Response
	body string
	err  error
}

func fetch(c *http.Client, url string) answer {
	res, err := c.Get(url)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return answer{res: res, body: string(body), err: err}
}
