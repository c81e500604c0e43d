package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// checkFiles are the files a Check test's configuration names: a valid
// certificate with its key, a second key that belongs to no certificate,
// and a file that is no PEM at all.
type checkFiles struct {
	dir                         string
	cert, key, otherKey, notPEM string
}

func newCheckFiles(t *testing.T) checkFiles {
	t.Helper()
	dir := t.TempDir()
	f := checkFiles{dir: dir, cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem"),
		otherKey: filepath.Join(dir, "other-key.pem"), notPEM: filepath.Join(dir, "garbage.pem")}
	key, keyPEM := newCheckECKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	_, otherPEM := newCheckECKey(t)
	writeCheckFile(t, f.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeCheckFile(t, f.key, keyPEM)
	writeCheckFile(t, f.otherKey, otherPEM)
	writeCheckFile(t, f.notPEM, []byte("this is not a certificate\n"))
	return f
}

func newCheckECKey(t *testing.T) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func writeCheckFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkSections are the parts of a configuration a Check test varies.
type checkSections struct {
	listen string // body of listen (two spaces in); default plain HTTP on loopback
	admin  string // extra lines of admin (two spaces in)
	api    string // body of the one API after its name (four spaces in); default one upstream
	rest   string // other top-level sections
	events string // events.file; default events.jsonl in the test's directory
}

// yaml is the whole file: loopback listeners, logs in dir, one API.
func (c checkSections) yaml(dir string) string {
	listen, api, events := c.listen, c.api, c.events
	if listen == "" {
		listen = "  http: \"127.0.0.1:0\"\n"
	}
	if api == "" {
		api = "    upstreams: [\"http://127.0.0.1:9\"]\n"
	}
	if events == "" {
		events = filepath.Join(dir, "events.jsonl")
	}
	return "listen:\n" + listen +
		"admin:\n  listen: \"127.0.0.1:0\"\n" + c.admin +
		fmt.Sprintf("logging:\n  access_log: %q\n", filepath.Join(dir, "access.log")) +
		fmt.Sprintf("events:\n  file: %q\n", events) +
		c.rest +
		"apis:\n  - name: app\n    path_prefix: /\n" + api
}

// checkHTTPSListen serves HTTPS with the given files.
func checkHTTPSListen(cert, key string) string {
	return fmt.Sprintf("  https: \"127.0.0.1:0\"\n  tls:\n    cert_file: %q\n    key_file: %q\n", cert, key)
}

// validateFile is `rampart validate -c path`: load, then Check.
func validateFile(path string) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	return Check(cfg)
}

// serveFile is `rampart serve -c path` up to the point where it fails.
func serveFile(t *testing.T, path string) error {
	t.Helper()
	svc, err := Start(RunOptions{ConfigPath: path, Stdout: io.Discard, Stderr: io.Discard})
	if err == nil {
		_ = svc.Shutdown(t.Context())
	}
	return err
}

// lineHolding is the 1-based line of text holding marker.
func lineHolding(t *testing.T, text, marker string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("no line holds %q", marker)
	return 0
}

// TestCheckAndServeAgree builds configurations that are valid as text but
// cannot be built, and checks that `validate` (Check) and `serve` (Start)
// both refuse them with the same single config error, at the line and
// field of the culprit.
func TestCheckAndServeAgree(t *testing.T) {
	f := newCheckFiles(t)
	const secretEnv = "RAMPART_CHECK_TEST_UNSET"
	t.Setenv(secretEnv, "") // restored after the test…
	os.Unsetenv(secretEnv)  // …and unset during it
	keysFile := filepath.Join(f.dir, "keys.yaml")
	writeCheckFile(t, keysFile, []byte("- id: app\n  hashez: [\"sha256:00\"]\n"))
	notADir := filepath.Join(f.dir, "plain-file")
	writeCheckFile(t, notADir, []byte("x"))
	audit := newAuditKeys(t)

	tests := []struct {
		name   string
		cfg    checkSections
		marker string // text on the line the error must point at
		field  string
		msg    string // a part of the message
	}{
		{name: "cert file missing",
			cfg:    checkSections{listen: checkHTTPSListen(filepath.Join(f.dir, "absent.pem"), f.key)},
			marker: "cert_file:", field: "listen.tls.cert_file", msg: "cannot read"},
		{name: "cert file not PEM",
			cfg:    checkSections{listen: checkHTTPSListen(f.notPEM, f.key)},
			marker: "cert_file:", field: "listen.tls.cert_file", msg: "holds no PEM certificate"},
		{name: "key of another certificate",
			cfg:    checkSections{listen: checkHTTPSListen(f.cert, f.otherKey)},
			marker: "key_file:", field: "listen.tls.key_file", msg: "private key does not match public key"},
		{name: "client CA unreadable",
			cfg: checkSections{listen: checkHTTPSListen(f.cert, f.key) +
				fmt.Sprintf("    client_auth: require\n    client_ca_file: %q\n", f.dir)},
			marker: "client_ca_file:", field: "listen.tls.client_ca_file", msg: "is a directory"},
		{name: "upstream CA not PEM",
			cfg: checkSections{api: fmt.Sprintf("    upstreams: [\"https://127.0.0.1:9\"]\n    upstream_tls:\n      ca_file: %q\n",
				f.notPEM)},
			marker: "ca_file:", field: "apis[0].upstream_tls.ca_file", msg: "holds no PEM certificate"},
		{name: "JWT key file missing",
			cfg:    checkSections{rest: checkJWTSection(filepath.Join(f.dir, "absent.pem"))},
			marker: "- path:", field: "authentication.jwt.issuers[0].key_files[0].path", msg: "cannot read"},
		{name: "JWT key file not a key",
			cfg:    checkSections{rest: checkJWTSection(f.notPEM)},
			marker: "- path:", field: "authentication.jwt.issuers[0].key_files[0].path", msg: "not a PEM key"},
		{name: "signature key not a key",
			cfg: checkSections{rest: fmt.Sprintf("authentication:\n  signatures:\n    keys:\n"+
				"      - id: partner\n        algorithm: ecdsa-p256-sha256\n        key_file: %q\n", f.notPEM)},
			marker: "- id: partner", field: "authentication.signatures.keys[0]", msg: `signature key "partner"`},
		{name: "API key file malformed",
			cfg:    checkSections{rest: fmt.Sprintf("authentication:\n  api_keys:\n    keys_file: %q\n", keysFile)},
			marker: "keys_file:", field: "authentication.api_keys.keys_file", msg: "line 2: field hashez not found"},
		{name: "route CA not PEM",
			cfg: checkSections{
				listen: checkHTTPSListen(f.cert, f.key) + fmt.Sprintf("    client_auth: request\n    client_ca_file: %q\n", f.cert),
				api: fmt.Sprintf("    upstreams: [\"http://127.0.0.1:9\"]\n    routes:\n      - name: partner\n        path: /partner\n"+
					"        auth:\n          methods: [mtls]\n          client_ca_files: [%q]\n", f.notPEM)},
			marker: "client_ca_files:", field: "apis[0].routes[0].auth.client_ca_files[0]", msg: "holds no PEM certificate"},
		{name: "admin token variable not set",
			cfg:    checkSections{admin: "  token_env: " + secretEnv + "\n"},
			marker: "token_env:", field: "admin.token_env", msg: "environment variable " + secretEnv + " is not set"},
		{name: "redis password variable not set",
			cfg: checkSections{rest: fmt.Sprintf("store:\n  backend: redis\n  redis:\n    addr: 127.0.0.1:1\n    password_env: %s\n",
				secretEnv)},
			marker: "password_env:", field: "store.redis.password_env", msg: "environment variable " + secretEnv + " is not set"},
		{name: "account key variable not set",
			cfg: checkSections{rest: "bruteforce:\n  account_key_env: " + secretEnv + "\n",
				api: "    upstreams: [\"http://127.0.0.1:9\"]\n    routes:\n      - name: login\n        path: /login\n        credential: {}\n"},
			marker: "account_key_env:", field: "bruteforce.account_key_env", msg: "environment variable " + secretEnv + " is not set"},
		{name: "audit key variable not set",
			cfg:    checkSections{rest: checkAuditSection(audit.dir, secretEnv, audit.signing)},
			marker: "hmac_key_env:", field: "audit.hmac_key_env", msg: "hmac key environment variable " + secretEnv + " is not set"},
		{name: "audit signing key not a key",
			cfg:    checkSections{rest: checkAuditSection(audit.dir, testAuditHMACEnv, f.notPEM)},
			marker: "signing_key_file:", field: "audit.signing_key_file", msg: f.notPEM},
		{name: "audit dir under a file",
			cfg:    checkSections{rest: checkAuditSection(filepath.Join(notADir, "audit"), testAuditHMACEnv, audit.signing)},
			marker: "  dir:", field: "audit.dir", msg: "not a directory"},
		{name: "events file in a missing directory",
			cfg:    checkSections{events: filepath.Join(f.dir, "absent", "events.jsonl")},
			marker: "  file:", field: "events.file", msg: "no such file or directory"},
		{name: "OpenAPI document not OpenAPI",
			cfg:    checkSections{api: fmt.Sprintf("    upstreams: [\"http://127.0.0.1:9\"]\n    schema:\n      spec_file: %q\n", f.notPEM)},
			marker: "spec_file:", field: "apis[0].schema.spec_file", msg: f.notPEM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			text := tt.cfg.yaml(dir)
			path := filepath.Join(dir, "rampart.yaml")
			writeCheckFile(t, path, []byte(text))
			want := fmt.Sprintf("%s:%d: %s: ", path, lineHolding(t, text, tt.marker), tt.field)

			validated := validateFile(path)
			var errs config.Errors
			if !errors.As(validated, &errs) || len(errs) != 1 {
				t.Fatalf("validate: %v (%T), want one config error\n--- yaml ---\n%s", validated, validated, text)
			}
			t.Log(validated)
			if got := validated.Error(); !strings.HasPrefix(got, want) || !strings.Contains(got, tt.msg) {
				t.Errorf("validate:\n got %s\nwant %s…%s…", got, want, tt.msg)
			}
			served := serveFile(t, path)
			if !errors.As(served, &errs) {
				t.Fatalf("serve: %v (%T), want config.Errors", served, served)
			}
			if served.Error() != validated.Error() {
				t.Errorf("serve and validate disagree:\n serve    %s\n validate %s", served, validated)
			}
		})
	}
}

// checkJWTSection configures one ES256 issuer with a static key file.
func checkJWTSection(keyFile string) string {
	return fmt.Sprintf("authentication:\n  jwt:\n    issuers:\n      - issuer: https://idp.test\n"+
		"        audiences: [app]\n        algorithms: [ES256]\n        key_files:\n          - path: %q\n", keyFile)
}

// checkAuditSection configures the audit log.
func checkAuditSection(dir, hmacEnv, signingKey string) string {
	return fmt.Sprintf("audit:\n  dir: %q\n  hmac_key_env: %s\n  signing_key_file: %q\n", dir, hmacEnv, signingKey)
}

// TestCheckAcceptsWhatServeStarts gives Check a configuration that uses
// every kind of file it reads, all valid: Check passes, leaves nothing
// behind (no log file, no audit directory), and serve starts with it.
func TestCheckAcceptsWhatServeStarts(t *testing.T) {
	f := newCheckFiles(t)
	audit := newAuditKeys(t)
	t.Setenv("RAMPART_CHECK_TEST_TOKEN", strings.Repeat("t", 40))
	spec := filepath.Join(f.dir, "openapi.yaml")
	writeCheckFile(t, spec, sampleapi.Spec())
	keysFile := filepath.Join(f.dir, "keys.yaml")
	writeCheckFile(t, keysFile, []byte("- id: app\n  hashes: [\"sha256:"+strings.Repeat("ab", 32)+"\"]\n"))
	dir := t.TempDir()
	text := checkSections{
		listen: checkHTTPSListen(f.cert, f.key) + fmt.Sprintf("    client_auth: request\n    client_ca_file: %q\n", f.cert),
		admin:  "  token_env: RAMPART_CHECK_TEST_TOKEN\n",
		rest: strings.Replace(checkJWTSection(f.cert), "authentication:\n", fmt.Sprintf("authentication:\n"+
			"  api_keys:\n    keys_file: %q\n"+
			"  mtls:\n    client_ca_files: [%q]\n"+
			"  signatures:\n    keys:\n      - id: partner\n        algorithm: ecdsa-p256-sha256\n        key_file: %q\n",
			keysFile, f.cert, f.cert), 1) + checkAuditSection(audit.dir, testAuditHMACEnv, audit.signing),
		api: fmt.Sprintf("    upstreams: [\"https://127.0.0.1:9\"]\n    upstream_tls:\n      ca_file: %q\n"+
			"    schema:\n      spec_file: %q\n    auth:\n      methods: [api_key, jwt, mtls, signature]\n", f.cert, spec),
	}.yaml(dir)
	path := filepath.Join(dir, "rampart.yaml")
	writeCheckFile(t, path, []byte(text))
	if err := validateFile(path); err != nil {
		t.Fatalf("validate: %v\n--- yaml ---\n%s", err, text)
	}
	for _, p := range []string{filepath.Join(dir, "access.log"), filepath.Join(dir, "events.jsonl"), audit.dir} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("validate left %s behind (stat: %v)", p, err)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(audit.dir), ".rampart-validate-*")); len(leftovers) > 0 {
		t.Errorf("validate left its probe files behind: %v", leftovers)
	}
	if err := serveFile(t, path); err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// TestCheckReportsEveryProblem: validate lists every problem it finds,
// sorted by line; serve stops at the first it meets, which is one of them.
func TestCheckReportsEveryProblem(t *testing.T) {
	f := newCheckFiles(t)
	t.Setenv("RAMPART_CHECK_TEST_UNSET_TOO", "") // restored after the test…
	os.Unsetenv("RAMPART_CHECK_TEST_UNSET_TOO")  // …and unset during it
	dir := t.TempDir()
	text := checkSections{
		listen: checkHTTPSListen(f.notPEM, f.key),
		admin:  "  token_env: RAMPART_CHECK_TEST_UNSET_TOO\n",
		rest:   checkJWTSection(f.notPEM),
		events: filepath.Join(dir, "absent", "events.jsonl"),
	}.yaml(dir)
	path := filepath.Join(dir, "rampart.yaml")
	writeCheckFile(t, path, []byte(text))
	var want []string
	for _, w := range []struct{ marker, field string }{
		{"cert_file:", "listen.tls.cert_file"},
		{"token_env:", "admin.token_env"},
		{"  file:", "events.file"},
		{"- path:", "authentication.jwt.issuers[0].key_files[0].path"},
	} {
		want = append(want, fmt.Sprintf("%s:%d: %s: ", path, lineHolding(t, text, w.marker), w.field))
	}
	validated := validateFile(path)
	var errs config.Errors
	if !errors.As(validated, &errs) || len(errs) != len(want) {
		t.Fatalf("validate: %v, want %d config errors", validated, len(want))
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d = %s, want prefix %s", i+1, e.Error(), want[i])
		}
	}
	served := serveFile(t, path)
	if served == nil || !strings.Contains(validated.Error()+"\n", served.Error()+"\n") {
		t.Errorf("serve: %v, want one of validate's lines:\n%s", served, validated)
	}
}
