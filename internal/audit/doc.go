// Package audit is Rampart's tamper-evident audit log: an append-only,
// hash-chained, HMAC-authenticated record of every request outcome, security
// event and administrative action, with Ed25519-signed checkpoints, and the
// verifier that finds and names any later edit, deletion, insertion,
// reordering or truncation.
//
// The threat is an attacker who gets onto the gateway's host and covers their
// tracks by editing, deleting, reordering or cutting the log. Each record
// carries the SHA-256 of the previous record's line and an HMAC-SHA256 under
// a key id, so any change breaks the chain at the changed record; every
// CheckpointEvery records or CheckpointInterval a checkpoint record, signed
// with an Ed25519 key the verifier only needs the public half of, pins the
// chain head. Forward checkpoints off the box (Options.Checkpoints) and an
// attacker who also holds the HMAC key still cannot rewrite or cut anything
// those checkpoints cover. docs/audit.md has the threat model and formats.
//
// Writing:
//
//	l, err := audit.Open(audit.Config{
//		Dir:        "/var/lib/rampart/audit",
//		HMACKey:    key, // LoadHMACKey
//		SigningKey: priv, // LoadSigningKey; `rampart audit keygen` makes one
//	}, audit.Options{Checkpoints: forward, EmitEvent: events.WriteEvent})
//	defer l.Close()
//	chain, _ := pipeline.NewChain(pipeline.Options{
//		Outcomes: []pipeline.OutcomeSink{l}, Events: []pipeline.EventSink{l}, ...})
//	admin.Options{OnAction: l.Admin}
//	if err := l.Healthy(); err != nil { /* on_audit_failure: refuse → 503 */ }
//
// Records go through a bounded queue to one writer goroutine that owns the
// segment file, batches what is queued into one write (and, with fsync
// "always", one fsync: group commit), rotates segments by size and age and
// prunes old ones behind a signed "pruned" record. Open cuts a torn last
// record left by a crash and records that it did.
//
// Reading: Verify (and RunVerify for `rampart audit verify`) checks the whole
// directory and reports the first broken record and the kind of damage;
// RunShow (`rampart audit show`) filters records for investigators; RunKeygen
// (`rampart audit keygen`) makes the signing key pair.
package audit
