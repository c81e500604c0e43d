package ban

import (
	"strconv"
	"testing"
	"time"
)

func TestCacheTTLAndBound(t *testing.T) {
	c := newClock()
	ca := newCache(time.Second, 3)
	ca.put("a", cached{banned: true}, c.Now())
	if e, ok := ca.get([]byte("a"), c.Now()); !ok || !e.banned {
		t.Fatalf("get(a) = %+v, %v", e, ok)
	}
	c.Advance(time.Second)
	if _, ok := ca.get([]byte("a"), c.Now()); ok {
		t.Error("a still fresh after the TTL")
	}
	for _, k := range []string{"b", "c", "d", "e"} {
		ca.put(k, cached{}, c.Now())
	}
	if _, ok := ca.get([]byte("b"), c.Now()); ok {
		t.Error("b kept beyond capacity; want the oldest dropped")
	}
	if ca.len() != 3 {
		t.Errorf("len = %d, want 3", ca.len())
	}
	// A concurrent refill keeps the first entry's age.
	ca.put("e", cached{banned: true}, c.Now().Add(500*time.Millisecond))
	c.Advance(time.Second)
	if _, ok := ca.get([]byte("e"), c.Now()); ok {
		t.Error("refilled entry outlived its queue position")
	}
	// Forget, then re-put: the stale queue entry must not drop the new one.
	ca.forget("e")
	ca.put("e", cached{banned: true}, c.Now())
	if e, ok := ca.get([]byte("e"), c.Now()); !ok || !e.banned {
		t.Errorf("re-put entry = %+v, %v", e, ok)
	}
}

func TestCacheStaysBounded(t *testing.T) {
	c := newClock()
	ca := newCache(time.Second, 100)
	for i := range 100_000 {
		ca.put(strconv.Itoa(i), cached{}, c.Now())
		if i%7 == 0 {
			ca.forget(strconv.Itoa(i - 3))
		}
		if i%1000 == 0 {
			c.Advance(300 * time.Millisecond)
		}
	}
	if ca.len() > 100 || len(ca.queue)-ca.head > 100 || cap(ca.queue) > 256 {
		t.Errorf("len %d, queue %d (cap %d); want at most 100", ca.len(), len(ca.queue)-ca.head, cap(ca.queue))
	}
}
