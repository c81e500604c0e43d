package injection

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/attack/spec"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

func TestPlanSendsNothing(t *testing.T) {
	ops, err := spec.Parse(sampleapi.Spec(), "sampleapi", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := checktest.Scan(t, core.Config{Target: "http://127.0.0.1:9", Operations: ops,
		Profiles: []core.ProfileConfig{checktest.Bearer("user1", "x")}})
	var lines []string
	for _, c := range Checks() {
		for _, p := range c.Plan(s) {
			lines = append(lines, c.ID()+" "+p.Endpoint+" "+p.Class)
		}
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"injection.sqli GET /api/search", "in query.q", "injection.ssrf POST /api/webhooks/test",
		"in body./url", "injection.traversal GET /api/files", "injection.xss GET /api/preview"} {
		if !strings.Contains(all, want) {
			t.Errorf("plan lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "PUT /api/items/{id}") || strings.Contains(all, "injection.traversal GET /api/search") {
		t.Errorf("plan injects where it must not:\n%s", all)
	}
	if s.Sent() != 0 {
		t.Errorf("Plan sent %d requests", s.Sent())
	}
}
