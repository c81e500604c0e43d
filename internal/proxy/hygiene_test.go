package proxy

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestHygieneHeaders(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Server", "Apache/2.4.41 (Ubuntu)")
		h.Set("X-Powered-By", "PHP/7.4.3")
		h.Set("X-AspNet-Version", "4.0.30319")
		h.Set("X-AspNetMvc-Version", "5.2")
		h.Set("X-Content-Type-Options", "bogus")
		h.Set("X-App", "kept")
		_, _ = w.Write([]byte("{}"))
	}))
	defer up.Close()
	tests := []struct {
		name      string
		hygiene   HygieneConfig
		stripped  bool
		wantSniff string
	}{
		{"defaults", HygieneConfig{}, true, "nosniff"},
		{"off", HygieneConfig{StripHeaders: []string{}, NoSniff: new(false)}, false, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{up.URL}, Hygiene: tt.hygiene}, Options{}))
			defer front.Close()
			res, _ := get(t, front.URL+"/")
			for _, k := range []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"} {
				if got := res.Header.Get(k) == ""; got != tt.stripped {
					t.Errorf("%s = %q, want stripped=%v", k, res.Header.Get(k), tt.stripped)
				}
			}
			if got := res.Header.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != tt.wantSniff {
				t.Errorf("X-Content-Type-Options = %q, want [%s]", got, tt.wantSniff)
			}
			if res.Header.Get("X-App") != "kept" {
				t.Error("unrelated header removed")
			}
		})
	}
}

const goPanic = `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a5b2c]

goroutine 42 [running]:
main.(*Store).Order(0x0, {0xc000012345, 0x3})
	/srv/app/store.go:118 +0x2c
`

func TestStackTraceMasked(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		name := map[bool]string{false: "content-length", true: "chunked"}[chunked]
		t.Run(name, func(t *testing.T) {
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("X-Debug-Path", "/srv/app")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(goPanic))
				if chunked {
					http.NewResponseController(w).Flush()
				}
			}))
			defer up.Close()
			rec := newRecorder()
			front := serveChained(t, newProxy(t, Config{Upstreams: []string{up.URL}}, Options{}), rec)

			res, body := get(t, front.URL+"/orders/1")
			p := wantProblem(t, res, body, http.StatusInternalServerError, "upstream_error")
			if p.Detail != "The upstream service failed." {
				t.Errorf("detail = %q", p.Detail)
			}
			if strings.Contains(body, "store.go") || res.Header.Get("X-Debug-Path") != "" {
				t.Errorf("trace or upstream headers leaked: %q %v", body, res.Header)
			}
			o := rec.nextOutcome(t)
			if o.Status != http.StatusInternalServerError || o.Verdict == pipeline.VerdictError {
				t.Errorf("outcome = %d %s, want 500 and no gateway error", o.Status, o.Verdict)
			}
			ev := rec.Events()
			if len(ev) != 1 || ev[0].Kind != "upstream.stack_trace" || ev[0].Category != "API8:2023" ||
				ev[0].Severity != pipeline.SeverityLow || ev[0].RequestID != o.RequestID {
				t.Errorf("events = %+v, want one upstream.stack_trace API8:2023 low for %s", ev, o.RequestID)
			}
		})
	}
}

func TestOrdinaryErrorPassesUnchanged(t *testing.T) {
	const want = `{"error":"order 7 not found in warehouse","retry":false}`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(want))
	}))
	defer up.Close()
	rec := newRecorder()
	front := serveChained(t, newProxy(t, Config{Upstreams: []string{up.URL}}, Options{}), rec)
	res, body := get(t, front.URL+"/")
	if res.StatusCode != http.StatusInternalServerError || body != want || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %q, want the upstream's answer unchanged", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	rec.nextOutcome(t)
	if ev := rec.Events(); len(ev) != 0 {
		t.Errorf("events = %+v, want none", ev)
	}
}

func TestMaskingDisabled(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, goPanic, http.StatusInternalServerError)
	}))
	defer up.Close()
	front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{up.URL},
		Hygiene: HygieneConfig{MaskStackTraces: new(false)}}, Options{}))
	defer front.Close()
	if _, body := get(t, front.URL+"/"); !strings.Contains(body, "goroutine 42") {
		t.Fatalf("body = %q, want the trace passed through when masking is off", body)
	}
}

// TestStreamed500NotBuffered: a large 5xx body of unknown length is only
// peeked as far as one read goes; the client gets the first chunk while the
// upstream is still holding back the rest.
func TestStreamed500NotBuffered(t *testing.T) {
	firstRead := make(chan struct{})
	const first = "partial failure report\n"
	rest := strings.Repeat("row failed: constraint\n", 8000) // ~180 KiB
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(first))
		http.NewResponseController(w).Flush()
		select {
		case <-firstRead:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte(rest))
	}))
	defer up.Close()
	front := serveChained(t, newProxy(t, Config{Upstreams: []string{up.URL}}, Options{}), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, front.URL+"/", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Fatalf("status = %d, want the upstream's 502", res.StatusCode)
	}
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != first {
		t.Fatalf("first chunk = %q, %v", line, err)
	}
	close(firstRead)
	got, err := io.ReadAll(br)
	if err != nil || string(got) != rest {
		t.Fatalf("rest: %d bytes, %v; want %d bytes", len(got), err, len(rest))
	}
}
