package objects_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/proxy"
	"github.com/rampartsec/rampart/internal/sampleapi"
	"github.com/rampartsec/rampart/internal/store"
)

// Routes of the test gateway, one chain each, as the gateway builds them.
var (
	routeItems  = pipeline.Route{API: "sample", Route: "items"}
	routeOrders = pipeline.Route{API: "sample", Route: "orders"}
	routeOther  = pipeline.Route{API: "sample", Route: "other"}
)

// sampleRules protects the sample API's items and orders: items are
// learned from creates, lists, and the orders that name them; orders from
// their list. Admins see everything.
func sampleRules() []objects.Rule {
	return []objects.Rule{
		{
			Route:        routeItems,
			PathTemplate: "/api/items/{id}",
			Param:        "id",
			Namespace:    "item",
			Learn: []objects.LearnRule{
				{Route: routeItems, Methods: []string{"POST"}, IDPointer: "/id"},
				{Route: routeItems, Methods: []string{"GET"}, ListPointer: "/items", ItemIDPointer: "/id"},
				{Route: routeOrders, Methods: []string{"GET"}, IDPointer: "/item_id"},
				{Route: routeOrders, Methods: []string{"GET"}, ListPointer: "/orders", ItemIDPointer: "/item_id"},
			},
			OverrideRoles: []string{"admin"},
		},
		{
			Route:        routeOrders,
			PathTemplate: "/api/orders/{id}",
			Param:        "id",
			Namespace:    "order",
			Learn: []objects.LearnRule{
				{Route: routeOrders, Methods: []string{"GET"}, ListPointer: "/orders", ItemIDPointer: "/id"},
			},
			OverrideRoles: []string{"admin"},
		},
	}
}

// jwtIdentity stands in for the authn guard: it verifies the sample API's
// HS256 tokens with its (weak) key and sets the Identity from sub and role.
type jwtIdentity struct{}

func (jwtIdentity) Name() string { return "authn" }

func (jwtIdentity) Check(r *http.Request) (*http.Request, error) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return r, nil
	}
	var claims struct {
		Role string `json:"role"`
		jwt.RegisteredClaims
	}
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return []byte(sampleapi.WeakJWTSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}))
	if err != nil {
		return r, nil // the upstream answers 401
	}
	id := &pipeline.Identity{Subject: claims.Subject, Method: "jwt"}
	if claims.Role != "" {
		id.Roles = []string{claims.Role}
	}
	pipeline.SetIdentity(r, id)
	return r, nil
}

// mintToken signs a sample API token for any subject and role.
func mintToken(t testing.TB, subject, role string) string {
	t.Helper()
	claims := jwt.MapClaims{"sub": subject, "exp": time.Now().Add(time.Hour).Unix()}
	if role != "" {
		claims["role"] = role
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(sampleapi.WeakJWTSecret))
	if err != nil {
		t.Fatalf("signing a token: %v", err)
	}
	return tok
}

// env is the sample API behind a real gateway: per-route chains (the test
// authn, then the objects guard), the real proxy, a memory store.
type env struct {
	t        *testing.T
	api      string // the sample API, direct
	gw       string // the gateway
	guard    *objects.Guard
	store    *store.Memory
	clock    *pipelinetest.Clock
	rec      *pipelinetest.Recorder
	denied   map[string]int
	deniedMu sync.Mutex
	client   *http.Client
}

type envOptions struct {
	rules []objects.Rule
	mode  pipeline.Mode
	cfg   objects.Config
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	api, err := sampleapi.Start(ctx, sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting the sample api: %v", err)
	}
	t.Cleanup(func() { _ = api.Close() })

	e := &env{t: t, api: api.URL(), clock: pipelinetest.NewClock(time.Now()), rec: pipelinetest.NewRecorder(), denied: map[string]int{},
		client: &http.Client{Timeout: 10 * time.Second}}
	e.store, err = store.NewMemory(store.MemoryConfig{Now: e.clock.Now})
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	cfg := o.cfg
	if cfg.Rules == nil {
		cfg.Rules = sampleRules()
	}
	if o.rules != nil {
		cfg.Rules = o.rules
	}
	e.guard, err = objects.New(cfg, objects.Options{
		Marks: e.store,
		Now:   e.clock.Now,
		OnDenied: func(ns, rule string) {
			e.deniedMu.Lock()
			e.denied[ns+"/"+rule]++
			e.deniedMu.Unlock()
		},
	})
	if err != nil {
		t.Fatalf("objects.New: %v", err)
	}
	e.gw = startGateway(t, api.URL(), e.guard, o.mode, e.rec, e.clock.Now)
	return e
}

// startGateway serves upstream through per-route chains (the test authn,
// then g) and the real proxy, and returns the gateway's URL.
func startGateway(t *testing.T, upstream string, g *objects.Guard, mode pipeline.Mode, rec *pipelinetest.Recorder, now func() time.Time) string {
	t.Helper()
	px, err := proxy.New("sample", proxy.Config{Upstreams: []string{upstream}},
		proxy.Options{ObserveResponse: pipeline.ObserveResponse})
	if err != nil {
		t.Fatalf("proxy.New: %v", err)
	}
	t.Cleanup(func() { _ = px.Close() })
	chain := func(route pipeline.Route) http.Handler {
		c, err := pipeline.NewChain(pipeline.Options{
			Route:    route,
			Stages:   []pipeline.Stage{{Guard: jwtIdentity{}}, {Guard: g, Mode: mode}},
			Next:     px,
			Outcomes: []pipeline.OutcomeSink{rec},
			Events:   []pipeline.EventSink{rec},
			Now:      now,
		})
		if err != nil {
			t.Fatalf("NewChain: %v", err)
		}
		return c
	}
	items, orders, other := chain(routeItems), chain(routeOrders), chain(routeOther)
	// A prefix router, as the gateway's: the route decides the chain.
	router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := strings.ToLower(r.URL.Path); {
		case strings.HasPrefix(p, "/api/orders"):
			orders.ServeHTTP(w, r)
		case strings.HasPrefix(p, "/api/login"):
			other.ServeHTTP(w, r)
		default:
			items.ServeHTTP(w, r)
		}
	})
	gw := httptest.NewServer(router)
	t.Cleanup(gw.Close)
	return gw.URL
}

// response is a fully read response.
type response struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
	return m
}

// do sends a request to base+path (the gateway or the API).
func (e *env) do(base, method, path, token string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		e.t.Fatalf("request %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("reading %s %s: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data, requestID: resp.Header.Get("X-Request-Id")}
}

// gateway and direct send through the gateway and straight to the API.
func (e *env) gateway(method, path, token string, body any, header ...string) response {
	e.t.Helper()
	return e.do(e.gw, method, path, token, body, header...)
}

func (e *env) direct(method, path, token string, body any) response {
	e.t.Helper()
	return e.do(e.api, method, path, token, body)
}

// login returns a token of a seeded user, logging in through the gateway.
func (e *env) login(user, password string) string {
	e.t.Helper()
	r := e.gateway("POST", "/api/login", "", map[string]string{"username": user, "password": password})
	if r.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", user, r.status, r.body)
	}
	tok, _ := r.json(e.t)["token"].(string)
	if tok == "" {
		e.t.Fatalf("login %s: no token in %s", user, r.body)
	}
	return tok
}

func (e *env) alice() string { return e.login("alice", "alice-password-1") }
func (e *env) bob() string   { return e.login("bob", "bob-password-2") }
func (e *env) admin() string { return e.login("admin", "admin-password-3") }

// wantStatus fails unless r has the status.
func wantStatus(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d (body %s)", what, r.status, status, r.body)
	}
}

// wantForbidden checks the uniform 403 problem.
func wantForbidden(t *testing.T, what string, r response) {
	t.Helper()
	wantStatus(t, what, r, http.StatusForbidden)
	if ct := r.header.Get("Content-Type"); ct != pipeline.ProblemContentType {
		t.Fatalf("%s: content-type %q, want problem+json", what, ct)
	}
	m := r.json(t)
	if m["type"] != "urn:rampart:problem:forbidden" || m["detail"] != objects.PublicMessage {
		t.Fatalf("%s: problem %v, want forbidden / %q", what, m, objects.PublicMessage)
	}
}

// itemIDs lists the ids of {"items": [...]}.
func itemIDs(t *testing.T, r response) []string {
	t.Helper()
	var list struct {
		Items []struct {
			ID json.Number `json:"id"`
		} `json:"items"`
	}
	d := json.NewDecoder(bytes.NewReader(r.body))
	d.UseNumber()
	if err := d.Decode(&list); err != nil {
		t.Fatalf("decoding the item list %q: %v", r.body, err)
	}
	ids := make([]string, 0, len(list.Items))
	for _, it := range list.Items {
		ids = append(ids, it.ID.String())
	}
	return ids
}
