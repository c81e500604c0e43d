package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/config"
)

// waitFor bounds every poll in these tests: generous for a loaded 2-core
// machine under -race, and only ever reached when something is broken.
const waitFor = 10 * time.Second

// pollInterval is the pause between two looks at something we wait for.
const pollInterval = 5 * time.Millisecond

// eventually polls cond until it holds or waitFor passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitFor, what)
		}
		time.Sleep(pollInterval)
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger
// and the reads of a test.
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

// gwConfig is the part of rampart.yaml a test varies. The helper supplies
// loopback listeners on free ports, the admin listener, debug logging and
// the access and event logs in the test's temporary directory.
type gwConfig struct {
	// listen is the body of the listen mapping, indented by two spaces.
	// Empty means plain HTTP on 127.0.0.1:0.
	listen string
	// rest is every other top-level section (apis, limits, ...), at column 0.
	rest string
}

func (c gwConfig) yaml(dir string) string {
	listen := c.listen
	if listen == "" {
		listen = "  http: \"127.0.0.1:0\"\n"
	}
	if !strings.Contains(listen, "shutdown:") {
		listen += "  timeouts:\n    shutdown: 5s\n"
	}
	return "listen:\n" + listen +
		"admin:\n  listen: \"127.0.0.1:0\"\n" +
		"logging:\n  level: debug\n  access_log: " + strconv.Quote(filepath.Join(dir, "access.log")) + "\n" +
		"events:\n  file: " + strconv.Quote(filepath.Join(dir, "events.jsonl")) + "\n" +
		strings.TrimLeft(c.rest, "\n")
}

// testGateway is a gateway started by gateway.Start on loopback, with its
// configuration file, logs and a client.
type testGateway struct {
	svc        *Service
	dir        string
	configPath string
	stderr     *syncBuffer
	client     *http.Client
	stopOnce   sync.Once
	stopErr    error
}

// startGateway writes cfg to a file, parses it with config.Parse (the
// in-memory path the demo uses) and starts the gateway with both, so that
// Reload reads the file again.
func startGateway(t *testing.T, cfg gwConfig) *testGateway {
	t.Helper()
	dir := t.TempDir()
	return startGatewayYAML(t, dir, cfg.yaml(dir))
}

// startGatewayYAML is startGateway with the configuration file's text,
// written to dir/rampart.yaml.
func startGatewayYAML(t *testing.T, dir, text string) *testGateway {
	t.Helper()
	g := &testGateway{dir: dir, configPath: filepath.Join(dir, "rampart.yaml"), stderr: &syncBuffer{}}
	g.writeRaw(t, text)
	data, err := os.ReadFile(g.configPath)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := config.Parse(g.configPath, data)
	if err != nil {
		t.Fatalf("config.Parse:\n%v\n--- yaml ---\n%s", err, data)
	}
	g.svc, err = Start(RunOptions{ConfigPath: g.configPath, Config: parsed, Stdout: io.Discard, Stderr: g.stderr})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	g.client = newClient(t)
	t.Cleanup(func() {
		// A test that shut the gateway down itself checked the result.
		if byCleanup, err := g.shutdownOnce(); byCleanup && err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", g.stderr.String())
		}
	})
	return g
}

// writeConfig (re)writes the configuration file, e.g. before a Reload.
func (g *testGateway) writeConfig(t *testing.T, cfg gwConfig) {
	t.Helper()
	g.writeRaw(t, cfg.yaml(g.dir))
}

func (g *testGateway) writeRaw(t *testing.T, text string) {
	t.Helper()
	if err := os.WriteFile(g.configPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// shutdown stops the gateway once; later calls return the first result.
func (g *testGateway) shutdown() error {
	_, err := g.shutdownOnce()
	return err
}

// shutdownOnce also reports whether this call did the shutdown.
func (g *testGateway) shutdownOnce() (ran bool, err error) {
	g.stopOnce.Do(func() {
		ran = true
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		g.stopErr = g.svc.Shutdown(ctx)
	})
	return ran, g.stopErr
}

// url returns the gateway's plain-HTTP URL for path.
func (g *testGateway) url(path string) string { return "http://" + g.svc.HTTPAddr() + path }

// getInBackground GETs path from another goroutine and sends the answer
// ("200 body") or the error text on the channel it returns, for tests that
// hold a request in flight while they act.
func (g *testGateway) getInBackground(path string) <-chan string {
	done := make(chan string, 1)
	go func() {
		resp, err := g.client.Get(g.url(path))
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	return done
}

// newClient returns a client with its own connection pool, closed at the
// end of the test.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 16, ForceAttemptHTTP2: false}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitFor}
}

// do sends req and returns the response with its body read.
func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return resp, string(body)
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

// rawRequest sends target exactly as written in the request line, which
// http.Client would not do for every malformed path, and reads the answer.
func rawRequest(t *testing.T, addr, method, target, host string, header http.Header) (*http.Response, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(waitFor))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if method == http.MethodPost || method == http.MethodPut {
		b.WriteString("Content-Length: 0\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: reading response: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// problem is the RFC 9457 body the gateway writes for every error.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
}

// wantProblem checks that a response is an RFC 9457 problem with code.
func wantProblem(t *testing.T, resp *http.Response, body string, status int, code string) problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %q", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %q", ct, body)
	}
	var p problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if want := "urn:rampart:problem:" + code; p.Type != want {
		t.Fatalf("problem type = %q, want %q", p.Type, want)
	}
	if p.Status != status {
		t.Fatalf("problem status = %d, want %d", p.Status, status)
	}
	return p
}

// echo is what echoUpstream answers: what the upstream received.
type echo struct {
	Upstream string `json:"upstream"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Host     string `json:"host"`
	XFF      string `json:"xff"`
	XFHost   string `json:"xf_host"`
	Body     int    `json:"body_bytes"`
}

// echoUpstream is an upstream that describes the request it received.
func echoUpstream(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echo{
			Upstream: name, Method: r.Method, Path: r.URL.Path, Host: r.Host,
			XFF: strings.Join(r.Header.Values("X-Forwarded-For"), ","), XFHost: r.Header.Get("X-Forwarded-Host"),
			Body: int(n),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// textUpstream answers every request with 200 and text.
func textUpstream(t *testing.T, text string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// blockingUpstream holds every request whose path ends in "/slow" until
// unblock is called, telling arrived about each one; other paths are
// answered at once. Both answer 200 with body.
type blockingUpstream struct {
	*httptest.Server
	arrived   chan string
	release   chan struct{}
	unblocked sync.Once
}

func newBlockingUpstream(t *testing.T, body string) *blockingUpstream {
	t.Helper()
	u := &blockingUpstream{arrived: make(chan string, 16), release: make(chan struct{})}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/slow") {
			u.arrived <- r.URL.Path
			select {
			case <-u.release:
			case <-r.Context().Done():
				return
			}
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(u.Server.Close)
	t.Cleanup(u.unblock) // runs first: Close waits for held requests
	return u
}

// unblock lets every held (and future) request through.
func (u *blockingUpstream) unblock() { u.unblocked.Do(func() { close(u.release) }) }

// awaitArrival waits until the upstream holds a request.
func (u *blockingUpstream) awaitArrival(t *testing.T) string {
	t.Helper()
	select {
	case p := <-u.arrived:
		return p
	case <-time.After(waitFor):
		t.Fatal("timed out waiting for the request to reach the upstream")
		return ""
	}
}

// accessEntry returns the access-log line of the request with id, polling
// because the Outcome may be written just after the client has its answer.
func (g *testGateway) accessEntry(t *testing.T, requestID string) map[string]any {
	t.Helper()
	if requestID == "" {
		t.Fatal("response has no X-Request-Id")
	}
	var found map[string]any
	eventually(t, "access log line of request "+requestID, func() bool {
		data, err := os.ReadFile(filepath.Join(g.dir, "access.log"))
		if err != nil {
			return false
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if !strings.Contains(line, requestID) {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("access log line %q: %v", line, err)
			}
			if m["http.request.id"] == requestID {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// events returns the event log so far.
func (g *testGateway) events(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(g.dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// adminGet fetches a path from the admin listener.
func (g *testGateway) adminGet(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return get(t, g.client, "http://"+g.svc.AdminAddr()+path)
}

// metric scrapes /metrics and returns the sum of the samples of name whose
// labels include every pair in labels (0 when none match).
func (g *testGateway) metric(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	resp, body := g.adminGet(t, "/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: status %d", resp.StatusCode)
	}
	total := 0.0
	for line := range strings.SplitSeq(body, "\n") {
		series, value, ok := parseSample(line)
		if !ok || series.name != name {
			continue
		}
		match := true
		for k, v := range labels {
			if series.labels[k] != v {
				match = false
				break
			}
		}
		if match {
			total += value
		}
	}
	return total
}

// waitMetric polls until the metric reaches want.
func (g *testGateway) waitMetric(t *testing.T, name string, labels map[string]string, want float64) {
	t.Helper()
	var got float64
	deadline := time.Now().Add(waitFor)
	for {
		if got = g.metric(t, name, labels); got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v, want %v", name, labels, got, want)
		}
		time.Sleep(pollInterval)
	}
}

type sampleSeries struct {
	name   string
	labels map[string]string
}

// parseSample parses one line of the Prometheus text format, e.g.
// `rampart_requests_total{api="a",route="b"} 3`. Label values written by
// the gateway never contain `",` or escapes, which keeps this simple.
func parseSample(line string) (sampleSeries, float64, bool) {
	if line == "" || line[0] == '#' {
		return sampleSeries{}, 0, false
	}
	s := sampleSeries{labels: map[string]string{}}
	rest := line
	if i := strings.IndexByte(line, '{'); i >= 0 {
		end := strings.LastIndexByte(line, '}')
		if end < i {
			return sampleSeries{}, 0, false
		}
		s.name = line[:i]
		for pair := range strings.SplitSeq(line[i+1:end], `",`) {
			k, v, ok := strings.Cut(pair, `="`)
			if !ok {
				continue
			}
			s.labels[k] = strings.TrimSuffix(v, `"`)
		}
		rest = strings.TrimSpace(line[end+1:])
	} else {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			return sampleSeries{}, 0, false
		}
		s.name, rest = name, value
	}
	if f := strings.Fields(rest); len(f) > 0 {
		rest = f[0]
	}
	v, err := strconv.ParseFloat(rest, 64)
	if err != nil {
		return sampleSeries{}, 0, false
	}
	return s, v, true
}
