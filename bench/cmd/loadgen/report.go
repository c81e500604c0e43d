package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the whole run, as printed by -json.
type Report struct {
	Date    string  `json:"date"`
	Machine Machine `json:"machine"`
	// LoadAvgBefore and LoadAvgAfter are /proc/loadavg's 1-minute average
	// around the run: anything well above 0 before it means another process
	// was competing for the cores, and the numbers are noisier.
	LoadAvgBefore string   `json:"loadavg_before"`
	LoadAvgAfter  string   `json:"loadavg_after"`
	Settings      Settings `json:"settings"`
	Results       []Result `json:"results"`
	// AuditCost compares rampart-audit with rampart-all per workload (empty
	// unless both were measured).
	AuditCost []PairCost `json:"audit_cost,omitempty"`
	// RateLimitCost compares rampart-auth-limits with rampart-auth per
	// workload (empty unless both were measured).
	RateLimitCost []PairCost `json:"rate_limit_cost,omitempty"`
	// AuditLog is the verification of rampart-audit's log after the run
	// (nil when rampart-audit was not measured).
	AuditLog *AuditLogCheck `json:"audit_log,omitempty"`
}

// Machine describes where the numbers come from.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
}

// Settings are the load parameters of the run.
type Settings struct {
	Connections int    `json:"connections"`
	Duration    string `json:"duration"`
	Warmup      string `json:"warmup"`
	Rounds      int    `json:"rounds"`
	MaxRequests int    `json:"max_requests_per_measurement"`
}

// Result is one target under one workload, over all rounds. Best is the
// round with the most requests per second; its latencies are reported.
// Ratios are 0 when the reference target was not measured.
type Result struct {
	Target    string  `json:"target"`
	Workload  string  `json:"workload"`
	BestRPS   float64 `json:"best_rps"`
	MedianRPS float64 `json:"median_rps"`
	P50Micros float64 `json:"p50_us"`
	P99Micros float64 `json:"p99_us"`
	// CPUMicrosPerReq is the lowest CPU per request of the rounds (whole
	// process: generator, upstream and target), in microseconds.
	CPUMicrosPerReq float64 `json:"cpu_us_per_req"`
	Errors          int     `json:"errors"`
	VsBareBest      float64 `json:"vs_bare_best"`
	VsBareMedian    float64 `json:"vs_bare_median"`
	VsPooledBest    float64 `json:"vs_bare_pooled_best"`
	VsPooledMedian  float64 `json:"vs_bare_pooled_median"`
	VsDirectBest    float64 `json:"vs_direct_best"`
	VsDirectMedian  float64 `json:"vs_direct_median"`
	Rounds          []Round `json:"rounds"`
}

// Round is one measurement.
type Round struct {
	Round           int     `json:"round"`
	Requests        int     `json:"requests"`
	Errors          int     `json:"errors"`
	FirstError      string  `json:"first_error,omitempty"`
	ElapsedSeconds  float64 `json:"elapsed_s"`
	RPS             float64 `json:"rps"`
	P50Micros       float64 `json:"p50_us"`
	P99Micros       float64 `json:"p99_us"`
	MaxMicros       float64 `json:"max_us"`
	CPUMicrosPerReq float64 `json:"cpu_us_per_req"`
	Truncated       bool    `json:"truncated,omitempty"`
	// CPUSelfCores is the CPU this process (servers and generator) used,
	// CPUOthersCores what the rest of the machine used meanwhile; both in
	// cores, from /proc (0 off Linux).
	CPUSelfCores   float64 `json:"cpu_self_cores"`
	CPUOthersCores float64 `json:"cpu_others_cores"`
}

// PairCost is what one feature adds to a request: target On (the feature
// on) against target Off (the same configuration without it), measured in
// the same run. The audit log's cost is rampart-audit against rampart-all;
// the rate limits' is rampart-auth-limits against rampart-auth. Latencies
// are the median over the rounds of each round's p50 and p99 (with two
// rounds, their mean), in microseconds.
type PairCost struct {
	Workload  string  `json:"workload"`
	Off       string  `json:"off"`
	On        string  `json:"on"`
	OffP50    float64 `json:"off_p50_us"`
	OnP50     float64 `json:"on_p50_us"`
	OffP99    float64 `json:"off_p99_us"`
	OnP99     float64 `json:"on_p99_us"`
	P99Ratio  float64 `json:"p99_on_off"`
	P50Ratio  float64 `json:"p50_on_off"`
	RPSBest   float64 `json:"rps_on_off_best"`
	RPSMedian float64 `json:"rps_on_off_median"`
	// OffCPUPerReq and OnCPUPerReq are the lowest CPU per request of the
	// rounds (whole process), in microseconds.
	OffCPUPerReq float64 `json:"off_cpu_us_per_req"`
	OnCPUPerReq  float64 `json:"on_cpu_us_per_req"`
}

// pairCost pairs target onName with offName for every workload where both
// were measured.
func pairCost(results []Result, offName, onName string) []PairCost {
	var out []PairCost
	for _, on := range results {
		if on.Target != onName {
			continue
		}
		i := slices.IndexFunc(results, func(r Result) bool { return r.Target == offName && r.Workload == on.Workload })
		if i < 0 {
			continue
		}
		off := results[i]
		c := PairCost{
			Workload: on.Workload, Off: offName, On: onName,
			OffP50:  roundsMedian(off.Rounds, func(r Round) float64 { return r.P50Micros }),
			OnP50:   roundsMedian(on.Rounds, func(r Round) float64 { return r.P50Micros }),
			OffP99:  roundsMedian(off.Rounds, func(r Round) float64 { return r.P99Micros }),
			OnP99:   roundsMedian(on.Rounds, func(r Round) float64 { return r.P99Micros }),
			RPSBest: ratio(on.BestRPS, off.BestRPS), RPSMedian: ratio(on.MedianRPS, off.MedianRPS),
			OffCPUPerReq: off.CPUMicrosPerReq, OnCPUPerReq: on.CPUMicrosPerReq,
		}
		c.P50Ratio, c.P99Ratio = ratio(c.OnP50, c.OffP50), ratio(c.OnP99, c.OffP99)
		out = append(out, c)
	}
	return out
}

// roundsMedian is the median of f over the rounds.
func roundsMedian(rounds []Round, f func(Round) float64) float64 {
	xs := make([]float64, 0, len(rounds))
	for _, r := range rounds {
		xs = append(xs, f(r))
	}
	return median(xs)
}

// disturbedCores is the CPU taken by other processes above which a round is
// flagged as disturbed.
const disturbedCores = 0.2

// key names one (target, workload) cell.
type key struct{ target, workload string }

// collector keeps the samples of every round, in the order first seen.
type collector struct {
	order   []key
	samples map[key][]sample
}

func newCollector() *collector { return &collector{samples: map[key][]sample{}} }

func (c *collector) add(target, workload string, s sample) {
	k := key{target, workload}
	if _, ok := c.samples[k]; !ok {
		c.order = append(c.order, k)
	}
	c.samples[k] = append(c.samples[k], s)
}

// results summarises every cell, workloads in the order given, then
// targets in their canonical order.
func (c *collector) results(workloadOrder []string) []Result {
	keys := slices.Clone(c.order)
	targetRank := func(t string) int { return slices.Index(targetNames(), t) }
	slices.SortStableFunc(keys, func(a, b key) int {
		if d := slices.Index(workloadOrder, a.workload) - slices.Index(workloadOrder, b.workload); d != 0 {
			return d
		}
		return targetRank(a.target) - targetRank(b.target)
	})
	byKey := map[key]*Result{}
	out := make([]Result, 0, len(keys))
	for _, k := range keys {
		out = append(out, summarise(k, c.samples[k]))
	}
	for i := range out {
		byKey[key{out[i].Target, out[i].Workload}] = &out[i]
	}
	for i := range out {
		r := &out[i]
		if ref, ok := byKey[key{targetBareProxy, r.Workload}]; ok {
			r.VsBareBest, r.VsBareMedian = ratio(r.BestRPS, ref.BestRPS), ratio(r.MedianRPS, ref.MedianRPS)
		}
		if ref, ok := byKey[key{targetBarePooled, r.Workload}]; ok {
			r.VsPooledBest, r.VsPooledMedian = ratio(r.BestRPS, ref.BestRPS), ratio(r.MedianRPS, ref.MedianRPS)
		}
		if ref, ok := byKey[key{targetDirect, r.Workload}]; ok {
			r.VsDirectBest, r.VsDirectMedian = ratio(r.BestRPS, ref.BestRPS), ratio(r.MedianRPS, ref.MedianRPS)
		}
	}
	return out
}

func summarise(k key, samples []sample) Result {
	r := Result{Target: k.target, Workload: k.workload}
	var rps []float64
	best := -1
	for i, s := range samples {
		r.Errors += s.Errors
		rps = append(rps, s.RPS())
		if best < 0 || s.RPS() > samples[best].RPS() {
			best = i
		}
		r.Rounds = append(r.Rounds, Round{
			Round: i + 1, Requests: s.Requests, Errors: s.Errors, FirstError: s.FirstErr,
			ElapsedSeconds: s.Elapsed.Seconds(), RPS: s.RPS(),
			P50Micros: micros(s.P50), P99Micros: micros(s.P99), MaxMicros: micros(s.Max), Truncated: s.Truncated,
			CPUSelfCores: s.CPU.Self, CPUOthersCores: s.CPU.Others, CPUMicrosPerReq: micros(s.CPUPerRequest()),
		})
		if c := micros(s.CPUPerRequest()); c > 0 && (r.CPUMicrosPerReq == 0 || c < r.CPUMicrosPerReq) {
			r.CPUMicrosPerReq = c
		}
	}
	if best >= 0 {
		r.BestRPS = samples[best].RPS()
		r.P50Micros, r.P99Micros = micros(samples[best].P50), micros(samples[best].P99)
	}
	r.MedianRPS = median(rps)
	return r
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// writeJSON prints the report for machines.
func writeJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeTable prints the report for people.
func writeTable(w io.Writer, rep *Report) error {
	m, s := rep.Machine, rep.Settings
	fmt.Fprintf(w, "loadgen %s: %d CPUs (%s), GOMAXPROCS %d, %s %s/%s\n", rep.Date, m.CPUs, m.CPUModel, m.GOMAXPROCS, m.GoVersion, m.OS, m.Arch)
	fmt.Fprintf(w, "1-minute load average before the run %s, after %s\n", rep.LoadAvgBefore, rep.LoadAvgAfter)
	fmt.Fprintf(w, "%d connections, %s per measurement after %s warm-up, %d round(s); req/s best (median) of rounds, latency of the best round,\n"+
		"cpu/req the lowest of the rounds (CPU of the whole process: generator, upstream and target, per request)\n\n",
		s.Connections, s.Duration, s.Warmup, s.Rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tworkload\treq/s best\treq/s median\tp50\tp99\tcpu/req\terrors\t×bare best (med)\t×pooled best (med)\t×direct best (med)\t")
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%s\t%s\t%.1fµs\t%d\t%s\t%s\t%s\t\n", r.Target, r.Workload, r.BestRPS, r.MedianRPS,
			fmtMicros(r.P50Micros), fmtMicros(r.P99Micros), r.CPUMicrosPerReq, r.Errors, fmtRatio(r.VsBareBest, r.VsBareMedian),
			fmtRatio(r.VsPooledBest, r.VsPooledMedian), fmtRatio(r.VsDirectBest, r.VsDirectMedian))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writePairCost(w, "rate limit cost", rep.RateLimitCost); err != nil {
		return err
	}
	if err := writePairCost(w, "audit log cost", rep.AuditCost); err != nil {
		return err
	}
	writeAuditLogCheck(w, rep.AuditLog)
	var notes []string
	for _, r := range rep.Results {
		for _, rd := range r.Rounds {
			if rd.Truncated {
				notes = append(notes, fmt.Sprintf("%s/%s round %d hit -n; raise it", r.Target, r.Workload, rd.Round))
			}
			if rd.CPUOthersCores > disturbedCores {
				notes = append(notes, fmt.Sprintf("%s/%s round %d: other processes used %.2f cores (disturbed: %.0f req/s)",
					r.Target, r.Workload, rd.Round, rd.CPUOthersCores, rd.RPS))
			}
			if rd.FirstError != "" {
				notes = append(notes, fmt.Sprintf("%s/%s round %d: %d errors, first: %s", r.Target, r.Workload, rd.Round, rd.Errors, rd.FirstError))
			}
		}
	}
	for _, n := range notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

// writePairCost prints one feature's cost table (nothing when costs is
// empty).
func writePairCost(w io.Writer, title string, costs []PairCost) error {
	if len(costs) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n%s: %s (on) against %s (off), same run; latencies are the median of the rounds' p50/p99\n",
		title, costs[0].On, costs[0].Off)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tp50 off\tp50 on\tp99 off\tp99 on\tp99 on/off\treq/s on/off best (med)\tcpu/req off\tcpu/req on\t")
	for _, c := range costs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.3f\t%s\t%.1fµs\t%.1fµs\t\n", c.Workload, fmtMicros(c.OffP50), fmtMicros(c.OnP50),
			fmtMicros(c.OffP99), fmtMicros(c.OnP99), c.P99Ratio, fmtRatio(c.RPSBest, c.RPSMedian), c.OffCPUPerReq, c.OnCPUPerReq)
	}
	return tw.Flush()
}

// writeAuditLogCheck prints the verification of rampart-audit's log, when
// it was measured.
func writeAuditLogCheck(w io.Writer, a *AuditLogCheck) {
	if a != nil {
		status := "verified OK"
		if !a.OK {
			status = "DAMAGED: " + a.FirstProblem
		}
		pruned := "none pruned"
		if a.PrunedUpTo > 0 {
			pruned = fmt.Sprintf("retention pruned seq 1 to %d", a.PrunedUpTo)
		}
		fmt.Fprintf(w, "audit log after the run: %s; %d records written, %d on disk (%s), %d checkpoints verified, clean end %t\n",
			status, a.LastSeq, a.Records, pruned, a.Checkpoints, a.CleanEnd)
	}
}

func fmtMicros(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2fms", us/1000)
	}
	return fmt.Sprintf("%.0fµs", us)
}

func fmtRatio(best, med float64) string {
	if best == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f (%.2f)", best, med)
}

// machine describes this host.
func machine() Machine {
	return Machine{
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPUModel: cpuModel(),
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
	}
}

// cpuModel reads the first "model name" of /proc/cpuinfo (Linux only).
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

// loadAvg is the 1-minute load average ("unknown" off Linux).
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
