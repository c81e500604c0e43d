package audit

import (
	"errors"
	"fmt"
	"io"
)

// RunVerify implements `rampart audit verify DIR`: it verifies dir and
// writes a report for humans to w. ok is false when any damage was found
// (exit 1); err is for a directory that cannot be read at all or a failed
// write to w (also exit 1).
func RunVerify(w io.Writer, dir string, opts VerifyOptions) (ok bool, err error) {
	rep, err := Verify(dir, opts)
	if err != nil {
		return false, err
	}
	if err := WriteReport(w, dir, rep); err != nil {
		return false, err
	}
	return rep.OK(), nil
}

// WriteReport writes rep the way RunVerify does.
func WriteReport(w io.Writer, dir string, rep *Report) error {
	ew := &errWriter{w: w}
	ew.printf("audit log %s\n", dir)
	ew.printf("  segments     %d\n", rep.Segments)
	if rep.Records > 0 {
		ew.printf("  records      %d (seq %d to %d)\n", rep.Records, rep.FirstSeq, rep.LastSeq)
	} else {
		ew.printf("  records      0\n")
	}
	switch {
	case rep.LastCheckpoint != nil:
		ew.printf("  checkpoints  %d verified; the last, seq %d at %s, covers seq 1 to %d\n",
			rep.Checkpoints, rep.LastCheckpoint.Seq, rep.LastCheckpoint.Time.Format("2006-01-02T15:04:05Z07:00"), rep.LastCheckpoint.HeadSeq)
	case rep.UnverifiedCheckpoints > 0:
		ew.printf("  checkpoints  %d, signatures not verified (no public key)\n", rep.UnverifiedCheckpoints)
	default:
		ew.printf("  checkpoints  none verified\n")
	}
	if rep.ExternalCheckpoints > 0 {
		ew.printf("  off-box      %d checkpoints matched\n", rep.ExternalCheckpoints)
	}
	if rep.PrunedUpTo > 0 {
		ew.printf("  pruned       records 1 to %d removed by retention (signed)\n", rep.PrunedUpTo)
	}
	if rep.Recoveries > 0 {
		ew.printf("  recoveries   %d torn records cut after crashes\n", rep.Recoveries)
	}
	ew.printf("  writer runs  %d, clean end: %t\n", rep.Starts, rep.CleanEnd)
	for i, p := range rep.Problems {
		label := "  problem "
		if i == 0 {
			label = "FIRST BROKEN"
		}
		ew.printf("%s %s\n", label, p)
	}
	if rep.MoreProblems > 0 {
		ew.printf("  … and %d more problems\n", rep.MoreProblems)
	}
	for _, wn := range rep.Warnings {
		ew.printf("warning: %s\n", wn)
	}
	if rep.OK() {
		ew.printf("OK: sequence, hash chain, MACs and signatures verified\n")
	} else {
		n := len(rep.Problems) + rep.MoreProblems
		first := rep.Problems[0]
		ew.printf("FAILED: %d problems; the first at seq %d: %s\n", n, first.Seq, first.Kind)
	}
	return ew.err
}

// KeygenOptions names the files RunKeygen writes.
type KeygenOptions struct {
	// PrivateKeyPath and PublicKeyPath receive the Ed25519 pair (PEM);
	// required.
	PrivateKeyPath, PublicKeyPath string
	// HMACKeyPath, when set, also receives a new HMAC key (hex, 0600).
	HMACKeyPath string
}

// RunKeygen implements `rampart audit keygen`: it writes a new checkpoint
// signing key pair (and optionally an HMAC key), refusing to overwrite
// existing files, and tells the operator where each key belongs.
func RunKeygen(w io.Writer, o KeygenOptions) error {
	if o.PrivateKeyPath == "" || o.PublicKeyPath == "" {
		return errors.New("audit: keygen needs a private and a public key path")
	}
	pub, err := WriteKeyPair(o.PrivateKeyPath, o.PublicKeyPath)
	if err != nil {
		return err
	}
	ew := &errWriter{w: w}
	ew.printf("signing key  %s (0600; audit.signing_key_file on the gateway)\n", o.PrivateKeyPath)
	ew.printf("public key   %s (for rampart audit verify --pubkey; keep a copy off the box)\n", o.PublicKeyPath)
	ew.printf("signer id    %s\n", SignerID(pub))
	if o.HMACKeyPath != "" {
		key, err := GenerateHMACKey()
		if err != nil {
			return err
		}
		if err := writeNewFile(o.HMACKeyPath, []byte(key+"\n"), privateKeyMode); err != nil {
			return err
		}
		kid, _, err := LoadHMACKey("", o.HMACKeyPath, "")
		if err != nil {
			return err
		}
		ew.printf("hmac key     %s (0600; audit.hmac_key_file; verifiers need it too), key id %s\n", o.HMACKeyPath, kid)
	}
	return ew.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
