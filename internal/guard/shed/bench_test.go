package shed

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCheckRelease is the fast path: a free slot, no queueing.
func BenchmarkCheckRelease(b *testing.B) {
	s, err := New(Config{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/items", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Check(r); err != nil {
			b.Fatal(err)
		}
		s.Release(r)
	}
}

// BenchmarkCheckReleaseParallel measures the semaphore under contention.
func BenchmarkCheckReleaseParallel(b *testing.B) {
	s, err := New(Config{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/items", nil)
		for pb.Next() {
			if _, err := s.Check(r); err != nil {
				b.Error(err)
				return
			}
			s.Release(r)
		}
	})
}

// BenchmarkDisabled is the baseline: shedding turned off.
func BenchmarkDisabled(b *testing.B) {
	s, err := New(Config{MaxConcurrent: -1}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/items", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Check(r); err != nil {
			b.Fatal(err)
		}
		s.Release(r)
	}
}
