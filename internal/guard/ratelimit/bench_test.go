package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// benchChain builds a Chain with the given guards in front of a handler
// that writes nothing but, as the proxy does, hands the response to the
// chain's observers (one reused response, so the numbers are the
// gateway's).
func benchChain(b *testing.B, guards ...pipeline.Guard) http.Handler {
	b.Helper()
	stages := []pipeline.Stage{{Guard: headerAuth{}}}
	for _, g := range guards {
		stages = append(stages, pipeline.Stage{Guard: g})
	}
	resp := &http.Response{StatusCode: http.StatusOK, Header: make(http.Header, 4)}
	c, err := pipeline.NewChain(pipeline.Options{Stages: stages,
		Next: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			clear(resp.Header)
			resp.Request = r
			if err := pipeline.ObserveResponse(resp); err != nil {
				b.Error(err)
			}
		})})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func benchLimiter(b *testing.B, policies ...Policy) *Limiter {
	b.Helper()
	st, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	l, err := New(Config{Policies: policies}, Options{Limiter: st})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkCheck measures the guard alone, inside a chain, on the admitted
// path (the hot one) with IP and identity limits: 1000 clients, limits
// wide enough that nothing is refused. "with" sends the RateLimit fields
// on the admitted response (headers: always, the default), "on_refusal"
// does not.
func BenchmarkCheck(b *testing.B) {
	wide := store.Limit{Rate: 1 << 20, Period: time.Second, Burst: 1 << 20}
	daily := store.Limit{Rate: 1 << 30, Period: 24 * time.Hour, Burst: 1 << 30}
	cases := []struct {
		name     string
		policies []Policy
	}{
		{name: "ip", policies: []Policy{{Name: "ip", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(wide)}}},
		{name: "ipv6", policies: []Policy{{Name: "ip", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(wide)}}},
		{name: "ip+identity", policies: []Policy{
			{Name: "ip", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(wide)},
			{Name: "user", Key: KeySpec{Kind: KindIdentity}, Limits: limitsOf(wide, daily)},
		}},
		{name: "header", policies: []Policy{{Name: "h", Key: KeySpec{Kind: KindHeader, Name: "X-Api-Key"}, Limits: limitsOf(wide)}}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			l := benchLimiter(b, bc.policies...)
			quiet := make([]Policy, len(bc.policies))
			var names []string
			for i, p := range bc.policies {
				names = append(names, p.Name)
				p.Headers = HeadersOnRefusal
				quiet[i] = p
			}
			g, err := l.Guard("ratelimit", names...)
			if err != nil {
				b.Fatal(err)
			}
			gq, err := benchLimiter(b, quiet...).Guard("ratelimit", names...)
			if err != nil {
				b.Fatal(err)
			}
			reqs := make([]*http.Request, 1000)
			for i := range reqs {
				r := httptest.NewRequest(http.MethodGet, "/orders/1", nil)
				r.RemoteAddr = "198.51." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + ":4711"
				if bc.name == "ipv6" {
					r.RemoteAddr = "[2001:db8:" + strconv.FormatInt(int64(i), 16) + "::1]:4711"
				}
				r.Header.Set("X-Test-Subject", "user-"+strconv.Itoa(i))
				r.Header.Set("X-Api-Key", "sk_live_0123456789abcdef0123456789abcdef-"+strconv.Itoa(i))
				reqs[i] = r
			}
			// Compare against the same chain without the guard in this run.
			for _, variant := range []struct {
				name string
				h    http.Handler
			}{{"without", benchChain(b)}, {"with", benchChain(b, g)}, {"on_refusal", benchChain(b, gq)}} {
				h := variant.h
				b.Run(variant.name, func(b *testing.B) {
					w := httptest.NewRecorder()
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						h.ServeHTTP(w, reqs[i%len(reqs)])
						i++
					}
				})
			}
		})
	}
}

// BenchmarkRefused measures a flood from one client: every request refused.
func BenchmarkRefused(b *testing.B) {
	l := benchLimiter(b, Policy{Name: "ip", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(store.Limit{Rate: 1, Period: time.Hour, Burst: 1})})
	g, err := l.Guard("ratelimit", "ip")
	if err != nil {
		b.Fatal(err)
	}
	h := benchChain(b, g)
	r := httptest.NewRequest(http.MethodGet, "/orders/1", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
