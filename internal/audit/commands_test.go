package audit

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRunVerifyReport(t *testing.T) {
	dir := writeLog(t, 30, nil)
	var out bytes.Buffer
	ok, err := RunVerify(&out, dir, testVerifyOptions())
	if err != nil || !ok {
		t.Fatalf("RunVerify = %v, %v\n%s", ok, err, out.String())
	}
	for _, want := range []string{"records      ", "verified; the last", "clean end: true", "OK: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	seg := segmentFiles(t, dir)[0]
	lines := readLines(t, seg)
	writeLines(t, seg, slices.Delete(lines, 9, 10))
	out.Reset()
	ok, err = RunVerify(&out, dir, testVerifyOptions())
	if err != nil || ok {
		t.Fatalf("RunVerify on a damaged log = %v, %v", ok, err)
	}
	for _, want := range []string{"FIRST BROKEN seq 10 (" + filepath.Base(seg) + " line 10): deleted", "FAILED: 1 problems; the first at seq 10: deleted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	opts := testVerifyOptions()
	opts.PublicKey = nil
	if _, err := RunVerify(&out, dir, opts); err != nil || !strings.Contains(out.String(), "not verified") {
		t.Fatalf("without a public key: %v\n%s", err, out.String())
	}
	if _, err := RunVerify(&out, filepath.Join(dir, "missing"), opts); err == nil {
		t.Fatal("RunVerify of a missing directory: no error")
	}
}

// TestVerifyWithThePublicKeyOnly: without the HMAC key the chain and the
// checkpoints still catch an edit inside the anchored part of the log.
func TestVerifyWithThePublicKeyOnly(t *testing.T) {
	dir := writeLog(t, 30, nil)
	opts := VerifyOptions{PublicKey: testPubKey}
	rep := verifyDir(t, dir, opts)
	requireOK(t, rep)
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "MACs were not checked") {
		t.Fatalf("warnings = %v", rep.Warnings)
	}
	seg := segmentFiles(t, dir)[0]
	lines := readLines(t, seg)
	// Change a digit of record 13's MAC and record 14's status: without the
	// key neither MAC can be checked, but both hashes no longer chain.
	i := len(lines[12]) - 10
	lines[12][i] = map[bool]byte{true: '1', false: '0'}[lines[12][i] == '0']
	lines[13] = bytes.Replace(lines[13], []byte(`"status":200`), []byte(`"status":500`), 1)
	writeLines(t, seg, lines)
	rep = verifyDir(t, dir, opts)
	if rep.OK() || rep.Problems[0].Kind != DamageEdited || rep.Problems[0].Seq != 13 {
		t.Fatalf("problems = %v", rep.Problems)
	}
}
