package proxy

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestServerSentEventsNotBuffered proves events are flushed one by one: the
// upstream does not send event 2 until the client has read event 1 through
// the proxy, so any buffering would deadlock (and fail at the deadline).
func TestServerSentEventsNotBuffered(t *testing.T) {
	firstRead := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: 1\n\n"))
		http.NewResponseController(w).Flush()
		select {
		case <-firstRead:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte("data: 2\n\n"))
	}))
	defer up.Close()
	front := serveChained(t, newProxy(t, Config{Upstreams: []string{up.URL}}, Options{}), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, front.URL+"/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	lines := bufio.NewReader(res.Body)
	readEvent := func() string {
		t.Helper()
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("reading event: %v (buffered by the proxy?)", err)
		}
		_, _ = lines.ReadString('\n') // blank separator
		return strings.TrimSpace(line)
	}
	if got := readEvent(); got != "data: 1" {
		t.Fatalf("first event = %q", got)
	}
	close(firstRead)
	if got := readEvent(); got != "data: 2" {
		t.Fatalf("second event = %q", got)
	}
}

func TestWebSocketEcho(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, msg); err != nil {
				return
			}
		}
	}))
	defer up.Close()
	// Through the Chain: its response recorder must let ReverseProxy hijack.
	front := serveChained(t, newProxy(t, Config{Upstreams: []string{up.URL}}, Options{}), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(front.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatalf("dial through proxy: %v", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status = %d, want 101", res.StatusCode)
	}
	for _, msg := range []string{"hello", "second message", strings.Repeat("x", 70_000)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatalf("write: %v", err)
		}
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if string(got) != msg {
			t.Fatalf("echo = %.40q, want %.40q", got, msg)
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("close: %v", err)
	}
}
