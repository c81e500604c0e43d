package gateway

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestRedisSharedRateLimitOverWindow: three gateway instances sharing one
// Redis, with concurrent clients spreading one address's traffic
// round-robin across them for a whole 3s window, admit within 1% of what
// the limit allows over that window. Where TestRedisSharedRateLimit is
// dominated by its burst, here the refill is: 40 of the ~190 admissions
// are burst, the rest is the rate, so the replicas must share the limiter's
// timeline, not only a count.
//
// What the limit allows is exact. The GCRA takes its clock from Redis
// (TIME) and every decision is serialised there. From a fresh key, the
// first decision at t0 sets the theoretical arrival time to t0+T (T: the
// emission interval, 20ms); the n-th admission sets it to t0+nT and is
// allowed iff t0+nT-t <= burst*T at its decision time t. As long as
// requests keep coming, no slot is lost (a slot is lost only when no
// decision is taken for about as long as the bucket takes to refill,
// burst*T = 0.8s, long enough to ride out a loaded machine's stalls), so
// after the last decision at t1 exactly
//
//	burst + floor((t1-t0)/T)
//
// requests were admitted. The client cannot read Redis's decision times,
// but it brackets them: t0 lies between the earliest send and the earliest
// answer, t1 between the latest send and the latest answer.
func TestRedisSharedRateLimitOverWindow(t *testing.T) {
	const (
		burst    = 40
		interval = 20 * time.Millisecond // 50 per second
		window   = 3 * time.Second
		workers  = 6
		client   = "192.0.2.51"
	)
	cfg := sharedRedisConfig(t, fmt.Sprintf(`
rate_limits:
  - name: window
    global: true
    limits:
      - {requests: 50, per: 1s, burst: %d}
`, burst))
	gws := startReplicas(t, cfg, 3)
	warmUp(t, gws, workers)

	tally := newSpreadTally(len(gws))
	var (
		next                atomic.Int64
		firstSend, lastSend atomic.Int64
		firstRecv, lastRecv atomic.Int64
		slowest             atomic.Int64
	)
	firstSend.Store(int64(time.Hour))
	firstRecv.Store(int64(time.Hour))
	start := time.Now()
	runWorkers(t, workers, func() error {
		for {
			sent := time.Since(start)
			if sent >= window {
				return nil
			}
			n := int(next.Add(1)-1) % len(gws)
			r, err := send(gws[n].client, http.MethodGet, gws[n].url("/api/x"), client, "", nil)
			recv := time.Since(start)
			if err := tally.count(n, r, err); err != nil {
				return err
			}
			storeMin(&firstSend, sent)
			storeMax(&lastSend, sent)
			storeMin(&firstRecv, recv)
			storeMax(&lastRecv, recv)
			storeMax(&slowest, recv-sent)
		}
	})

	total := tally.admittedTotal(t)
	requests := int(next.Load())
	spanLo := time.Duration(lastSend.Load() - firstRecv.Load())
	spanHi := time.Duration(lastRecv.Load() - firstSend.Load())
	allowance := func(span time.Duration) int { return burst + int(span/interval) }
	lo, hi := allowance(spanLo), allowance(spanHi)
	t.Logf("%d requests (slowest %v); decisions spanning %v..%v; %d admitted; the limit allows %d..%d",
		requests, time.Duration(slowest.Load()), spanLo, spanHi, total, lo, hi)
	// The exact count needs requests waiting whenever a slot opens; at
	// half the offered load or more the test machine was too slow to say.
	if requests < 2*hi {
		t.Fatalf("only %d requests for an allowance of %d: too few to keep the limit saturated", requests, hi)
	}
	if float64(total) < 0.99*float64(lo) || float64(total) > 1.01*float64(hi) {
		t.Errorf("admitted %d, want within 1%% of the limit's allowance %d..%d", total, lo, hi)
	}
	wantNoFailMode(t, gws)
}

// warmUp sends each gateway concurrent requests from an address of its own
// (its own limiter key), so connections to the gateways, the upstream and
// Redis are open before the measured window: a cold start on a loaded
// machine can hold the first decisions back for longer than the burst
// lasts, and tokens not taken while the bucket is full are gone.
func warmUp(t *testing.T, gws []*testGateway, workers int) {
	t.Helper()
	var next atomic.Int64
	runWorkers(t, workers*len(gws), func() error {
		g := gws[int(next.Add(1)-1)%len(gws)]
		_, err := send(g.client, http.MethodGet, g.url("/api/x"), "192.0.2.151", "", nil)
		return err
	})
}
