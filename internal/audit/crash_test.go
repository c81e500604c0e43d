package audit

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

const helperDirEnv = "RAMPART_AUDIT_HELPER_DIR"

// TestHelperWriter is the child of TestSIGKILLMidBurst: it writes outcomes
// from several goroutines with fsync always and prints the sequence number
// of every acknowledged record, until it is killed.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("helper process for TestSIGKILLMidBurst")
	}
	cfg := testConfig(dir)
	cfg.Fsync = FsyncAlways
	cfg.SegmentMaxBytes = 32 << 10 // rotations happen during the burst too
	l, err := Open(cfg, Options{})
	if err != nil {
		fmt.Fprintln(os.Stdout, "error", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				seq, err := l.RecordOutcome(context.Background(), sampleOutcome(g*1_000_000+i))
				if err != nil {
					fmt.Fprintln(os.Stdout, "error", err)
					os.Exit(2)
				}
				mu.Lock()
				os.Stdout.WriteString("ack " + strconv.FormatUint(seq, 10) + "\n")
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestSIGKILLMidBurst kills a writer with SIGKILL in the middle of a burst,
// restarts it, and checks that the log recovers, verifies clean, and holds
// every record the child saw acknowledged.
func TestSIGKILLMidBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	acked := map[uint64]bool{}
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
		seqText, ok := strings.CutPrefix(line, "ack ")
		if !ok {
			continue
		}
		seq, err := strconv.ParseUint(seqText, 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", line)
		}
		acked[seq] = true
		if len(acked) == 1500 && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	if err := cmd.Wait(); err == nil || !killed {
		t.Fatalf("child exited on its own (err %v) after %d acks", err, len(acked))
	}

	// Before recovery, the only damage allowed is a torn last record.
	rep := verifyDir(t, dir, testVerifyOptions())
	for _, p := range rep.Problems {
		if p.Kind != DamageTruncated {
			t.Fatalf("after SIGKILL, before recovery: %v", rep.Problems)
		}
	}

	l := openTest(t, testConfig(dir), Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep = verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	present := map[uint64]bool{}
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindOutcome {
			present[p.rec.Seq] = true
		}
	}
	for seq := range acked {
		if !present[seq] {
			t.Fatalf("acknowledged record %d is missing after the crash", seq)
		}
	}
	t.Logf("%d records acknowledged before SIGKILL, %d outcomes on disk, %d segments, %d recoveries",
		len(acked), len(present), rep.Segments, rep.Recoveries)
}
