package resource

import (
	"context"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// eachBodyOperation runs probe on every operation that takes a JSON body,
// as a working profile that may call it, and records in the ledger what
// was skipped and, when the scan ends first, what was not reached.
func eachBodyOperation(ctx context.Context, s *core.Scan, check string,
	probeOp func(ctx context.Context, s *core.Scan, op core.Operation, profile string) error) error {
	ops, skipped := bodyOps(s)
	for k, why := range skipped {
		s.CoverAs(k, check, core.Skipped, why)
	}
	if len(ops) == 0 {
		return core.Skip("no operation takes a JSON body")
	}
	for i, op := range ops {
		profile, ok := profileFor(s, op)
		if !ok {
			s.CoverAs(op.Key(), check, core.Skipped, "needs credentials and no working user profile is configured")
			continue
		}
		if err := probeOp(ctx, s, op, profile); err != nil && probe.Stopped(ctx, err) {
			for _, rest := range ops[i:] {
				s.CoverAs(rest.Key(), check, core.NotReached, "the scan ended first: "+err.Error())
			}
			return err
		}
	}
	return nil
}
