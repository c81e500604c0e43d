package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// runCLI executes `rampart args...` in process and returns its exit code
// (as main would compute it), stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	code := 0
	if err != nil {
		code = exitCode(err)
		var exit exitError
		if !errors.As(err, &exit) {
			errOut.WriteString("rampart: " + err.Error() + "\n")
		}
	}
	return code, out.String(), errOut.String()
}

func startSample(t *testing.T) string {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv.URL()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const sampleAuth = `
profiles:
  user1:
    login:
      path: /api/login
      body: {username: alice, password: env:RAMPART_TEST_ALICE}
      token_pointer: /token
    canary: /api/users/me
  user2:
    login:
      path: /api/login
      body: {username: bob, password: bob-password-2}
      token_pointer: /token
    canary: /api/users/me
  admin:
    login:
      path: /api/login
      body: {username: admin, password: admin-password-3}
      token_pointer: /token
`

// availableChecks is every registered check id, comma separated: the test
// exercises whatever checks the simulator has.
func availableChecks(t *testing.T) string {
	var ids []string
	for _, c := range attack.AvailableChecks() {
		ids = append(ids, c.ID)
	}
	if len(ids) < 30 {
		t.Fatalf("only %d checks registered: the simulator's check packages are not linked in", len(ids))
	}
	return strings.Join(ids, ",")
}

func TestAttackEndToEnd(t *testing.T) {
	t.Setenv("RAMPART_TEST_ALICE", "alice-password-1")
	target := startSample(t)
	specFile := writeTemp(t, "openapi.yaml", sampleapi.Spec())
	authFile := writeTemp(t, "auth.yaml", []byte(sampleAuth))
	out := filepath.Join(t.TempDir(), "reports")
	code, stdout, stderr := runCLI(t, "attack", target, "--spec", specFile, "--auth", authFile,
		"--checks", availableChecks(t), "--out", out, "--max-requests", "2000", "--duration", "2m")

	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	var rep core.Report
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatalf("report.json: %v\nstderr:\n%s", err, stderr)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json does not parse: %v", err)
	}
	for _, name := range []string{"report.sarif", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if want := attack.ExitCode(&rep, core.SeverityHigh, false); code != want {
		t.Errorf("exit %d, want %d for this report (complete %v, reasons %v)", code, want, rep.Complete, rep.Incomplete)
	}
	if rep.Target != target || rep.Requests == 0 || rep.Requests > 2000 || len(rep.Checks) == 0 || rep.Spec != "file "+specFile {
		t.Errorf("report: target %q requests %d checks %d spec %q", rep.Target, rep.Requests, len(rep.Checks), rep.Spec)
	}
	for _, p := range rep.Profiles {
		if !p.Working {
			t.Errorf("profile %+v not working", p)
		}
	}
	for _, c := range rep.Checks {
		if c.Status == core.CheckFailed {
			t.Errorf("check %s failed against the sample API: %s", c.ID, c.Reason)
		}
	}
	if !strings.Contains(stdout, target) {
		t.Errorf("summary does not name the target:\n%s", stdout)
	}
	if !strings.Contains(stderr, "reports written to") || !strings.Contains(stderr, "auth profile user1: ok") {
		t.Errorf("progress lines missing:\n%s", stderr)
	}
	for _, secret := range []string{"alice-password-1", "bob-password-2"} {
		if strings.Contains(stdout+stderr+string(data), secret) {
			t.Errorf("output or report contains the password %q", secret)
		}
	}
}

func TestAttackPlan(t *testing.T) {
	target := startSample(t)
	specFile := writeTemp(t, "openapi.yaml", sampleapi.Spec())
	code, stdout, stderr := runCLI(t, "attack", target, "--spec", specFile, "--plan", "--checks", availableChecks(t))
	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(strings.ToLower(stdout), "plan") {
		t.Errorf("no plan printed:\n%s", stdout)
	}
}

func TestAttackIncompleteExit3(t *testing.T) {
	target := startSample(t)
	bad := writeTemp(t, "broken.yaml", []byte("openapi: 3.0.0\npaths:\n  /a: [\n"))
	code, _, stderr := runCLI(t, "attack", target, "--spec", bad, "--checks", availableChecks(t))
	if code != attack.ExitIncomplete {
		t.Errorf("broken spec: exit %d, want %d\n%s", code, attack.ExitIncomplete, stderr)
	}
	code, _, _ = runCLI(t, "attack", target, "--spec", bad, "--checks", availableChecks(t), "--allow-incomplete")
	if code != 0 {
		t.Errorf("--allow-incomplete: exit %d, want 0", code)
	}
}

func TestAttackUsageErrorsExit2(t *testing.T) {
	authUnset := writeTemp(t, "auth.yaml", []byte("profiles:\n  user1:\n    headers: {Authorization: env:RAMPART_TEST_UNSET_VAR}\n"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"attack"}, "want exactly one TARGET"},
		{"bad flag", []string{"attack", "http://127.0.0.1:1", "--max-requests", "many"}, "invalid argument"},
		{"unknown check", []string{"attack", "http://127.0.0.1:1", "--checks", "nope.nope"}, `unknown check "nope.nope"`},
		{"bad fail-on", []string{"attack", "http://127.0.0.1:1", "--fail-on", "severe"}, "--fail-on"},
		{"bad target", []string{"attack", "ftp://127.0.0.1:1"}, "want an absolute http"},
		{"missing spec", []string{"attack", "http://127.0.0.1:1", "--spec", filepath.Join(t.TempDir(), "none.yaml")}, "none.yaml"},
		{"auth env unset", []string{"attack", "http://127.0.0.1:1", "--auth", authUnset}, "RAMPART_TEST_UNSET_VAR is not set"},
		{"missing auth", []string{"attack", "http://127.0.0.1:1", "--auth", filepath.Join(t.TempDir(), "none.yaml")}, "auth file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != attack.ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, stderr, attack.ExitUsage, tc.want)
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	got := printable("ok \x1b[31mred\x1b[0m\r\n\u202e" + strings.Repeat("x", 400))
	if strings.ContainsAny(got, "\x1b\r\n\u202e") || len([]rune(got)) > 301 {
		t.Errorf("printable left control characters or length: %q", got)
	}
}

// TestProgressOnTerminal drives the live bar (as on a TTY) into a buffer:
// the check lines still come out, escapes from the target do not.
func TestProgressOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, true, 100)
	p.event(attack.Progress{Kind: attack.ProgressCheckStart, Stage: core.StageRecon, Check: "recon.fingerprint", Total: 2})
	for i := 1; i <= 10; i++ {
		p.event(attack.Progress{Kind: attack.ProgressRequest, Requests: i})
	}
	p.event(attack.Progress{Kind: attack.ProgressCheckDone, Check: "recon.fingerprint", Status: "failed", Message: "bad \x1b[2Jbody", Done: 1, Total: 2})
	p.logf("auth profile user1 stopped working: %s\nstack", "canary")
	p.finish()
	out := buf.String()
	for _, want := range []string{"recon.fingerprint: failed", "auth profile user1 stopped working: canary"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "stack") {
		t.Errorf("target escape or stack reached the terminal: %q", out)
	}
}
