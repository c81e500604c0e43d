package attack

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/attack/spec"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// fakeCheck is a check whose behaviour the test writes.
type fakeCheck struct {
	id    string
	stage core.Stage
	run   func(ctx context.Context, s *core.Scan) error
	plan  []core.PlannedRequest
}

func (c fakeCheck) ID() string                            { return c.id }
func (c fakeCheck) Stage() core.Stage                     { return c.stage }
func (c fakeCheck) Title() string                         { return "fake " + c.id }
func (c fakeCheck) Plan(*core.Scan) []core.PlannedRequest { return c.plan }
func (c fakeCheck) Run(ctx context.Context, s *core.Scan) error {
	if c.run == nil {
		return nil
	}
	return c.run(ctx, s)
}

// get sends GET path for check id and covers it as tested.
func get(id, path string) func(context.Context, *core.Scan) error {
	return func(ctx context.Context, s *core.Scan) error {
		if _, err := s.Do(ctx, core.Request{Path: path, Check: id}); err != nil {
			return err
		}
		s.Cover("GET "+path, id, core.Tested, "")
		return nil
	}
}

// loop sends requests until the scan refuses.
func loop(id string) func(context.Context, *core.Scan) error {
	return func(ctx context.Context, s *core.Scan) error {
		for {
			if _, err := s.Do(ctx, core.Request{Path: "/", Check: id}); err != nil {
				return err
			}
		}
	}
}

type countingServer struct {
	*httptest.Server
	n     atomic.Int64
	paths chan string
}

func newServer(t *testing.T, h http.Handler) *countingServer {
	t.Helper()
	c := &countingServer{paths: make(chan string, 10000)}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		select {
		case c.paths <- r.URL.Path:
		default:
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })
}

func run(t *testing.T, opts Options) *core.Report {
	t.Helper()
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func checkRun(t *testing.T, rep *core.Report, id string) core.CheckRun {
	t.Helper()
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no CheckRun for %s in %+v", id, rep.Checks)
	return core.CheckRun{}
}

func hasReason(rep *core.Report, sub string) bool {
	for _, r := range rep.Incomplete {
		if strings.Contains(r, sub) {
			return true
		}
	}
	return false
}

func TestPanickingCheckFailsAndScanContinues(t *testing.T) {
	srv := newServer(t, okHandler())
	rep := run(t, Options{Target: srv.URL, checks: []core.Check{
		fakeCheck{id: "x.boom", stage: core.StageRecon, run: func(_ context.Context, s *core.Scan) error {
			// A real bug class: the target has no spec, so no operations.
			_ = s.Operations()[0].Method
			return nil
		}},
		fakeCheck{id: "x.after", stage: core.StageRecon, run: get("x.after", "/after")},
	}})
	boom := checkRun(t, rep, "x.boom")
	if boom.Status != core.CheckFailed || !strings.Contains(boom.Reason, "panic") {
		t.Errorf("panicking check: %+v, want failed with the panic", boom)
	}
	if after := checkRun(t, rep, "x.after"); after.Status != core.CheckRan || after.Requests != 1 {
		t.Errorf("next check: %+v, want ran with 1 request", after)
	}
	if rep.Complete || !hasReason(rep, "x.boom failed") {
		t.Errorf("report complete=%v reasons %v", rep.Complete, rep.Incomplete)
	}
}

func TestStagesRunInOrder(t *testing.T) {
	srv := newServer(t, okHandler())
	var order []string
	mk := func(id string, st core.Stage) core.Check {
		return fakeCheck{id: id, stage: st, run: func(context.Context, *core.Scan) error { order = append(order, id); return nil }}
	}
	rep := run(t, Options{Target: srv.URL, checks: []core.Check{
		mk("e.1", core.StageExposure), mk("a.1", core.StageAuthz), mk("r.1", core.StageRecon), mk("r.2", core.StageRecon),
	}})
	if got := strings.Join(order, " "); got != "r.1 r.2 a.1 e.1" {
		t.Errorf("run order %q", got)
	}
	if !rep.Complete || rep.Requests != 1+len(spec.WellKnownPaths) {
		t.Errorf("complete %v requests %d (preflight + discovery), reasons %v", rep.Complete, rep.Requests, rep.Incomplete)
	}
}

func TestBudgetMarksNotReached(t *testing.T) {
	srv := newServer(t, okHandler())
	rep := run(t, Options{Target: srv.URL, SpecFile: writeSpec(t), MaxRequests: 10, checks: []core.Check{
		fakeCheck{id: "x.greedy", stage: core.StageRecon, run: loop("x.greedy")},
		fakeCheck{id: "x.later", stage: core.StageExposure, run: get("x.later", "/")},
	}})
	if n := srv.n.Load(); n != 10 {
		t.Errorf("target saw %d requests, want the budget of 10", n)
	}
	if g := checkRun(t, rep, "x.greedy"); g.Status != core.CheckRan || !strings.Contains(g.Reason, "budget") || g.Requests != 9 {
		t.Errorf("greedy: %+v", g)
	}
	if l := checkRun(t, rep, "x.later"); l.Status != core.CheckNotReached {
		t.Errorf("later: %+v, want not_reached", l)
	}
	if rep.Complete || !hasReason(rep, "request budget of 10 ran out") {
		t.Errorf("reasons %v", rep.Incomplete)
	}
	found := false
	for _, c := range rep.Coverage {
		if c.Check == "x.later" && c.Status == core.NotReached {
			found = true
		}
	}
	if !found {
		t.Errorf("no not_reached coverage row for x.later: %+v", rep.Coverage)
	}
}

func TestDurationEndsTheScan(t *testing.T) {
	srv := newServer(t, okHandler())
	start := time.Now()
	rep := run(t, Options{Target: srv.URL, SpecFile: writeSpec(t), Duration: 300 * time.Millisecond, Rate: 50, checks: []core.Check{
		fakeCheck{id: "x.slow", stage: core.StageRecon, run: loop("x.slow")},
		fakeCheck{id: "x.later", stage: core.StageExposure},
	}})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a 300ms scan took %v", d)
	}
	if l := checkRun(t, rep, "x.later"); l.Status != core.CheckNotReached || !strings.Contains(l.Reason, "duration") {
		t.Errorf("later: %+v", l)
	}
	if rep.Complete || !hasReason(rep, "duration of 300ms ran out") {
		t.Errorf("reasons %v", rep.Incomplete)
	}
}

func TestStuckCheckIsLeftBehind(t *testing.T) {
	srv := newServer(t, okHandler())
	release := make(chan struct{})
	defer close(release)
	rep := run(t, Options{Target: srv.URL, SpecFile: writeSpec(t), Duration: 200 * time.Millisecond, grace: 50 * time.Millisecond, checks: []core.Check{
		fakeCheck{id: "x.stuck", stage: core.StageRecon, run: func(context.Context, *core.Scan) error { <-release; return nil }},
	}})
	if c := checkRun(t, rep, "x.stuck"); c.Status != core.CheckRan || !strings.Contains(c.Reason, "cut short") {
		t.Errorf("stuck check: %+v", c)
	}
}

func TestSkipAndErrors(t *testing.T) {
	srv := newServer(t, okHandler())
	rep := run(t, Options{Target: srv.URL, SpecFile: writeSpec(t), Safe: true, checks: []core.Check{
		fakeCheck{id: "x.skip", stage: core.StageRecon, run: func(context.Context, *core.Scan) error { return core.Skip("no id parameters") }},
		fakeCheck{id: "x.unsafe", stage: core.StageRecon, run: func(ctx context.Context, s *core.Scan) error {
			_, err := s.Do(ctx, core.Request{Method: http.MethodDelete, Path: "/api/items/1", Unsafe: true, Check: "x.unsafe"})
			if !errors.Is(err, core.ErrUnsafe) {
				return errors.New("--safe did not refuse")
			}
			s.Cover("DELETE /api/items/{id}", "x.unsafe", core.Skipped, "refused by --safe")
			return nil
		}},
		fakeCheck{id: "x.err", stage: core.StageRecon, run: func(context.Context, *core.Scan) error { return errors.New("parser blew up") }},
	}})
	if c := checkRun(t, rep, "x.skip"); c.Status != core.CheckSkipped || c.Reason != "no id parameters" {
		t.Errorf("skip: %+v", c)
	}
	if c := checkRun(t, rep, "x.unsafe"); c.Status != core.CheckRan || c.Requests != 0 {
		t.Errorf("unsafe: %+v", c)
	}
	if c := checkRun(t, rep, "x.err"); c.Status != core.CheckFailed || c.Reason != "parser blew up" {
		t.Errorf("err: %+v", c)
	}
}

func writeSpec(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(p, sampleapi.Spec(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnreachableGarbageAndHangingTargets(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	garbage, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { garbage.Close() })
	go func() {
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "\x16\x03\x01garbage that is not HTTP\r\n\r\n")
			c.Close()
		}
	}()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hanging := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))

	tests := []struct {
		name, target, reason string
	}{
		{"unreachable", closedURL, "target unreachable"},
		{"garbage", "http://" + garbage.Addr().String(), "not speaking HTTP"},
		{"hanging", hanging.URL, "did not answer within 200ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, Options{Target: tc.target, Timeout: 200 * time.Millisecond, checks: []core.Check{
				fakeCheck{id: "x.a", stage: core.StageRecon, run: get("x.a", "/")},
			}})
			if rep.Complete || !hasReason(rep, tc.reason) {
				t.Errorf("reasons %v, want one with %q", rep.Incomplete, tc.reason)
			}
			if c := checkRun(t, rep, "x.a"); c.Status != core.CheckNotReached {
				t.Errorf("check %+v, want not_reached", c)
			}
			if rep.Requests != 1 {
				t.Errorf("%d requests, want the preflight only", rep.Requests)
			}
		})
	}
}

func TestSpecProblems(t *testing.T) {
	srv := newServer(t, okHandler())
	bad := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(bad, []byte("openapi: 3.0.0\npaths:\n  /a: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := run(t, Options{Target: srv.URL, SpecFile: bad, checks: []core.Check{fakeCheck{id: "x.a", stage: core.StageRecon}}})
	if rep.Complete || !hasReason(rep, "broken.yaml:3") || rep.Requests != 0 || srv.n.Load() != 0 {
		t.Errorf("broken spec: complete %v reasons %v requests %d", rep.Complete, rep.Incomplete, rep.Requests)
	}
	_, err := Run(context.Background(), Options{Target: srv.URL, SpecFile: filepath.Join(t.TempDir(), "missing.yaml")})
	var oe *OptionsError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing spec file: err = %v, want an OptionsError naming it", err)
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown check", Options{Target: "http://127.0.0.1:1", Checks: []string{"authz.nope"}, checks: []core.Check{fakeCheck{id: "authz.bola", stage: core.StageAuthz}}}, `unknown check "authz.nope"; valid checks: authz.bola`},
		{"bad target", Options{Target: "127.0.0.1:8080"}, "want an absolute http"},
		{"bad scope", Options{Target: "http://127.0.0.1:1", Scope: []string{"a/b"}}, "scope"},
		{"bad profile", Options{Target: "http://127.0.0.1:1", Profiles: []core.ProfileConfig{{Name: "user1", Login: &core.LoginRecipe{Path: "login"}}}}, "login path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.opts)
			var oe *OptionsError
			if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want an OptionsError with %q", err, tc.want)
			}
		})
	}
}

func TestSelectByStage(t *testing.T) {
	all := []core.Check{fakeCheck{id: "authz.bola", stage: core.StageAuthz}, fakeCheck{id: "authz.bfla", stage: core.StageAuthz}, fakeCheck{id: "recon.x", stage: core.StageRecon}}
	got, err := selectChecks(all, []string{"authorization", "recon.x"})
	if err != nil {
		t.Fatal(err)
	}
	if ids := strings.Join(checkIDs(got), ","); ids != "recon.x,authz.bola,authz.bfla" {
		t.Errorf("selected %s", ids)
	}
}

// sampleWithSpec serves the sample API and, at /openapi.yaml, its spec
// (the sample API itself does not publish it).
func sampleWithSpec(t *testing.T) *countingServer {
	t.Helper()
	api, err := sampleapi.New(sampleapi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(sampleapi.Spec())
	})
	mux.Handle("/", api.Handler())
	return newServer(t, mux)
}

func sampleProfiles(user1Password string) []core.ProfileConfig {
	login := func(u, p string) *core.LoginRecipe {
		return &core.LoginRecipe{Path: "/api/login", Body: `{"username":"` + u + `","password":"` + p + `"}`, TokenPointer: "/token"}
	}
	return []core.ProfileConfig{
		{Name: "user1", Login: login("alice", user1Password), CanaryPath: "/api/users/me"},
		{Name: "user2", Login: login("bob", "bob-password-2"), CanaryPath: "/api/users/me"},
	}
}

func TestDiscoveryAndLoginOnSampleAPI(t *testing.T) {
	srv := sampleWithSpec(t)
	var sawUser1 bool
	rep := run(t, Options{Target: srv.URL, Profiles: sampleProfiles("alice-password-1"), checks: []core.Check{
		fakeCheck{id: "x.me", stage: core.StageAuthz, run: func(ctx context.Context, s *core.Scan) error {
			resp, err := s.Do(ctx, core.Request{Path: "/api/users/me", Profile: "user1", Check: "x.me"})
			sawUser1 = err == nil && strings.Contains(string(resp.Body), `"alice"`)
			return err
		}},
	}})
	if !strings.HasPrefix(rep.Spec, "discovered at "+srv.URL+"/openapi.yaml") {
		t.Errorf("spec %q", rep.Spec)
	}
	if len(rep.Operations) < 10 {
		t.Errorf("%d operations", len(rep.Operations))
	}
	if !sawUser1 || !rep.Complete {
		t.Errorf("user1 request ok=%v complete=%v reasons %v", sawUser1, rep.Complete, rep.Incomplete)
	}
	for _, p := range rep.Profiles {
		if !p.Working {
			t.Errorf("profile %+v", p)
		}
	}
}

func TestFailedLoginIsReported(t *testing.T) {
	srv := sampleWithSpec(t)
	ran := false
	rep := run(t, Options{Target: srv.URL, Profiles: sampleProfiles("not-her-password"), checks: []core.Check{
		fakeCheck{id: "x.anon", stage: core.StageRecon, run: func(context.Context, *core.Scan) error { ran = true; return nil }},
	}})
	if !ran {
		t.Error("the scan stopped on a failed login; anonymous checks should still run")
	}
	want := "login: auth profile user1: login POST /api/login: answered 401 Unauthorized"
	if rep.Complete || !hasReason(rep, want) {
		t.Errorf("reasons %v, want %q", rep.Incomplete, want)
	}
	for _, r := range rep.Incomplete {
		if strings.Contains(r, "not-her-password") {
			t.Errorf("reason leaks the password: %q", r)
		}
	}
	if rep.Profiles[0].Working || !rep.Profiles[1].Working {
		t.Errorf("profiles %+v", rep.Profiles)
	}
}

func TestPlanSendsNothingButTheSpec(t *testing.T) {
	srv := sampleWithSpec(t)
	rep := run(t, Options{Target: srv.URL, Plan: true, Profiles: sampleProfiles("alice-password-1"), checks: []core.Check{
		fakeCheck{id: "x.a", stage: core.StageAuthz, run: loop("x.a"), plan: []core.PlannedRequest{{Endpoint: "GET /api/items/{id}", Class: "read as user2", Count: 3}}},
		fakeCheck{id: "x.b", stage: core.StageRecon},
	}})
	close(srv.paths)
	for p := range srv.paths {
		if p != "/openapi.json" && p != "/openapi.yaml" {
			t.Errorf("plan requested %s", p)
		}
	}
	if len(rep.Plan) != 2 || rep.Plan[0].ID != "x.b" || rep.Plan[1].Requests[0].Count != 3 {
		t.Errorf("plan %+v", rep.Plan)
	}
	if len(rep.Checks) != 0 || len(rep.Findings) != 0 || len(rep.Operations) < 10 {
		t.Errorf("checks %v findings %v operations %d", rep.Checks, rep.Findings, len(rep.Operations))
	}
}

func TestExitCode(t *testing.T) {
	f := func(sev core.Severity, conf core.Confidence) core.Finding {
		return core.Finding{Severity: sev, Confidence: conf}
	}
	tests := []struct {
		name            string
		rep             core.Report
		failOn          core.Severity
		allowIncomplete bool
		want            int
	}{
		{"clean", core.Report{Complete: true}, core.SeverityHigh, false, ExitClean},
		{"high finding", core.Report{Complete: true, Findings: []core.Finding{f(core.SeverityHigh, core.Firm)}}, core.SeverityHigh, false, ExitFindings},
		{"below threshold", core.Report{Complete: true, Findings: []core.Finding{f(core.SeverityMedium, core.Confirmed)}}, core.SeverityHigh, false, ExitClean},
		{"tentative never fails", core.Report{Complete: true, Findings: []core.Finding{f(core.SeverityCritical, core.Tentative)}}, core.SeverityLow, false, ExitClean},
		{"incomplete", core.Report{}, core.SeverityHigh, false, ExitIncomplete},
		{"incomplete allowed", core.Report{}, core.SeverityHigh, true, ExitClean},
		{"findings beat incomplete", core.Report{Findings: []core.Finding{f(core.SeverityCritical, core.Confirmed)}}, core.SeverityHigh, false, ExitFindings},
		{"fail never", core.Report{Complete: true, Findings: []core.Finding{f(core.SeverityCritical, core.Confirmed)}}, FailNever, false, ExitClean},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(&tc.rep, tc.failOn, tc.allowIncomplete); got != tc.want {
				t.Errorf("ExitCode = %d, want %d", got, tc.want)
			}
		})
	}
}
