package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/metrics"
	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// storeConfig is a defaulted config holding only a store section.
func storeConfig(s config.Store) *config.Config {
	s.MaxKeys = max(s.MaxKeys, 1000)
	if s.Backend == "" {
		s.Backend = "memory"
	}
	if s.FailMode == "" {
		s.FailMode = "local"
	}
	s.Replicas = max(s.Replicas, 1)
	if s.Redis.Timeout == 0 {
		s.Redis.Timeout = time.Second
	}
	return &config.Config{Store: s}
}

func openTestStore(t *testing.T, cfg *config.Config) (store.Store, error) {
	t.Helper()
	m, err := metrics.New(metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(cfg, slog.New(slog.DiscardHandler), m)
	if err == nil {
		t.Cleanup(func() { _ = st.Close() })
	}
	return st, err
}

// TestStoreMaxMarks: store.max_marks bounds each kind of mark; a full kind
// refuses new marks and keeps the old ones.
func TestStoreMaxMarks(t *testing.T) {
	st, err := openTestStore(t, storeConfig(config.Store{MaxMarks: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	until := time.Now().Add(time.Hour)
	for i := range 1000 {
		if err := st.PutMark(ctx, "ban", store.Mark{Key: fmt.Sprint("198.51.100.", i), Until: until}); err != nil {
			t.Fatalf("mark %d: %v", i, err)
		}
	}
	if err := st.PutMark(ctx, "ban", store.Mark{Key: "203.0.113.1", Until: until}); !errors.Is(err, store.ErrFull) {
		t.Errorf("mark 1001: %v, want ErrFull", err)
	}
	if _, ok, _ := st.GetMark(ctx, "ban", "198.51.100.0"); !ok {
		t.Error("the first ban was pushed out")
	}
}

// TestStoreRedisClusterConfig: cluster: true builds a cluster client, which
// a Redis without cluster support refuses at start (a single-node client
// would connect), while addr connects to the same Redis.
func TestStoreRedisClusterConfig(t *testing.T) {
	addr := redistest.Addr(t)
	rc := config.Redis{Prefix: "rampart-test-cluster-config"}
	single := rc
	single.Addr = addr
	if _, err := openTestStore(t, storeConfig(config.Store{Backend: "redis", Redis: single})); err != nil {
		t.Fatalf("addr %s: %v", addr, err)
	}
	cluster := rc
	cluster.Cluster, cluster.Addrs = true, []string{addr}
	_, err := openTestStore(t, storeConfig(config.Store{Backend: "redis", Redis: cluster}))
	if err == nil || !strings.Contains(err.Error(), "cluster support disabled") {
		t.Errorf("cluster: true against a non-cluster Redis: %v, want its refusal", err)
	}
}
