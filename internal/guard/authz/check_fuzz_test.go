package authz

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
)

// TestCheckOutsideChain: a bare request (no State, no header map) neither
// panics nor fails: there is no identity and no route.
func TestCheckOutsideChain(t *testing.T) {
	g, err := New(testConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &http.Request{Method: "GET", URL: &url.URL{Path: "/api/users/alice/orders"}, RemoteAddr: "garbage"}
	if _, err := g.Check(r); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// FuzzCheck sends arbitrary paths, queries, bodies and headers through the
// real chain: Check never panics, answers only with the statuses it
// documents, and never lets a client-sent identity header through.
func FuzzCheck(f *testing.F) {
	f.Add("GET", "/api/users/alice/orders", "", "", "", "alice", "")
	f.Add("POST", "/api/items", "", "application/json", `{"owner_id":42,"OWNER_ID":43}`, "alice", "DELETE")
	f.Add("get", "/api/items", "owner=alice;owner=bob&_method=put", "", "", "bob", "")
	f.Add("POST", "/api/nested", "", "", `{"order":{"customer":{"id":"alice"}}}`, "alice", "")
	f.Add("PUT", "/api/users/a%2Fb/orders", "", "text/plain", "\x00", "crlf", "x,y")
	g, err := New(testConfig(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	var seen *http.Request
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages: []pipeline.Stage{{Guard: pipelinetest.RouteBySegment{}}, {Guard: identityFromHeader{ids: identities()}}, {Guard: g}},
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r
			_, _ = io.Copy(io.Discard, r.Body)
		}),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, rawPath, rawQuery, contentType, body, user, override string) {
		u, err := url.Parse("http://gw" + rawPath)
		if err != nil || !validToken(method) {
			return
		}
		u.RawQuery = rawQuery
		r := &http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: "gw",
			RemoteAddr: "192.0.2.1:1234", Header: http.Header{
				testUserHeader: {user}, "Content-Type": {contentType}, "X-Http-Method-Override": {override},
				"X-Rampart-Subject": {"root"}, "X_rampart_roles": {"admin"},
			}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
		seen = nil
		w := httptest.NewRecorder()
		chain.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %s %q", w.Code, method, rawPath)
		}
		if seen == nil {
			return
		}
		if got := seen.Header["X-Rampart-Subject"]; len(got) > 0 && got[0] == "root" {
			t.Fatal("a client-sent X-Rampart-Subject reached the upstream")
		}
		if _, ok := seen.Header["X_rampart_roles"]; ok {
			t.Fatal("a client-sent X_rampart_roles reached the upstream")
		}
	})
}
