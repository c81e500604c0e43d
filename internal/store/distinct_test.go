package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMemoryDistinctExactAndWindowed(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	clock.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	add := func(key, member string) int64 {
		t.Helper()
		n, err := m.AddDistinct(ctx, key, member, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, member := range []string{"alice", "bob", "alice", "carol", "bob", ""} {
		want := []int64{1, 2, 2, 3, 3, 4}[i]
		if got := add("ip", member); got != want {
			t.Errorf("add %q: got %d, want %d", member, got, want)
		}
	}
	if got := add("other-ip", "alice"); got != 1 {
		t.Errorf("other key: got %d, want 1", got)
	}
	clock.Advance(time.Minute)
	if got := add("ip", "alice"); got != 1 {
		t.Errorf("next window: got %d, want 1", got)
	}
	for i := range exactMembers - 1 {
		add("ip", fmt.Sprint("user", i))
	}
	if got := add("ip", "alice"); got != exactMembers {
		t.Errorf("exact set at capacity: got %d, want %d", got, exactMembers)
	}
	if _, err := m.AddDistinct(ctx, "ip", "x", 0); err == nil {
		t.Error("zero window: no error")
	}
}

// TestDistinctAccuracy: above the exact threshold the HyperLogLog stays
// within 5% (three standard errors) and memory stays at 4 KB a key.
func TestDistinctAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	checkpoints := []int{100, 512, 513, 1_000, 3_000, 10_000, 20_000, 50_000, 200_000}
	worst := 0.0
	for trial := range 5 {
		d := &distinctSet{}
		n := 0
		for _, cp := range checkpoints {
			for ; n < cp; n++ {
				d.add(rng.Uint64())
			}
			// Adding members again changes nothing.
			before := d.count()
			if d.regs != nil {
				d.add(rng.Uint64()) // one new member
				n++
			}
			got := d.count()
			if got < before {
				t.Errorf("trial %d: count went down from %d to %d", trial, before, got)
			}
			relErr := math.Abs(float64(got)-float64(n)) / float64(n)
			worst = max(worst, relErr)
			if n <= exactMembers && got != int64(n) {
				t.Errorf("trial %d: %d members counted %d, want exact", trial, n, got)
			}
			if relErr > 0.05 {
				t.Errorf("trial %d: %d members counted %d (error %.1f%%)", trial, n, got, 100*relErr)
			}
		}
		if len(d.regs) != hllRegisters || d.exact != nil {
			t.Errorf("trial %d: %d registers, exact %d: want only registers", trial, len(d.regs), len(d.exact))
		}
	}
	t.Logf("worst relative error %.2f%%", 100*worst)
}

func TestDistinctDuplicatesDoNotCount(t *testing.T) {
	d := &distinctSet{}
	for i := range uint64(5000) {
		d.add(i * 0x9E3779B97F4A7C15)
	}
	before := d.count()
	for i := range uint64(5000) {
		d.add(i * 0x9E3779B97F4A7C15)
	}
	if after := d.count(); after != before {
		t.Errorf("re-adding members changed the count from %d to %d", before, after)
	}
}
