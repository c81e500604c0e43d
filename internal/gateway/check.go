package gateway

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rampartsec/rampart/internal/admin"
	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/metrics"
	"github.com/rampartsec/rampart/internal/server"
	"github.com/rampartsec/rampart/internal/store"
)

// Check builds from cfg what `rampart serve` builds before it listens, with
// the same functions, and reports every failure as config.Errors located at
// the field that caused it (file:line: field: message), sorted by line:
// certificates and keys that do not load, CA bundles, JWT and signature
// keys, API key files, audit keys, *_env variables that are not set,
// OpenAPI documents, CRS rule files, log files that cannot be opened.
//
// It binds no port, connects to no Redis, fetches no JWKS and does not open
// the audit log (a running gateway holds its lock), and it leaves no file
// behind. What only the running system decides (a port in use, Redis or an
// identity provider down) is not the file's fault and not checked.
func Check(cfg *config.Config) error {
	var errs config.Errors
	add := func(err error) {
		if err == nil {
			return
		}
		var located config.Errors
		if errors.As(configError(cfg, err), &located) {
			errs = append(errs, located...)
			return
		}
		errs = append(errs, cfg.FieldError("", err.Error()))
	}
	errs = append(errs, checkSinks(cfg)...)
	if cfg.Store.Backend == "redis" {
		_, _, err := redisClientSettings(cfg.Store.Redis)
		add(err)
	}
	add(checkAudit(cfg.Audit))
	e, err := offlineEnv(cfg)
	if err != nil {
		add(err)
		return sortedErrors(errs)
	}
	defer func() { _ = e.store.Close() }()
	add(e.addDenialBans(cfg))
	var handler http.Handler = http.NotFoundHandler()
	gen, err := build(cfg, e)
	if err == nil {
		defer gen.close()
		handler = gen
	}
	add(err)
	_, err = newServer(cfg, handler, e.log, server.Hooks{})
	add(err)
	_, err = newAdmin(cfg, admin.Options{Gatherer: prometheus.NewRegistry()})
	add(err)
	return sortedErrors(errs)
}

// offlineEnv is the env Check builds with: a memory store in place of
// Redis, no audit log, no sinks, a log that goes nowhere.
func offlineEnv(cfg *config.Config) (*env, error) {
	m, err := metrics.New(metrics.NewRegistry())
	if err != nil {
		return nil, err
	}
	mem, err := store.NewMemory(store.MemoryConfig{MaxKeys: cfg.Store.MaxKeys, MaxMarks: cfg.Store.MaxMarks})
	if err != nil {
		return nil, atField("store", err)
	}
	return &env{log: slog.New(slog.DiscardHandler), metrics: m, store: mem, offline: true}, nil
}
