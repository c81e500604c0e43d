package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serveConfig is a complete rampart.yaml for one API at /api.
func serveConfig(httpAddr, adminAddr, upstream string) string {
	return fmt.Sprintf(`listen:
  http: %q
  timeouts:
    shutdown: 5s
admin:
  listen: %q
logging:
  level: info
  access_log: "off"
events:
  file: "off"
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, httpAddr, adminAddr, upstream)
}

// TestServe is an operator's session: serve, reload with a broken file
// (refused, still serving), reload with a good one, then SIGTERM while a
// request is in flight: the request completes and the process exits 0.
func TestServe(t *testing.T) {
	upA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "A")
	}))
	t.Cleanup(upA.Close)
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	upB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/slow" {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		_, _ = io.WriteString(w, "B")
	}))
	t.Cleanup(upB.Close)
	t.Cleanup(unblock) // before upB.Close, which waits for held requests

	p := startServe(t, t.TempDir(), func(httpAddr, adminAddr string) string {
		return serveConfig(httpAddr, adminAddr, upA.URL)
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: waitFor}
	if code, body := fetch(t, client, p.httpAddr, "/api/x"); code != 200 || body != "A" {
		t.Fatalf("through rampart: %d %q, want 200 A", code, body)
	}

	// A broken file is refused and the running configuration keeps serving.
	p.writeConfig(t, strings.Replace(serveConfig(p.httpAddr, p.adminAddr, upB.URL), "http://", "ftp://", 1))
	p.signal(t, syscall.SIGHUP)
	eventually(t, "the refused reload to be logged", func() bool {
		return strings.Contains(p.stderr.String(), "configuration reload refused")
	})
	if log := p.stderr.String(); !strings.Contains(log, "rampart.yaml:") || !strings.Contains(log, "scheme must be http or https") {
		t.Errorf("refusal does not say file:line and why:\n%s", log)
	}
	if code, body := fetch(t, client, p.httpAddr, "/api/x"); code != 200 || body != "A" {
		t.Fatalf("after the refused reload: %d %q, want 200 A", code, body)
	}

	// A good file is swapped in.
	p.writeConfig(t, serveConfig(p.httpAddr, p.adminAddr, upB.URL))
	p.signal(t, syscall.SIGHUP)
	eventually(t, "the reload to serve B", func() bool {
		code, body := fetch(t, client, p.httpAddr, "/api/x")
		return code == 200 && body == "B"
	})
	_, metrics := fetch(t, client, p.adminAddr, "/metrics")
	for _, want := range []string{`rampart_config_reloads_total{result="failure"} 1`, `rampart_config_reloads_total{result="success"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// SIGTERM drains: the in-flight request completes, then exit 0.
	slow := make(chan string, 1)
	go func() {
		resp, err := client.Get("http://" + p.httpAddr + "/api/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	select {
	case <-arrived:
	case <-time.After(waitFor):
		t.Fatal("the slow request never reached the upstream")
	}
	p.signal(t, syscall.SIGTERM)
	eventually(t, "the listener to close", func() bool {
		conn, err := net.DialTimeout("tcp", p.httpAddr, time.Second)
		if err != nil {
			return true
		}
		conn.Close()
		return false
	})
	if p.hasExited() {
		t.Fatal("rampart exited before the in-flight request finished")
	}
	unblock()
	if got := <-slow; got != "200 B" {
		t.Errorf("in-flight request: %q, want 200 B", got)
	}
	select {
	case <-p.exited:
	case <-time.After(waitFor):
		t.Fatal("rampart did not exit after SIGTERM")
	}
	if p.waitErr != nil {
		t.Errorf("rampart serve exited with %v, want status 0", p.waitErr)
	}
	if log := p.stderr.String(); !strings.Contains(log, "shut down gracefully") {
		t.Errorf("no graceful shutdown in the log:\n%s", log)
	}
}
