// Package redistest is test support for the packages whose tests need
// Redis: the shared Redis named by REDIS_ADDR, a key prefix of a test's
// own on it, and private redis-server processes a test may stop and start
// (an outage) or join into a three-master Redis Cluster.
//
// It is imported only by _test.go files (internal/archtest enforces it),
// which is why it may import "testing" and the Redis client.
//
// A test that needs Redis skips when it is not there, with the message
// "REDIS_ADDR not set" or "redis-server not installed". Where
// RAMPART_REQUIRE_REDIS=1 (.ci/run sets it in CI) it fails instead: a
// skipped Redis test would hide exactly the multi-replica behaviour it
// exists to prove.
//
// Usage:
//
//	addr := redistest.Addr(t)           // the shared Redis
//	prefix := redistest.Prefix(t, addr) // its keys are deleted at cleanup
//
//	srv := redistest.StartServer(t) // a private redis-server
//	srv.Stop()                      // SIGKILL: an outage
//	srv.Start()                     // back on the same port, empty
package redistest
