package authz

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// benchRequest returns a request with a pipeline State (route, identity),
// typical client headers and the given target, plus the Guard.
func benchRequest(b *testing.B, method, target, routeName string, id *pipeline.Identity) (*Guard, *http.Request) {
	b.Helper()
	g, err := New(testConfig(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	var got *http.Request
	chain, err := pipeline.NewChain(pipeline.Options{Route: route(routeName),
		Next: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r })})
	if err != nil {
		b.Fatal(err)
	}
	chain.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, target, nil))
	if id != nil {
		pipeline.SetIdentity(got, id)
	}
	got.Header = http.Header{
		"Accept": {"application/json"}, "Accept-Encoding": {"gzip"}, "User-Agent": {"client/1.0"},
		"Authorization": {"Bearer x.y.z"}, "X-Request-Id": {"abc"}, "Content-Type": {"application/json"},
	}
	return g, got
}

// BenchmarkCheckNoRule is the baseline every request pays: strip the
// identity headers of an anonymous request on a route without a rule.
func BenchmarkCheckNoRule(b *testing.B) {
	g, r := benchRequest(b, http.MethodGet, "/api/public/x", "public", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckPathOwner is the typical rule: a scope and a path
// ownership check, with the five identity headers set.
func BenchmarkCheckPathOwner(b *testing.B) {
	g, r := benchRequest(b, http.MethodGet, "/api/users/alice/orders", "users", identities()["alice"])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckPathOwnerDenied prices a refused BOLA attempt.
func BenchmarkCheckPathOwnerDenied(b *testing.B) {
	g, r := benchRequest(b, http.MethodGet, "/api/users/alice/orders", "users", identities()["bob"])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Check(r); err == nil {
			b.Fatal("not denied")
		}
	}
}

// BenchmarkCheckIPLists: an IP allow and deny list, no identity. The
// client is httptest's 192.0.2.1, allowed through ::ffff:192.0.2.0/120.
func BenchmarkCheckIPLists(b *testing.B) {
	g, r := benchRequest(b, http.MethodGet, "/api/internal/x", "internal", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckBodyOwner reads, checks and restores a small JSON body.
func BenchmarkCheckBodyOwner(b *testing.B) {
	g, r := benchRequest(b, http.MethodPost, "/api/items", "items", identities()["alice"])
	const body = `{"name":"widget","description":"a blue widget","owner_id":42,"tags":["a","b"],"qty":3}`
	r.ContentLength = int64(len(body))
	src := strings.NewReader(body)
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(body)
		r.Body = io.NopCloser(src)
		if _, err := g.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}
