package probe

import (
	"net/http"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// FuzzSpecOperations: any document, no panic, bounded operations.
func FuzzSpecOperations(f *testing.F) {
	f.Add([]byte(swagger2))
	f.Add([]byte(openapi3))
	f.Add([]byte(`{"openapi":"3.1.0","paths":{"/a":{"get":{"parameters":[{"$ref":"#/x/y"}]}}}}`))
	f.Add([]byte(`openapi: 3.1.0
paths: {/a: {get: {parameters: [{$ref: "#/paths/~1a/get/parameters/0"}]}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		sp, err := SpecOperations(doc)
		if err != nil {
			return
		}
		if len(sp.Operations) > maxSpecOperations {
			t.Fatalf("%d operations", len(sp.Operations))
		}
		for _, op := range sp.Operations {
			_ = ConcretePath(op)
		}
	})
}

// FuzzNotFound: any answer, no panic; a body equal to a sample's is
// always "not found".
func FuzzNotFound(f *testing.F) {
	f.Add(200, []byte("<html>app</html>"), "/api/x", "text/html")
	f.Add(302, []byte(""), "/.env", "")
	f.Add(404, []byte(`{"error":"no route /x"}`), "/x", "application/json")
	f.Fuzz(func(t *testing.T, status int, body []byte, path, ctype string) {
		h := http.Header{"Content-Type": {ctype}, "Location": {path}}
		b := &Baseline{Samples: []Sample{sampleOf("/rampart-0123456789abcdef", status, h, body)}}
		_ = b.NotFound(status, h, body, path)
		if (status < 300 || status >= 400) && !b.NotFound(status, h, body, "/rampart-0123456789abcdef") {
			t.Fatalf("the sample's own answer is not 'not found'")
		}
		if n := Normalise(body, path); len(n) > 2*maxNormalise+64 && len(path) < 64 {
			t.Fatalf("normalised body of %d bytes", len(n))
		}
	})
}

// FuzzCurl: any recorded request gives one command whose quotes balance.
func FuzzCurl(f *testing.F) {
	f.Add("POST", "http://h/x?a='b'", "Bearer [redacted]", `{"a":"'"}`, "user1")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, method, url, auth, body, profile string) {
		cmd := Curl(coreRequest(method, url, auth, body, profile))
		if len(cmd) > 8*(len(method)+len(url)+len(auth)+len(body)+len(profile))+256 {
			t.Fatalf("curl command of %d bytes", len(cmd))
		}
	})
}

func coreRequest(method, url, auth, body, profile string) core.HTTPRequest {
	return core.HTTPRequest{Method: method, URL: url, Header: map[string][]string{"Authorization": {auth}}, Body: body, Profile: profile}
}
