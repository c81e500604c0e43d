package gateway

import (
	"strings"
	"testing"
)

// TestRepeatedReloadsUnderLoad swaps the configuration back and forth many
// times while sixteen clients keep sending requests, with every third file
// invalid: not one request may fail, and each reload must be counted as
// what it was. TestReloadUnderLoad checks the order of one swap; this one
// checks that swaps in quick succession never drop or break a request.
func TestRepeatedReloadsUnderLoad(t *testing.T) {
	upA, upB := textUpstream(t, "A"), textUpstream(t, "B")
	g := startGateway(t, oneAPI(upA.URL))
	load := startLoad(t, newClient(t), g.url("/api/x"), 16)
	eventually(t, "traffic before the first reload", func() bool { return load.total.Load() >= 100 })

	const reloads = 30
	good, refused := 0, 0
	for i := range reloads {
		upstream := upA.URL
		if i%2 == 0 {
			upstream = upB.URL
		}
		if i%3 == 2 {
			g.writeRaw(t, strings.Replace(oneAPI(upstream).yaml(g.dir), "path_prefix: /api", "path_prefix: api", 1))
			if err := g.svc.Reload(); err == nil {
				t.Fatalf("reload %d of an invalid file was accepted", i)
			}
			refused++
		} else {
			g.writeConfig(t, oneAPI(upstream))
			if err := g.svc.Reload(); err != nil {
				t.Fatalf("reload %d: %v", i, err)
			}
			good++
		}
		// Let traffic run on each generation before the next swap.
		before := load.total.Load()
		eventually(t, "traffic between reloads", func() bool { return load.total.Load() >= before+20 })
	}
	load.halt()
	if n := load.failures.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during %d reloads; first: %s", n, load.total.Load(), reloads, load.firstFail)
	}
	if load.count("A") == 0 || load.count("B") == 0 {
		t.Errorf("answers: %d A, %d B; want both configurations to have served", load.count("A"), load.count("B"))
	}
	g.waitMetric(t, "rampart_config_reloads_total", map[string]string{"result": "success"}, float64(good))
	g.waitMetric(t, "rampart_config_reloads_total", map[string]string{"result": "failure"}, float64(refused))
	t.Logf("%d requests across %d reloads (%d refused): %d A, %d B", load.total.Load(), reloads, refused, load.count("A"), load.count("B"))
}
