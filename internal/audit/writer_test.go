package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestConfigValidation(t *testing.T) {
	base := testConfig("/tmp/x")
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no dir", func(c *Config) { c.Dir = "" }, "dir is required"},
		{"short key", func(c *Config) { c.HMACKey = []byte("short") }, "at least 32"},
		{"bad key id", func(c *Config) { c.KeyID = "a b" }, "key id"},
		{"no signing key", func(c *Config) { c.SigningKey = nil }, "signing key is required"},
		{"bad fsync", func(c *Config) { c.Fsync = "sometimes" }, "fsync"},
		{"bad on_full", func(c *Config) { c.OnFull = "panic" }, "on_full"},
		{"bad outcomes", func(c *Config) { c.Outcomes = "some" }, "outcomes"},
		{"tiny segments", func(c *Config) { c.SegmentMaxBytes = 10 }, "segment_max_bytes"},
		{"negative duration", func(c *Config) { c.RetainMaxAge = -time.Second }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.mutate(&c)
			_, err := c.normalize()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("normalize() = %v; want error containing %q", err, tt.want)
			}
		})
	}
	c, err := Config{Dir: "d", HMACKey: testHMACKey, SigningKey: testSignKey}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyID != DeriveKeyID(testHMACKey) || c.Fsync != FsyncInterval || c.OnFull != OnFullBlock || c.QueueSize != DefaultQueueSize ||
		c.CheckpointEvery != DefaultCheckpointEvery || c.Outcomes != OutcomesAll {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestWriteAllKindsAndVerify(t *testing.T) {
	dir := t.TempDir()
	events := make(chan string, 16)
	l := openTest(t, testConfig(dir), Options{EmitEvent: func(e *pipeline.Event) { events <- e.Kind }})
	writeOutcomes(t, l, 25)
	l.WriteOutcome(sampleOutcome(99))
	l.WriteEvent(&pipeline.Event{Kind: "denial", Severity: pipeline.SeverityHigh, Guard: "ratelimit", Rule: "per-ip", Client: netip.MustParseAddr("198.51.100.7")})
	l.WriteEvent(&pipeline.Event{Kind: "audit.dropped"}) // the log's own kind: ignored
	l.Admin("ban", map[string]string{"client": "198.51.100.7", "actor": "admin-token-1", "reason": "stuffing"})
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	if st.SyncedSeq != st.LastSeq || st.LastSeq == 0 {
		t.Fatalf("after Flush: %+v", st)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := l.Healthy(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Healthy after Close = %v", err)
	}
	l.WriteOutcome(sampleOutcome(1)) // after Close: dropped, no panic
	if l.Stats().Dropped != 1 {
		t.Fatalf("dropped after close = %d", l.Stats().Dropped)
	}
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	counts := map[Kind]int{}
	for _, p := range recordsOf(t, dir) {
		counts[p.rec.Kind]++
	}
	if counts[KindOutcome] != 26 || counts[KindEvent] != 1 || counts[KindAdmin] != 1 || counts[KindStart] != 1 || counts[KindStop] != 1 {
		t.Fatalf("record counts = %v", counts)
	}
	if counts[KindCheckpoint] != rep.Checkpoints || rep.Checkpoints < 3 || !rep.CleanEnd || rep.Unanchored != 0 {
		t.Fatalf("report = %+v, counts %v", rep, counts)
	}
	select {
	case k := <-events:
		t.Fatalf("unexpected event %s", k)
	default:
	}
}

// TestNoSecretsInRecords: headers never reach the log, claims are left out,
// secret-looking fields and credential-looking values are hashed.
func TestNoSecretsInRecords(t *testing.T) {
	dir := t.TempDir()
	l := openTest(t, testConfig(dir), Options{})
	o := sampleOutcome(1)
	o.Path = "/login?token=sekret-query-token"
	o.Identity.Claims = map[string]any{"email": "alice@private.example"}
	l.WriteOutcome(o)
	l.WriteEvent(&pipeline.Event{Kind: "denial", Evidence: map[string]string{
		"password": "hunter2-password", "X-Api-Key": "sk_live_apikey", "header": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig-bearer",
		"key_id": "key-7", "payload": "' OR 1=1--",
	}})
	l.Admin("revoke", map[string]string{"api_key": "rk_live_revoked_secret", "key_id": "key-9", "Cookie": "session=cookie-secret"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range segmentFiles(t, dir) {
		b, _ := os.ReadFile(f)
		all = append(all, b...)
	}
	for _, secret := range []string{"sekret-query-token", "alice@private.example", "hunter2-password", "sk_live_apikey", "sig-bearer", "rk_live_revoked_secret", "cookie-secret"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("the log contains %q", secret)
		}
	}
	for _, kept := range []string{`"key_id":"key-7"`, `"key_id":"key-9"`, `OR 1=1`, `"path":"/login"`, `"subject":"alice"`, HashSecret(testHMACKey, "hunter2-password")} {
		if !bytes.Contains(all, []byte(kept)) {
			t.Errorf("the log lacks %s", kept)
		}
	}
	if got := l.HashSecret("x"); got != HashSecret(testHMACKey, "x") || !strings.HasPrefix(got, "h:") {
		t.Errorf("HashSecret = %q", got)
	}
	red := l.Redact(map[string]string{"password": "p", "user": "bob"})
	if red["password"] == "p" || red["user"] != "bob" {
		t.Errorf("Redact = %v", red)
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "Authorization": true, "X-API-Key": true, "api_key": true, "apiKey": true, "session_token": true,
		"Cookie": true, "client_secret": true, "private_key": true, "key": true,
		"key_id": false, "token_name": false, "kid": false, "user": false, "client": false, "path": false, "key_prefix": false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestOutcomesDeniedOnly(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Outcomes = OutcomesDenied
	l := openTest(t, cfg, Options{})
	for _, v := range []pipeline.Verdict{pipeline.VerdictAllowed, pipeline.VerdictDenied, pipeline.VerdictFlagged, pipeline.VerdictError} {
		o := sampleOutcome(1)
		o.Verdict = v
		seq, err := l.RecordOutcome(context.Background(), o)
		if err != nil || (v == pipeline.VerdictAllowed) != (seq == 0) {
			t.Fatalf("RecordOutcome(%s) = %d, %v", v, seq, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindOutcome {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d outcomes recorded, want 3", n)
	}
}

func TestReopenContinuesTheChain(t *testing.T) {
	dir := t.TempDir()
	for range 3 {
		l := openTest(t, testConfig(dir), Options{})
		writeOutcomes(t, l, 7)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if rep.Starts != 3 {
		t.Fatalf("starts = %d", rep.Starts)
	}
	var previous []string
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindStart {
			var d startData
			json.Unmarshal(p.rec.Data, &d)
			previous = append(previous, d.Previous)
		}
	}
	if strings.Join(previous, ",") != "none,clean,clean" {
		t.Fatalf("start records say previous = %v", previous)
	}
}

func TestSecondWriterRefused(t *testing.T) {
	dir := t.TempDir()
	l := openTest(t, testConfig(dir), Options{})
	defer l.Close()
	if _, err := Open(testConfig(dir), Options{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open = %v; want in use", err)
	}
}

func TestCheckpointsForwardedAndVerifiedOffBox(t *testing.T) {
	dir := t.TempDir()
	cps := make(chan Checkpoint, 100)
	cfg := testConfig(dir)
	cfg.Fsync = FsyncInterval
	l := openTest(t, cfg, Options{Checkpoints: func(c Checkpoint) { cps <- c }})
	writeOutcomes(t, l, 30)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	close(cps)
	// The SIEM keeps them as events; read them back from ECS-shaped lines.
	var siem bytes.Buffer
	n := 0
	for c := range cps {
		if err := c.Verify(testPubKey); err != nil {
			t.Fatalf("forwarded checkpoint does not verify: %v", err)
		}
		ev := c.Event()
		doc := map[string]any{"@timestamp": c.Time, "event": map[string]any{"action": ev.Kind}, "rampart": map[string]any{"evidence": ev.Evidence}}
		json.NewEncoder(&siem).Encode(doc)
		siem.WriteString("not json\n")
		n++
	}
	parsed, err := ParseCheckpoints(&siem)
	if err != nil || len(parsed) != n || n < 3 {
		t.Fatalf("ParseCheckpoints = %d (%v), forwarded %d", len(parsed), err, n)
	}
	opts := testVerifyOptions()
	opts.Checkpoints = parsed
	rep := verifyDir(t, dir, opts)
	requireOK(t, rep)
	if rep.ExternalCheckpoints != n {
		t.Fatalf("matched %d off-box checkpoints, want %d", rep.ExternalCheckpoints, n)
	}
	// A forged off-box checkpoint is ignored with a warning, not trusted.
	forged := parsed[0]
	forged.HeadSeq = 10_000
	opts.Checkpoints = []Checkpoint{forged}
	rep = verifyDir(t, dir, opts)
	requireOK(t, rep)
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "ignored") {
		t.Fatalf("warnings = %v", rep.Warnings)
	}
}

func TestCheckpointInterval(t *testing.T) {
	dir := t.TempDir()
	cps := make(chan Checkpoint, 10)
	cfg := testConfig(dir)
	cfg.CheckpointEvery = 1_000_000
	cfg.CheckpointInterval = 5 * time.Millisecond
	l := openTest(t, cfg, Options{Checkpoints: func(c Checkpoint) { cps <- c }})
	seqs := writeOutcomes(t, l, 1)
	c := waitFor(t, cps, "an interval checkpoint")
	if c.HeadSeq < seqs[0] {
		t.Fatalf("checkpoint head %d does not cover record %d", c.HeadSeq, seqs[0])
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	requireOK(t, verifyDir(t, dir, testVerifyOptions()))
}

func TestRotateKey(t *testing.T) {
	dir := t.TempDir()
	l := openTest(t, testConfig(dir), Options{})
	writeOutcomes(t, l, 5)
	if err := l.RotateKey(context.Background(), "k2", testHMACKey2); err != nil {
		t.Fatal(err)
	}
	if err := l.RotateKey(context.Background(), "k3", []byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
	writeOutcomes(t, l, 5)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	opts := testVerifyOptions()
	opts.HMACKeys["k2"] = testHMACKey2
	requireOK(t, verifyDir(t, dir, opts))
	rep := verifyDir(t, dir, testVerifyOptions())
	if rep.OK() || rep.Problems[0].Kind != DamageWrongKey || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Detail, `"k2"`) {
		t.Fatalf("without the new key: %v", rep.Problems)
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.QueueSize = 16
	cfg.Fsync = FsyncAlways
	cfg.SegmentMaxBytes = 16 << 10
	l := openTest(t, cfg, Options{})
	const writers, each = 8, 60
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				switch i % 3 {
				case 0:
					l.WriteOutcome(sampleOutcome(w*1000 + i))
				case 1:
					if _, err := l.RecordOutcome(context.Background(), sampleOutcome(w*1000+i)); err != nil {
						t.Error(err)
					}
				default:
					l.Admin("ban", map[string]string{"client": "192.0.2.1"})
				}
				if i%20 == 0 {
					_ = l.Healthy()
					_ = l.Stats()
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	n := 0
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindOutcome || p.rec.Kind == KindAdmin {
			n++
		}
	}
	if n != writers*each || rep.Segments < 2 {
		t.Fatalf("%d records in %d segments; want %d in several", n, rep.Segments, writers*each)
	}
}

// TestTornTailIsCutAndRecorded: a crash mid-write leaves half a record;
// verify calls it truncated, Open cuts it, records the cut and says so.
func TestTornTailIsCutAndRecorded(t *testing.T) {
	dir := writeLog(t, 12, nil)
	seg := segmentFiles(t, dir)[0]
	f, _ := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	const torn = `{"seq":99,"time":"2026-01-02T03:04:05Z","kind":"outc`
	f.WriteString(torn)
	f.Close()
	rep := verifyDir(t, dir, testVerifyOptions())
	if rep.OK() || rep.Problems[0].Kind != DamageTruncated {
		t.Fatalf("before recovery: %v", rep.Problems)
	}
	events := make(chan *pipeline.Event, 4)
	l := openTest(t, testConfig(dir), Options{EmitEvent: func(e *pipeline.Event) { c := *e; events <- &c }})
	ev := waitFor(t, events, "the recovered event")
	if ev.Kind != "audit.recovered" || ev.Evidence["bytes"] != strconv.Itoa(len(torn)) {
		t.Fatalf("event = %+v", ev)
	}
	writeOutcomes(t, l, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep = verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if rep.Recoveries != 1 {
		t.Fatalf("recoveries = %d", rep.Recoveries)
	}
}

func TestOpenRefusesACorruptLastRecord(t *testing.T) {
	dir := writeLog(t, 3, nil)
	seg := segmentFiles(t, dir)[0]
	f, _ := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("garbage\n")
	f.Close()
	if _, err := Open(testConfig(dir), Options{}); err == nil || !strings.Contains(err.Error(), "verify") {
		t.Fatalf("Open = %v; want a refusal pointing at verify", err)
	}
}

func TestEmptyTrailingSegmentRemoved(t *testing.T) {
	dir := writeLog(t, 3, nil)
	last := recordsOf(t, dir)
	empty := filepath.Join(dir, segmentName(last[len(last)-1].rec.Seq+1))
	if err := os.WriteFile(empty, []byte(`{"seq":`), 0o600); err != nil {
		t.Fatal(err)
	}
	l := openTest(t, testConfig(dir), Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep := verifyDir(t, dir, testVerifyOptions())
	requireOK(t, rep)
	if rep.Recoveries != 1 || rep.Segments != 1 {
		t.Fatalf("report = %+v", rep)
	}
}
