package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeClock is an injected clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func smallSegments(c *Config) { c.SegmentMaxBytes = 4096 }

func TestRotationBySizeKeepsTheChain(t *testing.T) {
	dir := writeLog(t, 200, smallSegments)
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if rep.Segments < 10 || len(rep.Warnings) != 0 {
		t.Fatalf("%d segments, warnings %v", rep.Segments, rep.Warnings)
	}
	for _, f := range segmentFiles(t, dir) {
		info, _ := os.Stat(f)
		if info.Size() > 4096+64<<10 {
			t.Errorf("%s is %d bytes", f, info.Size())
		}
		if info.Mode().Perm() != segmentMode {
			t.Errorf("%s has mode %v", f, info.Mode().Perm())
		}
	}
}

func TestRotationByAge(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	cfg := testConfig(dir)
	cfg.SegmentMaxAge = time.Hour
	cfg.Now = clock.Now
	l := openTest(t, cfg, Options{})
	writeOutcomes(t, l, 3)
	clock.Add(2 * time.Hour)
	writeOutcomes(t, l, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if rep.Segments != 2 {
		t.Fatalf("%d segments, want 2", rep.Segments)
	}
}

func TestRetentionBySizeLeavesAVerifiableLog(t *testing.T) {
	dir := writeLog(t, 400, func(c *Config) { smallSegments(c); c.RetainMaxBytes = 20 << 10 })
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if rep.PrunedUpTo == 0 || rep.FirstSeq != rep.PrunedUpTo+1 {
		t.Fatalf("pruned up to %d, first seq %d", rep.PrunedUpTo, rep.FirstSeq)
	}
	var total int64
	for _, f := range segmentFiles(t, dir) {
		info, _ := os.Stat(f)
		total += info.Size()
	}
	if total > 20<<10+8<<10 {
		t.Fatalf("the log holds %d bytes, over the 20 KiB retention", total)
	}
	// Without the signed statement the same log fails: delete the oldest
	// remaining segment as an attacker would.
	os.Remove(segmentFiles(t, dir)[0])
	rep = verifyDir(t, dir, testVerifyOptions())
	if rep.OK() || rep.Problems[0].Kind != DamageDeleted {
		t.Fatalf("after deleting the oldest segment: %v", rep.Problems)
	}
}

func TestRetentionByAgeAtOpen(t *testing.T) {
	dir := writeLog(t, 100, smallSegments)
	before := len(segmentFiles(t, dir))
	cfg := testConfig(dir)
	smallSegments(&cfg)
	cfg.RetainMaxAge = 24 * time.Hour
	cfg.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	l := openTest(t, cfg, Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	after := segmentFiles(t, dir)
	if len(after) != 1 || before < 5 {
		t.Fatalf("segments before %d, after %d; want all closed ones pruned", before, len(after))
	}
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if rep.PrunedUpTo == 0 {
		t.Fatal("no pruned record")
	}
}

func TestSegmentDamage(t *testing.T) {
	orig := writeLog(t, 120, smallSegments)
	names := segmentFiles(t, orig)
	if len(names) < 4 {
		t.Fatalf("only %d segments", len(names))
	}
	tests := []struct {
		name     string
		damage   func(t *testing.T, dir string, segs []string)
		wantKind DamageKind
		wantSeg  int // index into segs of the reported segment
	}{
		{
			name:     "a middle segment deleted",
			damage:   func(t *testing.T, dir string, segs []string) { os.Remove(segs[2]) },
			wantKind: DamageMissingSegment, wantSeg: 3,
		},
		{
			name:     "the first segment deleted",
			damage:   func(t *testing.T, dir string, segs []string) { os.Remove(segs[0]) },
			wantKind: DamageDeleted, wantSeg: 1,
		},
		{
			name: "a segment replaced by a directory",
			damage: func(t *testing.T, dir string, segs []string) {
				os.Remove(segs[2])
				os.Mkdir(segs[2], 0o700)
			},
			wantKind: DamageUnreadable, wantSeg: 2,
		},
		{
			name: "a segment cut short",
			damage: func(t *testing.T, dir string, segs []string) {
				lines := readLines(t, segs[1])
				writeLines(t, segs[1], lines[:len(lines)-2])
			},
			wantKind: DamageMissingSegment, wantSeg: 2,
		},
		{
			name: "the oldest segments deleted behind a pruned record signed with another key",
			damage: func(t *testing.T, dir string, segs []string) {
				os.Remove(segs[0])
				first := readLines(t, segs[1])[0]
				p, _ := parseLine(first)
				d := prunedData{UpToSeq: p.rec.Seq - 1, UpToHash: p.rec.Prev, Signer: SignerID(testPubKey),
					Sig: signStatement(otherSignKey, prunedDomain, p.rec.Seq-1, p.rec.Prev)}
				data, _ := json.Marshal(d)
				last := segs[len(segs)-1]
				lines := readLines(t, last)
				lp, _ := parseLine(lines[len(lines)-1])
				lines = append(lines, forgeRecord(lp.rec.Seq+1, KindPruned, data, lp.hash, "k1", testHMACKey))
				writeLines(t, last, lines)
			},
			wantKind: DamageDeleted, wantSeg: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var segs []string
			for _, n := range names {
				b, _ := os.ReadFile(n)
				p := filepath.Join(dir, filepath.Base(n))
				os.WriteFile(p, b, 0o600)
				segs = append(segs, p)
			}
			tt.damage(t, dir, segs)
			rep := verifyDir(t, dir, testVerifyOptions())
			if rep.OK() {
				t.Fatal("verify passed a damaged log")
			}
			got := rep.Problems[0]
			if got.Kind != tt.wantKind || got.Segment != filepath.Base(segs[tt.wantSeg]) {
				t.Fatalf("first problem = %v; want %s in %s (all %v)", got, tt.wantKind, filepath.Base(segs[tt.wantSeg]), rep.Problems)
			}
		})
	}
}

func TestVerifyErrorsAndEmptyDirectory(t *testing.T) {
	if _, err := Verify(filepath.Join(t.TempDir(), "missing"), testVerifyOptions()); err == nil {
		t.Fatal("Verify of a missing directory succeeded")
	}
	rep := verifyDir(t, t.TempDir(), testVerifyOptions())
	if rep.OK() || rep.Problems[0].Kind != DamageMissingSegment {
		t.Fatalf("empty directory: %v", rep.Problems)
	}
}
