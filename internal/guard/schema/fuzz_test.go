package schema

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// FuzzCheck runs arbitrary requests through Check: no panic, and every
// refusal is a 4xx Denial whose public text is printable and bounded.
func FuzzCheck(f *testing.F) {
	f.Add("POST", "/api/items", "", "application/json", itemBody())
	f.Add("PATCH", "/api/users/me", "", "application/json", `{"role":"admin","name":{"x":[1,{"y":1e400}]}}`)
	f.Add("GET", "/api/stream", "n=1&n=2&delay_ms=%zz", "", "")
	f.Add("POST", "/api/login", "", "application/json; charset=latin1", `{"username":"a","username":"b"}`)
	f.Add("GET", "/api/items/%2e%2e", "", "", "")
	f.Add("PUT", "/api/items/1", "", "application/x-www-form-urlencoded", "name=x")
	g, err := New(Config{Spec: loadSpec(f, sampleSpecPath), MaxBodyBytes: 4 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, query, contentType, body string) {
		u := &url.URL{Path: path, RawQuery: query}
		if p, err := url.PathUnescape(path); err == nil {
			u.Path, u.RawPath = p, path
		}
		r := &http.Request{Method: method, URL: u, Header: http.Header{"Content-Type": {contentType}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
		_, err := g.Check(r)
		if err == nil {
			return
		}
		var d *pipeline.Denial
		if !errors.As(err, &d) {
			t.Fatalf("not a denial: %v", err)
		}
		if d.Status < 400 || d.Status > 499 {
			t.Fatalf("status %d", d.Status)
		}
		if len(d.PublicMessage) > 400 {
			t.Fatalf("public message of %d bytes", len(d.PublicMessage))
		}
		for _, r := range d.PublicMessage {
			if !unicode.IsPrint(r) {
				t.Fatalf("public message %q holds %U", d.PublicMessage, r)
			}
		}
	})
}
