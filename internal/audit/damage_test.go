package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// damageSeq is the record every damage case aims at (an outcome: seq 1 is
// the start record, checkpoints sit at 11, 22, 33, ...).
const damageSeq = 25

// TestVerifyNamesEachKindOfDamage damages a real log written by the real
// writer byte by byte and checks that verify names the first broken record,
// where it is and the kind of damage.
func TestVerifyNamesEachKindOfDamage(t *testing.T) {
	var mu sync.Mutex
	var cps []Checkpoint
	dir := t.TempDir()
	l := openTest(t, testConfig(dir), Options{Checkpoints: func(c Checkpoint) { mu.Lock(); cps = append(cps, c); mu.Unlock() }})
	writeOutcomes(t, l, 60)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segmentFiles(t, dir)
	if len(segs) != 1 {
		t.Fatalf("want one segment, got %d", len(segs))
	}
	orig := readLines(t, segs[0])
	at := lineIndexOfSeq(t, orig, damageSeq)
	if p, _ := parseLine(orig[at]); p.rec.Kind != KindOutcome {
		t.Fatalf("seq %d is a %s record, want an outcome", damageSeq, p.rec.Kind)
	}
	prevHash := func(lines [][]byte, i int) [32]byte { p, _ := parseLine(lines[i]); return p.hash }
	lastCP := cps[len(cps)-1]

	tests := []struct {
		name     string
		damage   func(t *testing.T, lines [][]byte) [][]byte
		opts     func(*VerifyOptions)
		wantKind DamageKind
		wantSeq  uint64
		wantLine int // 1-based line of the report; 0: don't check
		manyOK   bool
	}{
		{
			name: "edit one byte",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				i := bytes.Index(lines[at], []byte("/orders/")) + len("/orders/")
				lines[at][i] ^= 1 // one digit of the path becomes another
				return lines
			},
			wantKind: DamageEdited, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name:     "delete a record",
			damage:   func(t *testing.T, lines [][]byte) [][]byte { return slices.Delete(lines, at, at+1) },
			wantKind: DamageDeleted, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name: "insert a forged record",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				forged := forgeRecord(damageSeq, KindAdmin, []byte(`{"action":"unban"}`), prevHash(lines, at-1), "k1", testHMACKey2)
				return slices.Insert(lines, at, forged)
			},
			wantKind: DamageInserted, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name: "insert a copy of another record",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				return slices.Insert(lines, at, bytes.Clone(lines[5]))
			},
			wantKind: DamageInserted, wantSeq: 6, wantLine: at + 1,
		},
		{
			name: "swap two records",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				lines[at], lines[at+1] = lines[at+1], lines[at]
				return lines
			},
			wantKind: DamageReordered, wantSeq: damageSeq + 1, wantLine: at + 1,
		},
		{
			name: "swap records three apart",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				lines[at], lines[at+3] = lines[at+3], lines[at]
				return lines
			},
			wantKind: DamageReordered, wantSeq: damageSeq + 3, wantLine: at + 1,
		},
		{
			name:     "delete five records",
			damage:   func(t *testing.T, lines [][]byte) [][]byte { return slices.Delete(lines, at, at+5) },
			wantKind: DamageDeleted, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name:     "delete the first record",
			damage:   func(t *testing.T, lines [][]byte) [][]byte { return lines[1:] },
			wantKind: DamageDeleted, wantSeq: 1, wantLine: 1,
		},
		{
			name: "swap the first two records",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				lines[0], lines[1] = lines[1], lines[0]
				return lines
			},
			wantKind: DamageReordered, wantSeq: 2, wantLine: 1,
		},
		{
			name: "truncate inside a record",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				return append(lines[:at], lines[at][:len(lines[at])/2])
			},
			wantKind: DamageTruncated, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name:     "truncate after the last checkpoint, caught by the off-box copy",
			damage:   func(t *testing.T, lines [][]byte) [][]byte { return lines[:len(lines)-4] },
			opts:     func(o *VerifyOptions) { o.Checkpoints = []Checkpoint{lastCP} },
			wantKind: DamageTruncated, wantSeq: uint64(len(orig)) - 3,
		},
		{
			name: "a record signed with an unknown key",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				lines[at] = remac(t, lines[at], "evil", testHMACKey2)
				return lines
			},
			wantKind: DamageWrongKey, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name: "a record labelled k1 but signed with another known key",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				lines[at] = remac(t, lines[at], "k1", testHMACKey2)
				return lines
			},
			opts:     func(o *VerifyOptions) { o.HMACKeys["k2"] = testHMACKey2 },
			wantKind: DamageWrongKey, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name: "an edit re-MACed by someone holding the HMAC key",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				edited := bytes.Replace(lines[at], []byte(`"status":200`), []byte(`"status":201`), 1)
				lines[at] = remac(t, edited, "k1", testHMACKey)
				return lines
			},
			wantKind: DamageEdited, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name: "a line that is not a record",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				lines[at] = []byte(`{"hello":"world"}`)
				return lines
			},
			wantKind: DamageCorrupt, wantSeq: damageSeq, wantLine: at + 1,
		},
		{
			name: "a checkpoint signed with another signing key",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				i := lineIndexOfSeq(t, lines, 22)
				p, _ := parseLine(lines[i])
				var d checkpointData
				if err := json.Unmarshal(p.rec.Data, &d); err != nil {
					t.Fatal(err)
				}
				d.Signer = SignerID(otherSignKey.Public().(ed25519.PublicKey))
				d.Sig = signStatement(otherSignKey, checkpointDomain, d.HeadSeq, d.HeadHash)
				data, _ := json.Marshal(d)
				var prev [32]byte
				copy(prev[:], p.prev[:])
				lines[i] = forgeRecord(22, KindCheckpoint, data, prev, "k1", testHMACKey)
				return lines
			},
			wantKind: DamageWrongKey, wantSeq: 22, wantLine: 22,
		},
		{
			// An attacker holding the HMAC key edits a record and rebuilds
			// the chain after it: every MAC and link verifies, but the next
			// checkpoint, which they cannot re-sign, no longer matches.
			name: "an edit rechained with the HMAC key is caught by the next checkpoint",
			damage: func(t *testing.T, lines [][]byte) [][]byte {
				edited := bytes.Replace(lines[at], []byte(`"status":200`), []byte(`"status":201`), 1)
				lines[at] = remac(t, edited, "k1", testHMACKey)
				return rechain(t, lines, at+1)
			},
			wantKind: DamageEdited, wantSeq: 33, wantLine: 33, manyOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			lines := make([][]byte, len(orig))
			for i := range orig {
				lines[i] = bytes.Clone(orig[i])
			}
			writeLines(t, filepath.Join(d, filepath.Base(segs[0])), tt.damage(t, lines))
			if tt.name == "truncate inside a record" {
				// The cut leaves no newline at the end.
				p := filepath.Join(d, filepath.Base(segs[0]))
				b, _ := os.ReadFile(p)
				os.WriteFile(p, bytes.TrimSuffix(b, []byte("\n")), 0o600)
			}
			opts := testVerifyOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			rep := verifyDir(t, d, opts)
			if rep.OK() {
				t.Fatalf("verify passed a damaged log")
			}
			got := rep.Problems[0]
			if got.Kind != tt.wantKind || got.Seq != tt.wantSeq {
				t.Fatalf("first problem = %v; want kind %s at seq %d (all: %v)", got, tt.wantKind, tt.wantSeq, rep.Problems)
			}
			if tt.wantLine != 0 && (got.Line != tt.wantLine || got.Segment != filepath.Base(segs[0])) {
				t.Fatalf("first problem at %s line %d; want line %d", got.Segment, got.Line, tt.wantLine)
			}
			if len(rep.Problems) > 2 && !tt.manyOK {
				t.Errorf("one damage produced %d problems: %v", len(rep.Problems), rep.Problems)
			}
		})
	}
}

// rechain recomputes prev and MAC of every line from i on, as an attacker
// holding the HMAC key would after changing line i-1.
func rechain(t *testing.T, lines [][]byte, from int) [][]byte {
	t.Helper()
	for i := from; i < len(lines); i++ {
		prev, _ := parseLine(lines[i-1])
		p, err := parseLine(lines[i])
		if err != nil {
			t.Fatal(err)
		}
		lines[i] = forgeRecord(p.rec.Seq, p.rec.Kind, p.rec.Data, prev.hash, p.rec.Kid, testHMACKey)
	}
	return lines
}

// TestVerifyUndamagedCopy: the harness itself (copying lines) does not
// damage anything.
func TestVerifyUndamagedCopy(t *testing.T) {
	dir := writeLog(t, 60, nil)
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if !rep.CleanEnd || rep.Checkpoints < 6 || rep.Unanchored != 0 || rep.FirstSeq != 1 {
		t.Fatalf("report = %+v", rep)
	}
}
