package resource

import (
	"encoding/json"
	"testing"
	"time"
)

func TestGrown(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		usual, big time.Duration
		want       bool
	}{
		{1 * ms, 150 * ms, true},
		{1 * ms, 90 * ms, false},   // ten times, but under 100 ms more: jitter
		{50 * ms, 400 * ms, false}, // 100 ms more, but only eight times
		{50 * ms, 600 * ms, true},
		{0, 0, false},
		{-1, time.Second, false},
	} {
		if got := grown(c.usual, c.big); got != c.want {
			t.Errorf("grown(%v, %v) = %v, want %v", c.usual, c.big, got, c.want)
		}
	}
}

func TestCollapsed(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		single, top time.Duration
		want        bool
	}{
		{75 * ms, 1100 * ms, true},
		{75 * ms, 250 * ms, false},
		{10 * ms, 60 * ms, false}, // six times, but 50 ms: a queue on a fast endpoint
		{0, time.Second, false},
	} {
		if got := collapsed(c.single, c.top); got != c.want {
			t.Errorf("collapsed(%v, %v) = %v, want %v", c.single, c.top, got, c.want)
		}
	}
}

// FuzzDecisions: the growth and collapse decisions never hold for a big
// value that is not at least ten (four) times and 100 ms over the usual,
// and the median of samples is one of them.
func FuzzDecisions(f *testing.F) {
	f.Add(int64(1), int64(150), int64(3), int64(7))
	f.Add(int64(0), int64(0), int64(-5), int64(1<<40))
	f.Fuzz(func(t *testing.T, usual, big, a, b int64) {
		u, g := time.Duration(usual)*time.Millisecond, time.Duration(big)*time.Millisecond
		if grown(u, g) && (g < 10*u || g-u < 100*time.Millisecond) {
			t.Fatalf("grown(%v, %v)", u, g)
		}
		if collapsed(u, g) && (g < 4*u || g-u < 100*time.Millisecond || u <= 0) {
			t.Fatalf("collapsed(%v, %v)", u, g)
		}
		if grownBytes(int(usual), int(big)) && big < 10*usual {
			t.Fatalf("grownBytes(%d, %d)", usual, big)
		}
		ds := []time.Duration{u, g, time.Duration(a), time.Duration(b)}
		m := median(ds)
		found := false
		for _, d := range ds {
			found = found || d == m
		}
		if !found {
			t.Fatalf("median %v is none of %v", m, ds)
		}
	})
}

// FuzzDeepBody: any example object and depth give valid JSON framed by
// head and tail.
func FuzzDeepBody(f *testing.F) {
	f.Add(`{"a":"b"}`, 3, false)
	f.Add(`{}`, 0, true)
	f.Add(`{"x":[1,{"y":null}]}`, 200, true)
	f.Fuzz(func(t *testing.T, example string, depth int, objects bool) {
		var m map[string]any
		if json.Unmarshal([]byte(example), &m) != nil || m == nil {
			return
		}
		ex, _ := json.Marshal(m)
		depth = depth % 500
		if depth < 0 {
			depth = -depth
		}
		body, _, _ := deepBody(ex, depth, objects)
		if !json.Valid(body) {
			t.Fatalf("deepBody(%s, %d, %v) is not JSON: %.200s", ex, depth, objects, body)
		}
	})
}
