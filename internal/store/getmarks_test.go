package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestMemoryGetMarksMatchesGetMark: each result is GetMark's answer for
// its key (live, absent, expired, duplicated, empty), in order, appended
// after what dst already held.
func TestMemoryGetMarksMatchesGetMark(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	now := clock.Now()
	for _, mk := range []Mark{
		{Key: "ip:203.0.113.7", Reason: "stuffing", Source: "bruteforce", Since: now, Until: now.Add(time.Hour)},
		{Key: "net:203.0.113.0/24", Reason: "scan", Source: "admin", Since: now, Until: now.Add(10 * time.Second)},
		{Key: "ip:192.0.2.1", Until: now.Add(time.Minute)},
	} {
		if err := m.PutMark(ctx, "ban", mk); err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{"ip:203.0.113.7", "ip:198.51.100.1", "net:203.0.113.0/24", "ip:192.0.2.1", "ip:203.0.113.7", ""}
	for _, step := range []time.Duration{0, 10 * time.Second, time.Hour} {
		clock.Advance(step)
		prior := MarkResult{Mark: Mark{Key: "kept"}, Found: true}
		got, err := m.GetMarks(ctx, "ban", keys, []MarkResult{prior})
		if err != nil {
			t.Fatalf("+%v: GetMarks: %v", step, err)
		}
		if len(got) != 1+len(keys) || got[0] != prior {
			t.Fatalf("+%v: GetMarks returned %d results, want the prior one then %d", step, len(got), len(keys))
		}
		for i, k := range keys {
			mk, ok, err := m.GetMark(ctx, "ban", k)
			if want := (MarkResult{Mark: mk, Found: ok, Err: err}); got[1+i] != want {
				t.Errorf("+%v: GetMarks[%q] = %+v, GetMark = %+v", step, k, got[1+i], want)
			}
		}
	}
	if got, err := m.GetMarks(ctx, "never-used", keys[:2], nil); err != nil || len(got) != 2 || got[0].Found || got[1].Found {
		t.Errorf("unused namespace: %+v %v, want two not-found results", got, err)
	}
	if got, err := m.GetMarks(ctx, "ban", nil, nil); err != nil || len(got) != 0 {
		t.Errorf("no keys: %+v %v", got, err)
	}
	dst := make([]MarkResult, 1, 4)
	if got, err := m.GetMarks(ctx, "b{a}n", keys, dst); err == nil || len(got) != 1 {
		t.Errorf("bad namespace: %d results, %v; want dst unchanged and an error", len(got), err)
	}
}

// TestMemoryGetMarksReusesDst: a dst with room is filled in place, so a
// caller reusing one allocates nothing per lookup.
func TestMemoryGetMarksReusesDst(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	if err := m.PutMark(ctx, "ban", Mark{Key: "ip:203.0.113.7", Until: clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	keys := []string{"ip:203.0.113.7", "net:203.0.113.0/24"}
	dst := make([]MarkResult, 0, len(keys))
	allocs := testing.AllocsPerRun(100, func() {
		got, err := m.GetMarks(ctx, "ban", keys, dst[:0])
		if err != nil || len(got) != 2 || !got[0].Found || got[1].Found || &got[0] != &dst[:1][0] {
			t.Fatalf("GetMarks: %+v %v", got, err)
		}
	})
	if allocs != 0 {
		t.Errorf("GetMarks allocated %v times per call with a reused dst", allocs)
	}
}

// TestFailoverGetMarks: healthy, GetMarks is the primary's answer in one
// call; while the primary is down, each mode answers as its GetMark does,
// key by key, without touching the primary.
func TestFailoverGetMarks(t *testing.T) {
	keys := []string{"bad", "good"}
	for _, tc := range []struct {
		mode    FailMode
		wantErr bool
		wantBan bool // the ban written while healthy is still seen
	}{
		{mode: FailOpen},
		{mode: FailClosed, wantErr: true},
		{mode: FailLocal, wantBan: true},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			fx := newFailoverFixture(t, tc.mode, 2)
			f := fx.f
			if err := f.PutMark(ctx, "ban", Mark{Key: "bad", Until: fx.clock.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			got, err := f.GetMarks(ctx, "ban", keys, nil)
			if err != nil || fmt.Sprint(found(got)) != "[true false]" || got[0].Mark.Key != "bad" {
				t.Fatalf("healthy: %+v %v, want bad found, good not", got, err)
			}
			if n := fx.primary.calls.Load(); n != 2 {
				t.Errorf("primary called %d times, want 2 (the put, one GetMarks)", n)
			}
			fx.primary.down.Store(true)
			for range 3 { // the first call finds the outage, the others skip the primary
				dst := make([]MarkResult, 1, 3)
				got, err := f.GetMarks(ctx, "ban", keys, dst)
				if tc.wantErr {
					if !errors.Is(err, ErrUnavailable) || len(got) != 1 {
						t.Errorf("down: %d results, %v; want dst unchanged and ErrUnavailable", len(got), err)
					}
					continue
				}
				if err != nil || len(got) != 3 || got[1].Found != tc.wantBan || got[2].Found {
					t.Errorf("down: %+v %v, want bad found=%v, good not", got, err, tc.wantBan)
				}
				for i, k := range keys {
					if _, ok, _ := f.GetMark(ctx, "ban", k); ok != got[1+i].Found {
						t.Errorf("down: GetMarks[%s] found=%v, GetMark %v", k, got[1+i].Found, ok)
					}
				}
			}
			if n := fx.primary.calls.Load(); n != 3 {
				t.Errorf("primary called %d times, want 3 (the put, GetMarks healthy, the first failure)", n)
			}
		})
	}
}

func found(rs []MarkResult) []bool {
	out := make([]bool, len(rs))
	for i, r := range rs {
		out[i] = r.Found
	}
	return out
}
