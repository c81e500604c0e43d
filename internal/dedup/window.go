package dedup

import (
	"errors"
	"sync"
	"time"
)

// Window reports the first occurrence of a key in a window: the first
// [Window.First] call for a key returns true, the later ones false until
// the window that call opened has ended. It is safe for concurrent use.
//
// It is bounded (an attacker chooses the keys): at most capacity keys are
// remembered. Every key lives for the same window, so they expire in the
// order they came, and a FIFO queue finds the expired ones in O(1). When
// every remembered key is still live, a new key is not reported: the
// reports of a wide flood are capped at capacity per window.
type Window struct {
	window   time.Duration
	capacity int

	mu    sync.Mutex
	live  map[string]struct{}
	queue []entry // live keys oldest first, from head
	head  int
}

type entry struct {
	key   string
	since time.Time
}

var (
	errWindow   = errors.New("dedup: window must be positive")
	errCapacity = errors.New("dedup: capacity must be positive")
)

// New builds a Window that reports each key once per window and remembers
// at most capacity keys. Both must be positive.
func New(window time.Duration, capacity int) (*Window, error) {
	switch {
	case window <= 0:
		return nil, errWindow
	case capacity <= 0:
		return nil, errCapacity
	}
	return &Window{window: window, capacity: capacity, live: make(map[string]struct{})}, nil
}

// First records an occurrence of key at now and reports whether it is the
// first in its window (and should be reported).
func (w *Window) First(key string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.expire(now)
	if _, ok := w.live[key]; ok {
		return false
	}
	if len(w.live) >= w.capacity {
		return false
	}
	w.live[key] = struct{}{}
	if w.head > 0 && len(w.queue) == cap(w.queue) {
		// Reuse the space of expired entries before growing.
		n := copy(w.queue, w.queue[w.head:])
		clear(w.queue[n:])
		w.queue, w.head = w.queue[:n], 0
	}
	w.queue = append(w.queue, entry{key: key, since: now})
	return true
}

// Len returns how many keys are remembered.
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.live)
}

// expire forgets the keys whose window has ended.
func (w *Window) expire(now time.Time) {
	for w.head < len(w.queue) {
		e := &w.queue[w.head]
		if now.Sub(e.since) < w.window {
			return
		}
		delete(w.live, e.key)
		*e = entry{}
		w.head++
	}
	w.queue, w.head = w.queue[:0], 0
}
