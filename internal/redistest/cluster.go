package redistest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterTimeout bounds how long the masters may take to agree.
const clusterTimeout = 30 * time.Second

// Cluster is a Redis Cluster of three masters, each a Server owned by one
// test, with the 16384 slots split between them.
type Cluster struct {
	// Nodes are the masters.
	Nodes []*Server
	// Direct has one client per master that talks to it alone, not
	// through the cluster (INFO, CLUSTER commands).
	Direct []*redis.Client
	// slotRanges[i] are the first and last slot of Nodes[i].
	slotRanges [][2]int64
}

// StartCluster starts the cluster and waits until every node reports
// cluster_state:ok with all three nodes known. It needs redis-server only
// (not REDIS_ADDR): without it the test skips (fails under
// RAMPART_REQUIRE_REDIS=1).
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := RequireServerBinary(t)
	ctx := context.Background()
	c := &Cluster{slotRanges: [][2]int64{{0, 5460}, {5461, 10922}, {10923, 16383}}}
	ports := FreePorts(t, 2*len(c.slotRanges)) // client and cluster-bus port per node
	for i := range c.slotRanges {
		n := startServerOn(t, bin, ports[2*i],
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", // in the node's own directory
			"--cluster-port", ports[2*i+1],
			"--cluster-node-timeout", "5000")
		c.Nodes = append(c.Nodes, n)
		d := redis.NewClient(&redis.Options{Addr: n.Addr(), DisableIdentity: true, Protocol: 2, MaxRetries: -1})
		t.Cleanup(func() { _ = d.Close() })
		c.Direct = append(c.Direct, d)
	}
	for i, r := range c.slotRanges {
		if err := c.Direct[i].Do(ctx, "CLUSTER", "ADDSLOTSRANGE", r[0], r[1]).Err(); err != nil {
			t.Fatalf("node %d: CLUSTER ADDSLOTSRANGE %d %d: %v", i, r[0], r[1], err)
		}
	}
	for i := 1; i < len(c.Nodes); i++ {
		if err := c.Direct[0].Do(ctx, "CLUSTER", "MEET", "127.0.0.1", c.Nodes[i].port, ports[2*i+1]).Err(); err != nil {
			t.Fatalf("CLUSTER MEET node %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(clusterTimeout)
	for i := 0; i < len(c.Direct); {
		info, err := c.Direct[i].ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
			i++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d: cluster not ready after %v: %v\n%s", i, clusterTimeout, err, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c
}

// Seeds are the addresses to give a cluster client: one node is enough,
// the client learns the others.
func (c *Cluster) Seeds() []string { return []string{c.Nodes[0].Addr()} }

// NodeOf returns the index in Nodes of the master serving key's slot.
func (c *Cluster) NodeOf(t testing.TB, key string) int {
	t.Helper()
	slot, err := c.Direct[0].ClusterKeySlot(context.Background(), key).Result()
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
