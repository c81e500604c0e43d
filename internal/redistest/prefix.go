package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// cleanupTimeout bounds the deletion of a test's keys.
const cleanupTimeout = 10 * time.Second

// UniquePrefix returns a key prefix no other test uses
// ("rampart-test-<12 hex digits>"), without cleanup: for stores on a
// private server, or on none.
func UniquePrefix(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return "rampart-test-" + hex.EncodeToString(b[:])
}

// Prefix returns a unique key prefix for a store on the Redis at addr, so
// tests sharing one Redis never see each other's state, and deletes every
// "<prefix>:*" key when the test ends. The store puts its hash tags after
// the prefix ("<prefix>:gcra:{<key>}", "<prefix>:mark:{<ns>}:data"), so
// that pattern finds every key it wrote.
func Prefix(t testing.TB, addr string) string {
	t.Helper()
	prefix := UniquePrefix(t)
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := DeleteKeys(ctx, c, prefix+":*"); err != nil {
			t.Errorf("deleting the test's keys %s:* on %s: %v", prefix, addr, err)
		}
	})
	return prefix
}

// DeleteKeys deletes the keys matching pattern. On a Cluster it scans
// every master (a SCAN sees one node's keys) and deletes key by key (one
// DEL of keys in different slots is refused with CROSSSLOT).
func DeleteKeys(ctx context.Context, c redis.UniversalClient, pattern string) error {
	del := func(ctx context.Context, node redis.UniversalClient) error {
		iter := node.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return del(ctx, node) })
	}
	return del(ctx, c)
}
