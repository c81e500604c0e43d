package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunReloadsOnSIGHUP drives Run the way `rampart serve` does: SIGHUP
// reloads the file (an invalid one is refused and the running configuration
// keeps serving) and cancelling the context drains and returns nil.
func TestRunReloadsOnSIGHUP(t *testing.T) {
	// Keep a SIGHUP from ever taking the default action (terminating the
	// test binary), whatever Run does. Deliberately never stopped: a signal
	// still in flight after a Stop would kill the process.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)

	upA, upB := textUpstream(t, "A"), textUpstream(t, "B")
	dir := t.TempDir()
	path := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(path, []byte(oneAPI(upA.URL).yaml(dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, RunOptions{ConfigPath: path, Stdout: io.Discard, Stderr: stderr}) }()
	defer func() {
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", stderr.String())
		}
	}()

	// Run takes over SIGHUP before it starts, so once it has logged its
	// addresses a SIGHUP reaches it.
	var addr string
	eventually(t, "the gateway to start", func() bool {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		default:
		}
		addr = startedAddr(stderr.String())
		return addr != ""
	})
	client := newClient(t)
	if _, body := get(t, client, "http://"+addr+"/api/x"); body != "A" {
		t.Fatalf("before reload: body %q, want A", body)
	}

	if err := os.WriteFile(path, []byte(oneAPI(upB.URL).yaml(dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the SIGHUP reload to serve B", func() bool {
		_, body := get(t, client, "http://"+addr+"/api/x")
		return body == "B"
	})

	if err := os.WriteFile(path, []byte("apis: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the invalid file to be refused", func() bool {
		return strings.Contains(stderr.String(), "configuration reload refused")
	})
	if resp, body := get(t, client, "http://"+addr+"/api/x"); resp.StatusCode != http.StatusOK || body != "B" {
		t.Errorf("after the refused reload: %d %q, want 200 B", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

// startedAddr finds the HTTP address in the "rampart started" log line.
func startedAddr(log string) string {
	for line := range strings.SplitSeq(log, "\n") {
		var rec struct {
			Msg  string `json:"msg"`
			HTTP string `json:"http"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "rampart started" {
			return rec.HTTP
		}
	}
	return ""
}
