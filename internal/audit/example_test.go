package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"

	"github.com/rampartsec/rampart/internal/audit"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// Write a few records, close the log, verify it.
func Example() {
	dir, _ := os.MkdirTemp("", "audit-example")
	defer os.RemoveAll(dir)
	key := make([]byte, 32)
	rand.Read(key)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)

	l, err := audit.Open(audit.Config{Dir: dir, HMACKey: key, KeyID: "ops-1", SigningKey: priv}, audit.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	l.WriteOutcome(&pipeline.Outcome{RequestID: "r1", Method: "GET", Path: "/orders/7", Status: 200, Verdict: pipeline.VerdictAllowed})
	l.Admin("ban", map[string]string{"client": "203.0.113.9", "actor": "ops"})
	if _, err := l.RecordEvent(context.Background(), &pipeline.Event{Kind: "ban", Severity: pipeline.SeverityHigh}); err != nil {
		fmt.Println(err)
	}
	if err := l.Close(); err != nil {
		fmt.Println(err)
	}

	rep, err := audit.Verify(dir, audit.VerifyOptions{HMACKeys: map[string][]byte{"ops-1": key}, PublicKey: pub})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ok:", rep.OK(), "records:", rep.Records, "clean end:", rep.CleanEnd)
	// Output: ok: true records: 6 clean end: true
}
