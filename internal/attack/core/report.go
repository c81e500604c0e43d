package core

import "time"

// Report is the result of one scan: what report.json holds and what the
// SARIF, HTML and terminal renderings are made from.
type Report struct {
	Tool     string    `json:"tool"`    // "rampart attack"
	Version  string    `json:"version"` // the binary's version
	Target   string    `json:"target"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Complete is false when the scan stopped early (budget, duration, an
	// unreachable target, a failed login); Incomplete says why, and the
	// ledger's not_reached rows say what was missed.
	Complete   bool          `json:"complete"`
	Incomplete []string      `json:"incomplete_reasons,omitempty"`
	Requests   int           `json:"requests"`
	Checks     []CheckRun    `json:"checks"`
	Operations []Operation   `json:"operations"`
	Findings   []Finding     `json:"findings"`
	Coverage   []Coverage    `json:"coverage"`
	Profiles   []ProfileInfo `json:"profiles,omitempty"`
	// Spec says where the operations came from: "file api.yaml",
	// "discovered at http://host/openapi.json", or "none found".
	Spec string `json:"spec,omitempty"`
	// Plan is set instead of findings by a --plan run: what each selected
	// check would send. Nothing but the spec was requested.
	Plan []PlannedCheck `json:"plan,omitempty"`
}

// PlannedCheck is one check's part of a --plan listing.
type PlannedCheck struct {
	ID       string           `json:"id"`
	Stage    Stage            `json:"stage"`
	Title    string           `json:"title"`
	Requests []PlannedRequest `json:"requests"`
}

// CheckRun says what happened to one check.
type CheckRun struct {
	ID       string  `json:"id"`
	Stage    Stage   `json:"stage"`
	Title    string  `json:"title"`
	Status   string  `json:"status"` // "ran", "skipped", "failed", "not_reached"; see the CheckRun* constants
	Reason   string  `json:"reason,omitempty"`
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
}

// ProfileInfo records whether an auth profile worked (never its secrets).
type ProfileInfo struct {
	Name    string `json:"name"`
	Working bool   `json:"working"`
	Detail  string `json:"detail,omitempty"` // "logged in via POST /api/login", "canary failed at request 812"
}

// CheckRun statuses.
const (
	CheckRan        = "ran"
	CheckSkipped    = "skipped"     // the check returned a SkipError: nothing to test
	CheckFailed     = "failed"      // the check returned an error or panicked
	CheckNotReached = "not_reached" // the budget, duration or an earlier failure ended the scan first
)
