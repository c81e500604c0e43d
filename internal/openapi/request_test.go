package openapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// vcall is a request to validate.
type vcall struct {
	method, target, contentType, body string
	header                            http.Header
}

func (c vcall) request() *http.Request {
	r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
	if c.body == "" {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	for k, vs := range c.header {
		r.Header[k] = vs
	}
	return r
}

// validate finds the operation and validates the request, as the schema
// guard does.
func validate(t *testing.T, s *Spec, c vcall) *RequestError {
	t.Helper()
	r := c.request()
	op, params, status := s.Find(r.Method, r.URL.EscapedPath())
	if op == nil {
		t.Fatalf("%s %s: no operation (%d)", c.method, c.target, status)
	}
	var body []byte
	if op.BodyWanted(r.Header) {
		body = []byte(c.body)
	}
	return op.ValidateRequest(r, params, body)
}

func tenant() http.Header { return http.Header{"X-Tenant": {testTenantID}} }

func with(h http.Header, k, v string) http.Header {
	h = h.Clone()
	h.Add(k, v)
	return h
}

// TestValidateRequest: each failure has its kind, a pointer to the input
// and a generic reason; valid requests pass.
func TestValidateRequest(t *testing.T) {
	shop := mustLoad(t, shopSpec)
	order := string(orderBody())
	tests := []struct {
		name       string
		call       vcall
		wantKind   Kind // 0: valid
		wantLoc    string
		wantReason string
	}{
		// Parameters.
		{name: "valid query", call: vcall{method: "GET", header: tenant(),
			target: "/orders?limit=20&status=paid&since=2024-05-01T10:00:00Z&cursor=abc_DEF-123&q=blue+widget"}},
		{name: "integer", call: vcall{method: "GET", target: "/orders?limit=ten", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/limit", wantReason: "must be an integer"},
		{name: "not a JSON number", call: vcall{method: "GET", target: "/orders?limit=0x10", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/limit", wantReason: "must be an integer"},
		{name: "maximum", call: vcall{method: "GET", target: "/orders?limit=101", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/limit", wantReason: "is too large"},
		{name: "enum", call: vcall{method: "GET", target: "/orders?status=lost", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/status", wantReason: "is not an allowed value"},
		{name: "format", call: vcall{method: "GET", target: "/orders?since=yesterday", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/since", wantReason: "is not a valid date-time"},
		{name: "pattern", call: vcall{method: "GET", target: "/orders?cursor=a%27b", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/cursor", wantReason: "does not have the expected format"},
		{name: "maxLength", call: vcall{method: "GET", target: "/orders?q=" + strings.Repeat("x", 201), header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/q", wantReason: "is too long"},
		{name: "parameter pollution", call: vcall{method: "GET", target: "/orders?limit=1&limit=2", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/limit", wantReason: "must not be repeated"},
		{name: "malformed query", call: vcall{method: "GET", target: "/orders?limit=%zz", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query", wantReason: "is malformed"},
		{name: "required header", call: vcall{method: "GET", target: "/orders"},
			wantKind: KindParameter, wantLoc: "/header/X-Tenant", wantReason: "is required"},
		{name: "header format", call: vcall{method: "GET", target: "/orders", header: http.Header{"X-Tenant": {"acme"}}},
			wantKind: KindParameter, wantLoc: "/header/X-Tenant", wantReason: "is not a valid uuid"},
		{name: "cookie", call: vcall{method: "GET", target: "/orders", header: with(tenant(), "Cookie", "theme=neon")},
			wantKind: KindParameter, wantLoc: "/cookie/theme", wantReason: "is not an allowed value"},
		{name: "cookie net/http would drop", call: vcall{method: "GET", target: "/orders", header: with(tenant(), "Cookie", "a=1; theme=' OR 1=1--")},
			wantKind: KindParameter, wantLoc: "/cookie/theme", wantReason: "is not an allowed value"},
		{name: "cookie sent twice", call: vcall{method: "GET", target: "/orders", header: with(with(tenant(), "Cookie", "theme=dark"), "Cookie", "theme=light")},
			wantKind: KindParameter, wantLoc: "/cookie/theme", wantReason: "must not be repeated"},
		{name: "valid cookie", call: vcall{method: "GET", target: "/orders", header: with(tenant(), "Cookie", "theme=dark; other=x")}},
		{name: "exploded array", call: vcall{method: "GET", target: "/orders?ids=" + testTenantID + "&ids=nope", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/ids/1", wantReason: "is not a valid uuid"},
		{name: "valid exploded array", call: vcall{method: "GET", target: "/orders?ids=" + testTenantID + "&ids=" + testTenantID, header: tenant()}},
		{name: "comma array", call: vcall{method: "GET", target: "/orders?fields=id,secret", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/fields/1", wantReason: "is not an allowed value"},
		{name: "comma array sent twice", call: vcall{method: "GET", target: "/orders?fields=id&fields=status", header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/fields", wantReason: "must not be repeated"},
		{name: "header array over two lines", call: vcall{method: "GET", target: "/orders",
			header: with(with(tenant(), "X-Trace", "1,2"), "X-Trace", "x")},
			wantKind: KindParameter, wantLoc: "/header/X-Trace/2", wantReason: "must be an integer"},
		{name: "JSON content parameter", call: vcall{method: "GET", target: `/orders?filter={"min_total":-1}`, header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/filter/min_total", wantReason: "is too small"},
		{name: "JSON content parameter not JSON", call: vcall{method: "GET", target: `/orders?filter=nope`, header: tenant()},
			wantKind: KindParameter, wantLoc: "/query/filter", wantReason: "cannot be decoded"},
		{name: "undecoded style passes", call: vcall{method: "GET", target: "/orders?sort[by]=x", header: tenant()}},
		{name: "path parameter", call: vcall{method: "GET", target: "/orders/42"},
			wantKind: KindParameter, wantLoc: "/path/orderId", wantReason: "is not a valid uuid"},
		{name: "path parameter with suffix", call: vcall{method: "PUT", target: "/files/Bad%20Name.json", contentType: "text/plain", body: "x"},
			wantKind: KindParameter, wantLoc: "/path/name", wantReason: "does not have the expected format"},

		// Media types.
		{name: "valid JSON body", call: vcall{method: "POST", target: "/orders", contentType: "application/json", body: order}},
		{name: "media type parameters ignored", call: vcall{method: "POST", target: "/orders", contentType: "Application/JSON; charset=utf-8", body: order}},
		{name: "unsupported media type", call: vcall{method: "POST", target: "/orders", contentType: "text/xml", body: "<order/>"},
			wantKind: KindMediaType, wantLoc: "/header/Content-Type", wantReason: "is not an accepted media type"},
		{name: "no content type", call: vcall{method: "POST", target: "/orders", body: order},
			wantKind: KindMediaType, wantLoc: "/header/Content-Type", wantReason: "must name one media type"},
		{name: "two content types", call: vcall{method: "POST", target: "/orders", body: order,
			header: http.Header{"Content-Type": {"application/json", "text/plain"}}},
			wantKind: KindMediaType, wantLoc: "/header/Content-Type", wantReason: "must name one media type"},
		{name: "binary body not read", call: vcall{method: "PUT", target: "/files/a.json", contentType: "application/octet-stream", body: "\x00\x01"}},

		// Bodies.
		{name: "body required", call: vcall{method: "POST", target: "/orders", contentType: "application/json"},
			wantKind: KindBody, wantLoc: "/body", wantReason: "is required"},
		{name: "body not declared", call: vcall{method: "GET", target: "/orders/" + testTenantID, contentType: "application/json", body: "{}"},
			wantKind: KindBody, wantLoc: "/body", wantReason: "is not allowed"},
		{name: "not JSON", call: vcall{method: "POST", target: "/orders", contentType: "application/json", body: "{"},
			wantKind: KindBody, wantLoc: "/body", wantReason: "is not valid JSON"},
		{name: "trailing data", call: vcall{method: "POST", target: "/orders", contentType: "application/json", body: order + "{}"},
			wantKind: KindBody, wantLoc: "/body", wantReason: "is not valid JSON"},
		{name: "nested type", call: vcall{method: "POST", target: "/orders", contentType: "application/json",
			body: strings.Replace(order, `"qty":1,`, `"qty":"1",`, 1)},
			wantKind: KindBody, wantLoc: "/body/items/0/qty", wantReason: "must be an integer"},
		{name: "nested required", call: vcall{method: "POST", target: "/orders", contentType: "application/json",
			body: strings.Replace(order, `"city":"London",`, ``, 1)},
			wantKind: KindBody, wantLoc: "/body/shipping/city", wantReason: "is required"},
		{name: "additional property", call: vcall{method: "POST", target: "/orders", contentType: "application/json",
			body: strings.Replace(order, `"gift":true`, `"gift":true,"discount":100`, 1)},
			wantKind: KindBody, wantLoc: "/body/discount", wantReason: "is not allowed"},
		{name: "date format", call: vcall{method: "POST", target: "/orders", contentType: "application/json",
			body: strings.Replace(order, `2024-05-17`, `2023-02-29`, 1)},
			wantKind: KindBody, wantLoc: "/body/delivery_date", wantReason: "is not a valid date"},
		{name: "huge exponent", call: vcall{method: "POST", target: "/orders", contentType: "application/json",
			body: strings.Replace(order, `"unit_cents":1299`, `"unit_cents":1e999999`, 1)},
			wantKind: KindBody, wantLoc: "/body/items/0/unit_cents", wantReason: "is out of range"},
		{name: "nullable", call: vcall{method: "POST", target: "/notes", contentType: "application/json", body: `{"text":"x","nullable_tag":null}`}},
		{name: "not nullable", call: vcall{method: "POST", target: "/notes", contentType: "application/json", body: `{"text":null}`},
			wantKind: KindBody, wantLoc: "/body/text", wantReason: "must be a string"},
		{name: "additionalProperties schema", call: vcall{method: "POST", target: "/notes", contentType: "application/json",
			body: `{"text":"x","attributes":{"k":5}}`},
			wantKind: KindBody, wantLoc: "/body/attributes/k", wantReason: "must be a string"},
		{name: "text body", call: vcall{method: "PUT", target: "/files/a.json", contentType: "text/plain", body: strings.Repeat("x", 101)},
			wantKind: KindBody, wantLoc: "/body", wantReason: "is too long"},
		{name: "text body not UTF-8", call: vcall{method: "PUT", target: "/files/a.json", contentType: "text/plain", body: "\xff"},
			wantKind: KindBody, wantLoc: "/body", wantReason: "must be UTF-8 text"},
		{name: "valid form", call: vcall{method: "POST", target: "/feedback", contentType: "application/x-www-form-urlencoded",
			body: "rating=5&topics=delivery&topics=price&comment=great"}},
		{name: "form integer", call: vcall{method: "POST", target: "/feedback", contentType: "application/x-www-form-urlencoded", body: "rating=five"},
			wantKind: KindBody, wantLoc: "/body/rating", wantReason: "must be an integer"},
		{name: "form array item", call: vcall{method: "POST", target: "/feedback", contentType: "application/x-www-form-urlencoded", body: "rating=1&topics=spam"},
			wantKind: KindBody, wantLoc: "/body/topics/0", wantReason: "is not an allowed value"},
		{name: "form field repeated", call: vcall{method: "POST", target: "/feedback", contentType: "application/x-www-form-urlencoded", body: "rating=1&rating=5"},
			wantKind: KindBody, wantLoc: "/body/rating", wantReason: "must not be repeated"},
		{name: "form undeclared field", call: vcall{method: "POST", target: "/feedback", contentType: "application/x-www-form-urlencoded", body: "rating=1&admin=1"},
			wantKind: KindBody, wantLoc: "/body/admin", wantReason: "is not allowed"},

		// Mass assignment, OpenAPI 3.0 style: readOnly in the request schema.
		{name: "readOnly property", call: vcall{method: "PATCH", target: "/users/me", contentType: "application/json", body: `{"name":"x","role":"admin"}`},
			wantKind: KindMassAssignment, wantLoc: "/body/role", wantReason: "is read-only"},
		{name: "first readOnly in order", call: vcall{method: "PATCH", target: "/users/me", contentType: "application/json", body: `{"role":"admin","is_admin":true}`},
			wantKind: KindMassAssignment, wantLoc: "/body/is_admin", wantReason: "is read-only"},
		{name: "writable properties", call: vcall{method: "PATCH", target: "/users/me", contentType: "application/json", body: `{"name":"Ada","email":"ada@example.com"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate(t, shop, tt.call)
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("valid request refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want %s at %s", tt.wantKind, tt.wantLoc)
			}
			if err.Kind != tt.wantKind || err.Location != tt.wantLoc || err.Reason != tt.wantReason {
				t.Errorf("got %s %q %q, want %s %q %q", err.Kind, err.Location, err.Reason, tt.wantKind, tt.wantLoc, tt.wantReason)
			}
		})
	}
}

// TestMassAssignmentFromResponse: the sample API's PATCH /api/users/me
// body schema simply omits role and is_admin; its response marks them
// readOnly, and that is what makes them mass assignment rather than a
// plain unknown property.
func TestMassAssignmentFromResponse(t *testing.T) {
	s := mustLoad(t, sampleSpec)
	tests := []struct {
		body, wantKind, wantLoc string
	}{
		{body: `{"role":"admin"}`, wantKind: "mass_assignment", wantLoc: "/body/role"},
		{body: `{"name":"x","is_admin":true}`, wantKind: "mass_assignment", wantLoc: "/body/is_admin"},
		{body: `{"id":1}`, wantKind: "mass_assignment", wantLoc: "/body/id"},
		{body: `{"nickname":"x"}`, wantKind: "body", wantLoc: "/body/nickname"},
		{body: `{"name":"Ada"}`},
	}
	for _, tt := range tests {
		err := validate(t, s, vcall{method: "PATCH", target: "/api/users/me", contentType: "application/json", body: tt.body})
		switch {
		case tt.wantKind == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.body, err)
		case tt.wantKind != "" && err == nil:
			t.Errorf("%s: accepted", tt.body)
		case err != nil && (err.Kind.String() != tt.wantKind || err.Location != tt.wantLoc):
			t.Errorf("%s: got %s at %s, want %s at %s", tt.body, err.Kind, err.Location, tt.wantKind, tt.wantLoc)
		}
	}
}

// TestPublicTextLeaksNothing: the public part of a failure never quotes
// the schema's pattern or enum, nor the value sent.
func TestPublicTextLeaksNothing(t *testing.T) {
	shop := mustLoad(t, shopSpec)
	secret := "s3cr3t-Value"
	calls := []vcall{
		{method: "GET", target: "/orders?cursor=" + secret + "%27", header: tenant()},
		{method: "GET", target: "/orders?status=" + secret, header: tenant()},
		{method: "POST", target: "/orders", contentType: "application/json",
			body: strings.Replace(string(orderBody()), `"coupon":"SPRING2024"`, `"coupon":"`+secret+`"`, 1)},
		{method: "POST", target: "/orders", contentType: "application/json",
			body: strings.Replace(string(orderBody()), `"country":"GB"`, `"country":"`+secret+`"`, 1)},
	}
	for _, c := range calls {
		err := validate(t, shop, c)
		if err == nil {
			t.Fatalf("%s: accepted", c.target)
		}
		pub := err.Public()
		for _, leak := range []string{secret, "^[A-Z", "pending", "paid", "shipped", "{4,12}", "A-Za-z0-9"} {
			if strings.Contains(pub, leak) {
				t.Errorf("public text %q contains %q", pub, leak)
			}
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("log text %q contains the value", err.Error())
		}
	}
}

// TestLocationSanitised: names an attacker chooses reach the public text
// escaped, without control characters, and bounded.
func TestLocationSanitised(t *testing.T) {
	shop := mustLoad(t, shopSpec)
	tests := []struct {
		key  string
		want string
	}{
		{key: `a/b~c`, want: "/body/a~1b~0c"},
		{key: "x\u0000\u001b[31m\u202e", want: "/body/x??[31m?"},
		{key: strings.Repeat("k", 500), want: "/body/" + strings.Repeat("k", maxLocationBytes-len("/body/")) + "…"},
	}
	for _, tt := range tests {
		body, _ := jsonObject(tt.key)
		err := validate(t, shop, vcall{method: "PATCH", target: "/users/me", contentType: "application/json", body: body})
		if err == nil {
			t.Fatalf("%q accepted", tt.key)
		}
		if err.Location != tt.want {
			t.Errorf("location = %q, want %q", err.Location, tt.want)
		}
	}
}

func jsonObject(key string) (string, error) {
	var b bytes.Buffer
	b.WriteString(`{`)
	b.WriteString(quoteJSON(key))
	b.WriteString(`:1}`)
	return b.String(), nil
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestConcurrentValidation: a Spec serves many requests at once (run
// with -race).
func TestConcurrentValidation(t *testing.T) {
	shop := mustLoad(t, shopSpec)
	calls := []vcall{
		{method: "POST", target: "/orders", contentType: "application/json", body: string(orderBody())},
		{method: "GET", target: "/orders?limit=5&ids=" + testTenantID, header: tenant()},
		{method: "PATCH", target: "/users/me", contentType: "application/json", body: `{"role":"admin"}`},
	}
	done := make(chan bool)
	for i := range 8 {
		go func() {
			ok := true
			for j := range 20 {
				c := calls[(i+j)%len(calls)]
				r := c.request()
				op, params, _ := shop.Find(r.Method, r.URL.EscapedPath())
				err := op.ValidateRequest(r, params, []byte(c.body))
				ok = ok && (err == nil) == (c.method != "PATCH")
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a concurrent validation gave another answer")
		}
	}
}
