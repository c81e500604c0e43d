package audit

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// seedSegments writes a real log and returns its segment files' bytes.
func seedSegments(f *testing.F) [][]byte {
	f.Helper()
	dir := f.TempDir()
	l, err := Open(Config{Dir: dir, HMACKey: testHMACKey, KeyID: "k1", SigningKey: testSignKey, CheckpointEvery: 3, SegmentMaxBytes: 4096, Fsync: FsyncNever}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	writeOutcomes(f, l, 6)
	l.Admin("ban", map[string]string{"client": "192.0.2.1"})
	if err := l.Close(); err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, p := range segmentFiles(f, dir) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

var validKinds = map[DamageKind]bool{
	DamageEdited: true, DamageDeleted: true, DamageInserted: true, DamageReordered: true, DamageTruncated: true,
	DamageWrongKey: true, DamageCorrupt: true, DamageMissingSegment: true, DamageUnreadable: true,
}

// FuzzVerify feeds corrupted segments to the verifier and to show: they
// must never panic, must name a known kind for every problem, and must pass
// the untouched log. The log is two segments, one of them the fuzzed one;
// kept small because the fuzzer minimizes every interesting input (use
// -fuzzminimizetime to bound that).
func FuzzVerify(f *testing.F) {
	segs := seedSegments(f)
	if len(segs) != 2 {
		f.Fatalf("want two seed segments, got %d", len(segs))
	}
	for i, s := range segs {
		f.Add(s, uint8(i))
		f.Add(bytes.Replace(s, []byte(`"seq":`), []byte(`"seq":1`), 1), uint8(i))
		f.Add(s[:len(s)/2], uint8(i))
		f.Add(bytes.ReplaceAll(s, []byte("\n"), []byte("\r\n")), uint8(i))
	}
	f.Add([]byte("\n\n\n"), uint8(0))
	f.Add([]byte(strings.Repeat("x", 5000)), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		fsys := fstest.MapFS{}
		idx := int(which) % len(segs)
		for i, s := range segs {
			name := segmentName(uint64(i*1000 + 1))
			if i == idx {
				fsys[name] = &fstest.MapFile{Data: data}
			} else {
				fsys[name] = &fstest.MapFile{Data: s}
			}
		}
		// Real names: the seeds' own first seqs do not matter to verify.
		rep, err := VerifyFS(fsys, testVerifyOptions())
		if err != nil {
			t.Fatalf("VerifyFS: %v", err)
		}
		for _, p := range rep.Problems {
			if !validKinds[p.Kind] || p.Detail == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if bytes.Equal(data, segs[idx]) && !rep.OK() {
			t.Fatalf("the untouched log fails: %v", rep.Problems)
		}
		var out bytes.Buffer
		if _, err := ShowFS(&out, fsys, Filter{}, FormatTable); err != nil {
			t.Fatalf("ShowFS: %v", err)
		}
		if err := WriteReport(io.Discard, "fuzz", rep); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseLine: the record parser never panics, and whatever it accepts
// is exactly the canonical form.
func FuzzParseLine(f *testing.F) {
	for _, s := range seedSegments(f) {
		for _, line := range bytes.Split(s, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"seq":1,"time":"2026-01-02T03:04:05Z","kind":"start","data":{},"prev":"` + genesisHash + `","kid":"k1","mac":"` + genesisHash + `"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := parseLine(line)
		if err != nil {
			return
		}
		r := p.rec
		body := appendBody(nil, r.Seq, []byte(r.Time), r.Kind, r.Data, []byte(r.Prev), r.Kid)
		if !bytes.Equal(body[:len(body)-1], line[:p.macAt]) {
			t.Fatalf("accepted a non-canonical line %q", line)
		}
		p.macValid(newMAC(testHMACKey), line)
	})
}

// FuzzParseCheckpoints: off-box copies come from SIEM exports anyone may
// have touched; parsing must never panic.
func FuzzParseCheckpoints(f *testing.F) {
	f.Add([]byte(`{"seq":5,"head_seq":4,"head_hash":"ab","signer":"x","sig":"00"}`))
	f.Add([]byte(`{"rampart":{"evidence":{"head_seq":"4","head_hash":"ab","signer":"x","sig":"00"}}}` + "\nnot json\n[1,[2,[3]]]"))
	f.Add([]byte(strings.Repeat("[", 10000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		cps, _ := ParseCheckpoints(bytes.NewReader(data))
		for _, c := range cps {
			_ = c.Verify(testPubKey)
		}
	})
}
