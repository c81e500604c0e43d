package authz

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// TestPlanSendsNothing: --plan lists the classes of requests per endpoint
// from the operations alone.
func TestPlanSendsNothing(t *testing.T) {
	s := checktest.Scan(t, core.Config{Target: "http://127.0.0.1:9", Operations: sampleOps(t), Safe: true})
	var lines []string
	for _, c := range Checks() {
		for _, p := range c.Plan(s) {
			if p.Count <= 0 || p.Class == "" {
				t.Errorf("%s: empty plan line %+v", c.ID(), p)
			}
			lines = append(lines, c.ID()+" "+p.Endpoint)
		}
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"authz.bola GET /api/items/{id}", "authz.bola PUT /api/items/{id}", "authz.bola GET /api/orders/{id}",
		"authz.bfla GET /api/admin/users", "authz.mass_assignment PATCH /api/users/me", "authz.mass_assignment POST /api/items"} {
		if !strings.Contains(all, want) {
			t.Errorf("plan lacks %s:\n%s", want, all)
		}
	}
	if s.Sent() != 0 {
		t.Errorf("Plan sent %d requests", s.Sent())
	}
}
