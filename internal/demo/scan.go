package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rampartsec/rampart/internal/attack"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// Budgets of each of the two scans. A full scan of the sample API takes
// under a thousand requests: a few seconds directly, about half a minute
// through the gateway, whose rate limits the simulator slows down for. The
// bounds leave room for a slow machine and keep a misbehaving run from
// holding the demo up.
const (
	scanMaxRequests = 3000
	scanDuration    = 90 * time.Second
)

// specFile is the sample API's OpenAPI document, written beside the demo
// configuration: the sample API does not publish it (recon should find
// nothing), and a scan with the spec tests every documented operation.
const specFile = "sampleapi-openapi.yaml"

// accounts are the seeded sample API users the scan acts as (see the
// sampleapi package doc).
var accounts = []struct{ profile, username, password string }{
	{"user1", "alice", "alice-password-1"},
	{"user2", "bob", "bob-password-2"},
	{"admin", "admin", "admin-password-3"},
}

// writeSpec writes the sample API's spec into dir and returns its path.
func writeSpec(dir string) (string, error) {
	p := filepath.Join(dir, specFile)
	if err := os.WriteFile(p, sampleapi.Spec(), 0o600); err != nil {
		return "", fmt.Errorf("writing the sample api spec: %w", err)
	}
	return p, nil
}

// scanOptions are the simulator's options for one of the demo's scans.
//
// Safe is off: the target is the demo's own throwaway in-memory API, and
// the flaws that need a write to prove (mass assignment, SSRF through a
// webhook test, BOLA writes) are part of what the demo shows.
func scanOptions(target, spec, version string) attack.Options {
	var profiles []core.ProfileConfig
	for _, a := range accounts {
		profiles = append(profiles, core.ProfileConfig{
			Name: a.profile,
			Login: &core.LoginRecipe{Method: "POST", Path: "/api/login", TokenPointer: "/token",
				Body: fmt.Sprintf(`{"username":%q,"password":%q}`, a.username, a.password)},
			CanaryPath: "/api/users/me",
		})
	}
	return attack.Options{
		Target:      target,
		SpecFile:    spec,
		Profiles:    profiles,
		MaxRequests: scanMaxRequests,
		Duration:    scanDuration,
		Safe:        false,
		FailOn:      attack.FailNever,
		Version:     version,
	}
}

// scanResult is one finished scan.
type scanResult struct {
	report  *core.Report
	elapsed time.Duration
}

// scan runs the simulator once; log receives its notes.
func scan(ctx context.Context, opts attack.Options, logf func(string, ...any)) (scanResult, error) {
	opts.Logf = logf
	start := time.Now()
	rep, err := attack.Run(ctx, opts)
	if err != nil {
		return scanResult{}, fmt.Errorf("attack simulator against %s: %w", opts.Target, err)
	}
	return scanResult{report: rep, elapsed: time.Since(start)}, nil
}
