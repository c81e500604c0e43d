package checktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// Login posts {"username", "password"} to base+path and returns the token
// of the JSON answer's "token" field.
func Login(t testing.TB, base, path, user, pass string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": pass})
	resp, err := http.Post(base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("logging %s in: %v", user, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || out.Token == "" {
		t.Fatalf("logging %s in: status %d", user, resp.StatusCode)
	}
	return out.Token
}

// Bearer is a profile with a static bearer token.
func Bearer(name, token string) core.ProfileConfig {
	return core.ProfileConfig{Name: name, Header: http.Header{"Authorization": {"Bearer " + token}}}
}

// Operations reads a spec into operations, marking paths under /admin as
// admin-only as the engine does.
func Operations(t testing.TB, spec []byte) []core.Operation {
	t.Helper()
	sp, err := probe.SpecOperations(spec)
	if err != nil {
		t.Fatalf("reading spec: %v", err)
	}
	for i := range sp.Operations {
		if strings.Contains(sp.Operations[i].Path, "/admin") {
			sp.Operations[i].AdminOnly = true
		}
	}
	return sp.Operations
}

// Scan builds a scan of target; canaries are off so request counts are
// the checks' own.
func Scan(t testing.TB, cfg core.Config) *core.Scan {
	t.Helper()
	cfg.CanaryEvery = -1
	s, err := core.NewScan(cfg)
	if err != nil {
		t.Fatalf("new scan: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Run runs each check in order, failing the test on an error that is not
// a skip.
func Run(t testing.TB, s *core.Scan, checks ...core.Check) {
	t.Helper()
	for _, c := range checks {
		if err := c.Run(context.Background(), s); err != nil {
			if _, skip := core.IsSkip(err); !skip {
				t.Fatalf("%s: %v", c.ID(), err)
			}
		}
	}
}

// Findings returns the scan's findings of one check.
func Findings(s *core.Scan, check string) []core.Finding {
	var out []core.Finding
	for _, f := range s.Findings() {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// Describe lists findings one per line for failure messages.
func Describe(fs []core.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s %s %s [%s CWE-%d %s] %s", f.ID, f.Check, f.Endpoint, f.OWASP, f.CWE, f.Severity, f.Title)
	}
	return b.String()
}

// Complete fails the test unless f has everything a finding needs.
func Complete(t testing.TB, f core.Finding) {
	t.Helper()
	switch {
	case f.Check == "" || f.Title == "" || f.Description == "":
		t.Errorf("%s: missing check, title or description: %+v", f.ID, f)
	case core.OWASPTitles[f.OWASP] == "":
		t.Errorf("%s: OWASP id %q is not an API Top 10 2023 id", f.ID, f.OWASP)
	case f.CWE <= 0:
		t.Errorf("%s: no CWE", f.ID)
	case f.Confidence == "" || f.ConfidenceReason == "":
		t.Errorf("%s: no confidence or reason", f.ID)
	case len(f.Evidence) == 0:
		t.Errorf("%s: no evidence", f.ID)
	case !strings.HasPrefix(f.Curl, "curl ") && !strings.Contains(f.Curl, "\ncurl "):
		t.Errorf("%s: curl %q is not a curl command", f.ID, f.Curl)
	case f.Remediation == "":
		t.Errorf("%s: no remediation", f.ID)
	}
	for _, ex := range f.Evidence {
		if ex.Request.URL == "" {
			t.Errorf("%s: evidence without a request URL", f.ID)
		}
	}
}

// NoSecret fails the test if the secret appears anywhere in a finding.
func NoSecret(t testing.TB, f core.Finding, secret string) {
	t.Helper()
	raw, _ := json.Marshal(f)
	if secret != "" && bytes.Contains(raw, []byte(secret)) {
		t.Errorf("%s: finding contains the secret %q", f.ID, probe.Mask(secret))
	}
}

// SampleUsers are the sample API's seeded accounts by profile name.
var SampleUsers = map[string][2]string{
	"user1": {"alice", "alice-password-1"},
	"user2": {"bob", "bob-password-2"},
	"admin": {"admin", "admin-password-3"},
}

// SampleProfiles logs the sample API's seeded users in (POST /api/login)
// and returns them as static bearer profiles user1, user2 and admin.
func SampleProfiles(t testing.TB, base string) []core.ProfileConfig {
	t.Helper()
	var out []core.ProfileConfig
	for _, name := range []string{"user1", "user2", "admin"} {
		u := SampleUsers[name]
		out = append(out, Bearer(name, Login(t, base, "/api/login", u[0], u[1])))
	}
	return out
}
