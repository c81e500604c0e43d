package redisstore

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCluster is a Redis Cluster of three masters, each a redis-server
// process owned by one test, with the 16384 slots split between them.
type redisCluster struct {
	nodes []*redisServer
	// direct talks to each node itself, not through the cluster.
	direct []*redis.Client
	// slotRanges[i] are the first and last slot of nodes[i].
	slotRanges [][2]int64
}

// startCluster starts the cluster and waits until every node reports
// cluster_state:ok. It needs redis-server only (not REDIS_ADDR): without
// it the test is skipped with this message, which CI treats as a failure.
func startCluster(t *testing.T) *redisCluster {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed: the Redis Cluster tests start a 3-master cluster from it")
	}
	c := &redisCluster{slotRanges: [][2]int64{{0, 5460}, {5461, 10922}, {10923, 16383}}}
	ports := freePorts(t, 2*len(c.slotRanges)) // client and cluster-bus port per node
	for i := range c.slotRanges {
		port, bus := ports[2*i], ports[2*i+1]
		n := newRedisServerOn(t, port,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", // in the node's t.TempDir()
			"--cluster-port", bus,
			"--cluster-node-timeout", "5000")
		c.nodes = append(c.nodes, n)
		d := redis.NewClient(&redis.Options{Addr: n.Addr(), DisableIdentity: true, Protocol: 2, MaxRetries: -1})
		t.Cleanup(func() { _ = d.Close() })
		c.direct = append(c.direct, d)
	}
	for i, r := range c.slotRanges {
		if err := c.direct[i].Do(ctx, "CLUSTER", "ADDSLOTSRANGE", r[0], r[1]).Err(); err != nil {
			t.Fatalf("node %d: CLUSTER ADDSLOTSRANGE %d %d: %v", i, r[0], r[1], err)
		}
	}
	for i := 1; i < len(c.nodes); i++ {
		if err := c.direct[0].Do(ctx, "CLUSTER", "MEET", "127.0.0.1", c.nodes[i].port, ports[2*i+1]).Err(); err != nil {
			t.Fatalf("CLUSTER MEET node %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < len(c.direct); {
		info, err := c.direct[i].ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
			i++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d: cluster not ready after 30s: %v\n%s", i, err, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c
}

// seeds are the addresses given to the store: one node is enough, the
// client learns the others.
func (c *redisCluster) seeds() []string { return []string{c.nodes[0].Addr()} }

// nodeOf returns the index of the master serving key's slot.
func (c *redisCluster) nodeOf(t testing.TB, key string) int {
	t.Helper()
	slot, err := c.direct[0].ClusterKeySlot(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range c.slotRanges {
		if slot >= r[0] && slot <= r[1] {
			return i
		}
	}
	t.Fatalf("slot %d of %q outside every range", slot, key)
	return -1
}

// evalshaCalls returns each node's EVALSHA count.
func (c *redisCluster) evalshaCalls(t testing.TB) []int64 {
	t.Helper()
	out := make([]int64, len(c.direct))
	for i, d := range c.direct {
		out[i] = commandCalls(t, d)["evalsha"]
	}
	return out
}
