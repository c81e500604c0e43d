package injection

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// startSample serves the sample API behind a recording server.
func startSample(t *testing.T, hardened bool) *checktest.Server {
	t.Helper()
	api, err := sampleapi.New(sampleapi.Config{Hardened: hardened})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return checktest.Serve(t, api.Handler())
}

func sampleScan(t *testing.T, c *checktest.Server, mod func(*core.Config)) *core.Scan {
	t.Helper()
	return checktest.SpecScan(t, c, sampleapi.Spec(), mod)
}

// byParam indexes findings by "check endpoint parameter".
func byParam(fs []core.Finding) map[string]core.Finding {
	out := map[string]core.Finding{}
	for _, f := range fs {
		out[f.Check+" "+f.Endpoint+" "+f.Parameter] = f
	}
	return out
}

func keys(m map[string]core.Finding) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, "\n  ")
}

// checkEvidence asserts the shape every injection finding has: two probes
// then a control, the first probe carrying the payload.
func checkEvidence(t *testing.T, f core.Finding) {
	t.Helper()
	checktest.Complete(t, f)
	if f.Confidence != core.Confirmed {
		t.Errorf("%s: confidence %s", f.Check, f.Confidence)
	}
	if len(f.Evidence) < 3 {
		t.Fatalf("%s: %d exchanges, want probe, second probe and control", f.Check, len(f.Evidence))
	}
	if !strings.HasPrefix(f.Evidence[0].Note, "probe") || !strings.HasPrefix(f.Evidence[1].Note, "second probe") {
		t.Errorf("%s: evidence notes %q, %q", f.Check, f.Evidence[0].Note, f.Evidence[1].Note)
	}
	control := false
	for _, ex := range f.Evidence[2:] {
		control = control || strings.HasPrefix(ex.Note, "control")
	}
	if !control {
		t.Errorf("%s: no control exchange in the evidence", f.Check)
	}
}
