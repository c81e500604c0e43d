package core

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestBudget(t *testing.T) {
	target := newCounting(t, ok)
	s := newTestScan(t, Config{Target: target.URL, MaxRequests: 3})
	for i := range 5 {
		_, err := s.Do(context.Background(), Request{Path: "/", Check: "c"})
		if i < 3 && err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if i >= 3 && !errors.Is(err, ErrBudget) {
			t.Fatalf("request %d: err = %v, want ErrBudget", i+1, err)
		}
	}
	if n := target.n.Load(); n != 3 {
		t.Errorf("target saw %d requests, want 3", n)
	}
	if s.Remaining() != 0 || s.SentBy("c") != 3 || !errors.Is(s.Exhausted(), ErrBudget) {
		t.Errorf("Remaining %d SentBy %d Exhausted %v", s.Remaining(), s.SentBy("c"), s.Exhausted())
	}
}

// TestDurationCutsAHangingRequest: a request in flight when --duration ends
// is cut at the deadline, and every later one is refused.
func TestDurationCutsAHangingRequest(t *testing.T) {
	release := make(chan struct{})
	target := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	s := newTestScan(t, Config{Target: target.URL, Duration: 200 * time.Millisecond, Timeout: time.Minute})
	_, err := s.Do(context.Background(), Request{Path: "/hang", Check: "c"})
	if !errors.Is(err, ErrDeadline) || !errors.Is(err, ErrBudget) {
		t.Fatalf("hanging request: err = %v, want ErrDeadline (an ErrBudget)", err)
	}
	if _, err := s.Do(context.Background(), Request{Path: "/", Check: "c"}); !errors.Is(err, ErrDeadline) {
		t.Errorf("after the duration: err = %v, want ErrDeadline", err)
	}
	if n := target.n.Load(); n != 1 {
		t.Errorf("target saw %d requests, want 1", n)
	}
}

func TestTimeoutIsClean(t *testing.T) {
	release := make(chan struct{})
	target := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	s := newTestScan(t, Config{Target: target.URL, Timeout: 100 * time.Millisecond})
	resp, err := s.Do(context.Background(), Request{Path: "/hang", Check: "c"})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TimeoutError", err)
	}
	if resp == nil || resp.Exchange.Error == "" || resp.Exchange.Response != nil {
		t.Errorf("the failed exchange is not recorded: %+v", resp)
	}
}

// TestRetryAfter: a 429 with Retry-After is waited for and retried once,
// and the scan slows down; NoPacing returns the 429 as it came.
func TestRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var seen []time.Time
	target := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, time.Now())
		first := len(seen) == 1
		mu.Unlock()
		if first || r.URL.Path == "/always" {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		ok(w, r)
	})
	s := newTestScan(t, Config{Target: target.URL})
	resp, err := s.Do(context.Background(), Request{Path: "/", Check: "c"})
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("after Retry-After: %v %v, want 200", resp, err)
	}
	mu.Lock()
	if len(seen) != 2 {
		t.Fatalf("target saw %d requests, want 2", len(seen))
	}
	if gap := seen[1].Sub(seen[0]); gap < 900*time.Millisecond {
		t.Errorf("retried after %v, want about the Retry-After of 1s", gap)
	}
	mu.Unlock()
	if got := s.adaptLimit.Limit(); got != adaptStart {
		t.Errorf("adaptive pace = %v, want %v after the first 429", got, rate.Limit(adaptStart))
	}

	before := target.n.Load()
	resp, err = s.Do(context.Background(), Request{Path: "/always", Check: "ratelimit", NoPacing: true})
	if err != nil || resp.Status != http.StatusTooManyRequests {
		t.Fatalf("NoPacing: %v %v, want the 429 as is", resp, err)
	}
	if n := target.n.Load() - before; n != 1 {
		t.Errorf("NoPacing sent %d requests, want 1", n)
	}
	if got := s.adaptLimit.Limit(); got != adaptStart {
		t.Errorf("NoPacing slowed the pace to %v", got)
	}
}

// TestRetryAfterBoundedByDuration: no waiting past the scan's end.
func TestRetryAfterBoundedByDuration(t *testing.T) {
	target := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	s := newTestScan(t, Config{Target: target.URL, Duration: 2 * time.Second})
	start := time.Now()
	resp, err := s.Do(context.Background(), Request{Path: "/", Check: "c"})
	if err != nil || resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("got %v %v, want the 503 as is", resp, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %v for a Retry-After past the deadline", d)
	}
	if n := target.n.Load(); n != 1 {
		t.Errorf("target saw %d requests, want 1", n)
	}
}

func TestRatePaces(t *testing.T) {
	target := newCounting(t, ok)
	s := newTestScan(t, Config{Target: target.URL, Rate: 20})
	start := time.Now()
	for range 5 {
		if _, err := s.Do(context.Background(), Request{Path: "/", Check: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	// The first request passes at once (burst 1), the next four wait 50ms each.
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("5 requests at 20/s took %v, want at least 200ms", d)
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		want  time.Duration
		ok    bool
	}{
		{"seconds", "2", 2 * time.Second, true},
		{"zero", "0", 0, true},
		{"capped", "99999999999999", 30 * time.Second, true},
		{"date", now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"negative", "-1", 0, false},
		{"garbage", "soon", 0, false},
		{"absent", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.value != "" {
				h.Set("Retry-After", tc.value)
			}
			got, ok := retryAfter(h, now, 30*time.Second)
			if got != tc.want || ok != tc.ok {
				t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.value, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSafeRefusesUnsafeOnForeignObjects(t *testing.T) {
	target := newCounting(t, ok)
	s := newTestScan(t, Config{Target: target.URL, Safe: true})
	ctx := context.Background()
	if _, err := s.Do(ctx, Request{Method: http.MethodDelete, Path: "/api/items/1", Unsafe: true, Check: "c"}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("unsafe on an object not created: err = %v, want ErrUnsafe", err)
	}
	if target.n.Load() != 0 {
		t.Fatal("the refused request reached the target")
	}
	s.TrackCreated("/api/items/99")
	if _, err := s.Do(ctx, Request{Method: http.MethodDelete, Path: "/api/items/99", Unsafe: true, Check: "c"}); err != nil {
		t.Errorf("unsafe on an object the scan created: %v", err)
	}
	off := newTestScan(t, Config{Target: target.URL, Safe: false})
	if _, err := off.Do(ctx, Request{Method: http.MethodDelete, Path: "/api/items/1", Unsafe: true, Check: "c"}); err != nil {
		t.Errorf("--safe=false refused: %v", err)
	}
}

// TestLockoutIsTheAnswer: a 429 whose Retry-After is a lockout comes back
// at once, without a retry and without slowing the scan.
func TestLockoutIsTheAnswer(t *testing.T) {
	target := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "900")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	s := newTestScan(t, Config{Target: target.URL})
	start := time.Now()
	resp, err := s.Do(context.Background(), Request{Path: "/login", Check: "c"})
	if err != nil || resp.Status != http.StatusTooManyRequests {
		t.Fatalf("%v %v, want the 429", resp, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s: waited for a lockout", d)
	}
	if n := target.n.Load(); n != 1 {
		t.Errorf("target saw %d requests, want 1 (no retry)", n)
	}
	if got := s.adaptLimit.Limit(); got != rate.Inf {
		t.Errorf("adaptive pace %v after a lockout, want unpaced", got)
	}
}

// TestPaceRecovers: after push-back, answers without it double the pace
// back to unpaced.
func TestPaceRecovers(t *testing.T) {
	target := newCounting(t, ok)
	s := newTestScan(t, Config{Target: target.URL})
	s.adaptLimit.SetLimit(adaptCeiling / 2)
	for range recoverAfter - 1 {
		if _, err := s.Do(context.Background(), Request{Path: "/", Check: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.adaptLimit.Limit(); got != adaptCeiling/2 {
		t.Fatalf("pace %v before %d calm answers", got, recoverAfter)
	}
	if _, err := s.Do(context.Background(), Request{Path: "/", Check: "c"}); err != nil {
		t.Fatal(err)
	}
	if got := s.adaptLimit.Limit(); got != rate.Inf {
		t.Errorf("pace %v after %d calm answers, want unpaced again", got, recoverAfter)
	}
}
