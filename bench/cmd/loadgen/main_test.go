package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRunShort runs the whole harness for a moment, so it keeps compiling
// and working: every target answers both workloads without errors, and
// both outputs are produced. It asserts no speed.
func TestRunShort(t *testing.T) {
	opts, err := parseFlags([]string{"-c", "2", "-d", "200ms", "-warmup", "20ms", "-rounds", "1", "-q", "-json"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, log bytes.Buffer
	if err := run(ctx, opts, &out, &log); err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decoding -json output: %v\n%s", err, out.String())
	}
	if got, want := len(rep.Results), len(targetNames())*len(workloads()); got != want {
		t.Fatalf("got %d results, want %d", got, want)
	}
	for _, r := range rep.Results {
		if r.Errors != 0 || r.BestRPS <= 0 || len(r.Rounds) != 1 {
			t.Errorf("%s/%s: errors %d, best %.0f req/s, %d rounds; want 0 errors, >0 req/s, 1 round (%+v)",
				r.Target, r.Workload, r.Errors, r.BestRPS, len(r.Rounds), r.Rounds)
		}
		if r.VsBareBest <= 0 || r.VsDirectBest <= 0 {
			t.Errorf("%s/%s: ratios not computed: %+v", r.Target, r.Workload, r)
		}
	}
	if log.Len() > 0 {
		t.Errorf("gateways logged warnings:\n%s", log.String())
	}

	// The audit log's cost is computed per workload and its log verifies,
	// holding at least one record per request counted.
	if got, want := len(rep.AuditCost), len(workloads()); got != want {
		t.Errorf("audit cost for %d workloads, want %d: %+v", got, want, rep.AuditCost)
	}
	for _, c := range rep.AuditCost {
		if c.OnP99 <= 0 || c.OffP99 <= 0 || c.P99Ratio <= 0 || c.RPSBest <= 0 {
			t.Errorf("audit cost %s not computed: %+v", c.Workload, c)
		}
	}
	var audited int
	for _, r := range rep.Results {
		if r.Target == targetRampartAudit {
			for _, rd := range r.Rounds {
				audited += rd.Requests
			}
		}
	}
	if a := rep.AuditLog; a == nil || !a.OK || !a.CleanEnd || a.LastSeq < uint64(audited) || a.Checkpoints == 0 {
		t.Errorf("audit log after the run: %+v; want verified, a clean end, at least %d records and a checkpoint", a, audited)
	}

	// The rate limits' cost is computed per workload, next to the gateway
	// without them.
	if got, want := len(rep.RateLimitCost), len(workloads()); got != want {
		t.Errorf("rate limit cost for %d workloads, want %d: %+v", got, want, rep.RateLimitCost)
	}
	for _, c := range rep.RateLimitCost {
		if c.On != targetRampartAuthLimits || c.Off != targetRampartAuth || c.OnP99 <= 0 || c.OffP99 <= 0 || c.RPSBest <= 0 {
			t.Errorf("rate limit cost %s not computed: %+v", c.Workload, c)
		}
	}

	var table bytes.Buffer
	if err := writeTable(&table, &rep); err != nil {
		t.Fatal(err)
	}
	for _, name := range targetNames() {
		if !strings.Contains(table.String(), name) {
			t.Errorf("table lacks %s:\n%s", name, table.String())
		}
	}
	for _, want := range []string{"audit log cost", "rate limit cost", "p99 on/off", "audit log after the run: verified OK"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

// TestAuthTargetsNeedTheKey checks that the rampart-auth targets really
// authenticate, so that what is measured includes the API-key check: a
// request without the key is refused with 401, one with the key the
// generator sends passes.
func TestAuthTargetsNeedTheKey(t *testing.T) {
	var log bytes.Buffer
	l, err := startLab(1, &log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	client := &http.Client{Transport: newClientTransport()}
	defer client.CloseIdleConnections()
	seen := 0
	for _, tg := range l.targets {
		if tg.name != targetRampartAuth && tg.name != targetRampartAuthLimits {
			continue
		}
		seen++
		if tg.header.Get(apiKeyHeader) == "" {
			t.Errorf("%s: the generator sends no %s", tg.name, apiKeyHeader)
		}
		for _, tc := range []struct {
			header http.Header
			want   int
		}{{nil, http.StatusUnauthorized}, {tg.header, http.StatusOK}} {
			req, err := http.NewRequest(http.MethodGet, tg.base+"/api/items/1", nil)
			if err != nil {
				t.Fatal(err)
			}
			maps.Copy(req.Header, tc.header)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", tg.name, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s with %d key header(s): status %d, want %d", tg.name, len(tc.header), resp.StatusCode, tc.want)
			}
		}
	}
	if seen != 2 {
		t.Errorf("found %d rampart-auth targets, want 2", seen)
	}
	if log.Len() > 0 {
		t.Errorf("gateways logged warnings:\n%s", log.String())
	}
}

// TestWorkloadShapes pins the request and response sizes the benchmark
// promises, and that they are valid JSON.
func TestWorkloadShapes(t *testing.T) {
	for _, wl := range workloads() {
		if wl.body == nil {
			continue
		}
		if len(wl.body) != postBodyBytes || !json.Valid(wl.body) {
			t.Errorf("%s body: %d bytes, valid JSON %v; want %d bytes of JSON", wl.name, len(wl.body), json.Valid(wl.body), postBodyBytes)
		}
	}
	if b := upstreamBody(); len(b) != upstreamBodyBytes || !json.Valid(b) {
		t.Errorf("upstream body: %d bytes, valid JSON %v; want %d bytes of JSON", len(b), json.Valid(b), upstreamBodyBytes)
	}
}

func TestParseFlagsRejects(t *testing.T) {
	for _, args := range [][]string{
		{"-c", "0"}, {"-d", "0s"}, {"-rounds", "0"}, {"-targets", "nginx"}, {"-workloads", "put"}, {"-n", "-1"}, {"extra"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q) = nil error, want one", args)
		}
	}
}

func TestPercentile(t *testing.T) {
	sorted := make([]time.Duration, 100)
	for i := range sorted {
		sorted[i] = time.Duration(i + 1)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{0.50, 50}, {0.99, 99}, {1, 100}, {0, 1}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("percentile(1..100, %v) = %d, want %d", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("percentile(nil) = %d, want 0", got)
	}
}

func TestRotate(t *testing.T) {
	ts := []string{"a", "b", "c"}
	for k, want := range []string{"abc", "bca", "cab", "abc"} {
		if got := strings.Join(rotate(ts, k), ""); got != want {
			t.Errorf("rotate(abc, %d) = %s, want %s", k, got, want)
		}
	}
	if got := strings.Join(ts, ""); got != "abc" {
		t.Errorf("rotate changed its input: %s", got)
	}
}
