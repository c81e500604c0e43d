package sampleapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// API is one instance of the sample API with its own database. It is safe
// for concurrent use.
type API struct {
	cfg     Config
	log     *slog.Logger
	store   *store
	secret  []byte
	lockout *lockout // nil in vulnerable mode
	// requests and loginFailures are the per-client limits; nil in
	// vulnerable mode.
	requests      *clientLimiter
	loginFailures *clientLimiter
	files         *fileStore
	webhooks      *http.Client
	handler       http.Handler
}

// New builds an API: it validates cfg, creates and seeds a private in-memory
// database, and wires the routes. Call Close to release the database.
func New(cfg Config) (*API, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("configuring the sample api: %w", err)
	}
	st, err := openStore(context.Background(), cfg.Hardened)
	if err != nil {
		return nil, fmt.Errorf("opening the sample api database: %w", err)
	}
	files, err := openFileStore()
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	a := &API{
		cfg:      cfg,
		log:      cfg.Logger,
		store:    st,
		secret:   []byte(cfg.JWTSecret),
		files:    files,
		webhooks: newWebhookClient(cfg.Hardened),
	}
	if cfg.Hardened {
		a.lockout = newLockout(cfg.Now)
		a.requests = newClientLimiter(rate.Limit(cfg.RequestRate), cfg.RequestBurst, cfg.Now)
		a.loginFailures = newClientLimiter(rate.Every(loginFailureEvery), loginFailureBurst, cfg.Now)
	}
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		h := rt.handler
		if rt.authed != nil {
			h = a.requireAuth(rt.authed)
		}
		mux.HandleFunc(rt.method+" "+rt.path, h)
	}
	// Anything unrouted gets a JSON 404, the same as a missing object.
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such resource")
	})
	var h http.Handler = mux
	if cfg.Hardened {
		h = a.limitRequests(mux)
	}
	// DELIBERATE FLAW (CWE-770, allocation of resources without limits;
	// OWASP API4 unrestricted resource consumption): in vulnerable mode
	// nothing limits how many requests a client sends, so one client can
	// exhaust the API for everyone, scrape it, or guess passwords and ids at
	// full speed.
	a.handler = a.logRequests(a.securityHeaders(h))
	a.log.Info("sample api ready", "mode", cfg.mode())
	return a, nil
}

// Handler returns the API's HTTP handler.
func (a *API) Handler() http.Handler { return a.handler }

// Close releases the database and removes the documents' temporary
// directory. Requests still in flight fail with 500.
func (a *API) Close() error {
	a.webhooks.CloseIdleConnections()
	return errors.Join(a.store.Close(), a.files.Close())
}

// authedHandler serves a request whose bearer token has been verified.
type authedHandler func(w http.ResponseWriter, r *http.Request, p principal)

// route is one operation. Exactly one of handler and authed is set.
type route struct {
	method, path string
	handler      http.HandlerFunc // public
	authed       authedHandler    // needs a valid bearer token
	// undocumented routes are left out of the OpenAPI spec on purpose.
	undocumented bool
}

// routes lists every operation of this configuration.
func (a *API) routes() []route {
	rs := []route{
		{method: "GET", path: "/api/healthz", handler: a.healthz},
		{method: "POST", path: "/api/login", handler: a.login},
		{method: "GET", path: "/api/stream", handler: a.stream},
		{method: "GET", path: "/api/items", authed: a.listItems},
		{method: "POST", path: "/api/items", authed: a.createItem},
		{method: "GET", path: "/api/items/{id}", authed: a.getItem},
		{method: "PUT", path: "/api/items/{id}", authed: a.updateItem},
		{method: "GET", path: "/api/search", authed: a.search},
		{method: "GET", path: "/api/users/me", authed: a.getMe},
		{method: "PATCH", path: "/api/users/me", authed: a.updateMe},
		{method: "GET", path: "/api/admin/users", authed: a.adminListUsers},
		{method: "GET", path: "/api/orders", authed: a.listOrders},
		{method: "GET", path: "/api/orders/{id}", authed: a.getOrder},
		{method: "GET", path: "/api/report", authed: a.report},
		{method: "GET", path: "/api/files", authed: a.getFile},
		{method: "POST", path: "/api/webhooks/test", authed: a.testWebhook},
		{method: "GET", path: "/api/preview", handler: a.preview},
	}
	if !a.cfg.Hardened {
		// DELIBERATE FLAW (CWE-489, active debug code; OWASP API9 improper
		// inventory management): a forgotten, undocumented and
		// unauthenticated debug endpoint that dumps the configuration,
		// JWT signing key included.
		rs = append(rs, route{method: "GET", path: "/api/debug/vars", handler: a.debugVars, undocumented: true})
	}
	return rs
}

func (a *API) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// securityHeaders sets the response headers that differ between the modes.
func (a *API) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if a.cfg.Hardened {
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cache-Control", "no-store")
		} else {
			// DELIBERATE FLAW (CWE-200, exposure of sensitive information;
			// fingerprinting): banners name the software and its language.
			h.Set("Server", "sampleapi/1.0")
			h.Set("X-Powered-By", "Go")
		}
		next.ServeHTTP(w, r)
	})
}

// logRequests logs one line per request. It logs the path but not the query
// string or headers, which may carry credentials.
func (a *API) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		a.log.InfoContext(r.Context(), "request",
			"method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start))
	})
}

// statusRecorder remembers the status code. Unwrap lets
// http.ResponseController reach the real writer's Flush for the SSE stream.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
