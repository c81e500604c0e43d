package ratelimit

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

func ipPolicy(name string, limits ...store.Limit) Policy {
	return Policy{Name: name, Key: KeySpec{Kind: KindIP}, Limits: limitsOf(limits...)}
}

func TestGCRAThroughTheGateway(t *testing.T) {
	e := newEnv(t, Config{Policies: []Policy{ipPolicy("per-ip", perSecond(2, 3))}}, pipeline.Enforce, Options{})
	client := "X-Forwarded-For: 198.51.100.7"

	got := e.statuses(t, 4, client)
	if want := []int{200, 200, 200, 429}; !slices.Equal(got, want) {
		t.Fatalf("burst of 4 = %v, want %v (burst 3)", got, want)
	}
	// 2/s refills one request every 500ms.
	e.clock.Advance(499 * time.Millisecond)
	if got := e.get(t, client).StatusCode; got != 429 {
		t.Errorf("after 499ms = %d, want 429", got)
	}
	e.clock.Advance(time.Millisecond)
	if got := e.statuses(t, 2, client); !slices.Equal(got, []int{200, 429}) {
		t.Errorf("after 500ms = %v, want one more admitted", got)
	}
	e.clock.Advance(10 * time.Second)
	if got := e.statuses(t, 4, client); !slices.Equal(got, []int{200, 200, 200, 429}) {
		t.Errorf("after a long pause = %v, want a full burst again", got)
	}
	// Another client has its own bucket.
	if got := e.get(t, "X-Forwarded-For: 198.51.100.8").StatusCode; got != 200 {
		t.Errorf("other client = %d, want 200", got)
	}
}

func TestRefusalIsProblemWithRateLimitHeaders(t *testing.T) {
	pol := Policy{Name: "api", Key: KeySpec{Kind: KindIP}, Limits: []Limit{
		{Name: "burst", Limit: perSecond(20, 2)},
		{Name: "daily", Limit: store.Limit{Rate: 10000, Period: 24 * time.Hour, Burst: 10000}},
	}}
	e := newEnv(t, Config{Policies: []Policy{pol}}, pipeline.Enforce, Options{})
	client := "X-Forwarded-For: 203.0.113.9"
	e.statuses(t, 2, client)

	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/orders", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	e.sink.Await(t)

	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", resp.StatusCode)
	}
	checks := []struct{ header, want string }{
		{"Content-Type", pipeline.ProblemContentType},
		// 20/s: the next request is admitted 50ms later; rounded up.
		{"Retry-After", "1"},
		// burst 2 at 20/s refills in 100ms (w rounds up to 1s, q scales to
		// the rate); 10000/day burst 10000 refills in a day.
		{"Ratelimit-Policy", `"burst";q=20;w=1, "daily";q=10000;w=86400`},
		// The header lists the limits up to the refusing one with the
		// longest wait: here the burst limit, first.
		{"Ratelimit", `"burst";r=0;t=1`},
	}
	for _, c := range checks {
		if got := resp.Header.Get(c.header); got != c.want {
			t.Errorf("%s = %q, want %q", c.header, got, c.want)
		}
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if p["type"] != "urn:rampart:problem:rate_limited" || p["status"] != float64(429) || p["detail"] != limitedMessage {
		t.Errorf("problem = %v", p)
	}
	if strings.Contains(string(body), "203.0.113.9") || strings.Contains(string(body), "api") {
		t.Errorf("body reveals the key or policy: %s", body)
	}
	outcomes := e.sink.Outcomes()
	last := outcomes[len(outcomes)-1]
	if len(last.Denials) != 1 || last.Denials[0].Rule != "api" || last.Denials[0].Category != "API4:2023" || last.Verdict != pipeline.VerdictDenied {
		t.Errorf("outcome = %+v, want a denied verdict with the api policy's denial", last)
	}
}

func TestRefusalBySecondLimitShowsBoth(t *testing.T) {
	pol := Policy{Name: "api", Key: KeySpec{Kind: KindIP}, Limits: limitsOf(
		perSecond(100, 100),
		store.Limit{Rate: 3, Period: time.Hour, Burst: 3},
	)}
	e := newEnv(t, Config{Policies: []Policy{pol}}, pipeline.Enforce, Options{})
	client := "X-Forwarded-For: 203.0.113.10"
	if got := e.statuses(t, 3, client); !slices.Equal(got, repeat(200, 3)) {
		t.Fatalf("first 3 = %v", got)
	}
	resp := e.get(t, client)
	if resp.StatusCode != 429 {
		t.Fatalf("4th = %d, want 429 from the hourly limit", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Ratelimit-Policy"), `"api-1";q=100;w=1, "api-2";q=3;w=3600`; got != want {
		t.Errorf("RateLimit-Policy = %q, want %q", got, want)
	}
	// The per-second limit had room but, the request being refused, did not
	// count it: 97 left, full again in 30ms. The hourly one refused: the
	// next slot is in 20 minutes.
	if got, want := resp.Header.Get("Ratelimit"), `"api-1";r=97;t=1, "api-2";r=0;t=1200`; got != want {
		t.Errorf("RateLimit = %q, want %q", got, want)
	}
	if got := resp.Header.Get("Retry-After"); got != "1200" {
		t.Errorf("Retry-After = %q, want 1200", got)
	}
}

func TestIPv6ClientsAreCountedPerSlash64(t *testing.T) {
	e := newEnv(t, Config{Policies: []Policy{ipPolicy("per-ip", perSecond(1, 2))}}, pipeline.Enforce, Options{})
	got := []int{
		e.get(t, "X-Forwarded-For: 2001:db8:1:2::1").StatusCode,
		e.get(t, "X-Forwarded-For: 2001:db8:1:2:ffff:ffff:ffff:fffe").StatusCode,
		e.get(t, "X-Forwarded-For: 2001:db8:1:2:abcd::9").StatusCode, // same /64: third request
		e.get(t, "X-Forwarded-For: 2001:db8:1:3::1").StatusCode,      // next /64: its own bucket
		e.get(t, "X-Forwarded-For: 198.51.100.1").StatusCode,
		e.get(t, "X-Forwarded-For: 198.51.100.1").StatusCode,
		e.get(t, "X-Forwarded-For: 198.51.100.2").StatusCode, // IPv4 neighbours are not aggregated
	}
	if want := []int{200, 200, 429, 200, 200, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		key  KeySpec
		// requests: headers of each request; want: their statuses with a
		// burst of 1.
		requests [][]string
		want     []int
	}{
		{
			name: "identity by subject, across addresses",
			key:  KeySpec{Kind: KindIdentity},
			requests: [][]string{
				{"X-Test-Subject: alice", "X-Forwarded-For: 198.51.100.1"},
				{"X-Test-Subject: alice", "X-Forwarded-For: 198.51.100.2"},
				{"X-Test-Subject: bob", "X-Forwarded-For: 198.51.100.1"},
			},
			want: []int{200, 429, 200},
		},
		{
			name: "identity by key id without subject",
			key:  KeySpec{Kind: KindIdentity},
			requests: [][]string{
				{"X-Test-Key-Id: k1"}, {"X-Test-Key-Id: k1"}, {"X-Test-Key-Id: k2"},
				// A subject named like the key id is another identity.
				{"X-Test-Subject: k1"},
			},
			want: []int{200, 429, 200, 200},
		},
		{
			name:     "anonymous requests skip identity policies",
			key:      KeySpec{Kind: KindIdentity},
			requests: [][]string{{}, {}, {}},
			want:     []int{200, 200, 200},
		},
		{
			name: "header",
			key:  KeySpec{Kind: KindHeader, Name: "X-Api-Key"},
			requests: [][]string{
				{"X-Api-Key: secret-1", "X-Forwarded-For: 198.51.100.1"},
				{"X-Api-Key: secret-1", "X-Forwarded-For: 198.51.100.2"},
				{"X-Api-Key: secret-2"},
				{}, {}, // no header: policy skipped
			},
			want: []int{200, 429, 200, 200, 200},
		},
		{
			name: "tenant claim",
			key:  KeySpec{Kind: KindClaim, Name: "tenant"},
			requests: [][]string{
				{"X-Test-Subject: alice", "X-Test-Tenant: acme"},
				{"X-Test-Subject: bob", "X-Test-Tenant: acme"},
				{"X-Test-Subject: carol", "X-Test-Tenant: globex"},
				{"X-Test-Subject: dave"},
			},
			want: []int{200, 429, 200, 200},
		},
		{
			name: "other claim",
			key:  KeySpec{Kind: KindClaim, Name: "org"},
			requests: [][]string{
				{"X-Test-Subject: alice", "X-Test-Org: o1"},
				{"X-Test-Subject: bob", "X-Test-Org: o1"},
				{"X-Test-Subject: bob", "X-Test-Org: o2"},
			},
			want: []int{200, 429, 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := Policy{Name: "p", Key: tt.key, Limits: limitsOf(store.Limit{Rate: 1, Period: time.Hour, Burst: 1})}
			e := newEnv(t, Config{Policies: []Policy{pol}}, pipeline.Enforce, Options{})
			var got []int
			for _, h := range tt.requests {
				got = append(got, e.get(t, h...).StatusCode)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSeveralPoliciesMustAllAdmit(t *testing.T) {
	cfg := Config{Policies: []Policy{
		ipPolicy("per-ip", perSecond(1, 3)),
		{Name: "per-user", Key: KeySpec{Kind: KindIdentity}, Limits: limitsOf(perSecond(1, 1))},
	}}
	e := newEnv(t, cfg, pipeline.Enforce, Options{})
	got := []int{
		e.get(t, "X-Test-Subject: alice").StatusCode,
		e.get(t, "X-Test-Subject: alice").StatusCode, // per-user refuses
		e.get(t, "X-Test-Subject: bob").StatusCode,
		e.get(t, "X-Test-Subject: carol").StatusCode, // per-ip exhausted (alice's refusal counted on it)
	}
	if want := []int{200, 429, 200, 429}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	outcomes := e.sink.Outcomes()
	if r := outcomes[1].Denials[0].Rule; r != "per-user" {
		t.Errorf("second refusal rule = %q, want per-user", r)
	}
	if r := outcomes[3].Denials[0].Rule; r != "per-ip" {
		t.Errorf("fourth refusal rule = %q, want per-ip", r)
	}
}

func TestCostPerRequest(t *testing.T) {
	pol := ipPolicy("export", store.Limit{Rate: 10, Period: time.Minute, Burst: 10})
	pol.Cost = 4
	e := newEnv(t, Config{Policies: []Policy{pol}}, pipeline.Enforce, Options{})
	if got := e.statuses(t, 3); !slices.Equal(got, []int{200, 200, 429}) {
		t.Fatalf("statuses = %v, want two requests of cost 4 within 10", got)
	}
	// 2 units left; 2 more refill in 12s (6s each).
	e.clock.Advance(11 * time.Second)
	if got := e.get(t).StatusCode; got != 429 {
		t.Errorf("after 11s = %d, want 429", got)
	}
	e.clock.Advance(time.Second)
	if got := e.get(t).StatusCode; got != 200 {
		t.Errorf("after 12s = %d, want 200", got)
	}
}

func TestMonitorModeAdmitsAndRecords(t *testing.T) {
	var limited []string
	e := newEnv(t, Config{Policies: []Policy{ipPolicy("per-ip", perSecond(1, 1))}}, pipeline.Monitor, Options{
		OnLimited: func(policy, kind string) { limited = append(limited, policy+"/"+kind) },
	})
	got := e.statuses(t, 3)
	if !slices.Equal(got, repeat(200, 3)) {
		t.Fatalf("statuses = %v, want all admitted in monitor mode", got)
	}
	outcomes, events := e.sink.Outcomes(), e.sink.Events()
	verdicts := []pipeline.Verdict{outcomes[0].Verdict, outcomes[1].Verdict, outcomes[2].Verdict}
	if want := []pipeline.Verdict{pipeline.VerdictAllowed, pipeline.VerdictFlagged, pipeline.VerdictFlagged}; !slices.Equal(verdicts, want) {
		t.Errorf("verdicts = %v, want %v", verdicts, want)
	}
	if len(events) != 1 || !events[0].Monitor || events[0].Guard != "ratelimit" || events[0].Rule != "per-ip" {
		t.Errorf("events = %+v, want one monitor event (later hits deduplicated)", events)
	}
	if want := []string{"per-ip/ip", "per-ip/ip"}; !slices.Equal(limited, want) {
		t.Errorf("OnLimited calls = %v, want %v", limited, want)
	}
}

func TestFloodBecomesOneEventPerWindow(t *testing.T) {
	var limited int
	e := newEnv(t, Config{Policies: []Policy{ipPolicy("per-ip", store.Limit{Rate: 1, Period: time.Hour, Burst: 1})}},
		pipeline.Enforce, Options{OnLimited: func(string, string) { limited++ }})
	flood := func(client string, n int) {
		for range n {
			e.get(t, "X-Forwarded-For: "+client)
		}
	}
	flood("198.51.100.1", 1001)
	flood("198.51.100.2", 10)
	outcomes, events := e.sink.Outcomes(), e.sink.Events()
	if len(events) != 2 {
		t.Fatalf("got %d events for 1009 refusals from 2 clients, want 2", len(events))
	}
	if events[0].Kind != "denial" || events[0].Client.String() != "198.51.100.1" || events[0].Category != "API4:2023" || events[0].Severity != pipeline.SeverityLow {
		t.Errorf("event = %+v", events[0])
	}
	denied := 0
	for _, o := range outcomes {
		denied += len(o.Denials)
	}
	if denied != 1009 || limited != 1009 {
		t.Errorf("denials on outcomes = %d, OnLimited = %d; want every refusal (1009) recorded", denied, limited)
	}

	// A new window reports the flood again, once.
	e.clock.Advance(DefaultEventWindow)
	e.sink.Reset()
	flood("198.51.100.1", 100)
	if events := e.sink.Events(); len(events) != 1 {
		t.Errorf("next window: %d events, want 1", len(events))
	}
}
