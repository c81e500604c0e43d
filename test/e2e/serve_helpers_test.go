package e2e

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// startServe runs `rampart serve -c rampart.yaml` in dir on free ports,
// with the configuration config returns for them and extra environment
// variables (NAME=value) besides the test's own, and waits until it has
// started, retrying with new ports if one was taken meanwhile. The process
// is killed when the test ends; its stderr is logged if the test failed.
func startServe(t *testing.T, dir string, config func(httpAddr, adminAddr string) string, env ...string) *serveProc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := &serveProc{
			stderr: &syncBuffer{}, exited: make(chan struct{}),
			configPath: filepath.Join(dir, "rampart.yaml"),
			httpAddr:   freeAddr(t), adminAddr: freeAddr(t),
		}
		p.writeConfig(t, config(p.httpAddr, p.adminAddr))
		p.cmd = exec.Command(rampartBin, "serve", "-c", p.configPath)
		p.cmd.Dir = dir
		p.cmd.Env = append(os.Environ(), env...)
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
