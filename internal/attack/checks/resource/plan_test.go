package resource

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
	s := checktest.Scan(t, core.Config{Target: "http://127.0.0.1:9", Operations: ops})
	var lines []string
	for _, c := range Checks() {
		for _, p := range c.Plan(s) {
			lines = append(lines, c.ID()+" "+p.Endpoint+" "+p.Class)
		}
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"resource.body_size POST /api/items", "resource.json_depth POST /api/items",
		"resource.page_size GET /api/report query.n", "resource.concurrency *"} {
		if !strings.Contains(all, want) {
			t.Errorf("plan lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "PATCH /api/users/me") {
		t.Errorf("plan sends bodies to PATCH:\n%s", all)
	}
	if s.Sent() != 0 {
		t.Errorf("Plan sent %d requests", s.Sent())
	}
}
