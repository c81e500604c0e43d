package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Fixed test keys: deterministic, so failures reproduce.
var (
	testHMACKey  = bytes.Repeat([]byte{0x42}, 32)
	testHMACKey2 = bytes.Repeat([]byte{0x17}, 32)
	testSignKey  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	testPubKey   = testSignKey.Public().(ed25519.PublicKey)
	otherSignKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
)

func testConfig(dir string) Config {
	return Config{Dir: dir, HMACKey: testHMACKey, KeyID: "k1", SigningKey: testSignKey, CheckpointEvery: 10, Fsync: FsyncNever}
}

func openTest(t testing.TB, cfg Config, opts Options) *Log {
	t.Helper()
	l, err := Open(cfg, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func testVerifyOptions() VerifyOptions {
	return VerifyOptions{HMACKeys: map[string][]byte{"k1": testHMACKey}, PublicKey: testPubKey}
}

func verifyDir(t testing.TB, dir string, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(dir, opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func requireOK(t testing.TB, rep *Report) {
	t.Helper()
	if !rep.OK() {
		t.Fatalf("verify found problems: %v (warnings %v)", rep.Problems, rep.Warnings)
	}
}

func sampleOutcome(i int) *pipeline.Outcome {
	return &pipeline.Outcome{
		RequestID: fmt.Sprintf("req-%06d", i),
		Time:      time.Date(2026, 1, 2, 3, 4, 5, i, time.UTC),
		Client:    netip.MustParseAddr("192.0.2.10"),
		Identity:  &pipeline.Identity{Subject: "alice", KeyID: "key-7", Method: "api_key", Tenant: "acme", Claims: map[string]any{"email": "alice@example.com"}},
		Route:     pipeline.Route{API: "shop", Route: "orders"},
		Method:    "GET", Host: "api.example.com", Path: fmt.Sprintf("/orders/%d", i), UserAgent: "curl/8",
		Status: 200, Verdict: pipeline.VerdictAllowed,
		Latency: 1500 * time.Microsecond, Upstream: time.Millisecond, BytesIn: 10, BytesOut: 512,
	}
}

// writeOutcomes records n outcomes synchronously and returns their seqs.
func writeOutcomes(t testing.TB, l *Log, n int) []uint64 {
	t.Helper()
	seqs := make([]uint64, 0, n)
	for i := range n {
		seq, err := l.RecordOutcome(context.Background(), sampleOutcome(i))
		if err != nil {
			t.Fatalf("RecordOutcome %d: %v", i, err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

// writeLog makes a closed log of n outcomes in a new directory.
func writeLog(t testing.TB, n int, mutate func(*Config)) string {
	t.Helper()
	dir := t.TempDir()
	cfg := testConfig(dir)
	if mutate != nil {
		mutate(&cfg)
	}
	l := openTest(t, cfg, Options{})
	writeOutcomes(t, l, n)
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return dir
}

func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

// readLines returns a segment's lines without newlines.
func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	if len(b) == 0 {
		return nil
	}
	return lines
}

func writeLines(t testing.TB, path string, lines [][]byte) {
	t.Helper()
	var b []byte
	for _, l := range lines {
		b = append(append(b, l...), '\n')
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// lineIndexOfSeq finds the line holding seq in lines.
func lineIndexOfSeq(t testing.TB, lines [][]byte, seq uint64) int {
	t.Helper()
	for i, l := range lines {
		if p, err := parseLine(l); err == nil && p.rec.Seq == seq {
			return i
		}
	}
	t.Fatalf("seq %d not found", seq)
	return -1
}

// forgeRecord builds a record line as the writer would, under key/kid.
func forgeRecord(seq uint64, kind Kind, data []byte, prev [sha256.Size]byte, kid string, key []byte) []byte {
	var prevHex [64]byte
	hexEncode(prevHex[:], prev[:])
	body := appendBody(nil, seq, []byte("2026-01-02T03:04:05Z"), kind, data, prevHex[:], kid)
	return sealLine(body, recordMAC(newMAC(key), body, nil))
}

// remac re-seals an existing line with another key and key id.
func remac(t testing.TB, line []byte, kid string, key []byte) []byte {
	t.Helper()
	p, err := parseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	r := p.rec
	body := appendBody(nil, r.Seq, []byte(r.Time), r.Kind, r.Data, []byte(r.Prev), kid)
	return sealLine(body, recordMAC(newMAC(key), body, nil))
}

func hexEncode(dst, src []byte) {
	const digits = "0123456789abcdef"
	for i, b := range src {
		dst[2*i], dst[2*i+1] = digits[b>>4], digits[b&15]
	}
}

// recordsOf parses every record of dir in order.
func recordsOf(t testing.TB, dir string) []parsedLine {
	t.Helper()
	var out []parsedLine
	for _, f := range segmentFiles(t, dir) {
		for _, l := range readLines(t, f) {
			p, err := parseLine(l)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, p)
		}
	}
	return out
}

// waitFor receives from ch or fails after a generous deadline (a guard
// against hangs, not a timing assertion).
func waitFor[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
