package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rampartsec/rampart/internal/attack"
)

// attackFlags are the command line of `rampart attack`.
type attackFlags struct {
	spec, auth, out, failOn   string
	scope, checks             []string
	maxRequests, canaryEvery  int
	rate                      float64
	duration, timeout         time.Duration
	safe, ownTarget, plan     bool
	allowIncomplete, insecure bool
}

func newAttackCommand() *cobra.Command {
	var f attackFlags
	cmd := &cobra.Command{
		Use:   "attack TARGET",
		Short: "Test an API you are authorised to test for the OWASP API Top 10",
		Long: `Run the attack chain (recon, discovery, authentication, rate limiting,
authorization, injection, resource consumption, transport, exposure) against
TARGET, an http(s) base URL, and report only what it proves, with evidence.

Only attack systems you own or are authorised to test. The scan talks only to
TARGET's host and port and the --scope hosts (enforced when connecting;
redirects elsewhere are not followed), sends at most --max-requests requests
within --duration, and with --safe (the default) never modifies or deletes
objects it did not create itself.

Exit status: 0 complete and nothing at or above --fail-on; 1 a confirmed or
firm finding at or above --fail-on; 2 usage or configuration error (nothing
was sent); 3 the scan is incomplete (see the report's reasons) and nothing
failed it otherwise (--allow-incomplete makes that 0).`,
		Example: `  rampart attack http://127.0.0.1:8080 --spec openapi.yaml --auth auth.yaml --out reports/
  rampart attack https://staging.example.com --plan
  rampart attack http://127.0.0.1:8080 --checks authorization,authn.jwt --fail-on medium`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(cmd, errors.New("want exactly one TARGET URL"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runAttack(cmd, args[0], f) },
	}
	cmd.SetFlagErrorFunc(usageError)
	fl := cmd.Flags()
	fl.StringVar(&f.spec, "spec", "", "OpenAPI 3.0/3.1 or Swagger 2.0 file (default: look for one on the target)")
	fl.StringVar(&f.auth, "auth", "", "YAML file with the user1, user2 and admin profiles (static headers or a login recipe)")
	fl.StringSliceVar(&f.scope, "scope", nil, "extra host[:port] the scan may reach besides TARGET's (comma separated)")
	fl.IntVar(&f.maxRequests, "max-requests", 3000, "request budget for the whole scan (0: unlimited)")
	fl.Float64Var(&f.rate, "rate", 0, "requests per second (0: as fast as the target answers; slows down on 429)")
	fl.DurationVar(&f.duration, "duration", 5*time.Minute, "wall-clock budget for the whole scan (0: unlimited)")
	fl.BoolVar(&f.safe, "safe", true, "never modify or delete objects the scan did not create (--safe=false to allow)")
	fl.BoolVar(&f.ownTarget, "i-own-this-target", false, "allow resource-exhaustion ramps against a non-loopback target")
	fl.StringSliceVar(&f.checks, "checks", nil, "check ids or stage names to run (comma separated; default all)")
	fl.BoolVar(&f.plan, "plan", false, "print what each check would send, send nothing (except to find the spec)")
	fl.StringVar(&f.out, "out", "", "write report.json, report.sarif and report.html into this directory")
	fl.StringVar(&f.failOn, "fail-on", "high", "exit 1 on a confirmed or firm finding at or above: info, low, medium, high, critical, none")
	fl.BoolVar(&f.allowIncomplete, "allow-incomplete", false, "exit 0 rather than 3 when the scan could not complete")
	fl.DurationVar(&f.timeout, "timeout", attack.DefaultTimeout, "per-request timeout")
	fl.IntVar(&f.canaryEvery, "canary-every", attack.DefaultCanaryEvery, "re-check each auth profile's canary every N requests (-1: never)")
	fl.BoolVar(&f.insecure, "insecure", false, "accept any TLS certificate from the target (self-signed staging)")
	return cmd
}

// usageError prints a usage or configuration problem and exits 2.
func usageError(cmd *cobra.Command, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "rampart attack: %v\n", err)
	return exitError{code: attack.ExitUsage}
}

func runAttack(cmd *cobra.Command, target string, f attackFlags) error {
	opts, err := f.options(target)
	if err != nil {
		return usageError(cmd, err)
	}
	if f.out != "" {
		// Fail before the scan, not after five minutes of it.
		if err := os.MkdirAll(f.out, 0o700); err != nil {
			return usageError(cmd, fmt.Errorf("--out: %w", err))
		}
	}
	stderr, stdout := cmd.ErrOrStderr(), cmd.OutOrStdout()
	prog := newProgress(stderr, isTerminal(stderr), opts.MaxRequests)
	opts.Progress = prog.event
	opts.Logf = prog.logf
	opts.Version = version

	rep, err := attack.Run(cmd.Context(), opts)
	prog.finish()
	if err != nil {
		return usageError(cmd, err)
	}
	if err := attack.Summary(stdout, rep, isTerminal(stdout)); err != nil {
		return fmt.Errorf("printing the summary: %w", err)
	}
	if f.out != "" {
		if err := attack.WriteReports(f.out, rep); err != nil {
			return usageError(cmd, fmt.Errorf("--out: %w", err))
		}
		fmt.Fprintf(stderr, "rampart attack: reports written to %s (%s)\n", f.out, strings.Join(attack.ReportFiles, ", "))
	}
	if opts.Plan {
		return nil
	}
	for _, why := range rep.Incomplete {
		prog.line("incomplete: " + why)
	}
	if code := attack.ExitCode(rep, opts.FailOn, f.allowIncomplete); code != attack.ExitClean {
		return exitError{code: code}
	}
	return nil
}

// options turns the flags into the engine's options.
func (f attackFlags) options(target string) (attack.Options, error) {
	failOn, err := attack.ParseFailOn(f.failOn)
	if err != nil {
		return attack.Options{}, fmt.Errorf("--fail-on: %w", err)
	}
	switch {
	case f.maxRequests < 0:
		return attack.Options{}, errors.New("--max-requests must not be negative")
	case f.rate < 0:
		return attack.Options{}, errors.New("--rate must not be negative")
	case f.duration < 0 || f.timeout < 0:
		return attack.Options{}, errors.New("--duration and --timeout must not be negative")
	}
	opts := attack.Options{
		Target: target, SpecFile: f.spec, Scope: f.scope, MaxRequests: f.maxRequests, Rate: f.rate,
		Duration: f.duration, Safe: f.safe, OwnTarget: f.ownTarget, Checks: f.checks, Plan: f.plan,
		FailOn: failOn, Timeout: f.timeout, CanaryEvery: f.canaryEvery,
	}
	if f.canaryEvery == 0 {
		opts.CanaryEvery = -1 // --canary-every 0 means never, like -1
	}
	if f.insecure {
		opts.TLS = &tls.Config{InsecureSkipVerify: true} // #nosec G402 -- the operator asked for it with --insecure
	}
	if f.auth != "" {
		a, err := attack.LoadAuth(f.auth)
		if err != nil {
			return attack.Options{}, err
		}
		opts.Profiles, opts.AdminEndpoints = a.Profiles, a.AdminEndpoints
	}
	return opts, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress shows the scan's progress: a live bar on a terminal, one plain
// line per step otherwise (CI logs).
type progress struct {
	mu  sync.Mutex // events come from the checks' goroutines too
	w   io.Writer
	bar *progressbar.ProgressBar // nil when not a terminal
}

func newProgress(w io.Writer, tty bool, maxRequests int) *progress {
	p := &progress{w: w}
	if tty {
		max := maxRequests
		if max <= 0 {
			max = -1 // a spinner: no known end
		}
		p.bar = progressbar.NewOptions(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("starting"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("req"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionFullWidth(),
		)
	}
	return p
}

func (p *progress) line(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s = "rampart attack: " + printable(s)
	if p.bar != nil {
		// Wipe the bar's line, print above it; the next request redraws
		// the bar below.
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, s)
}

func (p *progress) logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	// A panicking check's stack is for developers: keep its first line
	// on the console.
	msg, _, _ = strings.Cut(msg, "\n")
	p.line(msg)
}

func (p *progress) event(ev attack.Progress) {
	switch ev.Kind {
	case attack.ProgressRequest:
		if p.bar != nil {
			p.mu.Lock()
			_ = p.bar.Set(ev.Requests)
			p.mu.Unlock()
		}
	case attack.ProgressNote:
		p.line(ev.Message)
	case attack.ProgressStage:
		if p.bar == nil {
			p.line(fmt.Sprintf("stage %s (%d/%d checks done, %d requests)", ev.Stage, ev.Done, ev.Total, ev.Requests))
		}
	case attack.ProgressCheckStart:
		if p.bar != nil {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.bar.Describe(printable(fmt.Sprintf("[%d/%d] %s %s", ev.Done+1, ev.Total, ev.Stage, ev.Check)))
		}
	case attack.ProgressCheckDone:
		s := fmt.Sprintf("[%d/%d] %s: %s", ev.Done, ev.Total, ev.Check, ev.Status)
		if ev.Message != "" {
			s += " (" + ev.Message + ")"
		}
		p.line(fmt.Sprintf("%s; %d requests, %d findings so far", s, ev.Requests, ev.Findings))
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}

// printable replaces control characters (a check's reason can quote the
// target's answer; an escape sequence must not reach the terminal) and
// bounds the length.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return '?'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}
