package transport

import (
	"context"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// The sample API is plain HTTP on loopback in both modes: the transport
// checks note it and report nothing.
func TestTransportSampleAPI(t *testing.T) {
	for _, hardened := range []bool{false, true} {
		srv, err := sampleapi.Start(context.Background(), sampleapi.Config{Hardened: hardened}, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := checktest.Scan(t, core.Config{Target: srv.URL()})
		checktest.Run(t, s, Checks()...)
		if fs := s.Findings(); len(fs) != 0 {
			t.Errorf("hardened=%v: got:%s", hardened, checktest.Describe(fs))
		}
		if len(s.Ledger()) != 3 {
			t.Errorf("hardened=%v: ledger %+v", hardened, s.Ledger())
		}
		_ = srv.Close()
	}
}
