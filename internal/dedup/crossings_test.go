package dedup

import (
	"strconv"
	"testing"
	"time"
)

func TestCrossingsOncePerAction(t *testing.T) {
	c := NewCrossings()
	t0 := time.Unix(1_700_000_000, 0)
	end := t0.Add(time.Hour)
	if !c.First("ip:203.0.113.7", t0, end) {
		t.Fatal("first crossing refused")
	}
	if c.First("ip:203.0.113.7", t0.Add(time.Minute), end) {
		t.Error("second crossing during the action let through")
	}
	if !c.First("ip:203.0.113.8", t0, end) {
		t.Error("another key refused")
	}
	if !c.First("ip:203.0.113.7", end, end.Add(time.Hour)) {
		t.Error("crossing after the action ended refused")
	}
	c.Forget("ip:203.0.113.8")
	if !c.First("ip:203.0.113.8", t0.Add(time.Minute), end) {
		t.Error("crossing after Forget refused")
	}
}

func TestCrossingsStaysBoundedAndKeepsAccepting(t *testing.T) {
	c := NewCrossings()
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 3 * crossingsCapacity {
		if !c.First("k"+strconv.Itoa(i), t0, t0.Add(time.Hour)) {
			t.Fatalf("new key %d refused when full", i)
		}
	}
	if n := len(c.until); n > crossingsCapacity {
		t.Errorf("remembers %d keys, bound %d", n, crossingsCapacity)
	}
}
