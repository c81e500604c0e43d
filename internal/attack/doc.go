// Package attack is the engine of `rampart attack`, the black-box API
// security tester: it turns the command line into a scan, walks the attack
// chain and returns the report.
//
// [Run] builds a [core.Scan] (scope enforced at dial time, request budget,
// duration, pacing, auth profiles with login recipes and canaries), checks
// that the target answers HTTP at all, loads the OpenAPI spec from a file or
// discovers it on the target (package spec), logs the profiles in, then
// runs the selected checks stage by stage in [core.Stages] order. Each
// check runs with panic recovery: a check that panics or fails is recorded
// as such and the scan goes on. When the budget or the duration runs out,
// the remaining checks are recorded as not reached. Whatever happens (the
// target is down, answers garbage or hangs, the spec does not parse, a
// login fails) Run returns a report; Complete is false and Incomplete says
// why. Run returns an error only for options that cannot start a scan
// (*OptionsError): nothing has been sent then.
//
// With Options.Plan, Run sends nothing except what finding the spec needs
// and returns each selected check's Plan in Report.Plan.
//
// The engine speaks to the target only through HTTP: it imports no gateway
// code, so it tests any API, Rampart-protected or not. The checks live in
// internal/attack/checks/...; checks.go is the one list of them.
package attack
