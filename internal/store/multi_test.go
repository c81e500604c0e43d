package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// multiStep is one AllowAll call at an offset from the timeline's start.
type multiStep struct {
	at   time.Duration
	cost int
	want MultiDecision
}

// multiLimits: a short limit (10/s, burst 3: one event per 100ms) and a
// slower one (2/s, burst 4: one per 500ms), as a policy of "20/s burst 40
// and 10,000 a day" in small.
var multiLimits = []NamedLimit{
	{Name: "0", Limit: Limit{Rate: 10, Period: time.Second, Burst: 3}},
	{Name: "1", Limit: Limit{Rate: 2, Period: time.Second, Burst: 4}},
}

func admitted(ds ...Decision) MultiDecision {
	return MultiDecision{Allowed: true, Refused: -1, Limits: ds}
}

// multiTimeline is exact: every value follows from the GCRA arithmetic
// (see gcra), with the limits decided together.
var multiTimeline = []multiStep{
	{0, 1, admitted(
		Decision{Allowed: true, Remaining: 2, ResetAfter: ms(100)},
		Decision{Allowed: true, Remaining: 3, ResetAfter: ms(500)})},
	{0, 1, admitted(
		Decision{Allowed: true, Remaining: 1, ResetAfter: ms(200)},
		Decision{Allowed: true, Remaining: 2, ResetAfter: ms(1000)})},
	{0, 1, admitted(
		Decision{Allowed: true, Remaining: 0, ResetAfter: ms(300)},
		Decision{Allowed: true, Remaining: 1, ResetAfter: ms(1500)})},
	// The first limit refuses; the second had room but is not charged: it
	// still reports 1 remaining and its old reset time.
	{0, 1, MultiDecision{Refused: 0, RetryAfter: ms(100), Limits: []Decision{
		{Remaining: 0, RetryAfter: ms(100), ResetAfter: ms(300)},
		{Allowed: true, Remaining: 1, ResetAfter: ms(1500)}}}},
	{ms(100), 1, admitted(
		Decision{Allowed: true, Remaining: 0, ResetAfter: ms(300)},
		Decision{Allowed: true, Remaining: 0, ResetAfter: ms(1900)})},
	// The second limit refuses; the first keeps its room (1 left, reset
	// in 200ms), and asking again changes nothing.
	{ms(200), 1, MultiDecision{Refused: 1, RetryAfter: ms(300), Limits: []Decision{
		{Allowed: true, Remaining: 1, ResetAfter: ms(200)},
		{Remaining: 0, RetryAfter: ms(300), ResetAfter: ms(1800)}}}},
	{ms(200), 1, MultiDecision{Refused: 1, RetryAfter: ms(300), Limits: []Decision{
		{Allowed: true, Remaining: 1, ResetAfter: ms(200)},
		{Remaining: 0, RetryAfter: ms(300), ResetAfter: ms(1800)}}}},
	{ms(500), 1, admitted(
		Decision{Allowed: true, Remaining: 2, ResetAfter: ms(100)},
		Decision{Allowed: true, Remaining: 0, ResetAfter: ms(2000)})},
	// Both refuse; a cost above the first limit's burst never passes, and
	// that wins over the second limit's 2s.
	{ms(500), 4, MultiDecision{Refused: 0, RetryAfter: RetryNever, Limits: []Decision{
		{Remaining: 2, RetryAfter: RetryNever, ResetAfter: ms(100)},
		{Remaining: 0, RetryAfter: 2 * time.Second, ResetAfter: 2 * time.Second}}}},
	// Both refuse with finite waits: the longest decides.
	{ms(550), 3, MultiDecision{Refused: 1, RetryAfter: ms(1450), Limits: []Decision{
		{Remaining: 2, RetryAfter: ms(50), ResetAfter: ms(50)},
		{Remaining: 0, RetryAfter: ms(1450), ResetAfter: ms(1950)}}}},
	// Cost 0 peeks.
	{3 * time.Second, 0, admitted(
		Decision{Allowed: true, Remaining: 3},
		Decision{Allowed: true, Remaining: 4})},
	{3 * time.Second, 3, admitted(
		Decision{Allowed: true, Remaining: 0, ResetAfter: ms(300)},
		Decision{Allowed: true, Remaining: 1, ResetAfter: ms(1500)})},
}

func sameMulti(a, b MultiDecision) bool {
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

func TestMemoryMultiLimitTimeline(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	m, _ := NewMemory(MemoryConfig{Now: clock.Now})
	for i, s := range multiTimeline {
		clock.Set(start.Add(s.at))
		got, err := m.AllowAll(ctx, "client", multiLimits, s.cost)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !sameMulti(got, s.want) {
			t.Errorf("step %d (t=%v cost=%d):\ngot  %+v\nwant %+v", i, s.at, s.cost, got, s.want)
		}
	}
}

// TestMemoryRefusalByALaterLimitChargesNothing: a daily quota that is
// spent refuses every request, and the per-second limit before it stays
// full however many requests are refused.
func TestMemoryRefusalByALaterLimitChargesNothing(t *testing.T) {
	clock := newFakeClock()
	m, _ := NewMemory(MemoryConfig{Now: clock.Now})
	limits := []NamedLimit{
		{Name: "second", Limit: Limit{Rate: 20, Period: time.Second, Burst: 40}},
		{Name: "day", Limit: Limit{Rate: 2, Period: 24 * time.Hour, Burst: 2}},
	}
	for i := range 2 {
		if md, _ := m.AllowAll(ctx, "k", limits, 1); !md.Allowed {
			t.Fatalf("request %d refused: %+v", i, md)
		}
	}
	for range 100 {
		md, _ := m.AllowAll(ctx, "k", limits, 1)
		if md.Allowed || md.Refused != 1 {
			t.Fatalf("quota spent, got %+v", md)
		}
	}
	// The per-second limit was charged twice, by the admitted requests.
	md, _ := m.AllowAll(ctx, "k", limits[:1], 0)
	if md.Limits[0].Remaining != 38 {
		t.Errorf("per-second limit after 2 admitted and 100 refused: %d remaining, want 38", md.Limits[0].Remaining)
	}
}

// TestMemoryAllowIsTheUnnamedLimit: Allow and AllowAll with an unnamed
// limit share one state; named limits and other keys have their own.
func TestMemoryAllowIsTheUnnamedLimit(t *testing.T) {
	clock := newFakeClock()
	m, _ := NewMemory(MemoryConfig{Now: clock.Now})
	one := Limit{Rate: 1, Period: time.Minute, Burst: 1}
	if d, _ := m.Allow(ctx, "k", one, 1); !d.Allowed {
		t.Fatal("first Allow refused")
	}
	if md, _ := m.AllowAll(ctx, "k", []NamedLimit{{Limit: one}}, 1); md.Allowed {
		t.Error("unnamed AllowAll admitted after Allow spent the burst")
	}
	// "k" named "x", "kx" unnamed and the rest are different states.
	for _, c := range []struct {
		key, name string
	}{{"k", "x"}, {"kx", ""}, {"k\x00", "x"}, {"", "kx"}} {
		if md, _ := m.AllowAll(ctx, c.key, []NamedLimit{{Name: c.name, Limit: one}}, 1); !md.Allowed {
			t.Errorf("key %q name %q: first request refused", c.key, c.name)
		}
	}
}

func TestCheckAllowAllRejectsBadInput(t *testing.T) {
	ok := Limit{Rate: 1, Period: time.Second, Burst: 1}
	many := make([]NamedLimit, MaxLimitsPerDecision+1)
	for i := range many {
		many[i] = NamedLimit{Name: fmt.Sprint(i), Limit: ok}
	}
	m, _ := NewMemory(MemoryConfig{})
	for _, tc := range []struct {
		name   string
		limits []NamedLimit
		cost   int
	}{
		{"none", nil, 1},
		{"too many", many, 1},
		{"duplicate name", []NamedLimit{{Name: "a", Limit: ok}, {Name: "a", Limit: ok}}, 1},
		{"two unnamed", []NamedLimit{{Limit: ok}, {Limit: ok}}, 1},
		{"brace in name", []NamedLimit{{Name: "a{b}", Limit: ok}}, 1},
		{"long name", []NamedLimit{{Name: strings.Repeat("n", MaxLimitNameLen+1), Limit: ok}}, 1},
		{"invalid limit", []NamedLimit{{Name: "a", Limit: ok}, {Name: "b"}}, 1},
		{"negative cost", []NamedLimit{{Limit: ok}}, -1},
	} {
		if _, err := m.AllowAll(ctx, "k", tc.limits, tc.cost); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := m.AllowAll(ctx, "k", many[:MaxLimitsPerDecision], 1); err != nil {
		t.Errorf("%d limits: %v", MaxLimitsPerDecision, err)
	}
}

// TestMemoryMultiLimitConcurrentExact: concurrent requests on one key
// admit exactly the tighter limit's burst, and the looser limit is charged
// exactly that many times (no refused request charged it).
func TestMemoryMultiLimitConcurrentExact(t *testing.T) {
	clock := newFakeClock()
	m, _ := NewMemory(MemoryConfig{Now: clock.Now})
	limits := []NamedLimit{
		{Name: "loose", Limit: Limit{Rate: 1, Period: time.Hour, Burst: 1000}},
		{Name: "tight", Limit: Limit{Rate: 1, Period: time.Hour, Burst: 60}},
	}
	var admittedN atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if md, err := m.AllowAll(ctx, "shared", limits, 1); err == nil && md.Allowed {
					admittedN.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := admittedN.Load(); got != 60 {
		t.Errorf("admitted %d, want exactly the tight burst 60", got)
	}
	md, _ := m.AllowAll(ctx, "shared", limits[:1], 0)
	if got := md.Limits[0].Remaining; got != 940 {
		t.Errorf("loose limit has %d remaining, want 1000-60 = 940", got)
	}
}

// TestFailoverAllowAll: each fail mode answers multi-limit decisions as it
// answers single ones.
func TestFailoverAllowAll(t *testing.T) {
	limits := []NamedLimit{{Name: "a", Limit: failLimit}, {Name: "b", Limit: Limit{Rate: 1, Period: time.Second, Burst: 2}}}
	for _, tc := range []struct {
		mode     FailMode
		admitted int // of 10 at once, replicas 2
	}{
		{FailOpen, 10}, {FailClosed, 0}, {FailLocal, 1}, // burst 2 / 2 replicas
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			fx := newFailoverFixture(t, tc.mode, 2)
			if md, err := fx.f.AllowAll(ctx, "k", limits, 1); err != nil || !md.Allowed {
				t.Fatalf("healthy: %+v %v", md, err)
			}
			fx.primary.down.Store(true)
			n := 0
			for range 10 {
				md, err := fx.f.AllowAll(ctx, "k", limits, 1)
				if err != nil {
					t.Fatal(err)
				}
				if md.Allowed {
					n++
				} else if tc.mode == FailClosed && (md.RetryAfter != 5*time.Second || md.Refused != 0) {
					t.Errorf("closed: %+v, want a refusal for the probe interval", md)
				}
			}
			if n != tc.admitted {
				t.Errorf("admitted %d of 10 while down, want %d", n, tc.admitted)
			}
			if md, _ := fx.f.AllowAll(ctx, "k", limits, 3); tc.mode == FailOpen && (md.Allowed || md.RetryAfter != RetryNever) {
				t.Errorf("open, cost above a burst: %+v, want RetryNever", md)
			}
			if _, err := fx.f.AllowAll(ctx, "k", nil, 1); err == nil || errors.Is(err, ErrUnavailable) {
				t.Errorf("bad input while down: %v, want a plain error", err)
			}
		})
	}
}
