package pipeline

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestChainGuardRequestReplacesRequest(t *testing.T) {
	var seenByGuard, seenByNext, seenByRelease string
	var idInNext string
	authn := &funcGuard{name: "authn", check: func(r *http.Request) (*http.Request, error) {
		return withValue(r, "alice-token"), nil
	}}
	authz := &slotGuard{funcGuard: funcGuard{name: "authz", check: func(r *http.Request) (*http.Request, error) {
		seenByGuard, _ = r.Context().Value(ctxKey{}).(string)
		return nil, nil // nil request: keep the current one
	}}}
	releaseProbe := &releaseProbeGuard{funcGuard: funcGuard{name: "probe"}, seen: &seenByRelease}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenByNext, _ = r.Context().Value(ctxKey{}).(string)
		idInNext = RequestID(r)
	})
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: releaseProbe}, {Guard: authn}, {Guard: authz}}, Next: next})

	serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

	if seenByGuard != "alice-token" || seenByNext != "alice-token" || seenByRelease != "alice-token" {
		t.Errorf("value seen by later guard %q, next %q, Release %q; want alice-token everywhere", seenByGuard, seenByNext, seenByRelease)
	}
	if o, _ := snk.only(t); idInNext == "" || idInNext != o.RequestID {
		t.Errorf("RequestID through a derived context = %q, want %q", idInNext, o.RequestID)
	}
}

// releaseProbeGuard records the context value on the request it is released with.
type releaseProbeGuard struct {
	funcGuard
	seen *string
}

func (g *releaseProbeGuard) Release(r *http.Request) {
	*g.seen, _ = r.Context().Value(ctxKey{}).(string)
}

func TestChainRecordsStateHelpers(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	preset := start.Add(-time.Hour)
	id := &Identity{Subject: "alice", Method: "jwt", KeyID: "k1", Scopes: []string{"orders:read"}}
	authn := &funcGuard{name: "authn", check: func(r *http.Request) (*http.Request, error) {
		SetIdentity(r, id)
		SetRoute(r, Route{API: "shop", Route: "get-order"})
		AddEvent(r, Event{Kind: "detect.enumeration", Severity: SeverityLow, Evidence: map[string]string{"ids": "3"}})
		AddEvent(r, Event{Kind: "ban", Subject: "mallory", Time: preset})
		return r, nil
	}}
	var identityInNext *Identity
	var routeInNext Route
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		identityInNext, routeInNext = IdentityOf(r), RouteOf(r)
		AddUpstreamTime(r, 30*time.Millisecond)
		AddUpstreamTime(r, 20*time.Millisecond)
		MarkError(r)
		w.WriteHeader(http.StatusBadGateway)
	})
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: authn}}, Next: next, Now: steppingClock(start, 80*time.Millisecond),
		Route: Route{API: "shop"}})
	r := httptest.NewRequest(http.MethodGet, "http://shop.test/orders/7", nil)
	r.RemoteAddr = "198.51.100.4:3333"
	r.Header.Set("User-Agent", "curl/8")

	serve(c, r)

	o, events := snk.only(t)
	if o.Identity != id || identityInNext != id {
		t.Errorf("identity in outcome %v, in next %v; want %v", o.Identity, identityInNext, id)
	}
	wantRoute := Route{API: "shop", Route: "get-order"}
	if o.Route != wantRoute || routeInNext != wantRoute {
		t.Errorf("route in outcome %v, in next %v; want %v", o.Route, routeInNext, wantRoute)
	}
	if o.Upstream != 50*time.Millisecond || o.Latency != 80*time.Millisecond || o.GatewayOverhead() != 30*time.Millisecond {
		t.Errorf("upstream %v, latency %v, overhead %v; want 50ms, 80ms, 30ms", o.Upstream, o.Latency, o.GatewayOverhead())
	}
	if o.Verdict != VerdictError || o.Status != http.StatusBadGateway {
		t.Errorf("verdict %s status %d; want error 502", o.Verdict, o.Status)
	}
	client := netip.MustParseAddr("198.51.100.4")
	if o.Client != client || o.Method != http.MethodGet || o.Host != "shop.test" || o.Path != "/orders/7" || o.UserAgent != "curl/8" || !o.Time.Equal(start) {
		t.Errorf("outcome request fields = %+v", o)
	}
	if len(events) != 2 {
		t.Fatalf("events = %+v, want 2", events)
	}
	for _, e := range events {
		if e.RequestID != o.RequestID || e.Client != client || e.Route != wantRoute || e.Method != http.MethodGet || e.Path != "/orders/7" {
			t.Errorf("event %s not filled in: %+v", e.Kind, e)
		}
	}
	if e := events[0]; e.Subject != "alice" || !e.Time.Equal(start) || e.Evidence["ids"] != "3" {
		t.Errorf("first event = %+v; want subject alice from the identity and the request time", e)
	}
	if e := events[1]; e.Subject != "mallory" || !e.Time.Equal(preset) {
		t.Errorf("second event = %+v; want its own subject and time kept", e)
	}
}

func TestChainOptionsRouteIsDefault(t *testing.T) {
	c, snk := newTestChain(t, Options{Route: Route{API: "shop", Route: "list"}})
	serve(c, httptest.NewRequest(http.MethodGet, "/", nil))
	if o, _ := snk.only(t); o.Route != (Route{API: "shop", Route: "list"}) {
		t.Errorf("route = %v, want the chain's configured route", o.Route)
	}
}

func TestStateHelpersOutsideChain(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "[::ffff:192.0.2.1]:80"
	SetIdentity(r, &Identity{Subject: "x"})
	SetRoute(r, Route{API: "a"})
	AddEvent(r, Event{Kind: "x"})
	AddUpstreamTime(r, time.Second)
	MarkError(r)
	if RequestID(r) != "" || IdentityOf(r) != nil || RouteOf(r) != (Route{}) || StateOf(r.Context()) != nil {
		t.Error("helpers outside a chain must be no-ops returning zero values")
	}
	if got := ClientIP(r); got != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("ClientIP outside a chain = %v, want the unmapped peer", got)
	}
}
