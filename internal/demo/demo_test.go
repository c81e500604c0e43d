package demo

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/examples"
	"github.com/rampartsec/rampart/internal/attack"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// testEnv writes the examples into a temporary directory, as Run does.
func testEnv(t *testing.T) stackEnv {
	t.Helper()
	dir := t.TempDir()
	secret, err := writeExamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) < 32 {
		t.Fatalf("demo key of %d bytes", len(secret))
	}
	return stackEnv{configPath: filepath.Join(dir, examples.Demo), sample: sampleapi.Config{JWTSecret: string(secret)}, log: &strings.Builder{}}
}

// TestGatewayRecordsDenialsByCheck: the real gateway hands every request's
// Outcome to the recorder, which files the denials under the check named
// in the User-Agent; other clients are not recorded.
func TestGatewayRecordsDenialsByCheck(t *testing.T) {
	rec := newDenialRecorder()
	st, err := testEnv(t).start(context.Background(), "127.0.0.1:0", "127.0.0.1:0", rec)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	send := func(ua, path string) int {
		req, err := http.NewRequest("GET", st.url()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("User-Agent", ua)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send(core.UserAgent("recon.exposed_files"), "/api/debug/vars"); code != http.StatusUnauthorized {
		t.Fatalf("anonymous debug endpoint through the gateway: %d, want 401", code)
	}
	if code := send(core.UserAgent("recon.fingerprint"), "/api/healthz"); code != http.StatusOK {
		t.Fatalf("health through the gateway: %d", code)
	}
	send("curl/8.5.0", "/api/debug/vars")
	// Sinks run after the response is written: wait for the last one.
	waitFor(t, func() bool { return rec.requests("recon.fingerprint") == 1 && rec.requests("recon.exposed_files") == 1 })

	evidence := []requestKey{{method: "GET", path: "/api/debug/vars"}}
	if got := rec.stoppedBy("recon.exposed_files", evidence, "GET /api/debug/vars"); !strings.HasPrefix(got, "authn") {
		t.Errorf("stopped by %q, want the authn guard", got)
	}
	if got := rec.stoppedBy("recon.fingerprint", []requestKey{{method: "GET", path: "/api/healthz"}}, ""); got != "" {
		t.Errorf("health: stopped by %q, want nothing", got)
	}
	if n := rec.requests("recon.exposed_files"); n != 1 {
		t.Errorf("recon.exposed_files: %d requests, want 1 (curl's is not the simulator's)", n)
	}
}

// TestScriptedChecks: the scripted attacks work directly and are stopped
// by a fresh gateway.
func TestScriptedChecks(t *testing.T) {
	env := testEnv(t)
	st, err := env.start(context.Background(), "127.0.0.1:0", "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	results, err := runScripted(context.Background(), st.sample.URL(), st.url())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(scriptedAttacks()) {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if !r.direct || r.throughGateway {
			t.Errorf("%s: direct %v, through the gateway %v; want true, false", r.name, r.direct, r.throughGateway)
		}
	}
}

// TestWriteReports: --report writes each scan's three reports into its own
// directory, readable by the owner only.
func TestWriteReports(t *testing.T) {
	sample, err := sampleapi.Start(context.Background(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sample.Close()
	opts := scanOptions(sample.URL(), "", "test")
	opts.Profiles, opts.Checks = nil, []string{"recon.fingerprint"}
	res, err := scan(context.Background(), opts, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.report.Findings) == 0 {
		t.Fatal("the banner check found nothing on the vulnerable sample API")
	}
	dir := filepath.Join(t.TempDir(), "reports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeReports(dir, res, res); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"direct", "gateway"} {
		for _, name := range attack.ReportFiles {
			fi, err := os.Stat(filepath.Join(dir, sub, name))
			if err != nil {
				t.Errorf("%s/%s: %v", sub, name, err)
				continue
			}
			if fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s/%s: %d bytes, mode %v", sub, name, fi.Size(), fi.Mode().Perm())
			}
		}
	}
}

// TestScanOptions: the demo's scans log in as the sample API's seeded
// accounts and stay within the budgets.
func TestScanOptions(t *testing.T) {
	o := scanOptions("http://127.0.0.1:1", "/spec.yaml", "v1")
	if o.MaxRequests != scanMaxRequests || o.Duration != scanDuration || o.SpecFile != "/spec.yaml" || o.Safe {
		t.Errorf("options %+v", o)
	}
	var names []string
	for _, p := range o.Profiles {
		names = append(names, p.Name)
		if p.Login == nil || p.Login.Path != "/api/login" || p.Login.TokenPointer != "/token" || p.CanaryPath == "" {
			t.Errorf("profile %s: %+v", p.Name, p.Login)
		}
	}
	if strings.Join(names, ",") != strings.Join(attack.ProfileNames, ",") {
		t.Errorf("profiles %v, want %v", names, attack.ProfileNames)
	}
}

// waitFor polls cond for up to two seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 2s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
