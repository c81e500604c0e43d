package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

func TestDedup(t *testing.T) {
	c := newClock()
	d := newDedup(time.Minute, 3)
	if !d.first("a", c.Now()) || d.first("a", c.Now()) {
		t.Fatal("want the first hit of a reported, the second not")
	}
	c.Advance(30 * time.Second)
	if !d.first("b", c.Now()) || !d.first("c", c.Now()) {
		t.Fatal("want b and c reported")
	}
	// Full of live keys: a new key is not reported (the flood cap).
	if d.first("d", c.Now()) {
		t.Error("d reported while full of live keys")
	}
	c.Advance(30 * time.Second)
	// a's window ended: it and d are reported again; b and c are not.
	if !d.first("a", c.Now()) {
		t.Error("a not reported in its next window")
	}
	if d.first("b", c.Now()) {
		t.Error("b reported twice in one window")
	}
	// a took the room again; b and c still live.
	if d.first("d", c.Now()) {
		t.Error("d reported while full of live keys")
	}
	c.Advance(30 * time.Second)
	if !d.first("d", c.Now()) {
		t.Error("d not reported after b and c expired")
	}
	c.Advance(time.Hour)
	if !d.first("e", c.Now()) || d.len() != 1 {
		t.Errorf("after an hour: %d keys remembered, want only e", d.len())
	}
}

func TestDedupStaysBounded(t *testing.T) {
	c := newClock()
	d := newDedup(time.Second, 100)
	reported := 0
	for i := range 100_000 {
		if d.first(strconv.Itoa(i), c.Now()) {
			reported++
		}
		if i%1000 == 0 {
			c.Advance(100 * time.Millisecond)
		}
	}
	if d.len() > 100 || len(d.queue)-d.head > 100 || cap(d.queue) > 256 {
		t.Errorf("remembered %d keys, queue %d (cap %d); want at most 100", d.len(), len(d.queue)-d.head, cap(d.queue))
	}
	// 100 windows of 1s (10 clock steps each) with room for 100 keys each.
	if reported > 100*11 {
		t.Errorf("reported %d keys, want at most about 100 per window", reported)
	}
}
