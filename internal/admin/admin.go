package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Options configures the admin handler.
type Options struct {
	// Gatherer is what /metrics exposes (a *prometheus.Registry). Required.
	Gatherer prometheus.Gatherer
	// Ready reports whether the gateway can serve traffic: nil means ready,
	// an error says why not (logged, never sent). Nil means always ready.
	Ready func() error
	// Logger receives readiness failures and metric gathering errors; nil
	// discards.
	Logger *slog.Logger
	// Token authenticates the /admin/ API (Authorization: Bearer TOKEN).
	// Empty disables the API: only /metrics, /healthz and /readyz answer.
	Token string
	// Lists are the mark lists the API manages, by URL name: "bans",
	// "revocations". Nil entries are absent endpoints.
	Lists map[string]MarkList
	// OnAction is told about every change made through the API, for the
	// audit log and events. Nil is fine.
	OnAction func(action string, fields map[string]string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// scrapeTimeout bounds one /metrics request, so a stuck collector cannot
// pile up scrapes.
const scrapeTimeout = 10 * time.Second

// maxConcurrentScrapes bounds parallel /metrics requests; more get a 503.
const maxConcurrentScrapes = 4

// Admin is the admin listener's handler. Build it with New.
type Admin struct {
	metrics  http.Handler
	ready    func() error
	log      *slog.Logger
	mux      http.Handler
	token    string
	lists    map[string]MarkList
	onAction func(string, map[string]string)
	now      func() time.Time
}

// New validates opts and builds the handler.
func New(opts Options) (*Admin, error) {
	if opts.Gatherer == nil {
		return nil, errors.New("admin: a metrics gatherer is required")
	}
	if opts.Token != "" && len(opts.Token) < minTokenLen {
		return nil, fmt.Errorf("admin: the admin token must be at least %d characters", minTokenLen)
	}
	a := &Admin{ready: opts.Ready, log: opts.Logger, token: opts.Token, lists: opts.Lists, onAction: opts.OnAction, now: opts.Now}
	if a.now == nil {
		a.now = time.Now
	}
	if a.onAction == nil {
		a.onAction = func(string, map[string]string) {}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.ready == nil {
		a.ready = func() error { return nil }
	}
	a.metrics = promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{
		ErrorLog: promLogger{a.log},
		// A failing collector must not hide every other metric.
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: maxConcurrentScrapes,
		Timeout:             scrapeTimeout,
		EnableOpenMetrics:   true,
	})
	a.mux = a.routes()
	return a, nil
}

// Handler returns the handler to serve on the admin listener.
func (a *Admin) Handler() http.Handler { return a.mux }

// route is one admin endpoint: GET (and so HEAD) only.
type route struct {
	path    string
	handler http.Handler
}

func (a *Admin) routes() http.Handler {
	table := []route{
		{"/metrics", a.metrics},
		{"/healthz", http.HandlerFunc(a.healthz)},
		{"/readyz", http.HandlerFunc(a.readyz)},
	}
	api := a.apiHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/admin/") {
			api.ServeHTTP(w, r)
			return
		}
		for _, rt := range table {
			if r.URL.Path != rt.path {
				continue
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				pipeline.WriteProblem(w, r, http.StatusMethodNotAllowed, "method_not_allowed",
					"This endpoint only supports GET.")
				return
			}
			rt.handler.ServeHTTP(w, r)
			return
		}
		pipeline.WriteProblem(w, r, http.StatusNotFound, "not_found", "No such admin endpoint.")
	})
}

// healthz is liveness: if this answers, the process is alive.
func (a *Admin) healthz(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, `{"status":"ok"}`)
}

// readyz is readiness: load balancers and Kubernetes stop sending traffic
// while it fails. The cause can name internal hosts (a Redis address), so it
// goes to the log and the response stays generic (CWE-209).
func (a *Admin) readyz(w http.ResponseWriter, r *http.Request) {
	if err := a.ready(); err != nil {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.Any("error", err))
		pipeline.WriteProblem(w, r, http.StatusServiceUnavailable, "not_ready",
			"The gateway is not ready to serve traffic.")
		return
	}
	writeStatus(w, `{"status":"ready"}`)
}

func writeStatus(w http.ResponseWriter, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body + "\n"))
}

// promLogger adapts slog to promhttp's Println logger.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error("gathering metrics", slog.Any("error", v))
}
