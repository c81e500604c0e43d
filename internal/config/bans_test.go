package config

import (
	"reflect"
	"testing"
	"time"
)

// The two entries of docs/rate-limiting.md ("Bans from any guard") load as
// written; the section is empty by default.
func TestBansOnDenialsLoad(t *testing.T) {
	cfg, err := Parse("bans.yaml", []byte(`
bans:
  on_denials:
    - {name: injection, guard: injection, failures: 10, window: 5m, ban_for: 1h}
    - {name: schema-probing, guard: schema, rules: [undocumented_endpoint], failures: 30, window: 1m, ban_for: 15m, scope: net}
apis:
  - name: items
    upstreams: [http://127.0.0.1:9000]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []BanOnDenials{
		{Name: "injection", Guard: "injection", Failures: 10, Window: 5 * time.Minute, BanFor: time.Hour},
		{Name: "schema-probing", Guard: "schema", Rules: []string{"undocumented_endpoint"}, Failures: 30,
			Window: time.Minute, BanFor: 15 * time.Minute, Scope: "net"},
	}
	if !reflect.DeepEqual(cfg.Bans.OnDenials, want) {
		t.Errorf("on_denials = %+v\nwant %+v", cfg.Bans.OnDenials, want)
	}
	cfg, err = Parse("min.yaml", []byte("apis:\n  - name: items\n    upstreams: [http://127.0.0.1:9000]\n"))
	if err != nil || len(cfg.Bans.OnDenials) != 0 {
		t.Errorf("default on_denials = %+v, %v; want none", cfg.Bans.OnDenials, err)
	}
}
