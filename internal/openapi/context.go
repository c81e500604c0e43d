package openapi

import "context"

type planKey struct{}

// ContextWithPlan returns ctx carrying the scan plan of a request that
// passed validation in enforce mode. Only the schema guard should call
// it: a plan attached to a request that was not validated would let the
// injection detector skip inputs nobody checked.
func ContextWithPlan(ctx context.Context, p *ScanPlan) context.Context {
	return context.WithValue(ctx, planKey{}, p)
}

// PlanFromContext returns the scan plan ContextWithPlan attached, or nil
// (which skips nothing).
func PlanFromContext(ctx context.Context) *ScanPlan {
	p, _ := ctx.Value(planKey{}).(*ScanPlan)
	return p
}
