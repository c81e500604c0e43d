package metrics

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rampartsec/rampart/internal/pipeline"
)

type histogramValues struct {
	count uint64
	sum   float64
}

// histogram gathers the single series of a histogram family from reg.
func histogram(t *testing.T, reg *prometheus.Registry, name string) histogramValues {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		if len(mf.GetMetric()) != 1 {
			t.Fatalf("%s: %d series, want 1", name, len(mf.GetMetric()))
		}
		h := mf.GetMetric()[0].GetHistogram()
		return histogramValues{count: h.GetSampleCount(), sum: h.GetSampleSum()}
	}
	t.Fatalf("%s not gathered", name)
	return histogramValues{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// denyGuard denies requests for one path.
type denyGuard struct{ name, rule, path string }

func (g denyGuard) Name() string { return g.name }

func (g denyGuard) Check(r *http.Request) (*http.Request, error) {
	if r.URL.Path == g.path {
		return nil, &pipeline.Denial{Status: http.StatusForbidden, Code: "forbidden", Rule: g.rule,
			PublicMessage: "Forbidden.", Cause: errors.New("test denial")}
	}
	return r, nil
}

type okHandler struct{}

func (okHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }

func serve(h http.Handler, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
}
