// Package metrics exposes Rampart's Prometheus collectors on a registry the
// caller injects: nothing is registered globally, so tests and several
// gateways in one process never collide.
//
// A *Metrics is both a pipeline.OutcomeSink and a pipeline.EventSink and must
// be wired as both: requests, latency and bytes come from Outcomes; denials
// (with their exact enforce/monitor mode) and security events come from
// Events. The server, proxy and config loader call the hook methods
// (ConnOpened, Shed, UpstreamError, Reload, …) directly. Every hook is safe
// on a nil *Metrics, so a component built without metrics needs no checks.
//
// Usage:
//
//	reg := metrics.NewRegistry() // or prometheus.NewRegistry()
//	m, err := metrics.New(reg)
//	chain, err := pipeline.NewChain(pipeline.Options{
//		Outcomes: []pipeline.OutcomeSink{m},
//		Events:   []pipeline.EventSink{m},
//		...
//	})
//	adm, err := admin.New(admin.Options{Gatherer: reg})
//
// Exposed series (all prefixed rampart_):
//
//	requests_total{api,route,method,status,verdict}      counter
//	request_bytes_total{api}, response_bytes_total{api}    counters (body bytes)
//	gateway_overhead_seconds{api}                          histogram: time the gateway itself added
//	upstream_latency_seconds{api}                          histogram: time waiting for the upstream (proxied requests only)
//	denials_total{guard,rule,mode}                         counter, mode is "enforce" or "monitor"
//	events_total{kind,severity}                            counter
//	upstream_errors_total{api,upstream,kind}               counter
//	open_connections                                       gauge
//	connections_rejected_total                             counter
//	shed_requests_total{reason}                            counter
//	config_reloads_total{result}                           counter, result is "success" or "failure"
//
// Cardinality: api and route come from the configuration, method is folded
// to the standard methods or "OTHER", status is the 3-digit response code and
// verdict one of four values, so no client-controlled string becomes a label
// value (an attacker sending random methods or paths cannot explode the
// series count and exhaust the gateway's memory). An unrouted request has
// empty api and route labels.
package metrics
