package metrics_test

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rampartsec/rampart/internal/metrics"
	"github.com/rampartsec/rampart/internal/pipeline"
)

func ExampleNew() {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		panic(err)
	}
	// The Chain calls these for every request and event.
	m.WriteOutcome(&pipeline.Outcome{
		Route: pipeline.Route{API: "shop", Route: "list-orders"}, Method: "GET", Status: 200,
		Verdict: pipeline.VerdictAllowed, Latency: 3 * time.Millisecond, Upstream: 2 * time.Millisecond,
	})
	m.WriteOutcome(&pipeline.Outcome{
		Route: pipeline.Route{API: "shop", Route: "search"}, Method: "GET", Status: 403,
		Verdict: pipeline.VerdictDenied, Denials: []pipeline.Denial{{Guard: "injection", Rule: "sqli"}},
	})

	n, _ := testutil.GatherAndCount(reg, "rampart_requests_total", "rampart_denials_total")
	fmt.Println("series:", n)
	// Output: series: 3
}
