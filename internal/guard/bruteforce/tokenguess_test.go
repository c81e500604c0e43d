package bruteforce

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
)

// keyCheck stands in for the authentication guard (another package): it
// denies a missing or unknown API key with authn's rule names.
type keyCheck struct{}

func (keyCheck) Name() string { return "authn" }

func (keyCheck) Check(r *http.Request) (*http.Request, error) {
	switch r.Header.Get("X-API-Key") {
	case "good-key":
		return r, nil
	case "":
		return nil, &pipeline.Denial{Status: http.StatusUnauthorized, Code: "unauthorized", PublicMessage: "no key", Rule: "authn_missing"}
	}
	return nil, &pipeline.Denial{Status: http.StatusUnauthorized, Code: "unauthorized", PublicMessage: "bad key", Rule: "apikey_unknown"}
}

type tokenHarness struct {
	*harness
	sink *TokenGuessing
}

func newTokenHarness(t *testing.T, cfg TokenGuessingConfig, authnMode pipeline.Mode) *tokenHarness {
	t.Helper()
	clock := newTestClock()
	mem, err := newMemory(clock)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: clock, mem: mem, rec: pipelinetest.NewRecorder()}
	sink, err := NewTokenGuessing(cfg, TokenGuessingOptions{Counters: mem, Marks: mem,
		Events: []pipeline.EventSink{h.rec}, Now: clock.Now})
	if err != nil {
		t.Fatalf("NewTokenGuessing: %v", err)
	}
	resolver, _ := pipeline.NewClientIPResolver([]string{"127.0.0.1"})
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: banCheck{marks: mem}}, {Guard: keyCheck{}, Mode: authnMode}},
		Next:     http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }),
		Route:    pipeline.Route{API: "sample", Route: "items"},
		ClientIP: resolver,
		Events:   []pipeline.EventSink{h.rec, sink},
		Now:      clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(chain)
	t.Cleanup(srv.Close)
	h.url, h.client = srv.URL, srv.Client()
	return &tokenHarness{harness: h, sink: sink}
}

func (h *tokenHarness) get(from, key string) int {
	hdr := http.Header{}
	if key != "" {
		hdr.Set("X-API-Key", key)
	}
	return h.send(from, http.MethodGet, "/api/items", "", nil, hdr).status
}

func TestTokenGuessingBansTheSource(t *testing.T) {
	h := newTokenHarness(t, TokenGuessingConfig{Failures: 5}, pipeline.Enforce)
	const guesser, bystander = "203.0.113.66", "203.0.113.67"
	for range 10 {
		// A missing key is not a guess (default IgnoreRules).
		if st := h.get(guesser, ""); st != http.StatusUnauthorized {
			t.Fatalf("missing key: status %d, want 401", st)
		}
	}
	for i := range 5 {
		if st := h.get(guesser, "guess-"+string(rune('a'+i))); st != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i, st)
		}
	}
	if !h.hasMark(NamespaceBan, "ip:"+guesser) {
		t.Fatal("no ban mark for the guesser")
	}
	if st := h.get(guesser, "good-key"); st != http.StatusForbidden {
		t.Errorf("banned guesser with a good key: status %d, want 403", st)
	}
	if st := h.get(bystander, "good-key"); st != http.StatusNoContent {
		t.Errorf("bystander: status %d, want 204", st)
	}
	bans := h.rec.EventsOfKind("ban")
	if len(bans) != 1 || bans[0].Rule != KindTokenGuessing || bans[0].Client.String() != guesser || bans[0].RequestID == "" {
		t.Fatalf("ban events %+v, want one token_guessing ban of %s with a request id", bans, guesser)
	}
}

func TestTokenGuessingIgnoresMonitoredDenials(t *testing.T) {
	h := newTokenHarness(t, TokenGuessingConfig{Failures: 3}, pipeline.Monitor)
	for range 10 {
		if st := h.get("203.0.113.70", "bad"); st != http.StatusNoContent {
			t.Fatalf("monitored authn: status %d, want 204", st)
		}
	}
	if h.hasMark(NamespaceBan, "ip:203.0.113.70") {
		t.Error("monitored denials led to a ban")
	}
}

func TestTokenGuessingDeduplicatesBans(t *testing.T) {
	clock := newTestClock()
	mem, _ := newMemory(clock)
	var log pipelinetest.Recorder
	bans := 0
	sink, err := NewTokenGuessing(TokenGuessingConfig{Failures: 2, BanFor: time.Minute},
		TokenGuessingOptions{Counters: mem, Marks: mem, Events: []pipeline.EventSink{&log},
			OnBan: func(string) { bans++ }, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &pipeline.Event{Kind: "denial", Guard: "authn", Rule: "bad_signature"}
	for i := range 6 {
		e.Client = mustAddr(t, fmt.Sprintf("2001:db8::%x", i+1))
		sink.WriteEvent(e)
	}
	// The ban event handed back to the sink is ignored.
	sink.WriteEvent(&log.EventsOfKind("ban")[0])
	if bans != 1 || len(log.EventsOfKind("ban")) != 1 {
		t.Errorf("%d bans and %d ban events, want 1 each", bans, len(log.EventsOfKind("ban")))
	}
	clock.Advance(2 * time.Minute)
	sink.WriteEvent(e)
	if bans != 2 {
		t.Errorf("after the ban expired: %d bans, want 2", bans)
	}
	// An IPv6 source is banned by its /64, the ban guard's network.
	if _, ok, _ := mem.GetMark(t.Context(), NamespaceBan, "net:2001:db8::/64"); !ok {
		t.Error("no renewed ban mark")
	}
}

func TestNewTokenGuessingValidates(t *testing.T) {
	mem, _ := newMemory(newTestClock())
	ok := TokenGuessingOptions{Counters: mem, Marks: mem}
	tests := []struct {
		name string
		cfg  TokenGuessingConfig
		opts TokenGuessingOptions
	}{
		{"no store", TokenGuessingConfig{}, TokenGuessingOptions{}},
		{"negative failures", TokenGuessingConfig{Failures: -1}, ok},
		{"negative window", TokenGuessingConfig{Window: -time.Second}, ok},
		{"negative ban", TokenGuessingConfig{BanFor: -time.Second}, ok},
		{"empty rule", TokenGuessingConfig{Rules: []string{""}}, ok},
	}
	for _, tc := range tests {
		if _, err := NewTokenGuessing(tc.cfg, tc.opts); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestTokenGuessingRules(t *testing.T) {
	clock := newTestClock()
	mem, _ := newMemory(clock)
	tests := []struct {
		name  string
		cfg   TokenGuessingConfig
		rule  string
		count bool
	}{
		{"default counts a bad signature", TokenGuessingConfig{}, "jwt_signature_invalid", true},
		{"default ignores a missing credential", TokenGuessingConfig{}, "authn_missing", false},
		{"default ignores an expired token", TokenGuessingConfig{}, "jwt_expired", false},
		{"rules restrict", TokenGuessingConfig{Rules: []string{"apikey_unknown"}}, "jwt_signature_invalid", false},
		{"rules admit", TokenGuessingConfig{Rules: []string{"apikey_unknown"}}, "apikey_unknown", true},
		{"ignore replaces the default", TokenGuessingConfig{IgnoreRules: []string{"apikey_unknown"}}, "jwt_expired", true},
		{"other guard", TokenGuessingConfig{Guard: "mtls"}, "jwt_signature_invalid", false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Failures = 1
			sink, err := NewTokenGuessing(cfg, TokenGuessingOptions{Counters: mem, Marks: mem, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			from := mustAddr(t, fmt.Sprintf("192.0.2.%d", i+1))
			sink.WriteEvent(&pipeline.Event{Kind: "denial", Guard: "authn", Rule: tc.rule, Client: from})
			if _, banned, _ := mem.GetMark(t.Context(), NamespaceBan, "ip:"+from.String()); banned != tc.count {
				t.Errorf("banned = %v, want %v", banned, tc.count)
			}
		})
	}
}
