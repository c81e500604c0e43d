package redisstore

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// TestRedisCluster runs the store against a real three-master Redis
// Cluster: every operation on keys of every master, multi-key scripts
// without CROSSSLOT, marks of namespaces held by different masters, and
// one round trip per decision.
func TestRedisCluster(t *testing.T) {
	c := redistest.StartCluster(t)

	t.Run("decisions for keys on every master", func(t *testing.T) {
		rs := newTestStore(t, "", Config{ClusterAddrs: c.Seeds()})
		perNode := make([][]string, len(c.Nodes))
		for i := 0; slices.ContainsFunc(perNode, func(ks []string) bool { return len(ks) < 3 }); i++ {
			k := fmt.Sprint("203.0.113.", i)
			n := c.NodeOf(t, keyPart(k)) // the hash tag of every key of k
			perNode[n] = append(perNode[n], k)
		}
		limits := []store.NamedLimit{
			{Name: "0", Limit: store.Limit{Rate: 1, Period: time.Minute, Burst: 3}},
			{Name: "1", Limit: store.Limit{Rate: 100, Period: time.Hour, Burst: 100}},
		}
		before := evalshaCalls(t, c)
		for _, keys := range perNode {
			for _, k := range keys {
				for i := range 4 {
					md, err := rs.AllowAll(ctx, k, limits, 1)
					if err != nil {
						t.Fatalf("AllowAll(%q): %v", k, err)
					}
					if md.Allowed != (i < 3) || (i == 3 && (md.Refused != 0 || md.Limits[1].Remaining != 97)) {
						t.Errorf("AllowAll(%q) #%d: %+v", k, i, md)
					}
				}
				if n, err := rs.Incr(ctx, k, time.Minute, 2); err != nil || n != 2 {
					t.Errorf("Incr(%q): %d %v", k, n, err)
				}
				if err := rs.Reset(ctx, k); err != nil {
					t.Errorf("Reset(%q): %v", k, err)
				}
				if n, err := rs.AddDistinct(ctx, k, "alice", time.Minute); err != nil || n != 1 {
					t.Errorf("AddDistinct(%q): %d %v", k, n, err) // two keys, one slot
				}
				if seen, err := rs.FirstSeen(ctx, k, time.Minute); err != nil || !seen {
					t.Errorf("FirstSeen(%q): %v %v", k, seen, err)
				}
			}
		}
		// Each master ran the scripts of its own keys: 4 AllowAll, 1 Incr
		// and 1 AddDistinct per key, and nothing else.
		after := evalshaCalls(t, c)
		for i, keys := range perNode {
			if got, want := after[i]-before[i], int64(6*len(keys)); got != want {
				t.Errorf("master %d ran %d EVALSHA for %d keys, want %d", i, got, len(keys), want)
			}
		}
	})

	t.Run("multi-limit timeline matches memory", func(t *testing.T) {
		clock := newFakeClock()
		start := clock.Now()
		rs := newTestStore(t, "", Config{ClusterAddrs: c.Seeds(), Now: clock.Now})
		for i, s := range multiTimeline {
			clock.Set(start.Add(s.at))
			got, err := rs.AllowAll(ctx, "client", multiLimits, s.cost)
			if err != nil || !sameMulti(got, s.want) {
				t.Errorf("step %d: %+v %v\nwant %+v", i, got, err, s.want)
			}
		}
	})

	t.Run("marks of namespaces on every master", func(t *testing.T) {
		rs := newTestStore(t, "", Config{ClusterAddrs: c.Seeds(), MaxMarks: 3})
		byNode := map[int][]string{}
		for _, ns := range []string{"ban", "lockout", "trusted", "revoked-jti", "revoked-sub", "obj"} {
			n := c.NodeOf(t, ns) // a namespace's keys are tagged {ns}
			byNode[n] = append(byNode[n], ns)
		}
		t.Logf("masters of the gateway's mark namespaces: %v", byNode)
		for i := 0; len(byNode) < len(c.Nodes); i++ {
			ns := fmt.Sprint("ns-", i)
			byNode[c.NodeOf(t, ns)] = append(byNode[c.NodeOf(t, ns)], ns)
		}
		now := time.Now()
		for _, spaces := range byNode {
			for _, ns := range spaces {
				for i, k := range []string{"a", "b", "c"} {
					if err := rs.PutMark(ctx, ns, store.Mark{Key: k, Until: now.Add(time.Duration(i+1) * time.Hour)}); err != nil {
						t.Fatalf("PutMark(%s, %s): %v", ns, k, err)
					}
				}
				if err := rs.PutMark(ctx, ns, store.Mark{Key: "d", Until: now.Add(time.Hour)}); !errors.Is(err, store.ErrFull) {
					t.Errorf("%s: fourth mark with max_marks 3: %v, want ErrFull", ns, err)
				}
				if m, ok, err := rs.GetMark(ctx, ns, "b"); err != nil || !ok || m.Key != "b" {
					t.Errorf("%s: GetMark: %+v %v %v", ns, m, ok, err)
				}
				before := evalshaCalls(t, c)
				got, err := rs.GetMarks(ctx, ns, []string{"c", "d", "a"}, nil)
				if err != nil || len(got) != 3 || got[0].Mark.Key != "c" || got[1].Found || !got[2].Found || got[2].Mark.Key != "a" {
					t.Errorf("%s: GetMarks: %+v %v, want c and a found, d not", ns, got, err)
				}
				// One script on the namespace's master, none elsewhere.
				after, master := evalshaCalls(t, c), c.NodeOf(t, ns)
				for i := range after {
					want := int64(0)
					if i == master {
						want = 1
					}
					if after[i]-before[i] != want {
						t.Errorf("%s: GetMarks ran %d EVALSHA on master %d, want %d", ns, after[i]-before[i], i, want)
					}
				}
				if ok, err := rs.DeleteMark(ctx, ns, "a"); err != nil || !ok {
					t.Errorf("%s: DeleteMark: %v %v", ns, ok, err)
				}
				if ms, err := rs.ListMarks(ctx, ns, 0); err != nil || keysOf(ms) != "c,b" {
					t.Errorf("%s: ListMarks: %s %v, want c,b", ns, keysOf(ms), err)
				}
			}
		}
	})

	t.Run("one round trip per decision", func(t *testing.T) {
		rs := newTestStore(t, "", Config{ClusterAddrs: c.Seeds()})
		hook := &countingHook{}
		rs.client.AddHook(hook)
		evalBefore := 0
		for _, d := range c.Direct {
			evalBefore += int(redistest.CommandCalls(t, d)["eval"])
		}
		before := evalshaCalls(t, c)
		const n = 300
		for i := range n {
			if _, err := rs.AllowAll(ctx, fmt.Sprint("client-", i), threeLimits, 1); err != nil {
				t.Fatal(err)
			}
		}
		after := evalshaCalls(t, c)
		var total, evals int64
		for i := range after {
			total += after[i] - before[i]
			if after[i] == before[i] {
				t.Errorf("master %d served none of %d keys", i, n)
			}
			evals += redistest.CommandCalls(t, c.Direct[i])["eval"]
		}
		if got := hook.n.Load(); got != n || total != n {
			t.Errorf("%d decisions: client sent %d commands, masters ran %d EVALSHA; want %d each", n, got, total, n)
		}
		if evals != int64(evalBefore) {
			t.Errorf("masters ran %d EVAL: scripts were not loaded on every master", evals-int64(evalBefore))
		}
	})
}

// TestClusterUnreachableIsUnavailable: seeds that do not answer give a
// working store and store.ErrUnavailable, from New and from every call,
// so the failover applies the fail mode as with one Redis.
func TestClusterUnreachableIsUnavailable(t *testing.T) {
	s, err := New(ctx, Config{ClusterAddrs: []string{"127.0.0.1:" + redistest.FreePort(t)}, Prefix: redistest.UniquePrefix(t), Timeout: 200 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) || s == nil {
		t.Fatalf("New with no cluster: %v, %v; want a store and ErrUnavailable", s, err)
	}
	defer s.Close()
	if _, err := s.AllowAll(ctx, "k", threeLimits, 1); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("AllowAll: %v, want ErrUnavailable", err)
	}
	if _, err := s.ListMarks(ctx, "ban", 0); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("ListMarks: %v, want ErrUnavailable", err)
	}
	if _, err := s.GetMarks(ctx, "ban", []string{"ip:203.0.113.7", "net:203.0.113.0/24"}, nil); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("GetMarks: %v, want ErrUnavailable", err)
	}
}
