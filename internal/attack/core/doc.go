// Package core is the attack simulator's shared model: the Scan a check runs
// in (a scoped, budgeted, recorded HTTP client with auth profiles and the
// target's operations), Findings with their evidence, and the coverage
// ledger that says what was tested, skipped or not reached and why.
//
// Checks live in internal/attack/checks/...; they receive a *Scan and speak to
// the target only through Scan.Do, so that scope, budget, pacing, auth and
// evidence recording hold for every request. The package imports no gateway
// code: the simulator is a black box that works against any HTTP API.
package core
