package redistest

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestServerStopStart: a stopped server refuses connections; started
// again it answers on the same address, empty.
func TestServerStopStart(t *testing.T) {
	s := StartServer(t)
	ctx := t.Context()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), DisableIdentity: true, Protocol: 2, MaxRetries: -1})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET on a started server: %v", err)
	}
	s.Stop()
	if conn, err := net.Dial("tcp", s.Addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		if conn != nil {
			conn.Close()
		}
		t.Fatalf("connecting to a stopped server: %v, want connection refused", err)
	}
	s.Stop() // a second Stop does nothing
	s.Start()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	if n, err := c.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Errorf("EXISTS k after a restart: %d %v, want 0 (nothing persisted)", n, err)
	}
}

// TestServerExtraArgs: extra arguments reach redis-server, and a server
// that asks for a password counts as started.
func TestServerExtraArgs(t *testing.T) {
	s := StartServer(t, "--requirepass", "the-password")
	for _, tc := range []struct {
		name, password, wantErr string
	}{
		{"no password", "", "NOAUTH"},
		{"right password", "the-password", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: tc.password, DisableIdentity: true, Protocol: 2})
			defer c.Close()
			err := c.Ping(t.Context()).Err()
			if got := errString(err); !strings.HasPrefix(got, tc.wantErr) || (tc.wantErr == "") != (err == nil) {
				t.Errorf("PING: %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestPrefixDeletesItsKeysOnly: at the end of a test, every key under its
// prefix is gone, hash-tagged ones too, and no other key is touched.
func TestPrefixDeletesItsKeysOnly(t *testing.T) {
	addr := Addr(t)
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer c.Close()
	ctx := context.Background()
	other := UniquePrefix(t) + ":kept"
	if err := c.Set(ctx, other, "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	defer c.Del(ctx, other)
	var prefix string
	t.Run("user", func(t *testing.T) {
		prefix = Prefix(t, addr)
		for _, k := range []string{":gcra:{203.0.113.9}", ":gcra:{203.0.113.9}:per-day", ":mark:{ban}:data", ":ctr:{#ab}"} {
			if err := c.Set(ctx, prefix+k, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if keys, err := c.Keys(ctx, prefix+"*").Result(); err != nil || len(keys) != 0 {
		t.Errorf("keys under %s after the test: %v %v, want none", prefix, keys, err)
	}
	if n, err := c.Exists(ctx, other).Result(); err != nil || n != 1 {
		t.Errorf("another test's key %s: exists %d %v, want it kept", other, n, err)
	}
}

// TestClusterServesEverySlot: each master serves its third of the slots,
// and a cluster client reaches keys on all of them.
func TestClusterServesEverySlot(t *testing.T) {
	cl := StartCluster(t)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Seeds(), DisableIdentity: true, Protocol: 2})
	defer cc.Close()
	ctx := t.Context()
	seen := map[int]bool{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		seen[cl.NodeOf(t, k)] = true
		if err := cc.Set(ctx, k, "v", 0).Err(); err != nil {
			t.Fatalf("SET %s through the cluster: %v", k, err)
		}
	}
	if len(seen) != len(cl.Nodes) {
		t.Errorf("keys a..h on masters %v, want all %d", seen, len(cl.Nodes))
	}
	if err := DeleteKeys(ctx, cc, "*"); err != nil {
		t.Fatal(err)
	}
	for i, d := range cl.Direct {
		if n, err := d.DBSize(ctx).Result(); err != nil || n != 0 {
			t.Errorf("master %d after DeleteKeys: %d keys %v, want 0", i, n, err)
		}
	}
}

// childEnv names the variable that makes TestSkipOrFail's child run
// call one helper: "addr" or "binary".
const childEnv = "REDISTEST_CHILD"

// TestSkipOrFail runs this test binary again without REDIS_ADDR and
// without redis-server on PATH: Addr and RequireServerBinary skip, or
// fail under RAMPART_REQUIRE_REDIS=1 saying why.
func TestSkipOrFail(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "addr":
		Addr(t)
		t.Fatal("Addr returned without REDIS_ADDR")
	case "binary":
		RequireServerBinary(t)
		t.Fatal("RequireServerBinary returned without redis-server")
	}
	for _, tc := range []struct {
		helper, require, want string
		wantFail              bool
	}{
		{"addr", "", "--- SKIP: TestSkipOrFail", false},
		{"addr", "", "REDIS_ADDR not set", false},
		{"addr", "1", "REDIS_ADDR not set, and RAMPART_REQUIRE_REDIS=1 forbids skipping Redis tests", true},
		{"binary", "0", "redis-server not installed", false},
		{"binary", "1", "redis-server not installed, and RAMPART_REQUIRE_REDIS=1 forbids skipping Redis tests", true},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSkipOrFail$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"="+tc.helper, "REDIS_ADDR=", requireEnv+"="+tc.require, "PATH="+t.TempDir())
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if failed := errors.As(err, &exit); failed != tc.wantFail || (err != nil && !failed) {
			t.Errorf("%s with %s=%q: %v, want failed=%v\n%s", tc.helper, requireEnv, tc.require, err, tc.wantFail, out)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%s with %s=%q: output lacks %q:\n%s", tc.helper, requireEnv, tc.require, tc.want, out)
		}
	}
}
