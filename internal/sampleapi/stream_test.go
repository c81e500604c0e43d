package sampleapi

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
)

// readEvent reads one SSE event (up to its blank line) and returns its lines.
func readEvent(t *testing.T, br *bufio.Reader) []string {
	t.Helper()
	var lines []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading event after %q: %v", lines, err)
		}
		line = strings.TrimRight(line, "\n")
		if line == "" {
			return lines
		}
		lines = append(lines, line)
	}
}

func TestStreamEvents(t *testing.T) {
	ta := newTestAPI(t, Config{})
	resp, err := ta.srv.Client().Get(ta.srv.URL + "/api/stream?n=3")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	br := bufio.NewReader(resp.Body)
	for _, want := range []string{`data: {"seq":1,"of":3}`, `data: {"seq":2,"of":3}`, `data: {"seq":3,"of":3}`} {
		ev := readEvent(t, br)
		if len(ev) != 3 || ev[1] != "event: tick" || ev[2] != want {
			t.Errorf("event = %q, want tick with %s", ev, want)
		}
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("stream continued after 3 events")
	}
}

// TestStreamFlushesEachEvent proves events are flushed one at a time: the
// second event is 30 s away, yet the first arrives, and the test ends by
// hanging up, which the handler notices and returns.
func TestStreamFlushesEachEvent(t *testing.T) {
	ta := newTestAPI(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", ta.srv.URL+"/api/stream?n=2&delay_ms=30000", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ta.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ev := readEvent(t, bufio.NewReader(resp.Body))
	if len(ev) != 3 || ev[0] != "id: 1" {
		t.Fatalf("first event = %q", ev)
	}
	cancel() // httptest's Close waits for the handler, so it must return now
}

func TestStreamBadParams(t *testing.T) {
	ta := newTestAPI(t, Config{})
	for _, q := range []string{"n=-1", "n=x", "n=1001", "delay_ms=30001", "delay_ms=-5"} {
		wantStatus(t, ta.do("GET", "/api/stream?"+q, "", nil), http.StatusBadRequest)
	}
}
