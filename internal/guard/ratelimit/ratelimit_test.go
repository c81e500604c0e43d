package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/store"
)

// brokenStore fails every call, as a Redis outage does (the failover
// wrapper in fail-through mode passes store.ErrUnavailable on).
type brokenStore struct{}

func (brokenStore) AllowAll(context.Context, string, []store.NamedLimit, int) (store.MultiDecision, error) {
	return store.MultiDecision{}, fmt.Errorf("redis 10.0.0.5:6379: %w", store.ErrUnavailable)
}

func TestStoreErrors(t *testing.T) {
	tests := []struct {
		name       string
		mode       FailMode
		wantStatus int
	}{
		{name: "open by default", mode: "", wantStatus: 200},
		{name: "closed", mode: FailClosed, wantStatus: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs pipelinetest.LogBuffer
			var storeErrors int
			cfg := Config{OnError: tt.mode, Policies: []Policy{ipPolicy("per-ip", perSecond(1, 1))}}
			e := newEnv(t, cfg, pipeline.Enforce, Options{
				Limiter:      brokenStore{},
				Logger:       logs.Logger(),
				OnStoreError: func(string) { storeErrors++ },
			})
			resps := []int{e.get(t).StatusCode, e.get(t).StatusCode, e.get(t).StatusCode}
			if !slices.Equal(resps, repeat(tt.wantStatus, 3)) {
				t.Errorf("statuses = %v, want %d each", resps, tt.wantStatus)
			}
			if tt.wantStatus == 503 {
				if ra := e.get(t).Header.Get("Retry-After"); ra != "1" {
					t.Errorf("Retry-After = %q, want 1", ra)
				}
			}
			if storeErrors < 3 {
				t.Errorf("OnStoreError called %d times, want once per request", storeErrors)
			}
			if n := strings.Count(logs.String(), "rate limit store failed"); n != 1 {
				t.Errorf("logged %d store failures, want 1 per window:\n%s", n, logs.String())
			}
			events := e.sink.Events()
			wantEvents := 0
			if tt.wantStatus == 503 {
				wantEvents = 1
			}
			if len(events) != wantEvents {
				t.Errorf("events = %+v, want %d", events, wantEvents)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	ok := perSecond(1, 1)
	tests := []struct {
		name string
		cfg  Config
		opts Options
		want string
	}{
		{name: "no limiter", cfg: Config{}, opts: Options{}, want: "Limiter is required"},
		{name: "bad fail mode", cfg: Config{OnError: "maybe"}, want: "fail mode"},
		{name: "negative window", cfg: Config{EventWindow: -1}, want: "event window"},
		{name: "negative keys", cfg: Config{EventKeys: -1}, want: "event keys"},
		{name: "bad name", cfg: Config{Policies: []Policy{ipPolicy("a b", ok)}}, want: "policy name"},
		{name: "empty name", cfg: Config{Policies: []Policy{ipPolicy("", ok)}}, want: "policy name"},
		{name: "colon in name", cfg: Config{Policies: []Policy{ipPolicy("a:b", ok)}}, want: "policy name"},
		{name: "duplicate", cfg: Config{Policies: []Policy{ipPolicy("a", ok), ipPolicy("a", ok)}}, want: "defined twice"},
		{name: "no limits", cfg: Config{Policies: []Policy{ipPolicy("a")}}, want: "no limits"},
		{name: "too many limits", cfg: Config{Policies: []Policy{ipPolicy("a", repeat(ok, 9)...)}}, want: "at most 8"},
		{name: "invalid limit", cfg: Config{Policies: []Policy{ipPolicy("a", store.Limit{Rate: 1, Period: time.Second})}}, want: "burst"},
		{name: "unknown kind", cfg: Config{Policies: []Policy{{Name: "a", Key: KeySpec{Kind: "cookie"}, Limits: limitsOf(ok)}}}, want: "unknown key"},
		{name: "header without name", cfg: Config{Policies: []Policy{{Name: "a", Key: KeySpec{Kind: KindHeader}, Limits: limitsOf(ok)}}}, want: "needs a name"},
		{name: "ip with name", cfg: Config{Policies: []Policy{{Name: "a", Key: KeySpec{Kind: KindIP, Name: "x"}, Limits: limitsOf(ok)}}}, want: "takes no name"},
		{name: "cost above burst", cfg: Config{Policies: []Policy{{Name: "a", Key: KeySpec{Kind: KindIP}, Cost: 2, Limits: limitsOf(ok)}}}, want: "exceeds"},
		{name: "negative cost", cfg: Config{Policies: []Policy{{Name: "a", Key: KeySpec{Kind: KindIP}, Cost: -1, Limits: limitsOf(ok)}}}, want: "negative"},
		{name: "bad limit name", cfg: Config{Policies: []Policy{{Name: "a", Key: KeySpec{Kind: KindIP}, Limits: []Limit{{Name: `x"y`, Limit: ok}}}}}, want: "limit name"},
		{name: "bad headers mode", cfg: Config{Policies: []Policy{{Name: "a", Key: KeySpec{Kind: KindIP}, Headers: "sometimes", Limits: limitsOf(ok)}}}, want: "headers mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Limiter == nil && tt.name != "no limiter" {
				tt.opts.Limiter = brokenStore{}
			}
			_, err := New(tt.cfg, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestGuardValidates(t *testing.T) {
	l, err := New(Config{Policies: []Policy{
		ipPolicy("a", perSecond(1, 1)),
		{Name: "b", Key: KeySpec{Kind: KindIP}, Limits: []Limit{{Name: "a", Limit: perSecond(1, 1)}}},
		{Name: "trial", Key: KeySpec{Kind: KindIP}, Monitor: true, Limits: limitsOf(perSecond(1, 1))},
	}}, Options{Limiter: brokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		guard    string
		policies []string
		want     string
	}{
		{name: "unknown policy", guard: "ratelimit", policies: []string{"nope"}, want: "unknown policy"},
		{name: "twice", guard: "ratelimit", policies: []string{"a", "a"}, want: "listed twice"},
		{name: "clashing limit names", guard: "ratelimit", policies: []string{"a", "b"}, want: "two limits named"},
		{name: "bad guard name", guard: "rate limit", policies: []string{"a"}, want: "guard name"},
		{name: "enforced and monitored", guard: "ratelimit", policies: []string{"a", "trial"}, want: "separate guards"},
		{name: "monitored and enforced", guard: "ratelimit", policies: []string{"trial", "a"}, want: "separate guards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := l.Guard(tt.guard, tt.policies...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	g, err := l.Guard("ratelimit_ip", "a")
	if err != nil || g.Name() != "ratelimit_ip" {
		t.Errorf("Guard = %v, %v; want a guard named ratelimit_ip", g, err)
	}
}

func TestPolicyDefaults(t *testing.T) {
	l, err := New(Config{Policies: []Policy{
		{Name: "h", Key: KeySpec{Kind: KindHeader, Name: "x-tenant-id"}, Limits: limitsOf(perSecond(1, 1), perSecond(2, 2))},
	}}, Options{Limiter: brokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := l.Policy("h")
	if !ok || p.Cost != 1 || p.Key.Name != "X-Tenant-Id" || p.Limits[0].Name != "h-1" || p.Limits[1].Name != "h-2" ||
		p.Headers != HeadersAlways || p.Monitor {
		t.Errorf("policy = %+v, want cost 1, canonical header name, limits h-1 and h-2, headers always, enforced", p)
	}
	if _, ok := l.Policy("nope"); ok {
		t.Error("unknown policy found")
	}
}

func TestParseKeySpec(t *testing.T) {
	tests := []struct {
		in      string
		want    KeySpec
		wantErr bool
	}{
		{in: "ip", want: KeySpec{Kind: KindIP}},
		{in: " identity ", want: KeySpec{Kind: KindIdentity}},
		{in: "header:x-api-key", want: KeySpec{Kind: KindHeader, Name: "X-Api-Key"}},
		{in: "claim:tenant", want: KeySpec{Kind: KindClaim, Name: "tenant"}},
		{in: "header:", wantErr: true},
		{in: "claim", wantErr: true},
		{in: "ip:x", wantErr: true},
		{in: "cookie:sid", wantErr: true},
		{in: "header:bad name", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKeySpec(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseKeySpec(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil {
				if back, err := ParseKeySpec(got.String()); err != nil || back != got {
					t.Errorf("round trip of %q = %+v, %v", got.String(), back, err)
				}
			}
		})
	}
	if !(KeySpec{Kind: KindClaim}).NeedsIdentity() || (KeySpec{Kind: KindHeader}).NeedsIdentity() {
		t.Error("NeedsIdentity: want true for claim, false for header")
	}
}

func TestStoreErrorIsNotADenialLeak(t *testing.T) {
	// The fail-closed 503 keeps the store's address in its private cause.
	l, err := New(Config{OnError: FailClosed, Policies: []Policy{ipPolicy("a", perSecond(1, 1))}}, Options{Limiter: brokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := l.Guard("ratelimit", "a")
	r := newRequest(t)
	_, err = g.Check(r)
	var d *pipeline.Denial
	if !errors.As(err, &d) || d.Status != 503 || strings.Contains(d.PublicMessage, "redis") || !errors.Is(d, store.ErrUnavailable) {
		t.Errorf("err = %v, want a 503 denial wrapping ErrUnavailable with a public message free of internals", err)
	}
}
