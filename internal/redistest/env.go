package redistest

import (
	"os"
	"os/exec"
	"testing"
)

// requireEnv names the variable that turns a skipped Redis test into a
// failed one when set to "1".
const requireEnv = "RAMPART_REQUIRE_REDIS"

// Addr returns the shared Redis's host:port from REDIS_ADDR, or skips the
// test with "REDIS_ADDR not set" (fails it under RAMPART_REQUIRE_REDIS=1).
func Addr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		skipOrFail(t, "REDIS_ADDR not set")
	}
	return addr
}

// RequireServerBinary returns the path of redis-server, or skips the test
// with "redis-server not installed" (fails it under
// RAMPART_REQUIRE_REDIS=1).
func RequireServerBinary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		skipOrFail(t, "redis-server not installed")
	}
	return bin
}

// skipOrFail skips a test that cannot find what it needs of Redis, or
// fails it where RAMPART_REQUIRE_REDIS=1 forbids skipping.
func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s, and %s=1 forbids skipping Redis tests", why, requireEnv)
	}
	t.Skip(why)
}
