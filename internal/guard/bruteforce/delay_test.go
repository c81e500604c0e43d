package bruteforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestDelayFor(t *testing.T) {
	g := newTestGuard(t, Config{Delay: DelayPolicy{Base: 100 * time.Millisecond, Max: time.Second}})
	tests := []struct {
		failures int64
		want     time.Duration
	}{
		{5, 100 * time.Millisecond},
		{6, 200 * time.Millisecond},
		{7, 400 * time.Millisecond},
		{8, 800 * time.Millisecond},
		{9, time.Second},
		{10, time.Second},
		{1 << 40, time.Second}, // no overflow however many failures
	}
	for _, tc := range tests {
		if got := g.delayFor(tc.failures); got != tc.want {
			t.Errorf("delayFor(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

// Beyond MaxDelayed concurrent delays, an attempt that should wait is
// refused at once: a flood never holds more than MaxDelayed goroutines.
func TestDelayIsCappedByMaxDelayed(t *testing.T) {
	const maxDelayed = 3
	entered := make(chan struct{}, maxDelayed)
	release := make(chan struct{})
	h := newHarness(t, Config{Delay: DelayPolicy{MaxDelayed: maxDelayed}}, harnessOptions{
		sleep: func(ctx context.Context, _ time.Duration) error {
			entered <- struct{}{}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	for i := range DefaultAccountDelayAfter {
		if rep := h.login(addr(100, 66, byte(i), 1), "bob", "wrong"); rep.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i, rep.status)
		}
	}
	var wg sync.WaitGroup
	results := make(chan int, maxDelayed)
	for i := range maxDelayed {
		wg.Go(func() { results <- h.login(addr(100, 67, byte(i), 1), "bob", "wrong").status })
	}
	for range maxDelayed {
		<-entered
	}
	if got := h.guard.Delaying(); got != maxDelayed {
		t.Errorf("Delaying() = %d, want %d", got, maxDelayed)
	}
	rep := h.login("100.68.0.1", "bob", "wrong")
	if rep.status != http.StatusTooManyRequests || rep.code != "too_many_attempts" || rep.retryAfter == "" {
		t.Errorf("attempt beyond the cap: status %d %q Retry-After %q, want the uniform 429 at once",
			rep.status, rep.code, rep.retryAfter)
	}
	close(release)
	wg.Wait()
	close(results)
	for st := range results {
		if st != http.StatusUnauthorized {
			t.Errorf("delayed attempt: status %d, want 401 after the delay", st)
		}
	}
	if got := h.guard.Delaying(); got != 0 {
		t.Errorf("Delaying() after the delays = %d, want 0", got)
	}
}

// A delayed attempt whose client goes away stops waiting and frees its slot.
func TestDelayEndsWithTheClient(t *testing.T) {
	g := newTestGuard(t, Config{Delay: DelayPolicy{Base: time.Hour, Max: time.Hour}})
	g.sleep = sleepContext
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := g.delay(ctx, &attempt{ep: &endpoint{}, account: "x"}, 7)
	var d *pipeline.Denial
	if !errors.As(err, &d) || d.Rule != "delay_canceled" || !errors.Is(err, context.Canceled) {
		t.Fatalf("delay with a gone client = %v, want the delay_canceled denial caused by context.Canceled", err)
	}
	if g.Delaying() != 0 {
		t.Errorf("Delaying() = %d, want 0", g.Delaying())
	}
	if err := sleepContext(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("sleepContext: %v", err)
	}
}

// A success resets the account's failures, so its owner's next typo is not
// delayed.
func TestSuccessResetsAccountFailures(t *testing.T) {
	h := newHarness(t, Config{}, harnessOptions{})
	for i := range DefaultAccountDelayAfter - 1 {
		h.login(addr(100, 69, byte(i), 1), "bob", "wrong")
	}
	if n := h.count(h.accountKey("bob"), DefaultWindow); n != DefaultAccountDelayAfter-1 {
		t.Fatalf("bob's failures = %d, want %d", n, DefaultAccountDelayAfter-1)
	}
	if rep := h.login("100.69.200.1", "bob", "bob-password-2"); rep.status != http.StatusOK {
		t.Fatalf("bob's login: status %d", rep.status)
	}
	if n := h.count(h.accountKey("bob"), DefaultWindow); n != 0 {
		t.Errorf("bob's failures after a success = %d, want 0", n)
	}
	for i := range DefaultAccountDelayAfter {
		h.login(addr(100, 70, byte(i), 1), "bob", "wrong")
	}
	if got := fmt.Sprint(h.recordedDelays()); got != "[]" {
		t.Errorf("delays %s, want none (the count restarted)", got)
	}
}

// newTestGuard builds a Guard over a memory store, outside any chain.
func newTestGuard(t testing.TB, cfg Config) *Guard {
	t.Helper()
	h := &harness{clock: newTestClock()}
	mem, err := newMemory(h.clock)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoints == nil {
		cfg.Endpoints = map[pipeline.Route]Endpoint{loginRoute: {}}
	}
	g, err := New(cfg, Options{Counters: mem, Distinct: mem, Marks: mem, Now: h.clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}
