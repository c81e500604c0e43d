package demo

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rampartsec/rampart/examples"
	"github.com/rampartsec/rampart/internal/attack"
	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/gateway"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// Options configures a demo run.
type Options struct {
	// Once runs the scripted checks and both scans, prints the tables and
	// returns; a result that differs from what this version should do is
	// an error. Otherwise Run then serves a fresh sample API and gateway
	// until ctx ends.
	Once bool
	// Listen is the address of the gateway left running for you to try.
	// Default "127.0.0.1:8080"; when it is taken a free loopback port is
	// used instead. The scans use free loopback ports.
	Listen string
	// ReportDir, when set, receives both scans' reports: ReportDir/direct
	// and ReportDir/gateway, each with report.json, report.sarif and
	// report.html.
	ReportDir string
	// Version is the binary's version, for the reports.
	Version string
	// Out receives the tables and instructions; Log the process log and
	// the simulator's notes.
	Out, Log io.Writer
}

// Run starts the sample API twice (one copy scanned directly, one behind
// the gateway, so that both scans start from the same seeded data) and the
// gateway, runs the scripted checks and the attack simulator both ways,
// and prints the before/after tables. Unless opts.Once, it then replaces
// them by a fresh sample API and gateway (the scans leave lockouts, rate
// limit state and changed data behind) and serves until ctx is done.
func Run(ctx context.Context, opts Options) error {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:8080"
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.ReportDir != "" {
		// Fail before the scans, not after them.
		if err := os.MkdirAll(opts.ReportDir, 0o700); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "rampart-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	secret, err := writeExamples(dir)
	if err != nil {
		return err
	}
	spec, err := writeSpec(dir)
	if err != nil {
		return err
	}
	env := stackEnv{configPath: filepath.Join(dir, examples.Demo), sample: sampleapi.Config{JWTSecret: string(secret)}, log: opts.Log}

	res, err := attackBothWays(ctx, env, spec, opts)
	if err != nil {
		return err
	}
	res.print(opts.Out)
	if opts.ReportDir != "" {
		if err := writeReports(opts.ReportDir, res.direct, res.through); err != nil {
			return err
		}
		fmt.Fprintf(opts.Out, "Reports: %s and %s (%s)\n", filepath.Join(opts.ReportDir, "direct"),
			filepath.Join(opts.ReportDir, "gateway"), strings.Join(attack.ReportFiles, ", "))
	}

	if opts.Once {
		problems := selfCheck(res.direct.report, res.through.report, res.rows, res.scripted)
		if len(problems) > 0 {
			fmt.Fprintln(opts.Out)
			for _, p := range problems {
				fmt.Fprintln(opts.Out, "unexpected: "+p)
			}
			return fmt.Errorf("demo self-check: %d result(s) differ from what this version should do", len(problems))
		}
		fmt.Fprintln(opts.Out, "demo self-check passed")
		return nil
	}
	return serve(ctx, env, spec, opts)
}

// results is everything the tables show.
type results struct {
	direct, through scanResult
	rows            []row
	scripted        []scriptedResult
}

func (r results) print(w io.Writer) {
	fmt.Fprintln(w)
	printFindings(w, r.rows)
	fmt.Fprintln(w)
	printOnlyThrough(w, onlyThrough(r.direct.report, r.through.report))
	printScripted(w, r.scripted)
	fmt.Fprintln(w)
	printScans(w, r.direct, r.through)
}

// attackBothWays runs the scripted checks, then the simulator against a
// sample API directly and against another through the gateway.
func attackBothWays(ctx context.Context, env stackEnv, spec string, opts Options) (results, error) {
	direct, err := sampleapi.Start(ctx, env.sample, "127.0.0.1:0")
	if err != nil {
		return results{}, fmt.Errorf("starting the sample api: %w", err)
	}
	defer direct.Close()
	recorder := newDenialRecorder()
	st, err := env.start(ctx, "127.0.0.1:0", "127.0.0.1:0", recorder)
	if err != nil {
		return results{}, err
	}
	defer st.close()

	var res results
	// The scripted attacks go first: the scans end with the client's
	// address locked out of the login route, which would answer them 429.
	if res.scripted, err = runScripted(ctx, direct.URL(), st.url()); err != nil {
		return results{}, err
	}
	logf := func(format string, args ...any) { fmt.Fprintf(opts.Log, "rampart demo: "+format+"\n", args...) }
	fmt.Fprintln(opts.Out, "Attacking the sample API with rampart attack (every check), directly...")
	if res.direct, err = scan(ctx, scanOptions(direct.URL(), spec, opts.Version), logf); err != nil {
		return results{}, err
	}
	fmt.Fprintln(opts.Out, "...and through Rampart (its rate limits slow the scan down: about half a minute)...")
	if res.through, err = scan(ctx, scanOptions(st.url(), spec, opts.Version), logf); err != nil {
		return results{}, err
	}
	res.rows = compare(res.direct.report, res.through.report, recorder)
	return res, nil
}

// serve runs a fresh sample API and gateway on the requested ports until
// ctx is done.
func serve(ctx context.Context, env stackEnv, spec string, opts Options) error {
	st, err := env.start(ctx, opts.Listen, "127.0.0.1:9901", nil)
	if err != nil && errors.Is(err, errAddrInUse) {
		st, err = env.start(ctx, "127.0.0.1:0", "127.0.0.1:0", nil)
	}
	if err != nil {
		return err
	}
	defer st.close()
	gw := st.url()
	fmt.Fprintf(opts.Out, `
A fresh copy of both is running for you to try.
Sample API (vulnerable, direct): %s
Through Rampart:                 %s
Metrics:                         http://%s/metrics

Try:
  curl -i %s/api/healthz                       # no Server / X-Powered-By banner
  curl -i --path-as-is %s/api/items/../debug/vars   # 400: non-canonical path
  curl -i -X POST %s/api/login -d @/dev/zero   # 413 before the body is read (Ctrl+C to stop curl)
  rampart attack %s --spec %s   # the scan yourself (add --out DIR for the reports)

Press Ctrl+C to stop.
`, st.sample.URL(), gw, st.gw.AdminAddr(), gw, gw, gw, gw, spec)
	<-ctx.Done()
	return nil
}

// stackEnv is what starting a sample API with a gateway in front needs.
type stackEnv struct {
	configPath string
	sample     sampleapi.Config
	log        io.Writer
}

// stack is a sample API and the gateway in front of it.
type stack struct {
	sample *sampleapi.Server
	gw     *gateway.Service
}

func (s *stack) url() string { return "http://" + s.gw.HTTPAddr() }

func (s *stack) close() {
	_ = s.gw.Shutdown(context.Background())
	_ = s.sample.Close()
}

// errAddrInUse: the requested gateway address is taken.
var errAddrInUse = errors.New("address already in use")

// start starts a sample API and the gateway in front of it on listen and
// admin, with rec (when not nil) as an extra Outcome sink.
func (e stackEnv) start(ctx context.Context, listen, admin string, rec pipeline.OutcomeSink) (*stack, error) {
	sample, err := sampleapi.Start(ctx, e.sample, "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the sample api: %w", err)
	}
	cfg, err := config.Load(e.configPath)
	if err != nil {
		_ = sample.Close()
		return nil, err
	}
	cfg.APIs[0].Upstreams = []string{sample.URL()}
	cfg.Listen.HTTP, cfg.Admin.Listen = listen, admin
	cfg.Logging.Level = "warn" // keep the tables readable
	ro := gateway.RunOptions{Config: cfg, Stdout: io.Discard, Stderr: e.log}
	if rec != nil {
		ro.Outcomes = []pipeline.OutcomeSink{rec}
	}
	gw, err := gateway.Start(ro)
	if err != nil {
		_ = sample.Close()
		if strings.Contains(err.Error(), "address already in use") {
			return nil, fmt.Errorf("starting the gateway: %w (%v)", errAddrInUse, err)
		}
		return nil, fmt.Errorf("starting the gateway: %w", err)
	}
	return &stack{sample: sample, gw: gw}, nil
}

// writeReports writes each scan's reports into its own directory.
func writeReports(dir string, direct, through scanResult) error {
	for _, r := range []struct {
		name string
		res  scanResult
	}{{"direct", direct}, {"gateway", through}} {
		if err := attack.WriteReports(filepath.Join(dir, r.name), r.res.report); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	return nil
}

// writeExamples copies the embedded example files (the demo configuration,
// its token key, the specs it names) into dir, keeping their relative
// paths (the configuration's relative paths resolve against dir), and
// returns the key for the sample API.
func writeExamples(dir string) ([]byte, error) {
	err := fs.WalkDir(examples.Files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || name == "." {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		data, err := examples.Files.ReadFile(name)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o600)
	})
	if err != nil {
		return nil, fmt.Errorf("writing the demo configuration: %w", err)
	}
	b64, err := examples.Files.ReadFile(examples.DemoJWTSecret)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(strings.TrimSpace(string(b64)))
}
