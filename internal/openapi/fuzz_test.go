package openapi

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/inspect"
)

// checkPublic asserts what every failure promises a client: a bounded
// pointer, a reason, no control characters.
func checkPublic(t *testing.T, err *RequestError) {
	t.Helper()
	if err.Reason == "" {
		t.Fatalf("empty reason: %#v", err)
	}
	if len(err.Location) > maxLocationBytes+len("…") {
		t.Fatalf("location of %d bytes", len(err.Location))
	}
	pub := err.Public()
	if !utf8.ValidString(pub) {
		t.Fatalf("public text is not UTF-8: %q", pub)
	}
	for _, r := range pub {
		if !unicode.IsPrint(r) {
			t.Fatalf("public text %q holds %U", pub, r)
		}
	}
}

// FuzzValidateRequest sends arbitrary paths, queries and bodies of every
// kind through Find and ValidateRequest.
func FuzzValidateRequest(f *testing.F) {
	f.Add("POST", "/orders", "", "application/json", string(orderBody()))
	f.Add("GET", "/orders", "limit=5&ids=a&ids=b&fields=id,status&filter=%7B%7D", "", "")
	f.Add("PATCH", "/users/me", "", "application/json", `{"role":"admin","name":{"x":[1,2,{"y":1e400}]}}`)
	f.Add("POST", "/feedback", "", "application/x-www-form-urlencoded", "rating=1&topics=x&topics=y")
	f.Add("PUT", "/files/a.json", "", "text/plain; charset=utf-8", "\xff\xfe")
	f.Add("POST", "/notes", "", "application/json", `{"text":"a","attributes":{"\u0000":"b"}}`)
	f.Add("GET", "/orders/%zz", "a=%", "", "")
	s := mustLoad(f, shopSpec)
	f.Fuzz(func(t *testing.T, method, path, query, contentType, body string) {
		r := &http.Request{Method: method, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("X-Tenant", testTenantID)
		op, params, status := s.Find(method, path)
		if op == nil {
			if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
				t.Fatalf("status %d without an operation", status)
			}
			return
		}
		if err := op.ValidateRequest(r, params, []byte(body)); err != nil {
			checkPublic(t, err)
		}
	})
}

// FuzzValidateResponse checks arbitrary response bodies.
func FuzzValidateResponse(f *testing.F) {
	f.Add(`{"orders":[{"id":"x","card_number":"1","items":[{"sku":1}]}]}`)
	f.Add(`{"orders":[[[[[]]]]]}`)
	f.Add(`[1e999999]`)
	op := mustLoad(f, shopSpec).Operation("listOrders")
	f.Fuzz(func(t *testing.T, body string) {
		rep := op.ValidateResponse(200, jsonHeader(), []byte(body))
		if len(rep.Undeclared) > maxFindings || len(rep.Invalid) > maxFindings {
			t.Fatalf("unbounded report: %d, %d", len(rep.Undeclared), len(rep.Invalid))
		}
	})
}

// FuzzScanPlan asks arbitrary questions of a plan.
func FuzzScanPlan(f *testing.F) {
	for _, name := range []string{"/tree/children/0/children/1/value", "/owner/id", "/pair/0", "2", "X-Key", "/a~1b~0c", "/~", "/0/0/0"} {
		f.Add(uint8(inspect.JSON), name)
	}
	f.Add(uint8(inspect.Path), "99999999999999999999")
	plan := mustLoad(f, "testdata/plan31.yaml").Operation("postWidget").Plan()
	f.Fuzz(func(t *testing.T, src uint8, name string) {
		s := inspect.Source(src)
		_ = plan.Skip(s, name)
		_ = plan.SkipKey(s, name)
		_ = plan.WithPathOffset(int(src)).Skip(s, name)
	})
}

// FuzzStrictPattern analyses arbitrary patterns; a pattern judged strict
// compiles and accepts nothing unsafe among simple probes.
func FuzzStrictPattern(f *testing.F) {
	for _, p := range []string{`^[A-Za-z0-9_-]{1,64}$`, `^.*$`, `^(?i)ks$`, `^(a|b)*$`, `^[\x00-\x{10FFFF}]$`, `^\pL+$`} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		if !strictPattern(pattern) {
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("strict pattern %q does not compile: %v", pattern, err)
		}
		for _, probe := range []string{"'", " ", ".", "/", "<", ";", "\n", "\u212a", "a'", "a b"} {
			if re.MatchString(probe) {
				t.Fatalf("strict pattern %q accepts %q", pattern, probe)
			}
		}
	})
}
