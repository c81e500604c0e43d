package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Helpers of the security_*_test.go files: requests from simulated client
// addresses (the gateway trusts 127.0.0.1 as a proxy and believes
// X-Forwarded-For) and the admin API. Redis for the shared-store tests
// comes from internal/redistest.

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
