package attack

import (
	"crypto/tls"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// Options are one scan's inputs, as the command line gives them.
type Options struct {
	Target   string // base URL: http(s)://host[:port][/base]
	SpecFile string // OpenAPI file; "" discovers the spec on the target
	// Profiles are the identities to act as (--auth): user1, user2, admin.
	Profiles []core.ProfileConfig
	// AdminEndpoints mark operations admin-only besides the naming rules
	// ("GET /api/reports", "/api/ops/*").
	AdminEndpoints []string
	Scope          []string      // extra hosts the scan may reach (--scope)
	MaxRequests    int           // request budget; 0 unlimited (the CLI defaults to 3000)
	Rate           float64       // requests per second; 0 unpaced
	Duration       time.Duration // wall-clock budget; 0 unlimited (the CLI defaults to 5m)
	Safe           bool          // refuse state-changing requests on objects the scan did not create
	OwnTarget      bool          // --i-own-this-target: resource ramps on non-loopback targets
	Checks         []string      // check ids or stage names; none: all
	Plan           bool          // list what would be sent; send nothing but the spec fetch
	// FailOn is the severity at or above which a confirmed or firm finding
	// fails the run (ExitCode).
	FailOn      core.Severity
	Timeout     time.Duration // per request; 0: core.DefaultTimeout
	CanaryEvery int           // auth canary interval in requests; 0: core.DefaultCanaryEvery, <0 never
	TLS         *tls.Config   // for https targets (a private CA, --insecure); nil: system roots
	Version     string        // the binary's version, for the report

	// Progress, when set, receives live progress (from the scanning
	// goroutine; keep it fast).
	Progress func(Progress)
	// Logf, when set, receives engine notes (a profile that stopped
	// working, pacing changes). Never secrets.
	Logf func(format string, args ...any)

	// checks replaces the registry (tests).
	checks []core.Check
	// grace replaces stopGrace (tests).
	grace time.Duration
}

// Progress is one live progress event.
type Progress struct {
	Kind        ProgressKind
	Stage       core.Stage
	Check       string // check id (CheckStart, CheckDone)
	Status      string // CheckDone: a core.Check* status
	Done, Total int    // checks finished / selected
	Requests    int    // requests sent so far
	MaxRequests int    // the budget, 0 unlimited
	Findings    int    // findings so far
	Message     string // Note: a line for the operator
}

// ProgressKind says what a Progress event reports.
type ProgressKind string

// Progress kinds.
const (
	ProgressNote       ProgressKind = "note"        // Message: target reachable, spec found, login result
	ProgressStage      ProgressKind = "stage"       // a stage starts
	ProgressCheckStart ProgressKind = "check_start" // a check starts
	ProgressCheckDone  ProgressKind = "check_done"  // a check ended with Status
	ProgressRequest    ProgressKind = "request"     // a request was counted
)

// OptionsError is an input that cannot start a scan: a bad target URL,
// an unknown check, an unreadable spec file. Nothing was sent. The CLI
// exits 2.
type OptionsError struct{ Msg string }

func (e *OptionsError) Error() string { return e.Msg }

// Exit codes of `rampart attack` (ExitCode).
const (
	ExitClean      = 0 // complete, nothing at or above --fail-on
	ExitFindings   = 1 // a confirmed or firm finding at or above --fail-on
	ExitUsage      = 2 // bad flags or configuration; nothing was sent
	ExitIncomplete = 3 // the scan did not complete and nothing failed it otherwise
)

// FailNever is a FailOn that no finding reaches (--fail-on none).
const FailNever = core.SeverityCritical + 1

// ExitCode is the process status for a report: findings first (a partial
// scan that proved a high-severity flaw must still fail the build), then
// completeness. Tentative findings are observations and never fail.
func ExitCode(r *core.Report, failOn core.Severity, allowIncomplete bool) int {
	for _, f := range r.Findings {
		if f.Severity >= failOn && f.Confidence != core.Tentative {
			return ExitFindings
		}
	}
	if !r.Complete && !allowIncomplete {
		return ExitIncomplete
	}
	return ExitClean
}
