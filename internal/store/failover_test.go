package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// switchable is a real Memory that can be switched off: while down, every
// call fails with ErrUnavailable, like redisstore with Redis stopped.
type switchable struct {
	*Memory
	down  atomic.Bool
	calls atomic.Int64
}

func (s *switchable) fail() error {
	s.calls.Add(1)
	if s.down.Load() {
		return fmt.Errorf("dial tcp 127.0.0.1:6379: %w: connection refused", ErrUnavailable)
	}
	return nil
}

func (s *switchable) Allow(ctx context.Context, key string, l Limit, cost int) (Decision, error) {
	if err := s.fail(); err != nil {
		return Decision{}, err
	}
	return s.Memory.Allow(ctx, key, l, cost)
}

func (s *switchable) AllowAll(ctx context.Context, key string, ls []NamedLimit, cost int) (MultiDecision, error) {
	if err := s.fail(); err != nil {
		return MultiDecision{}, err
	}
	return s.Memory.AllowAll(ctx, key, ls, cost)
}

func (s *switchable) Incr(ctx context.Context, key string, w time.Duration, n int64) (int64, error) {
	if err := s.fail(); err != nil {
		return 0, err
	}
	return s.Memory.Incr(ctx, key, w, n)
}

func (s *switchable) Reset(ctx context.Context, key string) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.Memory.Reset(ctx, key)
}

func (s *switchable) AddDistinct(ctx context.Context, key, member string, w time.Duration) (int64, error) {
	if err := s.fail(); err != nil {
		return 0, err
	}
	return s.Memory.AddDistinct(ctx, key, member, w)
}

func (s *switchable) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := s.fail(); err != nil {
		return false, err
	}
	return s.Memory.FirstSeen(ctx, key, ttl)
}

func (s *switchable) PutMark(ctx context.Context, ns string, m Mark) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.Memory.PutMark(ctx, ns, m)
}

func (s *switchable) GetMark(ctx context.Context, ns, key string) (Mark, bool, error) {
	if err := s.fail(); err != nil {
		return Mark{}, false, err
	}
	return s.Memory.GetMark(ctx, ns, key)
}

func (s *switchable) GetMarks(ctx context.Context, ns string, keys []string, dst []MarkResult) ([]MarkResult, error) {
	if err := s.fail(); err != nil {
		return dst, err
	}
	return s.Memory.GetMarks(ctx, ns, keys, dst)
}

func (s *switchable) DeleteMark(ctx context.Context, ns, key string) (bool, error) {
	if err := s.fail(); err != nil {
		return false, err
	}
	return s.Memory.DeleteMark(ctx, ns, key)
}

func (s *switchable) ListMarks(ctx context.Context, ns string, limit int) ([]Mark, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.Memory.ListMarks(ctx, ns, limit)
}

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type failoverFixture struct {
	f           *Failover
	primary     *switchable
	clock       *fakeClock
	logs        *lockedBuffer
	transitions *[]bool
}

func newFailoverFixture(t *testing.T, mode FailMode, replicas int) failoverFixture {
	t.Helper()
	clock := newFakeClock()
	pm, _ := NewMemory(MemoryConfig{Now: clock.Now})
	fb, _ := NewMemory(MemoryConfig{Now: clock.Now})
	primary := &switchable{Memory: pm}
	logs := &lockedBuffer{}
	var mu sync.Mutex
	transitions := &[]bool{}
	f, err := NewFailover(primary, fb, FailoverConfig{
		Mode: mode, Replicas: replicas, RetryEvery: 5 * time.Second, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		OnTransition: func(healthy bool) {
			mu.Lock()
			defer mu.Unlock()
			*transitions = append(*transitions, healthy)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return failoverFixture{f, primary, clock, logs, transitions}
}

var failLimit = Limit{Rate: 10, Period: time.Second, Burst: 4}

func TestFailoverModes(t *testing.T) {
	for _, tc := range []struct {
		mode         FailMode
		allowed      bool
		incrErr      bool
		firstSeen    bool
		firstSeenErr bool
		getMarkErr   bool
		wantBan      bool // the ban written while healthy is still seen
	}{
		{mode: FailOpen, allowed: true, firstSeen: true},
		{mode: FailClosed, allowed: false, incrErr: true, firstSeenErr: true, getMarkErr: true},
		{mode: FailLocal, allowed: true, firstSeen: true, wantBan: true},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			fx := newFailoverFixture(t, tc.mode, 2)
			f := fx.f
			ban := Mark{Key: "bad", Until: fx.clock.Now().Add(time.Hour)}
			if err := f.PutMark(ctx, "ban", ban); err != nil {
				t.Fatal(err)
			}
			fx.primary.down.Store(true)

			d, err := f.Allow(ctx, "k", failLimit, 1)
			if err != nil || d.Allowed != tc.allowed {
				t.Errorf("Allow: %+v %v, want allowed=%v", d, err, tc.allowed)
			}
			if !tc.allowed && d.RetryAfter != 5*time.Second {
				t.Errorf("closed Allow: RetryAfter %v, want the probe interval", d.RetryAfter)
			}
			n, err := f.Incr(ctx, "k", time.Minute, 1)
			if (err != nil) != tc.incrErr || (err != nil && !errors.Is(err, ErrUnavailable)) {
				t.Errorf("Incr: %d %v, want error=%v wrapping ErrUnavailable", n, err, tc.incrErr)
			}
			seen, err := f.FirstSeen(ctx, "nonce", time.Minute)
			if seen != tc.firstSeen || (err != nil) != tc.firstSeenErr {
				t.Errorf("FirstSeen: %v %v, want %v error=%v", seen, err, tc.firstSeen, tc.firstSeenErr)
			}
			_, banned, err := f.GetMark(ctx, "ban", "bad")
			if banned != tc.wantBan || (err != nil) != tc.getMarkErr {
				t.Errorf("GetMark: %v %v, want %v error=%v", banned, err, tc.wantBan, tc.getMarkErr)
			}
			if tc.mode != FailLocal {
				if err := f.PutMark(ctx, "ban", ban); !errors.Is(err, ErrUnavailable) {
					t.Errorf("PutMark while down: %v, want ErrUnavailable", err)
				}
				if _, err := f.ListMarks(ctx, "ban", 10); !errors.Is(err, ErrUnavailable) {
					t.Errorf("ListMarks while down: %v, want ErrUnavailable", err)
				}
			}
			if f.Healthy() {
				t.Error("still healthy")
			}
			// Only the first call reached the primary: the rest got the
			// fail mode without waiting on a dead backend.
			if got := fx.primary.calls.Load(); got != 2 {
				t.Errorf("primary called %d times, want 2 (the put, the first failure)", got)
			}
		})
	}
}

// TestFailoverLocalScalesLimits: in local mode each replica admits its
// share of the burst and the rate.
func TestFailoverLocalScalesLimits(t *testing.T) {
	fx := newFailoverFixture(t, FailLocal, 2)
	fx.primary.down.Store(true)
	admitted := 0
	for range 10 {
		if d, _ := fx.f.Allow(ctx, "k", failLimit, 1); d.Allowed {
			admitted++
		}
	}
	if admitted != 2 {
		t.Errorf("admitted %d at once, want burst 4 / 2 replicas = 2", admitted)
	}
	fx.clock.Advance(200 * time.Millisecond) // one event per 200ms per replica
	if d, _ := fx.f.Allow(ctx, "k", failLimit, 1); !d.Allowed {
		t.Error("denied after the scaled interval")
	}
	if d, _ := fx.f.Allow(ctx, "k", failLimit, 1); d.Allowed {
		t.Error("admitted twice in one scaled interval")
	}
}

func TestScaleLimit(t *testing.T) {
	l := Limit{Rate: 10, Period: time.Second, Burst: 5}
	for _, tc := range []struct {
		replicas, cost int
		want           Limit
	}{
		{1, 1, l},
		{2, 1, Limit{Rate: 10, Period: 2 * time.Second, Burst: 2}},
		{10, 1, Limit{Rate: 10, Period: 10 * time.Second, Burst: 1}},
		{10, 3, Limit{Rate: 10, Period: 10 * time.Second, Burst: 3}},
		{10, 6, Limit{Rate: 10, Period: 10 * time.Second, Burst: 1}},
	} {
		if got := ScaleLimit(l, tc.replicas, tc.cost); got != tc.want {
			t.Errorf("ScaleLimit(%+v, %d, %d) = %+v, want %+v", l, tc.replicas, tc.cost, got, tc.want)
		}
	}
}

// TestFailoverRecovers: one log line and one callback per transition, a
// probe every RetryEvery, recovery on the first good probe.
func TestFailoverRecovers(t *testing.T) {
	fx := newFailoverFixture(t, FailOpen, 1)
	f := fx.f
	fx.primary.down.Store(true)
	for range 100 {
		_, _ = f.Allow(ctx, "k", failLimit, 1)
	}
	fx.clock.Advance(5 * time.Second)
	for range 100 { // one probe, still down
		_, _ = f.Allow(ctx, "k", failLimit, 1)
	}
	if got := fx.primary.calls.Load(); got != 2 {
		t.Errorf("primary called %d times, want 2 (first failure, one probe)", got)
	}
	fx.primary.down.Store(false)
	if _, _ = f.Allow(ctx, "k", failLimit, 1); f.Healthy() {
		t.Error("recovered before the probe interval")
	}
	fx.clock.Advance(5 * time.Second)
	if _, err := f.Allow(ctx, "k", failLimit, 1); err != nil || !f.Healthy() {
		t.Errorf("probe after recovery: %v, healthy %v", err, f.Healthy())
	}
	for range 10 {
		_, _ = f.Allow(ctx, "k", failLimit, 1)
	}
	if got := fmt.Sprint(*fx.transitions); got != "[false true]" {
		t.Errorf("transitions %s, want [false true]", got)
	}
	logs := fx.logs.String()
	if n := strings.Count(logs, "\n"); n != 2 {
		t.Errorf("%d log lines, want 2:\n%s", n, logs)
	}
	if !strings.Contains(logs, "shared store unavailable") || !strings.Contains(logs, "shared store recovered") {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestFailoverConcurrentOutage: under concurrent load, an outage and a
// recovery give exactly one transition each.
func TestFailoverConcurrentOutage(t *testing.T) {
	fx := newFailoverFixture(t, FailLocal, 3)
	run := func() {
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 200 {
					key := fmt.Sprint(w, i%10)
					_, _ = fx.f.Allow(ctx, key, failLimit, 1)
					_, _ = fx.f.Incr(ctx, key, time.Second, 1)
					_, _, _ = fx.f.GetMark(ctx, "ban", key)
				}
			})
		}
		wg.Wait()
	}
	run()
	fx.primary.down.Store(true)
	run()
	fx.primary.down.Store(false)
	fx.clock.Advance(5 * time.Second)
	run()
	if got := fmt.Sprint(*fx.transitions); got != "[false true]" {
		t.Errorf("transitions %s, want [false true]", got)
	}
}

func TestFailoverPassesOtherErrors(t *testing.T) {
	fx := newFailoverFixture(t, FailOpen, 1)
	if _, err := fx.f.Incr(ctx, "k", 0, 1); err == nil {
		t.Error("bad window: no error")
	}
	if _, err := fx.f.Allow(ctx, "k", Limit{}, 1); err == nil {
		t.Error("bad limit: no error")
	}
	if !fx.f.Healthy() || len(*fx.transitions) != 0 {
		t.Error("a bad-input error changed the health state")
	}
}

func TestNewFailoverValidates(t *testing.T) {
	m, _ := NewMemory(MemoryConfig{})
	for _, tc := range []struct {
		name     string
		primary  Store
		fallback Store
		cfg      FailoverConfig
	}{
		{"no primary", nil, m, FailoverConfig{Mode: FailOpen}},
		{"no mode", m, m, FailoverConfig{}},
		{"unknown mode", m, m, FailoverConfig{Mode: "sometimes"}},
		{"local without fallback", m, nil, FailoverConfig{Mode: FailLocal}},
		{"negative replicas", m, m, FailoverConfig{Mode: FailLocal, Replicas: -1}},
	} {
		if _, err := NewFailover(tc.primary, tc.fallback, tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	f, err := NewFailover(m, nil, FailoverConfig{Mode: FailClosed})
	if err != nil || f.Mode() != FailClosed {
		t.Errorf("closed without fallback: %v", err)
	}
}
