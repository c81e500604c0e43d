package ban

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

func TestOnDenialsRules(t *testing.T) {
	tests := []struct {
		name  string
		cfg   OnDenialsConfig
		guard string
		rule  string
		count bool
	}{
		{"no rules count every rule", OnDenialsConfig{}, "injection", "sqli", true},
		{"rules restrict", OnDenialsConfig{Rules: []string{"undocumented_endpoint"}}, "injection", "invalid_body", false},
		{"rules admit", OnDenialsConfig{Rules: []string{"undocumented_endpoint"}}, "injection", "undocumented_endpoint", true},
		{"ignore rules skip", OnDenialsConfig{IgnoreRules: []string{"authn_missing"}}, "injection", "authn_missing", false},
		{"ignore rules admit the rest", OnDenialsConfig{IgnoreRules: []string{"authn_missing"}}, "injection", "jwt_alg_none", true},
		{"another guard", OnDenialsConfig{}, "schema", "sqli", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			st, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
			cfg := tt.cfg
			cfg.Name, cfg.Guard, cfg.Failures = "rules", "injection", 1
			sink, err := NewOnDenials(cfg, OnDenialsOptions{Counters: st, Marks: st, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			from := mustAddr(fmt.Sprintf("192.0.2.%d", i+1))
			sink.WriteOutcome(&pipeline.Outcome{Client: from, Verdict: pipeline.VerdictDenied,
				Denials: []pipeline.Denial{{Guard: tt.guard, Rule: tt.rule}}})
			if _, banned, _ := st.GetMark(t.Context(), Namespace, IPKey(from)); banned != tt.count {
				t.Errorf("banned = %v, want %v", banned, tt.count)
			}
		})
	}
}

func TestNewOnDenialsValidates(t *testing.T) {
	st, _ := store.NewMemory(store.MemoryConfig{})
	ok := OnDenialsOptions{Counters: st, Marks: st}
	valid := OnDenialsConfig{Name: "n", Guard: "g"}
	with := func(f func(*OnDenialsConfig)) OnDenialsConfig { c := valid; f(&c); return c }
	tests := []struct {
		name string
		cfg  OnDenialsConfig
		opts OnDenialsOptions
		want string
	}{
		{"no store", valid, OnDenialsOptions{}, "required"},
		{"no name", with(func(c *OnDenialsConfig) { c.Name = "" }), ok, "invalid name"},
		{"long name", with(func(c *OnDenialsConfig) { c.Name = strings.Repeat("n", 65) }), ok, "invalid name"},
		{"control in name", with(func(c *OnDenialsConfig) { c.Name = "a\nb" }), ok, "invalid name"},
		{"no guard", with(func(c *OnDenialsConfig) { c.Guard = "" }), ok, "no guard"},
		{"both rule lists", with(func(c *OnDenialsConfig) { c.Rules, c.IgnoreRules = []string{"a"}, []string{"b"} }), ok, "not both"},
		{"empty rule", with(func(c *OnDenialsConfig) { c.Rules = []string{""} }), ok, "empty"},
		{"empty ignored rule", with(func(c *OnDenialsConfig) { c.IgnoreRules = []string{""} }), ok, "empty"},
		{"negative failures", with(func(c *OnDenialsConfig) { c.Failures = -1 }), ok, "failures"},
		{"negative window", with(func(c *OnDenialsConfig) { c.Window = -time.Second }), ok, "window"},
		{"negative ban", with(func(c *OnDenialsConfig) { c.BanFor = -time.Second }), ok, "ban length"},
		{"scope", with(func(c *OnDenialsConfig) { c.Scope = "subject" }), ok, "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewOnDenials(tt.cfg, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	sink, err := NewOnDenials(valid, ok)
	if err != nil || sink.Name() != "n" || sink.s.source != "n" || sink.s.failures != DefaultDenialFailures ||
		sink.s.window != DefaultDenialWindow || sink.s.banFor != DefaultDenialBanFor || sink.s.net {
		t.Errorf("defaults: %+v, %v", sink, err)
	}
}
