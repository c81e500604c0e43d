package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rampartsec/rampart/internal/admin"
	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/metrics"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/server"
)

// RunOptions configures Run and Start.
type RunOptions struct {
	// ConfigPath is the YAML file; it is read again on every reload.
	ConfigPath string
	// Config, when set, is used instead of reading ConfigPath at start (the
	// demo builds its configuration in memory). Reloads still read ConfigPath
	// when it is set.
	Config *config.Config
	// DevTLS forces a generated self-signed certificate (and an HTTPS
	// listener on devTLSAddr, loopback only, when none is configured).
	DevTLS bool
	// Stdout receives the access log and Stderr the process log when the
	// configuration says stdout/stderr; nil means the process's own.
	Stdout, Stderr io.Writer
	// Outcomes and Events are extra sinks that receive every request's
	// Outcome and every security Event (the demo uses them to say which
	// guard stopped which attack). They must not block.
	Outcomes []pipeline.OutcomeSink
	Events   []pipeline.EventSink
}

// Service is a running gateway: listeners, admin endpoint and the current
// configuration generation.
type Service struct {
	opts    RunOptions
	env     *env
	sinks   *sinkSet
	srv     *server.Server
	admin   *http.Server
	adminLn net.Listener

	mu  sync.Mutex // serialises reloads
	gen *generation

	// draining makes /readyz fail as soon as shutdown starts, so a load
	// balancer stops sending new requests while in-flight ones finish.
	draining atomic.Bool
}

// Run starts the gateway and serves until ctx is done (SIGTERM, Ctrl+C),
// reloading on SIGHUP; then it drains in-flight requests and returns.
func Run(ctx context.Context, opts RunOptions) error {
	// Take over SIGHUP before anything listens: once the port answers, a
	// supervisor may send it at any moment, and its default action would
	// kill the process. A SIGHUP during start-up just reloads afterwards.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	svc, err := Start(opts)
	if err != nil {
		return err
	}
	failed := make(chan error, 1)
	go func() { failed <- svc.srv.Wait() }()
	for {
		select {
		case <-hup:
			_ = svc.Reload() // logged, counted and recorded as an Event
		case err := <-failed:
			_ = svc.Shutdown(context.Background())
			if err != nil {
				return fmt.Errorf("listener failed: %w", err)
			}
			return nil
		case <-ctx.Done():
			return svc.Shutdown(context.Background())
		}
	}
}

// Start loads the configuration, builds the gateway and starts its
// listeners. Bind errors are returned synchronously. A failure the
// configuration causes (a certificate that does not parse, an environment
// variable that is not set) is config.Errors, located like a validation
// error and the same as Check reports.
func Start(opts RunOptions) (*Service, error) {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	cfg := opts.Config
	if cfg == nil {
		var err error
		if cfg, err = config.Load(opts.ConfigPath); err != nil {
			return nil, err
		}
	}
	applyFlags(cfg, opts)
	s, err := start(cfg, opts)
	return s, configError(cfg, err)
}

func start(cfg *config.Config, opts RunOptions) (*Service, error) {
	log := newLogger(opts.Stderr, cfg.Logging.Level)
	reg := metrics.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		return nil, err
	}
	sinks, err := openSinks(cfg, opts.Stdout, opts.Stderr)
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg, log, m)
	if err != nil {
		sinks.close()
		return nil, err
	}
	e := &env{log: log, metrics: m, store: st,
		outcomes: append(append(sinks.outcomes, m), opts.Outcomes...),
		events:   append(append(sinks.events, m), opts.Events...)}
	if e.audit, err = openAudit(cfg, e); err != nil {
		_ = st.Close()
		sinks.close()
		return nil, err
	}
	if e.audit != nil {
		e.outcomes = append(e.outcomes, e.audit)
		e.events = append(e.events, e.audit)
	}
	if err := e.addDenialBans(cfg); err != nil {
		e.closeAudit()
		_ = st.Close()
		sinks.close()
		return nil, err
	}
	gen, err := build(cfg, e)
	if err != nil {
		e.closeAudit()
		_ = st.Close()
		sinks.close()
		return nil, err
	}
	e.adoptShedder(gen)
	s := &Service{opts: opts, env: e, sinks: sinks, gen: gen}
	started := false
	defer func() {
		if !started { // undo a half start
			s.stopAdmin(context.Background())
			gen.close()
			e.closeAudit()
			_ = st.Close()
			sinks.close()
		}
	}()
	hooks := server.Hooks{ConnOpened: m.ConnOpened, ConnClosed: m.ConnClosed, ConnRejected: func(netip.Addr) { m.ConnRejected() }}
	if s.srv, err = newServer(cfg, gen, log, hooks); err != nil {
		return nil, err
	}
	if err := s.startAdmin(cfg, reg); err != nil {
		return nil, err
	}
	if err := s.srv.Start(); err != nil {
		return nil, err
	}
	started = true
	log.Info("rampart started", "http", s.srv.HTTPAddr(), "https", s.srv.HTTPSAddr(), "admin", s.AdminAddr(), "apis", len(cfg.APIs))
	s.event(pipeline.Event{Kind: "gateway.start", Severity: pipeline.SeverityInfo, Message: "gateway started"})
	return s, nil
}

// applyFlags lets command-line flags override the file.
func applyFlags(cfg *config.Config, opts RunOptions) {
	if opts.DevTLS {
		cfg.Listen.TLS.Dev = true
		cfg.Listen.TLS.CertFile, cfg.Listen.TLS.KeyFile = "", ""
		if cfg.Listen.HTTPS == "" {
			cfg.Listen.HTTPS = devTLSAddr
		}
	}
}

// devTLSAddr is the HTTPS address --dev-tls binds when the file sets none:
// loopback, because a self-signed development certificate has no business
// answering on every interface.
const devTLSAddr = "127.0.0.1:8443"

func (s *Service) startAdmin(cfg *config.Config, reg prometheus.Gatherer) error {
	a, err := newAdmin(cfg, admin.Options{Gatherer: reg, Logger: s.env.log, Ready: s.ready,
		Lists: s.adminLists(), OnAction: s.adminAction})
	if a == nil || err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Admin.Listen)
	if err != nil {
		return fmt.Errorf("admin.listen: %w", err)
	}
	s.adminLn = ln
	s.admin = &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(s.env.log.Handler(), slog.LevelDebug)}
	go func() { _ = s.admin.Serve(ln) }()
	return nil
}

// newAdmin builds the admin handler with the token the configuration
// names; nil when admin.listen is off.
func newAdmin(cfg *config.Config, opts admin.Options) (*admin.Admin, error) {
	if cfg.Admin.Listen == "off" {
		return nil, nil
	}
	token, err := secretAt("admin.token", cfg.Admin.TokenEnv, cfg.Admin.TokenFile)
	if err != nil {
		return nil, err
	}
	opts.Token = token
	a, err := admin.New(opts)
	if err != nil {
		field := "admin"
		if token != "" { // what New checks of the configuration is the token
			field = secretField("admin.token", cfg.Admin.TokenEnv)
		}
		return nil, atFieldTrim(field, "admin: ", err)
	}
	return a, nil
}

func (s *Service) stopAdmin(ctx context.Context) {
	if s.admin != nil {
		_ = s.admin.Shutdown(ctx)
	}
}

// currentConfig returns the configuration now serving.
func (s *Service) currentConfig() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen.cfg
}

// ready is the admin /readyz check: serving once started.
func (s *Service) ready() error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	// With on_audit_failure: refuse every request gets 503 while the audit
	// log fails: tell the load balancer too.
	if a := s.env.audit; a != nil && s.currentConfig().Audit.OnAuditFailure == "refuse" {
		if err := a.Healthy(); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen == nil {
		return errors.New("no configuration loaded")
	}
	return nil
}

// HTTPAddr, HTTPSAddr and AdminAddr return the bound addresses ("" when off).
func (s *Service) HTTPAddr() string  { return s.srv.HTTPAddr() }
func (s *Service) HTTPSAddr() string { return s.srv.HTTPSAddr() }
func (s *Service) AdminAddr() string {
	if s.adminLn == nil {
		return ""
	}
	return s.adminLn.Addr().String()
}

// Reload reads the configuration file again and swaps it in atomically. An
// invalid file is refused: the running configuration keeps serving, and the
// reason is logged, counted and recorded as an Event. Listener settings
// (addresses, TLS versions, timeouts) need a restart; certificate files are
// re-read.
func (s *Service) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Certificates are renewed on their own schedule: re-read them whether
	// or not the configuration file is valid. A broken pair keeps the old one.
	if err := s.srv.ReloadCertificates(); err != nil {
		s.env.log.Error("certificate reload refused; the current certificate stays", "error", err)
		s.event(pipeline.Event{Kind: "tls.reload", Severity: pipeline.SeverityHigh, Message: "certificate reload refused"})
	}
	// logrotate's postrotate sends SIGHUP: reopen the log files so writes go
	// to the new files instead of the renamed ones.
	if err := s.sinks.reopen(); err != nil {
		s.env.log.Error("reopening log files", "error", err)
	}
	err := s.reload()
	s.env.metrics.Reload(err == nil)
	if err != nil {
		s.env.log.Error("configuration reload refused; the running configuration keeps serving", "error", err)
		s.event(pipeline.Event{Kind: "config.reload", Severity: pipeline.SeverityMedium, Message: "configuration reload refused"})
		return err
	}
	s.env.log.Info("configuration reloaded", "config", s.opts.ConfigPath)
	s.event(pipeline.Event{Kind: "config.reload", Severity: pipeline.SeverityInfo, Message: "configuration reloaded"})
	return nil
}

func (s *Service) reload() error {
	if s.opts.ConfigPath == "" {
		return errors.New("no configuration file to reload")
	}
	cfg, err := config.Load(s.opts.ConfigPath)
	if err != nil {
		return err
	}
	applyFlags(cfg, s.opts)
	if changed := restartOnlyChanges(s.gen.cfg, cfg); len(changed) > 0 {
		s.env.log.Warn("settings changed that take effect only after a restart", "sections", changed)
	}
	gen, err := build(cfg, s.env)
	if err != nil {
		return configError(cfg, err)
	}
	old := s.gen
	s.srv.SetHandler(gen)
	s.gen = gen
	s.env.adoptShedder(gen)
	old.close()
	return nil
}

// Shutdown stops accepting connections and drains in-flight requests,
// bounded by listen.timeouts.shutdown and ctx.
func (s *Service) Shutdown(ctx context.Context) error {
	s.env.log.Info("rampart shutting down")
	s.draining.Store(true)
	err := s.srv.Shutdown(ctx)
	s.stopAdmin(ctx)
	s.mu.Lock()
	s.gen.close()
	s.mu.Unlock()
	s.event(pipeline.Event{Kind: "gateway.stop", Severity: pipeline.SeverityInfo, Message: "gateway stopped"})
	s.env.closeAudit()
	_ = s.env.store.Close()
	s.sinks.close()
	return err
}

// event records a gateway-level Event (start, stop, reload) in every sink.
func (s *Service) event(e pipeline.Event) {
	e.Time = time.Now()
	for _, sink := range s.env.events {
		sink.WriteEvent(&e)
	}
}
