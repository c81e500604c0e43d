package redisstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// TestRedisGetMarksMatchesGetMark: on a test clock, each GetMarks result
// is GetMark's answer for its key, and the answers store.Memory gives for
// the same marks: live, absent, expired, duplicated, odd keys.
func TestRedisGetMarksMatchesGetMark(t *testing.T) {
	clock := newFakeClock()
	rs := newTestStore(t, redistest.Addr(t), Config{Now: clock.Now})
	mem, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
	now := clock.Now()
	for _, m := range []store.Mark{
		{Key: "ip:203.0.113.7", Reason: "stuffing", Source: "bruteforce", Since: now, Until: now.Add(time.Hour)},
		{Key: "net:203.0.113.0/24", Reason: "scan", Source: "admin", Since: now, Until: now.Add(10 * time.Second)},
		{Key: "sub:{alice}", Until: now.Add(time.Minute)},
		{Key: strings.Repeat("long", 200), Until: now.Add(time.Minute)},
	} {
		if err := rs.PutMark(ctx, "ban", m); err != nil {
			t.Fatal(err)
		}
		_ = mem.PutMark(ctx, "ban", m)
	}
	keys := []string{"ip:203.0.113.7", "ip:198.51.100.1", "net:203.0.113.0/24", "sub:{alice}", strings.Repeat("long", 200), "ip:203.0.113.7", ""}
	for _, step := range []time.Duration{0, 10 * time.Second, time.Hour} {
		clock.Advance(step)
		got, err := rs.GetMarks(ctx, "ban", keys, nil)
		want, _ := mem.GetMarks(ctx, "ban", keys, nil)
		if err != nil || len(got) != len(keys) || len(want) != len(keys) {
			t.Fatalf("+%v: GetMarks: %d results, %v; want %d", step, len(got), err, len(keys))
		}
		for i, k := range keys {
			m, ok, err := rs.GetMark(ctx, "ban", k)
			if !sameResult(got[i], store.MarkResult{Mark: m, Found: ok, Err: err}) || !sameResult(got[i], want[i]) {
				t.Errorf("+%v: key %.20q: GetMarks %+v\nGetMark %+v %v %v\nmemory %+v", step, k, got[i], m, ok, err, want[i])
			}
		}
	}
	if got, err := rs.GetMarks(ctx, "revoked-jti", keys[:2], nil); err != nil || len(got) != 2 || got[0].Found || got[1].Found {
		t.Errorf("other namespace: %+v %v, want two not-found results", got, err)
	}
	dst := make([]store.MarkResult, 1, 4)
	if got, err := rs.GetMarks(ctx, "b{a}n", keys, dst); err == nil || len(got) != 1 {
		t.Errorf("bad namespace: %d results, %v; want dst unchanged and an error", len(got), err)
	}
}

// TestRedisGetMarksCorruptMark: a corrupt stored mark among good ones is
// that key's error (GetMark fails for it alone), not an outage, and the
// other keys are answered; a namespace whose keys have the wrong type
// fails the whole call, as GetMark does.
func TestRedisGetMarksCorruptMark(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	until := time.Now().Add(time.Hour)
	for _, k := range []string{"good1", "bad", "good2"} {
		if err := rs.PutMark(ctx, "ban", store.Mark{Key: k, Until: until}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rs.client.HSet(ctx, rs.markKeys("ban")[0], "bad", "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := rs.GetMarks(ctx, "ban", []string{"good1", "bad", "absent", "good2"}, nil)
	if err != nil || len(got) != 4 {
		t.Fatalf("GetMarks: %d results, %v; want 4 and no error", len(got), err)
	}
	if !got[0].Found || got[0].Mark.Key != "good1" || !got[3].Found || got[3].Mark.Key != "good2" || got[2].Found || got[2].Err != nil {
		t.Errorf("good keys: %+v", got)
	}
	if got[1].Err == nil || got[1].Found || errors.Is(got[1].Err, store.ErrUnavailable) {
		t.Errorf("corrupt key: %+v, want its own error, not unavailability", got[1])
	}
	if _, _, err := rs.GetMark(ctx, "ban", "bad"); err == nil {
		t.Error("GetMark of the corrupt key: no error")
	}

	if err := rs.client.Set(ctx, rs.markKeys("ban2")[1], "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	dst := make([]store.MarkResult, 1, 3)
	got, err = rs.GetMarks(ctx, "ban2", []string{"a", "b"}, dst)
	if err == nil || errors.Is(err, store.ErrUnavailable) || len(got) != 1 {
		t.Errorf("wrong type: %d results, %v; want dst unchanged and an error that is not unavailability", len(got), err)
	}
}

// TestRedisGetMarksUnavailable: an unreachable Redis is ErrUnavailable
// for the whole call, and no keys is no round trip at all.
func TestRedisGetMarksUnavailable(t *testing.T) {
	srv := redistest.StartServer(t)
	rs := newTestStore(t, srv.Addr(), Config{Timeout: 500 * time.Millisecond})
	hook := &countingHook{}
	rs.client.AddHook(hook)
	if got, err := rs.GetMarks(ctx, "ban", nil, nil); err != nil || len(got) != 0 || hook.n.Load() != 0 {
		t.Errorf("no keys: %+v %v, %d commands; want nothing sent", got, err, hook.n.Load())
	}
	srv.Stop()
	if got, err := rs.GetMarks(ctx, "ban", []string{"a", "b"}, nil); !errors.Is(err, store.ErrUnavailable) || len(got) != 0 {
		t.Errorf("redis stopped: %+v %v, want ErrUnavailable", got, err)
	}
}

// sameResult compares results, times by instant (Redis returns them in
// the local zone, without a monotonic reading) and errors by presence.
func sameResult(a, b store.MarkResult) bool {
	am, bm := a.Mark, b.Mark
	return a.Found == b.Found && (a.Err == nil) == (b.Err == nil) &&
		am.Key == bm.Key && am.Reason == bm.Reason && am.Source == bm.Source &&
		am.Since.Equal(bm.Since) && am.Until.Equal(bm.Until)
}
