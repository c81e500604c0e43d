package metrics

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rampartsec/rampart/internal/pipeline"
)

const namespace = "rampart"

// overheadBuckets resolve the gateway's own latency, expected well under a
// millisecond, up to a second (anything slower is a problem to see).
var overheadBuckets = []float64{
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
}

// upstreamBuckets cover typical API latencies up to long proxy timeouts.
var upstreamBuckets = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
}

// Metrics holds Rampart's collectors. Build it with New; it is safe for
// concurrent use.
type Metrics struct {
	requests       *prometheus.CounterVec
	requestBytes   *prometheus.CounterVec
	responseBytes  *prometheus.CounterVec
	overhead       *prometheus.HistogramVec
	upstream       *prometheus.HistogramVec
	denials        *prometheus.CounterVec
	events         *prometheus.CounterVec
	upstreamErrors *prometheus.CounterVec
	openConns      prometheus.Gauge
	connsRejected  prometheus.Counter
	shed           *prometheus.CounterVec
	reloads        *prometheus.CounterVec
	storeHealthy   prometheus.Gauge
	storeErrors    *prometheus.CounterVec
	security       *prometheus.CounterVec
	auditQueue     prometheus.Gauge
	auditLatency   prometheus.Histogram
	auditDropped   prometheus.Counter
	auditFailures  prometheus.Counter

	requestSeries seriesCache[requestKey, *requestSeries]
	apiSeries     seriesCache[string, *apiSeries]
	denialSeries  seriesCache[denialKey, prometheus.Counter]
	eventSeries   seriesCache[eventKey, prometheus.Counter]
}

var (
	_ pipeline.OutcomeSink = (*Metrics)(nil)
	_ pipeline.EventSink   = (*Metrics)(nil)
)

type requestKey struct {
	api, route, method string
	status             int
	verdict            pipeline.Verdict
}

// requestSeries is everything one Outcome touches, resolved once.
type requestSeries struct {
	requests prometheus.Counter
	api      *apiSeries
}

type apiSeries struct {
	overhead, upstream prometheus.Observer
	bytesIn, bytesOut  prometheus.Counter
}

type denialKey struct {
	guard, rule string
	monitor     bool
}

type eventKey struct {
	kind     string
	severity pipeline.Severity
}

// New builds the collectors and registers them on reg. It fails when reg is
// nil or a collector is already registered there.
func New(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("metrics: registerer is required")
	}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "requests_total",
			Help: "Requests handled, by API, route, method, status code and verdict (allowed, denied, flagged, error).",
		}, []string{"api", "route", "method", "status", "verdict"}),
		requestBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "request_bytes_total",
			Help: "Request body bytes read from clients, by API.",
		}, []string{"api"}),
		responseBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "response_bytes_total",
			Help: "Response body bytes written to clients, by API.",
		}, []string{"api"}),
		overhead: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "gateway_overhead_seconds",
			Help:    "Latency the gateway added to a request (total minus upstream wait), by API.",
			Buckets: overheadBuckets,
		}, []string{"api"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "upstream_latency_seconds",
			Help:    "Time spent waiting for the upstream, by API; proxied requests only.",
			Buckets: upstreamBuckets,
		}, []string{"api"}),
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "denials_total",
			Help: "Guard denials, by guard, rule and mode (enforce blocked the request, monitor only recorded it).",
		}, []string{"guard", "rule", "mode"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "events_total",
			Help: "Security events emitted, by kind and severity.",
		}, []string{"kind", "severity"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "upstream_errors_total",
			Help: "Failed upstream round trips, by API, upstream and kind (timeout, refused, circuit_open, ...).",
		}, []string{"api", "upstream", "kind"}),
		openConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "open_connections",
			Help: "Client connections currently open.",
		}),
		connsRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "connections_rejected_total",
			Help: "Client connections refused by connection limits.",
		}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "shed_requests_total",
			Help: "Requests refused by load shedding, by reason.",
		}, []string{"reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "config_reloads_total",
			Help: "Configuration reloads, by result (success, failure).",
		}, []string{"result"}),
		storeHealthy: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "store_healthy",
			Help: "1 while the shared store (Redis) answers, 0 while the configured fail mode applies.",
		}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "store_errors_total",
			Help: "Shared-store calls that failed, by the component that made them.",
		}, []string{"component"}),
		security: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "security_actions_total",
			Help: "Rate-limit hits, lockouts and bans, by action and kind.",
		}, []string{"action", "kind"}),
		auditQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "audit_queue_depth",
			Help: "Records waiting to be written to the audit log.",
		}),
		auditLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "audit_write_seconds",
			Help:    "Time to write (and, with fsync always, sync) one batch of audit records.",
			Buckets: overheadBuckets,
		}),
		auditDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "audit_dropped_total",
			Help: "Audit records dropped (queue full in drop mode, or the log failing).",
		}),
		auditFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "audit_write_failures_total",
			Help: "Failed writes or syncs of the audit log.",
		}),
	}
	m.storeHealthy.Set(1)
	for _, c := range []prometheus.Collector{
		m.requests, m.requestBytes, m.responseBytes, m.overhead, m.upstream, m.denials, m.events,
		m.upstreamErrors, m.openConns, m.connsRejected, m.shed, m.reloads,
		m.storeHealthy, m.storeErrors, m.security,
		m.auditQueue, m.auditLatency, m.auditDropped, m.auditFailures,
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: registering collector: %w", err)
		}
	}
	// Both results exist from the start so that rate() and alerts on
	// failures work before the first failure.
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	return m, nil
}

// NewRegistry returns a fresh registry with the Go runtime and process
// collectors registered, ready for New and for admin's /metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// WriteOutcome records one request. It is on the hot path: after the first
// request of a kind it does one lock-free map lookup and no allocation.
func (m *Metrics) WriteOutcome(o *pipeline.Outcome) {
	if m == nil {
		return
	}
	k := requestKey{
		api: o.Route.API, route: o.Route.Route, method: normaliseMethod(o.Method),
		status: o.Status, verdict: o.Verdict,
	}
	s := m.requestSeries.get(k, m.newRequestSeries)
	s.requests.Inc()
	a := s.api
	a.overhead.Observe(o.GatewayOverhead().Seconds())
	if o.Upstream > 0 {
		a.upstream.Observe(o.Upstream.Seconds())
	}
	if o.BytesIn > 0 {
		a.bytesIn.Add(float64(o.BytesIn))
	}
	if o.BytesOut > 0 {
		a.bytesOut.Add(float64(o.BytesOut))
	}
	// Denials are counted from the Outcome, not from denial Events: guards
	// deduplicate their events under a flood, the Outcome has every denial.
	// Only the last denial of a denied request was enforced.
	for i := range o.Denials {
		d := &o.Denials[i]
		enforced := o.Verdict == pipeline.VerdictDenied && i == len(o.Denials)-1
		m.denialSeries.get(denialKey{guard: d.Guard, rule: d.Rule, monitor: !enforced}, m.newDenialSeries).Inc()
	}
}

func (m *Metrics) newRequestSeries(k requestKey) *requestSeries {
	return &requestSeries{
		requests: m.requests.WithLabelValues(k.api, k.route, k.method, statusLabel(k.status), verdictLabel(k.verdict)),
		api:      m.apiSeries.get(k.api, m.newAPISeries),
	}
}

func (m *Metrics) newAPISeries(api string) *apiSeries {
	return &apiSeries{
		overhead: m.overhead.WithLabelValues(api),
		upstream: m.upstream.WithLabelValues(api),
		bytesIn:  m.requestBytes.WithLabelValues(api),
		bytesOut: m.responseBytes.WithLabelValues(api),
	}
}

// WriteEvent counts an event, and a denial by guard, rule and mode. Denials
// are counted here rather than from the Outcome because the Event carries the
// exact mode of each denial.
func (m *Metrics) WriteEvent(e *pipeline.Event) {
	if m == nil {
		return
	}
	sev := severityLabel(e.Severity)
	m.eventSeries.get(eventKey{kind: e.Kind, severity: sev}, m.newEventSeries).Inc()
}

func (m *Metrics) newEventSeries(k eventKey) prometheus.Counter {
	return m.events.WithLabelValues(k.kind, string(k.severity))
}

func (m *Metrics) newDenialSeries(k denialKey) prometheus.Counter {
	mode := pipeline.Enforce
	if k.monitor {
		mode = pipeline.Monitor
	}
	return m.denials.WithLabelValues(k.guard, k.rule, mode.String())
}

// normaliseMethod folds anything but the standard methods (RFC 9110 §9 and
// PATCH, RFC 5789) to "OTHER": the method is client-controlled and must not
// become an unbounded label value.
func normaliseMethod(method string) string {
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE":
		return method
	}
	return "OTHER"
}

// statusLabel renders a status as its 3-digit code; anything outside
// 100–999 (which net/http never sends) becomes "000".
func statusLabel(status int) string {
	if status < 100 || status > 999 {
		return "000"
	}
	return strconv.Itoa(status)
}

func verdictLabel(v pipeline.Verdict) string {
	switch v {
	case pipeline.VerdictAllowed, pipeline.VerdictDenied, pipeline.VerdictFlagged, pipeline.VerdictError:
		return string(v)
	}
	return "unknown"
}

func severityLabel(s pipeline.Severity) pipeline.Severity {
	switch s {
	case pipeline.SeverityInfo, pipeline.SeverityLow, pipeline.SeverityMedium, pipeline.SeverityHigh, pipeline.SeverityCritical:
		return s
	}
	return "unknown"
}
