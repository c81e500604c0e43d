package metrics

import (
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func newMetrics(t testing.TB) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, reg
}

func outcome() *pipeline.Outcome {
	return &pipeline.Outcome{
		RequestID: "r1",
		Time:      time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Client:    netip.MustParseAddr("192.0.2.1"),
		Route:     pipeline.Route{API: "shop", Route: "get-order"},
		Method:    "GET",
		Path:      "/orders/1",
		Status:    200,
		Verdict:   pipeline.VerdictAllowed,
		Latency:   30 * time.Millisecond,
		Upstream:  29 * time.Millisecond,
		BytesIn:   10,
		BytesOut:  200,
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Fatal("New(nil): want error")
	}
	reg := prometheus.NewRegistry()
	if _, err := New(reg); err != nil {
		t.Fatalf("first New: %v", err)
	}
	if _, err := New(reg); err == nil {
		t.Fatal("second New on the same registry: want a duplicate registration error")
	}
}

func TestNewRegistryHasRuntimeCollectors(t *testing.T) {
	reg := NewRegistry()
	if _, err := New(reg); err != nil {
		t.Fatalf("New: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var sawGo bool
	for _, mf := range mfs {
		if mf.GetName() == "go_goroutines" {
			sawGo = true
		}
	}
	if !sawGo {
		t.Error("go_goroutines not exposed")
	}
}

func TestWriteOutcome(t *testing.T) {
	m, reg := newMetrics(t)
	o := outcome()
	m.WriteOutcome(o)
	m.WriteOutcome(o)

	denied := outcome()
	denied.Method = "BREW" // client-chosen: folded to OTHER
	denied.Status = 403
	denied.Verdict = pipeline.VerdictDenied
	denied.Upstream = 0
	denied.BytesOut = 0
	m.WriteOutcome(denied)

	tests := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"allowed GET 200", m.requests.WithLabelValues("shop", "get-order", "GET", "200", "allowed"), 2},
		{"denied OTHER 403", m.requests.WithLabelValues("shop", "get-order", "OTHER", "403", "denied"), 1},
		{"request bytes", m.requestBytes.WithLabelValues("shop"), 30},
		{"response bytes", m.responseBytes.WithLabelValues("shop"), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testutil.ToFloat64(tt.c); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Overhead is observed for every request, upstream latency only when
	// the request was proxied.
	overhead, upstream := histogram(t, reg, "rampart_gateway_overhead_seconds"), histogram(t, reg, "rampart_upstream_latency_seconds")
	if overhead.count != 3 {
		t.Errorf("overhead count = %d, want 3", overhead.count)
	}
	if upstream.count != 2 {
		t.Errorf("upstream count = %d, want 2", upstream.count)
	}
	// Overhead is 1ms for the proxied requests and 30ms for the denied one.
	if want := 0.001 + 0.001 + 0.030; !near(overhead.sum, want) {
		t.Errorf("overhead sum = %v, want %v", overhead.sum, want)
	}
	if want := 0.029 * 2; !near(upstream.sum, want) {
		t.Errorf("upstream sum = %v, want %v", upstream.sum, want)
	}
}

func TestLabelNormalisation(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		status     int
		verdict    pipeline.Verdict
		wantLabels []string
	}{
		{"standard", "PATCH", 204, pipeline.VerdictAllowed, []string{"PATCH", "204", "allowed"}},
		{"lowercase method is not standard", "get", 200, pipeline.VerdictFlagged, []string{"OTHER", "200", "flagged"}},
		{"long garbage method", strings.Repeat("X", 500), 502, pipeline.VerdictError, []string{"OTHER", "502", "error"}},
		{"impossible status", "GET", 42, "weird", []string{"GET", "000", "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newMetrics(t)
			o := outcome()
			o.Method, o.Status, o.Verdict = tt.method, tt.status, tt.verdict
			m.WriteOutcome(o)
			l := tt.wantLabels
			if got := testutil.ToFloat64(m.requests.WithLabelValues("shop", "get-order", l[0], l[1], l[2])); got != 1 {
				t.Errorf("series %v = %v, want 1", l, got)
			}
			if got := testutil.CollectAndCount(m.requests); got != 1 {
				t.Errorf("requests series = %d, want 1", got)
			}
		})
	}
}

func TestWriteEvent(t *testing.T) {
	m, _ := newMetrics(t)
	m.WriteEvent(&pipeline.Event{Kind: "denial", Severity: pipeline.SeverityHigh, Guard: "injection", Rule: "sqli"})
	m.WriteEvent(&pipeline.Event{Kind: "denial", Severity: pipeline.SeverityHigh, Guard: "injection", Rule: "sqli"})
	m.WriteEvent(&pipeline.Event{Kind: "denial", Severity: pipeline.SeverityMedium, Guard: "schema", Rule: "unknown_field", Monitor: true})
	m.WriteEvent(&pipeline.Event{Kind: "panic", Severity: "bogus"})
	// Denials are counted from Outcomes (events may be deduplicated): two
	// enforced sqli denials, one request flagged by a monitoring guard and
	// then denied by an enforcing one.
	sqli := pipeline.Denial{Guard: "injection", Rule: "sqli"}
	schema := pipeline.Denial{Guard: "schema", Rule: "unknown_field"}
	m.WriteOutcome(&pipeline.Outcome{Status: 403, Verdict: pipeline.VerdictDenied, Denials: []pipeline.Denial{sqli}})
	m.WriteOutcome(&pipeline.Outcome{Status: 403, Verdict: pipeline.VerdictDenied, Denials: []pipeline.Denial{schema, sqli}})

	tests := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"enforced sqli", m.denials.WithLabelValues("injection", "sqli", "enforce"), 2},
		{"monitored schema", m.denials.WithLabelValues("schema", "unknown_field", "monitor"), 1},
		{"denial events high", m.events.WithLabelValues("denial", "high"), 2},
		{"denial events medium", m.events.WithLabelValues("denial", "medium"), 1},
		{"panic unknown severity", m.events.WithLabelValues("panic", "unknown"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testutil.ToFloat64(tt.c); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := testutil.CollectAndCount(m.denials); got != 2 {
		t.Errorf("denial series = %d, want 2 (panic is not a denial)", got)
	}
}

// TestChainFeedsMetrics runs real requests through a pipeline.Chain with the
// Metrics wired as both sinks, as the gateway does.
func TestChainFeedsMetrics(t *testing.T) {
	m, _ := newMetrics(t)
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages: []pipeline.Stage{
			{Guard: denyGuard{name: "watch", rule: "odd_path", path: "/odd"}, Mode: pipeline.Monitor},
			{Guard: denyGuard{name: "block", rule: "admin_path", path: "/admin"}, Mode: pipeline.Enforce},
		},
		Next:     okHandler{},
		Outcomes: []pipeline.OutcomeSink{m},
		Events:   []pipeline.EventSink{m},
	})
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	for _, path := range []string{"/", "/odd", "/admin"} {
		serve(chain, path)
	}
	checks := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"allowed", m.requests.WithLabelValues("", "", "GET", "200", "allowed"), 1},
		{"flagged", m.requests.WithLabelValues("", "", "GET", "200", "flagged"), 1},
		{"denied", m.requests.WithLabelValues("", "", "GET", "403", "denied"), 1},
		{"monitor denial", m.denials.WithLabelValues("watch", "odd_path", "monitor"), 1},
		{"enforce denial", m.denials.WithLabelValues("block", "admin_path", "enforce"), 1},
	}
	for _, tt := range checks {
		t.Run(tt.name, func(t *testing.T) {
			if got := testutil.ToFloat64(tt.c); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHooks(t *testing.T) {
	m, _ := newMetrics(t)
	m.ConnOpened()
	m.ConnOpened()
	m.ConnClosed()
	m.ConnRejected()
	m.Shed("concurrency")
	m.Shed("concurrency")
	m.UpstreamError("shop", "http://10.0.0.1:8080", "timeout")
	m.Reload(true)
	m.Reload(false)
	m.Reload(false)

	tests := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"open connections", m.openConns, 1},
		{"rejected", m.connsRejected, 1},
		{"shed", m.shed.WithLabelValues("concurrency"), 2},
		{"upstream errors", m.upstreamErrors.WithLabelValues("shop", "http://10.0.0.1:8080", "timeout"), 1},
		{"reload success", m.reloads.WithLabelValues("success"), 1},
		{"reload failure", m.reloads.WithLabelValues("failure"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testutil.ToFloat64(tt.c); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNilMetricsIsNoop(t *testing.T) {
	var m *Metrics
	m.WriteOutcome(outcome())
	m.WriteEvent(&pipeline.Event{Kind: "denial"})
	m.ConnOpened()
	m.ConnClosed()
	m.ConnRejected()
	m.Shed("x")
	m.UpstreamError("a", "b", "c")
	m.Reload(true)
}

func TestConcurrentWriteOutcome(t *testing.T) {
	m, _ := newMetrics(t)
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			o := outcome()
			for i := range each {
				o.Route.Route = []string{"a", "b", "c"}[(w+i)%3]
				m.WriteOutcome(o)
			}
		})
	}
	wg.Wait()
	var total float64
	for _, r := range []string{"a", "b", "c"} {
		total += testutil.ToFloat64(m.requests.WithLabelValues("shop", r, "GET", "200", "allowed"))
	}
	if total != workers*each {
		t.Errorf("total requests = %v, want %v", total, workers*each)
	}
}

func BenchmarkWriteOutcome(b *testing.B) {
	m, _ := newMetrics(b)
	o := outcome()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.WriteOutcome(o)
		}
	})
}

// BenchmarkWithLabelValues is the baseline the cache is measured against.
func BenchmarkWithLabelValues(b *testing.B) {
	m, _ := newMetrics(b)
	o := outcome()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.requests.WithLabelValues(o.Route.API, o.Route.Route, normaliseMethod(o.Method), statusLabel(o.Status), string(o.Verdict)).Inc()
			m.overhead.WithLabelValues(o.Route.API).Observe(o.GatewayOverhead().Seconds())
			m.upstream.WithLabelValues(o.Route.API).Observe(o.Upstream.Seconds())
			m.requestBytes.WithLabelValues(o.Route.API).Add(float64(o.BytesIn))
			m.responseBytes.WithLabelValues(o.Route.API).Add(float64(o.BytesOut))
		}
	})
}

func BenchmarkWriteOutcomeSerial(b *testing.B) {
	m, _ := newMetrics(b)
	o := outcome()
	b.ReportAllocs()
	for b.Loop() {
		m.WriteOutcome(o)
	}
}

// TestMetricNamesLint runs Prometheus' own naming linter over every family.
func TestMetricNamesLint(t *testing.T) {
	m, reg := newMetrics(t)
	m.WriteOutcome(outcome())
	m.WriteEvent(&pipeline.Event{Kind: "denial", Guard: "g", Rule: "r"})
	m.UpstreamError("a", "u", "timeout")
	m.Shed("concurrency")
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
