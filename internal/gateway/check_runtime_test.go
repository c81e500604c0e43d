package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampartsec/rampart/internal/config"
)

// What only the running system decides is not the file's fault: Check
// accepts the file, and serve's failure is not a config error (main prints
// it with the "rampart:" prefix instead of as file:line).

// TestCheckLeavesJWKSReachabilityToServe: an issuer that requires its keys
// at start, at a JWKS URL that answers 500.
func TestCheckLeavesJWKSReachabilityToServe(t *testing.T) {
	var fetches atomic.Int32
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(idp.Close)
	dir := t.TempDir()
	text := checkSections{rest: fmt.Sprintf("authentication:\n  jwt:\n    issuers:\n      - issuer: https://idp.test\n"+
		"        audiences: [app]\n        algorithms: [ES256]\n        jwks_url: %q\n        require_keys_at_start: true\n",
		idp.URL+"/jwks")}.yaml(dir)
	path := filepath.Join(dir, "rampart.yaml")
	writeCheckFile(t, path, []byte(text))

	if err := validateFile(path); err != nil {
		t.Fatalf("validate: %v, want nil (reaching the identity provider is not checked)", err)
	}
	if n := fetches.Load(); n != 0 {
		t.Errorf("validate fetched the JWKS %d times, want none", n)
	}
	err := serveFile(t, path)
	var errs config.Errors
	if err == nil || errors.As(err, &errs) || !strings.Contains(err.Error(), "first jwks fetch") {
		t.Errorf("serve: %v (%T), want the failed first JWKS fetch, not a config error", err, err)
	}
}

// TestCheckWhileServing: validate runs beside the gateway serving the same
// file (it does not take the audit log's lock); a second serve is refused
// by the lock, which is not a config error.
func TestCheckWhileServing(t *testing.T) {
	audit := newAuditKeys(t)
	dir := t.TempDir()
	text := checkSections{rest: checkAuditSection(audit.dir, testAuditHMACEnv, audit.signing)}.yaml(dir)
	path := filepath.Join(dir, "rampart.yaml")
	writeCheckFile(t, path, []byte(text))
	running, err := Start(RunOptions{ConfigPath: path, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() { _ = running.Shutdown(t.Context()) })

	if err := validateFile(path); err != nil {
		t.Errorf("validate beside the running gateway: %v", err)
	}
	err = serveFile(t, path)
	var errs config.Errors
	if err == nil || errors.As(err, &errs) || !strings.Contains(err.Error(), "in use by another writer") {
		t.Errorf("second serve: %v (%T), want the audit lock refusal, not a config error", err, err)
	}
}
