package bodylimit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// waitLimit bounds socket waits so a regression fails instead of hanging.
const waitLimit = 10 * time.Second

// routeByPath is a minimal route matcher: "/api/route" records
// {API: "api", Route: "route"}; other paths stay unrouted.
type routeByPath struct{}

func (routeByPath) Name() string { return "route" }

func (routeByPath) Check(r *http.Request) (*http.Request, error) {
	if api, route, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); ok {
		pipeline.SetRoute(r, pipeline.Route{API: api, Route: route})
	}
	return r, nil
}

// harness is a real chain (route matching, then the body limit) in front of
// a handler that reads the whole body the way the proxy does, behind a real
// loopback HTTP server.
type harness struct {
	srv   *httptest.Server
	reads atomic.Int64 // handler invocations, i.e. bodies someone started reading
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := &harness{}
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages: []pipeline.Stage{{Guard: routeByPath{}}, {Guard: g}},
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.reads.Add(1)
			body, err := io.ReadAll(r.Body)
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				pipeline.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "body_too_large", tooLargeMessage)
				return
			}
			if err != nil {
				pipeline.WriteProblem(w, r, http.StatusBadRequest, "bad_body", "The request body could not be read.")
				return
			}
			_, _ = io.WriteString(w, strconv.Itoa(len(body)))
		}),
	})
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	h.srv = httptest.NewServer(chain)
	t.Cleanup(h.srv.Close)
	return h
}

// post sends size bytes to path, with a Content-Length or, when chunked,
// with chunked transfer coding (length unknown to the server).
func (h *harness) post(t *testing.T, path string, size int, chunked bool) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+path, bytes.NewReader(make([]byte, size)))
	if err != nil {
		t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
		req.Body = io.NopCloser(io.MultiReader(req.Body)) // hide the length
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s (%d bytes, chunked %v): %v", path, size, chunked, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestLimitsOverHTTP(t *testing.T) {
	h := newHarness(t, Config{
		MaxBytes: 64,
		Routes: map[pipeline.Route]int64{
			{API: "shop", Route: "upload"}: 256,
			{API: "shop"}:                  32,
			{API: "files", Route: "big"}:   -1,
		},
	})
	tests := []struct {
		name string
		path string
		size int
		want int
	}{
		{"empty body", "/other", 0, 200},
		{"default limit exactly", "/other", 64, 200},
		{"default limit plus one", "/other", 65, 413},
		{"api-wide limit exactly", "/shop/cart", 32, 200},
		{"api-wide limit plus one", "/shop/cart", 33, 413},
		{"route limit above api limit", "/shop/upload", 256, 200},
		{"route limit plus one", "/shop/upload", 257, 413},
		{"unlimited route", "/files/big", 200 << 10, 200},
		{"other route of unlimited api uses default", "/files/small", 65, 413},
	}
	for _, tt := range tests {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/chunked=%v", tt.name, chunked), func(t *testing.T) {
				readsBefore := h.reads.Load()
				status, body := h.post(t, tt.path, tt.size, chunked)
				if status != tt.want {
					t.Fatalf("status = %d (%s), want %d", status, body, tt.want)
				}
				switch {
				case status == http.StatusOK && body != strconv.Itoa(tt.size):
					t.Errorf("upstream read %s bytes, want %d", body, tt.size)
				case status == http.StatusRequestEntityTooLarge && !strings.Contains(body, `"urn:rampart:problem:body_too_large"`):
					t.Errorf("body = %s, want the body_too_large problem", body)
				}
				// A declared length over the limit is refused before anyone reads it.
				if status == http.StatusRequestEntityTooLarge && !chunked && h.reads.Load() != readsBefore {
					t.Error("the handler was called for a Content-Length over the limit")
				}
			})
		}
	}
}

// TestDeclaredLengthDeniedWithoutReadingBody announces a large body, sends
// only a few bytes of it and keeps the connection open: the 413 must come at
// once. net/http would otherwise discard the unread body (up to 256 KiB)
// before answering; "Connection: close" makes it answer first.
func TestDeclaredLengthDeniedWithoutReadingBody(t *testing.T) {
	h := newHarness(t, Config{MaxBytes: 1024})
	for _, declared := range []int64{100 << 10, 1 << 40} { // below and above net/http's 256 KiB drain
		t.Run(strconv.FormatInt(declared, 10), func(t *testing.T) {
			conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(waitLimit)); err != nil {
				t.Fatal(err)
			}
			head := "POST /upload HTTP/1.1\r\nHost: gateway.test\r\nContent-Type: application/octet-stream\r\n" +
				"Content-Length: " + strconv.FormatInt(declared, 10) + "\r\n\r\nabc"
			if _, err := io.WriteString(conn, head); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("reading the response: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status = %d, want 413", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != pipeline.ProblemContentType {
				t.Errorf("Content-Type = %q, want %q", ct, pipeline.ProblemContentType)
			}
			if !strings.Contains(string(body), `"urn:rampart:problem:body_too_large"`) {
				t.Errorf("body = %s, want the body_too_large problem", body)
			}
			if !resp.Close {
				t.Error("the 413 does not close the connection")
			}
			// Past 256 KiB net/http gives up on the body at once and hangs up;
			// below it, it still discards what arrives (bounded by its
			// ReadTimeout) before closing, after the 413 went out.
			if declared > 256<<10 {
				if _, err := br.ReadByte(); err == nil {
					t.Error("the server sent more after the 413")
				} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Error("the server kept the connection open after the 413")
				}
			}
			if n := h.reads.Load(); n != 0 {
				t.Errorf("handler called %d times, want 0", n)
			}
		})
	}
}

// TestExpectContinueNeverSendsBody: a client that asks before sending
// (Expect: 100-continue) is refused without being invited to send.
func TestExpectContinueNeverSendsBody(t *testing.T) {
	h := newHarness(t, Config{MaxBytes: 1024})
	pr, pw := io.Pipe() // a body that never arrives: sending it would block
	defer pw.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, h.srv.URL+"/upload", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 1 << 30
	req.Header.Set("Expect", "100-continue")
	tr := h.srv.Client().Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = time.Hour
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", resp.StatusCode)
	}
}

func TestUnlimited(t *testing.T) {
	h := newHarness(t, Config{MaxBytes: -1})
	const size = 3 << 20
	for _, chunked := range []bool{false, true} {
		if status, body := h.post(t, "/other", size, chunked); status != http.StatusOK || body != strconv.Itoa(size) {
			t.Errorf("chunked=%v: got %d %q, want 200 %d", chunked, status, body, size)
		}
	}
}

func TestMonitorModeLetsDeclaredLengthThrough(t *testing.T) {
	g, err := New(Config{MaxBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	var denials []pipeline.Denial
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: g, Mode: pipeline.Monitor}},
		Next:     http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(w, r.Body) }),
		Outcomes: []pipeline.OutcomeSink{outcomeFunc(func(o *pipeline.Outcome) { denials = append(denials, o.Denials...) })},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(chain)
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL, "text/plain", strings.NewReader("sixteen bytes!!!"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "sixteen bytes!!!" {
		t.Errorf("got %d %q, want the body echoed", resp.StatusCode, body)
	}
	// The sink runs before the server finishes the response, so it is done.
	if len(denials) != 1 || denials[0].Code != "body_too_large" || denials[0].Category != "API4:2023" {
		t.Errorf("recorded denials = %+v, want one body_too_large", denials)
	}
}

type outcomeFunc func(*pipeline.Outcome)

func (f outcomeFunc) WriteOutcome(o *pipeline.Outcome) { f(o) }
