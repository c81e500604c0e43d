package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

var breakerOff = BreakerConfig{Enabled: new(false)}

func TestPassiveHealthEjectsAndReturns(t *testing.T) {
	dead := deadUpstream(t)
	live := echoUpstream(t, "live")
	clock := newFakeClock()
	hooks := &errorHooks{}
	p := newProxy(t, Config{
		Upstreams: []string{dead, live.URL},
		Health:    HealthConfig{EjectAfter: 2, EjectFor: 10 * time.Second},
		Breaker:   breakerOff,
	}, Options{Now: clock.Now, OnUpstreamError: hooks.hook})
	front := httptest.NewServer(p)
	defer front.Close()

	statuses := func(n int) (failed, ok int) {
		for range n {
			res, _ := get(t, front.URL+"/")
			switch res.StatusCode {
			case http.StatusBadGateway:
				failed++
			case http.StatusOK:
				ok++
			default:
				t.Fatalf("status = %d, want 200 or 502", res.StatusCode)
			}
		}
		return failed, ok
	}

	// Round-robin sends every other request to the dead upstream until it
	// has failed twice; then it is ejected and the live one takes all.
	if failed, ok := statuses(10); failed != 2 || ok != 8 {
		t.Fatalf("first 10 requests: %d failed, %d ok; want 2 failed (then ejected), 8 ok", failed, ok)
	}
	if !p.upstreams[0].ejected(clock.Now()) {
		t.Fatal("dead upstream not ejected")
	}
	if got := hooks.count(KindDial); got != 2 {
		t.Errorf("dial errors reported = %d, want 2", got)
	}

	clock.Advance(9 * time.Second)
	if failed, _ := statuses(4); failed != 0 {
		t.Fatalf("%d requests reached the ejected upstream before EjectFor passed", failed)
	}

	clock.Advance(time.Second)
	if p.upstreams[0].ejected(clock.Now()) {
		t.Fatal("upstream still ejected after EjectFor")
	}
	if failed, ok := statuses(4); failed == 0 || ok == 0 {
		t.Fatalf("after EjectFor: %d failed, %d ok; want the dead upstream back in rotation", failed, ok)
	}
}

func TestAllEjectedUsesLeastRecentlyEjected(t *testing.T) {
	deadA, deadB := deadUpstream(t), deadUpstream(t)
	clock := newFakeClock()
	hooks := &errorHooks{}
	p := newProxy(t, Config{
		Upstreams: []string{deadA, deadB},
		Health:    HealthConfig{EjectAfter: 1, EjectFor: time.Minute},
		Breaker:   breakerOff,
	}, Options{Now: clock.Now, OnUpstreamError: hooks.hook})
	front := httptest.NewServer(p)
	defer front.Close()

	get(t, front.URL+"/") // ejects A
	clock.Advance(time.Second)
	get(t, front.URL+"/") // ejects B, a second later
	for i := range 3 {
		// Never a black hole: the request still goes out, to A, whose
		// ejection ends first.
		res, body := get(t, front.URL+"/")
		wantProblem(t, res, body, http.StatusBadGateway, "bad_gateway")
		calls := hooks.Calls()
		if want := p.upstreams[0].label + " " + KindNoHealthy; calls[len(calls)-2] != want {
			t.Fatalf("request %d: hook calls %v, want %q before the dial error", i, calls, want)
		}
	}
}

func TestSuccessResetsFailureStreak(t *testing.T) {
	u := &upstream{}
	p := &Proxy{cfg: &settings{ejectAfter: 3, ejectFor: time.Second}, upstreams: []*upstream{u, {}},
		now: newFakeClock().Now, log: discardLogger()}
	p.failed(u)
	p.failed(u)
	u.succeeded()
	p.failed(u)
	p.failed(u)
	if u.ejectedUntil.Load() != 0 {
		t.Fatal("ejected although failures were not consecutive")
	}
	p.failed(u)
	if u.ejectedUntil.Load() == 0 {
		t.Fatal("not ejected after 3 consecutive failures")
	}
}
