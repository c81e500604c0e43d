package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// discardWriter is a minimal ResponseWriter reused across iterations, so the
// benchmark measures the proxies and not a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkProxyGET compares the Rampart proxy (breaker, health, hygiene,
// stack-trace peek off the 2xx path) against a bare httputil.ReverseProxy
// with an equally tuned transport, both to the same loopback upstream.
func BenchmarkProxyGET(b *testing.B) {
	payload := []byte(`{"id":7,"name":"widget","price":1299,"tags":["a","b"]}`)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Server", "bench")
		_, _ = w.Write(payload)
	}))
	defer up.Close()

	p, err := New("bench", Config{Upstreams: []string{up.URL}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	target, _ := url.Parse(up.URL)
	s, _ := resolve(Config{Upstreams: []string{up.URL}})
	bareTransport := newTransport(s)
	defer bareTransport.CloseIdleConnections()
	bare := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: bareTransport,
	}

	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"rampart", p}, {"bare_reverseproxy", bare}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "http://gateway.test/items/7?fields=name", nil)
			req.RemoteAddr = "192.0.2.10:4711"
			req.Header.Set("User-Agent", "bench")
			req.Header.Set("Accept", "application/json")
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.status = 0
				bc.h.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
