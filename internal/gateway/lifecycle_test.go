package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/config"
)

// TestGracefulShutdown checks the drain: once Shutdown is called no new
// connection is accepted, and a request already in flight still completes
// with its full answer before Shutdown returns.
func TestGracefulShutdown(t *testing.T) {
	up := newBlockingUpstream(t, "slow answer")
	g := startGateway(t, oneAPI(up.URL))
	addr, adminAddr := g.svc.HTTPAddr(), g.svc.AdminAddr()

	inflight := g.getInBackground("/api/slow")
	up.awaitArrival(t)

	stopped := make(chan error, 1)
	go func() { stopped <- g.shutdown() }()

	// The listener closes first; the drain then waits for the request.
	eventually(t, "the listener to refuse new connections", func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		conn.Close()
		return false
	})
	// A load balancer polling /readyz must see the drain at once.
	if resp, _ := g.adminGet(t, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining = %d, want 503", resp.StatusCode)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	case got := <-inflight:
		t.Fatalf("in-flight request ended before its upstream answered: %q", got)
	default:
	}

	up.unblock()
	if got := <-inflight; got != "200 slow answer" {
		t.Errorf("in-flight request: %q, want 200 slow answer", got)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Shutdown did not return after the last request finished")
	}
	for _, a := range []string{addr, adminAddr} {
		if conn, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after Shutdown", a)
		}
	}
	if ev := g.events(t); !strings.Contains(ev, `"gateway.stop"`) {
		t.Errorf("no gateway.stop event:\n%s", ev)
	}
}

// TestShutdownDeadline checks that a request outliving
// listen.timeouts.shutdown is cut and Shutdown reports it instead of
// hanging.
func TestShutdownDeadline(t *testing.T) {
	up := newBlockingUpstream(t, "never")
	cfg := oneAPI(up.URL)
	cfg.listen = "  http: \"127.0.0.1:0\"\n  timeouts:\n    shutdown: 50ms\n"
	g := startGateway(t, cfg)
	go func() {
		if resp, err := g.client.Get(g.url("/api/slow")); err == nil {
			resp.Body.Close()
		}
	}()
	up.awaitArrival(t)
	if err := g.shutdown(); err == nil {
		t.Error("Shutdown with a request past the deadline returned nil")
	}
}

// TestAdminEndpoints checks the admin listener: liveness, readiness and
// Prometheus metrics that reflect the traffic.
func TestAdminEndpoints(t *testing.T) {
	g := startGateway(t, oneAPI(textUpstream(t, "ok").URL))
	get(t, g.client, g.url("/api/x"))

	for _, tt := range []struct{ path, wantStatus string }{
		{"/healthz", "ok"},
		{"/readyz", "ready"},
	} {
		resp, body := g.adminGet(t, tt.path)
		var st struct{ Status string }
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Status != tt.wantStatus {
			t.Errorf("%s: %d %q, want 200 status %q", tt.path, resp.StatusCode, body, tt.wantStatus)
		}
	}
	g.waitMetric(t, "rampart_requests_total",
		map[string]string{"api": "app", "route": "default", "method": "GET", "status": "200", "verdict": "allowed"}, 1)
	if got := g.metric(t, "rampart_open_connections", nil); got < 1 {
		t.Errorf("rampart_open_connections = %v, want at least the client's keep-alive connection", got)
	}
	if got := g.metric(t, "go_goroutines", nil); got == 0 {
		t.Error("runtime collectors missing from /metrics")
	}

	resp, body := g.adminGet(t, "/nope")
	wantProblem(t, resp, body, http.StatusNotFound, "not_found")
	// The admin endpoints are not reachable through the proxy listener.
	if resp, body := get(t, g.client, g.url("/metrics")); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "rampart_") {
		t.Errorf("/metrics on the proxy listener: %d %.80q", resp.StatusCode, body)
	}
}

// TestAdminOff checks that admin.listen "off" starts no admin listener.
func TestAdminOff(t *testing.T) {
	cfg, err := config.Parse("off.yaml", []byte(fmt.Sprintf(`
listen: {http: "127.0.0.1:0"}
admin: {listen: "off"}
logging: {access_log: "off"}
events: {file: "off"}
apis: [{name: app, upstreams: [%q]}]
`, textUpstream(t, "ok").URL)))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Start(RunOptions{Config: cfg, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = svc.Shutdown(t.Context()) }()
	if a := svc.AdminAddr(); a != "" {
		t.Errorf("AdminAddr = %q, want empty", a)
	}
	if resp, body := get(t, newClient(t), "http://"+svc.HTTPAddr()+"/x"); body != "ok" {
		t.Errorf("proxy: %d %q", resp.StatusCode, body)
	}
}

// TestStartFailsCleanly checks that a bind failure is returned by Start and
// leaves no listener behind.
func TestStartFailsCleanly(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminAddr := adminLn.Addr().String()
	adminLn.Close() // free: Start binds it before failing on the taken port
	cfg, err := config.Parse("bind.yaml", []byte(fmt.Sprintf(`
listen: {http: %q}
admin: {listen: %q}
logging: {access_log: "off"}
events: {file: "off"}
apis: [{name: app, upstreams: ["http://127.0.0.1:9"]}]
`, taken.Addr().String(), adminAddr)))
	if err != nil {
		t.Fatal(err)
	}
	if svc, err := Start(RunOptions{Config: cfg, Stdout: io.Discard, Stderr: io.Discard}); err == nil {
		_ = svc.Shutdown(t.Context())
		t.Fatal("Start on a taken port succeeded")
	}
	// The admin listener opened before the failure must be closed again.
	eventually(t, "the admin port to be free again", func() bool {
		ln, err := net.Listen("tcp", adminAddr)
		if err != nil {
			return false
		}
		ln.Close()
		return true
	})
}

// TestLogsToStdoutAndStderr checks that "stdout" and "stderr" targets
// write to RunOptions.Stdout and Stderr (what `rampart serve` passes), not
// to the process's own streams.
func TestLogsToStdoutAndStderr(t *testing.T) {
	cfg, err := config.Parse("std.yaml", []byte(fmt.Sprintf(`
listen: {http: "127.0.0.1:0"}
admin: {listen: "off"}
logging: {access_log: stdout}
events: {file: stderr}
apis: [{name: app, path_prefix: /api, upstreams: [%q]}]
`, textUpstream(t, "ok").URL)))
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	svc, err := Start(RunOptions{Config: cfg, Stdout: stdout, Stderr: stderr})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = svc.Shutdown(t.Context()) }()
	resp, _ := get(t, newClient(t), "http://"+svc.HTTPAddr()+"/api/../x")
	id := resp.Header.Get("X-Request-Id")
	eventually(t, "the access line on Stdout", func() bool { return strings.Contains(stdout.String(), id) })
	if strings.Contains(stderr.String(), `"rampart.access"`) {
		t.Error("access log line written to Stderr")
	}
	if !strings.Contains(stderr.String(), `"gateway.start"`) {
		t.Errorf("gateway.start event not on Stderr:\n%s", stderr.String())
	}
}
