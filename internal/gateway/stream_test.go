package gateway

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/rampartsec/rampart/internal/sampleapi"
)

// readEvent reads one server-sent event (up to its blank line).
func readEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var ev strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading event: %v (so far %q)", err, ev.String())
		}
		if line == "\n" {
			return ev.String()
		}
		ev.WriteString(line)
	}
}

// TestSSEFromSampleAPI streams the sample API's events through the gateway.
// The sample API waits 30 s between its two events, far beyond the client's
// timeout, so receiving the first one proves the gateway passes each event
// on as it comes instead of buffering the response.
func TestSSEFromSampleAPI(t *testing.T) {
	sample, err := sampleapi.Start(t.Context(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sample.Close() })
	g := startGateway(t, oneAPI(sample.URL()))

	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url("/api/stream?n=2&delay_ms=30000"), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ev := readEvent(t, bufio.NewReader(resp.Body))
	if want := "id: 1\nevent: tick\ndata: {\"seq\":1,\"of\":2}\n"; ev != want {
		t.Errorf("first event = %q, want %q", ev, want)
	}
	// Hanging up ends the stream upstream too (no goroutine waits 30 s).
	cancel()
}

// TestStreamingWithoutContentLength checks the same for a response of
// unknown length that is not SSE, with a handshake instead of a delay: the
// upstream sends its second chunk only after the client has the first.
func TestStreamingWithoutContentLength(t *testing.T) {
	gotFirst := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprintln(w, `{"n":1}`)
		w.(http.Flusher).Flush()
		select {
		case <-gotFirst:
		case <-r.Context().Done():
			return
		}
		fmt.Fprintln(w, `{"n":2}`)
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, oneAPI(up.URL))

	resp, err := g.client.Get(g.url("/api/feed"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for i, want := range []string{`{"n":1}` + "\n", `{"n":2}` + "\n"} {
		line, err := r.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("line %d = %q, %v; want %q", i+1, line, err, want)
		}
		if i == 0 {
			close(gotFirst)
		}
	}
}

// TestWebSocketThroughGateway checks that an Upgrade passes through the
// chain and the proxy, that frames flow both ways, and that the upgraded
// request is recorded with status 101 when it ends.
func TestWebSocketThroughGateway(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, oneAPI(up.URL))

	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws://"+g.svc.HTTPAddr()+"/api/ws", nil)
	if err != nil {
		t.Fatalf("dial through the gateway: %v", err)
	}
	defer c.CloseNow()
	for _, msg := range []string{"hello", "second", strings.Repeat("x", 16<<10)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "echo: "+msg {
			t.Fatalf("echo = %.40q, want %.40q", got, "echo: "+msg)
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("close: %v", err)
	}
	entry := g.accessEntry(t, resp.Header.Get("X-Request-Id"))
	if got := entry["http.response.status_code"]; got != float64(http.StatusSwitchingProtocols) {
		t.Errorf("access log status = %v, want 101", got)
	}
	if got := entry["rampart.route.api"]; got != "app" {
		t.Errorf("access log api = %v, want app", got)
	}
}
