// Command loadgen measures what Rampart costs in front of an API, in one
// run, on one machine, over loopback only.
//
// It starts, in this process, a small fast upstream; two bare
// httputil.ReverseProxy baselines in front of it (stock, and with a copy
// buffer pool as Rampart's proxy has); and five Rampart gateways built
// through gateway.Start from in-memory YAML: one with no guards of
// consequence, one with every gateway-core guard and sink on, and the same
// with the tamper-evident audit log on (keys made at start; the log is
// verified after the run, and its cost against the gateway without it is
// reported: p50/p99 on and off, req/s ratio); and the no-guards gateway
// with API-key authentication, without and with an IP-keyed and an
// identity-keyed rate-limit policy (the key made at start and sent on
// every request; the rate limits' cost is reported the same way). Then a
// closed-loop generator (-c connections, each a goroutine with its own
// keep-alive connection) drives each target for -d after a warm-up, for a
// GET and a 1.5 KB JSON POST, visiting the targets interleaved over
// -rounds rounds (each round's order rotated by one target) so that noise
// on a shared machine hits every target alike. It prints req/s (best and
// median of the rounds), p50/p99 latency, CPU per request, errors and the
// ratios to the bare proxies and to the direct upstream; -json prints the
// same for machines.
//
//	go run ./bench/cmd/loadgen -c 32 -d 5s
//	go run ./bench/cmd/loadgen -targets bare-proxy,rampart-noguards -cpuprofile cpu.pprof
//
// The generator shares the CPU with the servers it measures, so absolute
// numbers are lower than on separate machines; the ratios are the point.
// See bench/README.md for the method and published results.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// options are the command-line flags.
type options struct {
	conns       int
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	maxRequests int
	targets     []string
	workloads   []string
	json        bool
	jsonFile    string
	quiet       bool
	cpuProfile  string
	memProfile  string
}

// autoRequestsPerSecond sizes the latency slices when -n is 0: far above
// what two cores can serve, so no worker stops early.
const autoRequestsPerSecond = 250_000

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		stop()
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var targets, workloadNames string
	fs.IntVar(&o.conns, "c", 32, "concurrent keep-alive connections (closed loop, one goroutine each)")
	fs.DurationVar(&o.duration, "d", 5*time.Second, "measured duration per target, workload and round")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each measurement")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds over all targets (each round starts one target later)")
	fs.IntVar(&o.maxRequests, "n", 0, "max requests recorded per measurement (0: 250k per second of -d)")
	fs.StringVar(&targets, "targets", strings.Join(targetNames(), ","), "comma-separated targets to measure")
	fs.StringVar(&workloadNames, "workloads", "get,post", "comma-separated workloads to run")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.StringVar(&o.jsonFile, "jsonfile", "", "also write the JSON report to this file")
	fs.BoolVar(&o.quiet, "q", false, "no progress lines on stderr")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole process (servers and generator) to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile to this file at the end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	switch {
	case o.conns < 1:
		return o, errors.New("-c must be at least 1")
	case o.duration <= 0:
		return o, errors.New("-d must be positive")
	case o.warmup < 0:
		return o, errors.New("-warmup must not be negative")
	case o.rounds < 1:
		return o, errors.New("-rounds must be at least 1")
	case o.maxRequests < 0:
		return o, errors.New("-n must not be negative")
	}
	if o.maxRequests == 0 {
		o.maxRequests = int(math.Ceil(o.duration.Seconds() * autoRequestsPerSecond))
	}
	var err error
	if o.targets, err = pick("target", targets, targetNames()); err != nil {
		return o, err
	}
	var all []string
	for _, wl := range workloads() {
		all = append(all, wl.name)
	}
	if o.workloads, err = pick("workload", workloadNames, all); err != nil {
		return o, err
	}
	return o, nil
}

// pick splits a comma list and checks every name against known.
func pick(what, list string, known []string) ([]string, error) {
	var out []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("unknown %s %q (known: %s)", what, name, strings.Join(known, ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s selected", what)
	}
	return out, nil
}

// rotate returns ts starting at index k (mod len). Rotating the order by
// one target per round spaces every target's measurements evenly in time,
// so a burst of noise from elsewhere on the machine (a few measurements
// long) cannot spoil two rounds of the same target. Reversing every other
// round would cancel linear drift, but measures the last target twice in a
// row and so exposes it to one burst twice.
func rotate[T any](ts []T, k int) []T {
	if len(ts) == 0 {
		return nil
	}
	k %= len(ts)
	return append(slices.Clone(ts[k:]), ts[:k]...)
}

// run starts the lab, measures and prints the report to stdout; progress
// lines and gateway warnings go to stderr.
func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("creating cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("starting cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	loadBefore := loadAvg()
	l, err := startLab(o.conns, stderr)
	if err != nil {
		return err
	}
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = errors.Join(err, l.close(shutdownCtx))
	}()

	var targets []target
	for _, t := range l.targets {
		if slices.Contains(o.targets, t.name) {
			targets = append(targets, t)
		}
	}
	var wls []workload
	for _, wl := range workloads() {
		if slices.Contains(o.workloads, wl.name) {
			wls = append(wls, wl)
		}
	}
	gen := newGenerator(o.conns, (o.maxRequests+o.conns-1)/o.conns)
	col := newCollector()
	for round := 1; round <= o.rounds; round++ {
		order := rotate(targets, round-1)
		for _, wl := range wls {
			for _, t := range order {
				s, err := gen.measure(ctx, t, wl, o.warmup, o.duration)
				if err != nil {
					return fmt.Errorf("measuring %s/%s: %w", t.name, wl.name, err)
				}
				col.add(t.name, wl.name, s)
				if !o.quiet {
					fmt.Fprintf(stderr, "round %d/%d %-4s %-16s %8.0f req/s  p50 %-8s p99 %-8s errors %d  cpu self %.2f others %.2f  cpu/req %.1fµs\n",
						round, o.rounds, wl.name, t.name, s.RPS(), fmtMicros(micros(s.P50)), fmtMicros(micros(s.P99)), s.Errors,
						s.CPU.Self, s.CPU.Others, micros(s.CPUPerRequest()))
				}
			}
		}
	}

	loadAfter := loadAvg()
	if o.cpuProfile != "" {
		pprof.StopCPUProfile() // the profile is of the load, not of the verification below
	}
	// Shut the lab down now rather than in the deferred close: the audit
	// log is verified once its gateway has stopped, and the report says so.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	err = l.close(shutdownCtx)
	cancel()
	if err != nil {
		return err
	}
	results := col.results(o.workloads)
	rep := &Report{
		Date:          time.Now().UTC().Format(time.DateOnly),
		Machine:       machine(),
		LoadAvgBefore: loadBefore,
		LoadAvgAfter:  loadAfter,
		Settings: Settings{Connections: o.conns, Duration: o.duration.String(), Warmup: o.warmup.String(),
			Rounds: o.rounds, MaxRequests: o.maxRequests},
		Results:       results,
		AuditCost:     pairCost(results, targetRampartAll, targetRampartAudit),
		RateLimitCost: pairCost(results, targetRampartAuth, targetRampartAuthLimits),
	}
	if slices.Contains(o.targets, targetRampartAudit) {
		rep.AuditLog = l.audit.check
	}
	if o.memProfile != "" {
		if err := writeHeapProfile(o.memProfile); err != nil {
			return err
		}
	}
	if o.jsonFile != "" {
		if err := writeJSONFile(o.jsonFile, rep); err != nil {
			return err
		}
	}
	if o.json {
		err = writeJSON(stdout, rep)
	} else {
		err = writeTable(stdout, rep)
	}
	if err == nil && rep.AuditLog != nil && !rep.AuditLog.OK {
		err = errors.New("the audit log of " + targetRampartAudit + " does not verify: " + rep.AuditLog.FirstProblem)
	}
	return err
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating memory profile: %w", err)
	}
	err = pprof.Lookup("allocs").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing memory profile: %w", err)
	}
	return nil
}

func writeJSONFile(path string, rep *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating json report: %w", err)
	}
	err = writeJSON(f, rep)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing json report: %w", err)
	}
	return nil
}
