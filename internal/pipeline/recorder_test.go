package pipeline

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFlushStreamsServerSentEvents(t *testing.T) {
	second := make(chan struct{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush() // the plain interface, as older SSE code uses it
		select {
		case <-second:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "data: two\n\n")
		_ = http.NewResponseController(w).Flush()
	})
	c, snk := newTestChain(t, Options{Next: next})
	srv := httptest.NewServer(c)
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	readEvent := func() string {
		t.Helper()
		var ev strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading event: %v", err)
			}
			if line == "\n" {
				return ev.String()
			}
			ev.WriteString(line)
		}
	}
	// The handler is blocked until we have the first event: it arrived only
	// because Flush went through the chain's recorder.
	if got := readEvent(); got != "data: one\n" {
		t.Errorf("first event = %q", got)
	}
	close(second)
	if got := readEvent(); got != "data: two\n" {
		t.Errorf("second event = %q", got)
	}
	if o := snk.await(t); o.Status != http.StatusOK || o.BytesOut != int64(len("data: one\n\ndata: two\n\n")) {
		t.Errorf("outcome status %d bytes out %d", o.Status, o.BytesOut)
	}
}

func TestHijackThroughChain(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hijackAndEcho(t, w, "Hijack through the chain")
	})
	c, snk := newTestChain(t, Options{Next: next})
	srv := httptest.NewServer(c)
	defer srv.Close()

	line := upgradeAndEcho(t, srv.URL, "hello\n")

	if line != "echo hello\n" {
		t.Errorf("echo = %q", line)
	}
	if o := snk.await(t); o.Status != http.StatusSwitchingProtocols || o.Verdict != VerdictAllowed {
		t.Errorf("outcome status %d verdict %s; want 101 allowed", o.Status, o.Verdict)
	}
}

// TestWebSocketUpgradeThroughReverseProxy runs the real case: an upgrade
// relayed by httputil.ReverseProxy behind the chain, which hijacks through
// http.ResponseController.
func TestWebSocketUpgradeThroughReverseProxy(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want upgrade", http.StatusBadRequest)
			return
		}
		hijackAndEcho(t, w, "upstream hijack")
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	c, snk := newTestChain(t, Options{Next: proxy})
	srv := httptest.NewServer(c)
	defer srv.Close()

	if line := upgradeAndEcho(t, srv.URL, "through the proxy\n"); line != "echo through the proxy\n" {
		t.Errorf("echo = %q", line)
	}
	if o := snk.await(t); o.Status != http.StatusSwitchingProtocols {
		t.Errorf("outcome status = %d, want 101", o.Status)
	}
}

// hijackAndEcho takes over w's connection, answers 101 to the "echo"
// protocol and echoes one line back, prefixed with "echo ". what names the
// hijack in the test error if it fails.
func hijackAndEcho(t *testing.T, w http.ResponseWriter, what string) {
	t.Helper()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	defer conn.Close()
	_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	_ = brw.Flush()
	line, _ := brw.ReadString('\n')
	_, _ = brw.WriteString("echo " + line)
	_ = brw.Flush()
}

// upgradeAndEcho sends an Upgrade request on a raw connection, expects 101,
// writes msg and returns the line read back.
func upgradeAndEcho(t *testing.T, rawURL, msg string) string {
	t.Helper()
	u, _ := url.Parse(rawURL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req, _ := http.NewRequest(http.MethodGet, rawURL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "echo")
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status = %d, want 101", resp.StatusCode)
	}
	if _, err := io.WriteString(conn, msg); err != nil {
		t.Fatal(err)
	}
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading echo: %v", err)
	}
	return line
}

func TestHijackUnsupportedReportsError(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := http.NewResponseController(w).Hijack(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Hijack on a recorder = %v, want ErrNotSupported", err)
		}
		w.WriteHeader(http.StatusNotImplemented)
	})
	c, snk := newTestChain(t, Options{Next: next})
	serve(c, httptest.NewRequest(http.MethodGet, "/", nil))
	if o, _ := snk.only(t); o.Status != http.StatusNotImplemented {
		t.Errorf("status = %d, want 501 (a failed hijack records nothing)", o.Status)
	}
}

func TestOutcomeBytesInOverRealServer(t *testing.T) {
	const payload = `{"name":"alice","bio":"` + "lorem ipsum " + `"}`
	tests := []struct {
		name     string
		body     func() io.Reader
		readUpTo int64 // -1: all
		want     int64
	}{
		{name: "content-length", body: func() io.Reader { return strings.NewReader(payload) }, readUpTo: -1, want: int64(len(payload))},
		// A reader of unknown size makes the client send chunked.
		{name: "chunked", body: func() io.Reader { return io.MultiReader(strings.NewReader(payload)) }, readUpTo: -1, want: int64(len(payload))},
		{name: "partly read", body: func() io.Reader { return strings.NewReader(payload) }, readUpTo: 5, want: 5},
		{name: "no body", body: func() io.Reader { return nil }, readUpTo: -1, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var chunked bool
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				chunked = len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked"
				var src io.Reader = r.Body
				if tt.readUpTo >= 0 {
					src = io.LimitReader(r.Body, tt.readUpTo)
				}
				_, _ = io.Copy(io.Discard, src)
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, "got ")
				_, _ = io.WriteString(w, "it")
			})
			c, snk := newTestChain(t, Options{Next: next})
			srv := httptest.NewServer(c)
			defer srv.Close()

			resp, err := srv.Client().Post(srv.URL+"/users", "application/json", tt.body())
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			o := snk.await(t)

			if tt.name == "chunked" && !chunked {
				t.Error("request was not sent chunked; the case tests nothing")
			}
			if o.BytesIn != tt.want || o.BytesOut != 6 || o.Status != http.StatusCreated {
				t.Errorf("bytes in %d out %d status %d; want %d, 6, 201", o.BytesIn, o.BytesOut, o.Status, tt.want)
			}
		})
	}
}

func TestOutcomeStatus(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter)
		want    int
	}{
		{"nothing written", func(http.ResponseWriter) {}, http.StatusOK},
		{"body only", func(w http.ResponseWriter) { _, _ = io.WriteString(w, "x") }, http.StatusOK},
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) }, http.StatusAccepted},
		{"informational first", func(w http.ResponseWriter) {
			w.Header().Set("Link", "</app.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusNotFound)
		}, http.StatusNotFound},
		{"superfluous second WriteHeader", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusConflict)
			w.WriteHeader(http.StatusOK)
		}, http.StatusConflict},
		{"flush first", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, snk := newTestChain(t, Options{Next: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { tt.handler(w) })})
			serve(c, httptest.NewRequest(http.MethodGet, "/", nil))
			if o, _ := snk.only(t); o.Status != tt.want {
				t.Errorf("status = %d, want %d", o.Status, tt.want)
			}
		})
	}
}

func TestOutcomeLatencyUsesInjectedClock(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c, snk := newTestChain(t, Options{Now: steppingClock(start, 1500*time.Microsecond)})
	serve(c, httptest.NewRequest(http.MethodGet, "/", nil))
	o, _ := snk.only(t)
	if !o.Time.Equal(start) || o.Latency != 1500*time.Microsecond || o.GatewayOverhead() != o.Latency {
		t.Errorf("time %v latency %v overhead %v; want %v, 1.5ms, 1.5ms", o.Time, o.Latency, o.GatewayOverhead(), start)
	}
	if (&Outcome{Latency: time.Millisecond, Upstream: 2 * time.Millisecond}).GatewayOverhead() != 0 {
		t.Error("GatewayOverhead must not go negative")
	}
}

func TestOutcomeVerdicts(t *testing.T) {
	deny := func(*http.Request) (*http.Request, error) { return nil, &Denial{Status: http.StatusForbidden} }
	fail := func(*http.Request) (*http.Request, error) { return nil, errors.New("store down") }
	tests := []struct {
		name    string
		stages  []Stage
		handler func(w http.ResponseWriter, r *http.Request)
		want    Verdict
	}{
		{name: "allowed", want: VerdictAllowed},
		{name: "denied", stages: []Stage{{Guard: &funcGuard{name: "g", check: deny}}}, want: VerdictDenied},
		{name: "flagged", stages: []Stage{{Guard: &funcGuard{name: "g", check: deny}, Mode: Monitor}}, want: VerdictFlagged},
		{name: "guard error", stages: []Stage{{Guard: &funcGuard{name: "g", check: fail}}}, want: VerdictError},
		{name: "upstream error", handler: func(w http.ResponseWriter, r *http.Request) {
			MarkError(r)
			w.WriteHeader(http.StatusGatewayTimeout)
		}, want: VerdictError},
		{name: "flagged then upstream error", stages: []Stage{{Guard: &funcGuard{name: "g", check: deny}, Mode: Monitor}},
			handler: func(w http.ResponseWriter, r *http.Request) { MarkError(r) }, want: VerdictError},
		{name: "panic", handler: func(http.ResponseWriter, *http.Request) { panic("x") }, want: VerdictError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var next http.Handler = okHandler
			if tt.handler != nil {
				next = http.HandlerFunc(tt.handler)
			}
			c, snk := newTestChain(t, Options{Stages: tt.stages, Next: next})
			serve(c, httptest.NewRequest(http.MethodGet, "/", nil))
			if o, _ := snk.only(t); o.Verdict != tt.want {
				t.Errorf("verdict = %s, want %s", o.Verdict, tt.want)
			}
		})
	}
}
