package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHSTSOnlyOnHTTPS(t *testing.T) {
	s := startServer(t, Config{
		HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0", DevTLS: true,
		HSTS: HSTS{Enabled: true, MaxAgeSeconds: 600, IncludeSubDomains: true},
	}, textHandler("ok"))
	roots := poolOf(s)
	c := newClient(t, roots)

	resp, _, err := get(c, "https://"+s.HTTPSAddr()+"/")
	if err != nil {
		t.Fatalf("HTTPS GET: %v", err)
	}
	if got, want := resp.Header.Get("Strict-Transport-Security"), "max-age=600; includeSubDomains"; got != want {
		t.Errorf("HTTPS Strict-Transport-Security = %q, want %q", got, want)
	}

	resp, _, err = get(c, "http://"+s.HTTPAddr()+"/")
	if err != nil {
		t.Fatalf("HTTP GET: %v", err)
	}
	if got := resp.Header.Values("Strict-Transport-Security"); len(got) != 0 {
		t.Errorf("HTTP response carries Strict-Transport-Security %q; RFC 6797 forbids it", got)
	}
}

func TestHSTSDefaultMaxAge(t *testing.T) {
	s := startServer(t, Config{HTTPSAddr: "127.0.0.1:0", DevTLS: true, HSTS: HSTS{Enabled: true}}, textHandler("ok"))
	resp, _, err := get(newClient(t, poolOf(s)), "https://"+s.HTTPSAddr()+"/")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	if got, want := resp.Header.Get("Strict-Transport-Security"), "max-age=31536000"; got != want {
		t.Errorf("Strict-Transport-Security = %q, want %q", got, want)
	}
}

func TestRedirectHTTP(t *testing.T) {
	s := startServer(t, Config{
		HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0", DevTLS: true, RedirectHTTP: true,
	}, textHandler("ok"))
	_, httpsPort, _ := net.SplitHostPort(s.HTTPSAddr())
	c := newClient(t, poolOf(s))

	tests := []struct {
		name, method, host, target, want string
	}{
		{name: "path and query kept", method: http.MethodGet, target: "/a/b?q=1&x=%20y",
			want: "https://127.0.0.1:" + httpsPort + "/a/b?q=1&x=%20y"},
		{name: "post keeps method via 308", method: http.MethodPost, target: "/login",
			want: "https://127.0.0.1:" + httpsPort + "/login"},
		{name: "host header name", method: http.MethodGet, host: "api.example.com:8080", target: "/",
			want: "https://api.example.com:" + httpsPort + "/"},
		{name: "escaped path kept", method: http.MethodGet, target: "/a%2Fb/c",
			want: "https://127.0.0.1:" + httpsPort + "/a%2Fb/c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://"+s.HTTPAddr()+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusPermanentRedirect {
				t.Errorf("status = %d, want 308", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != tt.want {
				t.Errorf("Location = %q, want %q", got, tt.want)
			}
		})
	}

	// Following the redirect lands on the HTTPS listener.
	follow := newClient(t, poolOf(s))
	follow.CheckRedirect = nil
	resp, body, err := get(follow, "http://"+s.HTTPAddr()+"/x")
	if err != nil || resp.StatusCode != http.StatusOK || body != "ok" || resp.TLS == nil {
		t.Errorf("following redirect: err=%v resp=%v body=%q", err, resp, body)
	}
}

func TestRedirectTarget(t *testing.T) {
	tests := []struct {
		name, host, fallback, port, path, query string
		want                                    string // "": rejected
	}{
		{name: "name with port", host: "a.example:80", port: "8443", path: "/p", query: "q=1", want: "https://a.example:8443/p?q=1"},
		{name: "default port omitted", host: "a.example", port: "443", path: "/p", want: "https://a.example/p"},
		{name: "ipv6 with port", host: "[::1]:80", port: "8443", path: "/", want: "https://[::1]:8443/"},
		{name: "ipv6 bare brackets", host: "[::1]", port: "443", path: "/", want: "https://[::1]/"},
		{name: "empty host uses local addr", host: "", fallback: "10.0.0.1", port: "8443", path: "/", want: "https://10.0.0.1:8443/"},
		{name: "empty path", host: "h", port: "8443", path: "", want: "https://h:8443/"},
		{name: "double slash path stays a path", host: "h", port: "8443", path: "//evil.example/x", want: "https://h:8443//evil.example/x"},
		{name: "userinfo smuggling", host: "evil.example@h", port: "8443", path: "/"},
		{name: "path smuggling", host: "evil.example/x", port: "8443", path: "/"},
		{name: "backslash", host: `evil.example\h`, port: "8443", path: "/"},
		{name: "ipv6 zone", host: "[fe80::1%eth0]:80", port: "8443", path: "/"},
		{name: "no host at all", host: "", fallback: "", port: "8443", path: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := redirectTarget(tt.host, tt.fallback, tt.port, tt.path, tt.query)
			if tt.want == "" {
				if ok {
					t.Errorf("redirectTarget accepted %q → %q, want rejection", tt.host, got)
				}
				return
			}
			if !ok || got != tt.want {
				t.Errorf("redirectTarget = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", MaxHeaderBytes: 1024}, textHandler("ok"))
	tests := []struct {
		name, request string
		wantStatus    int
	}{
		{name: "garbage request line", request: "GARBAGE\r\n\r\n", wantStatus: http.StatusBadRequest},
		{name: "bad header line", request: "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", wantStatus: http.StatusBadRequest},
		{name: "missing host", request: "GET / HTTP/1.1\r\n\r\n", wantStatus: http.StatusBadRequest},
		// Over the cap: answered by headerCapHandler.
		{name: "header one byte over the cap", request: paddedRequest(1025), wantStatus: http.StatusRequestHeaderFieldsTooLarge},
		// Beyond net/http's own limit: its answer, rewritten.
		{name: "oversized header", request: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 16<<10) + "\r\n\r\n",
			wantStatus: http.StatusRequestHeaderFieldsTooLarge},
		{name: "header exactly at the cap", request: paddedRequest(1024), wantStatus: http.StatusOK},
		{name: "well formed", request: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := dialRaw(t, s.HTTPAddr())
			if _, err := io.WriteString(conn, tt.request); err != nil {
				t.Fatalf("write: %v", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading response: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusOK {
				return
			}
			// Errors the server answers itself are problem+json, net/http's rewritten.
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var problem struct {
				Type   string `json:"type"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(body, &problem); err != nil || problem.Status != tt.wantStatus || problem.Type == "" {
				t.Errorf("body %q is not a problem with status %d: %v", body, tt.wantStatus, err)
			}
			if strings.Contains(string(body), "malformed Host") || strings.Contains(string(body), "missing required") {
				t.Errorf("body leaks parser detail: %q", body)
			}
		})
	}
}

func TestRewriteServerErrorLeavesHandlerResponsesAlone(t *testing.T) {
	handlerResp := "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nDate: Sat, 28 Nov 2026 12:00:00 GMT\r\n\r\nx"
	if _, ok := rewriteServerError([]byte(handlerResp)); ok {
		t.Error("a handler response (with Date) was rewritten")
	}
	if _, ok := rewriteServerError([]byte("HTTP/1.1 200 OK\r\n\r\n")); ok {
		t.Error("a 200 was rewritten")
	}
}

func FuzzRewriteServerError(f *testing.F) {
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"))
	f.Add([]byte("HTTP/1.1 400 Bad Request: malformed Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: malformed Host header"))
	f.Add([]byte("HTTP/1.1 4"))
	f.Fuzz(func(t *testing.T, p []byte) {
		out, ok := rewriteServerError(p)
		if !ok {
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatalf("rewritten response does not parse: %v\n%q", err, out)
		}
		body, _ := io.ReadAll(resp.Body)
		if !json.Valid(body) {
			t.Fatalf("rewritten body is not JSON: %q", body)
		}
	})
}

func TestSlowlorisDisconnected(t *testing.T) {
	s := startServer(t, Config{
		HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0", DevTLS: true,
		ReadHeaderTimeout: 200 * time.Millisecond,
	}, textHandler("ok"))

	for _, tt := range []struct{ name, addr, partial string }{
		{name: "partial headers", addr: s.HTTPAddr(), partial: "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "},
		{name: "stalled tls handshake", addr: s.HTTPSAddr(), partial: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			slow := dialRaw(t, tt.addr)
			if _, err := io.WriteString(slow, tt.partial); err != nil {
				t.Fatalf("write: %v", err)
			}

			// A well-behaved client is served while the slow one stalls.
			resp, body, err := get(newClient(t, poolOf(s)), "http://"+s.HTTPAddr()+"/")
			if err != nil || resp.StatusCode != http.StatusOK || body != "ok" {
				t.Fatalf("normal client during slowloris: err=%v body=%q", err, body)
			}

			// The server hangs up on the staller; the read deadline is only a
			// safety net far above ReadHeaderTimeout.
			if err := slow.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(io.Discard, slow)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("slow client still connected after 10s; want disconnect after ReadHeaderTimeout")
			}
		})
	}
}

func TestGracefulShutdown(t *testing.T) {
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			entered, release := make(chan struct{}), make(chan struct{})
			slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				close(entered)
				<-release
				_, _ = io.WriteString(w, "finished")
			})
			cfg := Config{HTTPAddr: "127.0.0.1:0"}
			if scheme == "https" {
				cfg = Config{HTTPSAddr: "127.0.0.1:0", DevTLS: true}
			}
			s, err := New(cfg, slow, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			addr := s.HTTPAddr() + s.HTTPSAddr() // exactly one is set
			listenersClosed := make(chan struct{})
			s.servers[0].RegisterOnShutdown(func() { close(listenersClosed) })

			type result struct {
				resp *http.Response
				body string
				err  error
			}
			inflight := make(chan result, 1)
			c := newClient(t, poolOf(s))
			go func() {
				resp, body, err := get(c, scheme+"://"+addr+"/slow")
				inflight <- result{resp, body, err}
			}()
			<-entered

			shutdownErr := make(chan error, 1)
			go func() { shutdownErr <- s.Shutdown(context.Background()) }()
			<-listenersClosed

			if conn, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
				conn.Close()
				t.Error("new connection accepted during shutdown")
			}
			close(release)
			r := <-inflight
			if r.err != nil || r.resp.StatusCode != http.StatusOK || r.body != "finished" {
				t.Errorf("in-flight request: err=%v body=%q, want 200 finished", r.err, r.body)
			}
			if scheme == "https" && r.resp != nil && r.resp.ProtoMajor != 2 {
				t.Errorf("in-flight request used %s, want HTTP/2", r.resp.Proto)
			}
			if err := <-shutdownErr; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if err := s.Wait(); err != nil {
				t.Errorf("Wait: %v", err)
			}
		})
	}
}

func TestShutdownDeadlineClosesConnections(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	blocked := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(entered)
		<-release
	})
	s, err := New(Config{HTTPAddr: "127.0.0.1:0"}, blocked, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	reqErr := make(chan error, 1)
	go func() {
		_, _, err := get(newClient(t, nil), "http://"+s.HTTPAddr()+"/")
		reqErr <- err
	}()
	<-entered

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has already passed
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want context.Canceled", err)
	}
	if err := <-reqErr; err == nil {
		t.Error("request blocked past the shutdown deadline succeeded, want connection closed")
	}
}

func TestSetHandlerUnderLoad(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"}, textHandler("A"))
	c := newClient(t, nil)
	url := "http://" + s.HTTPAddr() + "/"

	stop := make(chan struct{})
	swapperDone := make(chan struct{})
	go func() {
		defer close(swapperDone)
		handlers := []http.Handler{textHandler("A"), textHandler("B")}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				s.SetHandler(handlers[i%2])
			}
		}
	}()

	const workers, perWorker = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				resp, body, err := get(c, url)
				switch {
				case err != nil:
					errs <- err
				case resp.StatusCode != http.StatusOK || (body != "A" && body != "B"):
					errs <- fmt.Errorf("got %d %q", resp.StatusCode, body)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-swapperDone
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	s.SetHandler(nil)
	resp, _, err := get(c, url)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after SetHandler(nil): err=%v resp=%v, want 503", err, resp)
	}
}

func TestStartErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	s, err := New(Config{HTTPAddr: "127.0.0.1:0", HTTPSAddr: busy.Addr().String(), DevTLS: true}, textHandler("ok"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "HTTPSAddr") {
		t.Fatalf("Start on a busy port = %v, want an HTTPSAddr bind error", err)
	}
	if s.HTTPAddr() != "" {
		t.Error("HTTP listener left bound after a failed Start")
	}
	if err := s.Wait(); err == nil {
		t.Error("Wait on a never-started server returned nil, want error")
	}

	ok := startServer(t, Config{HTTPAddr: "127.0.0.1:0"}, textHandler("ok"))
	if err := ok.Start(); err == nil {
		t.Error("second Start succeeded, want error")
	}
}

func TestShutdownBeforeStart(t *testing.T) {
	s, err := New(Config{HTTPAddr: "127.0.0.1:0"}, textHandler("ok"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown before Start: %v", err)
	}
	if err := s.Start(); err == nil {
		t.Error("Start after Shutdown succeeded, want error")
	}
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return conn
}
