package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// waitFor bounds every wait; it is only reached when something is broken.
const waitFor = 10 * time.Second

// eventually polls cond every few milliseconds until it holds or waitFor
// passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitFor, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveProc is a running `rampart serve`.
type serveProc struct {
	cmd        *exec.Cmd
	stderr     *syncBuffer
	exited     chan struct{}
	waitErr    error
	configPath string
	httpAddr   string
	adminAddr  string
}

// freeAddr returns a loopback address that was free a moment ago. Another
// process may take it before rampart binds it: startServe retries then.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

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

// startServe runs `rampart serve -c rampart.yaml` on free ports and waits
// until it has started, retrying with new ports if one was taken meanwhile.
func startServe(t *testing.T, upstream string) *serveProc {
	t.Helper()
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		p := &serveProc{
			stderr: &syncBuffer{}, exited: make(chan struct{}),
			configPath: filepath.Join(dir, "rampart.yaml"),
			httpAddr:   freeAddr(t), adminAddr: freeAddr(t),
		}
		p.writeConfig(t, serveConfig(p.httpAddr, p.adminAddr, upstream))
		p.cmd = exec.Command(rampartBin, "serve", "-c", p.configPath)
		p.cmd.Dir = dir
		p.cmd.Stdout, p.cmd.Stderr = io.Discard, p.stderr
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
		started := false
		eventually(t, "rampart serve to start", func() bool {
			if p.hasExited() {
				return true
			}
			started = strings.Contains(p.stderr.String(), `"msg":"rampart started"`)
			return started
		})
		if started {
			t.Cleanup(func() {
				if !p.hasExited() {
					_ = p.cmd.Process.Kill() // our own child, by pid
					<-p.exited
				}
				if t.Failed() {
					t.Logf("rampart serve stderr:\n%s", p.stderr.String())
				}
			})
			return p
		}
		if attempt == 3 || !strings.Contains(p.stderr.String(), "address already in use") {
			t.Fatalf("rampart serve exited at start (%v):\n%s", p.waitErr, p.stderr.String())
		}
	}
}

func (p *serveProc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

func (p *serveProc) writeConfig(t *testing.T, text string) {
	t.Helper()
	if err := os.WriteFile(p.configPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (p *serveProc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %v: %v", sig, err)
	}
}

// fetch GETs path from addr and returns status and body.
func fetch(t *testing.T, client *http.Client, addr, path string) (int, string) {
	t.Helper()
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
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

	p := startServe(t, upA.URL)
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
