package pipeline

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// observerGuard records the upstream statuses it is shown.
type observerGuard struct {
	funcGuard
	statuses []int
	ids      []string
	err      error
}

func (g *observerGuard) ObserveResponse(r *http.Request, resp *http.Response) error {
	g.statuses = append(g.statuses, resp.StatusCode)
	g.ids = append(g.ids, RequestID(r))
	return g.err
}

var _ ResponseObserver = (*observerGuard)(nil)

// newProxiedChain puts a Chain with the given stages in front of upstream via
// a real httputil.ReverseProxy whose ModifyResponse is Chain.ObserveResponse.
func newProxiedChain(t *testing.T, upstream http.Handler, stages []Stage) (*httptest.Server, *sink) {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	target, err := url.Parse(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	var chain *Chain
	proxy := &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		ModifyResponse: func(resp *http.Response) error { return chain.ObserveResponse(resp) },
		ErrorLog:       log.New(io.Discard, "", 0),
	}
	chain, snk := newTestChain(t, Options{Stages: stages, Next: proxy})
	srv := httptest.NewServer(chain)
	t.Cleanup(srv.Close)
	return srv, snk
}

func TestChainObserveResponseThroughReverseProxy(t *testing.T) {
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})
	bruteforce := &observerGuard{funcGuard: funcGuard{name: "bruteforce"}}
	plain := &funcGuard{name: "authn"}
	dlp := &observerGuard{funcGuard: funcGuard{name: "dlp"}}
	srv, snk := newProxiedChain(t, upstream, []Stage{{Guard: bruteforce}, {Guard: plain}, {Guard: dlp}})

	resp, err := srv.Client().Post(srv.URL+"/login", "application/json", strings.NewReader(`{"user":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	o := snk.await(t)

	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want the upstream 401", resp.StatusCode)
	}
	for _, g := range []*observerGuard{bruteforce, dlp} {
		if !slices.Equal(g.statuses, []int{401}) || !slices.Equal(g.ids, []string{o.RequestID}) {
			t.Errorf("%s observed statuses %v ids %v; want [401] for request %s", g.name, g.statuses, g.ids, o.RequestID)
		}
	}
}

func TestChainObserveResponseErrorBlocksResponse(t *testing.T) {
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"card":"4111111111111111"}`)
	})
	dlp := &observerGuard{funcGuard: funcGuard{name: "dlp"}, err: errors.New("card number in response")}
	after := &observerGuard{funcGuard: funcGuard{name: "inventory"}}
	srv, _ := newProxiedChain(t, upstream, []Stage{{Guard: dlp}, {Guard: after}})

	resp, err := srv.Client().Get(srv.URL + "/orders/1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	if resp.StatusCode != http.StatusBadGateway || strings.Contains(string(body), "4111") {
		t.Errorf("status = %d, body = %q; want 502 without the upstream body", resp.StatusCode, body)
	}
	if len(after.statuses) != 0 {
		t.Errorf("observer after the failing one ran: %v", after.statuses)
	}
}

func TestChainObserveResponseWithoutRequest(t *testing.T) {
	g := &observerGuard{funcGuard: funcGuard{name: "dlp"}, err: errors.New("must not be called")}
	c, _ := newTestChain(t, Options{Stages: []Stage{{Guard: g}}})
	if err := c.ObserveResponse(&http.Response{StatusCode: 200}); err != nil || len(g.statuses) != 0 {
		t.Errorf("ObserveResponse(no request) = %v, observed %v; want nil and no call", err, g.statuses)
	}
}

// TestObserveResponseSharedProxy runs the composition root's shape: one
// ReverseProxy whose ModifyResponse is the package-level ObserveResponse,
// behind two chains (one per route). Each response reaches only the
// observers of the chain that admitted its request.
func TestObserveResponseSharedProxy(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer up.Close()
	target, err := url.Parse(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		ModifyResponse: ObserveResponse,
	}
	loginObs := &observerGuard{funcGuard: funcGuard{name: "bruteforce"}}
	ordersObs := &observerGuard{funcGuard: funcGuard{name: "dlp"}}
	login, loginSink := newTestChain(t, Options{Stages: []Stage{{Guard: loginObs}}, Next: proxy})
	orders, ordersSink := newTestChain(t, Options{Stages: []Stage{{Guard: ordersObs}}, Next: proxy})
	mux := http.NewServeMux()
	mux.Handle("/login", login)
	mux.Handle("/orders", orders)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/login", "/orders", "/login"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	loginIDs := []string{loginSink.await(t).RequestID, loginSink.await(t).RequestID}
	orderID := ordersSink.await(t).RequestID

	if !slices.Equal(loginObs.statuses, []int{401, 401}) || !slices.Equal(loginObs.ids, loginIDs) {
		t.Errorf("login observer saw %v %v; want two 401s for %v", loginObs.statuses, loginObs.ids, loginIDs)
	}
	if !slices.Equal(ordersObs.statuses, []int{200}) || !slices.Equal(ordersObs.ids, []string{orderID}) {
		t.Errorf("orders observer saw %v %v; want one 200 for %s", ordersObs.statuses, ordersObs.ids, orderID)
	}
}

func TestObserveResponseOutsideChain(t *testing.T) {
	for name, resp := range map[string]*http.Response{
		"nil response":  nil,
		"no request":    {StatusCode: 200},
		"plain request": {StatusCode: 200, Request: httptest.NewRequest(http.MethodGet, "/", nil)},
	} {
		if err := ObserveResponse(resp); err != nil {
			t.Errorf("%s: ObserveResponse = %v, want nil", name, err)
		}
	}
}
