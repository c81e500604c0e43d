package openapi

// The comparison that chose this package's design (see the package doc):
// kin-openapi's openapi3filter, pb33f/libopenapi-validator and this
// package on the same requests. libopenapi-validator is imported by this
// test only.

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi/datamodel"
)

const (
	shopSpec     = "testdata/shop/openapi.yaml"
	sampleSpec   = "../sampleapi/openapi.yaml"
	features31   = "testdata/features31.yaml"
	testTenantID = "7f8c2b4e-1d3a-4c5b-9e6f-0a1b2c3d4e5f"
)

// orderBody is a valid 1.5 KB createOrder body of the shop API: fifteen
// line items, an address, patterns, a date, numbers.
func orderBody() []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range 15 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"sku":"ABC-12` + strconv.Itoa(i%10) + `3","qty":` + strconv.Itoa(1+i%9) + `,"unit_cents":1299,"label":"Blue widget, large size"}`)
	}
	b.WriteString(`],"shipping":{"name":"Ada Lovelace","line1":"12 Analytical Engine Street","city":"London","postcode":"NW1 2DB","country":"GB"},`)
	b.WriteString(`"notes":"Please leave the parcel with the neighbour at number 14 if nobody answers the door. Thanks!","coupon":"SPRING2024","gift":true,"delivery_date":"2024-05-17"}`)
	return []byte(b.String())
}

// itemBody is a valid 1.5 KB createItem body of the sample API.
func itemBody() []byte {
	return []byte(`{"name":"Blue widget","description":"` + strings.Repeat("A sturdy blue widget. ", 66) + `"}`)
}

// engine validates a request against a document.
type engine struct {
	name     string
	validate func(r *http.Request, body []byte) error
}

func ourEngine(tb testing.TB, path string) engine {
	s, err := Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	return engine{name: "rampart", validate: func(r *http.Request, body []byte) error {
		op, params, status := s.Find(r.Method, r.URL.EscapedPath())
		if op == nil {
			return &RequestError{Reason: http.StatusText(status)}
		}
		if err := op.ValidateRequest(r, params, body); err != nil {
			return err
		}
		return nil
	}}
}

func kinEngine(tb testing.TB, path string) engine {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	doc.Servers = nil // match paths, not hosts
	router, err := legacy.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	return engine{name: "kin-openapi", validate: func(r *http.Request, _ []byte) error {
		route, params, err := router.FindRoute(r)
		if err != nil {
			return err
		}
		return openapi3filter.ValidateRequest(context.Background(),
			&openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts})
	}}
}

var _ routers.Router // the router kinEngine builds

func libEngine(tb testing.TB, path string) engine {
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := libopenapi.NewDocumentWithConfiguration(data,
		&datamodel.DocumentConfiguration{BasePath: dir, AllowFileReferences: true})
	if err != nil {
		tb.Fatal(err)
	}
	v, errs := validator.NewValidator(doc, config.WithoutSecurityValidation(), config.WithFormatAssertions())
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	return engine{name: "libopenapi-validator", validate: func(r *http.Request, _ []byte) error {
		if ok, verrs := v.ValidateHttpRequestSync(r); !ok {
			return verrs[0]
		}
		return nil
	}}
}

// request is one request of the comparison.
type request struct {
	name, spec, method, target, contentType string
	body                                    []byte
	header                                  map[string]string
	invalid                                 bool // every engine must refuse it
}

func (c request) build() *http.Request {
	r := httptest.NewRequest(c.method, c.target, bytes.NewReader(c.body))
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	return r
}

func comparisonRequests() []request {
	return []request{
		{name: "3.0/post-1.5KB", spec: shopSpec, method: "POST", target: "/orders", contentType: "application/json", body: orderBody()},
		{name: "3.0/get-query", spec: shopSpec, method: "GET",
			target: "/orders?limit=20&status=paid&since=2024-05-01T10:00:00Z&cursor=abc_DEF-123&q=blue+widget",
			header: map[string]string{"X-Tenant": testTenantID}},
		{name: "3.1/post-1.5KB", spec: sampleSpec, method: "POST", target: "/api/items", contentType: "application/json", body: itemBody()},
		{name: "3.1/get-query", spec: sampleSpec, method: "GET", target: "/api/stream?n=10&delay_ms=5"},
		// What an attacker makes the gateway do: one wrong type deep in
		// the 1.5 KB body.
		{name: "3.0/post-1.5KB-invalid", spec: shopSpec, method: "POST", target: "/orders", contentType: "application/json",
			body: bytes.Replace(orderBody(), []byte(`"qty":9`), []byte(`"qty":"9"`), 1), invalid: true},
	}
}

// TestComparisonRequestsAreValid: every engine accepts the benchmark's
// valid requests and refuses the invalid one, so the benchmark compares
// the same work.
func TestComparisonRequestsAreValid(t *testing.T) {
	for _, c := range comparisonRequests() {
		for _, e := range []engine{ourEngine(t, c.spec), kinEngine(t, c.spec), libEngine(t, c.spec)} {
			if err := e.validate(c.build(), c.body); (err != nil) != c.invalid {
				t.Errorf("%s %s: err = %v, want invalid: %v", e.name, c.name, err, c.invalid)
			}
		}
	}
	if n := len(orderBody()); n < 1400 || n > 1600 {
		t.Errorf("order body is %d bytes, want about 1.5 KB", n)
	}
	if n := len(itemBody()); n < 1400 || n > 1600 {
		t.Errorf("item body is %d bytes, want about 1.5 KB", n)
	}
}

// TestComparison31Features checks the OpenAPI 3.1 keywords the choice
// depended on: type arrays, const, examples, keywords next to a $ref. All
// three engines agree on them; on readOnly in a request, which neither
// library enforces for 3.1, this package reports mass assignment.
func TestComparison31Features(t *testing.T) {
	tests := []struct {
		name            string
		body            string
		valid           bool
		librariesAccept bool // the libraries' verdict where it differs
	}{
		{name: "valid with null in a type array", body: `{"kind":"widget","nickname":null,"label":"abc","size":1}`, valid: true},
		{name: "valid string in a type array", body: `{"kind":"widget","nickname":"bob"}`, valid: true},
		{name: "const", body: `{"kind":"gadget"}`},
		{name: "type array rejects a number", body: `{"kind":"widget","nickname":5}`},
		{name: "maxLength in a type array", body: `{"kind":"widget","nickname":"toolong"}`},
		{name: "maxLength next to a $ref", body: `{"kind":"widget","label":"abcd"}`},
		{name: "the referenced maxLength", body: `{"kind":"widget","label":"abcdefghijkl"}`},
		{name: "additionalProperties false", body: `{"kind":"widget","extra":7}`},
		{name: "readOnly in a request", body: `{"kind":"widget","owner":7}`, librariesAccept: true},
	}
	engines := []engine{ourEngine(t, features31), kinEngine(t, features31), libEngine(t, features31)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := request{method: "POST", target: "/things", contentType: "application/json", body: []byte(tt.body)}
			for i, e := range engines {
				want := tt.valid || (i > 0 && tt.librariesAccept)
				if got := e.validate(c.build(), c.body) == nil; got != want {
					t.Errorf("%s: valid = %v, want %v", e.name, got, want)
				}
			}
		})
	}
}

// BenchmarkComparison validates the same requests with the three engines.
// Request construction is inside the loop for all three (the libraries
// consume the body); BenchmarkComparison/baseline measures it alone.
func BenchmarkComparison(b *testing.B) {
	for _, c := range comparisonRequests() {
		b.Run("baseline/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.build()
			}
		})
		for _, e := range []engine{ourEngine(b, c.spec), kinEngine(b, c.spec), libEngine(b, c.spec)} {
			b.Run(e.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := e.validate(c.build(), c.body); (err != nil) != c.invalid {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
