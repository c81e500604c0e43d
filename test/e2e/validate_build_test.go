package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestValidateCatchesWhatServeRefuses: a configuration that is valid as
// text but names a certificate that is no certificate. `validate` exits 1
// with file:line: field: message, and `serve` refuses to start with the
// very same line, printed the same way (no "rampart: " in front).
func TestValidateCatchesWhatServeRefuses(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"cert.pem": "not a certificate\n",
		"key.pem":  "not a key either\n",
		"rampart.yaml": `listen:
  http: "127.0.0.1:0"
  https: "127.0.0.1:0"
  tls:
    cert_file: cert.pem
    key_file: key.pem
admin:
  listen: "off"
logging:
  access_log: "off"
events:
  file: "off"
apis:
  - name: app
    upstreams: ["http://127.0.0.1:9"]
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const want = `rampart.yaml:5: listen.tls.cert_file: "cert.pem" holds no PEM certificate`

	validated := runRampart(t, dir, "validate", "-c", "rampart.yaml")
	if validated.code != 1 || validated.stdout != "" || validated.stderr != want+"\n" {
		t.Fatalf("validate: exit %d, stdout %q, stderr %q; want exit 1 and stderr %q",
			validated.code, validated.stdout, validated.stderr, want+"\n")
	}

	served := runRampart(t, dir, "serve", "-c", "rampart.yaml")
	if served.code != 1 {
		t.Fatalf("serve: exit %d, want 1; stderr:\n%s", served.code, served.stderr)
	}
	lines := strings.Split(strings.TrimRight(served.stderr, "\n"), "\n")
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("serve's last stderr line = %q, want %q (the line validate printed)\n%s", last, want, served.stderr)
	}
}

// missingLogDir matches a validate line about a log file whose directory
// does not exist on this machine.
var missingLogDir = regexp.MustCompile(`^\S+:\d+: (?:events\.file|logging\.access_log): cannot open "([^"]+)": no such file or directory$`)

// environmentOnly reports whether every line of validate's stderr is a log
// file in a directory this machine lacks: validate checks the machine as
// serve would use it, and an example's /var/log/rampart is not the
// example's fault.
func environmentOnly(stderr string) bool {
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		m := missingLogDir.FindStringSubmatch(line)
		if m == nil {
			return false
		}
		if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
			return false
		}
	}
	return true
}
