package ratelimit

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/proxy"
	"github.com/rampartsec/rampart/internal/store"
)

// proxied is a route in miniature: a Chain (headerAuth, then the given
// stages) in front of the real internal/proxy and an upstream, so the
// guard's fields reach the client the way they do in the gateway (through
// pipeline.ObserveResponse).
type proxied struct {
	clock *pipelinetest.Clock
	store *store.Memory
	sink  *pipelinetest.Recorder
	url   string
}

// newProxied starts the upstream (which answers 200 with the header
// fields in upstreamHeader) and the chain. build makes the stages from a
// Limiter on the test's store.
func newProxied(t *testing.T, cfg Config, opts Options, upstreamHeader http.Header, build func(*Limiter) []pipeline.Stage) *proxied {
	t.Helper()
	p := &proxied{clock: newClock(), sink: pipelinetest.NewRecorder()}
	st, err := store.NewMemory(store.MemoryConfig{Now: p.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	p.store = st
	if opts.Limiter == nil {
		opts.Limiter = st
	}
	opts.Now = p.clock.Now
	l, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, vs := range upstreamHeader {
			w.Header()[k] = vs
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	px, err := proxy.New("shop", proxy.Config{Upstreams: []string{up.URL}}, proxy.Options{ObserveResponse: pipeline.ObserveResponse})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = px.Close() })
	resolver, err := pipeline.NewClientIPResolver([]string{"127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   append([]pipeline.Stage{{Guard: headerAuth{}}}, build(l)...),
		Next:     px,
		ClientIP: resolver,
		Outcomes: []pipeline.OutcomeSink{p.sink},
		Events:   []pipeline.EventSink{p.sink},
		Route:    pipeline.Route{API: "shop", Route: "orders"},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(chain)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// guardStage is build for one guard over the named policies.
func guardStage(t *testing.T, name string, mode pipeline.Mode, policies ...string) func(*Limiter) []pipeline.Stage {
	return func(l *Limiter) []pipeline.Stage {
		g, err := l.Guard(name, policies...)
		if err != nil {
			t.Fatalf("Guard: %v", err)
		}
		return []pipeline.Stage{{Guard: g, Mode: mode}}
	}
}

// get sends one request with the given headers ("Name: value" pairs) and
// waits for its Outcome.
func (p *proxied) get(t *testing.T, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, p.url+"/orders", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	p.sink.Await(t)
	return resp
}

func wantFields(t *testing.T, resp *http.Response, policy, limits []string) {
	t.Helper()
	if got := resp.Header.Values("Ratelimit-Policy"); !slices.Equal(got, policy) {
		t.Errorf("RateLimit-Policy = %q, want %q", got, policy)
	}
	if got := resp.Header.Values("Ratelimit"); !slices.Equal(got, limits) {
		t.Errorf("RateLimit = %q, want %q", got, limits)
	}
}

func perMinute(n int) store.Limit { return store.Limit{Rate: n, Period: time.Minute, Burst: n} }

// Admitted responses carry the fields of the HeadersAlways policies that
// counted the request; an on_refusal policy shows only on its 429, and a
// policy the request skipped (no tenant) is not listed.
func TestAdmittedResponsesCarryRateLimitFields(t *testing.T) {
	cfg := Config{Policies: []Policy{
		{Name: "per-ip", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(perMinute(5))},
		{Name: "per-user", Key: KeySpec{Kind: KindIdentity}, Headers: HeadersOnRefusal, Limits: limitsOf(perMinute(2))},
		{Name: "tenant", Key: KeySpec{Kind: KindClaim, Name: "tenant"}, Headers: HeadersAlways, Limits: limitsOf(perMinute(100))},
	}}
	p := newProxied(t, cfg, Options{}, nil, guardStage(t, "ratelimit", pipeline.Enforce, "per-ip", "per-user", "tenant"))
	const client, user, tenant = "X-Forwarded-For: 203.0.113.20", "X-Test-Subject: alice", "X-Test-Tenant: acme"

	// 5 a minute is one per 12s: after one request 4 remain, full in 12s;
	// 100 a minute is one per 600ms.
	resp := p.get(t, client, user, tenant)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantFields(t, resp, []string{`"per-ip";q=5;w=60, "tenant";q=100;w=60`}, []string{`"per-ip";r=4;t=12, "tenant";r=99;t=1`})

	// Without a tenant the tenant policy is skipped, and not listed.
	resp = p.get(t, client, user)
	wantFields(t, resp, []string{`"per-ip";q=5;w=60`}, []string{`"per-ip";r=3;t=24`})

	// per-user (2 a minute) refuses the third: its 429 shows its own fields.
	resp = p.get(t, client, user)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third request of alice: status %d, want 429", resp.StatusCode)
	}
	wantFields(t, resp, []string{`"per-user";q=2;w=60`}, []string{`"per-user";r=0;t=30`})
}

// Each rate-limit guard of a route adds its own members; the upstream's
// own fields are kept in front of them.
func TestFieldsOfSeveralGuardsAndTheUpstreamAddUp(t *testing.T) {
	cfg := Config{Policies: []Policy{
		{Name: "per-ip", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(perMinute(5))},
		{Name: "per-user", Key: KeySpec{Kind: KindIdentity}, Limits: limitsOf(perMinute(3))},
	}}
	upstream := http.Header{"Ratelimit-Policy": {`"backend";q=50;w=1`}, "Ratelimit": {`"backend";r=49;t=1`}}
	p := newProxied(t, cfg, Options{}, upstream, func(l *Limiter) []pipeline.Stage {
		return append(guardStage(t, "ratelimit_ip", pipeline.Enforce, "per-ip")(l),
			guardStage(t, "ratelimit_identity", pipeline.Enforce, "per-user")(l)...)
	})
	resp := p.get(t, "X-Forwarded-For: 203.0.113.21", "X-Test-Subject: bob")
	wantFields(t, resp,
		[]string{`"backend";q=50;w=1`, `"per-ip";q=5;w=60`, `"per-user";q=3;w=60`},
		[]string{`"backend";r=49;t=1`, `"per-ip";r=4;t=12`, `"per-user";r=2;t=20`})
}

// A policy sending fields on refusal only adds nothing to admitted
// responses.
func TestOnRefusalPolicyAdmitsWithoutFields(t *testing.T) {
	cfg := Config{Policies: []Policy{{Name: "quiet", Key: KeySpec{Kind: KindIP}, Headers: HeadersOnRefusal, Limits: limitsOf(perMinute(1))}}}
	p := newProxied(t, cfg, Options{}, nil, guardStage(t, "ratelimit", pipeline.Enforce, "quiet"))
	resp := p.get(t, "X-Forwarded-For: 203.0.113.22")
	wantFields(t, resp, nil, nil)
	resp = p.get(t, "X-Forwarded-For: 203.0.113.22")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}
	wantFields(t, resp, []string{`"quiet";q=1;w=60`}, []string{`"quiet";r=0;t=60`})
}

// flakyStore fails every decision of one policy, as a store that lost
// some keys' slot would.
type flakyStore struct {
	*store.Memory
	policy string
}

func (f flakyStore) AllowAll(ctx context.Context, key string, ls []store.NamedLimit, cost int) (store.MultiDecision, error) {
	if strings.HasPrefix(key, "rl:"+f.policy+":") {
		return store.MultiDecision{}, fmt.Errorf("slot moved: %w", store.ErrUnavailable)
	}
	return f.Memory.AllowAll(ctx, key, ls, cost)
}

// A policy whose decision failed (and failed open) is not advertised.
func TestFailedOpenPolicyIsNotListed(t *testing.T) {
	mem, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Policies: []Policy{
		{Name: "flaky", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(perMinute(5))},
		{Name: "steady", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(perMinute(6))},
	}}
	p := newProxied(t, cfg, Options{Limiter: flakyStore{Memory: mem, policy: "flaky"}}, nil,
		guardStage(t, "ratelimit", pipeline.Enforce, "flaky", "steady"))
	resp := p.get(t, "X-Forwarded-For: 203.0.113.23")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 (fail open)", resp.StatusCode)
	}
	wantFields(t, resp, []string{`"steady";q=6;w=60`}, []string{`"steady";r=5;t=10`})
}

// A monitored policy lets everything through, records what enforcing it
// would refuse (one Event per key and window, every refusal on the
// Outcomes), counts as enforcing would (a refused request consumes
// nothing) and sends no fields.
func TestMonitoredPolicyRecordsAndAdmits(t *testing.T) {
	var limited int
	cfg := Config{Policies: []Policy{{Name: "trial", Key: KeySpec{Kind: KindIP}, Monitor: true, Limits: limitsOf(perSecond(1, 2))}}}
	// An Enforce stage: the guard marks its own denials as monitored.
	p := newProxied(t, cfg, Options{OnLimited: func(string, string) { limited++ }}, nil,
		guardStage(t, "ratelimit_ip_monitor", pipeline.Enforce, "trial"))
	const client = "X-Forwarded-For: 203.0.113.24"
	var verdicts []pipeline.Verdict
	for range 5 {
		resp := p.get(t, client)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("monitored policy: status %d, want 200", resp.StatusCode)
		}
		wantFields(t, resp, nil, nil)
	}
	// A second later one token is back: had the three flagged requests
	// consumed any, this one would be flagged too.
	p.clock.Advance(time.Second)
	p.get(t, client)
	outcomes, events := p.sink.Outcomes(), p.sink.Events()
	for _, o := range outcomes {
		verdicts = append(verdicts, o.Verdict)
	}
	a, f := pipeline.VerdictAllowed, pipeline.VerdictFlagged
	if want := []pipeline.Verdict{a, a, f, f, f, a}; !slices.Equal(verdicts, want) {
		t.Errorf("verdicts = %v, want %v", verdicts, want)
	}
	for _, o := range outcomes {
		for _, d := range o.Denials {
			if !d.Monitor || d.Rule != "trial" {
				t.Errorf("denial %+v, want a monitored denial of trial", d)
			}
		}
	}
	if len(events) != 1 || !events[0].Monitor || events[0].Rule != "trial" {
		t.Errorf("events = %+v, want one monitored denial event", events)
	}
	if limited != 3 {
		t.Errorf("OnLimited called %d times, want 3", limited)
	}
}
