package dedup

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newWindow(t *testing.T, window time.Duration, capacity int) *Window {
	t.Helper()
	w, err := New(window, capacity)
	if err != nil {
		t.Fatalf("New(%v, %d): %v", window, capacity, err)
	}
	return w
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name     string
		window   time.Duration
		capacity int
		want     error
	}{
		{name: "valid", window: time.Minute, capacity: 1},
		{name: "zero window", window: 0, capacity: 1, want: errWindow},
		{name: "negative window", window: -time.Second, capacity: 1, want: errWindow},
		{name: "zero capacity", window: time.Minute, capacity: 0, want: errCapacity},
		{name: "negative capacity", window: time.Minute, capacity: -1, want: errCapacity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(tt.window, tt.capacity)
			if err != tt.want {
				t.Fatalf("New(%v, %d) error = %v, want %v", tt.window, tt.capacity, err, tt.want)
			}
			if (w == nil) != (tt.want != nil) {
				t.Errorf("New(%v, %d) = %v with error %v", tt.window, tt.capacity, w, err)
			}
		})
	}
}

func TestFirst(t *testing.T) {
	now := t0
	w := newWindow(t, time.Minute, 3)
	if !w.First("a", now) || w.First("a", now) {
		t.Fatal("want the first hit of a reported, the second not")
	}
	now = now.Add(30 * time.Second)
	if !w.First("b", now) || !w.First("c", now) {
		t.Fatal("want b and c reported")
	}
	// Full of live keys: a new key is not reported (the flood cap).
	if w.First("d", now) {
		t.Error("d reported while full of live keys")
	}
	now = now.Add(30 * time.Second)
	// a's window ended: it and d are reported again; b and c are not.
	if !w.First("a", now) {
		t.Error("a not reported in its next window")
	}
	if w.First("b", now) {
		t.Error("b reported twice in one window")
	}
	// a took the room again; b and c still live.
	if w.First("d", now) {
		t.Error("d reported while full of live keys")
	}
	now = now.Add(30 * time.Second)
	if !w.First("d", now) {
		t.Error("d not reported after b and c expired")
	}
	now = now.Add(time.Hour)
	if !w.First("e", now) || w.Len() != 1 {
		t.Errorf("after an hour: %d keys remembered, want only e", w.Len())
	}
}

func TestStaysBounded(t *testing.T) {
	now := t0
	w := newWindow(t, time.Second, 100)
	reported := 0
	for i := range 100_000 {
		if w.First(strconv.Itoa(i), now) {
			reported++
		}
		if i%1000 == 0 {
			now = now.Add(100 * time.Millisecond)
		}
	}
	if w.Len() > 100 || len(w.queue)-w.head > 100 || cap(w.queue) > 256 {
		t.Errorf("remembered %d keys, queue %d (cap %d); want at most 100", w.Len(), len(w.queue)-w.head, cap(w.queue))
	}
	// 100 windows of 1s (10 clock steps each) with room for 100 keys each.
	if reported > 100*11 {
		t.Errorf("reported %d keys, want at most about 100 per window", reported)
	}
}

// TestConcurrentFirst: of many goroutines racing on one key, exactly one is
// told it came first (run with -race).
func TestConcurrentFirst(t *testing.T) {
	w := newWindow(t, time.Minute, 10)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first int
	)
	for range 50 {
		wg.Go(func() {
			if w.First("k", t0) {
				mu.Lock()
				first++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != 1 {
		t.Errorf("%d goroutines reported first, want 1", first)
	}
}
