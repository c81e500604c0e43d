package schema

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// benchChain is a Chain with the schema guard (or none) in front of an
// upstream that drains the body, as a proxy would.
func benchChain(b *testing.B, g *Guard) *pipeline.Chain {
	var stages []pipeline.Stage
	if g != nil {
		stages = []pipeline.Stage{{Guard: g}}
	}
	c, err := pipeline.NewChain(pipeline.Options{Stages: stages, Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	})})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkGuard serves a valid 1.5 KB JSON POST (OpenAPI 3.1 and 3.0
// documents) and a GET with query parameters through a Chain with and
// without the guard: the difference is the guard's cost.
func BenchmarkGuard(b *testing.B) {
	sample := loadSpec(b, sampleSpecPath)
	shop := loadSpec(b, shopSpecPath)
	order := `{"items":[` + strings.TrimSuffix(strings.Repeat(`{"sku":"ABC-1234","qty":2,"unit_cents":1299,"label":"Blue widget, large size"},`, 15), ",") +
		`],"shipping":{"name":"Ada Lovelace","line1":"12 Analytical Engine Street","city":"London","postcode":"NW1 2DB","country":"GB"},` +
		`"notes":"Please leave the parcel with the neighbour at number 14 if nobody answers the door. Thanks!","coupon":"SPRING2024","gift":true,"delivery_date":"2024-05-17"}`
	cases := []struct {
		name, method, target, contentType, body string
		spec                                    *Guard
		header                                  http.Header
	}{
		{name: "3.1/post-1.5KB", method: "POST", target: "/api/items", contentType: "application/json", body: itemBody()},
		{name: "3.1/get", method: "GET", target: "/api/stream?n=10&delay_ms=5"},
		{name: "3.0/post-1.5KB", method: "POST", target: "/orders", contentType: "application/json", body: order},
		{name: "3.0/get", method: "GET", target: "/orders?limit=20&status=paid&since=2024-05-01T10:00:00Z&cursor=abc_DEF-123&q=blue+widget",
			header: http.Header{"X-Tenant": {testTenantID}}},
	}
	for _, c := range cases {
		spec := sample
		if strings.HasPrefix(c.name, "3.0") {
			spec = shop
		}
		g, err := New(Config{Spec: spec})
		if err != nil {
			b.Fatal(err)
		}
		for _, variant := range []struct {
			name  string
			guard *Guard
		}{{"no-guard", nil}, {"schema", g}} {
			chain := benchChain(b, variant.guard)
			b.Run(c.name+"/"+variant.name, func(b *testing.B) {
				body := strings.NewReader(c.body)
				r := httptest.NewRequest(c.method, c.target, body)
				for k, v := range c.header {
					r.Header[k] = v
				}
				if c.contentType != "" {
					r.Header.Set("Content-Type", c.contentType)
				}
				w := httptest.NewRecorder()
				b.SetBytes(int64(len(c.body)))
				b.ReportAllocs()
				for b.Loop() {
					body.Reset(c.body)
					r.Body = io.NopCloser(body)
					chain.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
		}
	}
}
