package ban

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/store"
)

// ruleGuard stands in for another guard (guards do not import each other):
// it denies a request carrying "X-Deny: <rule>" with that rule, folding
// its denial Events the way the rate-limit and ban guards do when
// "X-Suppress" is set.
type ruleGuard struct{ name string }

func (g ruleGuard) Name() string { return g.name }

func (g ruleGuard) Check(r *http.Request) (*http.Request, error) {
	rule := r.Header.Get("X-Deny")
	if rule == "" {
		return r, nil
	}
	return nil, &pipeline.Denial{Status: http.StatusForbidden, Code: "denied", PublicMessage: "denied",
		Rule: rule, Category: "API8:2023", SuppressEvent: r.Header.Get("X-Suppress") != ""}
}

// denialEnv is a chain [ban guard, ruleGuard "injection"] behind a real
// server, with an OnDenials sink on its Outcomes, sharing a memory store
// and a settable clock. 127.0.0.1 is a trusted proxy: tests choose client
// addresses with X-Forwarded-For.
type denialEnv struct {
	clock *pipelinetest.Clock
	store *store.Memory
	marks *flakyMarks
	rec   *pipelinetest.Recorder
	sink  *OnDenials
	bans  []string // OnBan calls
	srv   *httptest.Server
}

func newDenialEnv(t *testing.T, cfg OnDenialsConfig, mode pipeline.Mode) *denialEnv {
	t.Helper()
	e := &denialEnv{clock: newClock(), rec: pipelinetest.NewRecorder()}
	st, err := store.NewMemory(store.MemoryConfig{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.store, e.marks = st, &flakyMarks{MarkWriter: st}
	var mu sync.Mutex
	e.sink, err = NewOnDenials(cfg, OnDenialsOptions{Counters: st, Marks: e.marks, Events: []pipeline.EventSink{e.rec},
		OnBan: func(name string) { mu.Lock(); e.bans = append(e.bans, name); mu.Unlock() }, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("NewOnDenials: %v", err)
	}
	guard, err := New(Config{CacheTTL: -1}, Options{Marks: st, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	resolver, err := pipeline.NewClientIPResolver([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: guard}, {Guard: ruleGuard{name: "injection"}, Mode: mode}},
		Next:     http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }),
		ClientIP: resolver,
		// The sink first: when the recorder has the Outcome, the sink has
		// counted it.
		Outcomes: []pipeline.OutcomeSink{e.sink, e.rec},
		Events:   []pipeline.EventSink{e.rec},
		Now:      e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(chain)
	t.Cleanup(e.srv.Close)
	return e
}

// send makes one request from client with "Name: value" headers and
// returns its status once the sinks have it.
func (e *denialEnv) send(t *testing.T, client string, headers ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/items", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", client)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	e.rec.Await(t)
	return resp.StatusCode
}

func (e *denialEnv) banned(t *testing.T, key string) (store.Mark, bool) {
	t.Helper()
	m, ok, err := e.store.GetMark(t.Context(), Namespace, key)
	if err != nil {
		t.Fatal(err)
	}
	return m, ok
}

// flakyMarks is the real store, made to refuse writes on demand (a full or
// unreachable store).
type flakyMarks struct {
	MarkWriter
	mu  sync.Mutex
	err error
}

func (f *flakyMarks) PutMark(ctx context.Context, ns string, m store.Mark) error {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.MarkWriter.PutMark(ctx, ns, m)
}

func (f *flakyMarks) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func TestOnDenialsBansTheSource(t *testing.T) {
	e := newDenialEnv(t, OnDenialsConfig{Name: "injection", Guard: "injection", Failures: 5, BanFor: time.Hour}, pipeline.Enforce)
	const attacker, bystander = "203.0.113.66", "203.0.113.67"
	for i := range 4 {
		if st := e.send(t, attacker, "X-Deny: sqli"); st != http.StatusForbidden {
			t.Fatalf("attempt %d: status %d, want 403", i, st)
		}
	}
	if _, ok := e.banned(t, "ip:"+attacker); ok || len(e.rec.EventsOfKind("ban")) != 0 {
		t.Fatal("banned before the threshold")
	}
	if st := e.send(t, attacker); st != http.StatusNoContent {
		t.Fatalf("a benign request before the threshold: status %d, want 204", st)
	}
	e.send(t, attacker, "X-Deny: xss")
	m, ok := e.banned(t, "ip:"+attacker)
	if !ok || m.Source != "injection" || !m.Until.Equal(e.clock.Now().Add(time.Hour)) ||
		m.Reason != "injection: 5 injection denials within 10m0s" {
		t.Fatalf("ban mark %+v, %v; want one by injection for 1h", m, ok)
	}
	if st := e.send(t, attacker); st != http.StatusForbidden {
		t.Errorf("banned source, benign request: status %d, want 403", st)
	}
	if d := e.rec.Denials(); d[len(d)-1].Code != "banned" {
		t.Errorf("last denial %+v, want the ban guard's", d[len(d)-1])
	}
	if st := e.send(t, bystander); st != http.StatusNoContent {
		t.Errorf("bystander: status %d, want 204", st)
	}
	bans := e.rec.EventsOfKind("ban")
	if len(bans) != 1 || len(e.bans) != 1 || e.bans[0] != "injection" {
		t.Fatalf("ban events %+v, OnBan %v; want one of each", bans, e.bans)
	}
	b := bans[0]
	if b.Rule != "injection" || b.Guard != "injection" || b.Category != "API8:2023" || b.Client.String() != attacker ||
		b.RequestID == "" || b.Path != "/items" || b.Evidence["key"] != "ip:"+attacker || b.Evidence["failures"] != "5" ||
		b.Evidence["guard"] != "injection" || b.Severity != pipeline.SeverityHigh {
		t.Errorf("ban event %+v", b)
	}
}

func TestOnDenialsIgnoresMonitoredDenials(t *testing.T) {
	e := newDenialEnv(t, OnDenialsConfig{Name: "injection", Guard: "injection", Failures: 3}, pipeline.Monitor)
	for range 10 {
		if st := e.send(t, "203.0.113.70", "X-Deny: sqli"); st != http.StatusNoContent {
			t.Fatalf("monitored guard: status %d, want 204", st)
		}
	}
	if _, ok := e.banned(t, "ip:203.0.113.70"); ok || len(e.bans) != 0 {
		t.Error("monitored denials led to a ban")
	}
}

// Guards that fold a flood of refusals into one Event per key still have
// every refusal on its Outcome, and every one counts.
func TestOnDenialsCountsSuppressedEvents(t *testing.T) {
	e := newDenialEnv(t, OnDenialsConfig{Name: "flood", Guard: "injection", Failures: 4}, pipeline.Enforce)
	for range 4 {
		e.send(t, "203.0.113.71", "X-Deny: sqli", "X-Suppress: yes")
	}
	if len(e.rec.EventsOfKind("denial")) != 0 {
		t.Fatal("the test guard did not suppress its events")
	}
	if _, ok := e.banned(t, "ip:203.0.113.71"); !ok {
		t.Error("suppressed denials were not counted")
	}
}

func TestOnDenialsScope(t *testing.T) {
	tests := []struct {
		scope, client, key, neighbour string
		neighbourBanned               bool
	}{
		{scope: ScopeIP, client: "198.51.100.7", key: "ip:198.51.100.7", neighbour: "198.51.100.8"},
		{scope: ScopeNet, client: "198.51.100.7", key: "net:198.51.100.0/24", neighbour: "198.51.100.8", neighbourBanned: true},
		// An IPv6 host owns its /64: even ScopeIP bans the /64.
		{scope: ScopeIP, client: "2001:db8:1:2::7", key: "net:2001:db8:1:2::/64", neighbour: "2001:db8:1:2::8", neighbourBanned: true},
		{scope: ScopeNet, client: "::ffff:198.51.100.7", key: "net:198.51.100.0/24", neighbour: "198.51.100.99", neighbourBanned: true},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.client, func(t *testing.T) {
			e := newDenialEnv(t, OnDenialsConfig{Name: "scoped", Guard: "injection", Failures: 2, Scope: tt.scope}, pipeline.Enforce)
			e.send(t, tt.client, "X-Deny: sqli")
			// The neighbour's denial counts for the same key only when the
			// scope covers both.
			e.send(t, tt.neighbour, "X-Deny: sqli")
			_, ok := e.banned(t, tt.key)
			if ok != tt.neighbourBanned {
				t.Fatalf("after one denial each: %s banned = %v, want %v", tt.key, ok, tt.neighbourBanned)
			}
			e.send(t, tt.client, "X-Deny: sqli")
			if _, ok := e.banned(t, tt.key); !ok {
				t.Fatalf("no ban %s", tt.key)
			}
			want := http.StatusNoContent
			if tt.neighbourBanned {
				want = http.StatusForbidden
			}
			if st := e.send(t, tt.neighbour); st != want {
				t.Errorf("neighbour %s: status %d, want %d", tt.neighbour, st, want)
			}
		})
	}
}

// Only the request's enforced denial counts: not a monitored denial of
// the watched guard before another guard's enforced one, not a request
// that failed or passed, not one without a client address.
func TestOnDenialsCountsOnlyTheEnforcedDenial(t *testing.T) {
	clock := newClock()
	st, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
	sink, err := NewOnDenials(OnDenialsConfig{Name: "x", Guard: "injection", Failures: 1}, OnDenialsOptions{Counters: st, Marks: st, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	watched := pipeline.Denial{Guard: "injection", Rule: "sqli"}
	for i, out := range []pipeline.Outcome{
		{Verdict: pipeline.VerdictDenied, Denials: []pipeline.Denial{watched, {Guard: "schema", Rule: "invalid_body"}}},
		{Verdict: pipeline.VerdictFlagged, Denials: []pipeline.Denial{watched}},
		{Verdict: pipeline.VerdictError, Denials: []pipeline.Denial{watched}},
		{Verdict: pipeline.VerdictDenied},
	} {
		out.Client = mustAddr(fmt.Sprintf("192.0.2.%d", i+1))
		sink.WriteOutcome(&out)
		if _, banned, _ := st.GetMark(t.Context(), Namespace, IPKey(out.Client)); banned {
			t.Errorf("outcome %d %+v led to a ban", i, out)
		}
	}
	sink.WriteOutcome(&pipeline.Outcome{Verdict: pipeline.VerdictDenied, Denials: []pipeline.Denial{watched}})
	if ms, _ := List(t.Context(), st, 10); len(ms) != 0 {
		t.Errorf("bans %+v, want none", ms)
	}
}

func TestOnDenialsBansOncePerBanLength(t *testing.T) {
	e := newDenialEnv(t, OnDenialsConfig{Name: "guessing", Source: "bruteforce", Guard: "injection", Failures: 2,
		BanFor: time.Minute, Category: "API2:2023"}, pipeline.Enforce)
	out := &pipeline.Outcome{Verdict: pipeline.VerdictDenied, Denials: []pipeline.Denial{{Guard: "injection", Rule: "sqli"}}}
	// Six addresses of one IPv6 /64 are one source.
	for i := range 6 {
		out.Client = mustAddr(fmt.Sprintf("2001:db8::%x", i+1))
		e.sink.WriteOutcome(out)
	}
	bans := e.rec.EventsOfKind("ban")
	if len(e.bans) != 1 || len(bans) != 1 {
		t.Fatalf("%d bans and %d ban events, want 1 each", len(e.bans), len(bans))
	}
	if m, ok := e.banned(t, "net:2001:db8::/64"); !ok || m.Source != "bruteforce" || bans[0].Guard != "bruteforce" ||
		bans[0].Rule != "guessing" || bans[0].Category != "API2:2023" {
		t.Errorf("mark %+v, event %+v; want source and guard bruteforce, rule guessing, category API2:2023", m, bans[0])
	}
	// The ban ends; the counting window (10m) does not: the next denial
	// bans again.
	e.clock.Advance(2 * time.Minute)
	if _, ok := e.banned(t, "net:2001:db8::/64"); ok {
		t.Fatal("the ban outlived ban_for")
	}
	e.sink.WriteOutcome(out)
	if _, ok := e.banned(t, "net:2001:db8::/64"); !ok || len(e.bans) != 2 {
		t.Errorf("a denial after the ban ended: %d bans, want 2", len(e.bans))
	}
}

func TestOnDenialsStoreFailures(t *testing.T) {
	var logs pipelinetest.LogBuffer
	clock := newClock()
	st, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
	marks := &flakyMarks{MarkWriter: st}
	var ops []string
	sink, err := NewOnDenials(OnDenialsConfig{Name: "x", Guard: "injection", Failures: 1},
		OnDenialsOptions{Counters: st, Marks: marks, Logger: logs.Logger(), Now: clock.Now,
			OnStoreError: func(op string) { ops = append(ops, op) }})
	if err != nil {
		t.Fatal(err)
	}
	out := &pipeline.Outcome{Client: mustAddr("192.0.2.9"), Verdict: pipeline.VerdictDenied,
		Denials: []pipeline.Denial{{Guard: "injection", Rule: "sqli"}}}
	marks.fail(fmt.Errorf("redis: %w", store.ErrFull))
	sink.WriteOutcome(out)
	if len(ops) != 1 || ops[0] != "put_ban" || !strings.Contains(logs.String(), "put_ban") {
		t.Fatalf("store errors %v, log %q; want one put_ban", ops, logs.String())
	}
	// The failed ban is not remembered as done: the next denial bans.
	marks.fail(nil)
	sink.WriteOutcome(out)
	if _, ok, _ := st.GetMark(t.Context(), Namespace, "ip:192.0.2.9"); !ok {
		t.Error("no ban after the store came back")
	}
}
