package pipeline

import "testing"

// chainAllocBudget is the allocation budget of one request through a chain
// of eight guards that pass: the per-request State, the request id and the
// request copy carrying the State in its context. Allocation counts are
// deterministic (no timing), so this holds the budget in every CI run.
const chainAllocBudget = 3

func TestChain8NoopGuardsAllocBudget(t *testing.T) {
	c := newNoopGuardChain(t)
	r := benchRequest()
	w := &discardWriter{h: make(map[string][]string)}
	allocs := testing.AllocsPerRun(200, func() {
		w.reset()
		c.ServeHTTP(w, r)
	})
	if w.status != 200 {
		t.Fatalf("status = %d, want 200: the request must pass all eight guards", w.status)
	}
	if allocs > chainAllocBudget {
		t.Errorf("a request through 8 no-op guards allocates %v times, budget %d", allocs, chainAllocBudget)
	}
}
