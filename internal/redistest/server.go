package redistest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// readyTimeout bounds how long a starting or stopping redis-server may
// take; generous, for tests under -race on a busy machine.
const readyTimeout = 10 * time.Second

// Server is a redis-server child process owned by one test, on a loopback
// port of its own, without persistence, which the test may stop (an
// outage) and start again on the same port.
type Server struct {
	t     testing.TB
	bin   string
	port  string
	dir   string   // working directory and --dir, in t.TempDir()
	extra []string // arguments after the defaults

	mu   sync.Mutex
	cmd  *exec.Cmd     // nil while stopped
	done chan struct{} // closed once cmd has exited and been reaped
}

// StartServer starts redis-server on a free loopback port with extraArgs
// after the defaults (e.g. "--requirepass", "pw"), waits until it answers
// PING, and stops it when the test ends. It skips the test when
// redis-server is not installed (RequireServerBinary); it does not need
// REDIS_ADDR.
func StartServer(t testing.TB, extraArgs ...string) *Server {
	t.Helper()
	return startServerOn(t, RequireServerBinary(t), FreePort(t), extraArgs...)
}

// startServerOn starts redis-server on port in its own temporary
// directory (also its working directory: relative paths in extraArgs,
// such as a cluster config file, land there).
func startServerOn(t testing.TB, bin, port string, extraArgs ...string) *Server {
	t.Helper()
	s := &Server{t: t, bin: bin, port: port, dir: t.TempDir(), extra: extraArgs}
	// Registered before Start, so a start that fails half way leaves no
	// process behind, and after TempDir's, so it runs before the removal.
	t.Cleanup(s.Stop)
	s.Start()
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", s.port) }

// logPath is the server's log file.
func (s *Server) logPath() string { return filepath.Join(s.dir, "redis.log") }

// Start runs redis-server (again, after Stop) and waits until it answers
// PING, or asks for the password it was given. Its data is gone: nothing
// is persisted.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		s.t.Fatalf("redis-server on %s: Start while running", s.Addr())
	}
	args := append([]string{"--port", s.port, "--bind", "127.0.0.1", "--protected-mode", "yes",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", s.logPath()}, s.extra...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatalf("starting redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }() // reaps the child whoever stops it
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	// The process gives no readiness signal but answering.
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DisableIdentity: true, Protocol: 2})
	defer c.Close()
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || strings.HasPrefix(err.Error(), "NOAUTH") {
			return
		}
		select {
		case <-done:
			s.t.Fatalf("redis-server on %s exited at start (port taken?)%s", s.Addr(), s.log())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s not ready after %v: %v%s", s.Addr(), readyTimeout, err, s.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop kills the server (SIGKILL: an outage, not a shutdown) and waits
// until it has exited and its port refuses connections. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill() // our own child, by pid
	select {
	case <-done:
	case <-time.After(readyTimeout):
		s.t.Errorf("redis-server %d on %s did not exit", cmd.Process.Pid, s.Addr())
		return
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		conn, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err != nil {
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			s.t.Errorf("%s still accepts connections after redis-server exited", s.Addr())
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// log returns the server's log, for failure messages.
func (s *Server) log() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil || len(b) == 0 {
		return ""
	}
	return "\n" + strings.TrimSpace(string(b))
}

// FreePort returns a loopback TCP port nobody listens on right now.
func FreePort(t testing.TB) string {
	t.Helper()
	return FreePorts(t, 1)[0]
}

// FreePorts returns n distinct free loopback ports: each is held open
// until the last is found, so none is handed out twice.
func FreePorts(t testing.TB, n int) []string {
	t.Helper()
	ports := make([]string, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
