package openapi

import (
	"testing"
)

// BenchmarkFind matches paths with the compiled router: a literal path, a
// templated one, and a miss.
func BenchmarkFind(b *testing.B) {
	s := mustLoad(b, sampleSpec)
	for _, path := range []string{"/api/users/me", "/api/orders/12345", "/api/nope/x"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Find("GET", path)
			}
		})
	}
}
