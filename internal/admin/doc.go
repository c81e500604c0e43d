// Package admin serves Rampart's operator endpoints on the admin listener:
//
//	GET /metrics  Prometheus exposition of the injected Gatherer
//	GET /healthz  liveness: 200 {"status":"ok"} while the process serves
//	GET /readyz   readiness: 200 {"status":"ready"}, or 503 problem+json
//	              while Options.Ready reports an error (cause logged only)
//
// Anything else is a 404, and a wrong method a 405 with Allow, both as RFC
// 9457 problem+json like every other error Rampart writes.
//
// The package binds nothing: the gateway puts Handler on its own listener,
// by default 127.0.0.1:9901, apart from client traffic, so that metrics
// (which name every API and route) and later the admin API are never
// reachable from the client side by accident. Following the architecture's
// rule, admin declares the small interfaces it consumes (prometheus.Gatherer
// for metrics, a Ready func for readiness) and imports no gateway package.
//
// Usage:
//
//	reg := metrics.NewRegistry()
//	adm, err := admin.New(admin.Options{Gatherer: reg, Ready: gw.Ready, Logger: log})
//	srv := &http.Server{Addr: "127.0.0.1:9901", Handler: adm.Handler()}
package admin
