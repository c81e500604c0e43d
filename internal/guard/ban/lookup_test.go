package ban

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/store"
)

// TestCachedBanAfterUncachedKey: when a later key's ban is cached but an
// earlier key is not, the earlier key is asked first (alone) and decides
// if it can: its ban names its kind, and its outage refuses with 503 in
// closed mode, as when every key was asked in turn.
func TestCachedBanAfterUncachedKey(t *testing.T) {
	for _, mode := range []FailMode{FailOpen, FailClosed} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, Config{OnError: mode}, Options{})
			e.ban(t, "net:203.0.113.0/24", time.Hour)
			lastRule := func() string {
				outs := e.sink.Outcomes()
				if d := outs[len(outs)-1].Denials; len(d) == 1 {
					return d[0].Rule
				}
				return ""
			}
			if got := e.from(t, "203.0.113.7").StatusCode; got != 403 || lastRule() != KindNet {
				t.Fatalf("banned network: %d rule %q, want 403 net", got, lastRule())
			}
			e.reads.asked()
			if got := e.from(t, "203.0.113.8").StatusCode; got != 403 || lastRule() != KindNet {
				t.Errorf("neighbour, network ban cached: %d rule %q, want 403 net", got, lastRule())
			}
			if keys := e.reads.asked(); fmt.Sprint(keys) != "[ip:203.0.113.8]" {
				t.Errorf("asked the store about %v, want the uncached address only", keys)
			}
			e.ban(t, "ip:203.0.113.9", time.Hour)
			if got := e.from(t, "203.0.113.9").StatusCode; got != 403 || lastRule() != KindIP {
				t.Errorf("banned address in a banned network: %d rule %q, want 403 ip (checked first)", got, lastRule())
			}
			e.reads.fail(fmt.Errorf("dial redis: %w", store.ErrUnavailable))
			want := map[FailMode]int{FailOpen: 403, FailClosed: 503}[mode]
			if got := e.from(t, "203.0.113.10").StatusCode; got != want {
				t.Errorf("store down, network ban cached: %d, want %d", got, want)
			}
		})
	}
}

// TestCorruptMarkAmongGoodOnes: a key whose stored mark is unreadable is
// counted, logged and skipped, even failing closed (it is not an outage);
// the request's other keys are answered by the same call and decide, and
// only the good answers are cached.
func TestCorruptMarkAmongGoodOnes(t *testing.T) {
	var logs pipelinetest.LogBuffer
	var failures int
	e := newEnv(t, Config{OnError: FailClosed}, Options{Logger: logs.Logger(), OnStoreError: func() { failures++ }})
	e.ban(t, "net:203.0.113.0/24", time.Hour)
	e.ban(t, "ip:198.51.100.7", time.Hour)
	corrupt := errors.New("redis get marks: decoding mark: not JSON")
	e.reads.corruptKey("ip:203.0.113.7", corrupt)
	if got := e.from(t, "203.0.113.7").StatusCode; got != 403 {
		t.Errorf("corrupt address mark, banned network: %d, want 403", got)
	}
	e.reads.corruptKey("ip:198.51.100.7", corrupt)
	if got := e.from(t, "198.51.100.7").StatusCode; got != 200 {
		t.Errorf("corrupt address mark, network not banned: %d, want 200 (not an outage)", got)
	}
	if failures != 2 || strings.Count(logs.String(), "ban store failed") != 1 {
		t.Errorf("%d failures counted, logs:\n%s\nwant 2 counted, logged once per window", failures, logs.String())
	}
	e.reads.asked()
	e.from(t, "198.51.100.7")
	if keys := e.reads.asked(); fmt.Sprint(keys) != "[ip:198.51.100.7]" {
		t.Errorf("next request asked %v, want the corrupt key again only (the network answer is cached)", keys)
	}
}

// shortMarks answers no key at all: a broken store.
type shortMarks struct{}

func (shortMarks) GetMarks(_ context.Context, _ string, _ []string, dst []store.MarkResult) ([]store.MarkResult, error) {
	return dst, nil
}

// TestStoreAnsweringTooFewKeys: a store that answers fewer keys than
// asked is a store error (counted, the request admitted even failing
// closed), never a panic.
func TestStoreAnsweringTooFewKeys(t *testing.T) {
	var failures int
	g, err := New(Config{OnError: FailClosed}, Options{Marks: shortMarks{}, OnStoreError: func() { failures++ }})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "203.0.113.7:1"
	if _, err := g.Check(r); err != nil || failures != 1 {
		t.Errorf("Check: %v, %d failures; want admitted and one failure", err, failures)
	}
}

// TestCheckAllocations: a cached answer costs no allocation; an uncached
// request costs its key strings only (the store call's slices are
// pooled).
func TestCheckAllocations(t *testing.T) {
	st, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "203.0.113.7:1"
	for _, tc := range []struct {
		name     string
		cacheTTL time.Duration
		max      float64
	}{
		{"cached", time.Hour, 0},
		{"uncached", -1, 2},
	} {
		g, err := New(Config{CacheTTL: tc.cacheTTL}, Options{Marks: st})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Check(r); err != nil { // fills the cache
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := g.Check(r); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > tc.max {
			t.Errorf("%s: %v allocations per check, want at most %v", tc.name, allocs, tc.max)
		}
	}
}
