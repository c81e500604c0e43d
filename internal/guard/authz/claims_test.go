package authz

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestClaimOf(t *testing.T) {
	id := &pipeline.Identity{Subject: "alice", Tenant: "acme", Claims: map[string]any{
		"uid": float64(42), "big": float64(1 << 60), "frac": 4.5, "nan": math.NaN(), "num": json.Number("0042"),
		"i64": int64(-7), "u": uint(9), "name": "alice", "empty": "", "flag": true, "none": nil,
		"orgs": []any{"acme", 3.0, true, "", map[string]any{}}, "strs": []string{"x", "y"},
	}}
	tests := []struct {
		claim   string
		value   string
		present bool
		match   bool
	}{
		{"sub", "alice", true, true},
		{"sub", "bob", true, false},
		{"tenant", "acme", true, true},
		{"uid", "42", true, true},
		{"uid", "42.0", true, false},
		{"big", "1152921504606846976", false, false}, // beyond 2^53: not exact, matches nothing
		{"frac", "4.5", false, false},
		{"nan", "NaN", false, false},
		{"num", "0042", true, true},
		{"i64", "-7", true, true},
		{"u", "9", true, true},
		{"name", "alice", true, true},
		{"empty", "", false, false},
		{"flag", "true", false, false},
		{"none", "", false, false},
		{"missing", "", false, false},
		{"orgs", "acme", true, true},
		{"orgs", "3", true, true},
		{"orgs", "true", true, false},
		{"orgs", "", true, false},
		{"strs", "y", true, true},
	}
	for _, tt := range tests {
		c := claimOf(id, tt.claim)
		if c.present() != tt.present || c.matches(tt.value) != tt.match {
			t.Errorf("claim %s vs %q: present %v match %v, want %v %v", tt.claim, tt.value, c.present(), c.matches(tt.value), tt.present, tt.match)
		}
	}
	if c := claimOf(&pipeline.Identity{}, "sub"); c.present() || c.matches("") {
		t.Error("an empty subject must own nothing")
	}
}
