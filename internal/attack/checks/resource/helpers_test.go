package resource

import (
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
