package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Helpers of the security_*_test.go files: requests from simulated client
// addresses (the gateway trusts 127.0.0.1 as a proxy and believes
// X-Forwarded-For), the admin API, and Redis for the shared-store tests.

// testAdminTokenEnv names the environment variable holding the admin token
// in these tests (set with t.Setenv).
const testAdminTokenEnv = "RAMPART_SECURITY_TEST_ADMIN_TOKEN"

// testAdminToken is long enough for the admin API (at least 32 characters).
const testAdminToken = "security-test-admin-token-0123456789abcdef"

// trustLoopback is the configuration line that makes the gateway believe
// X-Forwarded-For from the test client, so one client simulates many.
const trustLoopback = "trusted_proxies: [\"127.0.0.1/32\"]\n"

// startGatewayAdmin is startGateway with extra lines in the admin section
// (adminExtra, indented by two spaces, e.g. "  token_env: X\n"), which
// gwConfig always writes itself.
func startGatewayAdmin(t *testing.T, cfg gwConfig, adminExtra string) *testGateway {
	t.Helper()
	dir := t.TempDir()
	const adminLine = "admin:\n  listen: \"127.0.0.1:0\"\n"
	text := cfg.yaml(dir)
	if !strings.Contains(text, adminLine) {
		t.Fatalf("gwConfig.yaml no longer writes %q", adminLine)
	}
	g := startGatewayYAML(t, dir, strings.Replace(text, adminLine, adminLine+adminExtra, 1))
	t.Cleanup(g.closeIdle) // runs first
	return g
}

// startSecurityGateway is startGateway for tests with concurrent clients:
// it closes the client's idle connections before the gateway shuts down.
// A concurrent http.Transport dials spare connections it may never use;
// the server sees them as new, not idle, and net/http's Shutdown waits up
// to 5s for those (the test gateways' whole shutdown timeout).
func startSecurityGateway(t *testing.T, cfg gwConfig) *testGateway {
	t.Helper()
	g := startGateway(t, cfg)
	t.Cleanup(g.closeIdle) // runs before the shutdown startGateway registered
	return g
}

// closeIdle closes the test client's idle connections.
func (g *testGateway) closeIdle() {
	if tr, ok := g.client.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// withAdminToken starts a gateway whose admin API takes testAdminToken.
func withAdminToken(t *testing.T, cfg gwConfig) *testGateway {
	t.Helper()
	t.Setenv(testAdminTokenEnv, testAdminToken)
	return startGatewayAdmin(t, cfg, "  token_env: "+testAdminTokenEnv+"\n")
}

// reply is a response with its body read, safe to build off the test
// goroutine (no t.Fatal).
type reply struct {
	status int
	header http.Header
	body   string
}

// send makes one request as client (an address put in X-Forwarded-For)
// and reads the answer. It does not touch t, so goroutines may call it.
func send(c *http.Client, method, url, client, body string, header http.Header) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return reply{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s as %s: %w", method, url, client, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s as %s: reading body: %w", method, url, client, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// from sends a request to the gateway's path as client.
func (g *testGateway) from(t *testing.T, method, path, client, body string) reply {
	t.Helper()
	r, err := send(g.client, method, g.url(path), client, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// admin calls the admin API with a bearer token ("" sends none).
func (g *testGateway) admin(t *testing.T, method, path, token, body string) reply {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	r, err := send(g.client, method, "http://"+g.svc.AdminAddr()+path, "", body, h)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ban adds a ban through the admin API and checks it was stored.
func (g *testGateway) ban(t *testing.T, key, duration string) {
	t.Helper()
	r := g.admin(t, http.MethodPost, "/admin/bans", testAdminToken,
		fmt.Sprintf(`{"key":%q,"reason":"security test","duration":%q}`, key, duration))
	if r.status != http.StatusCreated {
		t.Fatalf("POST /admin/bans %s: status %d, body %q", key, r.status, r.body)
	}
}

// bans lists the ban keys through the admin API.
func (g *testGateway) bans(t *testing.T) map[string]string {
	t.Helper()
	r := g.admin(t, http.MethodGet, "/admin/bans", testAdminToken, "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /admin/bans: status %d, body %q", r.status, r.body)
	}
	var list struct {
		Bans []struct {
			Key    string `json:"key"`
			Source string `json:"source"`
		} `json:"bans"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatalf("GET /admin/bans body %q: %v", r.body, err)
	}
	out := map[string]string{}
	for _, b := range list.Bans {
		out[b.Key] = b.Source
	}
	return out
}

// wantReplyProblem is wantProblem for a reply.
func wantReplyProblem(t *testing.T, r reply, status int, code string) problem {
	t.Helper()
	return wantProblem(t, &http.Response{StatusCode: r.status, Header: r.header}, r.body, status, code)
}

// wantRetryAfter checks that Retry-After is a whole number of seconds in
// [lo, hi].
func wantRetryAfter(t *testing.T, r reply, lo, hi int) {
	t.Helper()
	v := r.header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		t.Fatalf("Retry-After = %q, want seconds in [%d, %d]", v, lo, hi)
	}
}

// waitMetricAtLeast polls until the metric reaches at least want.
func (g *testGateway) waitMetricAtLeast(t *testing.T, name string, labels map[string]string, want float64) {
	t.Helper()
	var got float64
	deadline := time.Now().Add(waitFor)
	for {
		if got = g.metric(t, name, labels); got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v, want at least %v", name, labels, got, want)
		}
		time.Sleep(pollInterval)
	}
}

// headerEchoUpstream answers every request with the request headers it
// received, as a JSON object of canonical names to values.
func headerEchoUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(r.Header)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// redisAddr returns REDIS_ADDR, skipping the test when it is not set.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		skipWithoutRedis(t, "REDIS_ADDR not set")
	}
	return addr
}

// skipWithoutRedis skips a test that needs Redis, or fails it where
// RAMPART_REQUIRE_REDIS=1 (.ci/run sets it in CI): there a skipped Redis
// test would hide exactly the multi-replica behaviour it exists to prove.
func skipWithoutRedis(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("RAMPART_REQUIRE_REDIS") == "1" {
		t.Fatalf("%s, and RAMPART_REQUIRE_REDIS=1 forbids skipping Redis tests", why)
	}
	t.Skip(why)
}

// redisPrefix returns a key prefix of its own for this test, so tests
// sharing one Redis never see each other's limits and bans, and deletes
// the test's keys at the end.
func redisPrefix(t *testing.T, addr string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix := "rampart-test-" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// redisServer is a redis-server child process on a loopback port of its
// own, which a test stops and starts to simulate an outage.
type redisServer struct {
	t    *testing.T
	port string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// startRedisServer starts redis-server on a free loopback port, skipping
// the test when redis-server is not installed.
func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		skipWithoutRedis(t, "redis-server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	s := &redisServer{t: t, port: port}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// addr is the server's host:port.
func (s *redisServer) addr() string { return "127.0.0.1:" + s.port }

// start runs redis-server (in memory only) and waits until it answers PING.
func (s *redisServer) start() {
	s.t.Helper()
	s.mu.Lock()
	cmd := exec.Command("redis-server", "--port", s.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatalf("starting redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
	defer c.Close()
	eventually(s.t, "redis-server on "+s.addr()+" to answer", func() bool {
		select {
		case <-done:
			s.t.Fatalf("redis-server on %s exited at start (port taken?)", s.addr())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err() == nil
	})
}

// stop kills the server (SIGKILL: an outage, not a shutdown) and waits
// until it has exited and its port refuses connections.
func (s *redisServer) stop() {
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
	case <-time.After(waitFor):
		s.t.Errorf("redis-server %d did not exit", cmd.Process.Pid)
	}
	eventually(s.t, "redis port "+s.port+" to refuse connections", func() bool {
		conn, err := net.DialTimeout("tcp", s.addr(), time.Second)
		if err != nil {
			return true
		}
		conn.Close()
		return false
	})
}
