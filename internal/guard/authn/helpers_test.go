package authn

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/store"
)

// newClock is the settable clock of the tests.
func newClock() *pipelinetest.Clock {
	return pipelinetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// loadRSA reads a test key from testdata: generating RSA keys is slow,
// above all under the race detector.
func loadRSA(path string) *rsa.PrivateKey {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		panic("no PEM in " + path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	return k.(*rsa.PrivateKey)
}

// testKeys are made once per test binary.
type testKeys struct {
	rsa, rsa2 *rsa.PrivateKey
	ec        *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
}

var sharedKeys = sync.OnceValue(func() *testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &testKeys{rsa: loadRSA("testdata/rsa1.pem"), rsa2: loadRSA("testdata/rsa2.pem")}
	var err error
	k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

func newMemoryStore(t testing.TB, clock *pipelinetest.Clock) *store.Memory {
	t.Helper()
	m, err := store.NewMemory(store.MemoryConfig{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func asDenial(err error) *pipeline.Denial {
	var d *pipeline.Denial
	if errors.As(err, &d) {
		return d
	}
	return nil
}

func mustNew(t testing.TB, cfg Config, opts Options) *Authenticator {
	t.Helper()
	a, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func mustGuard(t testing.TB, a *Authenticator, p Policy) *Guard {
	t.Helper()
	g, err := a.Guard(p)
	if err != nil {
		t.Fatalf("Guard: %v", err)
	}
	return g
}

// gateway is a real pipeline.Chain with the guard in front of an echo
// upstream, served by a real HTTP(S) server on loopback. It records each
// request's Outcome by request id.
type gateway struct {
	srv *httptest.Server
	mu  sync.Mutex
	out map[string]recorded
}

type recorded struct {
	identity *pipeline.Identity
	rules    []string
	denials  []pipeline.Denial
}

func (g *gateway) WriteOutcome(o *pipeline.Outcome) {
	rec := recorded{}
	if o.Identity != nil {
		id := *o.Identity
		rec.identity = &id
	}
	for _, d := range o.Denials {
		rec.rules = append(rec.rules, d.Rule)
		rec.denials = append(rec.denials, d)
	}
	g.mu.Lock()
	g.out[o.RequestID] = rec
	g.mu.Unlock()
}

// newGateway serves guard over plain HTTP, or TLS when tlsConfig is set
// (then the server asks for client certificates per tlsConfig).
func newGateway(t testing.TB, guard pipeline.Guard, tlsConfig *tls.Config) *gateway {
	t.Helper()
	gw := &gateway{out: map[string]recorded{}}
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", "reached")
		_, _ = w.Write(body)
	})
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: guard}},
		Next:     upstream,
		Outcomes: []pipeline.OutcomeSink{gw},
	})
	if err != nil {
		t.Fatal(err)
	}
	gw.srv = httptest.NewUnstartedServer(chain)
	if tlsConfig != nil {
		gw.srv.TLS = tlsConfig
		gw.srv.StartTLS()
	} else {
		gw.srv.Start()
	}
	t.Cleanup(gw.srv.Close)
	return gw
}

type result struct {
	status   int
	body     string
	header   http.Header
	identity *pipeline.Identity
	rule     string
}

// do sends req with client (the server's own client when nil).
func (g *gateway) do(t testing.TB, client *http.Client, req *http.Request) result {
	t.Helper()
	if client == nil {
		client = g.srv.Client()
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	res := result{status: resp.StatusCode, body: string(body), header: resp.Header}
	g.mu.Lock()
	rec := g.out[resp.Header.Get("X-Request-Id")]
	g.mu.Unlock()
	res.identity = rec.identity
	if len(rec.rules) > 0 {
		res.rule = rec.rules[0]
	}
	return res
}

func (g *gateway) request(t testing.TB, method, path string, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// wantDenied checks the uniform 401 and the rule recorded for logs.
func wantDenied(t testing.TB, res result, rule string) {
	t.Helper()
	if res.status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401 (rule %q, body %s)", res.status, res.rule, res.body)
	}
	if !strings.Contains(res.body, `"detail":"Authentication required."`) || !strings.Contains(res.body, "urn:rampart:problem:unauthenticated") {
		t.Errorf("401 body is not the uniform problem: %s", res.body)
	}
	if len(res.header.Values("Www-Authenticate")) == 0 {
		t.Error("401 without WWW-Authenticate")
	}
	if res.header.Get("X-Upstream") != "" {
		t.Error("a denied request reached the upstream")
	}
	if rule != "" && res.rule != rule {
		t.Errorf("rule %q, want %q", res.rule, rule)
	}
}

func wantAllowed(t testing.TB, res result, subject string) *pipeline.Identity {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200 (rule %q, body %s)", res.status, res.rule, res.body)
	}
	if res.identity == nil {
		t.Fatal("no identity recorded")
	}
	if res.identity.Subject != subject {
		t.Errorf("subject %q, want %q", res.identity.Subject, subject)
	}
	return res.identity
}
